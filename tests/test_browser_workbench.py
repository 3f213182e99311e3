"""The workbench pages in a real browser (Debian Chromium via playwright), checked for what a user
reads: the home page's numbers against the build's, an indicator page's 2025 target and baseline,
the member card's lead and counted members, and uploads (a .docx that search then finds; a
binary file refused with a Chinese message and nothing changed).

The app runs on its own copy of the corpus and its own build (hashing encoder) under a temporary
folder, so uploads never touch the repository's corpus/.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path
from typing import Iterator

import pytest

from kg.build.manifest import TEXT_DIR
from kg.config import Settings
from kg.query.overview import status_counts, target_rows, trace_json, rows_of_trace
from kg.query.service import Service
from tests.helpers import CORPUS
from tests.test_browser import CHROMIUM, browser, hashing_build, page, running_app  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (see .ci/run)"),
]


@pytest.fixture(scope="module")
def workbench(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A copy of the bundled corpus built with the hashing encoder (uploads go into the copy)."""
    corpus = tmp_path_factory.mktemp("workbench") / "corpus"
    shutil.copytree(CORPUS, corpus)
    return hashing_build(corpus)


@pytest.fixture(scope="module")
def app_url(workbench: Settings) -> Iterator[str]:
    with running_app(workbench, KG_EMBEDDING_MODEL="hashing") as url:
        yield url


def settle(page: object, timeout: int = 120_000) -> None:
    """Wait until Streamlit has run the page script and drawn its title."""
    page.wait_for_timeout(300)  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => { const a = document.querySelector('[data-testid=\"stApp\"]');"
        " return a && a.getAttribute('data-test-script-state') === 'notRunning' && document.querySelector('h1'); }",
        timeout=timeout)
    page.wait_for_timeout(500)  # type: ignore[attr-defined]


def shot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"workbench-{name}.png"), full_page=True)  # type: ignore[attr-defined]


def no_exception(page: object) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0  # type: ignore[attr-defined]


def no_english_widgets(page: object) -> None:
    """Streamlit's own English placeholders must not show."""
    text = page.locator('[data-testid="stMain"]').inner_text()  # type: ignore[attr-defined]
    assert "Choose options" not in text and "Choose an option" not in text


def drawn_text(page: object, selector: str) -> str:
    """The text drawn inside ``selector``: not icon ligatures (Material Symbols), not size-0 text,
    not the source of a script or style element."""
    return page.evaluate(  # type: ignore[attr-defined]
        """(selector) => { const out = [];
        const walker = document.createTreeWalker(document.querySelector(selector), NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) { const parent = walker.currentNode.parentElement;
          if (!parent || parent.closest('script, style')) continue;
          const style = getComputedStyle(parent);
          if (style.fontFamily.includes('Material') || parseFloat(style.fontSize) === 0) continue;
          out.push(walker.currentNode.textContent); }
        return out.join(' '); }""", selector)


def number_in(page: object, key: str) -> int:
    text = page.locator(f'[class*="st-key-{key}"]').first.inner_text()  # type: ignore[attr-defined]
    found = re.findall(r"\d+", text)
    assert found, text
    return int(found[-1])


def corpus_state(settings: Settings) -> dict[str, str]:
    folder = settings.corpus_path
    return {p.name: p.read_bytes().hex()[:64] + str(p.stat().st_size) for p in sorted(folder.iterdir()) if p.is_file()}


def test_home_numbers_equal_the_build(page: object, app_url: str, workbench: Settings) -> None:
    service = Service.open(workbench)
    entities = service.entities()
    rows = target_rows(service)
    page.goto(app_url)  # type: ignore[attr-defined]
    settle(page)
    page.locator('[class*="st-key-home_n_docs"]').wait_for(timeout=60_000)  # type: ignore[attr-defined]
    shot(page, "home")
    no_exception(page)
    assert number_in(page, "home_n_docs") == len(service.documents)
    assert number_in(page, "home_n_entities") == len(entities)
    assert number_in(page, "home_n_indicators") == sum(1 for e in entities if e.type == "indicator")
    assert number_in(page, "home_n_targets") == len(rows)
    counts = status_counts(rows)
    for i, status in enumerate(s for s in ("已达成", "未达成", "进行中", "无数据", "无法比较")
                               if counts.get(s) or s != "无法比较"):
        assert number_in(page, f"home_status_{i}") == counts.get(status, 0), status
    kinds: dict[str, int] = {}
    for doc in service.documents.values():
        kinds[doc.kind] = kinds.get(doc.kind, 0) + 1
    for kind, n in kinds.items():
        assert number_in(page, f"home_kind_{kind}") == n
    # A number is a link to its list: the 已达成 count opens the table filtered to it.
    page.locator('[class*="st-key-home_status_0"] a').first.click()  # type: ignore[attr-defined]
    settle(page)
    assert "/indicators" in page.url  # type: ignore[attr-defined]
    no_exception(page)


def test_entity_and_graph_pages_open_on_an_overview(page: object, app_url: str) -> None:
    page.goto(f"{app_url}/entity")  # type: ignore[attr-defined]
    settle(page)
    shot(page, "entity-overview")
    no_exception(page)
    assert page.get_by_text(re.compile(r"共 \d+ 个实体")).count() > 0  # type: ignore[attr-defined]
    page.goto(f"{app_url}/graph")  # type: ignore[attr-defined]
    settle(page)
    page.frame_locator("iframe").first.locator("canvas").first.wait_for(timeout=60_000)  # type: ignore[attr-defined]
    no_exception(page)
    no_english_widgets(page)


def test_indicator_page_shows_its_2025_target_and_baseline(page: object, app_url: str, workbench: Settings) -> None:
    service = Service.open(workbench)
    trace = service.trace("每万人口全科医生数").to_json()
    row = next(r for r in rows_of_trace(trace_json(service, trace["indicator"]["iri"])) if r.year == 2025)
    assert row.baseline, "the plan states a 2020 baseline"
    page.goto(f"{app_url}/entity?e={trace['indicator']['iri']}")  # type: ignore[attr-defined]
    settle(page)
    page.get_by_text("目标与进展").wait_for(timeout=60_000)  # type: ignore[attr-defined]
    shot(page, "entity-indicator")
    no_exception(page)
    text = page.locator('[data-testid="stMain"]').inner_text()  # type: ignore[attr-defined]
    assert f"2025年目标 {row.target}" in text
    assert f"基期值 {row.baseline}" in text
    # Nothing reported since the plan's 2020 figure: the baseline is said to be all there is, not
    # shown as an observation beside 无数据.
    assert f"最新数值：只有基期值 {row.baseline}" in text and "之后没有观测值" in text
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=30_000)  # type: ignore[attr-defined]


def test_member_card_names_the_lead_and_the_counted_members(page: object, app_url: str) -> None:
    page.goto(f"{app_url}/search?q=上思县医疗健康集团由哪些单位组成")  # type: ignore[attr-defined]
    settle(page)
    card = page.locator('[class*="st-key-answer_card"]')  # type: ignore[attr-defined]
    card.wait_for(timeout=60_000)
    shot(page, "member-card")
    no_exception(page)
    text = card.inner_text()
    # What the cited sentence says (健康报 2026-01-21): 以县人民医院为总医院，县妇幼保健院、县中医院和
    # 8家乡镇卫生院、81家村卫生室为成员单位.
    assert re.search(r"总医院：县人民医院", text), text
    members = text.split("成员单位：", 1)[1]
    for member in ("县妇幼保健院", "县中医院", "8家乡镇卫生院", "81家村卫生室"):
        assert member in members, member
    assert "县人民医院" not in members.split("（据原文）")[0].replace("上思县人民医院", "").replace("县人民医院）", ""), \
        "the lead is not listed as a plain member"
    assert "以县人民医院为总医院" in text  # the citation quotes the sentence


def _upload(page: object, app_url: str, name: str, data: bytes, mime: str) -> None:
    page.goto(f"{app_url}/manage")  # type: ignore[attr-defined]
    settle(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(  # type: ignore[attr-defined]
        files=[{"name": name, "mimeType": mime, "buffer": data}])
    page.wait_for_timeout(1000)  # type: ignore[attr-defined]
    settle(page)


def test_binary_upload_is_refused_and_changes_nothing(page: object, app_url: str, workbench: Settings) -> None:
    before = corpus_state(workbench)
    built = json.loads((workbench.build_path / "manifest.json").read_text(encoding="utf-8"))["built_at"]
    noise = bytes(range(256)) * 64
    for name, mime in (("报告.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                       ("../../tool.exe", "application/octet-stream")):
        _upload(page, app_url, name, noise, mime)
        error = page.locator('[data-testid="stAlert"] [data-testid="stMarkdownContainer"]',  # type: ignore[attr-defined]
                             has_text="没有添加").first
        error.wait_for(timeout=60_000)
        shot(page, f"upload-refused-{Path(name).suffix.lstrip('.')}")
        no_exception(page)
        message = error.inner_text()
        assert "没有添加" in message and re.search(r"[\u4e00-\u9fff]{4}", message)
        assert not re.search(r"[A-Za-z]{5,}", message.replace(Path(name).name, "")), message  # no English
        assert page.get_by_text("添加到语料库并更新索引").count() == 0  # type: ignore[attr-defined]
    assert corpus_state(workbench) == before
    assert json.loads((workbench.build_path / "manifest.json").read_text(encoding="utf-8"))["built_at"] == built


def test_uploaded_docx_is_added_and_found_by_search(page: object, app_url: str, workbench: Settings) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("钦州市智慧药房示范工程实施方案")
    document.add_paragraph("2026年3月5日")
    document.add_paragraph("钦州市卫生健康委员会决定在全市推行智慧药房示范工程，到2027年底覆盖12家社区卫生服务中心，"
                           "实现处方流转和药品配送一体化。")
    buffer = io.BytesIO()
    document.save(buffer)
    before = Service.open(workbench).documents
    _upload(page, app_url, "智慧药房 方案.docx", buffer.getvalue(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    page.get_by_text("核对文档信息").wait_for(timeout=60_000)  # type: ignore[attr-defined]
    title = page.get_by_label("标题", exact=True)  # type: ignore[attr-defined]
    assert title.input_value() == "钦州市智慧药房示范工程实施方案"  # inferred from the first line
    assert page.get_by_label("发布日期（年-月-日）").input_value() == "2026-03-05"  # type: ignore[attr-defined]
    shot(page, "upload-metadata")
    title.fill("钦州市智慧药房示范工程实施方案（上传）")
    page.get_by_role("button", name="添加到语料库并更新索引").click()  # type: ignore[attr-defined]
    page.get_by_text("已添加《钦州市智慧药房示范工程实施方案（上传）》").wait_for(timeout=300_000)  # type: ignore[attr-defined]
    settle(page)
    shot(page, "upload-added")
    no_exception(page)
    added = [p.name for p in workbench.corpus_path.iterdir() if p.suffix == ".docx"]
    assert added == ["智慧药房_方案.docx"]  # the name was sanitised (no space)
    after = Service.open(workbench).documents
    assert len(after) == len(before) + 1
    page.goto(f"{app_url}/search?q=智慧药房示范工程")  # type: ignore[attr-defined]
    settle(page)
    page.locator("mark").first.wait_for(timeout=60_000)  # type: ignore[attr-defined]
    shot(page, "upload-search")
    assert "钦州市智慧药房示范工程实施方案（上传）" in page.locator('[data-testid="stMain"]').inner_text()  # type: ignore[attr-defined]


def one_news_build(root: Path, **settings: object) -> Settings:
    """One short bundled news item, built with the hashing encoder under ``root``."""
    from kg.build.pipeline import build
    from kg.config import load_settings

    corpus = root / "corpus"
    corpus.mkdir()
    name = "gx-grassroots-pilot-zones-2025-news.txt"
    shutil.copy(CORPUS / name, corpus / name)
    listed = json.loads((CORPUS / "metadata.json").read_text(encoding="utf-8"))
    listed["documents"] = [d for d in listed["documents"] if d["file"] == name]
    (corpus / "metadata.json").write_text(json.dumps(listed, ensure_ascii=False), encoding="utf-8")
    built = load_settings(env={}, corpus_dir=str(corpus), build_dir=str(root / "build"), embedding_model="hashing",
                          **settings)
    build(built)
    return built


@pytest.fixture(scope="module")
def small_limit(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One short news item with a file limit of 20 KB, so that an upload a little over it and one
    over the browser's own limit (2 MB) are both cheap to send."""
    return one_news_build(tmp_path_factory.mktemp("limit"), max_file_mb=0.02)


@pytest.fixture(scope="module")
def small_limit_url(small_limit: Settings) -> Iterator[str]:
    with running_app(small_limit, KG_EMBEDDING_MODEL="hashing", KG_MAX_FILE_MB="0.02") as url:
        yield url


def test_oversized_upload_is_refused_in_chinese_and_changes_nothing(page: object, small_limit_url: str,
                                                                     small_limit: Settings) -> None:
    """A file over the limit: the server's check says so in Chinese (size and limit); a file over
    the browser's own limit is refused by the browser, in Chinese too. Neither reaches the corpus."""
    before = corpus_state(small_limit)
    built = json.loads((small_limit.build_path / "manifest.json").read_text(encoding="utf-8"))["built_at"]
    text = ("广西壮族自治区卫生健康委员会推进基层医疗卫生服务能力提升。" * 800).encode("utf-8")  # about 70 KB
    _upload(page, small_limit_url, "基层报告.txt", text, "text/plain")
    error = page.locator('[data-testid="stAlert"]', has_text="没有添加").first  # type: ignore[attr-defined]
    error.wait_for(timeout=60_000)
    shot(page, "upload-refused-oversized")
    no_exception(page)
    message = error.inner_text()
    assert f"文件过大（{round(len(text) / 1024)} KB），上限为 20 KB" in message, message
    assert "语料库和索引都没有改变" in message
    assert page.get_by_text("核对文档信息").count() == 0  # type: ignore[attr-defined]

    huge = b"\xe5\x8d\xab" * (800 * 1024)  # 2.4 MB of 卫, over the browser's limit of 2 MB
    _upload(page, small_limit_url, "大文件.txt", huge, "text/plain")
    uploader = page.locator('[data-testid="stFileUploader"]')  # type: ignore[attr-defined]
    uploader.get_by_text(re.compile("文件过大")).first.wait_for(timeout=60_000)
    shot(page, "upload-refused-browser-limit")
    said = drawn_text(page, '[data-testid="stFileUploader"]')
    assert re.search(r"文件过大，没有上传（大小上限见上方说明）", said), said
    assert not re.search(r"[A-Za-z]{4,}", said.replace("大文件.txt", "")), said  # no English left
    assert page.get_by_text("核对文档信息").count() == 0  # type: ignore[attr-defined]
    assert corpus_state(small_limit) == before
    assert json.loads((small_limit.build_path / "manifest.json").read_text(encoding="utf-8"))["built_at"] == built


#: Every attribute a screen reader says or a tooltip shows, and the skip link's own text.
SPOKEN = """() => {
  const out = [];
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [aria-roledescription]'))
    for (const name of ['aria-label', 'title', 'placeholder', 'aria-roledescription']) {
      const value = el.getAttribute(name); if (value) out.push(value); }
  const skip = document.querySelector('[data-testid="stSkipToContent"]'); if (skip) out.push(skip.textContent);
  for (const el of document.querySelectorAll('[role="tooltip"], [data-testid="stTooltipContent"], [role="alert"]'))
    out.push(el.textContent);
  return out; }"""
#: Names a policy officer reads as names (formats, the query language), not English sentences.
NAMES = {"SPARQL", "CSV", "PNG", "SVG", "JSON", "TriG", "Turtle", "Quads", "MB", "KB"}


def english_in(values: list[str]) -> list[str]:
    return [v for v in values if any(w not in NAMES for w in re.findall(r"[A-Za-z]{3,}", v))]


def test_streamlit_own_words_are_chinese(page: object, app_url: str) -> None:
    """Streamlit's built-in English (skip link, heading anchors, toolbars and their tooltips, select
    boxes, sidebar, icons' spoken names, charts' axes) is Chinese on every page: in the DOM text,
    the aria-labels and titles, not only on screen."""
    for path in ("", "search?q=全科医生", "entity", "entity?e=每万人口全科医生数", "entity?e=上思县医疗健康集团", "graph",
                 "indicators", "columns", "documents", "manage", "compare", "sparql", "downloads"):
        page.goto(f"{app_url}/{path}")  # type: ignore[attr-defined]
        settle(page)
        page.wait_for_timeout(1500)  # type: ignore[attr-defined]  # charts and tables draw after the script
        no_exception(page)
        found = english_in(page.evaluate(SPOKEN))  # type: ignore[attr-defined]
        assert not found, f"{path or 'home'}: {found}"
        drawn = drawn_text(page, '[data-testid="stMain"]')
        if path != "sparql":  # its query box holds SPARQL with English words, as it should
            assert not re.search(r"（[a-z]+）", drawn), f"{path or 'home'}: a type name left in English"
        skip = page.locator('[data-testid="stSkipToContent"]')  # type: ignore[attr-defined]
        if skip.count():
            assert skip.first.text_content().strip() == "跳到正文"
    # A table's toolbar: each button's tooltip, shown on hover, is Chinese.
    page.goto(f"{app_url}/entity")  # type: ignore[attr-defined]
    settle(page)
    table = page.locator('[data-testid="stDataFrame"]').first  # type: ignore[attr-defined]
    table.hover()
    buttons = page.locator('[data-testid="stElementToolbar"] button')  # type: ignore[attr-defined]
    buttons.first.wait_for(timeout=30_000)
    said = []
    for i in range(buttons.count()):
        buttons.nth(i).hover()
        page.wait_for_timeout(600)  # type: ignore[attr-defined]
        said.extend(page.evaluate(SPOKEN))  # type: ignore[attr-defined]
        said.append(buttons.nth(i).get_attribute("aria-label") or "")
    shot(page, "table-toolbar-tooltip")
    assert not english_in(said), english_in(said)
    assert any("下载为 CSV" in s for s in said) and any("全屏" in s for s in said), said


def _no_english_now(page: object, where: str) -> None:
    settle(page)
    page.wait_for_timeout(800)  # type: ignore[attr-defined]  # the observer translates as elements appear
    no_exception(page)
    drawn = re.sub(r"可上传的格式：[^；]*", "", drawn_text(page, '[data-testid="stMain"]'))  # file suffixes, as named
    found = english_in(page.evaluate(SPOKEN) + [drawn])  # type: ignore[attr-defined]
    assert not found, f"{where}: {found}"


def test_streamlit_words_stay_chinese_across_reruns_and_page_changes(page: object, app_url: str) -> None:
    """The translating script is sent once per browser session, not on every rerun: pages reached
    through the sidebar (no reload), a rerun after typing a query, and a reload all still read
    Chinese — the uploader's button, drop text and size line, and the multiselects' placeholder."""
    page.goto(f"{app_url}/")  # type: ignore[attr-defined]
    _no_english_now(page, "home")
    nav = page.locator('[data-testid="stSidebarNav"]')  # type: ignore[attr-defined]
    nav.get_by_text("检索", exact=True).click()
    page.wait_for_url("**/search*")  # type: ignore[attr-defined]
    query = page.get_by_label("输入问题或关键词")  # type: ignore[attr-defined]
    query.fill("全科医生")
    query.press("Enter")
    page.locator("mark").first.wait_for(timeout=60_000)  # type: ignore[attr-defined]
    styled = page.locator(".kg-hit mark").first.evaluate(  # type: ignore[attr-defined]
        "(el) => getComputedStyle(el).backgroundColor")
    assert styled == "rgb(254, 240, 138)", styled  # the page style reached the hits (kept on a rerun)
    page.get_by_text("筛选", exact=True).click()  # type: ignore[attr-defined]
    _no_english_now(page, "search after a rerun")
    boxes = page.locator('[data-testid="stMultiSelect"]')  # type: ignore[attr-defined]
    said = [boxes.nth(i).evaluate("(el) => el.innerText + ' ' + [...el.querySelectorAll('[placeholder]')]"
                                  ".map((e) => e.getAttribute('placeholder')).join(' ')") for i in range(boxes.count())]
    assert len(said) == 3 and all("请选择" in s and "Choose" not in s for s in said), said
    nav.get_by_text("文档管理", exact=True).click()
    page.wait_for_url("**/manage")  # type: ignore[attr-defined]
    _no_english_now(page, "manage, reached through the sidebar")
    said = drawn_text(page, '[data-testid="stFileUploaderDropzone"]')
    assert "选择文件" in said and not re.search(r"[A-Za-z]{3,}", said), said  # no "Browse files", "200MB per file"
    shot(page, "manage-after-page-change")
    page.reload()  # type: ignore[attr-defined]
    _no_english_now(page, "manage after a reload")
    assert "选择文件" in drawn_text(page, '[data-testid="stFileUploaderDropzone"]')


def test_a_page_that_fails_unexpectedly_says_so_in_chinese(page: object, tmp_path: Path) -> None:
    """A build whose stored text no longer decodes (a disk fault, a hand edit) fails every page
    with an error the app does not foresee: the page says so in Chinese, with no English
    traceback and no Streamlit notice in English (client.showErrorDetails and on_script_error)."""
    settings = one_news_build(tmp_path)
    (text,) = (settings.build_path / TEXT_DIR).glob("*.txt")
    text.write_bytes(b"\xff\xfe" + text.read_bytes()[:40])
    with running_app(settings, KG_EMBEDDING_MODEL="hashing") as url:
        page.goto(f"{url}/search?q=卫生")  # type: ignore[attr-defined]
        said = page.locator('[data-testid="stAlert"]', has_text="这一页出错了").first  # type: ignore[attr-defined]
        said.wait_for(timeout=60_000)
        shot(page, "page-error")
        no_exception(page)
        drawn = drawn_text(page, '[data-testid="stMain"]')
        assert "服务器日志" in drawn
        assert not re.search(r"[A-Za-z]{4,}", drawn), drawn  # no traceback, no "This app has encountered an error"
