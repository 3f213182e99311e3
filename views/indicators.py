"""指标与目标 page: every indicator and target in one filterable table (a target the plan states
twice is one row); per indicator its trace."""

from __future__ import annotations

import csv
import io

import streamlit as st

from kg.errors import KGError
from views.common import PICK, cached_target_rows, chinese_error, service_or_stop
from views.render import escape_markdown
from views.trace_view import show_trace


#: The table's columns, what a reader looks for first leftmost (the CSV keeps the rows' own order).
COLUMN_ORDER = ("指标", "状态", "目标年", "目标值", "基期值", "最新观测", "单位", "属性", "领域", "说明", "设定文件")


def indicators_page() -> None:
    service = service_or_stop()
    st.title("指标与目标")
    rows = cached_target_rows(service)
    table = [r.as_table_row() for r in rows]
    domains = sorted({t["领域"] for t in table if t["领域"]})
    statuses = sorted({t["状态"] for t in table})
    wanted = [s for s in st.query_params.get_all("status") if s in statuses]
    if wanted and "ind_status" not in st.session_state:
        st.session_state["ind_status"] = wanted
    left, right = st.columns(2)
    chosen = left.multiselect("领域", domains, key="ind_domains", placeholder=PICK)
    picked = right.multiselect("状态", statuses, key="ind_status", placeholder=PICK)
    text = st.text_input("筛选指标", key="ind_filter", placeholder="输入指标名称中的字词")
    shown = [t for t in table if (not chosen or t["领域"] in chosen) and (not picked or t["状态"] in picked)
             and (not text or text in t["指标"])]
    st.caption(f"显示 {len(shown)} / {len(table)} 个目标（同一文件对同一指标、同一年份、同一数值的重复表述合并为一行）。"
               # At 1400 px the table shows 指标 to 基期值; say that the rest is there.
               f"表格可左右滚动，右侧还有{'、'.join(COLUMN_ORDER[COLUMN_ORDER.index('基期值') + 1:])}。")
    # 状态 beside the indicator: last of eleven columns, it was off the table's right edge at 1400 px.
    st.dataframe(shown, hide_index=True, width="stretch", column_order=COLUMN_ORDER,
                 column_config={"指标": st.column_config.TextColumn(width="large"),
                                "状态": st.column_config.TextColumn(width="small"),
                                "目标年": st.column_config.NumberColumn(width="small", format="%d"),
                                # Values were cut at 1400 px (>90%（另见…, 8.37/10万 → 8.37/10万…).
                                "目标值": st.column_config.TextColumn(width="medium"),
                                "基期值": st.column_config.TextColumn(width="medium")})
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(table[0]) if table else ["指标"])
    writer.writeheader()
    writer.writerows(shown)
    st.download_button("导出 CSV", buffer.getvalue().encode("utf-8-sig"), file_name="targets.csv", mime="text/csv",
                       key="ind_csv")

    st.header("目标追踪")
    labels = sorted({t["指标"] for t in table})
    wanted_label = st.query_params.get("i", "")
    label = st.selectbox("指标", labels, index=labels.index(wanted_label) if wanted_label in labels else None,
                         key="ind_pick", placeholder="选择或输入指标…")
    if not label:
        st.caption("选择一个指标，查看它的目标、基期值、历年观测值和完成情况（附原文出处）。")
        return
    st.query_params["i"] = label
    try:
        trace = service.trace(label)
    except KGError as exc:
        st.error(chinese_error(exc))
        return
    iri = trace.to_json()["indicator"]["iri"]
    st.page_link("views/entity.py", label=escape_markdown(f"{label} 的实体页"), icon=":material/label:", query_params={"e": iri})
    show_trace(service, iri, heading=False)


indicators_page()
