"""下载 page: the graph in standard RDF serialisations."""

from __future__ import annotations

import streamlit as st

from kg.query.upload import file_size
from views.common import build_stamp, built_service, service_or_stop


def downloads_page() -> None:
    """下载: the graph in standard RDF serialisations."""
    service_or_stop()  # stops the page with an explanation when the build is unusable
    st.title("下载")
    st.write("整个知识图谱的数据文件，供导入图数据库或其他分析工具；每个文档的内容记在一个命名图中。"
             "只需查看或导出指标与目标的，请用“指标与目标”页的“导出 CSV”。")
    stamp = build_stamp()  # one manifest read for the page, not one per format
    # Each format said in words: its name alone (TriG, N-Quads …) tells a policy officer nothing.
    for label, fmt, mime, name, use in (
            ("TriG（保留命名图）", "trig", "application/trig", "policy-kg.trig",
             "保留每条数据来自哪份文档，适合导入支持命名图的图数据库。"),
            ("N-Quads", "nquads", "application/n-quads", "policy-kg.nq", "同样保留来源文档，每行一条数据，适合批量导入。"),
            ("Turtle（合并为一个图）", "turtle", "text/turtle", "policy-kg.ttl",
             "所有文档合并为一个图，文字便于阅读，多数图数据工具都能打开。"),
            ("JSON-LD（合并为一个图）", "jsonld", "application/ld+json", "policy-kg.jsonld",
             "所有文档合并为一个图，JSON 格式，便于程序读取。")):
        data = _export(fmt, stamp)
        st.download_button(label, data=data, file_name=name, mime=mime, key=f"dl_{fmt}", icon=":material/download:")
        st.caption(f"{use}文件 {name}，{file_size(len(data))}。")


@st.cache_data(show_spinner=False)
def _export(fmt: str, stamp: str) -> bytes:
    """The graph in ``fmt``, cached per build (``stamp``): after an upload the new graph is served."""
    # The service without the sidebar's status line: service_or_stop draws it once per page
    # (called here for each of the four formats it drew it four more times).
    return built_service().export(fmt)


downloads_page()
