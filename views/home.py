"""首页: the corpus at a glance — documents by kind and year, entities by type, targets by status,
the newest documents and a search box; every number links to its list. All numbers come from
the loaded build."""

from __future__ import annotations

import streamlit as st

from kg.query import overview
from views.common import KIND_NAMES, STATUS_ICONS, UPRIGHT_Y_TITLE, cached_target_rows, service_or_stop
from views.render import TYPE_NAMES, escape_markdown

ENTITY_ORDER = ("indicator", "institution", "programme", "pilotzone", "place", "practice", "specialcolumn", "task",
                "citeddocument")


def home_page() -> None:
    if st.query_params.get("q"):  # old links to the search (/?q=…) still work
        st.switch_page("views/search.py", query_params={"q": st.query_params["q"]})
    service = service_or_stop()
    st.title("广西卫生健康政策知识图谱")
    docs = list(service.documents.values())
    entities = service.entities()
    rows = cached_target_rows(service)

    with st.form("home_search", border=False, enter_to_submit=True):
        left, right = st.columns([6, 1], vertical_alignment="bottom")
        query = left.text_input("检索文档", placeholder="输入问题或关键词，例如：每万人口全科医生数目标",
                                key="home_query")
        if right.form_submit_button("检索", type="primary", icon=":material/search:", width="stretch") \
                and query.strip():
            st.switch_page("views/search.py", query_params={"q": query.strip()})

    top = st.columns(4)
    _number(top[0], "文档", len(docs), "views/documents.py", {}, "home_n_docs")
    _number(top[1], "实体", len(entities), "views/entity.py", {}, "home_n_entities")
    _number(top[2], "指标", sum(1 for e in entities if e.type == "indicator"), "views/entity.py",
            {"type": "indicator"}, "home_n_indicators")
    _number(top[3], "目标", len(rows), "views/indicators.py", {}, "home_n_targets")

    st.subheader("目标完成情况")
    counts = overview.status_counts(rows)
    shown = [s for s in overview.STATUSES if counts.get(s) or s != "无法比较"]
    chart_col, numbers_col = st.columns([3, 2])
    with chart_col:
        _status_chart(counts, shown)
    with numbers_col:
        cells = st.columns(2)
        for i, status in enumerate(shown):
            _number(cells[i % 2], f"{STATUS_ICONS.get(status, '')} {status}", counts.get(status, 0),
                    "views/indicators.py", {"status": status}, f"home_status_{i}")

    st.subheader("文档")
    by = overview.document_counts(docs)
    cells = st.columns(max(1, len(by["kind"])) + 1)
    for i, (kind, n) in enumerate(sorted(by["kind"].items(), key=lambda kv: -kv[1])):
        _number(cells[i], KIND_NAMES.get(kind, kind), n, "views/documents.py", {"kind": kind}, f"home_kind_{kind}")
    with cells[-1]:
        _kind_year_chart(by["kind_year"])

    st.subheader("实体")
    types = [t for t in ENTITY_ORDER if t in overview.entity_counts(entities)]
    counts_by_type = overview.entity_counts(entities)
    cells = st.columns(4)
    for i, kind in enumerate(types):
        _number(cells[i % 4], TYPE_NAMES.get(kind, kind), counts_by_type[kind], "views/entity.py", {"type": kind},
                f"home_type_{kind}")

    st.subheader("最新文档")
    for doc in overview.newest_documents(docs, 5):
        with st.container(border=True):
            st.page_link("views/documents.py", label=escape_markdown(doc.title), icon=":material/article:",
                         query_params={"doc": doc.id})
            st.caption(escape_markdown(f"{doc.date or '日期未注明'} · {KIND_NAMES.get(doc.kind, doc.kind)} · {doc.issuer or '发布单位未注明'}"))


def _number(column: object, label: str, value: int, page: str, params: dict[str, str], key: str) -> None:
    """A count that is itself the link to its list."""
    with column.container(border=True, key=key):  # type: ignore[attr-defined]
        st.caption(label)
        st.page_link(page, label=f"**{value}**", query_params=params, help=f"查看{label}列表")


def _status_chart(counts: dict[str, int], statuses: list[str]) -> None:
    """Targets by status as bars; a click on a bar opens the 指标与目标 table filtered to it."""
    import altair as alt
    import pandas as pd
    from urllib.parse import quote

    colours = {"已达成": "#16a34a", "未达成": "#dc2626", "进行中": "#ca8a04", "无数据": "#9ca3af",
               "无法比较": "#7c3aed"}  # the same hues as STATUS_ICONS
    # 说明 is what a screen reader says for a bar (Vega would read out every field, the link too).
    frame = pd.DataFrame([{"状态": s, "目标数": counts.get(s, 0), "链接": f"indicators?status={quote(s)}",
                           "说明": f"{s}：{counts.get(s, 0)} 个目标"} for s in statuses])
    chart = alt.Chart(frame).mark_bar().encode(
        y=alt.Y("状态:N", sort=statuses, title=None),
        x=alt.X("目标数:Q", title="目标数", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("状态:N", scale=alt.Scale(domain=list(colours), range=list(colours.values())), legend=None),
        href="链接:N", tooltip=["状态", "目标数"], description="说明:N")
    text = chart.mark_text(align="left", dx=4).encode(text="目标数:Q", color=alt.value("#111827"))
    st.altair_chart((chart + text).properties(height=40 * len(statuses) + 30), width="stretch")


def _kind_year_chart(kind_year: dict[str, int]) -> None:
    import altair as alt
    import pandas as pd

    frame = pd.DataFrame([{"类型": KIND_NAMES.get(k.split("|")[0], k.split("|")[0]), "年份": k.split("|")[1], "文档数": n}
                          for k, n in kind_year.items()])
    if frame.empty:
        return
    chart = alt.Chart(frame).mark_bar().encode(
        x=alt.X("年份:O", title="发布年份", axis=alt.Axis(labelAngle=0)), y=alt.Y("文档数:Q", title="文档数",
                                                                    axis=alt.Axis(tickMinStep=1, **UPRIGHT_Y_TITLE)),
        color=alt.Color("类型:N", title="类型"), tooltip=["年份", "类型", "文档数"])
    st.altair_chart(chart.properties(height=160), width="stretch")


home_page()
