"""SPARQL page: a read-only console with example queries; results as a table with CSV download."""

from __future__ import annotations

import csv
import io

import streamlit as st

from kg.errors import QueryError
from kg.query.sparql import EXAMPLE_QUERIES, console_limits, run_select
from views.common import service_or_stop
from views.render import escape_markdown


def sparql_page() -> None:
    service = service_or_stop()
    limits = console_limits(service.settings)
    st.title("SPARQL 查询")
    st.caption("只读：SELECT / ASK / CONSTRUCT / DESCRIBE。前缀 pol:、dcterms:、rdfs:、skos:、prov: 已预先声明；"
               f"默认图为所有命名图的并集。结果最多 {limits['limit']} 行、{service.settings.sparql_max_result_mb:g} MiB，"
               f"单个查询限时 {limits['timeout_s']:g} 秒、内存 {limits['memory_mb']:g} MiB，嵌套最多 {limits['max_depth']} 层。")
    titles = list(EXAMPLE_QUERIES)
    example = st.selectbox("示例查询", titles, key="sparql_example")
    query = st.text_area("查询", value=EXAMPLE_QUERIES[example], height=220, key=f"sparql_text_{example}")
    if not st.button("运行", key="sparql_run", type="primary"):
        return
    try:
        result = run_select(service.store, query, **limits)
    except QueryError as exc:
        st.error(escape_markdown(f"查询失败：{exc}"))
        return
    cut = {"rows": f"（已截断：超过 {limits['limit']} 行）",
           "bytes": f"（已截断：结果超过 {service.settings.sparql_max_result_mb:g} MiB）"}.get(result.truncated_by, "")
    st.caption(f"{len(result.rows)} 行，{result.elapsed_ms:.0f} 毫秒{cut}")
    rows = [dict(zip(result.variables, row)) for row in result.rows]
    st.dataframe(rows, hide_index=True, width="stretch")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(result.variables)
    writer.writerows(result.rows)
    st.download_button("下载 CSV", buffer.getvalue().encode("utf-8-sig"), file_name="sparql-results.csv",
                       mime="text/csv", key="sparql_csv")


sparql_page()
