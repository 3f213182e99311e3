"""End to end in a real browser: the app served on 127.0.0.1, driven by playwright in Debian's Chromium.

Screenshots are saved under test-artifacts/ for a person to look at. A page that shows a
Streamlit exception fails the test.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from kg.config import Settings

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (see .ci/run)"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_app(settings: Settings, **env: str) -> Iterator[str]:
    """The app for ``settings`` on a free loopback port (extra ``KG_*`` variables in ``env``);
    stopped afterwards."""
    port = free_port()
    environment = dict(os.environ, KG_BUILD_DIR=settings.build_dir, KG_CORPUS_DIR=settings.corpus_dir, **env)
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("streamlit did not start within 60 s")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def app_url(real_settings: Settings) -> Iterator[str]:
    """The app on a free loopback port for this module; stopped afterwards."""
    with running_app(real_settings) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield instance
        instance.close()


@pytest.fixture()
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")  # type: ignore[attr-defined]
    page = context.new_page()
    yield page
    context.close()


def settle(page: object) -> None:
    """Wait until Streamlit has finished running the script."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=30_000)  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_timeout(500)  # type: ignore[attr-defined]


def shot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def assert_no_exception(page: object) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0  # type: ignore[attr-defined]


def test_search_shows_highlighted_chinese_results(page: object, app_url: str) -> None:
    page.goto(f"{app_url}/search?q=全科医生")  # type: ignore[attr-defined]
    settle(page)
    page.locator("mark").first.wait_for(timeout=60_000)  # type: ignore[attr-defined]
    shot(page, "search-全科医生")
    assert_no_exception(page)
    marks = page.locator("mark").all_inner_texts()  # type: ignore[attr-defined]
    assert any("全科医生" in m for m in marks)
    assert "广西卫生健康发展“十四五”规划" in page.content()  # type: ignore[attr-defined]


def test_script_in_query_is_shown_as_text_not_run(page: object, app_url: str) -> None:
    page.goto(f"{app_url}/search")  # type: ignore[attr-defined]
    settle(page)
    box = page.get_by_label("输入问题或关键词")  # type: ignore[attr-defined]
    box.fill("<script>window.__xss=1</script><img src=x onerror=\"window.__xss=2\"> 医保")
    box.press("Enter")
    settle(page)
    shot(page, "search-script")
    assert_no_exception(page)
    assert page.evaluate("() => window.__xss") is None  # type: ignore[attr-defined]


def test_document_reader_renders_chinese_outline(page: object, app_url: str) -> None:
    page.goto(f"{app_url}/documents?doc=gx-bulletin-2019-01")  # type: ignore[attr-defined]
    settle(page)
    page.get_by_text("加强领导，将医联体建设落到实处").first.wait_for(timeout=30_000)  # type: ignore[attr-defined]
    shot(page, "documents-bulletin")
    assert_no_exception(page)


def test_answer_entity_graph_and_trace_flow(page: object, app_url: str) -> None:
    """Search 全科医生 → open the answer's entity → its graph (Chinese labels) → 指标与目标 and the chart."""
    page.goto(f"{app_url}/search?q=全科医生")  # type: ignore[attr-defined]
    settle(page)
    page.get_by_text("打开实体页").first.wait_for(timeout=60_000)  # type: ignore[attr-defined]
    shot(page, "flow-1-answer-card")
    assert "2025年 4人" in page.content()  # type: ignore[attr-defined]
    page.get_by_text("打开实体页").first.click()  # type: ignore[attr-defined]
    settle(page)
    page.get_by_role("heading", name="每万人口全科医生数").wait_for(timeout=60_000)  # type: ignore[attr-defined]
    shot(page, "flow-2-entity")
    assert_no_exception(page)
    page.get_by_text("在图谱中查看").first.click()  # type: ignore[attr-defined]
    settle(page)
    frame = page.frame_locator("iframe").first  # type: ignore[attr-defined]
    frame.locator("canvas").first.wait_for(timeout=60_000)
    page.wait_for_timeout(3000)  # type: ignore[attr-defined]  # let the layout settle before the screenshot
    shot(page, "flow-3-graph")
    assert_no_exception(page)
    page.goto(f"{app_url}/indicators?i=每万人口全科医生数")  # type: ignore[attr-defined]
    settle(page)
    page.get_by_text("2025年目标").first.wait_for(timeout=60_000)  # type: ignore[attr-defined]
    page.locator('[data-testid="stVegaLiteChart"], canvas, svg.marks').first.wait_for(timeout=60_000)  # type: ignore[attr-defined]
    shot(page, "flow-4-trace")
    assert_no_exception(page)


# -- what a user reads: Chinese text only, document text shown as written ------------------------

#: The text a person sees on the page: text nodes that are drawn (not icon ligatures such as
#: "check_circle" in the Material Symbols font, not text set to size 0 behind a CSS replacement,
#: not style sheets, not what a text box holds).
VISIBLE_TEXT = """() => {
  const root = document.querySelector('[data-testid="stApp"]'); const out = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, parent = node.parentElement;
    if (!parent || parent.closest('style, script, textarea')) continue;
    const style = getComputedStyle(parent);
    if (style.fontFamily.includes('Material') || parseFloat(style.fontSize) === 0
        || style.display === 'none' || style.visibility === 'hidden') continue;
    out.push(node.textContent);
  }
  return out.join('').replace(/\\u2060/g, '');
}"""
#: Words of a program talking to its developer, or of Streamlit's own English widgets.
DEVELOPER_TEXT = re.compile(r"Traceback|Exception|Error|KeyError|\bNone\b|\bnull\b|undefined|\bNaN\b|\bnan\b"
                            r"|Choose an? option|Drag and drop|Browse files|No results|Skip to main|Running\.\.\.")
#: Three English words in a row: a sentence, not a name such as SPARQL or JSON-LD.
ENGLISH_PROSE = re.compile(r"[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}")
#: Markdown that should have been text: a raw link to an entity, or an escape shown as a backslash.
RAW_MARKDOWN = re.compile(r"\]\((?:entity)?\?e=|\\[\\`*_{}\[\]()#+\-.!|~:$&=^<>\"']")


def visible_text(page: object) -> str:
    return page.evaluate(VISIBLE_TEXT)  # type: ignore[attr-defined]


def open_and_settle(page: object, url: str) -> str:
    """Open ``url``, wait until the script has run and the page has its title; the visible text."""
    page.goto(url)  # type: ignore[attr-defined]
    page.wait_for_timeout(300)  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => { const a = document.querySelector('[data-testid=\"stApp\"]');"
        " return a && a.getAttribute('data-test-script-state') === 'notRunning' && document.querySelector('h1'); }",
        timeout=120_000)
    page.wait_for_timeout(800)  # type: ignore[attr-defined]
    return visible_text(page)


EVERY_PAGE = ["", "search?q=全科医生", "search?q=上思县医疗健康集团由哪些单位组成", "entity", "entity?type=institution",
              "entity?e=每万人口全科医生数", "entity?e=上思县医疗健康集团", "entity?e=上思县国家基层卫生健康综合试验区",
              "entity?e=专栏1 健康广西建设", "entity?e=健康广西行动", "entity?e=南宁市", "graph", "indicators",
              "indicators?i=孕产妇死亡率", "columns", "documents", "documents?doc=gx-bulletin-2019-01", "manage", "compare",
              "sparql", "downloads"]


def test_every_page_speaks_chinese_and_shows_no_markup(page: object, app_url: str) -> None:
    """No traceback, no English widget text or sentence, no raw markdown, on any page of the bundled build."""
    for path in EVERY_PAGE:
        text = open_and_settle(page, f"{app_url}/{path}")
        assert_no_exception(page)
        for pattern in (DEVELOPER_TEXT, ENGLISH_PROSE, RAW_MARKDOWN):
            found = pattern.search(text)
            assert found is None, f"{path}: {text[max(0, found.start() - 60):found.end() + 60]!r}"


#: A news item whose title, issuer and text are full of markdown that points at a host nobody
#: serves (127.0.0.1:9); beside it, a plan whose tasks name their lead and sharing units (PLAN).
PLANTED_TEXT = """南宁市推进家庭医生签约服务
2025年3月1日
南宁市卫生健康委员会表示，[家庭医生](http://127.0.0.1:9/click)签约服务继续扩面 ![统计](http://127.0.0.1:9/track.png)，\
到2025年底南宁市家庭医生签约服务覆盖率达到 *75%*，`重点人群`签约率达到 _85%_ 以上。
# 南宁市将开展 <b>上门服务</b> [详情](entity?e=x) :red[重点任务] :material/home: $x^2$ 见 www.example.com
"""
PLANTED_TITLE = "南宁市[家庭医生](http://127.0.0.1:9/click)签约 **工作** ![图](http://127.0.0.1:9/track.png)"


def hashing_build(corpus: Path) -> Settings:
    """``corpus`` built into a build/ folder beside it with the hashing encoder."""
    from kg.build.pipeline import build
    from tests.helpers import settings_for

    settings = settings_for(corpus.parent / "build", model="hashing", corpus=corpus)
    build(settings)
    return settings


@pytest.fixture(scope="module")
def crafted(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    import json

    from tests.test_responsibility_card import PLAN

    corpus = tmp_path_factory.mktemp("crafted") / "corpus"
    corpus.mkdir()
    (corpus / "jx-elderly-plan.txt").write_text(PLAN, encoding="utf-8")
    (corpus / "md-news.txt").write_text(PLANTED_TEXT, encoding="utf-8")
    (corpus / "metadata.json").write_text(json.dumps({"documents": [
        {"id": "jx-elderly-plan", "file": "jx-elderly-plan.txt", "title": "江西省老年健康促进行动方案",
         "issuer": "江西省卫生健康委员会", "date": "2023-05-10", "kind": "plan"},
        {"id": "md-news", "file": "md-news.txt", "title": PLANTED_TITLE, "issuer": "南宁市卫生健康委员会 *新闻*",
         "date": "2025-03-01", "kind": "news"}]}, ensure_ascii=False), encoding="utf-8")
    return hashing_build(corpus)


@pytest.fixture(scope="module")
def crafted_url(crafted: Settings) -> Iterator[str]:
    with running_app(crafted, KG_EMBEDDING_MODEL="hashing") as url:
        yield url


def test_document_markdown_is_shown_as_written_on_every_page(page: object, crafted_url: str) -> None:
    """Issue 12 item 13: the planted links, images, emphasis and directives show as the characters
    the document has; nothing links or loads from the planted host."""
    planted_requests: list[str] = []
    page.on("request", lambda request: planted_requests.append(request.url)  # type: ignore[attr-defined]
            if "127.0.0.1:9/" in request.url else None)
    pages = {"": [PLANTED_TITLE], "search?q=家庭医生签约": [PLANTED_TITLE, "*75%*", "`重点人群`"],
             "documents?doc=md-news": [PLANTED_TITLE, "[家庭医生](http://127.0.0.1:9/click)", "![统计](", "*75%*",
                                       "_85%_", "<b>上门服务</b>", "[详情](entity?e=x)", ":red[重点任务]", "$x^2$",
                                       "# 南宁市将开展"],
             "entity?e=南宁市": ["[家庭医生](http://127.0.0.1:9/click)", "*75%*"],
             "compare?a=md-news&b=jx-elderly-plan": ["南宁市[家庭医生](http"]}
    for path, literals in pages.items():
        text = open_and_settle(page, f"{crafted_url}/{path}")
        shot(page, f"planted-{path.split('?')[0] or 'home'}")
        assert_no_exception(page)
        for literal in literals:
            assert literal in text, f"{path}: {literal!r} not shown as written"
        main = page.locator('[data-testid="stMain"]')  # type: ignore[attr-defined]
        assert main.locator('a[href*="127.0.0.1:9"], a[href*="example.com"], img[src*="127.0.0.1:9"]').count() == 0, path
        assert main.locator('[data-testid="stMarkdownContainer"] :is(b, em, code, h1)',
                            has_text=re.compile("上门服务|75%|85%|重点人群|南宁市将开展")).count() == 0, path
        assert main.locator(".katex").count() == 0, path
        assert not re.search(r"\\[\[\]()*_`]", text), f"{path}: an escape shows as a backslash"
    assert planted_requests == []


def test_an_institution_page_lists_its_tasks(page: object, crafted_url: str) -> None:
    """The responsibilities the plan gives a unit: the tasks it leads and those it shares, each a
    link to the task, whose page names it a 任务."""
    text = open_and_settle(page, f"{crafted_url}/entity?e=省民政厅")
    shot(page, "institution-tasks")
    assert_no_exception(page)
    assert re.search(r"牵头任务\s*：\s*开展老年人防跌倒干预", text), text
    assert re.search(r"参与任务\s*：\s*建设老年友善医疗机构", text), text
    # Each task cites its own paragraph, through the note that gives it to the unit, and says
    # who else shares it.
    from tests.test_responsibility_card import PLAN

    for measure, others in (("开展老年人防跌倒干预", "参与单位：省住房城乡建设厅"),
                            ("建设老年友善医疗机构", "牵头单位：省卫生健康委；其他参与单位：省医保局")):
        paragraph = next(line for line in PLAN.splitlines() if measure in line)
        assert f"原文：{paragraph}" in text, paragraph
        assert others in text, others
    links = page.locator('[data-testid="stMain"] a', has_text="《江西省老年健康促进行动方案》 字符")  # type: ignore[attr-defined]
    assert len(set(links.all_inner_texts())) >= 2, "one citation per task"
    page.get_by_role("link", name="开展老年人防跌倒干预").first.click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="开展老年人防跌倒干预").wait_for(timeout=60_000)  # type: ignore[attr-defined]
    page.wait_for_timeout(800)  # type: ignore[attr-defined]
    assert "类型：任务" in visible_text(page)  # opened in this tab


def test_loading_banner_turns_ready_by_itself(browser: object, real_settings: Settings) -> None:
    """Right after a fresh start the sidebar says the model and indexes are loading; when the
    background loading is done it says 检索就绪 by itself — the same page, not reloaded — and an
    entity page's related entities, prepared after that, fill in the same way."""
    with running_app(real_settings) as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")  # type: ignore[attr-defined]
        page = context.new_page()
        try:
            page.goto(f"{url}/entity?e=南宁市")
            sidebar = page.locator('[data-testid="stSidebar"]')
            loading = sidebar.get_by_text(re.compile("检索模型和索引正在后台加载"))
            related_later = page.get_by_text("相关实体正在后台准备，稍后自动显示…")
            try:
                loading.wait_for(timeout=30_000)
            except Exception:  # noqa: BLE001  the loading finished before the page was drawn
                pytest.skip("the background loading was over before the first page was drawn")
            shot(page, "banner-loading")
            saw_related_later = related_later.count() > 0
            page.evaluate("window.__samePage = true")
            ready = sidebar.get_by_text(re.compile(r"检索就绪（加载用时 \d+\.\d 秒）"))
            ready.wait_for(timeout=180_000)
            assert loading.count() == 0
            page.get_by_role("heading", name="相关实体").wait_for(timeout=120_000)
            related_later.wait_for(state="detached", timeout=120_000)
            shot(page, "banner-ready")
            assert_no_exception(page)
            assert page.evaluate("window.__samePage === true"), "the page was reloaded"
            text = visible_text(page)
            assert "南宁市" in text and "相关实体正在后台准备" not in text
            if saw_related_later:  # its list came in without a reload: the related names are links
                assert page.locator('[data-testid="stMain"] a[href*="entity?e="]').count() > 0
        finally:
            context.close()
