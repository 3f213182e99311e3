"""对比 page: two documents side by side — their indicators matched by name and unit, the targets
and values each states, and what one has that the other lacks."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kg.query.overview import compare_documents, document_indicators
from views.common import KIND_NAMES, service_or_stop
from views.render import escape_markdown


def compare_page() -> None:
    service = service_or_stop()
    st.title("对比")
    st.caption("选择两份文档（例如两地的规划，或规划与之后的工作回顾），按指标名称和单位对齐，"
               "并列出各自的目标值、报告值，以及一方有而另一方没有的指标。")
    docs = service.documents
    counted = {d: len(_indicators(service, d)) for d in docs}
    ids = sorted(docs, key=lambda d: (-counted[d], docs[d].date))
    if len(ids) < 2:
        st.info("至少需要两份文档才能对比。")
        return

    def name(doc_id: str) -> str:
        doc = docs[doc_id]
        return f"{doc.title}（{KIND_NAMES.get(doc.kind, doc.kind)} · {doc.date or '日期未注明'} · {counted[doc_id]} 项指标）"

    wanted_a, wanted_b = st.query_params.get("a", ids[0]), st.query_params.get("b", ids[1])
    # One above the other, each the page's width: side by side, a long title with its kind, date
    # and count was cut at the half-width box's edge (文档乙 ended in “2024-11-1…”).
    a = st.selectbox("文档甲", ids, index=ids.index(wanted_a) if wanted_a in ids else 0, format_func=name,
                     key="cmp_a")
    others = [d for d in ids if d != a]
    b = st.selectbox("文档乙", others, index=others.index(wanted_b) if wanted_b in others else 0,
                     format_func=name, key="cmp_b")
    st.query_params.update({"a": a, "b": b})
    result = compare_documents(service, a, b)
    title_a, title_b = docs[a].title, docs[b].title

    m1, m2, m3 = st.columns(3)
    m1.metric("两者都有的指标", len(result.both))
    m2.metric("仅文档甲有", len(result.only_left))
    m3.metric("仅文档乙有", len(result.only_right))

    st.subheader("共同指标")
    if result.both:
        rows = [{"指标": x.label, "单位": x.unit or "—", "甲：目标": "；".join(x.targets) or "—",
                 "甲：数值": "；".join(x.values) or "—", "乙：目标": "；".join(y.targets) or "—",
                 "乙：数值": "；".join(y.values) or "—"} for x, y in result.both]
        if len(rows) <= 30:  # a static table wraps long names (a data frame cut 综合性医院、康复医院…)
            st.table(pd.DataFrame(rows).set_index("指标"))
        else:
            st.dataframe(rows, hide_index=True, width="stretch", key="cmp_both",
                         column_config={"指标": st.column_config.TextColumn(width="large")})
        with st.expander("打开共同指标的实体页", expanded=False):
            for x, _ in result.both:
                st.page_link("views/entity.py", label=escape_markdown(f"{x.label} 的实体页"), icon=":material/label:",
                             query_params={"e": x.iri})
    else:
        st.info("两份文档没有名称和单位都相同的指标。")

    only_a, only_b = st.columns(2)
    for column, title, items in ((only_a, title_a, result.only_left), (only_b, title_b, result.only_right)):
        with column:
            st.subheader(escape_markdown(f"仅《{_short(title)}》有（{len(items)}）"))
            if not items:
                st.caption("没有。")
            # A long list scrolls in its own box (42 names with their values made the page 4,000 px).
            if len(items) > 12:
                st.caption("列表内可上下滚动。")
            box = st.container(height=620) if len(items) > 12 else st.container()
            for item in items:
                said = "；".join([*(f"目标 {t}" for t in item.targets), *(f"数值 {v}" for v in item.values)])
                # The name links; what the document states goes below it, where it wraps (in a
                # link's label, cut at the half-width column's edge: 目标 2025年 27%左右；数值 20…).
                box.page_link("views/entity.py", label=escape_markdown(item.label), icon=":material/label:",
                              query_params={"e": item.iri})
                if said:
                    box.caption(escape_markdown(said))


def _indicators(service: object, doc_id: str) -> list[object]:
    cache = st.session_state.setdefault("_cmp_cache", {})
    key = (id(service), doc_id)
    if key not in cache:
        cache[key] = document_indicators(service, doc_id)
    return cache[key]


def _short(title: str, limit: int = 18) -> str:
    return title if len(title) <= limit else title[: limit - 1] + "…"


compare_page()
