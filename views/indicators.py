"""指标与目标 page: every indicator and target in one filterable table; per indicator its trace."""

from __future__ import annotations

import csv
import io
from typing import Any

import streamlit as st

from kg.errors import KGError
from views.common import service_or_stop

STATUS_ICONS = {"已达成": "🟢", "未达成": "🔴", "进行中": "🟡", "无数据": "⚪"}


def indicators_page() -> None:
    service = service_or_stop()
    st.title("指标与目标")
    rows = service.target_overview()
    table = [{"指标": r["indicator"], "领域": r["domain"] or "", "单位": r["unit"] or "", "基期值": r["baseline"],
              "目标年": r["year"], "目标值": r["target"], "属性": r["attribute"] or "", "最新观测": r["latest"],
              "状态": r["status"], "说明": r["reason"], "设定文件": r["set_by"]} for r in rows]
    domains = sorted({t["领域"] for t in table if t["领域"]})
    left, right = st.columns(2)
    chosen = left.multiselect("领域", domains, key="ind_domains")
    statuses = right.multiselect("状态", sorted({t["状态"] for t in table}), key="ind_status")
    text = st.text_input("筛选指标", key="ind_filter")
    shown = [t for t in table if (not chosen or t["领域"] in chosen) and (not statuses or t["状态"] in statuses)
             and (not text or text in t["指标"])]
    st.dataframe(shown, hide_index=True, width="stretch")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(table[0]) if table else ["指标"])
    writer.writeheader()
    writer.writerows(shown)
    st.download_button("导出 CSV", buffer.getvalue().encode("utf-8-sig"), file_name="targets.csv", mime="text/csv",
                       key="ind_csv")

    st.header("目标追踪")
    labels = sorted({t["指标"] for t in table})
    wanted = st.query_params.get("i", "")
    label = st.selectbox("指标", labels, index=labels.index(wanted) if wanted in labels else None,
                         key="ind_pick", placeholder="选择或输入指标…")
    if not label:
        return
    st.query_params["i"] = label
    try:
        trace = service.trace(label)
    except KGError as exc:
        st.error(str(exc))
        return
    data = trace.to_json()
    info = data["indicator"]
    st.caption(f"单位：{info['unit'] or '—'} · 属性：{info['attribute'] or '—'} · 领域：{info['domain'] or '—'}")
    for target in data["targets"]:
        icon = STATUS_ICONS.get(target["status"], "")
        st.markdown(f"**{target['year']}年目标 {target['value']['display']}** — {icon} {target['status']}："
                    f"{target['reason']}")
    _chart(data)
    st.subheader("出处")
    for item in [*(t for t in data["targets"]), *data["observations"]]:
        role = "目标" if item["role"] == "target" else ("基线" if item.get("is_baseline") else "观测")
        doc = item["document"]
        with st.container(border=True):
            st.write(f"{role} · {item['value']['display']} · {item['as_of']} · 《{doc['title']}》")
            st.caption(item["quote"]["text"])
            st.page_link("views/documents.py", label="在文档中查看", icon=":material/article:",
                         query_params={"doc": doc["id"], "start": item["quote"]["value_start"],
                                       "end": item["quote"]["value_end"]})


def _chart(data: dict[str, Any]) -> None:
    """Baseline → observations as points on a time line, each target as a dashed rule."""
    import altair as alt
    import pandas as pd

    points = [{"日期": o["as_of"], "数值": o["value"]["number"], "类型": "基线" if o.get("is_baseline") else "观测",
               "文件": o["document"]["title"], "原文": o["value"]["display"]}
              for o in data["observations"] if o["value"]["number"] is not None]
    targets = [{"日期": t["as_of"], "数值": t["value"]["number"], "类型": f"{t['year']}年目标",
                "文件": t["document"]["title"], "原文": t["value"]["display"]}
               for t in data["targets"] if t["value"]["number"] is not None]
    if not points and not targets:
        st.info("没有可绘制的数值（目标为相对值或缺少观测）。")
        return
    frame = pd.DataFrame(points + targets)
    frame["日期"] = pd.to_datetime(frame["日期"])
    base = alt.Chart(frame).encode(x=alt.X("日期:T", title="数据截至"), y=alt.Y("数值:Q", title=data["indicator"]["unit"]),
                                   tooltip=["类型", "原文", "文件", alt.Tooltip("日期:T")])
    line = base.transform_filter(alt.datum.类型 != "目标").mark_line(point=True)
    rules = alt.Chart(pd.DataFrame(targets)).mark_rule(strokeDash=[6, 4], color="#dc2626").encode(
        y="数值:Q", tooltip=["类型", "原文"]) if targets else None
    dots = base.mark_point(size=80, filled=True).encode(color=alt.Color("类型:N", title=""))
    chart = line + dots + rules if rules is not None else line + dots
    st.altair_chart(chart.properties(height=320), width="stretch")


indicators_page()
