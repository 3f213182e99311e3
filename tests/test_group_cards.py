"""A group's lead says on its card that it leads the group (pol:leadsGroup), a member that
it belongs to it (pol:memberOf). A small invented county story is built for real (hashing encoder)."""

from __future__ import annotations

import pytest

from kg.query.cards import general_answer
from kg.query.recognise import EntityRef
from kg.query.service import Service
from tests.helpers import service_of_text

STORY = ("湄潭县医共体建设情况\n2024年5月，湄潭县成立以湄潭县人民医院为总医院，湄潭县中医院、湄潭县妇幼保健院为"
         "成员单位的湄潭县医疗健康集团。\n")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Service:
    return service_of_text(tmp_path_factory, "mt-county-story.txt", STORY)


def _institution(service: Service, label: str) -> EntityRef:
    (row,) = [row for row in service.entities("institution") if row.label == label]
    return EntityRef(row.iri, row.label, "Institution")


def test_the_lead_s_card_says_it_leads_the_group_a_member_s_that_it_belongs(service: Service) -> None:
    lead = general_answer(service.sources, _institution(service, "湄潭县人民医院"))
    member = general_answer(service.sources, _institution(service, "湄潭县中医院"))
    assert lead is not None and "牵头湄潭县医疗健康集团" in lead[0] and "隶属于" not in lead[0]
    assert member is not None and "隶属于湄潭县医疗健康集团" in member[0] and "牵头" not in member[0]
