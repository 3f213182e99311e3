"""Trace an indicator across documents: who set its targets, its baseline, every reported value,
and whether each target has been met.

Everything here is read from the graph the build wrote (``kg.extract.indicators`` describes the
nodes): an ``pol:Indicator`` with ``pol:hasTarget`` / ``pol:hasObservation`` nodes, each with its
value as written (``pol:valueText``), its number, comparator and unit, its year or as-of date, the
document that sets or reports it and the passage it was read from (``prov:wasDerivedFrom``), whose
text at ``pol:start``/``pol:end`` is the evidence.

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

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from typing import Any

import pyoxigraph as ox

from kg.errors import QueryError
from kg.quantities import (
    normalise_label,
    parse_value,
    similarity,
    squeeze,
    unit_kind,
    units,
)
from kg.ingest.passages import sentences
from kg.query.graph_queries import select
from kg.records import DocumentInfo, Passage

#: Rank of a document kind when two observations have the same date (higher wins).
AUTHORITY: dict[str, int] = {"plan": 3, "bulletin": 2, "news": 1}
#: An approximate target (≈, 左右) is met within this share of its value.
APPROX_TOLERANCE = Decimal("0.02")
#: A fuzzy name match must reach this score (0–1) to resolve an indicator.
RESOLVE_THRESHOLD = 0.5

STATUSES = ("已达成", "未达成", "进行中", "无数据", "无法比较")
_MAGNITUDES = {"万亿": Decimal(10) ** 12, "千万": Decimal(10) ** 7, "百万": Decimal(10) ** 6, "亿": Decimal(10) ** 8,
               "万": Decimal(10) ** 4, "千": Decimal(1000), "百": Decimal(100)}
# The table's row number at the start of a row passage ("3 孕产妇死亡率 …", "健 23 …").
_ROW_NUMBER = re.compile(r"^\s*(?:[\u4e00-\u9fff]\s+)?(\d{1,3})(?=\s)")
_QUOTES = re.compile(r"[“”‘’\"'《》「」\s]")


PassageLookup = Callable[[str], "Passage | None"]


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
        kind = _KIND_NAMES.get(self.document.kind, self.document.kind)
        return f"{year}{self.value.display()}（截至{self.as_of}，《{self.document.title}》，{kind}）"

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


_KIND_NAMES = {"plan": "规划", "bulletin": "简报", "news": "新闻"}


@dataclass(frozen=True)
class Status:
    """Whether a target has been met, and why we say so."""

    status: str  # one of STATUSES
    reason: str
    observation: str | None = None  # IRI of the observation the status rests on


@dataclass
class TracedTarget:
    """A target with its baseline and status."""

    target: TracedValue
    baseline: TracedValue | None
    status: Status

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict."""
        data = self.target.to_json()
        data["baseline"] = self.baseline.to_json() if self.baseline else None
        data["status"] = self.status.status
        data["reason"] = self.status.reason
        data["status_observation"] = self.status.observation
        return data


@dataclass
class IndicatorInfo:
    """An indicator node: label, other names, unit, domain."""

    iri: str
    label: str
    aliases: list[str]
    unit: str
    domain: str


@dataclass
class Candidate:
    """An indicator a typed name may mean, with how well it matches."""

    iri: str
    label: str
    score: float
    how: str  # "label", "alias", "in_query" (the name is inside the text), "part" (the text is part of
    # the name), "fuzzy" (character bigrams) or "iri"


@dataclass
class Trace:
    """Everything ``kg trace`` shows for one indicator."""

    query: str
    indicator: IndicatorInfo
    match: Candidate
    alternatives: list[Candidate]
    attribute: str
    targets: list[TracedTarget]
    observations: list[TracedValue]  # every one, baselines included, oldest first
    current: TracedValue | None

    def to_json(self) -> dict[str, Any]:
        """The trace as ``kg trace --json`` prints it."""
        return {
            "query": self.query,
            "indicator": {**asdict(self.indicator), "attribute": self.attribute},
            "match": asdict(self.match),
            "alternatives": [asdict(a) for a in self.alternatives],
            "targets": [t.to_json() for t in self.targets],
            "observations": [o.to_json() for o in self.observations],
            "current": self.current.to_json() if self.current else None,
        }


# ---------------------------------------------------------------------------
# Status
# ---------------------------------------------------------------------------

def _deadline(year: int) -> str:
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
    deadline = _deadline(target.year or 0)
    if current.as_of < deadline:
        return Status("进行中", f"{current.describe()}，尚未满足{rule}；目标年为{target.year}年，该观测早于"
                      f"{deadline}", current.iri)
    return Status("未达成", f"{current.describe()}，未满足{rule}（目标年{target.year}年已过）", current.iri)


# ---------------------------------------------------------------------------
# Resolving a typed name to an indicator
# ---------------------------------------------------------------------------

INDICATORS = """
SELECT DISTINCT ?i ?label ?alias ?unit ?domain WHERE {
  ?i a pol:Indicator ; rdfs:label ?label .
  OPTIONAL { ?i skos:altLabel ?alias }
  OPTIONAL { ?i pol:unit ?unit }
  OPTIONAL { ?i pol:domain ?domain }
}
"""


def indicators(store: ox.Store) -> list[IndicatorInfo]:
    """Every indicator of the graph with its names, unit and domain."""
    found: dict[str, IndicatorInfo] = {}
    for row in select(store, INDICATORS):
        info = found.setdefault(row["i"], IndicatorInfo(row["i"], row["label"], [], row["unit"] or "",
                                                         row["domain"] or ""))
        if row["alias"] and row["alias"] not in info.aliases:
            info.aliases.append(row["alias"])
    return sorted(found.values(), key=lambda i: i.label)


def name_form(text: str) -> str:
    """A name as typed names are compared: no white space, quotes or book-title marks, ％ → %."""
    return _QUOTES.sub("", squeeze(text)).replace("％", "%").lower()


def _grams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


@dataclass
class _NameIndex:
    """What resolving a typed name needs about the indicators, computed once."""

    idf: dict[str, float]
    postings: dict[str, set[int]]  # bigram of any form of a name → positions of its indicators


def _name_index(items: Sequence[IndicatorInfo]) -> _NameIndex:
    df: dict[str, int] = {}
    postings: dict[str, set[int]] = {}
    for position, item in enumerate(items):
        grams: set[str] = set()
        forms: set[str] = set()
        for name in (item.label, *item.aliases):
            key = normalise_label(name)
            grams |= _grams(key)
            forms |= _grams(key) | _grams(name_form(name)) | {key, name_form(name)}
        for gram in grams:
            df[gram] = df.get(gram, 0) + 1
        for gram in forms:
            postings.setdefault(gram, set()).add(position)
    n = max(len(items), 1)
    return _NameIndex({gram: 1.0 + math.log(n / count) for gram, count in df.items()}, postings)


def _coverage(query: str, name: str, idf: dict[str, float]) -> float:
    """Weighted share of the query's character bigrams that the name contains (query ⊂ name)."""
    a, b = normalise_label(query), normalise_label(name)
    grams = {a[i:i + 2] for i in range(len(a) - 1)} or ({a} if a else set())
    target = {b[i:i + 2] for i in range(len(b) - 1)}
    total = sum(idf.get(g, 1.0) for g in grams)
    return sum(idf.get(g, 1.0) for g in grams & target) / total if total else 0.0


class IndicatorNames:
    """The indicators of one build with the index a close-name match needs, built once on first
    use and kept with them (the indicator-specific matching :mod:`kg.query.names` adds)."""

    def __init__(self, items: Sequence[IndicatorInfo]) -> None:
        self.items = list(items)
        self.by_iri = {item.iri: item for item in self.items}
        self._index: _NameIndex | None = None

    def __len__(self) -> int:
        return len(self.items)

    @property
    def index(self) -> _NameIndex:
        """Bigram weights and postings over every name of every indicator."""
        if self._index is None:
            self._index = _name_index(self.items)
        return self._index

    def candidates(self, text: str) -> list[Candidate]:
        """Indicators ``text`` may name, best first: exact label, exact alias, a name inside the
        text or the text inside a name, then character-bigram similarity (both directions,
        IDF-weighted over the indicators' names). Candidates under :data:`RESOLVE_THRESHOLD` are
        dropped."""
        typed = name_form(text)
        if len(typed) < 2:
            return []
        index = self.index
        idf = index.idf
        # An indicator sharing no character bigram with the text scores 0 on every test below.
        probes = _grams(typed) | _grams(normalise_label(typed)) | _grams(normalise_label(text)) | \
            {typed, normalise_label(typed)}
        positions = sorted(set().union(*(index.postings.get(g, set()) for g in probes)))
        out: list[Candidate] = []
        for item in (self.items[p] for p in positions):
            best: Candidate | None = None
            for name, is_alias in [(item.label, False), *((a, True) for a in item.aliases)]:
                form = name_form(name)
                if typed == form or normalise_label(typed) == normalise_label(name):
                    candidate = Candidate(item.iri, item.label, 1.0, "alias" if is_alias else "label")
                elif form in typed and len(form) >= 3:
                    # the name inside a longer question (每万人口全科医生数目标)
                    candidate = Candidate(item.iri, item.label, 0.9 + 0.09 * len(form) / len(typed), "in_query")
                elif typed in form and len(typed) >= 2:
                    # a part of the name (全科医生); the more of the name it covers the better
                    candidate = Candidate(item.iri, item.label, 0.7 + 0.2 * len(typed) / len(form), "part")
                else:
                    forward = similarity(text, name)[0]
                    backward = _coverage(text, name, idf) * 0.85
                    candidate = Candidate(item.iri, item.label, round(max(forward, backward), 4), "fuzzy")
                if best is None or candidate.score > best.score:
                    best = candidate
            if best is not None and best.score >= RESOLVE_THRESHOLD:
                out.append(best)
        out.sort(key=lambda c: (-c.score, len(c.label), c.label))
        return out


# ---------------------------------------------------------------------------
# Reading an indicator's values from the graph
# ---------------------------------------------------------------------------

VALUES = """
SELECT DISTINCT ?i ?v ?role ?year ?asof ?text ?number ?comparator ?unit ?attribute ?doc ?passage ?start ?end
       ?baseline WHERE {
  { ?i pol:hasTarget ?v . ?v pol:setBy ?doc . BIND("target" AS ?role) }
  UNION
  { ?i pol:hasObservation ?v . ?v pol:reportedIn ?doc . BIND("observation" AS ?role)
    OPTIONAL { ?v pol:isBaseline ?baseline } }
  ?v pol:valueText ?text ; pol:start ?start ; pol:end ?end ; prov:wasDerivedFrom ?passage .
  OPTIONAL { ?v pol:year ?year }
  OPTIONAL { ?v pol:asOf ?asof }
  OPTIONAL { ?v pol:numericValue ?number }
  OPTIONAL { ?v pol:comparator ?comparator }
  OPTIONAL { ?v pol:unit ?unit }
  OPTIONAL { ?v pol:attribute ?attribute }
}
"""


def sentence_around(text: str, passage: Passage, start: int, end: int) -> tuple[int, int]:
    """The sentence of ``passage`` holding [start, end); a table row is its own sentence."""
    if passage.kind == "table_row":
        return passage.start, passage.end
    for s, e in sentences(text, passage.start, passage.end):
        if s <= start < e:
            return s, max(e, min(end, passage.end))
    return passage.start, passage.end


def _document_ref(doc: DocumentInfo | None, doc_id: str) -> DocumentRef:
    if doc is None:
        return DocumentRef(doc_id, doc_id, "", "", "", 0)
    return DocumentRef(doc.id, doc.title, doc.issuer, doc.date, doc.kind, AUTHORITY.get(doc.kind, 0))


def read_values(store: ox.Store, indicator_iri: str, documents: Mapping[str, DocumentInfo],
                passage_of: PassageLookup, text_of: Callable[[str], str]) -> list[TracedValue]:
    """Every target and observation of one indicator, with quotes, in no particular order."""
    out = []
    for row in select(store, VALUES, i=ox.NamedNode(indicator_iri)):
        doc_id = row["doc"].rsplit("/", 1)[-1]
        doc = documents.get(doc_id)
        passage_id = row["passage"].rsplit("/", 1)[-1]
        passage = passage_of(passage_id)
        start, end = int(row["start"]), int(row["end"])
        text = text_of(doc_id)
        if passage is not None:
            q_start, q_end = sentence_around(text, passage, start, end)
            path, row_number = passage.section_path[1:], None
            if passage.kind == "table_row":
                found = _ROW_NUMBER.match(passage.text)
                row_number = int(found.group(1)) if found else None
        else:
            q_start, q_end, path, row_number = start, end, (), None
        year = row["year"]
        as_of = row["asof"] or (_deadline(year) if year else (doc.as_of or doc.date if doc else ""))
        out.append(TracedValue(
            iri=row["v"], role=row["role"], year=year, as_of=as_of,
            value=Quantity.of(row["text"], row["comparator"], row["number"], row["unit"]),
            document=_document_ref(doc, doc_id), passage_id=passage_id, section_path=tuple(path),
            table_row=row_number, quote=Quote(text[q_start:q_end], q_start, q_end, start, end),
            attribute=row["attribute"] or "", is_baseline=bool(row["baseline"]),
        ))
    return out


def _baseline_for(target: TracedValue, targets: Sequence[TracedValue],
                  baselines: Sequence[TracedValue]) -> TracedValue | None:
    """The target's baseline: from the same table row or passage (a cell with two values, 85% and
    70%, pairs them in order), else the newest baseline its document states."""
    same_doc = [b for b in baselines if b.document.id == target.document.id]
    same_passage = sorted((b for b in same_doc if b.passage_id == target.passage_id), key=lambda b: b.quote.value_start)
    siblings = sorted((t for t in targets if t.passage_id == target.passage_id), key=lambda t: t.quote.value_start)
    if same_passage and len(same_passage) == len(siblings):
        return same_passage[siblings.index(target)]
    return newest(same_passage) or newest(same_doc)


def trace_indicator(store: ox.Store, query: str, documents: Mapping[str, DocumentInfo],
                    passage_of: PassageLookup, text_of: Callable[[str], str], iri: str,
                    names: IndicatorNames | None = None, match: Candidate | None = None,
                    alternatives: Sequence[Candidate] = ()) -> Trace:
    """Trace the indicator with ``iri`` (the one ``query`` named, resolved by
    :class:`kg.query.names.NameResolver`): targets with their setting document, baseline and
    status; every observation by date; the current value. ``match`` and ``alternatives`` say
    how the query named it (an IRI names itself); ``names`` are the build's indicators (read
    from the store when not given).
    """
    names = names if names is not None else IndicatorNames(indicators(store))
    info = names.by_iri.get(iri)
    if info is None:
        raise QueryError(f"{iri} is not an indicator; list indicators with `kg entities --type indicator`")
    match = match or Candidate(info.iri, info.label, 1.0, "iri")
    values = read_values(store, info.iri, documents, passage_of, text_of)
    observations = sorted((v for v in values if v.role == "observation"), key=lambda v: v.sort_key)
    baselines = [o for o in observations if o.is_baseline]
    targets = sorted((v for v in values if v.role == "target"),
                     key=lambda v: (v.year or 0, v.table_row is None, v.document.date, v.quote.value_start))
    traced = []
    for target in targets:
        baseline = _baseline_for(target, targets, baselines)
        traced.append(TracedTarget(target, baseline, target_status(target, observations, info.label, baseline)))
    attribute = next((t.attribute for t in targets if t.attribute), "")
    return Trace(query, info, match, list(alternatives), attribute, traced, observations, newest(observations))


__all__ = ["AUTHORITY", "Candidate", "IndicatorInfo", "IndicatorNames", "Quantity", "Status", "Trace",
           "TracedTarget", "TracedValue", "indicators", "lower_is_better", "target_status",
           "trace_indicator", "with_unit"]
