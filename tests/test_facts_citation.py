"""A fact's citation holds what it cites: a pilot zone's approval date quotes the sentence that
writes the date, not the zone's first mention (app walk, shot 05_entity_pilotzone), on the entity
page and in the zone's answer card (…获批).

A small invented county report is built for real (hashing encoder) and read as the entity page does.
"""

from __future__ import annotations

import pytest

from kg.query.cards import date_words
from kg.query.facts import entity_facts
from kg.query.recognise import EntityRef
from kg.query.service import Service
from tests.helpers import service_of_text

REPORT = """漾濞县基层卫生健康工作情况
漾濞县国家基层卫生健康综合试验区建设推进会近日召开，会议总结了试验区建设的做法。
2021年起，漾濞县累计投入1.2亿元改善乡镇卫生院和村卫生室的条件。
2022年11月，漾濞县获批国家基层卫生健康综合试验区，成为全省首批试验区之一。
"""


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Service:
    return service_of_text(tmp_path_factory, "yb-county-report.txt", REPORT)


def _zone(service: Service) -> EntityRef:
    found = [row for row in service.entities("pilotzone") if row.label == "漾濞县国家基层卫生健康综合试验区"]
    assert len(found) == 1
    return EntityRef(found[0].iri, found[0].label, "PilotZone")


def test_the_approval_date_cites_the_sentence_that_writes_it(service: Service) -> None:
    facts = {f.name: f for f in entity_facts(service.sources, _zone(service))}
    date = facts["获批时间"]
    assert date.values == [("2022-11", "")]
    assert date.citation is not None and "2022年11月" in date.citation.quote
    assert "推进会" not in date.citation.quote  # the zone's first mention states no date


def test_the_zone_card_cites_the_sentence_that_writes_its_date(service: Service) -> None:
    card = service.answer("漾濞县国家基层卫生健康综合试验区是什么试验区")
    assert card is not None and card.entity.type == "PilotZone"
    assert "2022-11获批" in card.text
    assert card.citations and "2022年11月" in card.citations[0].quote  # the sentence the date is read from
    assert len(card.citations) <= 2


def test_date_words_are_the_written_forms() -> None:
    assert date_words("2022-11").search("2022年11月，某县获批")
    assert date_words("2022-03-05").search("2022年3月5日") and date_words("2022-03-05").search("2022年03月05日")
    assert not date_words("2022-01").search("2022年11月")
    assert date_words("二〇二二年") is None


TASKS = """湖北省老年健康促进行动方案
一、主要任务
1.开展老年人防跌倒干预。在社区推广防跌倒知识和适老化改造。（省民政厅牵头，省住房城乡建设厅配合）
"""


def test_a_task_page_names_its_lead_and_the_units_taking_part(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A task's entity page (app walk: it showed only its related entities) says who leads it and
    who takes part, each cited from the sentence that assigns it."""
    service = service_of_text(tmp_path_factory, "hb-elderly-plan.txt", TASKS)
    [task] = service.entities("task")
    facts = {f.name: f for f in entity_facts(service.sources, EntityRef(task.iri, task.label, "Task"))}
    assert [label for label, _ in facts["牵头单位"].values] == ["省民政厅"]
    assert [label for label, _ in facts["参与单位"].values] == ["省住房城乡建设厅"]
    assert all(iri for _, iri in facts["参与单位"].values)  # each unit links to its page
    quote = facts["牵头单位"].citation.quote  # the task and the note naming its units, not the task alone
    assert "开展老年人防跌倒干预" in quote and "省民政厅牵头，省住房城乡建设厅配合" in quote
