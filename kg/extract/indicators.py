"""Indicators, targets and observations: the numbers the documents state, each with its span.

Three readers feed one :class:`IndicatorExtraction`:

* **The indicator table of a plan** (a ``table`` section whose header names 指标, 单位 and
  year columns) is parsed as a table, not matched against known names. The header gives the
  columns and the years (the last year column is the target year, earlier ones are
  baselines); every row passage gives one indicator: row number, name (wrapped over lines),
  unit, one or more values per year column, attribute, and its 领域, whose characters the
  flattened PDF prints one per line between rows.
* **Value sentences of a plan** (``到2025年，县域内就诊率提高到90%左右``,
  ``70%以上的乡镇卫生院…达到国家基本标准``, ``建设4个…区域医疗中心``) are targets; in the
  plan's retrospective chapter (发展基础) they are baselines, i.e. observations of the
  baseline year.
* **Value sentences of other documents** (``孕产妇死亡率降至6.93/10万``,
  ``88.48％的二级及以上综合性医院设立老年医学科``) are observations, dated by the sentence's
  own year or else by the document's metadata.

Indicators are the plan's table rows plus the plan's target phrases that name no table
indicator. Targets and observations are linked to them by :func:`link_observation`: label
similarity over character bigrams, vetoed whenever units differ in kind or the phrases name
different rates, levels, standards or predicates.

Values keep the text as written (white space removed: PDF extraction puts spaces and line
breaks inside cells, ``提高 1岁``) and the span it was read from, so
``document.text[start:end]`` is always the evidence.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from itertools import combinations, pairwise
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.extract.base import Entity, Mention, make_mention
from kg.rdf.write import QuadWriter, doc_iri, graph_iri, literal, node, passage_iri, zh
from kg.ingest.passages import sentences
from kg.records import Document, Passage, Section, stable_id
from kg.rdf.vocab import ID, POL, PROV, RDF, RDFS, SKOS, XSD

ENTITY_TYPE = "Indicator"
#: A linked pair must reach this label similarity (0–1, see :func:`link_observation`).
LINK_THRESHOLD = 0.5
# A linked phrase is recorded as a mention of the indicator's name only when it is that name
# give or take a few words (unweighted bigram Jaccard).
_MENTION_JACCARD = 0.75
#: Values of the 指标属性 column (the two kinds of target in Chinese plans).
ATTRIBUTES = ("预期性", "约束性")

DocumentWithStructure = tuple[Document, list[Section], list[Passage]]

_CJK = "\u4e00-\u9fff"
_WS = re.compile(r"\s+")
_NUMBER = r"\d+(?:\.\d+)?"
_RANGE = r"[—–\-~～]"
_SYMBOLS = {"≤": "≤", "≦": "≤", "≥": "≥", "≧": "≥", "<": "<", "＜": "<", ">": ">", "＞": ">"}
_SUFFIXES = {"及以上": "≥", "以上": "≥", "及以下": "≤", "以下": "≤", "以内": "≤", "左右": "≈", "上下": "≈"}
_APPROX = {"将近": "≈", "接近": "≈", "近": "≈", "约": "≈", "逾": ">", "超过": ">", "超": ">"}
# Verbs that put a level after them; a comparator when they bound it.
_LEVEL_VERBS = {
    "提高到": "=", "提高至": "=", "提升到": "=", "提升至": "=", "增加到": "=", "增加至": "=",
    "增长到": "=", "增长至": "=", "上升到": "=", "上升至": "=", "下降到": "=", "下降至": "=",
    "降低到": "=", "降低至": "=", "减少到": "=", "减少至": "=", "缩小到": "=", "缩小至": "=",
    "扩大到": "=", "扩大至": "=", "降至": "=", "降到": "=", "增至": "=", "升至": "=", "达到": "=",
    "达": "=", "控制在": "≤", "保持在": "=", "稳定在": "=", "维持在": "=", "不低于": "≥",
    "不少于": "≥", "不高于": "≤", "不超过": "≤", "不得低于": "≥", "不得少于": "≥", "不得高于": "≤",
    "不得超过": "≤", "超过": ">", "高于": ">", "低于": "<", "少于": "<", "为": "=", "是": "=",
}
# 在 puts a level after it only for rates (通过率在90%以上); before a count it is a place (在15个试验区).
_RATE_VERBS = {"在": "="}
# Verbs that put a change after them (提高1岁): the number is not on the indicator's scale.
_CHANGE_WORDS = ("提高", "提升", "增长", "增加", "上升", "下降", "降低", "减少", "缩小", "扩大", "增幅为",
                 "降幅为", "增幅", "降幅")
# Verbs after which a count names what is built or designated (建设3个…中心).
_COUNT_VERBS = ("布局建设", "建设", "建成", "新建", "组建", "打造", "培育", "新增", "命名", "认定", "创建",
                "遴选", "推出", "等")
# Words a cell may put before a number besides a verb: effort and period qualifiers.
_CELL_LEADS = ("力争", "争取", "确保", "每年", "年均", "累计", "平均")
_MISSING = frozenset({"—", "——", "－", "-", "–", "/", "…", "无"})
# Nouns that end a measured quantity's name, so "name + number" needs no verb (就诊率88.54%).
_MEASURE_END = re.compile(r"(?:率|数|比例|比重|占比|水平|规模|总量|寿命|总额|人次|面积)$")
# A phrase that only says "the share": the quantity is named in the clause before it.
_GENERIC_PHRASE = re.compile(r"^(?:其|这一|该)?(?:占比|比例|比重|比率|占)$")
# Retrospective chapters of a plan, whose values are the baseline of the plan period.
_BASELINE_TITLES = re.compile(r"发展基础|发展现状|发展成就|工作回顾|现状|回顾|主要成就|取得成效")
_PER_CAPITA = re.compile(r"每[千万百十]?人口|每千人|每万人|每十万人|人均")
_DOMAIN_RUN = re.compile(rf"^[{_CJK}]{{1,2}}$")

_YEAR_MARK = re.compile(
    r"(?P<pre>截至|截止到|截止|到|至)?(?P<year>(?:19|20)\d\d)\s*年(?P<post>底|末|年底|以来|起|度)?(?![\d—\-–~至])"
)
_LEAD_FILLER = re.compile(
    r"^(?:(?:到|至|截至|截止)?(?:19|20)\d\d年(?:底|末|以来|起)?|在|全区|全省|全市|全县|全国|全自治区"
    r"|我区|本区|平均|共|累计|已经|已|均|基本|力争|争取|确保|目前|当前|同时|其中|此外"
    r"|另外|近年来|近年|每年|年内|将|并|和|及|或|、|，|,)+"
)
_TRAIL_FILLER = re.compile(r"(?:分别|均|都|已经|已|将|继续|持续|逐步|力争|稳定|基本|每年|也|仍|进一步|要|可|能够|共)+$")
_PREDICATE_VERBS = ("达到", "设置", "成为", "提供", "纳入", "开展", "实现", "覆盖", "参与", "建立", "配备", "拥有")


# ---------------------------------------------------------------------------
# Data files: units, name variants, qualifiers (general knowledge, kg/data/)
# ---------------------------------------------------------------------------

def _data_lines(name: str) -> list[str]:
    text = resources.files("kg").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return [line.rstrip("\n") for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def units() -> dict[str, str]:
    """Unit as written → its kind (``kg/data/units.txt``)."""
    out: dict[str, str] = {}
    for line in _data_lines("units.txt"):
        unit, _, kind = line.partition("\t")
        out[unit.strip()] = kind.strip()
    return out


_MAGNITUDES = ("万亿", "千万", "百万", "亿", "万", "千", "百")
_SCALED_KINDS = frozenset({"people", "person_times", "count", "money", "area", "weight", "length"})


def unit_kind(unit: str) -> str | None:
    """The kind of a unit (``"万张"`` → ``"count"``), None for a string that is no known unit."""
    table = units()
    unit = unit.replace("％", "%")
    if unit in table:
        return table[unit]
    for magnitude in _MAGNITUDES:
        rest = unit[len(magnitude):]
        if unit.startswith(magnitude) and table.get(rest) in _SCALED_KINDS:
            return table[rest]
    return None


@lru_cache(maxsize=1)
def _unit_alternation() -> str:
    table = units()
    written = set(table)
    written.update(m + u for u, kind in table.items() if kind in _SCALED_KINDS for m in _MAGNITUDES)
    return "|".join(re.escape(u) for u in sorted(written, key=len, reverse=True))


@lru_cache(maxsize=1)
def _aliases() -> list[tuple[str, tuple[str, ...]]]:
    out = []
    for line in _data_lines("indicator_aliases.txt"):
        canonical, _, variants = line.partition("\t")
        names = tuple(sorted((v.strip() for v in variants.split("|") if v.strip()), key=len, reverse=True))
        out.append((canonical.strip(), names))
    return out


@dataclass(frozen=True)
class _QualifierGroup:
    anchor: str
    options: tuple[tuple[str, ...], ...]
    default: int | None


@lru_cache(maxsize=1)
def _qualifier_groups() -> list[_QualifierGroup]:
    groups = []
    for line in _data_lines("indicator_qualifiers.txt"):
        anchor, _, rest = line.partition("\t")
        options, default = [], None
        for index, option in enumerate(part.strip() for part in rest.split("|")):
            if option.endswith("*"):
                default, option = index, option[:-1]
            options.append(tuple(w.strip() for w in option.split(",") if w.strip()))
        groups.append(_QualifierGroup(anchor.strip(), tuple(options), default))
    return groups


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------

def squeeze(text: str) -> str:
    """``text`` without white space: in these documents white space never carries meaning."""
    return _WS.sub("", text)


@dataclass(frozen=True)
class ParsedValue:
    """What a value text says: a comparator and number, or a change, or only words.

    ``comparator`` is one of ≤ ≥ < > ≈ = (``=`` for a plain value). A *relative* value
    (``提高1岁``, ``力争每年降低0.5个百分点以上``, ``同比例提高``) states a change from another
    value, not a level on the indicator's scale, so ``comparator`` and ``number`` are None and
    only the text is kept; computing 78.06 + 1 would be an inference the document does not
    make. A range (``3—5个``) has ``low`` and ``high`` and no single ``number``.
    """

    text: str
    comparator: str | None
    number: Decimal | None
    unit: str = ""
    relative: bool = False
    low: Decimal | None = None
    high: Decimal | None = None

    @property
    def missing(self) -> bool:
        """True for a cell printed as — (no value)."""
        return self.text in _MISSING or not self.text


@lru_cache(maxsize=1)
def _cell_pattern() -> re.Pattern[str]:
    return re.compile(
        rf"^(?P<lead>[{_CJK}]*?)(?P<sym>[≤≥<>＜＞≦≧])?(?P<num>{_NUMBER})(?:{_RANGE}(?P<num2>{_NUMBER}))?"
        rf"(?P<unit>{_unit_alternation()})?(?P<suffix>及以上|及以下|以上|以下|以内|左右|上下)?$"
    )


def _lead_meaning(lead: str) -> tuple[bool, str | None] | None:
    """(relative, comparator) for the words before a number; None if they are not value words."""
    rest = lead
    while True:
        for word in _CELL_LEADS:
            if rest.startswith(word):
                rest = rest[len(word):]
                break
        else:
            break
    if rest == "":
        return False, None
    if rest in _APPROX:
        return False, _APPROX[rest]
    if rest in _LEVEL_VERBS:
        return False, None if _LEVEL_VERBS[rest] == "=" else _LEVEL_VERBS[rest]
    if rest in _CHANGE_WORDS or rest.rstrip("了") in _CHANGE_WORDS:
        return True, None
    return None


def parse_value(text: str) -> ParsedValue:
    """Read a value as written: ``"≤14"`` → (≤, 14); ``"4.5左右"`` → (≈, 4.5); ``"＞85"`` → (>, 85).

    Relative values (``"提高1岁"``) and words without a number (``"同比例提高"``) keep only their
    text, see :class:`ParsedValue`. White space is ignored.
    """
    text = squeeze(text)
    if text in _MISSING or not text:
        return ParsedValue(text, None, None)
    match = _cell_pattern().match(text)
    meaning = _lead_meaning(match.group("lead")) if match else None
    if match is None or meaning is None:
        relative = any(word in text for word in _CHANGE_WORDS)
        return ParsedValue(text, None, None, relative=relative)
    relative, word_comparator = meaning
    unit = match.group("unit") or ""
    if relative:
        return ParsedValue(text, None, None, unit, relative=True)
    low = Decimal(match.group("num"))
    if match.group("num2"):
        return ParsedValue(text, None, None, unit, low=low, high=Decimal(match.group("num2")))
    comparator = (_SYMBOLS.get(match.group("sym") or "") or _SUFFIXES.get(match.group("suffix") or "")
                  or word_comparator or "=")
    return ParsedValue(text, comparator, low, unit)


def is_value_text(text: str) -> bool:
    """True when ``text`` reads as one whole value (a number with its words, — , or a change)."""
    text = squeeze(text)
    if text in _MISSING:
        return True
    match = _cell_pattern().match(text)
    if match:
        return _lead_meaning(match.group("lead")) is not None
    return bool(re.fullmatch(rf"[{_CJK}]{{2,10}}", text)) and any(w in text for w in _CHANGE_WORDS)


@dataclass(frozen=True)
class Value:
    """A value with the span it was read from: ``document.text[start:end]`` is its evidence."""

    text: str  # as written, white space removed
    start: int
    end: int
    comparator: str | None
    number: Decimal | None
    unit: str
    relative: bool

    @classmethod
    def read(cls, document: Document, start: int, end: int) -> Value:
        """Parse ``document.text[start:end]``."""
        parsed = parse_value(document.text[start:end])
        return cls(parsed.text, start, end, parsed.comparator, parsed.number, parsed.unit, parsed.relative)


@dataclass(frozen=True)
class Phrase:
    """Words naming what is measured. ``text`` is the reading (white space removed; for an
    enumeration the shared words restored); ``start``/``end`` are the words it was read from."""

    text: str
    start: int
    end: int


# ---------------------------------------------------------------------------
# The indicator table
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class TableRow:
    """One row of an indicator table."""

    doc_id: str
    passage_id: str
    row: int
    domain: str
    name: Phrase
    unit: str
    attribute: str
    columns: tuple[tuple[int, tuple[Value, ...]], ...]  # (year, values) per year column; () for —

    @property
    def baseline_year(self) -> int | None:
        """The first year column when there are two or more (the plan's base year)."""
        return self.columns[0][0] if len(self.columns) > 1 else None

    @property
    def target_year(self) -> int:
        """The last year column: the year the plan sets its targets for."""
        return self.columns[-1][0]

    @property
    def baseline(self) -> tuple[Value, ...]:
        """Values of the first year column (empty when printed —)."""
        return self.columns[0][1] if len(self.columns) > 1 else ()

    @property
    def target(self) -> tuple[Value, ...]:
        """Values of the last year column."""
        return self.columns[-1][1]


@dataclass(frozen=True)
class IndicatorTable:
    """A parsed indicator table: its year columns and rows."""

    doc_id: str
    section_id: str
    caption: str
    columns: tuple[str, ...]  # roles in header order: domain, number, name, unit, year, attribute, …
    years: tuple[int, ...]
    rows: tuple[TableRow, ...]
    problems: tuple[str, ...] = ()  # rows that could not be read, with the reason


_HEADER_CELLS: tuple[tuple[str, str], ...] = tuple(sorted((
    ("领域", "domain"), ("类别", "domain"), ("分类", "domain"), ("序号", "number"), ("编号", "number"),
    ("指标名称", "name"), ("指标", "name"), ("名称", "name"), ("计量单位", "unit"), ("单位", "unit"),
    ("指标属性", "attribute"), ("属性", "attribute"), ("指标性质", "attribute"), ("性质", "attribute"),
    ("备注", "note"),
), key=lambda cell: len(cell[0]), reverse=True))
_YEAR_CELL = re.compile(r"((?:19|20)\d\d)年(?:[（(][^）)]{0,8}[）)]|目标值?|基期值?|基数|预期值?|现状值?)?")
_ROW_HEAD = re.compile(rf"^(?:(?P<lead>[{_CJK}])[ \t]+)?(?P<row>\d{{1,3}})(?=\s|$)")


@dataclass(frozen=True)
class _Token:
    text: str
    start: int
    end: int
    new_line: bool  # the token starts a line


def _tokens(text: str, offset: int) -> list[_Token]:
    out, previous_end = [], 0
    for match in re.finditer(r"\S+", text):
        new_line = "\n" in text[previous_end:match.start()] or not out and match.start() == 0
        out.append(_Token(match.group(), offset + match.start(), offset + match.end(), new_line))
        previous_end = match.end()
    return out


def parse_header(text: str) -> tuple[tuple[str, ...], tuple[int, ...], str] | None:
    """Read a flattened table header: (column roles, years, the text after the header).

    Header cells come one after another, often one character per line; white space is
    ignored. What follows the last header cell is the first 领域 of the body. None when the
    text does not start with a header naming an indicator column and at least one year.
    """
    flat = squeeze(text)
    roles: list[str] = []
    years: list[int] = []
    pos = 0
    while pos < len(flat):
        year = _YEAR_CELL.match(flat, pos)
        if year:
            roles.append("year")
            years.append(int(year.group(1)))
            pos = year.end()
            continue
        for label, role in _HEADER_CELLS:
            if flat.startswith(label, pos):
                roles.append(role)
                pos += len(label)
                break
        else:
            break
    if "name" not in roles or not years:
        return None
    return tuple(roles), tuple(years), flat[pos:]


def _is_number_edge(left: str, right: str) -> bool:
    """Two tokens that cannot be one cell: a number directly followed by another number."""
    return left[-1:].isdigit() and (right[:1].isdigit() or right[:1] in _SYMBOLS)


def _valid_group(group: Sequence[_Token]) -> bool:
    for left, right in pairwise(group):
        if _is_number_edge(left.text, right.text) or left.text in _MISSING or right.text in _MISSING:
            return False
    return is_value_text("".join(t.text for t in group))


_MAX_PARTITIONS = 2000


def _partition(tokens: Sequence[_Token], columns: int) -> list[list[_Token]] | None:
    """Cut value tokens into ``columns`` × k whole values (k = values per cell, smallest first)."""
    for per_cell in (1, 2, 3):
        groups = columns * per_cell
        if groups > len(tokens):
            return None
        # Real value cells are a handful of tokens; a long run (a row the layout merged with
        # prose) would make the search over cut points explode, so it is not a value row.
        if math.comb(len(tokens) - 1, groups - 1) > _MAX_PARTITIONS:
            return None
        for cuts in combinations(range(1, len(tokens)), groups - 1):
            bounds = (0, *cuts, len(tokens))
            parts = [list(tokens[a:b]) for a, b in pairwise(bounds)]
            if all(_valid_group(part) for part in parts):
                return parts
    return None


def _unit_at(tokens: Sequence[_Token], index: int) -> Iterable[tuple[str, int]]:
    """Units starting at ``tokens[index]``: one token, or two when the unit wraps (``万亿`` / ``元``)."""
    first = tokens[index].text
    if unit_kind(first) is not None or first in units():
        yield first, 1
    if index + 1 < len(tokens) and tokens[index + 1].new_line:
        joined = first + tokens[index + 1].text
        if unit_kind(joined) is not None or joined in units() or \
                re.fullmatch(r"1?/(?:10)?万|1/10万", joined):
            yield joined, 2


def _split_row(tokens: Sequence[_Token], years: int, has_unit: bool
               ) -> tuple[list[_Token], str, list[list[_Token]]] | None:
    """Split a row's cells between name, unit and values: the first cut that reads as values."""
    for index in range(1, len(tokens)):
        if has_unit:
            for unit, width in _unit_at(tokens, index):
                parts = _partition(tokens[index + width:], years)
                if parts:
                    return list(tokens[:index]), unit, parts
        else:
            parts = _partition(tokens[index:], years)
            if parts:
                return list(tokens[:index]), "", parts
    return None


def _span_of(tokens: Sequence[_Token]) -> tuple[int, int]:
    return tokens[0].start, tokens[-1].end


def parse_indicator_table(document: Document, section: Section, passages: Sequence[Passage]
                          ) -> IndicatorTable | None:
    """Parse a flattened indicator table; None when the section's header is not one.

    ``passages`` are the section's passages (a header and one passage per row). A row whose
    cells cannot be read is reported in ``problems`` rather than guessed.
    """
    rows_passages = sorted((p for p in passages if p.section_id == section.id and p.kind == "table_row"),
                           key=lambda p: p.start)
    if not rows_passages:
        return None
    header = parse_header(document.text[section.body_start:rows_passages[0].start])
    if header is None:
        return None
    roles, years, first_run = header
    has_domain, has_unit, has_attribute = "domain" in roles, "unit" in roles, "attribute" in roles

    rows: list[TableRow] = []
    problems: list[str] = []
    domain = ""
    pending = first_run if has_domain else ""
    for passage in rows_passages:
        head = _ROW_HEAD.match(passage.text)
        if head is None:
            problems.append(f"{passage.id}: no row number at the start of {passage.text[:20]!r}")
            continue
        number = int(head.group("row"))
        tokens = _tokens(passage.text[head.end():], passage.start + head.end())
        trailing: list[_Token] = []
        attribute = ""
        if has_attribute:
            found = _find_attribute(tokens)
            if found is None:
                problems.append(f"row {number}: no attribute ({' or '.join(ATTRIBUTES)}) found")
                continue
            attribute, at, width = found
            trailing = tokens[at + width:]
            tokens = tokens[:at]
        elif has_domain:
            while tokens and tokens[-1].new_line and _DOMAIN_RUN.match(tokens[-1].text) and \
                    _split_row(tokens[:-1], len(years), has_unit):
                trailing.insert(0, tokens.pop())
        split = _split_row(tokens, len(years), has_unit)
        if split is None:
            problems.append(f"row {number}: cannot split {squeeze(passage.text)!r} into name, unit and "
                            f"{len(years)} value column(s)")
            continue
        name_tokens, unit, parts = split
        run = "".join(t.text for t in trailing if _DOMAIN_RUN.match(t.text)) if has_domain else ""

        # 领域 cells are printed one character per line, before the rows they head; a character
        # printed on the row's own line (健 23) starts a name completed by the run after the row.
        if head.group("lead") and has_domain:
            domain, pending = pending + head.group("lead") + run, ""
        else:
            if pending:
                domain, pending = pending, ""
            pending = run

        per_cell = len(parts) // len(years)
        columns = []
        for i, year in enumerate(years):
            cells = parts[i * per_cell:(i + 1) * per_cell]
            values = tuple(Value.read(document, *_span_of(cell)) for cell in cells)
            columns.append((year, tuple(v for v in values if v.text not in _MISSING)))
        name_start, name_end = _span_of(name_tokens)
        rows.append(TableRow(
            doc_id=document.id, passage_id=passage.id, row=number, domain=domain,
            name=Phrase(squeeze(document.text[name_start:name_end]), name_start, name_end),
            unit=unit, attribute=attribute, columns=tuple(columns),
        ))
    return IndicatorTable(document.id, section.id, section.title, roles, years, tuple(rows), tuple(problems))


def _find_attribute(tokens: Sequence[_Token]) -> tuple[str, int, int] | None:
    for index in range(len(tokens) - 1, -1, -1):
        if tokens[index].text in ATTRIBUTES:
            return tokens[index].text, index, 1
        if index + 1 < len(tokens) and tokens[index].text + tokens[index + 1].text in ATTRIBUTES:
            return tokens[index].text + tokens[index + 1].text, index, 2
    return None


# ---------------------------------------------------------------------------
# Value statements in running text
# ---------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _value_pattern() -> re.Pattern[str]:
    approx = "|".join(sorted(_APPROX, key=len, reverse=True))
    return re.compile(
        rf"(?<![\d.A-Za-z/])(?P<approx>{approx})?(?P<sym>[≤≥<>＜＞≦≧])?(?P<num>{_NUMBER})"
        rf"(?:{_RANGE}(?P<num2>{_NUMBER}))?(?P<unit>{_unit_alternation()})"
        rf"(?P<suffix>及以上|及以下|以上|以下|以内|左右)?"
    )


def _verb_pattern(words: Iterable[str]) -> re.Pattern[str]:
    return re.compile("(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + ")了?$")


_LEVEL_AT_END = _verb_pattern(_LEVEL_VERBS)
_CHANGE_AT_END = _verb_pattern(_CHANGE_WORDS)
_COUNT_AT_END = _verb_pattern(_COUNT_VERBS)
_CLAUSE_BREAK = re.compile(r"[，,；;：:]")


@dataclass(frozen=True)
class Statement:
    """A value sentence read from text, before it is classified as a target or an observation."""

    passage: Passage
    phrase: Phrase
    value: Value
    shape: str  # "level" (X达到Y), "share" (Y%的X…), "count" (建设N个X), "designation" (建设成为X)
    year: int | None  # the year the sentence states for it
    as_of: str | None  # 截至YYYY年底 → YYYY-12-31
    future: bool  # the year is introduced by 到 (a target year)


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out, cursor = [], start
    for match in _CLAUSE_BREAK.finditer(text, start, end):
        if match.start() > cursor:
            out.append((cursor, match.start()))
        cursor = match.end()
    if end > cursor:
        out.append((cursor, end))
    return out


def _clean_phrase(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim discourse words around a phrase: years, 全区, 力争, 分别, a 从X start value …"""
    while start < end:
        piece = text[start:end]
        lead = _LEAD_FILLER.match(piece)
        if lead and lead.end() > 0:
            start += lead.end()
            continue
        trail = _TRAIL_FILLER.search(piece)
        if trail and trail.start() < len(piece) and trail.start() > 0:
            end = start + trail.start()
            continue
        base = re.search(r"(?:在|较|比)(?:19|20)\d\d年(?:的)?(?:基础上)?$", piece)
        if base and base.start() > 0:
            end = start + base.start()
            continue
        origin = re.search(rf"[从由][^，。；]{{0,12}}?(?:{_value_pattern().pattern})$", piece)
        if origin and origin.start() > 0:
            end = start + origin.start()
            continue
        break
    while end > start and text[end - 1] in "的、和及与或。！？!?；;…":
        end -= 1
    return start, end


def _year_context(text: str, start: int, position: int) -> tuple[int | None, str | None, bool]:
    """(year, as-of date, future) from the last year marker in ``text[start:position]``."""
    year: int | None = None
    as_of: str | None = None
    future = False
    for match in _YEAR_MARK.finditer(text, start, position):
        before = text[start:match.start()]
        if before.count("《") > before.count("》") or match.group("post") in ("以来", "起", "度"):
            continue
        year = int(match.group("year"))
        pre, post = match.group("pre") or "", match.group("post") or ""
        as_of = f"{year}-12-31" if pre in ("截至", "截止", "截止到", "至") and post else None
        future = pre == "到"
    return year, as_of, future


def find_statements(document: Document, passage: Passage) -> list[Statement]:
    """Every value statement in a passage's sentences, with the phrase naming what it measures."""
    text = document.text
    out: list[Statement] = []
    for s_start, s_end in sentences(text, passage.start, passage.end):
        line_start = text.rfind("\n", 0, s_start) + 1
        paragraph_year = _year_context(text, line_start, line_start + 12) if line_start < s_start else \
            (None, None, False)
        body_end = s_end
        while body_end > s_start and text[body_end - 1] in "。！？!?；;…”’」』":
            body_end -= 1
        clauses = _clauses(text, s_start, body_end)
        for index, (c_start, c_end) in enumerate(clauses):
            for statement in _clause_statements(document, passage, clauses, index):
                year, as_of, future = _year_context(text, s_start, statement.value.start)
                if year is None:
                    year, as_of, future = paragraph_year
                out.append(Statement(passage, statement.phrase, statement.value, statement.shape, year, as_of,
                                     future))
    return out


# 将A建设成为B / 推动A建成B: a plan aims for more institutions of type B, without a number.
_DESIGNATION = re.compile(
    rf"(?P<verb>建设成为|建成为|转型为|建成)(?P<noun>(?!若干|一批|一些|多个|\d)[{_CJK}（）()]{{2,14}}?"
    rf"(?:医院|中心|卫生院|卫生室|机构|基地|站|馆|诊所|实验室))(?=[，。；、,;]|$)"
)


def find_designations(document: Document, passage: Passage) -> list[Statement]:
    """Aims without a number (将…卫生院建设成为社区医院): qualitative targets on a count of ``noun``.

    The value is the words of the aim as written (建设成为社区医院), with no comparator or number.
    """
    text = document.text
    out = []
    for s_start, s_end in sentences(text, passage.start, passage.end):
        for match in _DESIGNATION.finditer(text, s_start, s_end):
            value = Value(squeeze(match.group()), match.start(), match.end(), None, None, "", False)
            phrase = Phrase(squeeze(match.group("noun")), match.start("noun"), match.end("noun"))
            year, as_of, future = _year_context(text, s_start, match.start())
            out.append(Statement(passage, phrase, value, "designation", year, as_of, future))
    return out


def _unit_of(match: re.Match[str]) -> str:
    return match.group("unit") or ""


_LEVEL_AT_END_RATE = _verb_pattern(_RATE_VERBS)
_CHANGE_NOUN = re.compile(r"(?:增幅|降幅|增速|涨幅|增长率|下降率)$")
_EMBEDDED_VERB = re.compile("|".join(re.escape(v) for v in _LEVEL_VERBS if len(v) >= 2))


def _ends_name(text: str, position: int, end: int) -> bool:
    """True when the value ending at ``position`` is followed by words that continue a name
    (3岁以下儿童…, 65岁及以上老年人…): then the number belongs to a name, not a statement."""
    rest = text[position:end]
    return bool(rest) and bool(re.match(rf"[{_CJK}]", rest)) and not re.match(r"[的和及与或]", rest)


def _clause_statements(document: Document, passage: Passage, clauses: list[tuple[int, int]],
                       index: int) -> list[Statement]:
    text = document.text
    c_start, c_end = clauses[index]
    matches = list(_value_pattern().finditer(text, c_start, c_end))
    out: list[Statement] = []
    shares: list[tuple[re.Match[str], int]] = []  # "Y%的" values and where their population starts
    used: set[int] = set()
    # The phrase of a value starts after the clause's previous value (…0.1平方米或室外人均用地…),
    # unless that value is part of a name (3岁以下儿童) or the start of a change (从14.18/10万下降到).
    phrase_start = c_start
    for i, match in enumerate(matches):
        if i > 0 and not _ends_name(text, matches[i - 1].end(), c_end) and \
                not re.search(r"[从由][^，。；、]{0,12}$", text[phrase_start:matches[i - 1].start()]):
            phrase_start = max(phrase_start, matches[i - 1].end())
        if i in used:
            continue
        kind = unit_kind(_unit_of(match))
        after = text[match.end():c_end]
        # Y%的X / Y%以上X: a share of a population.
        if kind in ("percent", "permille") and (after.startswith("的") or (match.group("suffix") and after[:1]
                                                                         and re.match(rf"[{_CJK}]", after))):
            shares.append((match, match.end() + (1 if after.startswith("的") else 0)))
            continue
        prefix = text[phrase_start:match.start()]
        # A value list after one verb: 分别达到5.9张、7.42人 …
        group = [match]
        j = i
        while j + 1 < len(matches) and re.fullmatch(r"[、和及与]", text[matches[j].end():matches[j + 1].start()]):
            j += 1
            group.append(matches[j])
            used.add(j)
        count = _COUNT_AT_END.search(prefix)
        if count and kind in ("count", "people"):
            if not re.search(r"各|每个|分别", text[c_start:match.start()]):
                following = matches[j + 1].start() if j + 1 < len(matches) else c_end
                out.extend(_count_statements(document, passage, group, following))
            continue
        if _ends_name(text, group[-1].end(), c_end):
            continue
        level = _LEVEL_AT_END.search(prefix)
        if level is None and kind in ("percent", "permille"):
            level = _LEVEL_AT_END_RATE.search(prefix)
        change = _CHANGE_AT_END.search(prefix)
        if change and (not level or change.start() <= level.start()) and not prefix.endswith(("到", "至")):
            out.extend(_level_statements(document, passage, clauses, index, phrase_start,
                                         phrase_start + change.start(), group, relative=True))
        elif level:
            out.extend(_level_statements(document, passage, clauses, index, phrase_start,
                                         phrase_start + level.start(), group))
        else:
            p_start, p_end = _clean_phrase(text, phrase_start, match.start())
            named = text[p_start:p_end]
            if p_end > p_start and _MEASURE_END.search(named) and not _EMBEDDED_VERB.search(named):
                out.extend(_level_statements(document, passage, clauses, index, phrase_start, match.start(),
                                             group))
    out.extend(_share_statements(document, passage, shares, c_end))
    return out


def _value_of(document: Document, match: re.Match[str], start: int | None = None) -> Value:
    """The value of ``match``; from ``start`` when a verb before it says how it bounds (不低于90%)."""
    return Value.read(document, match.start() if start is None else start, match.end())


def _level_statements(document: Document, passage: Passage, clauses: list[tuple[int, int]], index: int,
                      phrase_start: int, verb_start: int, group: list[re.Match[str]],
                      relative: bool = False) -> list[Statement]:
    """X + verb + value(s): the phrase is the clause before the verb."""
    text = document.text
    p_start, p_end = _clean_phrase(text, phrase_start, verb_start)
    if p_end <= p_start:
        return []
    phrase_text = squeeze(text[p_start:p_end])
    if _GENERIC_PHRASE.match(phrase_text) and index > 0 and phrase_start == clauses[index][0]:
        # 占比达92.02%: the quantity is named by the clause before (minus its count).
        prev_start, prev_end = clauses[index - 1]
        counted = _value_pattern().match(text, prev_start)
        lead = counted.end() if counted and unit_kind(_unit_of(counted)) in ("count", "people") else prev_start
        q_start, q_end = _clean_phrase(text, lead, prev_end)
        if q_end > q_start:
            phrase_text = squeeze(text[q_start:q_end]) + phrase_text
            p_start = q_start
    relative = relative or bool(_CHANGE_NOUN.search(phrase_text))
    verb = text[verb_start:group[0].start()]
    # The verb is part of the value as written when it says how the value bounds or changes.
    bounding = relative or _LEVEL_VERBS.get(verb.rstrip("了"), "=") != "="
    values = [_value_of(document, m, verb_start if bounding and k == 0 else None) for k, m in enumerate(group)]
    if relative:
        values = [Value(v.text, v.start, v.end, None, None, v.unit, True) for v in values]
    if len(values) == 1:
        return [Statement(passage, Phrase(phrase_text, p_start, p_end), values[0], "level", None, None, False)]
    items = _enumeration(text, p_start, p_end, len(values))
    if items is None:
        return []
    return [Statement(passage, phrase, value, "level", None, None, False)
            for phrase, value in zip(items, values, strict=True)]


def _enumeration(text: str, start: int, end: int, count: int) -> list[Phrase] | None:
    """Split ``A、B、C`` into ``count`` phrases; a leading 每千人口/人均 is shared by all."""
    pieces: list[tuple[int, int]] = []
    cursor = start
    for match in re.finditer(r"[、和]", text[start:end]):
        pieces.append((cursor, start + match.start()))
        cursor = start + match.end()
    pieces.append((cursor, end))
    if len(pieces) != count:
        return None
    shared = _PER_CAPITA.match(text, pieces[0][0])
    out = []
    for a, b in pieces:
        reading = squeeze(text[a:b])
        if shared and not _PER_CAPITA.match(reading):
            reading = squeeze(shared.group()) + reading
        out.append(Phrase(reading, a, b))
    return out


def _count_statements(document: Document, passage: Passage, group: list[re.Match[str]],
                      stop_at: int) -> list[Statement]:
    """verb + N个 + X: the phrase is what follows the count, up to the next 、 or value."""
    text = document.text
    out = []
    for k, match in enumerate(group):
        stop = group[k + 1].start() if k + 1 < len(group) else stop_at
        cut = re.search(r"、", text[match.end():stop])
        end = match.end() + cut.start() if cut else stop
        p_start, p_end = _clean_phrase(text, match.end(), end)
        if p_end - p_start >= 2:
            out.append(Statement(passage, Phrase(squeeze(text[p_start:p_end]), p_start, p_end),
                                 _value_of(document, match), "count", None, None, False))
    return out


def _share_statements(document: Document, passage: Passage, shares: list[tuple[re.Match[str], int]],
                      c_end: int) -> list[Statement]:
    """Y%的X达到…: the phrase is the population and its predicate; 100%的A、95%的B达到… share it."""
    text = document.text
    out: list[Statement] = []
    for k, (match, pop_start) in enumerate(shares):
        following = shares[k + 1][0].start() if k + 1 < len(shares) else None
        if following is not None and re.fullmatch(r"[、和及与]", text[_prev_non_space(text, following)]):
            # An enumerated population: its predicate is the last population's.
            pop_end = _prev_non_space(text, following)
            last_start = shares[-1][1]
            verb = _first_predicate(text, last_start, c_end)
            if verb is None:
                continue
            reading = squeeze(text[pop_start:pop_end]) + squeeze(text[verb:c_end])
            out.append(Statement(passage, Phrase(reading, pop_start, pop_end),
                                 _value_of(document, match), "share", None, None, False))
            continue
        if re.match(r"的?目标", text[pop_start:pop_start + 4]):
            continue  # 达到90%左右的目标要求: a target quoted, not a value
        p_start, p_end = _clean_phrase(text, pop_start, c_end)
        if p_end - p_start >= 2:
            out.append(Statement(passage, Phrase(squeeze(text[p_start:p_end]), p_start, p_end),
                                 _value_of(document, match), "share", None, None, False))
    return out


def _prev_non_space(text: str, position: int) -> int:
    position -= 1
    while position > 0 and text[position].isspace():
        position -= 1
    return position


def _first_predicate(text: str, start: int, end: int) -> int | None:
    best = None
    for verb in _PREDICATE_VERBS + ("设立", "建成", "能够", "可以"):
        found = text.find(verb, start, end)
        if found > start and (best is None or found < best):
            best = found
    return best


# ---------------------------------------------------------------------------
# Linking values to indicators
# ---------------------------------------------------------------------------

@lru_cache(maxsize=65536)
def normalise_label(phrase: str) -> str:
    """The comparable form of an indicator phrase: variants unified, the generic 的比例 dropped,
    punctuation removed (``二级以上综合医院设立老年医学科的比例`` → ``二级及以上综合性医院设置老年医学科``)."""
    text = squeeze(phrase).replace("％", "%")
    for canonical, variants in _aliases():
        for variant in variants:
            text = text.replace(variant, canonical)
    text = re.sub(r"(?:的)?比例$", "", text)
    # A closing note in brackets says how the figure is counted (…死亡率（按常住人口计算）).
    text = re.sub(r"[（(][^（）()]*[）)]$", "", text) or text
    return re.sub(rf"[^{_CJK}0-9A-Za-z%‰\u2160-\u217f]", "", text)


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)} or ({text} if text else set())


def _qualifiers(text: str, group: _QualifierGroup) -> set[int]:
    found = {i for i, words in enumerate(group.options) if any(w in text for w in words)}
    if not found and group.default is not None and group.anchor and group.anchor in text:
        found = {group.default}
    return found


@lru_cache(maxsize=65536)
def _all_qualifiers(text: str) -> tuple[set[int], ...]:
    """:func:`_qualifiers` of ``text`` for every qualifier group, in order."""
    return tuple(_qualifiers(text, group) for group in _qualifier_groups())


@lru_cache(maxsize=65536)
def _predicate(text: str) -> tuple[str, str] | None:
    for position in range(1, len(text)):
        for verb in _PREDICATE_VERBS:
            if text.startswith(verb, position):
                return verb, text[position + len(verb):]
    return None


def _rate_word(text: str) -> str | None:
    return text[-3:] if text.endswith("率") and len(text) >= 3 else None


def _kind(label: str, unit: str) -> tuple[str | None, bool]:
    kind = unit_kind(unit) if unit else None
    per_capita = bool(_PER_CAPITA.search(label)) and kind in _SCALED_KINDS
    return kind, per_capita


def _veto(observed: str, o_unit: str, indicator: Entity) -> str | None:
    """Why ``observed`` cannot be ``indicator`` whatever the label similarity, or None."""
    target = normalise_label(indicator.label)
    i_unit = str(indicator.properties.get("unit", ""))
    o_kind, o_per = _kind(observed, o_unit)
    i_kind, i_per = _kind(target, i_unit)
    # An indicator without a unit (a qualitative aim such as 建设成为社区医院) counts institutions.
    if o_kind != i_kind and not (i_kind is None and not i_unit and o_kind == "count"):
        return f"unit {o_unit or '(none)'} ({o_kind}) is not of the kind of {i_unit or '(none)'} ({i_kind})"
    if o_per != i_per:
        return "one is per head of population, the other an absolute amount"
    rate = _rate_word(observed)
    if rate and rate not in target:
        return f"the phrase names the rate {rate}, which the indicator does not"
    for group, a, b in zip(_qualifier_groups(), _all_qualifiers(observed), _all_qualifiers(target)):
        if a and b and not a & b:
            return f"qualifiers differ: {_option_names(group, a)} vs {_option_names(group, b)}"
    p, q = _predicate(observed), _predicate(target)
    if p and q and (p[0] != q[0] or (p[1] and q[1] and not _bigrams(p[1]) & _bigrams(q[1]))):
        return f"predicates differ: {p[0]}{p[1]} vs {q[0]}{q[1]}"
    return None


def _option_names(group: _QualifierGroup, options: set[int]) -> str:
    return "/".join(group.options[i][0] for i in sorted(options))


class IndicatorIndex:
    """Indicators with what linking needs precomputed: the inverse document frequency of bigrams
    over their names (shared words weigh less) and which indicators contain each bigram.

    Kept up to date as indicators and alternative labels are added, so linking costs the same
    whatever the number of indicators instead of a pass over all of them per phrase.
    """

    def __init__(self, indicators: Iterable[Entity] = ()) -> None:
        self.indicators: list[Entity] = []
        self._position: dict[int, int] = {}  # id(entity) → position
        self._grams: list[set[str]] = []
        self._df: Counter[str] = Counter()
        self._postings: dict[str, set[int]] = defaultdict(set)
        self._weights: tuple[dict[str, float], float] | None = None  # until the next change
        self.links: dict[tuple[str, str], tuple[Entity, float, str] | None] = {}  # until the next change
        for indicator in indicators:
            self.add(indicator)

    def add(self, indicator: Entity) -> None:
        """Index a new indicator under its label and alternative labels."""
        self._position[id(indicator)] = len(self.indicators)
        self._weights, self.links = None, {}
        self.indicators.append(indicator)
        self._grams.append(set())
        for label in (indicator.label, *indicator.aliases):
            self._add_grams(len(self.indicators) - 1, label)

    def add_alias(self, indicator: Entity, alias: str) -> None:
        """Give an indexed indicator another label (and index its bigrams)."""
        indicator.aliases.add(alias)
        self._add_grams(self._position[id(indicator)], alias)

    def _add_grams(self, position: int, label: str) -> None:
        new = _label_grams(label) - self._grams[position]
        self._weights, self.links = None, {}
        self._grams[position] |= new
        self._df.update(new)
        for gram in new:
            self._postings[gram].add(position)

    def weights(self) -> tuple[dict[str, float], float]:
        """(weight of each known bigram, weight of an unseen one)."""
        if self._weights is None:
            n = max(len(self.indicators), 1)
            self._weights = (_IdfWeights(self._df, n), 1.0 + math.log(n))
        return self._weights

    def sharing(self, grams: set[str]) -> list[Entity]:
        """The indicators with at least one of ``grams`` in a name, in the order they were added."""
        found: set[int] = set()
        for gram in grams:
            found |= self._postings.get(gram, set())
        return [self.indicators[i] for i in sorted(found)]


class _IdfWeights(dict):  # type: ignore[type-arg]
    """1 + log(n / df) of a bigram, computed when asked (a dict view for :func:`similarity`)."""

    def __init__(self, df: Counter[str], n: int) -> None:
        super().__init__()
        self._df, self._n = df, n
        self._memo: dict[str, float] = {}

    def get(self, gram: str, default: float | None = None) -> float | None:  # type: ignore[override]
        if gram in self._memo:
            return self._memo[gram]
        count = self._df.get(gram, 0)
        if not count:
            return default
        weight = self._memo[gram] = 1.0 + math.log(self._n / count)
        return weight


@lru_cache(maxsize=65536)
def _label_grams(label: str) -> frozenset[str]:
    return frozenset(_bigrams(normalise_label(label)))


def similarity(observed: str, label: str, weights: dict[str, float] | None = None,
               unseen: float = 1.0) -> tuple[float, float, float]:
    """(score, weighted bigram Jaccard, containment of the label in the phrase), all 0–1.

    Both sides are compared in :func:`normalise_label` form. The score is the larger of the
    Jaccard and 0.9 × containment, so a phrase that says more than the name (自治区级区域医疗中心
    稳健运营) still matches it.
    """
    a, b = _label_grams(observed), _label_grams(label)
    if not a or not b:
        return 0.0, 0.0, 0.0
    w = (lambda g: weights.get(g, unseen)) if weights is not None else (lambda g: 1.0)
    inter = sum(w(g) for g in a & b)
    jaccard = inter / sum(w(g) for g in a | b)
    containment = inter / sum(w(g) for g in b)
    return max(jaccard, 0.9 * containment), jaccard, containment


def link_observation(observation_phrase: str, unit: str, indicators: Sequence[Entity] | IndicatorIndex
                     ) -> tuple[Entity, float, str] | None:
    """The indicator a phrase with a value in ``unit`` measures: (indicator, score, reason), or None.

    An indicator is a candidate only when no veto applies (units of different kinds, per head
    vs absolute, a named rate the indicator lacks, different qualifiers such as 国家级 vs
    自治区级 or 推荐标准 vs 基本标准, different predicates such as 设置老年医学科 vs 达到标准).
    Among candidates the best label similarity (:func:`similarity`, over the label and its
    alternative labels) wins if it reaches :data:`LINK_THRESHOLD`.
    """
    observed = normalise_label(observation_phrase)
    if len(observed) < 2:
        return None
    index = indicators if isinstance(indicators, IndicatorIndex) else IndicatorIndex(indicators)
    remembered = index.links.get((observation_phrase, unit), index)
    if remembered is not index:  # reports repeat their phrases (孕产妇死亡率 in every bulletin)
        return remembered  # type: ignore[return-value]
    found = _best_link(observation_phrase, observed, unit, index)
    index.links[(observation_phrase, unit)] = found
    return found


def _best_link(observation_phrase: str, observed: str, unit: str, index: IndicatorIndex
               ) -> tuple[Entity, float, str] | None:
    weights, unseen = index.weights()
    best: tuple[Entity, float, str] | None = None
    # An indicator sharing no bigram with the phrase scores 0, below any threshold.
    for indicator in index.sharing(_bigrams(observed)):
        if _veto(observed, unit, indicator) is not None:
            continue
        for label in (indicator.label, *sorted(indicator.aliases)):
            score, jaccard, containment = similarity(observation_phrase, label, weights, unseen)
            if score >= LINK_THRESHOLD and (best is None or score > best[1]):
                i_unit = indicator.properties.get("unit", "")
                reason = (f"label similarity {score:.2f} with {label!r} (weighted bigram Jaccard {jaccard:.2f}, "
                          f"containment {containment:.2f}); unit {unit or '(none)'} ~ {i_unit or '(none)'}")
                best = (indicator, score, reason)
    return best


def explain_link(observation_phrase: str, unit: str, indicator: Entity,
                 indicators: Sequence[Entity]) -> str:
    """Why a phrase is or is not linked to one indicator (for debugging and reports)."""
    veto = _veto(normalise_label(observation_phrase), unit, indicator)
    if veto:
        return f"vetoed: {veto}"
    weights, unseen = IndicatorIndex(indicators).weights()
    score = max(similarity(observation_phrase, label, weights, unseen)[0]
                for label in (indicator.label, *indicator.aliases))
    return f"similarity {score:.2f} (threshold {LINK_THRESHOLD})"


# ---------------------------------------------------------------------------
# Targets, observations and the extraction entry point
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """A value a plan sets for an indicator in a year."""

    doc_id: str
    passage_id: str
    indicator_key: str
    year: int
    value: Value
    phrase: Phrase | None  # the words naming the indicator in a sentence (None for a table cell)
    attribute: str = ""
    source: str = "text"  # "table", "text" or "box_item"
    score: float = 1.0  # link score of the phrase to the indicator (1 for the table)

    @property
    def id(self) -> str:
        """Stable id: document, indicator, year and value span."""
        return stable_id(self.doc_id, self.indicator_key, self.year, self.value.start, self.value.end)


@dataclass(frozen=True)
class Observation:
    """A value a document reports; linked to an indicator when ``indicator_key`` is set."""

    doc_id: str
    passage_id: str
    indicator_key: str | None
    year: int | None
    as_of: str | None
    value: Value
    phrase: Phrase | None
    is_baseline: bool = False
    score: float = 0.0
    reason: str = ""

    @property
    def id(self) -> str:
        """Stable id: document, indicator, year and value span."""
        return stable_id(self.doc_id, self.indicator_key, self.year, self.value.start, self.value.end)


@dataclass
class IndicatorExtraction:
    """Everything read about indicators from a corpus."""

    indicators: list[Entity] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)  # unlinked ones included
    mentions: list[Mention] = field(default_factory=list)
    tables: list[IndicatorTable] = field(default_factory=list)
    defined_in: dict[str, str] = field(default_factory=dict)  # indicator key → id of the plan defining it

    def indicator(self, key: str) -> Entity:
        """The indicator with ``key``."""
        for entity in self.indicators:
            if entity.key == key:
                return entity
        raise KeyError(f"no indicator with key {key!r}")

    @property
    def linked_observations(self) -> list[Observation]:
        """Observations linked to an indicator (the ones the graph holds)."""
        return [o for o in self.observations if o.indicator_key is not None]


def _indicator(label: str, unit: str, domain: str = "") -> Entity:
    entity = Entity(ENTITY_TYPE, key=normalise_key(label), label=label)
    entity.properties["unit"] = unit.replace("％", "%")
    if domain:
        entity.properties["domain"] = domain
    return entity


def normalise_key(label: str) -> str:
    """An indicator's key: its label without white space or punctuation."""
    return re.sub(rf"[^{_CJK}0-9A-Za-z%‰（）()《》\u2160-\u217f]", "", squeeze(label))


def _in_baseline_chapter(passage: Passage) -> bool:
    return any(_BASELINE_TITLES.search(title) for title in passage.section_path[1:])


def _plan_years(tables: Sequence[IndicatorTable], statements: Sequence[Statement]) -> tuple[int | None, int | None]:
    """(baseline year, target year) of a plan: from its table, else from its 到YYYY年 sentences
    (the most frequent one) and the five years a plan period runs."""
    for table in tables:
        if len(table.years) > 1:
            return table.years[0], table.years[-1]
        return None, table.years[-1]
    future = Counter(s.year for s in statements if s.future and s.year)
    if not future:
        return None, None
    target = future.most_common(1)[0][0]
    return target - 5, target


def _box_kind(passage: Passage) -> str:
    return "box_item" if passage.kind == "box_item" else "text"


def extract_indicators(documents_with_structure: list[DocumentWithStructure]) -> IndicatorExtraction:
    """Read indicators, targets, observations and mentions from structured documents.

    Plans (``kind == "plan"``) define the indicators: their indicator tables and the target
    phrases that name no table indicator. Their retrospective chapters give baselines. Other
    documents only contribute observations, linked to the plans' indicators when
    :func:`link_observation` finds one (unlinked ones are kept with ``indicator_key`` None).
    """
    result = IndicatorExtraction()
    by_key: dict[str, Entity] = {}
    pending_observations: list[tuple[Document, Statement, bool, int | None]] = []
    index = IndicatorIndex()

    def add_indicator(entity: Entity, doc_id: str) -> Entity:
        existing = by_key.get(entity.key)
        if existing is None:
            by_key[entity.key] = entity
            result.indicators.append(entity)
            index.add(entity)
            result.defined_in[entity.key] = doc_id
            return entity
        return existing

    plans = [d for d in documents_with_structure if d[0].meta.kind == "plan"]
    others = [d for d in documents_with_structure if d[0].meta.kind != "plan"]

    for document, sections, passages in plans:
        tables = []
        for section in sections:
            if section.kind == "table":
                table = parse_indicator_table(document, section, passages)
                if table is not None:
                    tables.append(table)
        result.tables.extend(tables)
        for table in tables:
            for row in table.rows:
                entity = add_indicator(_indicator(row.name.text, row.unit, row.domain), document.id)
                for value in row.target:
                    result.targets.append(Target(document.id, row.passage_id, entity.key, row.target_year, value,
                                                 None, row.attribute, "table"))
                if row.baseline_year is not None:
                    for value in row.baseline:
                        result.observations.append(Observation(
                            document.id, row.passage_id, entity.key, row.baseline_year, None, value, None,
                            is_baseline=True, score=1.0, reason="the table's baseline column"))
        table_sections = {t.section_id for t in tables}
        text_passages = [p for p in passages if p.section_id not in table_sections and p.kind != "table_header"]
        statements = [s for p in text_passages for s in find_statements(document, p)]
        statements += [s for p in text_passages if not _in_baseline_chapter(p) for s in find_designations(document, p)]
        baseline_year, target_year = _plan_years(tables, statements)
        for statement in statements:
            if _in_baseline_chapter(statement.passage):
                pending_observations.append((document, statement, True, baseline_year))
                continue
            year = statement.year if statement.future and statement.year else target_year
            if year is None:
                continue
            unit = _statement_unit(statement)
            link = link_observation(statement.phrase.text, unit, index)
            if link is not None:
                entity, score = link[0], link[1]
                if normalise_key(statement.phrase.text) != entity.key:
                    index.add_alias(entity, statement.phrase.text)
            elif statement.value.relative:
                continue  # a change alone does not define an indicator
            else:
                entity, score = add_indicator(_indicator(statement.phrase.text, unit), document.id), 1.0
            result.targets.append(Target(document.id, statement.passage.id, entity.key, year, statement.value,
                                         statement.phrase, "", _box_kind(statement.passage), score))

    for document, sections, passages in others:
        for passage in passages:
            for statement in find_statements(document, passage):
                pending_observations.append((document, statement, False, None))

    for document, statement, is_baseline, baseline_year in pending_observations:
        observation = _observation(document, statement, is_baseline, baseline_year, index)
        if observation is not None:
            result.observations.append(observation)

    result.mentions = _mentions(documents_with_structure, result)
    return result


def _name_automaton(names: Iterable[str]) -> Any:
    """An Aho–Corasick automaton over ``names``: every occurrence of every name in one pass."""
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for name in names:
        if name:
            automaton.add_word(name, name)
    if len(automaton):
        automaton.make_automaton()
    return automaton


def _occurrences(automaton: Any, text: str) -> dict[str, list[tuple[int, int]]]:
    """name → (start, end) in ``text`` of each occurrence, white space inside allowed, by start."""
    if not len(automaton):
        return {}
    where = [m.start() for m in re.finditer(r"\S", text)]  # compact position → text position
    compact = "".join(text[i] for i in where)
    out: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for last, name in automaton.iter(compact):
        out[name].append((where[last - len(name) + 1], where[last] + 1))
    for occurrences in out.values():
        occurrences.sort()
    return out


def _statement_unit(statement: Statement) -> str:
    return "%" if statement.shape == "share" and not statement.value.unit else statement.value.unit


def _observation(document: Document, statement: Statement, is_baseline: bool, baseline_year: int | None,
                 indicators: IndicatorIndex) -> Observation | None:
    value = statement.value
    if value.relative or value.number is None and value.comparator is None:
        return None  # changes and ranges are not observed levels
    meta = document.meta
    if is_baseline:
        year, as_of = baseline_year, None
        if year is None:
            return None
    elif statement.year is not None:
        if statement.future and meta.report_year and statement.year > meta.report_year:
            return None  # a target the report quotes (到2027年…), not a value it observed
        year, as_of = statement.year, statement.as_of
    else:
        year, as_of = meta.report_year, meta.as_of or None
        if year is None and as_of is None:
            year = int(meta.date[:4]) if meta.date[:4].isdigit() else None
        if year is None and as_of is None:
            return None
    link = link_observation(statement.phrase.text, _statement_unit(statement), indicators)
    key, score, reason = (link[0].key, link[1], link[2]) if link else (None, 0.0, "")
    return Observation(document.id, statement.passage.id, key, year, as_of, value, statement.phrase, is_baseline,
                       score, reason)


def _mentions(documents: Sequence[DocumentWithStructure], result: IndicatorExtraction) -> list[Mention]:
    """One mention per occurrence of an indicator's name: table names, linked phrases, and every
    other place its label or an alternative label is written (white space ignored)."""
    docs = {d.id: (d, passages) for d, _, passages in documents}
    passage_by_id = {p.id: p for _, _, passages in documents for p in passages}
    spans: dict[str, list[tuple[int, int, str, str]]] = defaultdict(list)  # doc → (start, end, key, passage)

    for table in result.tables:
        for row in table.rows:
            spans[row.doc_id].append((row.name.start, row.name.end, normalise_key(row.name.text), row.passage_id))
    entities = {e.key: e for e in result.indicators}
    for item in [*result.targets, *result.linked_observations]:
        phrase = item.phrase
        if phrase is None or squeeze(docs[item.doc_id][0].text[phrase.start:phrase.end]) != phrase.text:
            continue
        entity = entities[str(item.indicator_key)]
        # A phrase that says more than the name (…区域医疗中心稳健运营) is left to the name scan below.
        if max(similarity(phrase.text, name)[1] for name in (entity.label, *entity.aliases)) >= _MENTION_JACCARD:
            spans[item.doc_id].append((phrase.start, phrase.end, entity.key, item.passage_id))

    # Longest names first, so a name inside a longer one is not marked where the longer one is.
    names = sorted(((name, e.key) for e in result.indicators for name in (e.label, *e.aliases)
                    if len(normalise_key(name)) >= 4), key=lambda pair: (-len(pair[0]), pair[0], pair[1]))
    automaton = _name_automaton(squeeze(name) for name, _ in names)
    for doc_id, (document, passages) in docs.items():
        found = _occurrences(automaton, document.text)
        if not found:
            continue
        taken = bytearray(len(document.text))
        for start, end, _, _ in spans[doc_id]:
            taken[start:end] = b"\1" * (end - start)
        for name, key in names:
            occurrences = found.get(squeeze(name))
            if not occurrences:
                continue
            for passage in passages:
                scanned = passage.start  # as a left-to-right scan: matches of one name do not overlap
                for start, end in occurrences:
                    if start < scanned or end > passage.end:
                        continue
                    scanned = end
                    if any(taken[start:end]):
                        continue
                    taken[start:end] = b"\1" * (end - start)
                    spans[doc_id].append((start, end, key, passage.id))

    out: dict[str, Mention] = {}
    for doc_id, items in spans.items():
        document = docs[doc_id][0]
        for start, end, key, passage_id in items:
            mention = make_mention(document, passage_by_id[passage_id], ENTITY_TYPE, key, start, end)
            out.setdefault(mention.id, mention)
    return sorted(out.values(), key=lambda m: (m.doc_id, m.start, m.end))


# ---------------------------------------------------------------------------
# Graph
# ---------------------------------------------------------------------------

def indicator_iri(key: str) -> ox.NamedNode:
    """IRI of an indicator: ``id/entity/indicator/{hash of its key}`` (the ontology's scheme)."""
    return node(ID[f"entity/indicator/{stable_id(ENTITY_TYPE, key)}"])


def _decimal(value: Decimal) -> ox.Literal:
    return ox.Literal(format(value, "f"), datatype=node(XSD.decimal))


def _value_triples(out: QuadWriter, subject: ox.NamedNode, value: Value, default_unit: str) -> None:
    out.add_value(subject, POL.valueText, value.text)
    if value.number is not None:
        out.add(subject, POL.numericValue, _decimal(value.number))
    out.add_value(subject, POL.comparator, value.comparator)
    out.add_value(subject, POL.unit, (value.unit or default_unit).replace("％", "%"))
    out.add_value(subject, POL.start, value.start)
    out.add_value(subject, POL.end, value.end)


def indicator_quads(extraction: IndicatorExtraction, documents: Sequence[Document]) -> list[ox.Quad]:
    """The extraction as quads, each in the named graph of the document it was read from.

    Indicators live in the graph of the plan that defines them; a target, an observation, its
    ``pol:hasTarget``/``pol:hasObservation`` link and a mention live in the graph of their own
    document, so replacing one document replaces exactly its statements.
    """
    known = {d.id for d in documents}
    writers: dict[str, QuadWriter] = {d.id: QuadWriter(graph_iri(d.id)) for d in documents}
    indicator_doc = extraction.defined_in
    entities = {e.key: e for e in extraction.indicators}

    for key, entity in entities.items():
        doc_id = indicator_doc.get(key)
        if doc_id not in known:
            continue
        out, subject = writers[doc_id], indicator_iri(key)
        out.add(subject, RDF.type, node(POL.Indicator))
        out.add(subject, RDFS.label, zh(entity.label))
        for alias in sorted(entity.aliases):
            out.add(subject, SKOS.altLabel, zh(alias))
        out.add_value(subject, POL.unit, entity.properties.get("unit"))
        out.add_value(subject, POL.domain, entity.properties.get("domain"))

    for target in extraction.targets:
        if target.doc_id not in known or indicator_doc.get(target.indicator_key) not in known:
            continue
        out, subject = writers[target.doc_id], node(ID[f"target/{target.id}"])
        ind = indicator_iri(target.indicator_key)
        out.add(subject, RDF.type, node(POL.Target))
        out.add(subject, POL.indicator, ind)
        out.add(ind, POL.hasTarget, subject)
        out.add(subject, POL.year, literal(target.year))
        _value_triples(out, subject, target.value, str(entities[target.indicator_key].properties.get("unit", "")))
        out.add_value(subject, POL.attribute, target.attribute)
        out.add(subject, POL.setBy, doc_iri(target.doc_id))
        out.add(subject, PROV.wasDerivedFrom, passage_iri(target.passage_id))

    for observation in extraction.linked_observations:
        key = str(observation.indicator_key)
        if observation.doc_id not in known or indicator_doc.get(key) not in known:
            continue
        out, subject = writers[observation.doc_id], node(ID[f"observation/{observation.id}"])
        ind = indicator_iri(key)
        out.add(subject, RDF.type, node(POL.Observation))
        out.add(subject, POL.indicator, ind)
        out.add(ind, POL.hasObservation, subject)
        out.add_value(subject, POL.year, observation.year)
        if observation.as_of:
            out.add(subject, POL.asOf, ox.Literal(observation.as_of, datatype=node(XSD.date)))
        _value_triples(out, subject, observation.value, str(entities[key].properties.get("unit", "")))
        out.add(subject, POL.isBaseline, literal(observation.is_baseline))
        out.add(subject, POL.reportedIn, doc_iri(observation.doc_id))
        out.add(subject, PROV.wasDerivedFrom, passage_iri(observation.passage_id))

    for mention in extraction.mentions:
        if mention.doc_id not in known or indicator_doc.get(mention.key) not in known:
            continue
        out, subject = writers[mention.doc_id], node(ID[f"mention/{mention.id}"])
        out.add(subject, RDF.type, node(POL.Mention))
        out.add(subject, POL.inPassage, passage_iri(mention.passage_id))
        out.add(subject, POL.mentionOf, indicator_iri(mention.key))
        out.add_value(subject, POL.surface, mention.surface)
        out.add_value(subject, POL.start, mention.start)
        out.add_value(subject, POL.end, mention.end)
    return [quad for writer in writers.values() for quad in writer.quads]


# ---------------------------------------------------------------------------
# Scores against the hand-made gold (tests/data/gold)
# ---------------------------------------------------------------------------

GOLD_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "gold"
_GOLD_MAP = {ord("％"): "%", ord("＋"): "+", ord("＜"): "<", ord("＞"): ">"}
_GOLD_MAP.update({c: c - 0xFEE0 for c in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))})


def gold_normal(text: str | None) -> str | None:
    """The gold files' convention: no white space; ％＋＜＞ and full-width letters/digits half-width."""
    return None if text is None else squeeze(text).translate(_GOLD_MAP)


def table_row_fields(row: TableRow) -> dict[str, object]:
    """A row in the gold file's shape (values single, a list when a cell holds two, None for —)."""
    def cell(values: tuple[Value, ...]) -> object:
        texts = [gold_normal(v.text) for v in values]
        return None if not texts else texts[0] if len(texts) == 1 else texts
    return {"row": row.row, "domain": row.domain, "indicator": gold_normal(row.name.text),
            "unit": gold_normal(row.unit), "baseline": cell(row.baseline), "target": cell(row.target),
            "attribute": row.attribute}


def _quote_span(text: str, quote: str) -> tuple[int, int] | None:
    flexible = {"%": "[%％]", "<": "[<＜]", ">": "[>＞]", "+": "[+＋]", ",": "[,，]"}
    pattern = r"\s*".join(flexible.get(ch, re.escape(ch)) for ch in gold_normal(quote) or "")
    match = re.search(pattern, text)
    return (match.start(), match.end()) if match else None


def extraction_scores(corpus_dir: Path | None = None, gold_dir: Path | None = None) -> dict[str, object]:
    """Table-row accuracy and observation-link precision/recall against the gold annotations.

    Returns ``{"table": {...}, "links": {...}}``; :func:`format_scores` renders it for the CLI.
    A predicted link counts as correct when its value lies inside a gold observation's quote
    in the same document and its indicator is the one the gold's plan reference names.
    """
    from kg.ingest.corpus import load_corpus
    from kg.ingest.passages import split_passages
    from kg.ingest.sections import split_sections

    gold_dir = gold_dir or GOLD_DIR
    corpus_dir = corpus_dir or Path("corpus")
    load = load_corpus(corpus_dir, 50 << 20)
    structured = []
    for document in load.documents:
        sections = split_sections(document)
        structured.append((document, sections, split_passages(document, sections)))
    extraction = extract_indicators(structured)
    return score_extraction(extraction, structured, gold_dir)


def score_extraction(extraction: IndicatorExtraction, structured: Sequence[DocumentWithStructure],
                     gold_dir: Path) -> dict[str, object]:
    """:func:`extraction_scores` on an extraction already made."""
    gold_rows = json.loads((gold_dir / "indicator_table.json").read_text(encoding="utf-8"))
    gold_obs = json.loads((gold_dir / "observations.json").read_text(encoding="utf-8"))
    rows = {r.row: table_row_fields(r) for t in extraction.tables for r in t.rows}
    field_names = ("domain", "indicator", "unit", "baseline", "target", "attribute")
    exact, wrong = 0, []
    for gold in gold_rows:
        expected = {"domain": gold["domain"], "indicator": gold["indicator"], "unit": gold["unit"],
                    "baseline": gold["baseline_2020"], "target": gold["target_2025"], "attribute": gold["attribute"]}
        got = rows.get(gold["row"], {})
        bad = [f for f in field_names if got.get(f) != expected[f]]
        if bad:
            wrong.append({"row": gold["row"], "fields": bad})
        else:
            exact += 1

    documents = {d.id: (d, s, p) for d, s, p in structured}
    table_key = {r.row: normalise_key(r.name.text) for t in extraction.tables for r in t.rows}

    def locate(quote: str) -> tuple[str, int, int] | None:
        for doc_id, (document, _, _) in documents.items():
            if document.meta.kind == "plan":
                continue
            span = _quote_span(document.text, quote)
            if span:
                return doc_id, *span
        return None

    def expected_indicator(ref: dict[str, object], name: str, plan_target: str | None) -> str | None:
        if ref.get("source") == "table":
            return table_key.get(int(ref["row"]))  # type: ignore[arg-type]
        candidates = []
        for target in extraction.targets:
            if target.source == "table":
                continue
            box = _box_number(documents[target.doc_id], target.passage_id)
            if ref.get("source") == "box" and box != ref.get("box") or ref.get("source") == "prose" and box:
                continue
            if plan_target is not None and gold_normal(target.value.text) != gold_normal(plan_target):
                continue
            candidates.append(target.indicator_key)
        if not candidates:
            return None
        return max(candidates, key=lambda key: similarity(name, extraction.indicator(key).label)[0])

    predicted = [o for o in extraction.linked_observations
                 if documents[o.doc_id][0].meta.kind != "plan"]
    matched: set[str] = set()
    found, missed = [], []
    for gold in gold_obs["observations"]:
        place = locate(gold["quote"])
        want = expected_indicator(gold["plan_ref"], gold["indicator"], gold.get("plan_target"))
        hit = None
        if place and want:
            doc_id, q_start, q_end = place
            hit = next((o for o in predicted if o.doc_id == doc_id and q_start <= o.value.start < q_end
                        and o.indicator_key == want), None)
        (found if hit else missed).append(gold["quote"])
        if hit:
            matched.add(hit.id)
    violations = []
    for gold in gold_obs["not_same_quantity"]:
        place = locate(gold["quote"])
        avoid = expected_indicator(gold["plan_ref"], gold["not_indicator"], None)
        if place is None or avoid is None:
            continue
        doc_id, q_start, q_end = place
        for o in predicted:
            if o.doc_id == doc_id and q_start <= o.value.start < q_end and o.indicator_key == avoid:
                violations.append(gold["quote"])
    wrong_links = [f"{o.doc_id}: {o.phrase.text if o.phrase else ''} {o.value.text} → {o.indicator_key}"
                   for o in predicted if o.id not in matched]
    precision = len(matched) / len(predicted) if predicted else 0.0
    recall = len(found) / len(gold_obs["observations"]) if gold_obs["observations"] else 0.0
    return {
        "table": {"rows_exact": exact, "rows": len(gold_rows), "wrong": wrong},
        "links": {"predicted": len(predicted), "correct": len(matched), "gold": len(gold_obs["observations"]),
                  "precision": precision, "recall": recall, "missed": missed, "unconfirmed": wrong_links,
                  "must_not_violations": violations},
        "counts": {"indicators": len(extraction.indicators), "targets": len(extraction.targets),
                   "prose_targets": sum(1 for t in extraction.targets if t.source != "table"),
                   "observations": len(extraction.observations),
                   "linked_observations": len(extraction.linked_observations),
                   "mentions": len(extraction.mentions)},
    }


def _box_number(structured: DocumentWithStructure, passage_id: str) -> int | None:
    _, sections, passages = structured
    by_id = {s.id: s for s in sections}
    passage = next((p for p in passages if p.id == passage_id), None)
    section = by_id.get(passage.section_id) if passage else None
    while section is not None:
        if section.kind == "box":
            return section.ordinal
        section = by_id.get(section.parent_id) if section.parent_id else None
    return None


def format_scores(scores: dict[str, object]) -> str:
    """Render :func:`extraction_scores` as the lines ``kg eval --extraction`` prints."""
    table = scores["table"]
    links = scores["links"]
    counts = scores["counts"]
    if not (isinstance(table, dict) and isinstance(links, dict) and isinstance(counts, dict)):
        raise TypeError("format_scores expects the dict extraction_scores returns")
    lines = [
        f"indicator table   rows exact {table['rows_exact']}/{table['rows']}",
        (f"observation links precision {links['precision']:.2f} ({links['correct']}/{links['predicted']})  "
         f"recall {links['recall']:.2f} ({links['gold'] - len(links['missed'])}/{links['gold']})  "
         f"must-not violations {len(links['must_not_violations'])}"),
        "counts            " + "  ".join(f"{k} {v}" for k, v in counts.items()),
    ]
    lines += [f"  wrong row {w['row']}: {', '.join(w['fields'])}" for w in table["wrong"]]
    lines += [f"  missed link: {q}" for q in links["missed"]]
    lines += [f"  unconfirmed link: {q}" for q in links["unconfirmed"]]
    lines += [f"  must-not linked: {q}" for q in links["must_not_violations"]]
    return "\n".join(lines)
