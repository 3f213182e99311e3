"""SPARQL page: a read-only console with example queries; results as a table with CSV download."""

from __future__ import annotations

import csv
import io
import re

import streamlit as st

from kg.errors import QueryError
from kg.query.sparql import EXAMPLE_QUERIES, console_limits, run_select
from views.common import service_or_stop
from views.render import escape_markdown


def sparql_page() -> None:
    service = service_or_stop()
    limits = console_limits(service.settings)
    st.title("SPARQL 查询")
    # MB as on the upload page (no MiB); a no-break space keeps a number and its unit on one line.
    st.caption("只读：SELECT / ASK / CONSTRUCT / DESCRIBE。前缀 pol:、dcterms:、rdfs:、skos:、prov: 已预先声明；"
               f"默认图为所有命名图的并集。结果最多 {limits['limit']} 行、{service.settings.sparql_max_result_mb:g}\u00a0MB，"
               f"单个查询限时 {limits['timeout_s']:g} 秒、内存 {limits['memory_mb']:g}\u00a0MB，嵌套最多 {limits['max_depth']} 层。")
    titles = list(EXAMPLE_QUERIES)
    example = st.selectbox("示例查询", titles, key="sparql_example")
    query = st.text_area("查询", value=EXAMPLE_QUERIES[example], height=220, key=f"sparql_text_{example}")
    if not st.button("运行", key="sparql_run", type="primary"):
        return
    try:
        result = run_select(service.store, query, **limits)
    except QueryError as exc:
        st.error(escape_markdown(_in_chinese(str(exc), limits)))
        with st.expander("技术详情（查询引擎的原始信息）", expanded=False):
            st.code(str(exc), language=None, wrap_lines=True)
        return
    cut = {"rows": f"（已截断：超过 {limits['limit']} 行）",
           "bytes": f"（已截断：结果超过 {service.settings.sparql_max_result_mb:g} MB）"}.get(result.truncated_by, "")
    st.caption(f"{len(result.rows)} 行，{result.elapsed_ms:.0f} 毫秒{cut}")
    rows = [dict(zip(result.variables, row)) for row in result.rows]
    st.dataframe(rows, hide_index=True, width="stretch")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(result.variables)
    writer.writerows(result.rows)
    st.download_button("下载 CSV", buffer.getvalue().encode("utf-8-sig"), file_name="sparql-results.csv",
                       mime="text/csv", key="sparql_csv")


#: What to do, by the Chinese gist every console error carries in brackets (kg.query.sparql).
ADVICE = {
    "查询超时": "超过 {timeout_s:g} 秒仍未完成。请加 LIMIT，或用更具体的条件缩小范围。",
    "查询内存超限": "所需内存超过 {memory_mb:g} MB。请加 LIMIT，或用更具体的条件缩小范围。",
    "只读查询，不能修改图谱": "控制台只能查询，不能执行 INSERT、DELETE、DROP 等修改操作。",
    "不允许 SERVICE 联邦查询": "控制台不能访问其他 SPARQL 服务。",
    "查询嵌套过深": "嵌套最多 {max_depth} 层。请减少嵌套的括号或 UNION、OPTIONAL。",
    "查询过长": "请缩短查询。",
    "语法错误": "请检查查询的写法。",
}
_GIST = re.compile(r"[（(]([^()（）]*[\u4e00-\u9fff][^()（）]*)[)）]")
_WHERE = re.compile(r"at line (\d+), column (\d+)")


def _in_chinese(message: str, limits: dict) -> str:
    """The console error said in Chinese: the gist, where (for a syntax error) and what to do."""
    found = _GIST.search(message)
    gist = found.group(1) if found else "查询执行失败"
    where = _WHERE.search(message)
    at = f"（第 {where.group(1)} 行第 {where.group(2)} 列）" if where else ""
    advice = ADVICE.get(gist, "请修改查询后重试。").format(**limits)
    return f"查询失败：{gist}{at}。{advice}"


sparql_page()
