"""End to end in a real browser: the app served on 127.0.0.1, driven by playwright in Debian's Chromium.

Screenshots are saved under test-artifacts/ for a person to look at. A page that shows a
Streamlit exception fails the test.
"""

from __future__ import annotations

import os
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
