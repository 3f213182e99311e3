"""下载 page: the graph in standard RDF serialisations."""

from __future__ import annotations

import streamlit as st

from views.common import build_stamp, built_service, service_or_stop


def downloads_page() -> None:
    """下载: the graph in standard RDF serialisations."""
    service_or_stop()  # stops the page with an explanation when the build is unusable
    st.title("下载")
    st.write("整个知识图谱（每个文档一个命名图）。")
    stamp = build_stamp()  # one manifest read for the page, not one per format
    for label, fmt, mime, name in (("TriG（保留命名图）", "trig", "application/trig", "policy-kg.trig"),
                                   ("N-Quads", "nquads", "application/n-quads", "policy-kg.nq"),
                                   ("Turtle（合并为一个图）", "turtle", "text/turtle", "policy-kg.ttl"),
                                   ("JSON-LD（合并为一个图）", "jsonld", "application/ld+json", "policy-kg.jsonld")):
        st.download_button(label, data=_export(fmt, stamp), file_name=name, mime=mime, key=f"dl_{fmt}")


@st.cache_data(show_spinner=False)
def _export(fmt: str, stamp: str) -> bytes:
    """The graph in ``fmt``, cached per build (``stamp``): after an upload the new graph is served."""
    # The service without the sidebar's status line: service_or_stop draws it once per page
    # (called here for each of the four formats it drew it four more times).
    return built_service().export(fmt)


downloads_page()
