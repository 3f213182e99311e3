"""文档管理 page: upload a document, check and correct the inferred metadata, add it (the corpus
and the incremental build, as ``kg add``), and remove documents."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import streamlit as st

from kg.errors import BuildError, KGError
from kg.query.upload import (UploadRefused, accepted_suffixes, add_staged, check_meta, remove_document,
                             sanitise_name, stage_upload)
from views.common import KIND_NAMES, chinese_error, current_settings, reset_service, service_or_stop
from views.render import escape_markdown

_LOG = logging.getLogger(__name__)

STAGES = {"structure": "分析文档结构", "encode clauses": "编码新增段落"}


class _Bar:
    """A build progress callback drawn as st.progress."""

    def __init__(self, slot: Any, desc: str, total: int) -> None:
        self.slot, self.desc, self.total, self.done = slot, STAGES.get(desc, "更新索引"), max(total, 1), 0
        self.slot.progress(0.0, text=f"{self.desc}：0/{total}")

    def update(self, n: int = 1) -> None:
        self.done += n
        self.slot.progress(min(1.0, self.done / self.total), text=f"{self.desc}：{self.done}/{self.total}")

    def close(self) -> None:
        self.slot.progress(1.0, text=f"{self.desc}：完成")


def _progress(slot: Any) -> Any:
    return lambda desc, total: _Bar(slot, desc, total)


def manage_page() -> None:
    service = service_or_stop()
    settings = current_settings()
    st.title("文档管理")
    # Kept until the next upload or removal: the page is drawn again when the new build's
    # warm-up finishes, and the message must still be there.
    flash = st.session_state.get("manage_flash")
    if flash:
        st.success(escape_markdown(flash["text"]), icon=":material/check_circle:")
        if flash.get("query"):
            st.page_link("views/search.py", label=escape_markdown(f"检索新文档：{flash['query']}"), icon=":material/search:",
                         query_params={"q": flash["query"]})
    # The tabs keep their state: without it, picking a document to remove (a rerun that redraws
    # the page) showed the add tab again, hiding the confirmation. Only the open tab is drawn.
    tab_add, tab_remove = st.tabs(["添加文档", "删除文档"], key="manage_tab", on_change="rerun")
    with tab_add:
        if tab_add.open:
            _add_section(service, settings)
    with tab_remove:
        if tab_remove.open:
            _remove_section(service, settings)


def _add_section(service: Any, settings: Any) -> None:
    suffixes = accepted_suffixes()
    st.caption(f"可上传的格式：{'、'.join(s.lstrip('.') for s in suffixes)}；单个文件不超过 "
               f"{settings.max_file_mb:g} MB。文件先在服务器上检查，通过后才会加入语料库。")
    generation = st.session_state.setdefault("upload_generation", 0)
    # The browser refuses a file over its limit with only an English tooltip; with twice the
    # limit there, a file somewhat too large reaches the server's check, which says why in Chinese.
    uploaded = st.file_uploader("选择文件", key=f"upload_{generation}",
                                max_upload_size=max(2, int(2 * settings.max_file_mb)))
    if uploaded is None:
        return
    st.session_state.pop("manage_flash", None)
    signature = (uploaded.name, uploaded.size, getattr(uploaded, "file_id", ""))
    staged = st.session_state.get("staged")
    if staged is None or st.session_state.get("staged_signature") != signature:
        if staged is not None:
            staged.discard()
        try:
            staged = stage_upload(settings, uploaded.name, uploaded.getvalue())
        except UploadRefused as refused:
            st.session_state.pop("staged", None)
            st.error(escape_markdown(f"《{sanitise_name(uploaded.name)}》没有添加：{refused.message}语料库和索引都没有改变。"),
                     icon=":material/block:")
            return
        except Exception:  # noqa: BLE001  a reader or cleaner failing on this file: no traceback for the user
            # Seen walking the app: a reader's error showed Streamlit's English traceback here
            # (with its "Ask Google" buttons). The traceback goes to the server's log instead.
            _LOG.exception("staging %r failed", sanitise_name(uploaded.name))
            st.session_state.pop("staged", None)
            st.error(escape_markdown(f"《{sanitise_name(uploaded.name)}》没有添加：处理这个文件时程序出错（详情已记入服务器日志，"
                                     "请把文件交给管理员）。语料库和索引都没有改变。"), icon=":material/error:")
            return
        st.session_state["staged"] = staged
        st.session_state["staged_signature"] = signature
    st.subheader("核对文档信息")
    for note in staged.notes:
        st.info(escape_markdown(note), icon=":material/info:")
    st.caption(escape_markdown(f"文件将保存为 {staged.path.name} · 正文 {len(staged.text)} 字"))
    with st.expander("正文开头", expanded=False):
        st.text(staged.text[:600])
    meta = staged.meta
    # Widgets keyed by the staged file: Streamlit keeps a keyed box's value across runs, so with
    # fixed keys a second file chosen in place of the first showed the first file's title, date
    # and (empty) 发布单位 instead of what was inferred for it.
    tag = staged.path.parent.name
    with st.form(f"upload_meta_{tag}", border=True):
        # The title across the form: in half its width a 关于印发…的通知 title was cut off.
        title = st.text_input("标题", value=meta["title"], key=f"meta_title_{tag}")
        left, right = st.columns(2)
        issuer = left.text_input("发布单位", value=meta["issuer"], key=f"meta_issuer_{tag}",
                                 placeholder="文件中没有读出发布单位，可手工填写")
        # The placeholder is no date: a grey 2024-06-30 in the empty box read as the date inferred.
        issued = right.text_input("发布日期（年-月-日）", value=meta["date"], key=f"meta_date_{tag}",
                                  placeholder="文件中没有读出日期，可手工填写，如 2024-06-30")
        number = left.text_input("文号（可留空）", value=meta.get("doc_number", ""), key=f"meta_number_{tag}")
        kinds = list(KIND_NAMES)
        kind = right.selectbox("类型", kinds, index=kinds.index(meta["kind"]) if meta["kind"] in kinds else 1,
                               format_func=KIND_NAMES.get, key=f"meta_kind_{tag}")
        doc_id = left.text_input("编号（英文字母、数字、. _ -）", value=meta["id"], key=f"meta_id_{tag}")
        as_of = right.text_input("数据截至（年-月-日，可留空）", value=meta["as_of"], key=f"meta_as_of_{tag}")
        submitted = st.form_submit_button("添加到语料库并更新索引", type="primary", icon=":material/add:")
    if not submitted:
        return
    corrected = {"id": doc_id.strip(), "title": title.strip(), "issuer": issuer.strip(), "date": issued.strip(),
                 "kind": kind, "as_of": as_of.strip(), "doc_number": number.strip()}
    if corrected["as_of"]:
        corrected["report_year"] = date.fromisoformat(corrected["as_of"]).year if _iso(corrected["as_of"]) else None
    problems = check_meta(corrected, set(service.documents))
    if problems:
        for problem in problems:
            st.error(escape_markdown(problem))
        return
    slot = st.empty()
    with st.status("正在添加文档并更新索引…", expanded=True) as status:
        try:
            report = add_staged(settings, staged, corrected, _progress(slot))
        except UploadRefused as refused:
            status.update(label="没有添加", state="error")
            st.error(escape_markdown(refused.message))
            return
        except BuildError:
            status.update(label="没有添加", state="error")
            st.error("另一个构建正在进行，或构建未通过检查；语料库和索引保持原样。请稍后再试。")
            return
        except KGError as exc:
            status.update(label="没有添加", state="error")
            st.error(chinese_error(exc) + "语料库和索引保持原样。")
            return
        status.update(label="已添加", state="complete")
    st.session_state.pop("staged", None)
    st.session_state["upload_generation"] = generation + 1
    st.session_state["manage_flash"] = {
        "text": f"已添加《{corrected['title']}》。索引已更新：共 {report.documents} 份文档、{report.passages} 个段落。",
        "query": corrected["title"][:20]}
    reset_service()
    st.rerun()


def _iso(value: str) -> bool:
    try:
        date.fromisoformat(value)
        return True
    except ValueError:
        return False


def _remove_section(service: Any, settings: Any) -> None:
    docs = service.documents
    if not docs:
        st.info("语料库中没有文档。")
        return
    st.dataframe([{"编号": d.id, "标题": d.title, "日期": d.date, "类型": KIND_NAMES.get(d.kind, d.kind),
                   "文件": d.file} for d in docs.values()], hide_index=True, width="stretch", key="manage_docs")
    doc_id = st.selectbox("要删除的文档", list(docs), index=None, format_func=lambda d: docs[d].title,
                          placeholder="请选择文档…", key="remove_pick")
    if not doc_id:
        return
    st.warning(escape_markdown(f"删除后《{docs[doc_id].title}》将不再出现在检索和图谱中；文件会移到语料目录下的 "
                               ".removed 文件夹，需要时可以手工放回。"), icon=":material/warning:")
    sure = st.checkbox("我确认删除这份文档", key="remove_sure")
    if not st.button("删除并更新索引", disabled=not sure, key="remove_go", icon=":material/delete:"):
        return
    st.session_state.pop("manage_flash", None)
    slot = st.empty()
    with st.status("正在删除文档并更新索引…", expanded=True) as status:
        try:
            report = remove_document(settings, doc_id, {d.id: d.file for d in docs.values()}, _progress(slot))
        except KGError as exc:
            status.update(label="没有删除", state="error")
            st.error(chinese_error(exc))
            return
        status.update(label="已删除", state="complete")
    st.session_state["manage_flash"] = {"text": f"已删除《{docs[doc_id].title}》。索引已更新：共 {report.documents} 份文档。"}
    reset_service()
    st.rerun()


manage_page()
