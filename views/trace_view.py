"""An indicator's targets, baseline, latest value and status with a chart — shown on the 指标与目标
page and on the indicator's entity page. Every value links to its words in the reader."""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

from kg.query.overview import rows_of_trace, trace_json
from views.common import STATUS_ICONS, UPRIGHT_Y_TITLE
from kg.query.citations import table_context
from views.render import escape_markdown, row_quote


def reader_link(label: str, doc_id: str, start: int, end: int, key: str | None = None) -> None:
    """A link into the reader at a quote; ``label`` is plain text (document words are escaped)."""
    st.page_link("views/documents.py", label=escape_markdown(label), icon=":material/article:",
                 query_params={"doc": doc_id, "start": str(start), "end": str(end)})


def show_trace(service: Any, iri: str, heading: bool = True) -> dict[str, Any]:
    """The indicator's trace: a table of targets (one row per target), the chart, the sources."""
    data = trace_json(service, iri)
    info = data["indicator"]
    rows = rows_of_trace(data)
    st.caption(escape_markdown(f"单位：{info['unit'] or '—'} · 属性：{info.get('attribute') or '—'} · 领域：{info['domain'] or '—'}"))
    current = data.get("current")
    if rows:
        if heading:
            st.subheader("目标与进展")
        table = [{"目标年": r.year, "目标值": r.target + (f"（另见：{'；'.join(r.also)}）" if r.also else ""),
                  "基期值": r.baseline or "—", "最新观测": r.latest or "—",
                  "状态": r.status, "设定文件": r.set_by} for r in rows]
        st.dataframe(table, hide_index=True, width="stretch", key=f"trace_table_{iri[-8:]}")
        for row in rows:
            baseline = f" · 基期值 {escape_markdown(row.baseline)}" if row.baseline else ""
            st.markdown(f"**{row.year}年目标 {escape_markdown(row.target)}**{baseline} — {STATUS_ICONS.get(row.status, '')} "
                        f"{escape_markdown(row.status)}：{escape_markdown(row.reason)}")
    else:
        st.info("没有文件为这个指标设定目标。")
    if current:
        # The baseline is the latest value when nothing was reported since: say so, not 最新观测.
        said = "只有基期值 " if current.get("is_baseline") else ""
        st.markdown(f"**{'最新数值' if said else '最新观测'}**：" + escape_markdown(
            f"{said}{current['value']['display']}（截至 {current['as_of']}，《{current['document']['title']}》）"
            + ("，之后没有观测值" if said else "")))
    chart(data)
    # Not 出处 alone: the entity page lists the indicator's mentions under 出处 below this.
    st.subheader("数值出处")
    for item in [*data["targets"], *data["observations"]]:
        role = "目标" if item["role"] == "target" else ("基期值" if item.get("is_baseline") else "观测值")
        doc = item["document"]
        with st.container(border=True):
            # A target is for a year (到2025年), not a value "as of" its last day.
            when = f"{item['year']}年" if item["role"] == "target" and item.get("year") else f"截至 {item['as_of']}"
            st.markdown(escape_markdown(f"{role} · {item['value']['display']} · {when} · 《{doc['title']}》"))
            st.caption(row_quote(item["quote"]["text"], table_context(*service.sources.table_of(item["passage_id"]))))
            reader_link("在文档中查看", doc["id"], item["quote"]["value_start"], item["quote"]["value_end"])
    return data


def chart(data: dict[str, Any]) -> None:
    """Baseline → observations as points on a time line, each target as a dashed rule."""
    import altair as alt
    import pandas as pd

    points = [{"日期": o["as_of"], "数值": o["value"]["number"], "类型": "基期值" if o.get("is_baseline") else "观测值",
               "文件": o["document"]["title"], "原文": o["value"]["display"]}
              for o in data["observations"] if o["value"]["number"] is not None]
    seen: set[tuple[Any, ...]] = set()
    targets = []
    for t in data["targets"]:
        key = (t["year"], t["value"]["number"])
        if t["value"]["number"] is None or key in seen:
            continue
        seen.add(key)
        targets.append({"日期": t["as_of"], "数值": t["value"]["number"], "类型": f"{t['year']}年目标",
                        "文件": t["document"]["title"], "原文": t["value"]["display"]})
    if not points and not targets:
        st.info("没有可绘制的数值（目标为相对值或缺少观测）。")
        return
    frame = pd.DataFrame(points + targets)
    frame["年份"] = [_year_position(d) for d in frame["日期"]]
    frame = frame.dropna(subset=["年份"])  # a value of an undated document has no place on the axis
    if frame.empty:
        st.info("没有可绘制的数值（数值所在的文件没有日期）。")
        return
    # By year, as a plan states its figures (2020年 2.62, 2025年 4): on a date axis a value as of
    # 2020-12-31 stood at the 2021年 tick and read as the 2021 figure.
    years = sorted({int(round(y)) for y in frame["年份"]})
    base = alt.Chart(frame).encode(x=alt.X("年份:Q", title="年份（年末数据；年中数据画在两年之间）",
                                           scale=alt.Scale(domain=[years[0] - 0.5, years[-1] + 0.5], nice=False),
                                           axis=alt.Axis(values=list(range(years[0], years[-1] + 1)),
                                                         labelExpr="datum.value + '年'", grid=False)),
                                   y=alt.Y("数值:Q", title=data["indicator"]["unit"] or "数值",
                                           axis=alt.Axis(**UPRIGHT_Y_TITLE)),
                                   tooltip=["类型", "原文", "文件", alt.Tooltip("日期:N", title="数据截至")])
    line = base.transform_filter(alt.FieldOneOfPredicate(field="类型", oneOf=["基期值", "观测值"])).mark_line(point=True)
    rules = alt.Chart(pd.DataFrame(targets)).mark_rule(strokeDash=[6, 4], color="#dc2626").encode(
        y="数值:Q", tooltip=["类型", "原文"]) if targets else None
    dots = base.mark_point(size=80, filled=True).encode(color=alt.Color("类型:N", title=""))
    layered = line + dots + rules if rules is not None else line + dots
    st.altair_chart(layered.properties(height=300), width="stretch")


def _year_position(as_of: object) -> float | None:
    """Where a value as of ``as_of`` (年-月-日, 年-月 or 年) stands on the year axis: a year-end value
    at its year (2020-12-31 → 2020), a value in the year between the year before and it (2024-06-30 →
    2023.5); a month or year alone is its end. None when there is no year (an undated document)."""
    parts = re.match(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", str(as_of or ""))
    if parts is None:
        return None
    year, month, day = int(parts[1]), int(parts[2] or 12), int(parts[3] or 30)
    return year - 1 + (month - 1 + min(day, 30) / 30) / 12
