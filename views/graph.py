"""图谱 page: an interactive graph around one entity; click a node to move there."""

from __future__ import annotations

import streamlit as st

from views.common import PICK, service_or_stop
from views.render import TYPE_COLOURS, TYPE_NAMES

RELATION_NAMES = {"hasItem": "包含", "inColumn": "属于专栏", "memberOf": "成员", "locatedIn": "位于",
                  "partOfItem": "属于项目", "belongsToProgramme": "属于", "cites": "引用", "mentionedIn": "提及于",
                  "indicator": "指标", "setBy": "设定", "reportedIn": "报告"}


def graph_page() -> None:
    service = service_or_stop()
    st.title("图谱")
    everything = service.entities()
    by_iri = {e.iri: e for e in everything}
    options = [e.iri for e in everything]
    wanted = st.query_params.get("e", "")
    if wanted not in by_iri and options:
        # No choice yet: open on the entity the documents name most, never on an empty box.
        wanted = max(everything, key=lambda e: (e.mentions, len(e.documents), e.label)).iri
        st.caption("未指定实体时显示文档中提及最多的实体；可在下方换成任何实体。")
    centre = st.selectbox("中心实体", options, index=options.index(wanted) if wanted in options else None,
                          format_func=lambda i: f"{by_iri[i].label}（{TYPE_NAMES.get(by_iri[i].type, by_iri[i].type)}）",
                          key="graph_centre", placeholder="选择实体…")
    if not centre:
        st.caption("选择一个实体，查看与它相连的项目、机构、试点、指标和文档。")
        return
    st.query_params["e"] = centre
    left, middle, right = st.columns(3)
    depth = left.slider("深度", 1, 3, 1, key="graph_depth")
    kinds = sorted({n.get("type", "") for n in service.entity_graph().nodes.values()} - {""})
    types = middle.multiselect("类型", kinds, default=kinds, format_func=lambda k: TYPE_NAMES.get(k, "文档")
                               if k != "document" else "文档", key="graph_types", placeholder=PICK)
    cap = right.number_input("最多节点数", 20, 1000, 120, step=20, key="graph_cap")
    hood = service.neighbourhood(centre, depth=depth, types=set(types) | {"document"} if "document" in types
                                 else set(types), cap=int(cap))
    st.caption(f"{len(hood.nodes)} 个节点，{len(hood.edges)} 条边" + (f"；另有 {hood.hidden} 个节点未显示" if hood.hidden else ""))
    if hood.hidden and st.button(f"显示更多（+{min(hood.hidden, 100)}）", key="graph_more"):
        st.session_state["graph_cap"] = int(cap) + 100
        st.rerun()
    clicked = _draw(hood)
    if clicked and clicked != centre and clicked in by_iri:
        st.query_params["e"] = clicked
        st.session_state["graph_centre"] = clicked
        st.rerun()
    st.page_link("views/entity.py", label=f"打开实体页：{by_iri[centre].label}", icon=":material/label:",
                 query_params={"e": centre})


def _draw(hood: object) -> str | None:
    from streamlit_agraph import Config, Edge, Node, agraph

    nodes = [Node(id=iri, label=_short(data.get("label", iri)), title=data.get("label", iri),
                  color=TYPE_COLOURS.get(data.get("type", ""), "#d1d5db"), size=22 if iri == hood.centre else 14,
                  font={"face": "WenQuanYi Zen Hei, Noto Sans CJK SC, sans-serif", "size": 14})
             for iri, data in hood.nodes.items()]  # type: ignore[attr-defined]
    edges = [Edge(source=s, target=t, label=RELATION_NAMES.get(r, r), color="#9ca3af")
             for s, t, r in hood.edges]  # type: ignore[attr-defined]
    config = Config(width=1100, height=650, directed=True, physics=len(nodes) <= 300, hierarchical=False)
    return agraph(nodes=nodes, edges=edges, config=config)


def _short(label: str, limit: int = 14) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


graph_page()
