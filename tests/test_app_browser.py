"""What a user reads after the session-8 app fixes, in a real browser (Chromium) over the bundled
corpus: a card citing a table row names the table and its columns; a count of bodies is listed
as a count (…数量), a single body to build is no indicator; 对比's document names are whole; the
graph says where the relation names went; a task's page names its lead and the units taking part.
"""

from __future__ import annotations

import pytest

from tests.test_browser import (  # noqa: F401  the fixtures (app_url, browser, page) and helpers
    CHROMIUM,
    app_url,
    assert_no_exception,
    browser,
    open_and_settle,
    page,
    shot,
)

pytestmark = [pytest.mark.browser]


def test_the_card_quoting_a_table_row_names_the_table_and_its_columns(page: object, app_url: str) -> None:
    text = open_and_settle(page, f"{app_url}/search?q=全科医生")
    page.get_by_text("打开实体页").first.wait_for(timeout=60_000)  # type: ignore[attr-defined]
    card = page.locator(".st-key-answer_card").inner_text()  # type: ignore[attr-defined]
    shot(page, "app8-card-table-row")
    assert "2025年 4人" in card
    assert "表格：广西卫生健康发展“十四五”时期主要指标" in card
    assert "各列依次为：领域 | 序号 | 指标 | 单位 | 2020年 | 2025年 | 指标属性" in card
    assert "本行：14 每万人口全科医生数 人 2.62 4 约束性" in card
    assert "表格中的一行（各列依次为：" in text  # the hit that is the row says it too
    assert_no_exception(page)


def test_counts_of_bodies_are_listed_as_counts_and_a_single_body_is_no_indicator(page: object, app_url: str) -> None:
    text = open_and_settle(page, f"{app_url}/compare")
    assert "社区医院数量" in text and "国家级中医药文化体验场馆数量" in text  # the plan's own indicators
    assert "国家中医疫病防治基地" not in text  # 建设1家…基地: one body to build
    text = open_and_settle(page, f"{app_url}/entity?e=社区医院数量")
    assert "类型：指标" in text


def test_the_compare_pages_document_names_are_not_cut(page: object, app_url: str) -> None:
    open_and_settle(page, f"{app_url}/compare")
    shot(page, "app8-compare")
    for label in ("文档甲", "文档乙"):
        # The select box shows its choice in a combobox input (Streamlit's react-aria select).
        shown = page.get_by_role("combobox", name=label)  # type: ignore[attr-defined]
        value = shown.input_value()
        assert "项指标）" in value, value  # the whole name, its count at the end
        cut = shown.evaluate("el => el.scrollWidth > el.clientWidth + 1")
        assert not cut, f"{label}: {value}"


def test_the_graph_says_where_the_relation_names_are(page: object, app_url: str) -> None:
    text = open_and_settle(page, f"{app_url}/graph")
    page.frame_locator("iframe").first.locator("canvas").first.wait_for(timeout=60_000)  # type: ignore[attr-defined]
    page.wait_for_timeout(2500)  # type: ignore[attr-defined]
    shot(page, "app8-graph")
    assert "边上不再写关联名称；把鼠标停在一条边上可看到它的名称" in text


def test_a_task_page_names_its_lead(page: object, app_url: str) -> None:
    text = open_and_settle(page, f"{app_url}/entity?e=全区职业病危害工程防护技术指导")
    assert "牵头单位：" in text and "自治区工程防护技术指导中心" in text
    assert "负责全区职业病危害工程防护技术指导" in text  # the sentence that assigns it, cited
