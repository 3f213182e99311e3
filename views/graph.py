"""图谱 page: an interactive graph around one entity; click a node to move there."""

from __future__ import annotations

import streamlit as st

from kg.errors import KGError
from kg.query.neighbourhood import default_centre
from views.common import service_or_stop
from views.render import TYPE_COLOURS, TYPE_NAMES, escape_markdown, legend

RELATION_NAMES = {"hasItem": "包含", "inColumn": "属于专栏", "memberOf": "成员", "leadsGroup": "牵头", "locatedIn": "位于",
                  "partOfItem": "属于项目", "belongsToProgramme": "属于", "cites": "引用", "mentionedIn": "提及于",
                  "indicator": "指标", "setBy": "设定", "reportedIn": "报告"}


def graph_page() -> None:
    service = service_or_stop()
    st.title("图谱")
    everything = service.entities()
    by_iri = {e.iri: e for e in everything}
    options = [e.iri for e in everything]
    wanted = st.query_params.get("e", "")
    if wanted and wanted not in by_iri:
        try:  # a name in the URL (?e=全科医生) resolves as on the entity page
            wanted = service.entity(wanted).iri
        except KGError:
            st.warning(escape_markdown(f"未找到实体：{wanted}"))
    if wanted not in by_iri and options:
        # No choice yet: open on a neighbourhood one can read (a 专栏 with its items and their
        # projects, say), never on an empty box or on a hub everything is linked to.
        wanted = default_centre(service.entity_graph()) or options[0]
        st.caption("未指定实体时，显示一个关联清晰、便于阅读的实体及其周边；可在下方换成任何实体。")
    top, middle, right = st.columns([4, 2, 1])
    centre = top.selectbox("中心实体", options, index=options.index(wanted) if wanted in options else None,
                           format_func=lambda i: f"{by_iri[i].label}（{TYPE_NAMES.get(by_iri[i].type, by_iri[i].type)}）",
                           key="graph_centre", placeholder="选择实体…")
    depth = middle.slider("深度（经过几层关联）", 1, 3, 2, key="graph_depth")
    cap = right.number_input("最多节点数", 20, 1000, 60, step=20, key="graph_cap")
    if not centre:
        st.caption("选择一个实体，查看与它相连的项目、机构、试点、指标和文档。")
        return
    st.query_params["e"] = centre
    kinds = sorted({n.get("type", "") for n in service.entity_graph().nodes.values()} - {"", "other"})
    # Pills wrap onto a second line (a multiselect's chips were cut off in a narrow column).
    # Documents are off at first: every entity is linked to its document, which pulls the
    # picture into one knot.
    types = st.pills("显示的类型（未选时显示全部）", kinds, selection_mode="multi",
                     default=[k for k in kinds if k != "document"], key="graph_types",
                     format_func=lambda k: "文档" if k == "document" else TYPE_NAMES.get(k, k)) or kinds
    hood = service.neighbourhood(centre, depth=depth, types=set(types), cap=int(cap))
    if len(hood.nodes) <= 1 and "document" not in types:  # a lone node says nothing: add its documents
        hood = service.neighbourhood(centre, depth=depth, types=set(types) | {"document"}, cap=int(cap))
        st.caption("它与其他实体没有直接关联；下面连同提及它的文档一起显示。与它在同一段落、同一章节出现等"
                   "相关的实体及理由，见实体页的“相关实体”。")
    st.caption(f"{len(hood.nodes)} 个节点，{len(_drawn_edges(hood.edges))} 条关联"
               + (f"；另有 {hood.hidden} 个节点未显示" if hood.hidden else "")
               + "。文档和关联很多的节点只显示、不再向外展开；点击节点可移到该实体。")
    if hood.hidden and st.button(f"显示更多（+{min(hood.hidden, 100)}）", key="graph_more"):
        st.session_state["graph_cap"] = int(cap) + 100
        st.rerun()
    st.markdown(legend([k for k in kinds if k in TYPE_COLOURS]), unsafe_allow_html=True)
    clicked = _draw(hood)
    if clicked and clicked != centre and clicked in by_iri:
        st.query_params["e"] = clicked
        st.session_state["graph_centre"] = clicked
        st.rerun()
    st.page_link("views/entity.py", label=escape_markdown(f"打开实体页：{by_iri[centre].label}"), icon=":material/label:",
                 query_params={"e": centre})


def _drawn_edges(edges: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """One edge per pair of nodes: A 包含 B and B 属于专栏 A say the same thing once."""
    seen: set[frozenset[str]] = set()
    kept = []
    for source, target, relation in edges:
        pair = frozenset((source, target))
        if pair not in seen:
            seen.add(pair)
            kept.append((source, target, relation))
    return kept


#: Above this many drawn edges the relation names are not printed on the edges (they covered the
#: node names); each edge still says its relation when the pointer rests on it.
EDGE_LABELS_UP_TO = 12


def _draw(hood: object) -> str | None:
    from streamlit_agraph import Config, Edge, Node, agraph

    nodes = [Node(id=iri, label=_wrapped(data.get("label", iri)), title=data.get("label", iri),
                  color=TYPE_COLOURS.get(data.get("type", ""), "#d1d5db"), size=24 if iri == hood.centre else 14,
                  shape="box" if data.get("type") == "document" else "dot",
                  font={"face": "WenQuanYi Zen Hei, Noto Sans CJK SC, sans-serif", "size": 15 if iri == hood.centre else 13,
                        "background": "rgba(255,255,255,0.85)"})
             for iri, data in hood.nodes.items()]  # type: ignore[attr-defined]
    drawn = _drawn_edges(hood.edges)  # type: ignore[attr-defined]
    named = len(drawn) <= EDGE_LABELS_UP_TO
    # "Mentioned in" links are many and say little: thin and unlabelled, the others named.
    edges = [Edge(source=s, target=t, title=RELATION_NAMES.get(r, r),
                  label=RELATION_NAMES.get(r, r) if named and r != "mentionedIn" else "",
                  color="#d1d5db" if r == "mentionedIn" else "#6b7280", dashes=r == "mentionedIn")
             for s, t, r in drawn]
    config = Config(width=1100, height=650, directed=True, physics=len(nodes) <= 300, hierarchical=False)
    # Spread the nodes out so that their names do not overlap: stronger repulsion, longer springs.
    config.physics.update({"barnesHut": {"gravitationalConstant": -4500, "centralGravity": 0.35,
                                         "springLength": 120, "springConstant": 0.04, "avoidOverlap": 0.6},
                           "stabilization": {"enabled": True, "iterations": 400, "fit": True}})
    if not named:
        st.caption("关联较多，边上不再写关联名称；把鼠标停在一条边上可看到它的名称。")
    return agraph(nodes=nodes, edges=edges, config=config)


def _wrapped(label: str, width: int = 8, lines: int = 2) -> str:
    """A node's name on at most ``lines`` lines of ``width`` characters (the rest cut with …): one
    long line ran into the neighbours' names."""
    parts = [label[i:i + width] for i in range(0, len(label), width)]
    if len(parts) > lines:
        parts = parts[:lines]
        parts[-1] = parts[-1][:-1] + "…"
    return "\n".join(parts)


graph_page()
