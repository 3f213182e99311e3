"""`kg trace`: targets with their setting document, baselines, observations across documents and
status, checked against the hand-made gold (tests/data/gold) and on hand-made cases."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.config import Settings
from kg.errors import QueryError
from kg.evaluate.gold import gold_normal
from kg.query.service import Service
from kg.query.target_status import (
    DocumentRef,
    Quantity,
    Quote,
    TracedValue,
    lower_is_better,
    newest,
    target_status,
    with_unit,
)

GOLD = Path(__file__).resolve().parent / "data" / "gold"
ROWS = json.loads((GOLD / "indicator_table.json").read_text(encoding="utf-8"))
OBSERVATIONS = json.loads((GOLD / "observations.json").read_text(encoding="utf-8"))
TABLE_NAMES = {row["row"]: row["indicator"] for row in ROWS}
_FLEXIBLE = {"%": "[%％]", "<": "[<＜]", ">": "[>＞]", "+": "[+＋]", ",": "[,，]"}


def _plan_id(service: Service) -> str:
    plans = [d.id for d in service.documents.values() if d.kind == "plan"]
    assert len(plans) == 1
    return plans[0]


def _locate(service: Service, quote: str) -> tuple[str, int, int]:
    """Where a gold quote (no white space, half-width symbols) is in a non-plan document."""
    pattern = re.compile(r"\s*".join(_FLEXIBLE.get(ch, re.escape(ch)) for ch in quote))
    for doc in service.documents.values():
        if doc.kind == "plan":
            continue
        match = pattern.search(service.document_text(doc.id))
        if match:
            return doc.id, match.start(), match.end()
    raise AssertionError(f"gold quote not found in the corpus: {quote}")


def _gold_name(ref: dict, name: str) -> str:
    return TABLE_NAMES[ref["row"]] if ref["source"] == "table" else name


def _as_list(value: object) -> list[str]:
    return [] if value is None else list(value) if isinstance(value, list) else [str(value)]


# ---------------------------------------------------------------------------
# The plan's indicator table: every row traced to the plan with its target and baseline
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"row{r['row']}")
def test_trace_names_the_plan_as_setter_with_table_values(service: Service, row: dict) -> None:
    trace = service.trace(row["indicator"])
    assert gold_normal(trace.indicator.label) == row["indicator"]
    assert trace.indicator.domain == row["domain"]
    assert trace.attribute == row["attribute"]
    table = sorted((t for t in trace.targets if t.target.table_row == row["row"]),
                   key=lambda t: t.target.quote.value_start)
    assert [gold_normal(t.target.value.text) for t in table] == _as_list(row["target_2025"])
    baselines = _as_list(row["baseline_2020"])
    plan = service.documents[_plan_id(service)]
    text = service.document_text(plan.id)
    for index, item in enumerate(table):
        target = item.target
        assert (target.document.id, target.document.title, target.document.issuer, target.document.date,
                target.document.kind) == (plan.id, plan.title, plan.issuer, plan.date, "plan")
        assert target.year == 2025 and target.attribute == row["attribute"]
        assert target.section_path[-1].endswith("主要指标")
        quote = target.quote
        assert text[quote.start:quote.end] == quote.text
        assert quote.start <= quote.value_start < quote.value_end <= quote.end
        assert gold_normal(text[quote.value_start:quote.value_end]) == gold_normal(target.value.text)
        if baselines:
            assert item.baseline is not None and item.baseline.year == 2020 and item.baseline.is_baseline
            assert gold_normal(item.baseline.value.text) == baselines[index]
            assert item.baseline.passage_id == target.passage_id
        else:
            assert item.baseline is None or item.baseline.passage_id != target.passage_id
        assert item.status.status in ("已达成", "未达成", "进行中", "无数据", "无法比较")
        assert item.status.reason


# ---------------------------------------------------------------------------
# Observations of other documents (gold observations.json)
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("gold", OBSERVATIONS["observations"], ids=lambda g: g["quote"][:16])
def test_cross_document_observation_appears_in_the_right_trace(service: Service, gold: dict) -> None:
    doc_id, start, end = _locate(service, gold["quote"])
    trace = service.trace(_gold_name(gold["plan_ref"], gold["indicator"]))
    found = [o for o in trace.observations if o.document.id == doc_id and start <= o.quote.value_start < end]
    assert found, f"{gold['quote']} is not among the observations of {trace.indicator.label}"
    observation = found[0]
    assert not observation.is_baseline
    assert observation.document.kind == service.documents[doc_id].kind
    assert observation.as_of.startswith(gold["year_or_asof"][:4])
    if gold.get("plan_target"):
        assert gold["plan_target"] in [gold_normal(t.target.value.text) for t in trace.targets]
    assert trace.observations == sorted(trace.observations, key=lambda o: o.sort_key)


@pytest.mark.parametrize("gold", OBSERVATIONS["not_same_quantity"], ids=lambda g: g["quote"][:16])
def test_values_of_another_quantity_are_not_linked(service: Service, gold: dict) -> None:
    doc_id, start, end = _locate(service, gold["quote"])
    trace = service.trace(_gold_name(gold["plan_ref"], gold["not_indicator"]))
    wrong = [o for o in trace.observations if o.document.id == doc_id and start <= o.quote.value_start < end]
    assert not wrong, f"{gold['quote']} linked to {trace.indicator.label}: {gold['reason']}"


def test_maternal_mortality_chain_from_baseline_to_met_target(service: Service) -> None:
    trace = service.trace("孕产妇死亡率")
    assert trace.indicator.unit == "1/10万" and trace.attribute == "预期性"
    (item,) = [t for t in trace.targets if t.target.table_row is not None]
    assert item.target.value.text == "≤14" and item.target.value.comparator == "≤" and item.target.year == 2025
    assert item.target.value.display() == "≤14/10万"
    assert item.baseline is not None and item.baseline.value.number == Decimal("8.37") and item.baseline.year == 2020
    review = [o for o in trace.observations if not o.is_baseline]
    assert [(o.value.text, o.as_of, o.document.kind) for o in review] == [("6.93/10万", "2024-12-31", "news")]
    assert trace.current is not None and trace.current.value.text == "6.93/10万"
    assert item.status.status == "已达成"
    assert "6.93/10万" in item.status.reason and "2024-12-31" in item.status.reason
    assert review[0].document.title in item.status.reason
    assert item.status.observation == review[0].iri
    # baselines come first (2020), then the review's 2024 figure
    assert [o.as_of for o in trace.observations] == sorted(o.as_of for o in trace.observations)


# ---------------------------------------------------------------------------
# Resolving what people type
# ---------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "label"), [
    ("每万人口全科医生数", "每万人口全科医生数"),
    ("全科医生", "每万人口全科医生数"),
    ("每万人口全科医生数目标", "每万人口全科医生数"),
    ("老年医学科比例", "二级及以上综合性医院设置老年医学科的比例"),
    ("二级以上综合医院设立老年医学科的比例", "二级及以上综合性医院设置老年医学科的比例"),
    ("托位数", "每千人口拥有3岁以下婴幼儿托位数"),
    ("孕產婦死亡率", "孕产妇死亡率"),
    (" 孕产妇 死亡率 ", "孕产妇死亡率"),
])
def test_trace_accepts_what_people_type(service: Service, typed: str, label: str) -> None:
    assert service.trace(typed).indicator.label == label


def test_unknown_indicator_is_refused_with_a_hint(service: Service) -> None:
    with pytest.raises(QueryError, match=r"no indicator matches '天气预报'.*kg entities --type indicator"):
        service.trace("天气预报")
    with pytest.raises(QueryError, match="give an indicator name"):
        service.trace("   ")


def test_trace_command_prints_targets_status_and_observations(real_settings: Settings) -> None:
    env = {"KG_BUILD_DIR": real_settings.build_dir, "KG_CORPUS_DIR": real_settings.corpus_dir}
    result = CliRunner().invoke(main, ["trace", "孕产妇死亡率"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith("孕产妇死亡率（单位 1/10万；领域 健康水平；预期性）")
    assert "目标 1: 2025年 ≤14/10万（预期性） — 《广西卫生健康发展“十四五”规划》" in out
    assert "位置: 表格第3行" in out and "基期: 2020年 8.37/10万" in out
    assert "状态: 已达成 — 2024年 6.93/10万（截至2024-12-31" in out
    assert "当前值: 6.93/10万（截至 2024-12-31" in out

    result = CliRunner().invoke(main, ["trace", "全科医生", "--json"], env=env, catch_exceptions=False)
    data = json.loads(result.stdout)
    assert data["indicator"]["label"] == "每万人口全科医生数" and data["match"]["how"] == "part"
    assert data["targets"][0]["value"]["display"] == "4人" and data["targets"][0]["status"] == "无数据"

    result = CliRunner().invoke(main, ["trace", "天气预报"], env=env)
    assert result.exit_code == 7 and "no indicator matches '天气预报'" in result.stderr


# ---------------------------------------------------------------------------
# Status on hand-made cases
# ---------------------------------------------------------------------------

_DOCS = {"plan": DocumentRef("p", "某规划", "某政府", "2022-06-13", "plan", 3),
         "bulletin": DocumentRef("b", "某公报", "某委", "2025-03-01", "bulletin", 2),
         "news": DocumentRef("n", "某新闻", "某报", "2025-01-10", "news", 1)}


def _value(role: str, text: str, unit: str, *, year: int | None = None, as_of: str | None = None,
           kind: str = "news", baseline: bool = False, comparator: str | None = None) -> TracedValue:
    parsed = Quantity.of(text, comparator, None, unit)
    return TracedValue(iri=f"urn:{role}:{text}:{as_of}:{kind}", role=role, year=year,
                       as_of=as_of or f"{year}-12-31", value=parsed, document=_DOCS[kind], passage_id="x",
                       section_path=(), table_row=None, quote=Quote(text, 0, len(text), 0, len(text)),
                       is_baseline=baseline)


def _target(text: str, unit: str, year: int = 2025) -> TracedValue:
    return _value("target", text, unit, year=year, kind="plan")


def test_status_lower_bound_met() -> None:
    status = target_status(_target("≤14", "1/10万"), [_value("observation", "6.93", "/10万", year=2024)], "孕产妇死亡率")
    assert status.status == "已达成"
    assert status.reason.startswith("2024年 6.93/10万（截至2024-12-31，《某新闻》），满足目标 ≤14/10万")


def test_status_upper_limit_missed_after_the_deadline() -> None:
    status = target_status(_target("≤5", "‰"), [_value("observation", "6.1", "‰", as_of="2025-12-31")], "婴儿死亡率")
    assert status.status == "未达成"
    assert "6.1‰" in status.reason and "2025-12-31" in status.reason and "目标年2025年已过" in status.reason


def test_status_in_progress_before_the_target_year_ends() -> None:
    status = target_status(_target("≥60", "%"), [_value("observation", "50%", "%", as_of="2024-06-30")], "某比例")
    assert status.status == "进行中"
    assert "截至2024-06-30" in status.reason and "尚未满足目标 ≥60%" in status.reason


def test_status_without_observations_is_no_data() -> None:
    assert target_status(_target("≥60", "%"), [], "某比例").status == "无数据"
    baseline = _value("observation", "40", "%", year=2020, kind="plan", baseline=True)
    status = target_status(_target("≥60", "%"), [baseline], "某比例", baseline)
    assert status.status == "无数据" and status.reason.startswith("只有基期值 2020年 40%")
    # The plan's title names its kind (《某规划》): the reason says 规划 once, not "《某规划》，规划".
    assert status.reason == "只有基期值 2020年 40%（截至2020-12-31，《某规划》），没有之后的观测值"
    older = _value("observation", "35%", "%", year=2018, kind="bulletin")
    status = target_status(_target("≥60", "%"), [baseline, older], "某比例", baseline)
    assert status.status == "无数据" and "早于基期" in status.reason
    # A title that does not name its kind keeps it (《某公报》 is a 简报).
    assert "（截至2018-12-31，《某公报》，简报）早于基期" in status.reason


def test_status_refuses_to_compare_different_units_relative_and_wordy_targets() -> None:
    status = target_status(_target("4", "人"), [_value("observation", "3个", "个", year=2024)], "某数")
    assert status.status == "无法比较" and status.reason.startswith("无法比较：单位不同（目标 人，观测 个）")
    status = target_status(_target("提高1岁", "岁"), [_value("observation", "79岁", "岁", year=2024)], "人均预期寿命")
    assert status.status == "无法比较" and "相对变化" in status.reason
    status = target_status(_target("建设成为社区医院", ""), [_value("observation", "204家", "家", year=2025)], "社区医院")
    assert status.status == "无法比较" and "没有数值" in status.reason
    status = target_status(_target("≤14", "1/10万"), [_value("observation", "10/10万以上", "/10万", year=2024,
                                                              comparator="≥")], "孕产妇死亡率")
    assert status.status == "无法比较" and "只给出下界" in status.reason


def test_status_direction_ranges_approximations_and_magnitudes() -> None:
    # a plain value: the name says lower is better
    myopia = _target("30", "%")
    assert target_status(myopia, [_value("observation", "28%", "%", year=2024)], "儿童青少年总体近视率").status == "已达成"
    assert target_status(myopia, [_value("observation", "32%", "%", year=2024)], "儿童青少年总体近视率").status == "进行中"
    # 左右 allows a small shortfall, and says so
    status = target_status(_target("90%左右", "%"), [_value("observation", "89%", "%", year=2025)], "县域内就诊率")
    assert status.status == "已达成" and "允许偏差2%" in status.reason
    # a range is reached at its lower end; 家 and 个 are both counts
    assert target_status(_target("3—5个", "个"), [_value("observation", "3家", "家", year=2024)], "某中心").status \
        == "已达成"
    # 2万 places against a target of 4.5万
    assert target_status(_target("4.5万个", "万个"), [_value("observation", "20000个", "个", year=2024)],
                         "某数").status == "进行中"


def test_direction_words_and_comparators() -> None:
    assert lower_is_better("孕产妇死亡率") and lower_is_better("15岁以上人群吸烟率")
    assert lower_is_better("个人卫生支出占卫生总费用比重")
    assert not lower_is_better("每万人口全科医生数") and not lower_is_better("高血压控制率")
    assert not lower_is_better("婴儿死亡率", "≥") and lower_is_better("某数", "<")


def test_current_value_is_the_newest_and_the_plan_wins_a_tie() -> None:
    news = _value("observation", "5", "%", as_of="2024-12-31", kind="news")
    plan = _value("observation", "6", "%", as_of="2024-12-31", kind="plan")
    old = _value("observation", "7", "%", as_of="2023-12-31", kind="bulletin")
    assert newest([news, old, plan]) is plan
    assert newest([news, old]) is news
    assert newest([]) is None


@pytest.mark.parametrize(("text", "unit", "shown"), [
    ("4", "人", "4人"), ("≤14", "1/10万", "≤14/10万"), ("27左右", "%", "27%左右"), ("提高1岁", "岁", "提高1岁"),
    ("88.48％", "%", "88.48%"), ("同比例提高", "岁", "同比例提高"), ("80", "", "80"),
])
def test_values_are_shown_with_their_unit(text: str, unit: str, shown: str) -> None:
    assert with_unit(text, unit) == shown


# ---------------------------------------------------------------------------
# Small corpora built for real (hashing encoder)
# ---------------------------------------------------------------------------

_PLAN = """云南省县域医疗卫生发展行动计划（2023—2027年）
一、发展目标
到2027年，基层医疗卫生机构诊疗量占比达到65%以上。
云南省县域医疗卫生发展主要指标
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
1 县域就诊率 % 85 90 预期性
"""

_NOTICE = """云南省2024年县域医共体建设工作要点
到2025年底前，全省县域就诊率达到88%以上，紧密型县域医共体覆盖率达到80%。
"""


def _build(root: Path, files: dict[str, tuple[str, str, str]]) -> Service:
    """A service over a corpus of ``{file: (kind, date, text)}``, built with the hashing encoder."""
    from kg.build.pipeline import build
    from tests.helpers import settings_for

    corpus = root / "corpus"
    corpus.mkdir()
    documents = []
    for name, (kind, date, text) in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
        documents.append({"id": name.removesuffix(".txt"), "file": name, "title": text.split("\n", 1)[0],
                          "issuer": "云南省卫生健康委", "date": date, "kind": kind})
    (corpus / "metadata.json").write_text(json.dumps({"documents": documents}, ensure_ascii=False), encoding="utf-8")
    settings = settings_for(root / "build", model="hashing", corpus=corpus)
    build(settings)
    return Service.open(settings)


def test_a_prose_target_of_another_document_is_traced_with_the_plans_indicator(tmp_path: Path) -> None:
    service = _build(tmp_path, {"yn-plan.txt": ("plan", "2023-03-01", _PLAN),
                                "yn-notice.txt": ("news", "2024-02-01", _NOTICE)})
    trace = service.trace("县域就诊率")
    setters = {(t.target.document.id, t.target.year, t.target.value.text) for t in trace.targets}
    assert ("yn-plan", 2027, "90") in {(d, y, v.rstrip("%")) for d, y, v in setters}
    assert ("yn-notice", 2025, "88%以上") in setters  # 到2025年底前…达到88%以上 in the notice
    notice = next(t for t in trace.targets if t.target.document.id == "yn-notice")
    assert "县域就诊率达到88%以上" in notice.target.quote.text


def test_trace_on_a_build_without_indicators_says_where_prose_targets_are(tmp_path: Path) -> None:
    service = _build(tmp_path, {"yn-news.txt": ("news", "2024-05-06", _NOTICE)})
    with pytest.raises(QueryError, match=r"the build has no indicators — no plan of the corpus has an indicator "
                                         r"table.*kept as goals.*kg search 县域就诊率"):
        service.trace("县域就诊率")
