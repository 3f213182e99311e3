"""Extraction on documents of other provinces and levels (issue 14): each failure kind as a test.

The texts are written for these tests: invented bodies, programmes and zones in real places of
other provinces, in the genre of the documents the product reads (county plans with duty tables,
provincial action plans with responsibility notes, news with credit lines).
"""

from __future__ import annotations

import pytest

from kg.extract.entities import EntityExtraction, extract_entities
from kg.ingest.normalise import normalise
from kg.ingest.passages import split_passages
from kg.ingest.sections import split_sections
from kg.records import Document, DocumentMeta

COUNTY_PLAN = """甘肃省临夏州积石山保安族东乡族撒拉族自治县健康促进工作方案
为推进积石山保安族东乡族撒拉族自治县健康县建设，制定本方案。
一、工作任务
（一）加强宣传。县委宣传部、县融媒体中心负责。县政府办公室统筹协调。
（二）完善机制。建立部门协作制度。（县工业和信息化局、县林业和草原局按职责分工负责）
附件1
部门\t职责
宣传部（融媒体中心）\t组织开展健康知识宣传。
公安局\t加强道路交通安全管理。
发展改革局\t把健康产业纳入发展规划。
工会、团委、妇联等\t动员职工、青年和妇女参与健康活动。
"""

PROVINCE_PLAN = """江西省青少年健康促进行动方案
一、工作措施
（一）开展校园健康行动。（省教育厅牵头，省委宣传部、省妇联、省科协、省总工会、团省委、省红十字会、省工业和信息化厅按职责分工负责）
（二）强化干部培训。到2026年，培训干部不少于5000人次。（省委组织部牵头）
（三）强化健康教育。省委党校（省行政学院）开设健康课程，南昌海关、省政务服务办配合。
南昌大学第一附属医院、江铃汽车集团有限公司参与健康企业建设。
"""

NEWS = """安徽郎溪：医共体建设见成效
来源：皖南晨报
皖南晨报记者 张某 通讯员 李某
郎溪县中医院与郎溪县人民医院组建紧密型医共体。宣城市卫生健康委副主任王某指出郎溪县人民医院是全市首家试点医院。
郎溪县人民医院中心药房实行统一配送。
"""


def made_up(doc_id: str, title: str, kind: str, raw: str) -> Document:
    meta = DocumentMeta(doc_id, f"{doc_id}.txt", title, "", "2024-05-06", kind)
    return Document(meta, normalise(raw), "0" * 64, "utf-8", "txt")


def extract_one(doc_id: str, title: str, kind: str, raw: str) -> EntityExtraction:
    """The extraction of one made-up document."""
    document = made_up(doc_id, title, kind, raw)
    return extract_entities([(document, s := split_sections(document), split_passages(document, s))])


@pytest.fixture(scope="module")
def extraction() -> EntityExtraction:
    documents = [made_up("gs-county", "积石山县健康促进工作方案", "plan", COUNTY_PLAN),
                 made_up("jx-plan", "江西省青少年健康促进行动方案", "plan", PROVINCE_PLAN),
                 made_up("ah-news", "安徽郎溪：医共体建设见成效", "news", NEWS)]
    prepared = [(d, s := split_sections(d), split_passages(d, s)) for d in documents]
    return extract_entities(prepared)


def names(extraction: EntityExtraction, doc_id: str, entity_type: str = "Institution") -> set[str]:
    """Every surface of the entities of a type mentioned in one document, and their labels."""
    out: set[str] = set()
    for mention in extraction.mentions:
        if mention.doc_id == doc_id and mention.entity_type == entity_type:
            out.add(mention.surface)
            out.add(extraction.entities[(entity_type, mention.key)].label)
    return out


def test_places_of_other_provinces_anchor_names(extraction: EntityExtraction) -> None:
    found = names(extraction, "ah-news")
    assert {"郎溪县中医院", "郎溪县人民医院", "宣城市卫生健康委"} <= found


def test_party_organs_and_mass_organisations(extraction: EntityExtraction) -> None:
    found = names(extraction, "jx-plan")
    assert {"省委宣传部", "省妇联", "省科协", "省总工会", "团省委", "省红十字会", "省教育厅"} <= found


def test_customs_services_companies_universities(extraction: EntityExtraction) -> None:
    found = names(extraction, "jx-plan")
    assert {"南昌海关", "省政务服务办", "江铃汽车集团有限公司", "南昌大学第一附属医院"} <= found


def test_names_with_he_are_whole(extraction: EntityExtraction) -> None:
    assert "省工业和信息化厅" in names(extraction, "jx-plan")
    assert {"县工业和信息化局", "县林业和草原局"} <= names(extraction, "gs-county")
    assert "信息化厅" not in names(extraction, "jx-plan")


def test_a_bracketed_other_name_is_an_alias(extraction: EntityExtraction) -> None:
    school = next(e for ref, e in extraction.entities.items() if ref[0] == "Institution" and e.label == "省委党校")
    assert "省行政学院" in school.aliases


def test_duty_table_departments_and_mass_organisations_without_a_place(extraction: EntityExtraction) -> None:
    found = names(extraction, "gs-county")
    assert {"公安局", "发展改革局", "宣传部", "融媒体中心", "工会", "团委", "妇联", "县政府办公室"} <= found
    # A bare 公安局 is the county's own: keyed by the document's county, not shared with other documents.
    police = [ref for ref, e in extraction.entities.items() if ref[0] == "Institution" and e.label == "公安局"]
    assert police and all(ref[1] != "公安局" for ref in police)


def test_media_in_credit_lines(extraction: EntityExtraction) -> None:
    assert "皖南晨报" in names(extraction, "ah-news")


def test_a_verb_phrase_before_a_name_is_not_part_of_it(extraction: EntityExtraction) -> None:
    found = names(extraction, "ah-news")
    assert not any(n.startswith(("副主任", "宣城市卫生健康委副主任")) for n in found)
    assert not any("首家" in n for n in found)  # 全市首家试点医院: a description, not a name


def test_sub_unit_after_its_parent_is_the_parent(extraction: EntityExtraction) -> None:
    found = names(extraction, "ah-news")
    assert "郎溪县人民医院" in found and "郎溪县人民医院中心药房" not in {
        e.label for ref, e in extraction.entities.items() if ref[0] == "Institution"}


def test_one_entity_per_body_across_documents() -> None:
    first = made_up("ah-a", "郎溪县卫生健康工作要点", "plan", "安徽省郎溪县中医院开展义诊。郎溪县中医院负责实施。")
    second = made_up("ah-b", "宣城市医疗动态", "news", "宣城市郎溪县中医院获评先进单位。")
    prepared = [(d, s := split_sections(d), split_passages(d, s)) for d in (first, second)]
    result = extract_entities(prepared)
    hospitals = [ref for ref, e in result.entities.items() if ref[0] == "Institution" and e.label.endswith("郎溪县中医院")]
    assert len(hospitals) == 1
    assert {m.doc_id for m in result.mentions if (m.entity_type, m.key) == hospitals[0]} == {"ah-a", "ah-b"}


def tasks(extraction: EntityExtraction, doc_id: str) -> dict[str, dict[str, set[str]]]:
    """measure → {role: unit labels} of the tasks read from one document."""
    out: dict[str, dict[str, set[str]]] = {}
    for mention in extraction.mentions:
        if mention.doc_id == doc_id and mention.entity_type == "Task":
            task = extraction.entities[("Task", mention.key)]
            out[task.label] = {role: {extraction.entities[r].label for r in refs} for role, refs in task.links.items()}
    return out


def test_a_note_with_lead_and_co_units_is_a_task(extraction: EntityExtraction) -> None:
    found = tasks(extraction, "jx-plan")
    task = found["开展校园健康行动"]
    assert {label.removeprefix("江西") for label in task["leadUnit"]} == {"省教育厅"}
    assert {"省委宣传部", "省妇联", "省科协", "省总工会", "团省委", "省红十字会", "省工业和信息化厅"} <= \
        {label.removeprefix("江西") for label in task["coUnit"]}


def test_a_note_with_only_shared_duties_names_joint_leads(extraction: EntityExtraction) -> None:
    task = tasks(extraction, "gs-county")["完善机制"]
    assert set(task) == {"leadUnit"} and len(task["leadUnit"]) == 2


def test_duty_table_rows_are_tasks_of_their_units(extraction: EntityExtraction) -> None:
    found = tasks(extraction, "gs-county")
    assert found["加强道路交通安全管理"] == {"leadUnit": {"公安局"}}
    assert found["组织开展健康知识宣传"]["leadUnit"] == {"宣传部", "融媒体中心"}
    assert found["动员职工、青年和妇女参与健康活动"]["leadUnit"] == {"工会", "团委", "妇联"}


def test_a_task_has_provenance(extraction: EntityExtraction) -> None:
    mention = next(m for m in extraction.mentions if m.entity_type == "Task" and m.doc_id == "jx-plan")
    assert mention.surface == "开展校园健康行动" and mention.start < mention.end and mention.passage_id


PROSE_DUTIES = """湖北省宜昌市健康城市建设方案
一、重点任务
（一）加强宣传。市委宣传部、市卫生健康委负责。
（二）健全监测网络。市疾病预防控制中心负责开展健康危险因素监测，市卫生健康委负责人出席会议。
（三）完善机制。成立市健康城市专家委员会，负责提供技术指导。
（四）强化食品抽检。食品抽检工作由市市场监督管理局负责。
（五）推进健康学校建设。市教育局要加强学校健康教育，配备专职校医。
（六）优化托育服务。由市卫生健康委牵头，市教育局、市民政局配合，建立托育服务联席会议机制。
（七）加强健康宣传。市卫生健康委负责编印健康科普读本，市教育局配合。
"""


def prose_tasks(kind: str) -> dict[str, dict[str, set[str]]]:
    return tasks(extract_one("hb-" + kind, "宜昌市健康城市建设方案", kind, PROSE_DUTIES), "hb-" + kind)


def test_running_text_that_names_only_units_before_fuze_is_their_task() -> None:
    found = prose_tasks("plan")
    assert found["加强宣传"] == {"leadUnit": {"宜昌市委宣传部", "宜昌市卫生健康委"}}  # X、Y负责。: the sentence before
    assert found["开展健康危险因素监测"] == {"leadUnit": {"宜昌市疾病预防控制中心"}}
    assert found["提供技术指导"] == {"leadUnit": {"宜昌市健康城市专家委员会"}}  # 成立X，负责…
    assert found["食品抽检工作"] == {"leadUnit": {"宜昌市市场监督管理局"}}  # …由X负责
    assert not any("出席会议" in measure for measure in found)  # 负责人 is a person's title
    assert found["建立托育服务联席会议机制"] == {"leadUnit": {"宜昌市卫生健康委"},
                                          "coUnit": {"宜昌市教育局", "宜昌市民政局"}}  # 由X牵头，Y、Z配合，…
    assert found["编印健康科普读本"] == {"leadUnit": {"宜昌市卫生健康委"}, "coUnit": {"宜昌市教育局"}}


def test_a_units_yao_sentence_is_a_task_in_a_plan_not_in_news() -> None:
    assert prose_tasks("plan")["加强学校健康教育"] == {"leadUnit": {"宜昌市教育局"}}
    assert "加强学校健康教育" not in prose_tasks("news")


def test_prose_with_more_than_units_before_fuze_is_not_a_task() -> None:
    text = "一、工作要求\n各地要落实属地责任，市卫生健康委和有关专家负责评估。\n"
    found = tasks(extract_one("hb-loose", "宜昌市健康工作要求", "plan", text), "hb-loose")
    assert found == {}


def test_prose_targets_with_deadlines() -> None:
    from kg.extract.targets import find_targets

    text = ("到2027年，全省县域就诊率达到92%以上，基层首诊率不低于65%。每个乡镇至少建成1家标准化卫生院。\n"
            "2021年，全省县域就诊率达到88%。\n"
            "力争2026年底前，65岁以上老年人和高血压患者分别达到70%和60%以上。\n"
            "到2028年，农村饮水安全问题得到有效遏制。")
    found = {(t.subject, t.value, t.deadline) for t in find_targets(text, "2024-05-06")}
    assert ("县域就诊率", "92%以上", "2027-12-31") in found  # 全省 is not part of the subject
    assert ("基层首诊率", "不低于65%", "2027-12-31") in found  # the deadline holds for the paragraph
    assert ("标准化卫生院", "至少建成1家", "2027-12-31") in found  # 建成 N 个 X: X is the subject
    assert not any(t[1] == "88%" for t in found)  # 2021年…达到88%: a past year states a fact
    assert ("65岁以上老年人", "70%", "2026-12-31") in found and ("高血压患者", "60%以上", "2026-12-31") in found
    assert ("农村饮水安全问题", None, "2028-12-31") in found  # qualitative, under a deadline


def test_relative_deadlines_count_from_the_document_date() -> None:
    from kg.extract.targets import parse_deadline

    assert parse_deadline("2年内建成", "2024-05-06") == "2026-05-06"
    assert parse_deadline("2-4年内", "2024-05-06") == "2028-05-06"
    assert parse_deadline("到2026年6月", "") == "2026-06-30" and parse_deadline("2026年底前", "") == "2026-12-31"
    assert parse_deadline("2026年", "") is None  # a bare year with no document date: not a deadline


def test_an_achieved_number_without_a_target_word_is_not_a_target() -> None:
    from kg.extract.targets import find_targets

    assert find_targets("截至目前，全县签约医生已达到320名，服务人口超过15万人。", "2024-05-06") == []
    assert find_targets("截至2023年底，长护险试点覆盖49个城市。", "") == []  # 截至: as of, not a deadline


def test_a_targets_subject_is_what_the_value_counts() -> None:
    from kg.extract.targets import find_targets

    text = ("到2026年，一是县域内住院率达到90%以上。其中人均补助标准达到每人每年不低于700元。"
            "各县遴选不少于80种常用药品。")
    found = {(t.subject, t.value) for t in find_targets(text, "2024-05-06")}
    assert ("县域内住院率", "90%以上") in found  # 一是: an enumerator, not the subject
    assert ("人均补助标准", "不低于700元") in found  # the subject ends at its first target verb
    assert ("常用药品", "不少于80种") in found  # 各县遴选: a verb, the subject is its object
    assert {(t.subject, t.value) for t in find_targets("到2026年，成人吸烟率低于20%。", "")} == {("成人吸烟率", "低于20%")}
    assert find_targets("全省成人超重率超过30%。", "") == []  # a strict bound alone is a fact


PROGRAMMES = """浙江省丽水市健康促进工作情况
丽水市实施“山区健康守护”工程，推进全民健身运动和心理关爱协同行动、主动健康服务行动。
社区居民学习八段锦运动，学校开展学生体育活动和健康科普活动。请介绍一下这一行动。
丽水市爱国卫生运动委员会组织开展活动。
2023年，缙云县获批国家级健康促进县；全市正在创建省级健康县区。
"""


@pytest.fixture(scope="module")
def lishui() -> EntityExtraction:
    return extract_one("zj-news", "丽水市健康促进工作情况", "news", PROGRAMMES)


def test_programme_names_are_names(lishui: EntityExtraction) -> None:
    found = names(lishui, "zj-news", "Programme")
    assert {"“山区健康守护”工程", "全民健身运动", "主动健康服务行动"} <= found
    # a verb phrase, a topic-only activity, a reference and the programme inside a body's name are not programmes
    for wrong in ("居民学习八段锦运动", "学生体育活动", "健康科普活动", "这一行动", "爱国卫生运动"):
        assert wrong not in found, wrong


def test_a_list_item_keeps_its_first_character(lishui: EntityExtraction) -> None:
    assert "主动健康服务行动" in names(lishui, "zj-news", "Programme")
    assert "健康服务行动" not in names(lishui, "zj-news", "Programme")


def test_designations_with_level_place_and_date(lishui: EntityExtraction) -> None:
    zones = {e.label: e for ref, e in lishui.entities.items() if ref[0] == "PilotZone"}
    zone = next(e for label, e in zones.items() if label.endswith("国家级健康促进县"))
    assert zone.properties.get("zoneLevel") == "国家级"
    assert zone.links["locatedIn"] == {("Place", "缙云县")}


def test_a_goal_in_a_tasks_paragraph_is_the_tasks_goal(extraction: EntityExtraction) -> None:
    goal = next(g for g in extraction.goals if g.doc_id == "jx-plan" and g.target.subject == "培训干部")
    assert goal.target.value == "不少于5000人次" and goal.target.deadline == "2026-12-31"
    assert goal.task is not None and extraction.entities[goal.task].label == "强化干部培训"


def test_practices_quoted_with_de_and_adopted_experience() -> None:
    text = "南昌市推广家庭医生签约服务体系建设经验。医院将通过“一核多点、分级联动”的模式，承担区域筛查工作。"
    result = extract_one("jx-practice", "南昌市医改动态", "news", text)
    found = names(result, "jx-practice", "Practice")
    assert "“一核多点、分级联动”的模式" in found
    assert any(n.endswith("家庭医生签约服务体系建设经验") for n in found)


def test_a_name_keeps_a_leading_word_the_document_writes_with_it() -> None:
    text = ("全省实施健康风险干预专项行动、主动健康促进行动和健康影响评估行动。\n"
            "主动健康促进行动是我们提出的。我们专门设计了主动健康促进行动。\n"
            "在社区设立运动健康指导室，普及科学运动与健康饮食知识。")
    result = extract_one("fj-plan", "福建省健康行动", "plan", text)
    found = names(result, "fj-plan", "Programme")
    assert "主动健康促进行动" in found and "健康促进行动" not in found
    assert not any(n.endswith("运动") for n in found)  # 运动 as exercise: 运动健康指导室, 运动与健康饮食


ZONES = """四川省健康影响评价工作进展
2024年3月，宜宾市、泸州市获批国家健康影响评价试点城市。
绵阳市、德阳市健康影响评估试点进展顺利。
截至目前，全省累计建成国家级健康促进县12个，省级健康县区40个。
2023年6月，乐山市入选全国健康城市建设样板市试点。
全省加快建设“更高水平的国际健康岛”，倾力打造“全周期健康城市”。
"""


@pytest.fixture(scope="module")
def sichuan() -> dict[str, dict[str, object]]:
    result = extract_one("sc-news", "四川省健康影响评价工作进展", "news", ZONES)
    return {e.label: {**e.properties, "in": e.links.get("locatedIn")} for ref, e in result.entities.items()
            if ref[0] == "PilotZone"}


def test_a_zone_named_for_several_places_is_one_zone_in_each(sichuan: dict[str, dict[str, object]]) -> None:
    for city in ("宜宾市", "泸州市"):
        zone = sichuan[f"{city}国家健康影响评价试点城市"]
        assert zone == {"zoneLevel": "国家级", "approvalDate": "2024-03", "in": {("Place", city)}}
    assert sichuan["绵阳市健康影响评估试点"]["in"] == {("Place", "绵阳市")}
    assert sichuan["德阳市健康影响评估试点"]["in"] == {("Place", "德阳市")}
    assert sichuan["乐山市全国健康城市建设样板市试点"]["approvalDate"] == "2023-06"  # 入选 dates it too


def test_designations_counted_in_a_total_are_the_provinces(sichuan: dict[str, dict[str, object]]) -> None:
    assert sichuan["国家级健康促进县"] == {"zoneLevel": "国家级", "in": {("Place", "四川省")}}
    assert sichuan["省级健康县区"] == {"zoneLevel": "省级", "in": {("Place", "四川省")}}


def test_a_quoted_designation_with_a_scope_is_a_zone_a_slogan_is_not(sichuan: dict[str, dict[str, object]]) -> None:
    assert sichuan["更高水平的国际健康岛"]["in"] == {("Place", "四川省")}
    assert not any("全周期健康城市" in label for label in sichuan)


def test_a_clause_ending_in_a_pilot_word_is_not_a_zone() -> None:
    text = ("云南省卫生健康委在曲靖市试点。昨日，医院会议室召开示范项目推进会。"
            "总结改革情况、示范项目经验。而健康影响评价在第二批试点中推开。")
    result = extract_one("yn-news", "云南省医改动态", "news", text)
    assert names(result, "yn-news", "PilotZone") == set()


BODIES = """内蒙古自治区科尔沁左翼后旗健康促进工作方案
科尔沁左翼后旗健康促进工作领导小组下设办公室（简称：旗健促办），负责日常工作。
科后旗卫生健康局、科后旗教育局按职责分工负责。各部门定期向旗健促办报送工作进展。
省委、省政府高度重视健康工作。
大鹏新区医疗健康集团与深圳第二人民医院合作，深圳市第二人民医院派出专家。四川大学华西医院参与。
北疆网·草原新闻6月3日讯 记者从会上获悉。
"""


@pytest.fixture(scope="module")
def bodies() -> EntityExtraction:
    return extract_one("nm-plan", "科尔沁左翼后旗健康促进工作方案", "plan", BODIES)


def body_labels(result: EntityExtraction) -> dict[str, set[str]]:
    return {e.label: e.aliases for ref, e in result.entities.items() if ref[0] == "Institution"}


def test_a_documents_abbreviation_of_its_county_is_that_county(bodies: EntityExtraction) -> None:
    bureau = next(e for ref, e in bodies.entities.items() if ref[0] == "Institution" and e.label == "科后旗卫生健康局")
    assert bureau.key == "科尔沁左翼后旗卫生健康局"  # one body with the bureau the full name would give


def test_a_unit_set_up_under_a_body_and_its_short_name(bodies: EntityExtraction) -> None:
    office = body_labels(bodies)["科尔沁左翼后旗健康促进工作领导小组办公室"]  # 下设 is not part of the name
    assert "旗健促办" in office  # （简称：…）: the short name is an alias
    mentions = [m for m in bodies.mentions if m.surface == "旗健促办"]
    assert len(mentions) == 2 and len({m.key for m in mentions}) == 1  # and its later use is the same body


def test_a_level_party_committee_and_a_new_district(bodies: EntityExtraction) -> None:
    found = body_labels(bodies)
    assert "省委" in found and "大鹏新区医疗健康集团" in found


def test_a_hospital_written_with_and_without_the_citys_ending_is_one_body(bodies: EntityExtraction) -> None:
    found = body_labels(bodies)
    assert "深圳第二人民医院" in found["深圳市第二人民医院"] and "深圳第二人民医院" not in found
    assert "四川大学华西医院" in found  # a university keeps the place word of its proper name


def test_every_outlet_of_a_joined_credit_line(bodies: EntityExtraction) -> None:
    assert {"北疆网", "草原新闻"} <= set(body_labels(bodies))


def test_a_clause_ending_in_a_programme_word_is_not_a_programme() -> None:
    text = ("吉林省卫生健康工作动态\n"
            "各地要对慢性病危险因素采取行动。社区为老年人提供运动指导。推出专项行动。"
            "医生详细记录每个关键项目。各部门真正落实到行动。而从试点项目看，成效明显。\n"
            "全省开展控烟限酒行动、儿童营养改善项目、居民自我健康管理项目和改善医疗服务行动。"
            "实施订单定向医学本科生免费培养计划，建设长春至吉林城际输水管道项目。")
    result = extract_one("jl-news", "吉林省卫生健康工作动态", "news", text)
    found = names(result, "jl-news", "Programme")
    assert {"控烟限酒行动", "儿童营养改善项目", "居民自我健康管理项目", "改善医疗服务行动",
            "订单定向医学本科生免费培养计划", "长春至吉林城际输水管道项目"} <= found  # 本科 is no pronoun, A至B a route
    for wrong in ("采取行动", "提供运动", "推出专项行动", "每个关键项目", "落实到行动"):
        assert not any(n.endswith(wrong) for n in found), wrong


def test_bodies_joined_by_a_verb_or_after_a_place_are_apart() -> None:
    text = ("湖南省医疗动态\n常德市第一人民医院、湘潭市中心医院参加。无锡市中心血站分别与延安市人民医院结对。"
            "杨浦区民政局携手区卫健委开展活动。徐汇区与上海中医药大学附属龙华医院签约。北京某三甲医院接诊。"
            "市医保局待遇服务科科长王某组织培训。\n")
    result = extract_one("hn-news", "湖南省医疗动态", "news", text)
    found = {e.label for ref, e in result.entities.items() if ref[0] == "Institution"}
    assert {"湘潭市中心医院", "无锡市中心血站", "延安市人民医院", "杨浦区民政局", "上海中医药大学附属龙华医院"} <= found
    assert not any(("分别" in n or "携手" in n or "某" in n or "科长" in n or n.startswith("徐汇区与")) for n in found)


def test_quoted_account_names_and_an_event_role_before_a_body() -> None:
    text = ("福建省健康科普周启动\n请关注“福建卫健”“八闽健康”等官方微信公众号。主办方厦门市妇幼保健院介绍了活动安排。\n")
    found = {e.label for ref, e in extract_one("fj-news", "福建省健康科普周启动", "news", text).entities.items()
             if ref[0] == "Institution"}
    assert {"福建卫健", "八闽健康", "厦门市妇幼保健院"} <= found and not any(n.startswith("主办方") for n in found)


def test_a_two_character_county_inside_a_word_is_no_place() -> None:
    from kg.extract import lexicon

    assert [name for _, _, _, name in lexicon.gazetteer().find_all("创建健康县区，甘肃省康县人民医院")] == ["甘肃省", "康县"]


def test_a_dated_event_after_de_is_a_programme() -> None:
    text = "浙江省健康县区建设情况\n两部门联合开展的2024年度全国健康县区建设优秀案例征集活动结果公布。\n"
    assert "2024年度全国健康县区建设优秀案例征集活动" in names(
        extract_one("zj-case", "浙江省健康县区建设情况", "news", text), "zj-case", "Programme")


def test_a_bracketed_other_name_is_no_body_of_its_own_and_organise_is_a_verb() -> None:
    text = ("江苏省医疗动态\n江阴市人民医院（江阴市第一人民医院）牵头组建城市医疗集团。省体育局组织全民健身活动。"
            "2023年，昆山市获批全国健康城市建设样板市。\n")
    result = extract_one("js-news", "江苏省医疗动态", "news", text)
    bodies = {e.label: e.aliases for ref, e in result.entities.items() if ref[0] == "Institution"}
    assert bodies["江阴市人民医院"] == {"江阴市第一人民医院"} and "江阴市第一人民医院" not in bodies
    assert "省体育局" in bodies and "省体育局组织" not in bodies
    assert "昆山市全国健康城市建设样板市" in names(result, "js-news", "PilotZone")


def test_a_zone_written_as_its_place_alone_is_not_named_so() -> None:
    result = extract_one("sc-news", "四川省健康影响评价工作进展", "news", ZONES)
    zone = next(e for ref, e in result.entities.items() if ref[0] == "PilotZone" and e.label.startswith("宜宾市"))
    assert "宜宾市" not in zone.aliases


def test_a_dateline_after_a_headline_and_a_designation_with_its_own_words() -> None:
    text = ("黑龙江：县域医疗服务见成效\n新华网哈尔滨3月5日电 记者从会上获悉，宁安市被确定为省级紧密型县域医共体建设示范县。"
            "全市倾力打造全生命周期健康城市。\n")
    result = extract_one("hl-news", "黑龙江：县域医疗服务见成效", "news", text)
    assert "新华网" in names(result, "hl-news")  # the headline runs into the dateline: 见成效新华网哈尔滨…电
    copied = extract_one("hl-copy", "医保动态", "news", "医保动态\n本文转自：光明网光明网北京7月30日电 近日召开会议。\n")
    assert names(copied, "hl-copy") == {"光明网"}
    zones = names(result, "hl-news", "PilotZone")
    assert "宁安市省级紧密型县域医共体建设示范县" in zones
    assert not any("全生命周期" in z for z in zones)  # no level, no place: a slogan


def test_unit_lines_under_a_measure_name_its_lead_and_co_units() -> None:
    text = ("四川省医疗卫生服务体系建设方案\n一、重点任务\n（一）推进紧密型县域医共体建设。在全省推开县域医共体建设。\n"
            "牵头单位：省卫生健康委、省发展改革委\n配合单位：省财政厅、省医保局\n（二）加强基层人才队伍建设。\n"
            "责任单位：省教育厅\n")
    found = tasks(extract_one("sc-plan", "四川省医疗卫生服务体系建设方案", "plan", text), "sc-plan")
    assert found["推进紧密型县域医共体建设"] == {"leadUnit": {"省卫生健康委", "省发展改革委"}, "coUnit": {"省财政厅", "省医保局"}}
    assert found["加强基层人才队伍建设"] == {"leadUnit": {"省教育厅"}}


def test_ministries_agencies_schools_banks_and_subinstitutes() -> None:
    result = extract_one("zj-news", "浙江动态", "news",
                         "来源：新华社\n依照国家卫生健康委和省委要求，省医保局会同教育部、国家税务总局部署工作，"
                         "各级教育部门参与。世卫组织代表出席。中国疾病预防控制中心营养与健康预防控制所牵头实施。"
                         "金华市婺城区第三小学开展活动，全市中小学跟进。“健步走”和兴业银行杭州分行联手推出服务，"
                         "引导商业银行加大投入。")
    found = names(result, "zj-news")
    assert {"新华社", "国家卫生健康委", "教育部", "世卫组织", "中国疾病预防控制中心营养与健康预防控制所",
            "金华市婺城区第三小学", "兴业银行杭州分行"} <= found
    assert not {"依照国家卫生健康委", "教育部门", "中小学", "商业银行", "中国疾病预防控制中心"} & found


def test_a_level_committee_run_into_its_government_is_two_bodies() -> None:
    result = extract_one("nb-news", "宁波动态", "news", "宁波市卫生健康委介绍，市委市政府将此列为民生实事。")
    found = names(result, "nb-news")
    assert {"市委", "市政府"} <= found and not any("市委市政府" in n for n in found)


def test_a_group_named_after_its_lead_hospital_is_a_group() -> None:
    result = extract_one("cz-news", "常州动态", "news", "武进区与常州市第二人民医院组建了“武进—二院骨科医联体”。")
    assert "武进—二院骨科医联体" in names(result, "cz-news")


def test_targets_listed_under_one_deadline_shares_and_written_numbers() -> None:
    from kg.extract.targets import find_targets

    text = ("到2027年，完成护士岗位（初级）培训不少于800人，全科医生转岗培养不少于300人，"
            "基本实现每个乡镇至少有一名儿科医生，同时解决基层药师不足问题。\n"
            "三是通过多种方式解决编制问题。\n"
            "《意见》要求，鼓励有条件的县完成20%的村卫生室标准化建设；在30%的乡镇卫生院开展康复科建设。\n"
            "年底前60%的县区开展家庭医生签约。\n"
            "全省80%的乡镇已开展康复服务。")
    found = {(t.subject, t.value, t.deadline) for t in find_targets(text, "2024-05-06")}
    assert ("护士岗位（初级）培训", "不少于800人", "2027-12-31") in found  # a bracketed qualifier stays in
    assert ("全科医生转岗培养", "不少于300人", "2027-12-31") in found  # …培养 N人: the people are the object
    assert ("儿科医生", "至少有一名", "2027-12-31") in found  # 一名 is a number; what each 乡镇 has
    assert ("基层药师不足问题", None, "2027-12-31") in found  # 解决 in the sentence that states the deadline
    assert not any(t[0] == "编制问题" or t[0].startswith("通过") for t in found)  # a measure, not a goal
    assert ("村卫生室标准化建设", "20%", None) in found and ("康复科建设", "30%", None) in found
    assert ("县区开展家庭医生签约", "60%", "2024-12-31") in found  # 年底前: the end of the document's year
    assert not any(t[1] == "80%" for t in found)  # 已开展: a share reached is no target


def test_designations_at_two_levels_counted_places_and_a_province_creating_one() -> None:
    result = extract_one("yn-news", "共建共享健康云南", "news",
                         "全省共有15个县（市）通过国家级或省级健康促进县（市）评估，2023年评审省级健康县（市）达12个。\n"
                         "云南省创建全国医养结合示范省取得成效。")
    zones = {e.label: e for ref, e in result.entities.items() if ref[0] == "PilotZone"}
    assert {"国家级健康促进县", "省级健康促进县", "省级健康县"} <= set(zones)
    assert zones["省级健康促进县"].properties.get("zoneLevel") == "省级"
    assert zones["国家级健康促进县"].properties.get("zoneLevel") == "国家级"
    assert any(label.endswith("全国医养结合示范省") for label in zones)


def test_a_quoted_screening_is_a_programme_a_kind_or_a_first_part_is_not() -> None:
    text = ("各县继续实施城镇妇女“两病”筛查和乙肝筛查，开展健康咨询活动，举办慢病管理项目暨业务培训班。"
            "区委区政府为民办实事项目推进顺利。")
    found = names(extract_one("hb-news", "河北卫生动态", "news", text), "hb-news", "Programme")
    assert "城镇妇女“两病”筛查" in found
    assert not {"乙肝筛查", "健康咨询活动", "慢病管理项目", "民办实事项目"} & found


def test_an_unquoted_formula_of_parallel_phrases_is_a_practice() -> None:
    text = "该县形成村级首诊负责、镇级统筹转诊的分级诊疗新模式。该县推行城乡、区域、部门之间的协作模式。"
    found = names(extract_one("sx-news", "陕西动态", "news", text), "sx-news", "Practice")
    assert "村级首诊负责、镇级统筹转诊的分级诊疗新模式" in found
    assert not any("城乡、区域" in n for n in found)  # a list of fields, not a formula


def test_a_named_community_clinic_is_a_body_a_class_of_clinics_is_not() -> None:
    text = ("家住青山街道的居民来到望湖社区卫生服务站。宁远县舜陵社区卫生服务中心主任介绍，"
            "宁远县社区卫生服务中心和特色示范社区卫生服务站将增设中医科。")
    found = names(extract_one("hn-news", "湖南动态", "news", text), "hn-news")
    assert {"望湖社区卫生服务站", "宁远县舜陵社区卫生服务中心"} <= found
    assert not any(n.endswith(("宁远县社区卫生服务中心", "示范社区卫生服务站")) for n in found)


def test_a_verb_whose_object_follows_de_is_not_part_of_the_name() -> None:
    text = "2023年，我省引导公众学习健康知识，不断提高全民健身促进行动的质量和覆盖面。全省实施改善医疗服务行动。"
    found = names(extract_one("gd-news", "广东动态", "news", text), "gd-news", "Programme")
    assert {"全民健身促进行动", "改善医疗服务行动"} <= found and "提高全民健身促进行动" not in found


def test_a_groups_head_hospital_is_a_body_and_a_clause_before_de_stays_no_programme() -> None:
    result = extract_one("yn-news2", "云南动态", "news",
                         "在弥渡县紧密型医共体总院召开会议。各方形成跨部门协作实施计划的路线图。")
    assert "弥渡县紧密型医共体总院" in names(result, "yn-news2")
    assert not any(n.endswith("实施计划") for n in names(result, "yn-news2", "Programme"))



def found_in(text: str, *types: str) -> tuple[set[str], ...]:
    """The names of each type in a made-up news item (its first line the headline)."""
    result = extract_one("made-up", text.split("\n", 1)[0], "news", text)
    return tuple(names(result, "made-up", t) for t in types)


def test_a_programme_word_after_only_abstract_words_or_a_verb_and_them_is_no_name() -> None:
    (found,) = found_in("青海省推进健康政策\n推进跨部门行动，支持多样化工作计划和政府战略计划。各方监测战略计划和进展，"
                        "评估具体项目的影响，推动部门间联合行动和合作系列签约活动。从PPP项目出发。\n"
                        "全省实施改善医疗服务行动，开展西宁市HiAP计划。\n", "Programme")
    assert {"改善医疗服务行动", "西宁市HiAP计划"} <= found  # a verb before a field, a place before an acronym
    phrases = ("跨部门行动", "多样化工作计划", "政府战略计划", "监测战略计划", "评估具体项目", "部门间联合行动",
               "合作系列签约活动", "PPP项目")
    assert sorted(n for n in found if n.endswith(phrases)) == []


def test_a_name_after_a_preposition_and_a_long_clause_before_the_verb() -> None:
    programmes, zones = found_in(
        "宁夏医改动态\n我区在全民义务植树运动等方面成效显著。"
        "中国医学科学院卫生政策研究中心卫生发展战略与改革研究室主任、研究员王某等一行来银川市第一人民医院调研"
        "县域医共体能力提升示范项目工作情况。随后在会议室召开示范项目座谈会。\n", "Programme", "PilotZone")
    assert {"全民义务植树运动", "县域医共体能力提升示范项目"} <= programmes
    assert not any("在" in n or "召开" in n for n in programmes)
    # a …示范项目 with no place or level is the programme, not a pilot zone
    assert not any(n.endswith("能力提升示范项目") for n in zones)


def test_a_body_of_the_district_written_without_its_name() -> None:
    (bodies,) = found_in("兰州城关：医养结合\n今年，城关区民政局携手区卫健委、区中心医院共同探索新模式。"
                         "城关统筹区中心医院门急诊资源向养老机构倾斜。区医院和区域医疗中心也参加。\n", "Institution")
    assert {"区卫健委", "城关区卫健委", "区中心医院", "城关区中心医院"} <= bodies
    assert not any(n.startswith(("城关统筹", "区医院", "区域")) for n in bodies)  # a verb, a kind, another word


def test_bodies_after_include_or_being_set_up_and_foreign_governments() -> None:
    bodies, practices = found_in(
        "北欧经验介绍\n应急队伍包括兰州大学第一医院（国家紧急医学救援队）、兰州大学第二医院。"
        "瑞典还成立了国家健康政策咨询委员会。瑞典政府与挪威劳动与卫生部合作。\n"
        "瑞典的HiAP模式见图1。瑞典经验对我国有启示。尽管挪威目前治理模式趋向成熟。\n", "Institution", "Practice")
    assert {"兰州大学第一医院", "国家健康政策咨询委员会", "瑞典政府", "挪威劳动与卫生部"} <= bodies
    assert "瑞典的HiAP模式" in practices  # a country's model joined by 的
    assert not {"瑞典经验", "挪威目前治理模式"} & practices  # a country's experience described; an adverb


def test_outlets_joined_by_a_slash_sub_institutes_alliances_and_subdistrict_offices() -> None:
    (bodies,) = found_in(
        "贵州动态\n作者单位：贵州大学附属医院管理研究所，贵州贵阳，550025\n"
        "调研组详细了解医院贵州省心血管病临床医学研究中心分中心情况。遵义市心血管专科联盟成立。"
        "遵义市第一人民医院合作共建心血管专科联盟已有5年。枫林街道办事处主任杨某参加。\n"
        "黔东日报/山地新闻 记者 王某 校对 李某\n", "Institution")
    assert {"贵州大学附属医院管理研究所", "贵州省心血管病临床医学研究中心分中心", "遵义市心血管专科联盟",
            "遵义市第一人民医院", "枫林街道办事处", "黔东日报", "山地新闻"} <= bodies
    assert not any(n.startswith("解") or "合作共建" in n for n in bodies)  # 了解 is one word; a verb splits
    assert "贵州大学附属医院" not in bodies  # the institute, not the hospital it is named after


def test_a_quota_of_days_in_a_period_is_the_value_and_what_is_done_then_the_subject() -> None:
    from kg.extract.targets import find_targets

    found = {(t.subject, t.value) for t in find_targets(
        "推动乡镇卫生院每周至少4个工作日有一名副主任医师以上人员在院坐诊。到2026年，每月不少于2次开展上门随访。", "2024-05-06")}
    assert ("坐诊", "每周至少4个工作日") in found and ("随访", "每月不少于2次") in found
    assert not any(subject.endswith(("每周", "每月")) for subject, _ in found)


def test_places_that_are_two_of_a_counted_designation_each_hold_it() -> None:
    result = extract_one("gs-ltc", "甘肃长护险", "news", "甘肃长护险\n甘肃省医疗保障局负责人介绍，甘肃省和青海省是全国3个"
                         "医养结合试点重点联系省份。全国有15个试点城市。\n")
    zones = [e for ref, e in result.entities.items() if ref[0] == "PilotZone"]
    assert zones and all(e.label in ("甘肃省医养结合试点重点联系省份", "青海省医养结合试点重点联系省份") for e in zones)
    # (not 甘肃省青海省…, nor 全国3个…)
    assert "医养结合试点重点联系省份" in names(result, "gs-ltc", "PilotZone")


def test_a_hospital_named_by_a_proper_noun_alone_and_a_word_holding_he() -> None:
    (bodies,) = found_in("湖南动态\n新医院在陇原医院原址上组建。邀请武汉协和医院专家坐诊。"
                         "康复医院和肿瘤医院是专科医院。推进美丽医院建设和智慧医院建设。\n", "Institution")
    assert {"陇原医院", "武汉协和医院"} <= bodies  # 协和 holds 和 but joins nothing
    assert not {"康复医院", "肿瘤医院", "美丽医院", "智慧医院", "医院"} & bodies  # kinds of hospital


def test_one_designation_held_by_two_provinces_is_two_zones() -> None:
    """甲省获批X and 乙省获批X (in two documents) are two zones, each with its own place and date; the
    province's own zone written with its name at the front elsewhere is the same zone."""
    documents = [made_up("gs-brief", "甘肃省高原康养工作简报", "news",
                         "甘肃省高原康养工作简报\n2023年5月，甘肃省获批国家高原康养综合试验区。\n"),
                 made_up("qh-brief", "青海省高原康养工作简报", "news",
                         "青海省高原康养工作简报\n2023年6月，青海省获批国家高原康养综合试验区。\n"),
                 made_up("gs-news", "甘肃动态", "news", "甘肃动态\n甘肃省国家高原康养综合试验区建设成效明显。\n")]
    result = extract_entities([(d, s := split_sections(d), split_passages(d, s)) for d in documents])
    zones = {e.label: e for ref, e in result.entities.items() if ref[0] == "PilotZone"}
    assert set(zones) == {"甘肃省国家高原康养综合试验区", "青海省国家高原康养综合试验区"}
    gansu, qinghai = zones["甘肃省国家高原康养综合试验区"], zones["青海省国家高原康养综合试验区"]
    assert gansu.links["locatedIn"] == {("Place", "甘肃省")} and gansu.properties["approvalDate"] == "2023-05"
    assert qinghai.links["locatedIn"] == {("Place", "青海省")} and qinghai.properties["approvalDate"] == "2023-06"
    assert {m.doc_id for m in result.mentions if m.key == gansu.key} == {"gs-brief", "gs-news"}


def test_each_of_two_provinces_holding_one_designation_is_named_by_it() -> None:
    result = extract_one("gs-ltc2", "甘肃长护险", "news", "甘肃长护险\n甘肃省和青海省是全国2个高原康养试点重点联系省份。\n")
    zones = {e.label: e for ref, e in result.entities.items() if ref[0] == "PilotZone"}
    assert set(zones) == {"甘肃省高原康养试点重点联系省份", "青海省高原康养试点重点联系省份"}
    for province in ("甘肃省", "青海省"):
        zone = zones[f"{province}高原康养试点重点联系省份"]
        assert zone.links["locatedIn"] == {("Place", province)}
        assert "高原康养试点重点联系省份" in zone.aliases  # the name both share


def test_village_and_township_clinics_are_named_by_their_towns_and_villages() -> None:
    (bodies,) = found_in("四川简报\n入选名单有3人： 泸县石桥村卫生室乡村医生王某，泸县云龙镇大田村卫生室乡村医生李某，"
                         "合江县白沙镇卫生院医师张某。与会人员观摩了福宝镇龙潭中心卫生室。专家到泸县人民医院、石坝中心卫生院走访。"
                         "鼓励零售药店、村卫生室、行政村卫生室和乡镇卫生院参与。\n", "Institution")
    assert {"泸县石桥村卫生室", "泸县云龙镇大田村卫生室", "合江县白沙镇卫生院", "福宝镇龙潭中心卫生室",
            "石坝中心卫生院"} <= bodies
    assert not {"村卫生室", "行政村卫生室", "乡镇卫生院", "卫生室"} & bodies  # classes of clinics


def test_outlets_in_a_dateline_a_bracketed_byline_and_a_repost_note() -> None:
    (bodies,) = found_in("江苏动态\n苏北健康报讯 据某某官微消息，全市社区卫生服务中心周末开诊。（扬子日报健康客户端 王小明）"
                         "编辑：李某* 转载请注明来自姑苏发布官方微信\n各地及时上报记者了解的情况。（市卫健委 张三）\n",
                         "Institution")
    assert {"苏北健康报", "扬子日报健康客户端", "姑苏发布"} <= bodies
    assert not any(n.endswith(("上报", "官方微信")) for n in bodies)  # a verb before 记者; the account word


def test_a_commissions_division_named_as_an_organiser_is_a_body() -> None:
    (bodies,) = found_in("湖北动态\n活动由湖北省民政厅、湖北省卫生健康委老龄健康处指导。湖北省财政厅社保处副处长王某出席。"
                         "湖北省卫生健康委处理投诉。\n", "Institution")
    assert {"湖北省卫生健康委老龄健康处", "湖北省财政厅"} <= bodies
    # a division in a job title names its parent; 处理 is a verb
    assert not any(n.endswith(("社保处", "委处")) for n in bodies)


def test_a_division_word_of_several_characters_ends_a_division(monkeypatch: pytest.MonkeyPatch) -> None:
    # [division_words] holds one-character words today; a longer one must not be cut to its last
    # character (医政医管执法 would read as ending on a verb)
    from kg.extract import institution_sources, lexicon

    original = lexicon.words
    monkeypatch.setattr(lexicon, "words",
                        lambda section: ("执法队", *original(section)) if section == "division_words" else original(section))
    caches = (lexicon.alternation, institution_sources._division_pattern)
    for cache in caches:
        cache.cache_clear()
    try:
        (bodies,) = found_in("云南动态\n漾濞县卫生健康局医政医管执法队检查了辖区内的医疗机构。\n", "Institution")
    finally:
        monkeypatch.undo()
        for cache in caches:
            cache.cache_clear()
    assert "漾濞县卫生健康局医政医管执法队" in bodies


def test_a_quoted_programme_name_holding_a_verb_is_whole() -> None:
    (programmes,) = found_in("青海动态\n张某在发布会上表示，“高原健康体重管理与健康食品产业协同发展行动”是青海的重要举措。\n",
                             "Programme")
    assert "高原健康体重管理与健康食品产业协同发展行动" in programmes
    assert "发展行动" not in programmes  # 协同 inside the quotes starts nothing


def test_a_verb_before_a_quoted_programme_name_is_not_part_of_it() -> None:
    (programmes,) = found_in("青海动态\n省卫生健康委发布2024年“高原家庭医生日”主题活动，各地积极参与。\n", "Programme")
    assert "2024年“高原家庭医生日”主题活动" in programmes
    assert not any("发布" in n for n in programmes)


def test_a_verb_right_before_the_opening_quote_is_cut_off_too() -> None:
    # no year between the verb and the quote: the cut falls on the quote itself
    (programmes,) = found_in("青海动态\n某县卫生健康局发布“高原暖心”主题活动，各乡镇积极参与。\n", "Programme")
    assert programmes == {"“高原暖心”主题活动"}


def test_national_societies_named_zhonghua_alliances_and_a_preposition_before_a_name() -> None:
    (bodies,) = found_in("山东动态\n日至6日，全国养老照护服务产教融合共同体成立大会在长沙召开。据中华医学会儿科学分会统计，"
                         "儿童近视率上升。构建人类卫生健康共同体。推进紧密型县域医疗卫生共同体建设。\n", "Institution")
    assert {"全国养老照护服务产教融合共同体", "中华医学会儿科学分会"} <= bodies
    assert not any(n.startswith(("据", "日至")) or n.endswith(("健康共同体", "卫生共同体")) for n in bodies)


def test_a_numbered_procurement_round_is_a_programme_buying_so_is_not() -> None:
    (programmes,) = found_in("河北动态\n随着各地于7月31日落地实施第九批国家药品集采中选品种，患者负担减轻。"
                             "推进药品集中带量采购，扩大高值医用耗材带量采购。\n", "Programme")
    assert "第九批国家药品集采" in programmes
    assert not any(n.endswith(("药品集中带量采购", "耗材带量采购")) for n in programmes)


def test_items_after_a_list_of_things_are_a_kind_a_programme_on_them_is_not() -> None:
    (programmes,) = found_in("河北动态\n明确陪护费、护工费、洗理费等生活服务项目基本医保基金不予支付。"
                             "开展近视、肥胖等学生常见病监测与干预行动。\n", "Programme")
    assert "学生常见病监测与干预行动" in programmes
    assert "生活服务项目" not in programmes


def test_an_autonomous_countys_xian_form_and_its_own_tcm_hospital() -> None:
    (bodies,) = found_in("云南动态\n医疗队正式入驻漾濞县昆明市第一人民医院医疗队到达。专家组到漾濞县开展帮扶。"
                         "漾濞县卫生健康局组织。并到县中医医院、石坝中心卫生院走访。推进县级中医医院建设，各地中医医院参加。\n",
                         "Institution")
    # 漾濞县 (漾濞彝族自治县) is read without the full name; 县中医医院 is that county's; after 到 the name starts
    assert {"漾濞县卫生健康局", "漾濞县中医医院", "昆明市第一人民医院"} <= bodies
    # a county run into a body of a city elsewhere (a headline joined to the text); classes of hospital
    assert not {"漾濞县昆明市第一人民医院", "县级中医医院", "中医医院", "到县中医医院"} & bodies


def test_a_preposition_jieba_reads_otherwise_starts_no_name() -> None:
    (bodies,) = found_in("陕西动态\n2022年经省政府同意，省医保局制定方案。经国家卫生健康委批准，设立中心。省经信委参加。\n",
                         "Institution")
    assert {"省政府", "国家卫生健康委", "省经信委"} <= bodies
    assert not any(n.startswith("经省") or n.startswith("经国家") for n in bodies)


def test_the_members_of_a_group_follow_its_lead() -> None:
    # 以X为总医院，…为成员单位的G and X牵头，…共同组建G: every named body between the lead and the group is
    # linked to it; a counted collective (9家乡镇卫生院) is no body, and the sentence keeps it
    from kg.query.composition import parse_composition

    group = "以漾濞县人民医院为总医院，漾濞县中医医院、漾濞县妇幼保健院和9家乡镇卫生院为成员单位的"
    text = f"云南动态\n2024年3月，漾濞县成立{group}漾濞县医疗健康集团。宾川县人民医院牵头，宾川县中医医院、宾川县妇幼保健院共同组建宾川县医共体。\n"
    result = extract_one("made-up", "云南动态", "news", text)
    member_of = {e.label: {key for _, key in e.links.get("memberOf", set())}
                 for (kind, _), e in result.entities.items() if kind == "Institution"}
    assert member_of["漾濞县中医医院"] == member_of["漾濞县妇幼保健院"] == {"漾濞县医疗健康集团"}
    assert member_of["宾川县中医医院"] == member_of["宾川县妇幼保健院"] == {"宾川县医共体"}
    assert not any("乡镇卫生院" in label for label in member_of)
    leads, role, members = parse_composition(group)  # type: ignore[misc]
    assert (leads, role) == (("漾濞县人民医院",), "总医院") and "9家乡镇卫生院" in members


def test_a_groups_lead_leads_it_and_is_no_member() -> None:
    # The lead body of 以X为总医院…为成员单位的G and of X牵头…共同组建G is pol:leadsGroup G, not
    # pol:memberOf G; the bodies after it are the members
    text = ("贵州动态\n2024年5月，湄潭县成立以湄潭县人民医院为总医院，湄潭县中医院、湄潭县妇幼保健院为成员单位的"
            "湄潭县医疗健康集团。凤冈县人民医院牵头，凤冈县中医医院、凤冈县妇幼保健院共同组建凤冈县医共体。\n")
    result = extract_one("made-up", "贵州动态", "news", text)
    bodies = {e.label: e for (kind, _), e in result.entities.items() if kind == "Institution"}

    def linked(label: str, relation: str) -> set[str]:
        return {key for _, key in bodies[label].links.get(relation, set())}

    for lead, members, group in (("湄潭县人民医院", ("湄潭县中医院", "湄潭县妇幼保健院"), "湄潭县医疗健康集团"),
                                 ("凤冈县人民医院", ("凤冈县中医医院", "凤冈县妇幼保健院"), "凤冈县医共体")):
        assert linked(lead, "leadsGroup") == {group}
        assert group not in linked(lead, "memberOf")
        for member in members:
            assert linked(member, "memberOf") == {group} and not linked(member, "leadsGroup")


def test_a_programme_that_a_pilot_is_named_after_stays_beside_it() -> None:
    text = "云南动态\n近日，漾濞县人民医院入选高原心脏病规范化诊疗项目试点单位，将提升诊疗水平。\n"
    result = extract_one("made-up", "云南动态", "news", text)
    assert names(result, "made-up", "Programme") == {"高原心脏病规范化诊疗项目"}
    (pilot,) = [e for (kind, _), e in result.entities.items() if kind == "PilotZone"]
    assert pilot.label.endswith("高原心脏病规范化诊疗项目试点单位")
    assert pilot.links.get("belongsToProgramme") == {("Programme", "高原心脏病规范化诊疗项目")}


def test_a_verb_that_stands_inside_names_does_not_cut_a_programme_name() -> None:
    (programmes,) = found_in("云南动态\n二是提出高原特色农业与健康食品产业发展协同行动项目建议。"
                             "漾濞县、宾川县卫生健康局卫生健康事业发展合作系列签约活动在大理举行。\n", "Programme")
    assert programmes == {"高原特色农业与健康食品产业发展协同行动"}  # 项目建议: a proposal; the organisers start no name


def test_a_round_the_state_organises_keeps_its_organiser() -> None:
    (programmes,) = found_in("云南动态\n通知明确，国家组织冠脉支架集中带量采购未中选产品价格下调。\n", "Programme")
    assert programmes == {"国家组织冠脉支架集中带量采购"}


def test_a_body_named_whole_in_quotes_needs_no_place() -> None:
    (bodies,) = found_in("云南动态\n漾濞县打造了集展览、培训等功能于一体的“高原茶艺人才培育中心”。"
                         "推进“区域数字影像中心”建设。\n", "Institution")
    assert "高原茶艺人才培育中心" in bodies
    assert "区域数字影像中心" not in bodies  # “…中心”建设: a kind of work


def test_a_body_of_the_district_a_story_names_no_county_for() -> None:
    # 区府办 is the short form of 区政府办公室; the story says only 我区
    (bodies,) = found_in("区级动态\n日前，我区召开卫生健康工作会议，区卫生健康委部署下半年工作。（区府办消息）\n", "Institution")
    assert {"区府办", "区卫生健康委"} <= bodies


def test_how_widely_a_programme_reaches_still_names_it() -> None:
    (programmes,) = found_in("青海动态\n持续扩大农村“三高”筛查覆盖面，促进早诊早治。提高职业病危害项目申报率。\n", "Programme")
    assert programmes == {"农村“三高”筛查"}  # …项目申报: the programme word only modifies


def test_a_designated_platform_is_a_body_when_anchored() -> None:
    (bodies,) = found_in("青海动态\n依托国家高原医学创新平台，推进应用研究。完善藏医药科技创新平台，鼓励各类创新平台开展攻关。\n",
                         "Institution")
    assert "国家高原医学创新平台" in bodies
    assert not any(n.endswith("科技创新平台") or n == "创新平台" for n in bodies)  # kinds of platform


def test_a_development_zone_anchors_the_clinics_of_its_towns() -> None:
    (bodies,) = found_in("河南动态\n获评优秀乡村医生的有：示范区青杨办事处石桥卫生室乡村医生张某，开发区卫生院院长李某。\n",
                         "Institution")
    assert "示范区青杨办事处石桥卫生室" in bodies
    assert "开发区卫生院" not in bodies  # a zone's health centre named by no town: a kind


def test_a_price_or_facility_item_is_no_programme() -> None:
    (programmes,) = found_in("青海动态\n规范管理高原医疗服务价格项目，统筹保障牧区公共服务设施项目用地需求。实施牧区儿童营养改善项目。\n",
                             "Programme")
    assert programmes == {"牧区儿童营养改善项目"}


NEWS_DUTIES = """四川绵阳：社区健康服务提质增效
为做好老年人健康服务，由游仙区卫生健康局牵头，各乡镇卫生院、社区卫生服务中心共同落实，开展老年人免费体检。
此项工作由涪城区民政局牵头，涪城区卫生健康局、涪城区医疗保障局配合，全面推进医养结合服务。
"""


def test_a_lead_in_news_assigns_the_clause_after_its_co_units_not_the_purpose_before() -> None:
    """由X牵头，Y共同落实，<measure>: the measure follows the co clause (whose units may be generic,
    各乡镇卫生院); a purpose clause before (为做好…) or a bare subject (此项工作由X牵头) is no measure."""
    found = tasks(extract_one("sc-news", "四川绵阳：社区健康服务提质增效", "news", NEWS_DUTIES), "sc-news")
    assert found["开展老年人免费体检"] == {"leadUnit": {"游仙区卫生健康局"}}
    assert found["全面推进医养结合服务"] == {"leadUnit": {"涪城区民政局"},
                                      "coUnit": {"涪城区卫生健康局", "涪城区医疗保障局"}}
    assert not any(measure.startswith("为做好") for measure in found)
