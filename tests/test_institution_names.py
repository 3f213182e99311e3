"""Institution names of translated and academic prose (issue 14): foreign ministries (named by their
field: 某国社会发展部) and agencies, two foreign bodies joined by 和, task forces being set up,
international bodies and networks, a regional office under a known body, a foreign city's
university — and what stays no name (部署, a kind of group being formed, 国际合作中心, a county's
service network). Invented sentences in the genre of a health-in-all-policies booklet.
"""

from __future__ import annotations

import pytest

from kg.extract.entities import EntityExtraction, extract_entities
from kg.ingest.normalise import normalise
from kg.ingest.passages import split_passages
from kg.ingest.sections import split_sections
from kg.records import Document, DocumentMeta

BOOKLET = """各国将健康融入所有政策的经验
研究者认为，厄瓜多尔卫生部的跨部门协调机制值得借鉴。
乌拉圭社会发展部和加拿大公共卫生署共同编写了健康影响评估手册。
科特迪瓦政府设立了健康公平专责小组，由总理办公室协调。
该国议会还组建了健康与可持续发展工作组。
省卫生健康委部署开展健康影响评估试点。
推动组建居民健康互助小组，提高社区参与水平。
智利社会保障部门和劳工部门共同参与评估。
国际营养科学联合会和世界心脏联盟发布了联合声明。
非洲健康促进联盟成立于去年。
世卫组织东南亚区域办事处派出专家组。
赫尔辛基大学的研究人员参与了调查。
另一组研究者来自坦佩雷大学。
冰岛卫生部和丹麦卫生局共同发起北欧健康社区网络。
国际健康影响评估网络提供了培训。
县乡村三级医疗服务网络不断健全，省疾控中心监测网络覆盖全省。
国际组织和国际合作中心参与了会议。
"""


@pytest.fixture(scope="module")
def found() -> set[str]:
    document = Document(DocumentMeta("booklet", "booklet.txt", BOOKLET.splitlines()[0], "", "2024-05-06", "report"),
                        normalise(BOOKLET), "0" * 64, "utf-8", "txt")
    sections = split_sections(document)
    result: EntityExtraction = extract_entities([(document, sections, split_passages(document, sections))])
    return {result.entities[(m.entity_type, m.key)].label for m in result.mentions if m.entity_type == "Institution"}


def test_a_foreign_ministry_named_in_translation(found: set[str]) -> None:
    assert "厄瓜多尔卫生部" in found


def test_a_foreign_ministry_named_by_its_field(found: set[str]) -> None:
    assert "乌拉圭社会发展部" in found


def test_a_sector_word_in_bumen_is_no_ministry(found: set[str]) -> None:
    assert not any(name.endswith(("保障部", "劳工部")) for name in found)


def test_a_foreign_agency_ending_in_shu(found: set[str]) -> None:
    assert "加拿大公共卫生署" in found


def test_two_foreign_bodies_joined_by_he_are_two(found: set[str]) -> None:
    assert not any("和加拿大" in name for name in found)


def test_task_forces_being_set_up_are_bodies(found: set[str]) -> None:
    assert {"健康公平专责小组", "健康与可持续发展工作组"} <= found


def test_bushu_is_a_verb_and_a_kind_of_group_being_formed_is_no_body(found: set[str]) -> None:
    assert not any(name.endswith("署") and "部署" in name for name in found)
    assert not any("互助小组" in name for name in found)


def test_international_bodies_that_no_place_anchors(found: set[str]) -> None:
    assert {"国际营养科学联合会", "世界心脏联盟"} <= found


def test_a_continent_anchors_a_body_as_a_country_does(found: set[str]) -> None:
    assert "非洲健康促进联盟" in found


def test_a_regional_office_under_a_known_body_keeps_the_body_in_its_name(found: set[str]) -> None:
    assert "世卫组织东南亚区域办事处" in found and "东南亚区域办事处" not in found


def test_a_university_named_by_a_foreign_city(found: set[str]) -> None:
    assert {"赫尔辛基大学", "坦佩雷大学"} <= found  # 来自 before a name ends it on the left


def test_an_international_kind_of_body_is_no_name(found: set[str]) -> None:
    assert not {"国际组织", "国际合作中心"} & found


def test_networks_named_in_translation(found: set[str]) -> None:
    assert {"北欧健康社区网络", "国际健康影响评估网络"} <= found
    assert not any("发起" in name for name in found)  # a verb phrase before the network is no part of it


def test_a_chinese_areas_network_is_a_system_not_a_body(found: set[str]) -> None:
    assert not any(name.endswith("网络") and not name.startswith(("北欧", "国际")) for name in found)
