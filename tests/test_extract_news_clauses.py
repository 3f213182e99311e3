"""What a clause of local news says around a name: an adverb before a verb is no part of a name,
the subject of a designation is the place nearest before its verb, 以…为契机 names what the place
is, and 该院即… names the hospital just mentioned.

Invented sentences about real places of other provinces, in the genre of local health news.
"""

from __future__ import annotations

from kg.extract.entities import EntityExtraction, extract_entities
from kg.ingest.normalise import normalise
from kg.ingest.passages import split_passages
from kg.ingest.sections import split_sections
from kg.records import Document, DocumentMeta


def extraction(raw: str) -> EntityExtraction:
    """The entities found in one made-up news article (its title is the first line)."""
    meta = DocumentMeta("sc-news", "sc-news.txt", raw.splitlines()[0], "", "2024-05-06", "news")
    document = Document(meta, normalise(raw), "0" * 64, "utf-8", "txt")
    return extract_entities([(document, s := split_sections(document), split_passages(document, s))])


def labels(raw: str, entity_type: str) -> set[str]:
    """The labels of the entities of one type found in a made-up article."""
    found = extraction(raw)
    return {found.entities[(m.entity_type, m.key)].label for m in found.mentions if m.entity_type == entity_type}


def test_an_adjective_right_after_the_verb_starts_the_name() -> None:
    # 推进主动健康…行动: 主动 follows the verb, so it is no adverb of it but the name's first word
    # (an adverb stands before the verb it modifies: 主动开展…).
    found = labels("四川绵阳：推进健康绵阳建设\n涪城区深入推进主动健康管理行动，积极实施全民健身提升工程。\n",
                   "Programme")
    assert "主动健康管理行动" in found
    assert "健康管理行动" not in found
    assert "全民健身提升工程" in found


def test_an_adverb_after_a_place_makes_a_clause_not_a_name() -> None:
    # 广元市严格建设项目…评价: the place is the sentence's subject, 严格 the adverb of its verb.
    found = labels("四川广元：严格健康影响评价\n广元市严格建设项目健康影响评价，剑阁县深入推进健康村镇建设。"
                   "苍溪县充分发挥基层医疗卫生项目作用。\n", "Programme")
    assert not [name for name in found if name.startswith(("广元市", "剑阁县", "苍溪县"))]


def zone_places(raw: str) -> set[tuple[str, str]]:
    """(zone label, place it is located in) of the pilot zones found in a made-up article."""
    found = extraction(raw)
    return {(found.entities[source].label, target[1]) for source, relation, target in found.link_sources
            if source[0] == "PilotZone" and relation == "locatedIn"}


def test_the_subject_of_a_designation_is_the_place_nearest_before_its_verb() -> None:
    # Each sentence names its own county before 被评为, 获评, 成功创建: the zone is that county's,
    # not the title's (甘州区) nor the previous sentence's.
    found = zone_places("甘肃张掖：甘州区推进健康县区建设\n甘州区今年入选国家中医药综合改革示范区。"
                        "高台县被评为省级健康促进县。临泽县获评全国健康促进县。山丹县成功创建省级健康促进县。\n")
    assert {("高台县省级健康促进县", "高台县"), ("临泽县全国健康促进县", "临泽县"),
            ("山丹县省级健康促进县", "山丹县")} <= found
    assert not [label for label, place in found if place == "甘州区" and "健康促进县" in label]


def test_a_zone_the_place_takes_as_its_occasion_is_the_places() -> None:
    # 某县以…试点县建设为契机, 某县以…示范区为抓手: the zone is the county's, named after 以.
    found = zone_places("河南信阳：息县推进医共体建设\n息县以全国紧密型县域医共体建设试点县建设为契机，推进医共体改革。"
                        "光山县以国家中医药综合改革示范区为抓手，推动中医药发展。\n")
    assert {("息县全国紧密型县域医共体建设试点县", "息县"), ("光山县国家中医药综合改革示范区", "光山县")} <= found


def test_a_hospital_named_after_that_is_is_a_body() -> None:
    # 该院即某县总医院: 即 says what the hospital just named also is; the name starts after it.
    found = labels("四川南充：医共体建设\n营山县人民医院（以下简称县医院）牵头组建医共体，该院即营山县总医院。"
                   "该中心即为南充市疾病预防控制中心。\n", "Institution")
    assert {"营山县人民医院", "营山县总医院", "南充市疾病预防控制中心"} <= found
    assert not [name for name in found if name.startswith("该")]


def test_a_person_run_into_a_body_of_an_expert_list_is_no_part_of_its_name() -> None:
    # An expert list copied from a web page without stops: each title and person runs into the
    # next body's name; the name starts at the place, central body or university after the person.
    found = labels("湖北宜昌：三甲医院专家下乡义诊\n"
                   "参加义诊的专家有：主任医师-张明杰湖北省人民医院，副主任医师-李国强中国科学院肿瘤医院，"
                   "主治医师陈静华中科技大学同济医学院附属协和医院。\n"
                   "浙江大学医学院附属邵逸夫医院、李时珍中医医院也派出专家。\n", "Institution")
    assert {"湖北省人民医院", "中国科学院肿瘤医院", "华中科技大学同济医学院附属协和医院"} <= found
    assert not any(name.startswith(("张明杰", "李国强", "陈静", "主任医师", "主治医师")) for name in found)
    # a person's name that names the body stays in it
    assert "浙江大学医学院附属邵逸夫医院" in found


def test_a_university_named_for_its_field_and_a_community_health_centre_by_its_shenzhen_name() -> None:
    # 某某科技大学: a proper name and the field need no place; 某某社康 is a community health centre
    found = labels("广东深圳：社区健康讲座走进企业\n"
                   "嘉庚科技大学护理系教授、泰山医科大学的专家和福田区莲花社康、景田社康中心的医生为职工讲解慢病防治知识。\n"
                   "下一步，科技大学建设和社康服务还将继续推进。\n", "Institution")
    assert {"嘉庚科技大学", "泰山医科大学", "福田区莲花社康", "景田社康中心"} <= found
    assert not {"科技大学", "社康"} & found


def test_a_conjunction_before_a_county_body_is_no_county_named_with_it() -> None:
    # 乡镇卫生院和县妇幼保健院: 和 joins two bodies (the second the county's); after a place that holds
    # it (安徽省和县) the two characters are the county 和县.
    text = "四川江油：医共体统一管理绩效\n江油市乡镇卫生院和县妇幼保健院的绩效由医共体统一核定。\n专家来自安徽省和县。\n"
    assert "和县" in labels(text, "Place")
    found = extraction(text)
    places = [found.entities[(m.entity_type, m.key)].label for m in found.mentions if m.entity_type == "Place"]
    assert places.count("和县") == 1
    assert not any(name.startswith("和县") for name in labels(text, "Institution"))


def test_a_group_s_lead_named_by_its_role_leads_the_group_and_is_no_member() -> None:
    found = extraction("四川剑阁：医共体建设见成效\n剑阁县医疗健康集团由剑阁县人民医院牵头组建。"
                       "剑阁县医疗健康集团总院院长表示，剑阁县医疗健康集团分院也在建设中。\n")
    by_label = {e.label: e for e in found.entities.values() if e.entity_type == "Institution"}
    group = ("Institution", by_label["剑阁县医疗健康集团"].key)
    head = by_label["剑阁县医疗健康集团总院"].links
    assert head.get("leadsGroup") == {group} and not head.get("memberOf")
    assert by_label["剑阁县医疗健康集团分院"].links.get("memberOf") == {group}


def test_a_time_word_before_you_lead_is_no_task() -> None:
    # 近日，由X牵头，…启动: the clause before 由 is the news sentence's time, not the task X leads;
    # …工作，由X负责 still names the task before 由.
    found = extraction("湖北荆门：心理健康进企业\n荆门日报讯 近日，由荆门市卫生健康委员会牵头，多个社区共同落实的"
                       "职工心理关爱行动正式启动。\n全市职工心理健康筛查工作，由荆门市精神卫生中心负责。\n")
    tasks = {e.label for e in found.entities.values() if e.entity_type == "Task"}
    assert not any("近日" in t or "荆门日报" in t for t in tasks)
    assert "全市职工心理健康筛查工作" in tasks
