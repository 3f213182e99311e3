"""News sentences start with when (昨天, 当天下午, 5月12日上午, 今年以来): no name starts with it.

Invented sentences about real places of other provinces, in the genre of local health news.
"""

from __future__ import annotations

from kg.extract.entities import extract_entities
from kg.ingest.normalise import normalise
from kg.ingest.passages import split_passages
from kg.ingest.sections import split_sections
from kg.records import Document, DocumentMeta

NEWS = """山东潍坊：多家医院联合开展义诊
本报讯 昨天潍坊市人民医院组织专家到寿光市开展义诊。
今年5月潍坊市中医院与昌乐县人民医院签订合作协议。
5月12日上午潍坊市卫生健康委召开全市护理工作会议。
当天下午青州市人民医院举行揭牌仪式。
会上临朐县卫生健康局作典型发言。
上周五坊子区卫生健康局召开座谈会。
去年年底潍坊市第二人民医院通过评审。
今年以来潍坊市妇幼保健院累计服务5万人次。
"""


def institutions(raw: str) -> set[str]:
    """The surfaces of the institutions found in one made-up news article."""
    meta = DocumentMeta("sd-news", "sd-news.txt", raw.splitlines()[0], "", "2024-05-06", "news")
    document = Document(meta, normalise(raw), "0" * 64, "utf-8", "txt")
    extraction = extract_entities([(document, s := split_sections(document), split_passages(document, s))])
    return {m.surface for m in extraction.mentions if m.entity_type == "Institution"}


def test_time_words_and_dates_do_not_start_a_name() -> None:
    found = institutions(NEWS)
    assert {"潍坊市人民医院", "潍坊市中医院", "潍坊市卫生健康委", "青州市人民医院", "临朐县卫生健康局",
            "坊子区卫生健康局", "潍坊市第二人民医院", "潍坊市妇幼保健院"} <= found
    assert not [name for name in found if name.startswith(("昨天", "今年", "月", "当天", "会上", "上周", "去年"))]


EVENTS = """湖北宜昌：世界无烟日宣传周系列活动举行
连日来，宜昌市卫生健康委在全市组织开展控烟宣传周系列活动。宜昌市夷陵区人民医院开展戒烟门诊宣传活动。
5月19日，宜昌市第一人民医院开展“关爱肝脏 健康同行”大型义诊活动。宜昌还将开展“健康达人”评选活动。
9月20日是第36个“全国爱牙日”，宜昌市第二医院开展“全国爱牙日”主题宣传活动。
宜昌市第一医院组织开展消防安全培训活动，西陵区启动健康义诊进社区活动，当阳市开展“健康进万家”活动。
宜昌市启动实施基层卫生人才能力提升工程，开展婴幼儿照护服务示范城市创建活动和“健康科普专家走基层”活动。
"""


def programmes(raw: str) -> set[str]:
    """The labels of the programmes found in one made-up news article."""
    meta = DocumentMeta("hb-news", "hb-news.txt", raw.splitlines()[0], "", "2024-05-06", "news")
    document = Document(meta, normalise(raw), "0" * 64, "utf-8", "txt")
    extraction = extract_entities([(document, s := split_sections(document), split_passages(document, s))])
    return {extraction.entities[(m.entity_type, m.key)].label for m in extraction.mentions
            if m.entity_type == "Programme"}


def test_events_described_by_their_form_are_no_programmes() -> None:
    found = programmes(EVENTS)
    assert not [name for name in found if name.endswith(("宣传活动", "义诊活动", "评选活动", "系列活动", "宣传周"))]
    assert found == {"基层卫生人才能力提升工程", "婴幼儿照护服务示范城市创建活动", "“健康科普专家走基层”活动",
                     "“健康进万家”活动"}


def test_a_place_before_the_verb_organise_is_no_body() -> None:
    found = institutions("河南洛阳：专家下基层\n日前洛阳市组织召开宜阳县人民医院帮扶工作会议。省组织开展专项检查。\n")
    assert "宜阳县人民医院" in found
    assert not [name for name in found if name.endswith("组织")]


def test_a_clinic_named_by_an_estate_and_its_part() -> None:
    # 某某苑北社区卫生服务中心, 某某苑南二区社区卫生服务站: an estate's name with a compass point or a
    # numbered area names one clinic; 城北 or 各区 before the type word names none.
    found = institutions("北京昌平：社区义诊\n专家走进丽景苑北社区卫生服务中心和东湖西社区卫生服务中心开展义诊。"
                         "义诊地点：丽景苑南二区社区卫生服务站。各区社区卫生服务中心同步开展宣传。\n")
    assert {"丽景苑北社区卫生服务中心", "东湖西社区卫生服务中心", "丽景苑南二区社区卫生服务站"} <= found
    assert "各区社区卫生服务中心" not in found


def test_a_youth_palace_is_named_by_its_place() -> None:
    found = institutions("浙江宁波：青少年心理健康周启动\n宁波市少年宫和北仑区青少年宫联合推出心理健康课程。\n")
    assert {"宁波市少年宫", "北仑区青少年宫"} <= found


def test_a_dated_signature_ends_before_the_next_name() -> None:
    found = institutions("致全市医师的慰问信\n祝全市医师节日快乐！\n中共烟台市委 烟台市人民政府2024年8月19日烟台市广播电视台编辑：王某\n")
    assert {"烟台市人民政府", "烟台市广播电视台"} <= found
    assert not [name for name in found if "月" in name]


def test_a_clause_between_a_university_and_a_hospital_is_no_name() -> None:
    found = institutions("湖南衡阳：医院开展巡诊\n多年来，湘江大学一如既往地支持医院发展。湘江大学附属第三医院开展巡诊。\n")
    assert "湘江大学附属第三医院" in found
    assert not [name for name in found if "支持" in name]


def test_a_numeral_and_measure_word_start_no_programme() -> None:
    found = programmes("江西赣州：一业一查改革\n赣州市为每个行业制定一份检查计划表和一项整改计划，推进“健康赣州”行动。\n")
    assert not [name for name in found if name.startswith(("一份", "一项"))]


def test_a_named_places_party_committee_run_into_its_government_is_two_bodies() -> None:
    found = institutions("江西全面推进两癌筛查\n江西省委省政府将两癌筛查列入民生实事。赣州市委市政府高度重视。\n")
    assert "江西省委省政府" not in found and "赣州市委市政府" not in found
    assert {"江西省委", "省政府"} <= found or {"江西省委", "江西省政府"} <= found


def test_a_named_places_youth_league_committee() -> None:
    found = institutions("福建厦门：青少年心理服务平台揭牌\n活动由团福建省委指导，团厦门市委、市教育局主办。\n")
    assert {"团福建省委", "团厦门市委"} <= found


def test_a_practice_quoted_with_ascii_marks() -> None:
    raw = '四川绵阳：跨部门综合监管\n绵阳市实施"一表一码一查"跨部门联合监管新模式，减少重复检查。\n'
    meta = DocumentMeta("sc-news", "sc-news.txt", raw.splitlines()[0], "", "2024-05-06", "news")
    document = Document(meta, normalise(raw), "0" * 64, "utf-8", "txt")
    extraction = extract_entities([(document, s := split_sections(document), split_passages(document, s))])
    found = {extraction.entities[(m.entity_type, m.key)].label for m in extraction.mentions
             if m.entity_type == "Practice"}
    assert '"一表一码一查"跨部门联合监管新模式' in found
