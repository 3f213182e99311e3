"""What every page of the app shares: the cached service, its background warm-up, the clear stop
when the build is unusable, and the status banner in the sidebar."""

from __future__ import annotations

import json
import os
import threading
import time
import weakref
from typing import Any

import streamlit as st

from kg.config import Settings, load_settings
from kg.errors import KGError, StaleBuildError
from kg.query.service import Service
from kg.records import DOCUMENT_KIND_NAMES

KIND_NAMES = DOCUMENT_KIND_NAMES
STATUS_ORDER = ("已达成", "未达成", "进行中", "无数据", "无法比较")
#: A coloured dot per status, as Streamlit markdown (emoji would need a colour-emoji font).
STATUS_ICONS = {"已达成": ":green[●]", "未达成": ":red[●]", "进行中": ":orange[●]", "无数据": ":gray[●]",
                "无法比较": ":violet[●]"}
#: Page-wide style: big linked numbers on the home page; a search hit's passage (kg-hit) set for
#: reading, its matches a soft yellow rather than the browser's default; the reason a file chip was refused by
#: the browser (too large) shown beside it, not only in a tooltip on hover. Streamlit's own English words are
#: translated by I18N_SCRIPT below, not covered by CSS, so that what is read aloud or copied
#: (the DOM text, aria-label, title) is Chinese too.
STYLE = """<style>
div[class*="st-key-home_"] a p { font-size: 2rem; font-weight: 700; line-height: 1.2; }
div[class*="st-key-home_"] a { padding-left: 0; }
.kg-hit { line-height: 1.75; }
.kg-hit mark { background: #fef08a; padding: 0 2px; border-radius: 2px; }
[data-testid="stLayoutWrapper"]:has(> .st-key-kg_i18n), .st-key-kg_i18n { display: none; }
[data-testid="stFileChip"] [role="alert"] {
  position: static !important; clip: auto !important; clip-path: none !important; width: auto !important;
  height: auto !important; overflow: visible !important; white-space: normal !important;
  margin: 0 0 0 0.75rem !important; color: #b91c1c; font-size: 0.875rem; align-self: center; }
</style>"""
#: Streamlit's frontend has its English words built in (skip link, heading anchors, table and
#: chart toolbars, select boxes, the file uploader, the running indicator). This script, run
#: once per browser tab, puts Chinese in their place — in text nodes and in the aria-label,
#: title, placeholder and aria-roledescription attributes — as they appear (a MutationObserver),
#: so tooltips and menus drawn later are covered too. Fixed strings only: no document or user
#: text passes through it.
I18N_SCRIPT = """<script>
(() => {
  if (window.__kgZh) return;
  window.__kgZh = true;
  const exact = new Map(Object.entries({
    "Skip to main content": "跳到正文", "Link to heading": "链接到此标题",
    "Download as CSV": "下载为 CSV", "Download as PNG": "下载为 PNG", "Download as SVG": "下载为 SVG",
    "Search": "搜索", "Type to search": "输入文字搜索", "Fullscreen": "全屏", "Close fullscreen": "退出全屏",
    "Show/hide columns": "显示/隐藏列", "Show data": "查看数据", "Copy Vega-Lite spec": "复制图表定义",
    "Copied!": "已复制", "Sort ascending": "升序排列", "Sort descending": "降序排列", "Hide column": "隐藏此列",
    "Pin column": "固定此列", "Unpin column": "取消固定", "Autosize": "自动列宽", "Format": "格式",
    "Collapse sidebar": "收起侧栏", "Expand sidebar": "展开侧栏", "Sidebar": "侧栏", "App pages": "页面导航",
    "Main menu": "主菜单", "Open": "展开", "Close": "关闭", "Clear value": "清除", "Clear all": "全部清除",
    "Selected values": "已选项", "Choose an option": "请选择…", "Choose options": "请选择…",
    "No results": "没有匹配项", "No options to select": "没有可选项", "Add": "添加",
    "file upload": "上传文件", "Upload": "选择文件", "Browse files": "选择文件",
    "Drag and drop file here": "拖放文件到此处，或点击左侧按钮选择文件",
    "Drag and drop a file here": "拖放文件到此处，或点击左侧按钮选择文件",
    "Drag and drop files here": "拖放文件到此处，或点击左侧按钮选择文件",
    "Remove file": "移除文件", "Delete": "删除", "Decrement": "减少", "Increment": "增加",
    "Running...": "正在运行…", "Stop": "停止", "Rerun": "重新运行", "Connecting": "正在连接",
    "Please wait...": "请稍候…", "Error:": "", "Add files": "添加文件", "Vega visualization": "图表",
    "Show password text": "显示密码", "Hide password text": "隐藏密码",
  }));
  // Vega's roles of chart parts (aria-roledescription only: as text these are ordinary words).
  // Any other role Vega names (bar, rect mark container …) is a 图形.
  const roles = {"axis": "坐标轴", "legend": "图例", "title": "标题", "visualization": "图表", "bar": "柱形",
                 "line": "折线", "point": "数据点", "rule": "参考线"};
  const role = (value) => /[A-Za-z]/.test(value) ? roles[value] || "图形" : null;
  const patterns = [
    [/^Remove (.+)$/, "移除 $1"], [/^Download as (\\w+)$/, "下载为 $1"],
    // The browser's limit is twice the real one (the server's check says why for the rest).
    [/^File must be (.+) or smaller\\.$/, "文件过大，没有上传（大小上限见上方说明）。"],
    [/^.+ files are not allowed\\.$/, "不支持这种类型的文件。"],
    [/^.+ per file( • .*)?$/, ""], [/^• .*$/, ""],  // the browser's limit (twice the real one) and types
    [/^[a-z0-9_]+ icon$/, "图标"],
    [/^([XY])-axis titled '([^']*)'.*$/, "$1 轴：$2"], [/^([XY])-axis .*$/, "$1 轴"],
    [/^Symbol legend titled '([^']*)'.*$/, "图例：$1"], [/^Symbol legend .*$/, "图例"],
    [/^[a-z]+ mark$/, "图形"], [/^[a-z]+ marks$/, "图形"], [/^streamlit_agraph\\.agraph$/, "关系图"],
  ];
  const chinese = (value) => {
    const key = value.trim();
    if (!key || !/[A-Za-z]/.test(key)) return null;
    if (exact.has(key)) return value.replace(key, exact.get(key));
    for (const [pattern, into] of patterns) if (pattern.test(key)) return key.replace(pattern, into);
    return null;
  };
  const ATTRIBUTES = ["aria-label", "title", "placeholder", "aria-roledescription"];
  const element = (el) => {
    for (const name of ATTRIBUTES) {
      const value = el.getAttribute(name);
      const into = value && (name === "aria-roledescription" ? role(value) : chinese(value));
      if (into !== null && into !== undefined && into !== value) el.setAttribute(name, into);
    }
  };
  const text = (node) => {
    const parent = node.parentElement;
    if (!parent) return;
    // App and document text (markdown, code, tables, what a box holds) is left alone; the
    // uploader's button is Streamlit's own although its label is a markdown container.
    if (!parent.closest("[data-testid=stFileUploaderDropzone] button")
        && parent.closest("textarea, [contenteditable], code, pre, table, [data-testid=stMarkdownContainer], "
                            + "[data-testid=stHtml]")) return;
    const into = chinese(node.nodeValue);
    if (into !== null && into !== node.nodeValue) node.nodeValue = into;
  };
  const walk = (root) => {
    if (root.nodeType === Node.TEXT_NODE) return text(root);
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    element(root);
    for (const el of root.querySelectorAll("[aria-label], [title], [placeholder], [aria-roledescription]")) element(el);
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) text(walker.currentNode);
  };
  walk(document.body);
  new MutationObserver((changes) => {
    for (const change of changes) {
      if (change.type === "attributes") element(change.target);
      else if (change.type === "characterData") text(change.target);
      else for (const node of change.addedNodes) walk(node);
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true,
                             attributeFilter: ATTRIBUTES});
})();
</script>"""
_I18N_SENT = "_kg_i18n_sent"
#: A chart's y-axis title set upright above the axis: Vega turns it 90°, which lays Chinese
#: characters on their side (a unit such as 人 read as a different glyph).
UPRIGHT_Y_TITLE = {"titleAngle": 0, "titleAnchor": "end", "titleAlign": "left", "titleBaseline": "bottom",
                   "titleY": -8, "titleX": -30, "titleFontWeight": "normal"}
#: Placeholder of every multiselect (Streamlit's own says "Choose options").
PICK = "请选择…"


def _built_at(settings: Settings) -> str:
    """The build's time stamp (cheap: one small JSON file), so a rebuilt folder opens afresh."""
    try:
        data = json.loads((settings.build_path / "manifest.json").read_text(encoding="utf-8"))
        return str(data.get("built_at", ""))
    except (OSError, ValueError):
        return ""


#: Set when a page has run its script (its sidebar status line drawn): the warm-up's later part
#: starts then, AFTER_FIRST_PAGE_S later, or FIRST_PAGE_WAIT_S after the search's part at most.
_FIRST_PAGE = threading.Event()
FIRST_PAGE_WAIT_S = 20.0
AFTER_FIRST_PAGE_S = 1.5


class Warmup:
    """Loads what the first search needs (encoder, entity names, indexes) in a background thread,
    so the first query after start does not wait for the model; then, once a first page has
    been drawn and at a lower CPU priority, what other pages need first (the related-entity
    name vectors, the target table)."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.state = "loading"  # loading → ready | failed: the search's part
        self.message = ""
        self.started = time.monotonic()
        self.seconds = 0.0
        self._done = threading.Event()  # the rest, after the search's part
        self._thread = threading.Thread(target=self._run, name="kg-warmup", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        service = self.service
        try:
            try:
                service.encoder  # noqa: B018  the model load: the slow part
                service.lexicon  # noqa: B018  entity names for the answer cards
                service.search("卫生健康", k=1)  # touches BM25, FAISS and the fusion once
                service.answer("卫生健康")
                # An indicator's card too: it reads a trace and a table's header (modules and
                # queries a first 全科医生 would otherwise load while the page waits).
                indicator = next((e for e in service.entities() if e.type == "indicator"), None)
                if indicator is not None:
                    service.answer(indicator.label)
                self.state = "ready"
            except Exception as exc:  # noqa: BLE001  shown in the banner; search still works without
                self.state = "failed"
                self.message = type(exc).__name__
            finally:
                self.seconds = time.monotonic() - self.started
            # The rest (encoding every entity name for 相关实体: 6 s of CPU with e5, 10 s wall on
            # the loaded machine) waits until a first page has been drawn: started at once, it
            # ran just while the browser loaded the app and the first search drew its results.
            _FIRST_PAGE.wait(FIRST_PAGE_WAIT_S)
            time.sleep(AFTER_FIRST_PAGE_S)  # the browser draws what the page's script sent
            _lower_priority()  # what follows must not slow the first pages drawn meanwhile
            entities = service.entities()
            if entities:  # the first entity page would otherwise encode every entity name (seconds)
                service.related(entities[0].iri, k=1)
            cached_target_rows(service)
            import altair  # noqa: F401  the charting libraries the pages import on first use
            import pandas  # noqa: F401
        except Exception:  # noqa: BLE001  each page computes what it needs itself
            pass
        finally:
            self._done.set()

    def wait(self, everything: bool = False, timeout: float | None = None) -> bool:
        """Block until the search's part (or, with ``everything``, the whole warm-up) is done."""
        if everything:
            return self._done.wait(timeout)
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.state == "loading" and not self._done.is_set():
            if deadline is not None and time.monotonic() > deadline:
                return False
            self._done.wait(0.05)
        return True


def _lower_priority() -> None:
    """Nice this thread (Linux schedules threads one by one), so serving threads come first."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):
        pass


#: The opened builds of this server process (settings and build time → service and warm-up),
#: newest last. A module dictionary rather than st.cache_resource, so that the server's start
#: (start_loading, called when the server imports app.py, outside any session) and the sessions
#: share one.
_OPENED: dict[tuple[Settings, str], tuple[Service, Warmup]] = {}
_OPEN_LOCK = threading.Lock()
_KEEP = 2


def open_build(settings: Settings) -> tuple[Service, Warmup]:
    """The read-only service for the current build and its warm-up (started when first opened)."""
    key = (settings, _built_at(settings))
    with _OPEN_LOCK:
        if key not in _OPENED:
            service = Service.open(settings)
            _OPENED[key] = (service, Warmup(service))
            while len(_OPENED) > _KEEP:  # a rebuilt folder replaces the old one
                _OPENED.pop(next(iter(_OPENED)))
        return _OPENED[key]


def start_loading() -> threading.Thread:
    """At server start: open the build and start its warm-up in the background, before any
    browser connects. A build that cannot be opened is left to the pages to explain. (jieba's
    dictionary cache is read in one piece: kg.text applies that before its tokenizer loads.)"""

    def run() -> None:
        try:
            open_build(load_settings())
        except KGError:
            pass

    thread = threading.Thread(target=run, name="kg-open", daemon=True)
    thread.start()
    return thread


_TARGET_ROWS: "weakref.WeakKeyDictionary[Service, list[Any]]" = weakref.WeakKeyDictionary()
_ROWS_LOCK = threading.Lock()


def cached_target_rows(service: Service) -> list[Any]:
    """Every target of the build, merged (kg.query.overview.target_rows), computed once per build."""
    from kg.query.overview import target_rows

    with _ROWS_LOCK:
        if service not in _TARGET_ROWS:
            _TARGET_ROWS[service] = target_rows(service)
        return _TARGET_ROWS[service]


def current_settings() -> Settings:
    return load_settings()


def _opened() -> tuple[Service, Warmup]:
    settings = current_settings()
    try:
        if _OPEN_LOCK.locked():  # being opened (at server start or by another session)
            with st.spinner("正在打开知识图谱…"):
                return open_build(settings)
        return open_build(settings)
    except StaleBuildError:
        st.error("索引不可用：构建不存在，或语料、设置在上次构建后有变化（请运行 kg build 重新构建）。")
        st.info("请在项目目录运行 `make app`（或 `kg build`）重新构建，然后刷新本页。")
        st.stop()
    except KGError:
        st.error("加载失败：知识图谱或索引文件无法读取。请运行 `kg build` 重新构建后刷新本页。")
        st.stop()
    raise AssertionError("unreachable")


def service_or_stop(status: bool = True) -> Service:
    """The service, or a plain explanation (never a traceback) when the build is unusable.
    ``status=False``: the sidebar's loading state is left to the page (:func:`status_line`)."""
    service, warmup = _opened()
    _banner(warmup, status)
    return service


def status_line() -> None:
    """The sidebar's loading state, drawn where the page chooses: the search page draws it after
    its search, which waited for the loading, so it says 就绪 at once — drawn before, it said
    正在加载 and, a second later, ran the whole page again just as the browser drew the first
    results (seen delaying them by 0.3–0.8 s on the loaded machine)."""
    with st.sidebar:
        _status_line(warmup_state())


def build_stamp() -> str:
    """When the current build was made (changes with each rebuild, e.g. after an upload)."""
    return _built_at(current_settings())


def built_service() -> Service:
    """The service, like :func:`service_or_stop`, without drawing the status line again (for a
    helper of a page that has called service_or_stop already)."""
    return _opened()[0]


def warmup_state() -> Warmup:
    return _opened()[1]


def wait_until_ready() -> None:
    """Before a search: let the background warm-up finish the search's part, with a visible state,
    instead of loading the model a second time in this request."""
    warmup = warmup_state()
    if warmup.wait(timeout=0):
        return
    with st.status("检索模型正在后台加载，完成后立即检索…", expanded=False) as status:
        warmup.wait()
        status.update(label="检索模型已就绪", state="complete")


def _banner(warmup: Warmup, status: bool = True) -> None:
    st.html(STYLE)
    if not st.session_state.get(_I18N_SENT):
        # Sent once per browser session: its MutationObserver goes on translating after the
        # element is dropped on the next run, across reruns and page changes (one tab, one
        # session; a reload starts a new session, which gets it again).
        with st.container(key="kg_i18n"):  # hidden (STYLE)
            st.html(I18N_SCRIPT, unsafe_allow_javascript=True)
        st.session_state[_I18N_SENT] = True
    if status:
        with st.sidebar:
            _status_line(warmup)


def _status_line(warmup: Warmup) -> None:
    """The sidebar's loading state. While loading it looks again every second; once the warm-up
    is done the page is drawn afresh (so it stops looking) and says 就绪."""
    loading = warmup.state == "loading"
    _FIRST_PAGE.set()

    @st.fragment(run_every=1.0 if loading else None)
    def line() -> None:
        if warmup.state == "loading":
            elapsed = time.monotonic() - warmup.started
            st.info(f"检索模型和索引正在后台加载（已用 {elapsed:.0f} 秒）…", icon=":material/hourglass_top:")
        elif loading:
            st.rerun(scope="app")
        elif warmup.state == "ready":
            st.caption(f":material/check_circle: 检索就绪（加载用时 {warmup.seconds:.1f} 秒）")
        else:
            st.warning("检索模型加载失败，检索仅使用关键词排序。", icon=":material/warning:")

    line()


def reset_service() -> None:
    """Forget the opened builds (after the corpus and build changed here)."""
    with _OPEN_LOCK:
        _OPENED.clear()


def entity_link_params(iri: str) -> dict[str, str]:
    return {"e": iri}


def chinese_error(exc: Exception) -> str:
    """A short Chinese sentence for a library error (its own text is for the command line)."""
    from kg.errors import CorpusError, MetadataError, QueryError

    if isinstance(exc, QueryError):
        return "查询无法执行：请换一种说法或缩短查询内容。"
    if isinstance(exc, MetadataError):
        return "文档信息有误：请检查编号、标题、日期（年-月-日）和类型。"
    if isinstance(exc, CorpusError):
        return "文件无法读取：请确认文件未损坏、格式受支持且含有中文文字。"
    return "操作失败，请稍后重试。"


#: What a page that failed unexpectedly says (its traceback is in the server's log).
SCRIPT_ERROR = ("这一页出错了：程序遇到了意外情况，详情已记入服务器日志。请刷新页面重试；"
                "如果仍然出错，请告诉管理员出错的页面和时间。")


def show_script_error(exc: Exception) -> bool:
    """Streamlit's ``on_script_error`` hook (app.py): a Chinese sentence in place of Streamlit's
    English traceback box. Streamlit has logged the traceback already; True: it shows nothing more."""
    st.error(SCRIPT_ERROR, icon=":material/error:")
    return True


def metric_link(column: Any, label: str, value: object, page: str, params: dict[str, str] | None = None,
                key: str | None = None) -> None:
    """A number that links to its list: the metric and, below it, a link to the page."""
    column.metric(label, value)
    column.page_link(page, label="查看列表", icon=":material/list:", query_params=params or {})
