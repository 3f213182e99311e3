"""指标与目标 page: every indicator and target in one filterable table; per indicator its trace."""

from __future__ import annotations

import csv
import io

import streamlit as st

from kg.ui.common import service_or_stop


def indicators_page() -> None:
    service = service_or_stop()
    st.title("指标与目标")
    rows = service.targets()
    table = [{"指标": r["label"], "领域": r["domain"] or "", "单位": r["unit"] or "", "年份": r["year"],
              "目标值": r["value"], "属性": r["attribute"] or "", "设定文件": r["doctitle"]} for r in rows]
    domains = sorted({t["领域"] for t in table if t["领域"]})
    chosen = st.multiselect("领域", domains, key="ind_domains")
    text = st.text_input("筛选指标", key="ind_filter")
    shown = [t for t in table if (not chosen or t["领域"] in chosen) and (not text or text in t["指标"])]
    st.dataframe(shown, hide_index=True, width="stretch")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(table[0]) if table else ["指标"])
    writer.writeheader()
    writer.writerows(shown)
    st.download_button("导出 CSV", buffer.getvalue().encode("utf-8-sig"), file_name="targets.csv", mime="text/csv",
                       key="ind_csv")


indicators_page()
