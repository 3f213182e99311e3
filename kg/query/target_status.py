"""The values a trace reads (targets and observations, with their quotes) and whether a target
has been met.

Rules, enforced here:

* **Dates.** An observation is ordered by its ``pol:asOf`` date, else its year read as
  ``YYYY-12-31`` (a yearly figure describes the year's end), else its document's as-of date or
  date. The *current value* is the newest observation; on equal dates the more authoritative
  document wins (:data:`AUTHORITY`: plan > bulletin > news).
* **Status** of a target (:func:`target_status`) compares the newest observation that is not a
  baseline with the target: 已达成 when it meets it; 进行中 when it does not and is dated before the
  end of the target year; 未达成 when it does not and is dated at or after that; 无数据 when there is
  no observation after the baseline; 无法比较 when a comparison would be a guess (a relative target
  such as 提高1岁, a target without a number, units of different kinds, an observation that only
  bounds the value on the wrong side). Every status comes with a reason naming the observation,
  its date and its document.
* **Direction.** A target written with ≤/< is lower-is-better, one with ≥/> higher-is-better;
  for a plain or approximate value the indicator's name decides (``kg/data/direction.txt``:
  死亡率, 吸烟率 … are lower-is-better); otherwise higher is better.
* **左右.** An approximate target (≈, 90%左右) counts as met within :data:`APPROX_TOLERANCE` of its
  value on the wrong side, and the reason says so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from typing import Any

from kg.quantities import parse_value, unit_kind, units
from kg.records import DOCUMENT_KIND_NAMES

#: Rank of a document kind when two observations have the same date (higher wins).
AUTHORITY: dict[str, int] = {"plan": 3, "bulletin": 2, "news": 1}
#: An approximate target (≈, 左右) is met within this share of its value.
APPROX_TOLERANCE = Decimal("0.02")

STATUSES = ("已达成", "未达成", "进行中", "无数据", "无法比较")
_MAGNITUDES = {"万亿": Decimal(10) ** 12, "千万": Decimal(10) ** 7, "百万": Decimal(10) ** 6, "亿": Decimal(10) ** 8,
               "万": Decimal(10) ** 4, "千": Decimal(1000), "百": Decimal(100)}


# ---------------------------------------------------------------------------
# Direction words (kg/data/direction.txt)
# ---------------------------------------------------------------------------

@lru_cache(maxsize=1)
def direction_words() -> dict[str, str]:
    """Word → "lower" or "higher" (``kg/data/direction.txt``)."""
    text = resources.files("kg").joinpath("data/direction.txt").read_text(encoding="utf-8")
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        word, _, way = line.partition("\t")
        out[word.strip()] = way.strip()
    return out


def lower_is_better(label: str, comparator: str | None = None) -> bool:
    """True when smaller values of the indicator ``label`` are better.

    A comparator decides first (≤/< lower, ≥/> higher); then the longest direction word in the
    name; a name without one is higher-is-better.
    """
    if comparator in ("≤", "<"):
        return True
    if comparator in ("≥", ">"):
        return False
    found = [(len(w), way) for w, way in direction_words().items() if w in label]
    return bool(found) and max(found)[1] == "lower"


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Quantity:
    """A value as the graph holds it, with what :func:`kg.quantities.parse_value` reads
    from its text (a range's bounds, whether it is a change)."""

    text: str
    comparator: str | None
    number: Decimal | None
    unit: str
    relative: bool = False
    low: Decimal | None = None
    high: Decimal | None = None

    @classmethod
    def of(cls, text: str, comparator: str | None, number: Any, unit: str | None) -> Quantity:
        """Build from the graph's fields; the text fills in what the graph leaves out."""
        parsed = parse_value(text)
        value = _decimal(number) if number is not None else parsed.number
        return cls(text, comparator or parsed.comparator, value, (unit or parsed.unit or "").replace("％", "%"),
                   parsed.relative, parsed.low, parsed.high)

    def display(self) -> str:
        """The value with its unit as a reader writes it: 4人, ≤14/10万, 27%左右, 提高1岁."""
        return with_unit(self.text, self.unit)


def with_unit(text: str, unit: str) -> str:
    """``text`` with ``unit`` added where the text leaves it out (``"≤14"``, ``"1/10万"`` → ``"≤14/10万"``)."""
    text = text.replace("％", "%").replace("＜", "<").replace("＞", ">")
    if not unit:
        return text
    shown = unit[1:] if unit.startswith("1/") else unit
    match = re.fullmatch(r"(.*?\d)(左右|以上|以下|以内|上下)?", text)
    if match is None or text.endswith(shown):
        return text
    return f"{match.group(1)}{shown}{match.group(2) or ''}"


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _scale(unit: str) -> Decimal | None:
    """How many base units one ``unit`` is (``万张`` → 10000), None for an unknown unit."""
    unit = unit.replace("％", "%")
    if unit in units():
        return Decimal(1)
    for magnitude, factor in _MAGNITUDES.items():
        if unit.startswith(magnitude) and unit_kind(unit) is not None:
            return factor
    return None


def comparable_units(a: str, b: str) -> tuple[Decimal, Decimal] | str:
    """Factors that bring values in units ``a`` and ``b`` to one scale, or why they cannot be."""
    if a == b:
        return Decimal(1), Decimal(1)
    kind_a, kind_b = unit_kind(a) if a else None, unit_kind(b) if b else None
    if kind_a is None or kind_b is None or kind_a != kind_b:
        return f"单位不同（目标 {a or '无单位'}，观测 {b or '无单位'}）"
    scale_a, scale_b = _scale(a), _scale(b)
    if scale_a is None or scale_b is None:
        return f"单位不同（目标 {a}，观测 {b}）"
    return scale_a, scale_b


# ---------------------------------------------------------------------------
# Traced values
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class DocumentRef:
    """The document a value comes from."""

    id: str
    title: str
    issuer: str
    date: str
    kind: str
    authority: int


@dataclass(frozen=True)
class Quote:
    """The sentence (or table row) a value was read from, and where the value is in it."""

    text: str
    start: int
    end: int
    value_start: int
    value_end: int


@dataclass(frozen=True)
class TracedValue:
    """A target or an observation of the traced indicator, with its evidence."""

    iri: str
    role: str  # "target" or "observation"
    year: int | None
    as_of: str  # the date it holds at, for ordering (see the module docstring)
    value: Quantity
    document: DocumentRef
    passage_id: str
    section_path: tuple[str, ...]
    table_row: int | None
    quote: Quote
    attribute: str = ""
    is_baseline: bool = False

    @property
    def sort_key(self) -> tuple[str, int]:
        """Newest first when sorted in reverse: as-of date, then the document's authority."""
        return self.as_of, self.document.authority

    def describe(self) -> str:
        """One line naming the value, its date and its document."""
        year = f"{self.year}年 " if self.year else ""
        kind = DOCUMENT_KIND_NAMES.get(self.document.kind, self.document.kind)
        # A policy document's title names its genre (《…规划》, 《…的通知》): its kind goes unsaid; a
        # bulletin's or a news item's is said unless its title says it.
        said = f"《{self.document.title}》" + (f"，{kind}" if kind and self.document.kind != "plan"
                                              and kind not in self.document.title else "")
        return f"{year}{self.value.display()}（截至{self.as_of}，{said}）"

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict."""
        data = asdict(self)
        data["value"] = {"text": self.value.text, "display": self.value.display(),
                         "comparator": self.value.comparator,
                         "number": float(self.value.number) if self.value.number is not None else None,
                         "unit": self.value.unit, "relative": self.value.relative,
                         "low": float(self.value.low) if self.value.low is not None else None,
                         "high": float(self.value.high) if self.value.high is not None else None}
        data["section_path"] = list(self.section_path)
        return data




@dataclass(frozen=True)
class Status:
    """Whether a target has been met, and why we say so."""

    status: str  # one of STATUSES
    reason: str
    observation: str | None = None  # IRI of the observation the status rests on


# ---------------------------------------------------------------------------
# Status
# ---------------------------------------------------------------------------

def deadline_of(year: int) -> str:
    """The end of a target year, ``YYYY-12-31``: a yearly target falls due then."""
    return f"{year}-12-31"


def _bounds(value: Quantity, factor: Decimal) -> tuple[Decimal | None, Decimal | None]:
    """(lowest, highest) the observed value can be, on the common scale; None for unbounded."""
    if value.number is None:
        if value.low is not None and value.high is not None:
            return value.low * factor, value.high * factor
        return None, None
    number = value.number * factor
    if value.comparator in ("≥", ">"):
        return number, None
    if value.comparator in ("≤", "<"):
        return None, number
    return number, number


def _meets(target: Quantity, factor: Decimal, low: Decimal | None, high: Decimal | None,
           lower_better: bool) -> tuple[bool | None, str]:
    """Whether an observed value in [low, high] meets ``target``: True, False, or None (cannot tell),
    with the rule applied, in words."""
    comparator = target.comparator
    if target.number is None:  # a range 3—5: reaching it is what counts
        if target.low is None or target.high is None:
            return None, ""
        floor, ceiling = target.low * factor, target.high * factor
        if lower_better:
            return _at_most(high, low, ceiling, strict=False), f"目标区间 {target.display()}，越低越好"
        return _at_least(low, high, floor, strict=False), f"目标区间 {target.display()}，达到下限即达成"
    goal = target.number * factor
    if comparator in ("≤", "<"):
        return _at_most(high, low, goal, strict=comparator == "<"), f"目标 {target.display()}"
    if comparator in ("≥", ">"):
        return _at_least(low, high, goal, strict=comparator == ">"), f"目标 {target.display()}"
    if comparator == "≈":
        slack = goal * APPROX_TOLERANCE
        rule = f"目标 {target.display()}，允许偏差{APPROX_TOLERANCE * 100:.0f}%"
        if lower_better:
            return _at_most(high, low, goal + slack, strict=False), rule + "，越低越好"
        return _at_least(low, high, goal - slack, strict=False), rule + "，越高越好"
    if lower_better:
        return _at_most(high, low, goal, strict=False), f"目标 {target.display()}，越低越好"
    return _at_least(low, high, goal, strict=False), f"目标 {target.display()}，越高越好"


def _at_least(low: Decimal | None, high: Decimal | None, goal: Decimal, strict: bool) -> bool | None:
    if low is not None and (low > goal or (not strict and low == goal)):
        return True
    if high is not None and (high < goal or (strict and high == goal)):
        return False
    return None


def _at_most(high: Decimal | None, low: Decimal | None, goal: Decimal, strict: bool) -> bool | None:
    if high is not None and (high < goal or (not strict and high == goal)):
        return True
    if low is not None and (low > goal or (strict and low == goal)):
        return False
    return None


def newest(observations: Sequence[TracedValue]) -> TracedValue | None:
    """The current value: the newest as-of date, ties broken by the document's authority."""
    return max(observations, key=lambda o: o.sort_key, default=None)


def target_status(target: TracedValue, observations: Sequence[TracedValue], label: str,
                  baseline: TracedValue | None = None) -> Status:
    """The status of ``target`` given every observation of its indicator (see the module docstring).

    Only observations dated after ``baseline`` (the target's baseline, when it has one) count:
    an older figure describes the time before the plan, not progress towards its target.
    """
    reported = [o for o in observations if not o.is_baseline]
    later = [o for o in reported if baseline is None or o.as_of > baseline.as_of]
    if not later:
        if baseline is not None:
            older = newest(reported)
            note = f"；更早的观测{older.describe()}早于基期" if older is not None else ""
            return Status("无数据", f"只有基期值 {baseline.describe()}，没有之后的观测值{note}")
        return Status("无数据", "没有任何文件报告这一指标的观测值")
    current = newest(later)
    assert current is not None
    goal = target.value
    if goal.relative:
        return Status("无法比较", f"无法比较：目标“{goal.text}”是相对变化，不是指标上的取值；最新观测为"
                      f"{current.describe()}", current.iri)
    if goal.number is None and (goal.low is None or goal.high is None):
        return Status("无法比较", f"无法比较：目标“{goal.text}”没有数值；最新观测为{current.describe()}", current.iri)
    observed = current.value
    if observed.number is None and (observed.low is None or observed.high is None):
        return Status("无法比较", f"无法比较：最新观测{current.describe()}没有数值", current.iri)
    factors = comparable_units(goal.unit, observed.unit)
    if isinstance(factors, str):
        return Status("无法比较", f"无法比较：{factors}；最新观测为{current.describe()}", current.iri)
    goal_factor, observed_factor = factors
    lower_better = lower_is_better(label, goal.comparator)
    low, high = _bounds(observed, observed_factor)
    met, rule = _meets(goal, goal_factor, low, high, lower_better)
    if met is None:
        side = "下界" if high is None else "上界"
        return Status("无法比较", f"无法比较：最新观测{current.describe()}只给出{side}，不能判断是否满足{rule}",
                      current.iri)
    if met:
        return Status("已达成", f"{current.describe()}，满足{rule}（{target.year}年）", current.iri)
    deadline = deadline_of(target.year or 0)
    if current.as_of < deadline:
        return Status("进行中", f"{current.describe()}，尚未满足{rule}；目标年为{target.year}年，该观测早于"
                      f"{deadline}", current.iri)
    return Status("未达成", f"{current.describe()}，未满足{rule}（目标年{target.year}年已过）", current.iri)


__all__ = ["APPROX_TOLERANCE", "AUTHORITY", "STATUSES", "DocumentRef", "Quantity", "Quote", "Status", "TracedValue",
           "comparable_units", "lower_is_better", "newest", "target_status", "with_unit"]
