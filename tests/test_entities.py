"""Policy entities: 专栏 boxes, institutions, programmes, pilot zones, practices, citations, places.

Checked against the hand-made gold's 专栏 (tests/data/gold; per-type scores in test_evaluate.py), for valid
offsets and SHACL conformance, and run on two made-up documents of another province to
see that the rules are general rather than fitted to the corpus.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
from rdflib import Graph
from rdflib.namespace import SH

from kg.ingest.corpus import load_corpus
from kg.extract import lexicon
from kg.extract.base import Entity
from kg.extract.entities import (
    ENTITY_GRAPH,
    EntityExtraction,
    entity_iri,
    entity_quads,
    extract_entities,
)
from kg.extract.institutions import normalise_institution
from kg.rdf.write import document_quads
from kg.ingest.normalise import normalise
from kg.ingest.passages import split_passages
from kg.records import Document, DocumentMeta, Passage, Section
from kg.ingest.sections import split_sections
from kg.rdf.vocab import ONTOLOGY_FILE, POL, RDF, SHAPES_FILE
from tests.helpers import CORPUS

GOLD = Path(__file__).parent / "data" / "gold"
GUANGXI = "广西壮族自治区"

pytestmark = [
    pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Dataset.identifier is deprecated:DeprecationWarning"),
]

Prepared = tuple[Document, list[Section], list[Passage]]


def prepare(documents: list[Document]) -> list[Prepared]:
    return [(d, s := split_sections(d), split_passages(d, s)) for d in documents]


@pytest.fixture(scope="module")
def prepared() -> list[Prepared]:
    return prepare(load_corpus(CORPUS, 50 << 20).documents)


@pytest.fixture(scope="module")
def extraction(prepared: list[Prepared]) -> EntityExtraction:
    return extract_entities(prepared)


def entities_of(extraction: EntityExtraction, entity_type: str) -> list[Entity]:
    return [e for ref, e in extraction.entities.items() if ref[0] == entity_type]


def by_label(extraction: EntityExtraction, entity_type: str, name: str) -> Entity:
    found = [e for e in entities_of(extraction, entity_type) if name == e.label or name in e.aliases]
    assert len(found) == 1, (name, [e.label for e in found])
    return found[0]


def labels(extraction: EntityExtraction, entity_type: str) -> set[str]:
    return {e.label for e in entities_of(extraction, entity_type)}


# ---------------------------------------------------------------------------
# 专栏 boxes and items against the gold
# ---------------------------------------------------------------------------

def test_boxes_and_items_match_the_gold(extraction: EntityExtraction) -> None:
    gold = json.loads((GOLD / "special_columns.json").read_text(encoding="utf-8"))
    columns = {int(e.properties["ordinal"]): e for e in entities_of(extraction, "SpecialColumn")}  # type: ignore
    assert len(columns) == 13
    items = 0
    for box in gold:
        column = columns[box["number"]]
        assert column.label == f"专栏{box['number']} {box['title']}"
        got = sorted((int(extraction.entities[ref].properties["ordinal"]), extraction.entities[ref].label)  # type: ignore
                     for ref in column.links["hasItem"])
        assert got == [(item["ordinal"], item["title"]) for item in box["items"]]
        for ref in column.links["hasItem"]:
            assert extraction.entities[ref].links["inColumn"] == {("SpecialColumn", column.key)}
        items += len(got)
    assert items == 61


def test_item_named_as_a_programme_is_the_programme_of_running_text(extraction: EntityExtraction) -> None:
    """Box 2 item 2 is 城乡社区慢病医防融合能力提升工程; chapter 3 names the same programme."""
    item = by_label(extraction, "Programme", "城乡社区慢病医防融合能力提升工程")
    assert item.properties["ordinal"] == 2
    mentions = [m for m in extraction.mentions if m.key == item.key and m.entity_type == "Programme"]
    assert len(mentions) >= 2  # the item title and the sentence in running text


def test_programmes_inside_a_box_item_are_part_of_it(extraction: EntityExtraction) -> None:
    inner = by_label(extraction, "Programme", "结核病防治工程")
    item = by_label(extraction, "Programme", "重大传染病和地方病防控")
    assert inner.links["partOfItem"] == {("Programme", item.key)}


# ---------------------------------------------------------------------------
# Resolution
# ---------------------------------------------------------------------------

def test_three_spellings_of_the_health_commission_are_one_entity(extraction: EntityExtraction) -> None:
    forms = ("自治区卫生健康委", "广西壮族自治区卫生健康委", "广西壮族自治区卫生健康委员会")
    keys = {m.key for m in extraction.mentions if m.entity_type == "Institution" and m.surface in forms}
    assert len(keys) == 1
    entity = extraction.entities[("Institution", keys.pop())]
    assert entity.label == "广西壮族自治区卫生健康委员会"  # the longest, most formal form
    assert {"自治区卫生健康委", "广西壮族自治区卫生健康委"} <= entity.aliases
    # 自治区卫生健康委员会 is not in the corpus, but it is the same body by the same rules.
    assert normalise_institution("自治区卫生健康委员会", GUANGXI) == entity.key
    assert normalise_institution("自治区卫健委", GUANGXI) == entity.key


def test_a_branch_hospital_stays_apart_from_its_parent(extraction: EntityExtraction) -> None:
    parent = by_label(extraction, "Institution", "自治区人民医院")
    branch = by_label(extraction, "Institution", "自治区人民医院防城港医院")
    assert parent.key != branch.key
    assert ("Institution", parent.key) in branch.links["memberOf"]


def test_elliptical_county_names_are_completed_from_the_story(extraction: EntityExtraction) -> None:
    hospital = by_label(extraction, "Institution", "上思县人民医院")
    assert "县人民医院" in hospital.aliases
    assert hospital.links["locatedIn"] == {("Place", "上思县")}
    group = by_label(extraction, "Institution", "上思县医疗健康集团")
    for member in ("上思县妇幼保健院", "上思县中医院"):
        assert ("Institution", group.key) in by_label(extraction, "Institution", member).links["memberOf"]
    # its 总医院 leads the group (pol:leadsGroup) and is no member of it
    lead = by_label(extraction, "Institution", "上思县人民医院").links
    assert ("Institution", group.key) in lead["leadsGroup"]
    assert ("Institution", group.key) not in lead.get("memberOf", set())
    # so does the group's 总院, named by its role after the group's name
    head = by_label(extraction, "Institution", "上思县医疗健康集团总院").links
    assert head.get("leadsGroup") == {("Institution", group.key)} and not head.get("memberOf")


def test_a_bare_name_of_a_known_body_is_that_body(extraction: EntityExtraction) -> None:
    hospital = by_label(extraction, "Institution", "自治区南溪山医院")
    assert "南溪山医院" in hospital.aliases
    docs = {m.doc_id for m in extraction.mentions if m.key == hospital.key}
    assert docs == {"gx-review-2024", "gx-bulletin-2019-01"}


def test_pilot_zone_named_in_two_documents_is_one_zone(extraction: EntityExtraction) -> None:
    zone = by_label(extraction, "PilotZone", "上思县国家基层卫生健康综合试验区")
    assert zone.properties == {"zoneLevel": "国家级", "approvalDate": "2022-11"}
    assert zone.links["locatedIn"] == {("Place", "上思县")}
    docs = {m.doc_id for m in extraction.mentions if m.key == zone.key}
    assert docs == {"gx-pilot-zones-2025", "jkb-2026-01-21"}


def test_places_nest_and_name_their_short_forms(extraction: EntityExtraction) -> None:
    county = extraction.entities[("Place", "上林县")]
    assert "上林" in county.aliases
    practice = by_label(extraction, "Practice", "上林模式")
    assert practice.links["locatedIn"] == {("Place", "上林县")}
    gazetteer = lexicon.gazetteer()
    assert [p.name for p in gazetteer.ancestors("上林县")] == ["上林县", "南宁市", GUANGXI]


def test_gazetteer_is_national() -> None:
    gazetteer = lexicon.gazetteer()
    places = gazetteer.places.values()
    assert len([p for p in places if p.level == "province"]) == 34
    cities = [p for p in places if p.level == "city" and p.parent == GUANGXI]
    counties = [p for p in places if p.level == "county" and gazetteer.province_of(p.name) == GUANGXI]
    assert len(cities) == 14 and len(counties) == 111
    # Counties of other provinces, with their city and province (郎溪县, 纳雍县, 东至县 were unknown).
    assert [p.name for p in gazetteer.ancestors("郎溪县")] == ["郎溪县", "宣城市", "安徽省"]
    assert gazetteer.province_of("纳雍县") == "贵州省" and gazetteer.province_of("琼海市") == "海南省"
    assert gazetteer.places["琼海市"].level == "county"  # a county-level city directly under the province
    # A full name two places share is one place per city, and the bare name has no province.
    assert gazetteer.province_of("南京市鼓楼区") == "江苏省" and gazetteer.province_of("鼓楼区") is None
    # Short forms that are everyday words are not place names.
    assert lexicon.place_at("东方红") is None and lexicon.place_at("和平年代") is None


def test_a_county_short_form_is_read_only_where_the_county_or_its_city_is_named() -> None:
    from kg.extract.gazetteer import short_forms_of

    assert lexicon.place_at("郎溪中医院") == ("郎溪", "郎溪县")  # outside a document: read
    with short_forms_of("安徽省宣城市郎溪县召开会议。郎溪中医院……"):
        assert lexicon.place_at("郎溪中医院") == ("郎溪", "郎溪县")
    with short_forms_of("江西省某地的郎溪中医院"):
        assert lexicon.place_at("郎溪中医院") is None


def test_citations_carry_their_document_number(extraction: EntityExtraction) -> None:
    cited = by_label(extraction, "CitedDocument", "关于确定桂林市为广西医联体建设整体推进改革试点城市的通知")
    assert cited.properties["documentNumber"] == "桂卫医发〔2018〕29号"
    assert ("gx-bulletin-2019-01", cited.key) in extraction.cites
    # The plan's cover notice issues the plan itself (现将《…》印发给你们): part of the document, not a citation.
    assert ("gx-plan-2022", "广西卫生健康发展“十四五”规划") not in extraction.cites


def test_the_plan_a_notice_issues_is_no_citation_but_another_title_is() -> None:
    raw = ("关于印发《宁夏回族自治区全民健身实施方案》的通知\n各市、县（区）人民政府：\n"
           "现将《宁夏回族自治区全民健身实施方案》印发给你们，请认真贯彻执行。\n"
           "宁夏回族自治区全民健身实施方案\n为贯彻《全民健身条例》，制定本方案。\n")
    document = made_up("nx-notice", "关于印发《宁夏回族自治区全民健身实施方案》的通知", "宁夏回族自治区人民政府", "plan", raw)
    result = extract_entities(prepare([document]))
    cited = {key for doc, key in result.cites if doc == "nx-notice"}
    assert cited == {"全民健身条例"}


# ---------------------------------------------------------------------------
# Offsets, RDF and SHACL
# ---------------------------------------------------------------------------

def test_every_mention_quotes_its_document_exactly(prepared: list[Prepared], extraction: EntityExtraction) -> None:
    documents = {d.id: d for d, _, _ in prepared}
    passages = {p.id: p for _, _, ps in prepared for p in ps}
    assert extraction.mentions
    for mention in extraction.mentions:
        assert documents[mention.doc_id].text[mention.start:mention.end] == mention.surface
        passage = passages[mention.passage_id]
        assert passage.doc_id == mention.doc_id and passage.start <= mention.start < mention.end <= passage.end
        assert (mention.entity_type, mention.key) in extraction.entities


def _union_graph(quads: list[ox.Quad]) -> Graph:
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    return Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")


def test_entity_quads_conform_to_the_shapes(prepared: list[Prepared], extraction: EntityExtraction) -> None:
    quads = [q for d, s, p in prepared for q in document_quads(d, s, p)]
    quads += entity_quads(extraction, [d for d, _, _ in prepared])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        conforms, results, _ = pyshacl.validate(_union_graph(quads), shacl_graph=str(SHAPES_FILE),
                                                ont_graph=str(ONTOLOGY_FILE), inference="none")
    assert conforms, {str(m) for m in results.objects(None, SH.resultMessage)}


def test_entity_facts_are_shared_and_document_facts_are_per_document(prepared: list[Prepared],
                                                                     extraction: EntityExtraction) -> None:
    """Entities live once in id/graph/entities; mentions and citations in their document's graph,
    so one document's graph can be replaced alone without leaving a dangling pointer."""
    quads = entity_quads(extraction, [d for d, _, _ in prepared])
    shared = ENTITY_GRAPH.value
    typed = {q.subject.value for q in quads if q.predicate.value == str(RDF.type) and q.graph_name.value == shared}
    pointers = {str(POL.mentionOf), str(POL.memberOf), str(POL.locatedIn), str(POL.partOfItem), str(POL.hasItem),
                str(POL.inColumn), str(POL.belongsToProgramme)}
    targets = [q.object.value for q in quads if q.predicate.value in pointers]
    assert len(targets) > 500 and set(targets) <= typed
    mention_graphs = {q.graph_name.value for q in quads if q.predicate.value == str(POL.inPassage)}
    assert mention_graphs == {f"https://w3id.org/policy-kg/id/graph/{d.id}" for d, _, _ in prepared}
    cites_graphs = {q.graph_name.value for q in quads if q.predicate.value == str(POL.cites)}
    assert shared not in cites_graphs
    # No triple is stated in two graphs, so a query over their union sees each fact once.
    triples = [(q.subject, q.predicate, q.object) for q in quads]
    assert len(triples) == len(set(triples))


def test_iris_are_stable_across_rebuilds(prepared: list[Prepared], extraction: EntityExtraction) -> None:
    again = extract_entities(prepared)
    assert set(again.entities) == set(extraction.entities)
    assert {m.id for m in again.mentions} == {m.id for m in extraction.mentions}
    documents = [d for d, _, _ in prepared]
    assert set(entity_quads(again, documents)) == set(entity_quads(extraction, documents))
    assert entity_iri(("Programme", "健康广西行动")).value.startswith("https://w3id.org/policy-kg/id/entity/programme/")


# ---------------------------------------------------------------------------
# Another province: the rules are not fitted to the corpus
# ---------------------------------------------------------------------------

NOTICE = """湖南省卫生健康委员会关于印发《湖南省基层医疗卫生服务能力提升行动方案（2024—2026年）》的通知
湘卫基层发〔2024〕5号
各市州卫生健康委，委直属有关单位：
为贯彻落实《“健康湖南2030”规划纲要》，现将《湖南省基层医疗卫生服务能力提升行动方案（2024—2026年）》印发给你们，请结合实际认真组织实施。
湖南省卫生健康委员会
2024年3月18日
一、总体要求
（一）工作目标。到2026年，全省乡镇卫生院和社区卫生服务中心服务能力达到国家基本标准的比例达到90%以上，县域内就诊率稳定在90%左右。
（二）基本原则。坚持政府主导、统筹推进，坚持问题导向、分类施策。
二、重点任务
（一）实施县域医疗卫生次中心建设工程。依托湖南省人民医院、中南大学湘雅医院等优质医疗资源，推动长沙市第一人民医院与浏阳市人民医院组建紧密型医联体，每个县（市、区）建设1至2个县域医疗卫生次中心。
（二）深入开展“优质服务基层行”活动。持续推进家庭医生签约服务，推广“三高共管”模式，总结推广宁乡市基层医改经验。
专栏1 基层能力提升重点项目
1．乡镇卫生院标准化建设项目。支持100个乡镇卫生院改扩建，改善业务用房条件。
2．村医能力提升计划。每年培训村医1万人次，推进乡村医生向执业（助理）医师转化。
3．远程医疗全覆盖工程。实现县乡远程会诊全覆盖。
三、保障措施
（一）加强组织领导。省卫生健康委牵头，会同省发展改革委、省财政厅建立工作推进机制，各市州要成立相应的领导小组。
牵头单位：省卫生健康委、省发展改革委
配合单位：省财政厅、省人力资源社会保障厅、省医保局
（二）强化督导评估。2024年5月，醴陵市获批国家基层卫生健康综合试验区，各地要学习借鉴其经验。
"""

NEWS = """成都：紧密型城市医疗集团建设见成效
本报讯（记者 李明）近日，记者从四川省卫生健康委获悉，成都市以四川大学华西医院为牵头医院，联合成都市第三人民医院、成都市郫都区人民医院等12家医疗机构组建成都市东部城市医疗集团，推动优质医疗资源下沉。
2023年12月，成都市郫都区获批国家紧密型城市医疗集团建设试点城市。近年来，郫都区创新推出“医防融合一体化”模式，实施基层中医药服务能力提升工程，群众就医满意度明显提升。
四川省医保局、省中医药管理局联合印发《关于推进中医医疗服务价格改革的通知》（川医保发〔2023〕12号），支持集团内开展按病种付费试点。
"""


def made_up(doc_id: str, title: str, issuer: str, kind: str, raw: str) -> Document:
    meta = DocumentMeta(doc_id, f"{doc_id}.txt", title, issuer, "2024-03-18", kind)
    return Document(meta, normalise(raw), "0" * 64, "utf-8", "txt")


@pytest.fixture(scope="module")
def elsewhere() -> tuple[list[Prepared], EntityExtraction]:
    documents = [
        made_up("hn-notice", "湖南省卫生健康委员会关于印发湖南省基层医疗卫生服务能力提升行动方案的通知",
                "湖南省卫生健康委员会", "plan", NOTICE),
        made_up("sc-news", "成都：紧密型城市医疗集团建设见成效", "健康报", "news", NEWS),
    ]
    prepared = prepare(documents)
    return prepared, extract_entities(prepared)


def test_notice_of_another_province_has_sections_and_a_box(elsewhere: tuple[list[Prepared], EntityExtraction]) -> None:
    prepared, extraction = elsewhere
    sections = prepared[0][1]
    chapters = [(s.number, s.title) for s in sections if s.kind == "heading" and s.level == 1]
    assert chapters == [("一、", "总体要求"), ("二、", "重点任务"), ("三、", "保障措施")]
    assert ("（一）", "实施县域医疗卫生次中心建设工程") in [(s.number, s.title) for s in sections if s.level == 2]
    column = entities_of(extraction, "SpecialColumn")
    assert [c.label for c in column] == ["专栏1 基层能力提升重点项目"]
    items = sorted(extraction.entities[ref].label for ref in column[0].links["hasItem"])
    assert items == ["乡镇卫生院标准化建设项目", "村医能力提升计划", "远程医疗全覆盖工程"]


def test_institutions_of_another_province(elsewhere: tuple[list[Prepared], EntityExtraction]) -> None:
    _, extraction = elsewhere
    bodies = {e.key: e for e in entities_of(extraction, "Institution")}
    # 省… reads as the home province's body: the lead-agency list names 湖南省 bodies.
    expected = {"湖南省卫生健康委", "湖南省发展改革委", "湖南省财政厅", "湖南省人力资源社会保障厅", "湖南省医保局",
                "湖南省人民医院", "中南大学湘雅医院", "长沙市第一人民医院", "浏阳市人民医院",
                "四川省卫生健康委", "四川大学华西医院", "成都市第三人民医院", "郫都区人民医院",
                "成都市东部城市医疗集团", "四川省医保局", "四川省中医药管理局"}
    assert set(bodies) == expected
    commission = bodies["湖南省卫生健康委"]
    assert commission.label == "湖南省卫生健康委员会" and "省卫生健康委" in commission.aliases
    assert bodies["长沙市第一人民医院"].links["locatedIn"] == {("Place", "长沙市")}
    group = ("Institution", "成都市东部城市医疗集团")
    # 成都市郫都区人民医院: a city before its own district adds nothing to the key (as in Guangxi).
    for member in ("成都市第三人民医院", "郫都区人民医院"):
        assert group in bodies[member].links["memberOf"]
    assert bodies["四川大学华西医院"].links.get("leadsGroup") == {group}  # the 牵头医院 leads, is no member
    assert group not in bodies["四川大学华西医院"].links.get("memberOf", set())
    assert "memberOf" not in bodies["四川省卫生健康委"].links  # the source of the news, not a member


def test_other_entities_of_another_province(elsewhere: tuple[list[Prepared], EntityExtraction]) -> None:
    _, extraction = elsewhere
    assert {"县域医疗卫生次中心建设工程", "“优质服务基层行”活动", "基层中医药服务能力提升工程"} <= \
        labels(extraction, "Programme")
    assert "基层能力提升重点项目" not in labels(extraction, "Programme")  # a box of projects, not one
    assert labels(extraction, "Practice") == {"“三高共管”模式", "“医防融合一体化”模式", "宁乡市基层医改经验"}
    zone = by_label(extraction, "PilotZone", "醴陵市国家基层卫生健康综合试验区")
    assert zone.properties == {"zoneLevel": "国家级", "approvalDate": "2024-05"}
    assert zone.links["locatedIn"] == {("Place", "醴陵市")}
    numbers = {e.properties.get("documentNumber") for e in entities_of(extraction, "CitedDocument")}
    assert {"湘卫基层发〔2024〕5号", "川医保发〔2023〕12号"} <= numbers
    price = by_label(extraction, "CitedDocument", "关于推进中医医疗服务价格改革的通知")
    assert price.properties["documentNumber"] == "川医保发〔2023〕12号"


SURVEY = """山东省推进公立医院高质量发展工作综述
今年以来，山东省卫生健康委认真贯彻落实国家卫生健康委、国家医保局部署要求，会同省财政厅、省人力资源社会保障厅等部门，深入推进公立医院高质量发展。全省二级以上公立医院全部建立党委领导下的院长负责制，各市县级医院服务能力明显提升。
济南市、青岛市被确定为国家公立医院改革与高质量发展示范项目城市，山东大学齐鲁医院、山东省立医院牵头组建的专科联盟覆盖全省16市。青岛市市立医院与即墨区人民医院组建紧密型医联体，探索形成“总院+分院”的管理模式。
省卫生健康委有关负责人介绍，下一步将实施“千医下乡”行动，开展改善就医感受提升患者体验主题活动，推进社区医院建设和县级医院提标扩能工程。到2025年，全省建成省级区域医疗中心10个，每个县至少有1家县级医院达到三级医院服务能力。
根据《山东省“十四五”卫生健康发展规划》（鲁政字〔2021〕202号），各地要加强组织领导，确保各项任务落地见效。
"""


def test_a_survey_of_a_third_province_names_bodies_not_classes() -> None:
    document = made_up("sd-news", "山东省推进公立医院高质量发展工作综述", "大众日报", "news", SURVEY)
    extraction = extract_entities(prepare([document]))
    keys = {e.key for e in entities_of(extraction, "Institution")}
    assert {"山东省卫生健康委", "国家卫生健康委", "国家医保局", "山东省财政厅", "山东省人力资源社会保障厅",
            "山东大学齐鲁医院", "山东省立医院", "青岛市市立医院"} <= keys
    # 即墨区人民医院 is missed: neither the gazetteer nor jieba knows 即墨区 as a place.
    assert not {k for k in keys if any(w in k for w in ("县级医院", "三级医院", "区域医疗中心", "专科联盟"))}
    programmes = labels(extraction, "Programme")
    assert programmes == {"“千医下乡”行动", "改善就医感受提升患者体验主题活动", "县级医院提标扩能工程"}
    # one zone in each city designated, each also named by the name they share
    zones = [e for e in entities_of(extraction, "PilotZone") if "国家公立医院改革与高质量发展示范项目" in e.aliases]
    assert sorted(tuple(e.links["locatedIn"]) for e in zones) == [(("Place", "济南市"),), (("Place", "青岛市"),)]
    assert by_label(extraction, "CitedDocument", "山东省“十四五”卫生健康发展规划").properties == \
        {"documentNumber": "鲁政字〔2021〕202号"}


def test_a_short_title_of_a_cited_document_is_that_document() -> None:
    raw = ("贵州省健康促进工作动态\n省政府印发《贵州省健康促进行动实施方案》（以下简称《实施方案》）。"
           "《实施方案》提出五项任务。各地要落实《通知》要求。\n")
    document = made_up("gz-news", "贵州省健康促进工作动态", "贵州省卫生健康委", "news", raw)
    result = extract_entities(prepare([document]))
    cited = {key for doc, key in result.cites if doc == "gz-news"}
    assert cited == {"贵州省健康促进行动实施方案", "通知"}  # 《通知》 ends no longer title here: its own
