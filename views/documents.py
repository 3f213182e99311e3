"""文档 page: document list and a reader with the section outline."""

from __future__ import annotations

import streamlit as st

from views.common import KIND_NAMES, PICK, service_or_stop
from views.render import TYPE_NAMES, escape_markdown, highlight, legend


def documents_page() -> None:
    """文档: the documents with their metadata, and a reader with the section outline."""
    service = service_or_stop()
    st.title("文档")
    docs = service.documents
    kinds = sorted({d.kind for d in docs.values()})
    wanted = st.query_params.get("kind", "")
    kind = st.pills("类型", kinds, default=wanted if wanted in kinds else None, format_func=KIND_NAMES.get,
                    key="docs_kind")
    if kind:
        st.query_params["kind"] = kind
    else:
        st.query_params.pop("kind", None)
    listed = [d for d in docs.values() if not kind or d.kind == kind]
    st.caption(f"{len(listed)} 份文档")
    st.dataframe(
        [{"编号": d.id, "标题": d.title, "发布单位": d.issuer, "日期": d.date, "数据截至": d.as_of,
          "类型": KIND_NAMES.get(d.kind, d.kind), "字符数": d.chars} for d in listed],
        hide_index=True, width="stretch",
        # Title, date and kind first: in the rows' order 日期 and 类型 were off the right edge at 1400 px.
        column_order=("标题", "日期", "类型", "发布单位", "数据截至", "字符数", "编号"),
        column_config={"标题": st.column_config.TextColumn(width="large"),
                       "类型": st.column_config.TextColumn(width="small")})
    ids = list(docs)
    wanted = st.query_params.get("doc", ids[0] if ids else "")
    doc_id = st.selectbox("阅读文档", ids, index=ids.index(wanted) if wanted in ids else 0,
                          format_func=lambda d: docs[d].title, key="reader_doc")
    if not doc_id:
        return
    st.query_params["doc"] = doc_id
    if docs[doc_id].extraction == "ocr":
        st.warning("本文档的文字是从扫描图片中自动识别（OCR）得来的，可能有错字或漏字；引用前请对照原件。")
    text = service.document_text(doc_id)
    sections = service.sections(doc_id)
    mentions = service.document_mentions(doc_id)
    kinds = sorted({m.type for m in mentions if m.type in TYPE_NAMES})
    shown = st.multiselect("高亮实体类型", kinds, default=kinds, format_func=TYPE_NAMES.get, key="reader_types",
                           placeholder=PICK)
    st.markdown(legend(shown), unsafe_allow_html=True)
    focus = _focus_span()
    outline, reader = st.columns([1, 3])
    with outline:
        st.subheader("目录")
        # Radio labels are markdown: the section titles are escaped (the indent is ideographic spaces).
        labels = [("　" * max(0, s.level - 1)) + escape_markdown(f"{s.number}{s.title}") for s in sections]
        # A link to a quote (?start=&end=) opens the deepest section that holds it.
        holding = [i for i, s in enumerate(sections) if focus and s.start <= focus[0][0] < s.end]
        initial = max(holding, key=lambda i: sections[i].level) if holding else 0
        chosen = st.radio("章节", range(len(sections)), index=initial, format_func=lambda i: labels[i],
                          key="reader_section", label_visibility="collapsed")
    with reader:
        start, end = (sections[chosen].start, sections[chosen].end) if sections else (0, len(text))
        st.caption(f"字符 {start}–{end}")
        spans = [(a, b, "focus") for a, b in focus] + [(m.start, m.end, m.type) for m in mentions if m.type in shown]
        st.markdown(highlight(text[start:end], start, spans),
                    unsafe_allow_html=True)


def _focus_span() -> list[tuple[int, int]]:
    """A span to highlight passed in the URL (?start=&end=), as links from quotes do."""
    try:
        return [(int(st.query_params["start"]), int(st.query_params["end"]))]
    except (KeyError, ValueError):
        return []


documents_page()
