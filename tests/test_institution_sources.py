"""Outlets in credit lines (issue 14): each kind of credit the institution sources read, on invented
news of other provinces — a list after 来源：, an official account named 某某发布, an outlet's regional
edition glued to a place, and two outlets run together in one credit.
"""

from __future__ import annotations

from kg.extract.entities import EntityExtraction, extract_entities
from kg.ingest.normalise import normalise
from kg.ingest.passages import split_passages
from kg.ingest.sections import split_sections
from kg.records import Document, DocumentMeta


def extract_one(raw: str) -> EntityExtraction:
    """The extraction of one made-up news story (normalised, not stripped of its credits)."""
    title = raw.splitlines()[0]
    document = Document(DocumentMeta("made-up", "made-up.txt", title, "", "2024-05-06", "news"), normalise(raw),
                        "0" * 64, "utf-8", "txt")
    sections = split_sections(document)
    return extract_entities([(document, sections, split_passages(document, sections))])


def outlets(raw: str) -> set[str]:
    """The labels of the institutions the story names."""
    result = extract_one(raw)
    return {result.entities[(m.entity_type, m.key)].label for m in result.mentions if m.entity_type == "Institution"}


def test_every_outlet_of_a_list_after_a_source_word() -> None:
    found = outlets("黔东南州推进健康村寨建设\n黔东南州各县开展健康村寨评选。\n来源：苗岭网、黔东南晚报\n")
    assert {"苗岭网", "黔东南晚报"} <= found


def test_an_official_account_named_with_fabu_is_an_outlet() -> None:
    found = outlets("宁夏启动健康社区建设\n宁夏发布2025年03月02日09:10\n各市县启动健康社区建设。\n")
    assert "宁夏发布" in found


def test_a_verb_phrase_before_fabu_is_no_outlet() -> None:
    found = outlets("通知\n各地开展义诊活动。\n近日发布2025年03月02日的通知要求各地开展义诊。\n")
    assert not any(name.endswith("发布") for name in found)


def test_an_outlet_glued_to_a_place_at_a_credit_end_is_its_regional_edition() -> None:
    found = outlets("甘肃临夏：健康乡村建设见成效\n临夏州推进健康乡村建设。\n来源：陇原网兰州\n")
    assert "陇原网兰州" in found


def test_a_regional_news_channel_in_a_dateline_names_the_outlet_alone() -> None:
    # 某某网某省新闻5月6日电: 某省新闻 is the outlet's channel; the outlet is 某某网, also when the
    # place is long (内蒙古新闻) or the dateline is glued to a labelled headline (原标题：…).
    found = outlets("甘肃临夏：健康乡村建设见成效\n陇原网兰州新闻5月6日电 临夏州推进健康乡村建设。\n")
    assert "陇原网" in found and "陇原网兰州" not in found
    raw = "原标题：草原义诊队走进牧区陇原网内蒙古新闻9月2日电(王某)2日，义诊队走进牧区。\n"
    document = Document(DocumentMeta("made-up", "made-up.txt", "草原义诊队走进牧区", "", "2024-05-06", "news"),
                        normalise(raw), "0" * 64, "utf-8", "txt")
    sections = split_sections(document)
    result = extract_entities([(document, sections, split_passages(document, sections))])
    found = {result.entities[(m.entity_type, m.key)].label for m in result.mentions if m.entity_type == "Institution"}
    assert "陇原网" in found and not [name for name in found if name.startswith("陇原网内")]


def test_an_outlets_bracketed_other_name_and_a_bracketed_source_note() -> None:
    found = outlets("楚天网（湖南日报网）讯（通讯员 王某）宜都市开展义诊。\n宜都市开展义诊。（来源：江汉新闻）\n")
    assert {"楚天网", "江汉新闻"} <= found
    assert "湖南日报" not in found and "湖南日报网" not in found  # the bracketed name is 楚天网's other name


def test_a_place_after_an_outlet_in_a_dateline_is_where_the_story_was_filed() -> None:
    found = outlets("吉林推进养老服务\n陇原网长春7月31日电 吉林省推进基本养老服务体系建设。\n")
    assert "陇原网" in found and "陇原网长春" not in found


def test_two_outlets_run_together_in_one_credit() -> None:
    found = outlets("商洛市表彰优秀乡村医生\n商洛市表彰优秀乡村医生20名。\n来源：秦岭商洛客户端商洛晚报融媒体记者 王某\n")
    assert {"秦岭商洛客户端", "商洛晚报"} <= found
    assert "秦岭商洛客户端商洛晚报" not in found


def test_a_source_word_before_no_outlet_name_gives_none() -> None:
    found = outlets("保山市开展健康讲座\n保山市开展健康讲座。\n来源：人民网评论\n")
    assert not any(name.startswith("人民网") for name in found)


def test_a_dateline_channel_is_the_edition_its_source_line_names() -> None:
    found = outlets("甘肃临夏：健康乡村建设见成效\n陇原网兰州新闻5月6日电 临夏州推进健康乡村建设。\n来源：陇原网兰州\n")
    assert "陇原网兰州" in found and "陇原网" not in found
