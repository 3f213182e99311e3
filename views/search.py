"""检索 page: query box, filters, highlighted results."""

from __future__ import annotations

import streamlit as st

from kg.errors import KGError
from kg.query.service import Service
from views.common import KIND_NAMES, PICK, chinese_error, service_or_stop, status_line, wait_until_ready
from views.render import TYPE_NAMES, escape_markdown, hit_html, row_quote


def search_page() -> None:
    """检索: query box, filters, highlighted results with document and section; the sidebar's
    loading state after them (a search waits for the loading, so it then says 就绪)."""
    service = service_or_stop(status=False)
    try:
        _results(service)
    finally:
        status_line()


def _results(service: Service) -> None:
    st.title("检索")
    params = st.query_params
    query = st.text_input("输入问题或关键词", value=params.get("q", ""), key="query",
                          placeholder="例如：每万人口全科医生数目标")
    docs = service.documents
    with st.expander("筛选", expanded=False):
        chosen_docs = st.multiselect("文档", options=list(docs), format_func=lambda d: docs[d].title, key="f_docs",
                                     placeholder=PICK)
        kinds = st.multiselect("类型", options=["plan", "news", "bulletin"], key="f_kinds",
                               format_func=KIND_NAMES.get, placeholder=PICK)
        years = sorted({int(d.date[:4]) for d in docs.values() if d.date[:4].isdigit()})
        chosen_years = st.multiselect("年份", options=years, key="f_years", placeholder=PICK)
        # A select box, not a slider: the slider's number-formatting chunks (moment, numbro …) are
        # fetched and compiled on a first visit just when the first results are drawn.
        k = st.selectbox("结果数", [5, 10, 20, 30, 50], index=1, key="f_k")
    if not query.strip():
        st.caption("输入查询后按回车。")
        return
    st.query_params["q"] = query
    wait_until_ready()
    try:
        hits = service.search(query, k=k, doc_ids=chosen_docs or None, kinds=kinds or None,
                              years=chosen_years or None)
    except KGError as exc:
        st.error(chinese_error(exc))
        return
    card = service.answer(query)
    if card is not None:
        _answer_card(card)
    if not hits:
        st.warning("没有找到相关段落。")
        return
    if not any(hit.spans for hit in hits):  # nothing to highlight: only the encoder found these
        st.info("以下段落都不含查询中的词语，是按意思相近程度找到的，可能与问题无关，请逐条核对。",
                icon=":material/info:")
    for hit in hits:
        with st.container(border=True):
            path = " › ".join(hit.section_path[1:]) or "正文"
            # An undated upload: 日期未注明, not an empty field between two dots (标题 ·  · 简报).
            when = escape_markdown(hit.doc_date) if hit.doc_date else "日期未注明"
            st.markdown(f"**{hit.rank}. {escape_markdown(hit.doc_title)}**  ·  {when}  ·  {KIND_NAMES.get(hit.doc_kind, hit.doc_kind)}")
            near = "" if hit.spans else "  ·  不含查询中的词语，按意思相近找到"
            # A table row reads as a run of numbers (3 每千人口某某数 人 1.23 2 预期性): say what it is.
            passage = service.passage(hit.passage_id)
            row = ""
            if passage is not None and passage.kind == "table_row":
                header = service.sources.table_of(hit.passage_id)[1]
                row = "  ·  表格中的一行" + (f"（各列依次为：{' | '.join(header)}）" if header else "")
            st.caption(f"{escape_markdown(path)}{row}  ·  字符 {hit.start}–{hit.end}{near}")
            # st.html, not st.markdown(unsafe_allow_html): the markdown renderer's raw-HTML chunks
            # (rehype-raw and friends, ~0.2 MB of JS fetched and compiled when the first hit
            # arrives) delayed the first highlighted result by 0.7–1 s.
            st.html(f'<div class="kg-hit">{hit_html(hit)}</div>')
            chips = service.entities_in_passage(hit.passage_id)[:8]
            if chips:
                # One row that wraps (columns would cut long names off): each chip its own link.
                with st.container(horizontal=True, gap="small", key=f"chips_{hit.rank}"):
                    for iri, label, kind in chips:
                        st.page_link("views/entity.py", label=f"{escape_markdown(label)}（{TYPE_NAMES.get(kind, kind)}）",
                                     query_params={"e": iri}, icon=":material/label:")


def _answer_card(card: object) -> None:
    """The direct answer about a recognised entity, with its citations, above the passages."""
    with st.container(border=True, key="answer_card"):
        st.markdown(f"#### :material/lightbulb: {escape_markdown(card.entity.label)}")  # type: ignore[attr-defined]
        st.markdown(escape_markdown(card.text))  # type: ignore[attr-defined]
        st.page_link("views/entity.py", label="打开实体页", icon=":material/label:",
                     query_params={"e": card.entity.iri})  # type: ignore[attr-defined]
        for citation in card.citations:  # type: ignore[attr-defined]
            where = escape_markdown(f"《{citation.doc_title}》 字符 {citation.start}–{citation.end}：")
            st.caption(where + row_quote(citation.quote, citation.context()))
            st.page_link("views/documents.py", label="查看原文", icon=":material/article:",
                         query_params={"doc": citation.doc_id, "start": citation.start, "end": citation.end})


search_page()
