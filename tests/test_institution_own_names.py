"""Bodies named by their own short name, not by a place: a specialty hospital (某某儿童医院), a care
home (某某颐养院), a subdistrict's party working committee (某某街道党工委), a community clinic
listed after a named body, a hospital whose name holds 和 (某某仁和医院), and a city's short form
that a county elsewhere shares (西安: 西安市, though 辽源市 has a 西安区).

Invented sentences about real places, in the genre of local health news.
"""

from __future__ import annotations

from kg.extract import lexicon
from kg.extract.entities import EntityExtraction, extract_entities
from kg.ingest.normalise import normalise
from kg.ingest.passages import split_passages
from kg.ingest.sections import split_sections
from kg.records import Document, DocumentMeta


def extraction(raw: str) -> EntityExtraction:
    """The entities found in one made-up news article (its title is the first line)."""
    meta = DocumentMeta("own-news", "own-news.txt", raw.splitlines()[0], "", "2024-05-06", "news")
    document = Document(meta, normalise(raw), "0" * 64, "utf-8", "txt")
    return extract_entities([(document, s := split_sections(document), split_passages(document, s))])


def institutions(raw: str) -> set[str]:
    found = extraction(raw)
    return {e.label for e in found.entities.values() if e.entity_type == "Institution"}


def test_a_specialty_hospital_named_by_a_rare_word_is_one_but_a_class_is_not() -> None:
    found = institutions("义诊进社区\n昨天，华西儿童医院的专家来到社区。市民也可以去专业眼科医院或知名儿童医院就诊。\n")
    assert "华西儿童医院" in found
    assert not {"专业眼科医院", "知名儿童医院"} & found


def test_a_care_home_named_by_a_proper_noun_is_a_body_but_a_class_is_not() -> None:
    found = institutions("重阳敬老\n志愿者走进九华颐养院，为老人测量血压。各乡镇敬老院也开展了活动。\n")
    assert "九华颐养院" in found
    assert not any(name.endswith("乡镇敬老院") for name in found)


def test_a_subdistrict_party_working_committee_is_a_body() -> None:
    found = institutions("社区心理服务\n近日，由龙华街道党工委牵头的青年心理关爱行动在社区启动。\n")
    assert "龙华街道党工委" in found


def test_a_community_clinic_listed_after_a_named_body_is_one_of_them() -> None:
    # 新居 is an ordinary noun, no place: alone it names no clinic; listed after a body, it does.
    found = institutions("义诊进社区\n志愿服务队联合成都高新区社会事业局、新居社区卫生服务中心，开展义诊活动。\n")
    assert {"成都高新区社会事业局", "新居社区卫生服务中心"} <= found
    assert "新居社区卫生服务中心" not in institutions("义诊进社区\n新居社区卫生服务中心开展义诊活动。\n")


def test_a_hospital_whose_own_name_holds_he_is_whole() -> None:
    found = institutions("眼健康宣传\n湖南省湘潭市的湘潭仁和医院举行了义诊。\n")
    assert "湘潭仁和医院" in found
    assert "医院" not in found


def test_a_city_owns_its_short_form_though_another_city_has_a_district_of_that_name() -> None:
    # 吉林省辽源市 has a 西安区; the short form 西安 still names 西安市, the city everyone means.
    assert lexicon.place_at("西安儿童医院") == ("西安", "西安市")
    # A district of a municipality keeps its short form unread (北京市朝阳区, 重庆市 … share names).
    assert lexicon.place_at("朝阳医院") is None
