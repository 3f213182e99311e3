"""谁负责… / …由哪个部门牵头: the answer card reads the tasks of the graph (issue 14).

A small invented provincial plan with responsibility notes is built for real (hashing encoder)
and queried through the service, as `kg search` and the app do.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from kg.build.pipeline import build
from kg.query.facts import entity_facts
from kg.query.graph_queries import select
from kg.query.recognise import EntityRef
from kg.query.service import Service
from tests.helpers import settings_for

PLAN = """江西省老年健康促进行动方案
根据《江西省“十四五”老龄事业发展规划》（赣府发〔2022〕9号），制定本方案。
一、主要任务
1.建设老年友善医疗机构。推动二级以上医院设立老年医学科。（省卫生健康委牵头，省民政厅、省医保局按职责分工负责）
2.开展老年人防跌倒干预。在社区推广防跌倒知识和适老化改造。（省民政厅牵头，省住房城乡建设厅配合）
3.加强老年健康人才培养。（省教育厅、省卫生健康委按职责分工负责）
"""


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Service:
    root = tmp_path_factory.mktemp("tasks")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "jx-elderly-plan.txt").write_text(PLAN, encoding="utf-8")
    settings = settings_for(root / "build", model="hashing", corpus=corpus)
    build(settings)
    return Service.open(settings)


def test_who_leads_a_measure(service: Service) -> None:
    card = service.answer("老年人防跌倒干预由哪个部门牵头")
    assert card is not None and card.intent == "responsible"
    assert "牵头 省民政厅" in card.text and "配合 省住房城乡建设厅" in card.text
    assert card.citations and "防跌倒" in card.citations[0].quote


def test_joint_leads(service: Service) -> None:
    card = service.answer("谁负责老年健康人才培养")
    assert card is not None and "省教育厅" in card.text and "省卫生健康委" in card.text and "配合" not in card.text


def test_a_units_tasks(service: Service) -> None:
    card = service.answer("省民政厅负责哪些任务")
    assert card is not None
    assert "牵头：开展老年人防跌倒干预" in card.text and "配合：建设老年友善医疗机构" in card.text


def test_no_card_when_no_task_matches(service: Service) -> None:
    assert service.answer("谁负责城市轨道交通建设") is None


def test_the_graph_links_a_unit_to_its_tasks(service: Service) -> None:
    # What kg show lists as the unit's incoming pol:leadUnit / pol:coUnit links.
    rows = select(service.store, "SELECT ?role ?measure WHERE { ?task ?role ?unit ; rdfs:label ?measure . "
                                 "?unit rdfs:label ?name . FILTER(STR(?name) = \"省民政厅\") "
                                 "VALUES ?role { pol:leadUnit pol:coUnit } }")
    found = {(row["role"].rsplit("#", 1)[-1], row["measure"]) for row in rows}
    assert ("leadUnit", "开展老年人防跌倒干预") in found and ("coUnit", "建设老年友善医疗机构") in found


def test_entities_list_cited_documents_with_number_and_citing_documents(service: Service) -> None:
    cited = [row for row in service.entities("citeddocument") if row.label == "江西省“十四五”老龄事业发展规划"]
    assert len(cited) == 1
    assert cited[0].aliases == ["赣府发〔2022〕9号"] and cited[0].documents == ["jx-elderly-plan"]


def _unit(service: Service, label: str) -> EntityRef:
    found = [row for row in service.entities("institution") if row.label == label]
    assert len(found) == 1
    return EntityRef(found[0].iri, label, "Institution")


def test_an_institution_page_lists_each_task_with_its_other_units(service: Service) -> None:
    facts = [f for f in entity_facts(service.sources, _unit(service, "省民政厅")) if f.name in ("牵头任务", "参与任务")]
    by_task = {(f.name, f.values[0][0]): f for f in facts}
    assert set(by_task) == {("牵头任务", "开展老年人防跌倒干预"), ("参与任务", "建设老年友善医疗机构")}
    # Each task names the other units of that task (not of the page's other tasks) ...
    assert by_task[("牵头任务", "开展老年人防跌倒干预")].note == "参与单位：省住房城乡建设厅"
    assert by_task[("参与任务", "建设老年友善医疗机构")].note == "牵头单位：省卫生健康委；其他参与单位：省医保局"
    # ... and cites its own sentence through the responsibility note that names the unit.
    quote = by_task[("牵头任务", "开展老年人防跌倒干预")].citation.quote
    assert "防跌倒" in quote and "省民政厅牵头" in quote and "老年友善" not in quote


class _TaskQueriesFail:
    """The build's store, except that a query about tasks fails as a damaged store would."""

    def __init__(self, store: object) -> None:
        self.store = store

    def query(self, query: str, **options: object) -> object:
        if "pol:leadUnit" in query:
            raise OSError("store read failed")
        return self.store.query(query, **options)


def test_a_store_error_leaves_the_tasks_out_and_the_page_shown(service: Service) -> None:
    unit = _unit(service, "省民政厅")
    whole = entity_facts(service.sources, unit)
    failing = dataclasses.replace(service.sources, store=_TaskQueriesFail(service.store))
    shown = entity_facts(failing, unit)
    assert [f.name for f in shown] == [f.name for f in whole if f.name not in ("牵头任务", "参与任务")]
    assert any(f.name in ("牵头任务", "参与任务") for f in whole)
    assert shown and all(f.name not in ("牵头任务", "参与任务") for f in shown)
