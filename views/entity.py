"""实体 page: one entity with its labels, properties, targets, related entities and every mention."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from kg.errors import KGError
from views.common import service_or_stop
from views.render import TYPE_NAMES


def entity_page() -> None:
    service = service_or_stop()
    st.title("实体")
    everything = service.entities()
    by_iri = {e.iri: e for e in everything}
    wanted = st.query_params.get("e", "")
    options = [e.iri for e in everything]
    if wanted and wanted not in by_iri:
        try:  # a name in the URL (?e=全科医生) resolves like `kg show`
            wanted = service.entity(wanted)["iri"]
        except KGError:
            st.warning(f"未找到实体：{wanted}")
            wanted = ""
    iri = st.selectbox("选择实体", options, index=options.index(wanted) if wanted in options else None,
                       format_func=lambda i: f"{by_iri[i].label}（{TYPE_NAMES.get(by_iri[i].type, by_iri[i].type)}）",
                       key="entity_pick", placeholder="输入名称搜索…")
    if not iri:
        st.caption(f"共 {len(everything)} 个实体。")
        return
    st.query_params["e"] = iri
    data = service.entity(iri)
    summary = by_iri[iri]
    st.header(data["label"])
    st.caption(f"类型：{TYPE_NAMES.get(summary.type, summary.type)} · IRI：{iri}")
    if summary.aliases:
        st.write("别名：" + "、".join(summary.aliases))
    st.page_link("views/graph.py", label="在图谱中查看", icon=":material/hub:", query_params={"e": iri})
    with st.expander("全部属性", expanded=False):
        st.dataframe([{"属性": p, "值": " | ".join(str(v) for v in vs)} for p, vs in sorted(data["properties"].items())],
                     hide_index=True, width="stretch")
    if summary.type == "indicator" and hasattr(service, "trace"):
        st.page_link("views/indicators.py", label="目标追踪", icon=":material/timeline:",
                      query_params={"i": data["label"]})
    if hasattr(service, "related"):
        try:
            related = service.related(iri)
        except KGError as exc:
            st.info(f"相关实体不可用：{exc}")
            related = None
        if related:
            st.subheader("相关实体")
            items = related.get("related", related) if isinstance(related, dict) else related
            for item in list(items)[:15]:
                row = item if isinstance(item, dict) else vars(item)
                reasons = "；".join(str(r) for r in row.get("reasons", []))
                st.markdown(f"- [{row.get('label')}](?{urlencode({'e': row.get('iri', '')})}) — {reasons}")
    st.subheader(f"出处（{len(data['mentions'])} 处）")
    for mention in data["mentions"]:
        params = {"doc": mention["doc_id"], "start": mention["start"], "end": mention["end"]}
        with st.container(border=True):
            st.write(mention["quote"])
            st.page_link("views/documents.py", label=f"{mention['title']} · 字符 {mention['start']}–{mention['end']}",
                         icon=":material/article:", query_params=params)


entity_page()
