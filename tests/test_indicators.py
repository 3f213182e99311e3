"""Indicators, targets and observations: the plan's table against the hand-made gold, value
parsing, prose and box targets, observation links, spans, SHACL conformance, and a made-up
province's plan to show that nothing is memorised."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import SH

from kg.ingest.corpus import load_corpus
from kg.extract.base import Entity
from kg.evaluate.extraction import gold_normal, table_row_fields
from kg.extract.indicators import (
    IndicatorExtraction,
    extract_indicators,
    indicator_iri,
    indicator_quads,
    link_observation,
    normalise_key,
)
from kg.quantities import parse_value, similarity, squeeze, unit_kind
from kg.rdf.write import doc_iri, document_quads
from kg.ingest.normalise import normalise
from kg.ingest.passages import split_passages
from kg.records import Document, DocumentMeta, Passage, Section
from kg.ingest.sections import split_sections
from kg.rdf.vocab import ID, ONTOLOGY_FILE, POL, PROV, RDF, SHAPES_FILE

pytestmark = [
    pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Dataset.identifier is deprecated:DeprecationWarning"),
]

ROOT = Path(__file__).resolve().parent.parent
GOLD_DIR = ROOT / "tests" / "data" / "gold"
PLAN = "gx-plan-2022"
Structured = list[tuple[Document, list[Section], list[Passage]]]


def structure(documents: list[Document]) -> Structured:
    out = []
    for document in documents:
        sections = split_sections(document)
        out.append((document, sections, split_passages(document, sections)))
    return out


@pytest.fixture(scope="module")
def structured() -> Structured:
    return structure(load_corpus(ROOT / "corpus", 50 << 20).documents)


@pytest.fixture(scope="module")
def extraction(structured: Structured) -> IndicatorExtraction:
    return extract_indicators(structured)


@pytest.fixture(scope="module")
def documents(structured: Structured) -> dict[str, Document]:
    return {document.id: document for document, _, _ in structured}


@pytest.fixture(scope="module")
def gold_rows() -> list[dict]:
    return json.loads((GOLD_DIR / "indicator_table.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def gold_observations() -> dict:
    return json.loads((GOLD_DIR / "observations.json").read_text(encoding="utf-8"))


def box_of(structured: Structured, doc_id: str, passage_id: str) -> int | None:
    """The 专栏 number a passage lies in, None outside boxes."""
    for document, sections, passages in structured:
        if document.id != doc_id:
            continue
        by_id = {s.id: s for s in sections}
        section = by_id[next(p for p in passages if p.id == passage_id).section_id]
        while section is not None:
            if section.kind == "box":
                return section.ordinal
            section = by_id.get(section.parent_id) if section.parent_id else None
    return None


# ---------------------------------------------------------------------------
# The indicator table
# ---------------------------------------------------------------------------

def test_table_rows_match_the_gold_on_every_field(extraction: IndicatorExtraction, gold_rows: list[dict]) -> None:
    [table] = extraction.tables
    assert table.problems == ()
    got = {row.row: table_row_fields(row) for row in table.rows}
    mismatches = []
    for gold in gold_rows:
        expected = {"row": gold["row"], "domain": gold["domain"], "indicator": gold["indicator"], "unit": gold["unit"],
                    "baseline": gold["baseline_2020"], "target": gold["target_2025"], "attribute": gold["attribute"]}
        if got.get(gold["row"]) != expected:
            mismatches.append((expected, got.get(gold["row"])))
    print(f"indicator table rows exact: {len(gold_rows) - len(mismatches)}/{len(gold_rows)}")
    assert mismatches == []
    assert len(table.rows) == 25


def test_table_years_and_columns_come_from_the_header(extraction: IndicatorExtraction) -> None:
    [table] = extraction.tables
    assert table.years == (2020, 2025)
    assert table.columns == ("domain", "number", "name", "unit", "year", "year", "attribute")
    row = table.rows[0]
    assert (row.baseline_year, row.target_year) == (2020, 2025)


def test_table_spans_point_at_the_cells(extraction: IndicatorExtraction, structured: Structured,
                                        documents: dict[str, Document]) -> None:
    plan = documents[PLAN]
    passages = {p.id: p for d, _, ps in structured if d.id == PLAN for p in ps}
    for row in extraction.tables[0].rows:
        passage = passages[row.passage_id]
        assert passage.kind == "table_row"
        assert squeeze(plan.text[row.name.start:row.name.end]) == row.name.text
        for _, values in row.columns:
            for value in values:
                assert passage.start <= value.start < value.end <= passage.end
                assert squeeze(plan.text[value.start:value.end]) == value.text
    row20 = extraction.tables[0].rows[19]
    # The target cell wraps over four lines; its span covers all of them.
    assert plan.text[row20.target[0].start:row20.target[0].end].count("\n") == 3


def test_two_values_per_cell_keep_their_order(extraction: IndicatorExtraction) -> None:
    row24 = extraction.tables[0].rows[23]
    assert [v.text for v in row24.baseline] == ["85%", "70%"]
    assert [(v.comparator, v.number) for v in row24.target] == [("≥", Decimal(85)), ("≥", Decimal(70))]


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "comparator", "number", "unit", "relative"), [
    ("≤14", "≤", "14", "", False),
    ("4.5左右", "≈", "4.5", "", False),
    ("4.5 左右", "≈", "4.5", "", False),
    ("＞85", ">", "85", "", False),
    ("＜23.3", "<", "23.3", "", False),
    ("≥85%", "≥", "85", "%", False),
    ("78.06", "=", "78.06", "", False),
    ("70%以上", "≥", "70", "%", False),
    ("30%以内", "≤", "30", "%", False),
    ("不低于90%", "≥", "90", "%", False),
    ("控制在30%以内", "≤", "30", "%", False),
    ("近95%", "≈", "95", "%", False),
    ("6.93/10万", "=", "6.93", "/10万", False),
    ("2.5万个", "=", "2.5", "万个", False),
    ("提高1岁", None, None, "岁", True),
    ("提高 1岁", None, None, "岁", True),
    ("力争每年降低0.5个百分点以上", None, None, "个百分点", True),
    ("同比例提高", None, None, "", True),
])
def test_parse_value(text: str, comparator: str | None, number: str | None, unit: str, relative: bool) -> None:
    parsed = parse_value(text)
    assert parsed.comparator == comparator
    assert parsed.number == (Decimal(number) if number else None)
    assert parsed.unit == unit
    assert parsed.relative is relative
    assert parsed.text == squeeze(text)


def test_parse_value_ranges_and_missing_cells() -> None:
    ranged = parse_value("3—5个")
    assert (ranged.comparator, ranged.number, ranged.low, ranged.high) == (None, None, Decimal(3), Decimal(5))
    assert parse_value("—").missing


@pytest.mark.parametrize(("unit", "kind"), [
    ("%", "percent"), ("％", "percent"), ("‰", "permille"), ("1/10万", "per_100k"), ("/10万", "per_100k"),
    ("岁", "age"), ("人", "people"), ("张", "count"), ("万张", "count"), ("万亿元", "money"), ("亿元", "money"),
    ("个百分点", "points"), ("人次", "person_times"), ("万个", "count"),
])
def test_unit_kinds(unit: str, kind: str) -> None:
    assert unit_kind(unit) == kind


# ---------------------------------------------------------------------------
# Targets and baselines in the plan's text
# ---------------------------------------------------------------------------

def plan_targets_for(extraction: IndicatorExtraction, structured: Structured, ref: dict, value: str) -> list:
    """Targets set by the plan's text at the gold's place (a 专栏 or running text) with the gold's value."""
    out = []
    for target in extraction.targets:
        if target.source == "table" or gold_normal(target.value.text) != gold_normal(value):
            continue
        box = box_of(structured, target.doc_id, target.passage_id)
        if (ref["source"] == "box" and box == ref["box"]) or (ref["source"] == "prose" and box is None):
            out.append(target)
    return out


def test_every_box_and_prose_target_the_gold_refers_to_is_extracted(
        extraction: IndicatorExtraction, structured: Structured, gold_observations: dict) -> None:
    refs = [o for o in gold_observations["observations"]
            if o["plan_ref"]["source"] != "table" and o["plan_target"] is not None]
    assert refs
    for gold in refs:
        found = plan_targets_for(extraction, structured, gold["plan_ref"], gold["plan_target"])
        labels = [extraction.indicator(t.indicator_key).label for t in found]
        assert any(similarity(gold["indicator"], label)[0] >= 0.5 for label in labels), (gold["indicator"], labels)
        assert all(t.year == 2025 for t in found)
    prose = [t for t in extraction.targets if t.source != "table"]
    print(f"prose and box targets: {len(prose)}")


def test_box_targets_of_county_hospitals_and_elderly_friendly_institutions(
        extraction: IndicatorExtraction, structured: Structured, documents: dict[str, Document]) -> None:
    plan = documents[PLAN]
    # 专栏6 item 3: 力争将70%的县级综合性医院建设达到国家综合服务能力推荐标准.
    [county] = [t for t in extraction.targets if box_of(structured, PLAN, t.passage_id) == 6
                and "推荐标准" in extraction.indicator(t.indicator_key).label]
    assert (county.value.text, county.value.comparator, county.value.number) == ("70%", "=", Decimal(70))
    assert county.source == "box_item" and county.year == 2025
    assert plan.text[county.phrase.start:county.phrase.end] == "县级综合性医院建设达到国家综合服务能力推荐标准"
    # 专栏5 item 7: …成为老年友善医疗卫生机构的占比达到80%.
    [friendly] = [t for t in extraction.targets if "老年友善" in extraction.indicator(t.indicator_key).label]
    assert (friendly.value.text, friendly.value.number) == ("80%", Decimal(80))
    assert box_of(structured, PLAN, friendly.passage_id) == 5
    # 专栏6 item 4: 到2025年，全区70%以上的乡镇卫生院和社区卫生服务中心达到国家基本标准.
    [basic] = [t for t in extraction.targets if "基本标准" in extraction.indicator(t.indicator_key).label]
    assert (basic.value.text, basic.value.comparator) == ("70%以上", "≥")


def test_prose_targets_join_table_indicators_or_define_new_ones(extraction: IndicatorExtraction) -> None:
    by_label = {e.label: e for e in extraction.indicators}
    life = by_label["人均预期寿命"]
    years = {(t.year, t.value.text, t.value.comparator) for t in extraction.targets if t.indicator_key == life.key}
    assert (2035, "80岁以上", "≥") in years  # 到2035年…人均预期寿命达到80岁以上
    assert (2025, "提高1岁", None) in years  # the table cell
    geriatric = next(e for e in extraction.indicators if e.label == "二级及以上综合性医院设置老年医学科的比例")
    assert "二级及以上综合性医院设立老年医学科的比例" in geriatric.aliases  # the box's wording joined the table row
    county = by_label["县域内就诊率"]  # only in prose: 到2025年，县域内就诊率提高到90%左右
    [target] = [t for t in extraction.targets if t.indicator_key == county.key]
    assert (target.year, target.value.comparator, target.value.number) == (2025, "≈", Decimal(90))


def test_baselines_of_the_retrospective_chapter(extraction: IndicatorExtraction) -> None:
    baselines = {(extraction.indicator(o.indicator_key).label, o.value.text): o
                 for o in extraction.observations if o.is_baseline and o.indicator_key and o.phrase is not None}
    life = baselines[("人均预期寿命", "78.06岁")]
    gp = baselines[("每万人口全科医生数", "2.62人")]
    rate = baselines[("县域内就诊率", "87.74%")]
    assert (life.year, gp.year, rate.year) == (2020, 2020, 2020)
    assert gp.value.number == Decimal("2.62")
    table_baselines = [o for o in extraction.observations if o.is_baseline and o.phrase is None]
    assert len(table_baselines) == 22  # 21 rows with one baseline value, row 24 with two, 4 rows printed —


# ---------------------------------------------------------------------------
# Observations and links
# ---------------------------------------------------------------------------

def test_observations_are_dated_by_their_sentence_or_their_document(extraction: IndicatorExtraction) -> None:
    def find(doc_id: str, value: str):
        return next(o for o in extraction.observations if o.doc_id == doc_id and o.value.text == value)
    maternal = find("gx-review-2024", "6.93/10万")  # no year in the sentence: the report's year
    assert (maternal.year, maternal.as_of, maternal.is_baseline) == (2024, "2024-12-31", False)
    community = find("gx-pilot-zones-2025", "204家")  # 截至2025年底,全区共建成204家社区医院
    assert (community.year, community.as_of) == (2025, "2025-12-31")
    county = find("gx-bulletin-2019-01", "88.54%")
    assert county.year == 2018
    assert county.value.comparator == "=" and county.value.number == Decimal("88.54")


def indicator(label: str, unit: str) -> Entity:
    entity = Entity("Indicator", label, label)
    entity.properties["unit"] = unit
    return entity


def test_link_needs_units_of_the_same_kind() -> None:
    per_thousand = indicator("每千人口拥有3岁以下婴幼儿托位数", "个")
    assert link_observation("每千人口拥有3岁以下婴幼儿托位数", "个", [per_thousand]) is not None
    assert link_observation("新增婴幼儿托位数", "万个", [per_thousand]) is None
    assert link_observation("婴幼儿托位", "个", [per_thousand]) is None
    doctors = indicator("每万人口全科医生数", "人")
    assert link_observation("每万人口全科医生数", "%", [doctors]) is None
    maternal = indicator("孕产妇死亡率", "1/10万")
    linked = link_observation("孕产妇死亡率", "/10万", [maternal])
    assert linked is not None and linked[0] is maternal and linked[1] == 1.0
    assert "unit /10万 ~ 1/10万" in linked[2]


def test_link_refuses_different_levels_standards_rates_and_predicates() -> None:
    national = indicator("国家区域医疗中心", "个")
    regional = indicator("自治区级区域医疗中心", "个")
    assert link_observation("国家级区域医疗中心", "家", [national, regional])[0] is national
    assert link_observation("自治区级区域医疗中心稳健运营", "家", [national, regional])[0] is regional
    recommended = indicator("县级综合性医院建设达到国家综合服务能力推荐标准", "%")
    assert link_observation("县级医院达到县级综合医院医疗服务能力推荐标准", "%", [recommended]) is not None
    assert link_observation("县级医院达到国家服务能力标准", "%", [recommended]) is None  # a 标准 is the basic one
    imaging = indicator("自治区卫生乡镇覆盖率", "%")
    assert link_observation("乡镇卫生院医学影像中心覆盖率", "%", [imaging]) is None
    geriatric = indicator("二级及以上综合性医院设置老年医学科的比例", "%")
    friendly = indicator("综合性医院、康复医院、护理院和基层医疗卫生机构成为老年友善医疗卫生机构的占比", "%")
    both = [geriatric, friendly]
    assert link_observation("二级及以上综合性医院设立老年医学科", "%", both)[0] is geriatric
    assert link_observation("公立综合性医院、康复医院、护理院和基层医疗卫生机构建成老年友善医疗机构", "%",
                            both)[0] is friendly


# ---------------------------------------------------------------------------
# Spans, ids and the graph
# ---------------------------------------------------------------------------

def test_every_span_is_its_text(extraction: IndicatorExtraction, structured: Structured,
                                documents: dict[str, Document]) -> None:
    passages = {p.id: p for _, _, ps in structured for p in ps}
    for mention in extraction.mentions:
        text = documents[mention.doc_id].text
        assert text[mention.start:mention.end] == mention.surface
        passage = passages[mention.passage_id]
        assert passage.start <= mention.start < mention.end <= passage.end
    for item in [*extraction.targets, *extraction.observations]:
        text = documents[item.doc_id].text
        value = item.value
        surface = text[value.start:value.end]
        assert squeeze(surface) == value.text and surface == surface.strip(), surface
        passage = passages[item.passage_id]
        assert passage.start <= value.start < value.end <= passage.end
        if item.phrase is not None:
            assert passage.start <= item.phrase.start < item.phrase.end <= passage.end
    assert len(extraction.mentions) > 25  # every table name, linked phrases and other occurrences


def test_every_indicator_is_mentioned_and_ids_are_stable(structured: Structured,
                                                         extraction: IndicatorExtraction) -> None:
    mentioned = {m.key for m in extraction.mentions}
    assert {e.key for e in extraction.indicators} <= mentioned
    again = extract_indicators(structured)
    assert [t.id for t in again.targets] == [t.id for t in extraction.targets]
    assert [o.id for o in again.observations] == [o.id for o in extraction.observations]
    assert [m.id for m in again.mentions] == [m.id for m in extraction.mentions]


def to_rdflib(quads: list[ox.Quad]) -> Graph:
    data = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
    dataset = Dataset()
    dataset.parse(data=data.decode("utf-8"), format="nquads")
    graph = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


def violations(graph: Graph) -> set[tuple[str, str]]:
    _, report, _ = pyshacl.validate(graph, shacl_graph=Graph().parse(SHAPES_FILE),
                                           ont_graph=Graph().parse(ONTOLOGY_FILE))
    return {(str(report.value(r, SH.focusNode)), str(report.value(r, SH.resultMessage)))
            for r in report.subjects(RDF.type, SH.ValidationResult)}


def added_violations(structured: Structured, extraction: IndicatorExtraction) -> set[tuple[str, str]]:
    """SHACL violations of documents + indicator quads that the documents' quads alone do not have.

    The indicator quads need the documents and passages they point at (sh:class checks), so
    both are validated together; violations of the structure itself are another module's.
    """
    structure_quads = [q for d, s, p in structured for q in document_quads(d, s, p)]
    ours = indicator_quads(extraction, [d for d, _, _ in structured])
    after = violations(to_rdflib(structure_quads + ours))
    ours_only = {q.subject.value for q in ours}
    return (after - violations(to_rdflib(structure_quads))) | {v for v in after if v[0] in ours_only}


def test_graph_conforms_to_the_shapes(structured: Structured, extraction: IndicatorExtraction) -> None:
    assert added_violations(structured, extraction) == set()


def test_graph_holds_targets_observations_and_mentions(structured: Structured,
                                                       extraction: IndicatorExtraction) -> None:
    # Imported here: pytest probes module-level names, and rdflib's XSD warns on unknown ones.
    from rdflib.namespace import XSD

    graph = to_rdflib(indicator_quads(extraction, [d for d, _, _ in structured]))
    maternal = URIRef(indicator_iri("孕产妇死亡率").value)
    assert (maternal, RDF.type, POL.Indicator) in graph
    assert (maternal, POL.domain, Literal("健康水平")) in graph
    targets = set(graph.objects(maternal, POL.hasTarget))
    table_target = next(t for t in targets if graph.value(t, POL.attribute) is not None)
    assert graph.value(table_target, POL.comparator) == Literal("≤")
    assert graph.value(table_target, POL.numericValue) == Literal("14", datatype=XSD.decimal)
    assert graph.value(table_target, POL.year) == Literal(2025)
    assert graph.value(table_target, POL.setBy) == URIRef(doc_iri(PLAN).value)
    assert str(graph.value(table_target, PROV.wasDerivedFrom)).startswith(str(ID["passage/"]))
    observations = set(graph.objects(maternal, POL.hasObservation))
    reported = {(str(graph.value(o, POL.valueText)), graph.value(o, POL.isBaseline).toPython(),
                 str(graph.value(o, POL.reportedIn))) for o in observations}
    assert ("8.37", True, doc_iri(PLAN).value) in reported
    assert ("6.93/10万", False, doc_iri("gx-review-2024").value) in reported
    mentions = set(graph.subjects(POL.mentionOf, maternal))
    assert mentions and all((m, RDF.type, POL.Mention) in graph for m in mentions)


# ---------------------------------------------------------------------------
# Another province: the parser reads a table it has never seen
# ---------------------------------------------------------------------------

ZJ_PLAN = """浙江省卫生健康事业发展行动计划（2023—2027年）
一、发展基础
“十三五”以来，全省卫生健康事业取得长足进步，人均预期寿命提高到79.47岁，每千人口执业（助理）医师数达到3.62人。
二、发展目标
到2027年，县域就诊率达到90%以上，二级及以上综合医院设立老年医学科的比例不低于70%，建设6个省级区域医疗中心。
浙江省卫生健康事业发展主要指标
类
别
序
号
指标名称
单
位
2022
年
2027
年
属
性
健
康
水
平
1 人均预期寿命 岁 79.47 80.5 左右 预期性
2
孕产妇死亡率（按常住
人口计算）
1/10
万
3.0 ≤5 约束性
健 3
城乡居民医保住院费用
报销比例
%
80%
65%
≥80%
≥70%
约束性
康
保
障
三、保障措施
加强组织领导，完善考核机制，确保各项目标落实到位。
"""

ZJ_NEWS = """浙江卫生健康工作年报
2023年，全省孕产妇死亡率降至2.8/10万，县域就诊率达到91.2%，新增执业医师数1200人，建成2个省级区域医疗中心。
"""


def made_up(doc_id: str, raw: str, kind: str, **meta: object) -> Document:
    text = normalise(raw)
    return Document(DocumentMeta(id=doc_id, file=f"{doc_id}.txt", title=text.split("\n", 1)[0], issuer="",
                                 date="2023-03-01", kind=kind, **meta),  # type: ignore[arg-type]
                    text, hashlib.sha256(raw.encode()).hexdigest(), "utf-8", "txt")


@pytest.fixture(scope="module")
def province() -> tuple[Structured, IndicatorExtraction]:
    docs = structure([made_up("zj-plan", ZJ_PLAN, "plan"),
                      made_up("zj-news", ZJ_NEWS, "news", report_year=2023, as_of="2023-12-31")])
    return docs, extract_indicators(docs)


def test_another_provinces_table_is_read_as_a_table(province: tuple[Structured, IndicatorExtraction]) -> None:
    _, extraction = province
    [table] = extraction.tables
    assert table.years == (2022, 2027)
    assert table.problems == ()
    assert [table_row_fields(r) for r in table.rows] == [
        {"row": 1, "domain": "健康水平", "indicator": "人均预期寿命", "unit": "岁", "baseline": "79.47",
         "target": "80.5左右", "attribute": "预期性"},
        {"row": 2, "domain": "健康水平", "indicator": "孕产妇死亡率（按常住人口计算）", "unit": "1/10万",
         "baseline": "3.0", "target": "≤5", "attribute": "约束性"},
        {"row": 3, "domain": "健康保障", "indicator": "城乡居民医保住院费用报销比例", "unit": "%",
         "baseline": ["80%", "65%"], "target": ["≥80%", "≥70%"], "attribute": "约束性"},
    ]
    assert [(t.year, t.value.comparator, t.value.number) for t in extraction.targets[:2]] == [
        (2027, "≈", Decimal("80.5")), (2027, "≤", Decimal(5))]


def test_another_provinces_prose_targets_baselines_and_news(province: tuple[Structured, IndicatorExtraction]
                                                            ) -> None:
    docs, extraction = province
    texts = {d.id: d.text for d, _, _ in docs}
    prose = {(extraction.indicator(t.indicator_key).label, t.year, t.value.text, t.value.comparator)
             for t in extraction.targets if t.source != "table"}
    assert prose == {("县域就诊率", 2027, "90%以上", "≥"),
                     ("二级及以上综合医院设立老年医学科的比例", 2027, "不低于70%", "≥"),
                     ("省级区域医疗中心数量", 2027, "6个", "=")}
    baseline = next(o for o in extraction.observations if o.is_baseline and o.phrase is not None)
    assert (extraction.indicator(baseline.indicator_key).label, baseline.year, baseline.value.text) == \
        ("人均预期寿命", 2022, "79.47岁")
    news = {(o.phrase.text, o.value.text): (extraction.indicator(o.indicator_key).label if o.indicator_key else None,
                                            o.year)
            for o in extraction.observations if o.doc_id == "zj-news"}
    assert news == {
        ("孕产妇死亡率", "2.8/10万"): ("孕产妇死亡率（按常住人口计算）", 2023),
        ("县域就诊率", "91.2%"): ("县域就诊率", 2023),
        ("新增执业医师数", "1200人"): (None, 2023),
        ("省级区域医疗中心", "2个"): ("省级区域医疗中心数量", 2023),
    }
    for mention in extraction.mentions:
        assert texts[mention.doc_id][mention.start:mention.end] == mention.surface
    assert added_violations(docs, extraction) == set()


def test_a_prose_target_of_another_document_joins_the_indicator_it_names() -> None:
    notice = ("浙江省县域医共体建设工作要点\n"
              "到2026年，全省县域就诊率达到92%以上，家庭医生签约服务覆盖率达到60%。\n"
              "截至2022年底，全省人均预期寿命达到79.5岁。\n")
    docs = structure([made_up("zj-plan", ZJ_PLAN, "plan"), made_up("zj-notice", notice, "news")])
    extraction = extract_indicators(docs)
    goals = {(extraction.indicator(t.indicator_key).label, t.year, t.value.text)
             for t in extraction.targets if t.doc_id == "zj-notice"}
    # 县域就诊率 is the plan's indicator and the units agree; 家庭医生签约服务覆盖率 names none;
    # 截至2022年底 (before the notice's date) states a value reached, not a target.
    assert goals == {("县域就诊率", 2026, "92%以上")}
    assert not any(o.doc_id == "zj-notice" and o.value.text == "92%以上" for o in extraction.observations)
    assert added_violations(docs, extraction) == set()


def test_a_count_of_bodies_is_named_by_what_it_counts_and_one_body_is_no_indicator() -> None:
    """建设6个省级区域医疗中心 counts bodies: the indicator is 省级区域医疗中心数量 (the bare name is a
    kind of institution), its written name an alternative label; 建设成为社区医院 likewise; 建设1家
    某某基地 is one body to build, no indicator."""
    plan = ("江西省卫生健康事业发展规划\n"
            "一、发展目标\n"
            "到2027年，建设3个省级区域医疗中心，建设1家国家中医药传承创新基地，"
            "将达到标准的乡镇卫生院建设成为社区医院，县域就诊率达到90%以上。\n")
    extraction = extract_indicators(structure([made_up("jx-plan", plan, "plan")]))
    labels = {e.label: e for e in extraction.indicators}
    assert set(labels) == {"省级区域医疗中心数量", "社区医院数量", "县域就诊率"}
    assert labels["省级区域医疗中心数量"].aliases == {"省级区域医疗中心"}
    assert labels["省级区域医疗中心数量"].key == normalise_key("省级区域医疗中心")  # the IRI is unchanged
    assert not any("基地" in e.label for e in extraction.indicators)
