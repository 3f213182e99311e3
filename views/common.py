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

KIND_NAMES = {"plan": "规划", "news": "新闻", "bulletin": "简报"}
STATUS_ORDER = ("已达成", "未达成", "进行中", "无数据", "无法比较")
#: A coloured dot per status, as Streamlit markdown (emoji would need a colour-emoji font).
STATUS_ICONS = {"已达成": ":green[●]", "未达成": ":red[●]", "进行中": ":orange[●]", "无数据": ":gray[●]",
                "无法比较": ":violet[●]"}
#: Page-wide style: big linked numbers on the home page; Chinese words on the file uploader,
#: whose own instructions and button are English, and on the keyboard's skip link.
STYLE = """<style>
[data-testid="stSkipToContent"] { font-size: 0; }
[data-testid="stSkipToContent"]::after { content: "跳到正文"; font-size: 0.875rem; }
div[class*="st-key-home_"] a p { font-size: 2rem; font-weight: 700; line-height: 1.2; }
div[class*="st-key-home_"] a { padding-left: 0; }
[data-testid="stFileUploaderDropzoneInstructions"] span { font-size: 0; }
[data-testid="stFileUploaderDropzoneInstructions"] span::after {
  content: "拖放文件到此处，或点击左侧按钮选择文件"; font-size: 0.875rem; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p { font-size: 0; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {
  content: "选择文件"; font-size: 0.875rem; }
</style>"""
#: Placeholder of every multiselect (Streamlit's own says "Choose options").
PICK = "请选择…"


def _built_at(settings: Settings) -> str:
    """The build's time stamp (cheap: one small JSON file), so a rebuilt folder opens afresh."""
    try:
        data = json.loads((settings.build_path / "manifest.json").read_text(encoding="utf-8"))
        return str(data.get("built_at", ""))
    except (OSError, ValueError):
        return ""


class Warmup:
    """Loads what the first search needs (encoder, entity names, indexes) in a background thread,
    so the first query after start does not wait for the model; then, at a lower CPU priority,
    what other pages need first (the related-entity name vectors, the target table)."""

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
                self.state = "ready"
            except Exception as exc:  # noqa: BLE001  shown in the banner; search still works without
                self.state = "failed"
                self.message = type(exc).__name__
            finally:
                self.seconds = time.monotonic() - self.started
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
#: (app.py's lifespan, outside any session) and the sessions share one.
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
    browser connects. A build that cannot be opened is left to the pages to explain."""

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


def service_or_stop() -> Service:
    """The service, or a plain explanation (never a traceback) when the build is unusable."""
    service, warmup = _opened()
    _banner(warmup)
    return service


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


def _banner(warmup: Warmup) -> None:
    st.html(STYLE)
    with st.sidebar:
        _status_line(warmup)


def _status_line(warmup: Warmup) -> None:
    """The sidebar's loading state. While loading it looks again every second; once the warm-up
    is done the page is drawn afresh (so it stops looking) and says 就绪."""
    loading = warmup.state == "loading"

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


def metric_link(column: Any, label: str, value: object, page: str, params: dict[str, str] | None = None,
                key: str | None = None) -> None:
    """A number that links to its list: the metric and, below it, a link to the page."""
    column.metric(label, value)
    column.page_link(page, label="查看列表", icon=":material/list:", query_params=params or {})
