"""Programmes against the events news reports: an unquoted …活动 is a programme only when named
as one (a creation or collection campaign, a theme, its own day or month, an X进Y form); a quoted
remark or slogan names nothing; a slogan before —— is no part of the name; a quoted programme
followed by words of its kind (“某某计划”公益项目) is the quoted programme; a body before the
quoted part holds the programme, it does not name it; a verb before a later quoted part ends the
clause that leads to the name.

Invented sentences about real places, in the genre of local health news.
"""

from __future__ import annotations

from kg.extract.entities import extract_entities
from kg.ingest.normalise import normalise
from kg.ingest.passages import split_passages
from kg.ingest.sections import split_sections
from kg.records import Document, DocumentMeta


def programmes(raw: str) -> set[str]:
    """The labels of the programmes found in one made-up news article (its title is the first line)."""
    meta = DocumentMeta("prog-news", "prog-news.txt", raw.splitlines()[0], "", "2024-05-06", "news")
    document = Document(meta, normalise(raw), "0" * 64, "utf-8", "txt")
    found = extract_entities([(document, s := split_sections(document), split_passages(document, s))])
    return {e.label for e in found.entities.values() if e.entity_type == "Programme"}


def test_an_unquoted_activity_is_a_programme_only_when_named_as_one() -> None:
    found = programmes("健康活动多\n近日，某区开展了公益无偿献血活动和趣味心理健康科普活动，还举办了第三批助听器免费验配活动。"
                       "该区持续推进健康家庭示范创建活动，组织老年健康知识进万家活动，开展全民健康生活方式月活动，"
                       "并开展改善群众就医感受提升服务体验主题活动。\n")
    assert {"健康家庭示范创建活动", "老年健康知识进万家活动", "全民健康生活方式月活动",
            "改善群众就医感受提升服务体验主题活动"} <= found
    assert not any(name.endswith(("献血活动", "科普活动", "验配活动")) for name in found)


def test_a_quoted_remark_or_slogan_names_no_programme() -> None:
    found = programmes("医师节\n医院举办“不忘初心，守护健康”医师节庆祝活动。医生说“伤口愈合得不错，注意休息……”活动结束后大家合影。"
                       "医院还开展“优质服务基层行”活动。\n")
    assert "“优质服务基层行”活动" in found
    assert not any("，" in name or "……" in name for name in found)


def test_a_slogan_before_a_dash_is_no_part_of_the_name() -> None:
    found = programmes("脊柱健康\n某协会启动“强健体魄·点亮青春——青少年脊柱侧弯筛查暑期专项行动”。\n")
    assert "青少年脊柱侧弯筛查暑期专项行动" in found
    assert not any("——" in name for name in found)


def test_a_quoted_programme_followed_by_words_of_its_kind_is_the_quoted_programme() -> None:
    found = programmes("复明\n某公益服务中心与某眼科医院联合开展“重见光明计划”公益项目，为困难家庭患儿免费手术。\n")
    assert "重见光明计划" in found
    assert "“重见光明计划”公益项目" not in found


def test_a_body_before_the_quoted_part_holds_the_programme() -> None:
    found = programmes("筛查\n7月27日，某县城关镇妇幼保健院“两癌”筛查登记处排起了长队。\n")
    assert not any("保健院" in name for name in found)


def test_a_verb_before_a_later_quoted_part_ends_the_clause() -> None:
    # a headline printed twice, run together: the second copy's verb starts the second name
    found = programmes("原标题：某省总工会启动“关爱职工·健康同行”公益活动某省总工会启动“关爱职工·健康同行”公益活动\n"
                       "8月1日，某省总工会启动“关爱职工·健康同行”公益活动。\n")
    assert found == {"“关爱职工·健康同行”公益活动"}
