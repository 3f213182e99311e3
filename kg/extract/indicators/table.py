"""The indicator table of a plan, parsed as a table: header roles and years, then one row per passage.

A ``table`` section whose header names 指标, 单位 and year columns is read cell by cell, not
matched against known names. The last year column is the target year, earlier ones are
baselines; every row passage gives one indicator: row number, name (wrapped over lines), unit,
one or more values per year column, attribute, and its 领域, whose characters the flattened PDF
prints one per line between rows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations, pairwise

from kg.extract.indicators.values import ATTRIBUTES, Phrase, Value
from kg.quantities import CJK, MISSING, SYMBOLS, is_value_text, squeeze, unit_kind, units
from kg.records import Document, Passage, Section

_DOMAIN_RUN = re.compile(rf"^[{CJK}]{{1,2}}$")


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
_ROW_HEAD = re.compile(rf"^(?:(?P<lead>[{CJK}])[ \t]+)?(?P<row>\d{{1,3}})(?=\s|$)")


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


def _header_cells(flat: str) -> tuple[list[tuple[str, str, int | None]], int]:
    """The header cells at the start of squeezed text: (cell as written, role, year or None)
    each, and where the header ends."""
    cells: list[tuple[str, str, int | None]] = []
    pos = 0
    while pos < len(flat):
        year = _YEAR_CELL.match(flat, pos)
        if year:
            cells.append((year.group(), "year", int(year.group(1))))
            pos = year.end()
            continue
        for label, role in _HEADER_CELLS:
            if flat.startswith(label, pos):
                cells.append((label, role, None))
                pos += len(label)
                break
        else:
            break
    return cells, pos


def parse_header(text: str) -> tuple[tuple[str, ...], tuple[int, ...], str] | None:
    """Read a flattened table header: (column roles, years, the text after the header).

    Header cells come one after another, often one character per line; white space is
    ignored. What follows the last header cell is the first 领域 of the body. None when the
    text does not start with a header naming an indicator column and at least one year.
    """
    flat = squeeze(text)
    cells, pos = _header_cells(flat)
    roles = [role for _, role, _ in cells]
    years = [year for _, _, year in cells if year is not None]
    if "name" not in roles or not years:
        return None
    return tuple(roles), tuple(years), flat[pos:]


def header_labels(text: str) -> tuple[str, ...]:
    """The column labels of a flattened indicator table's header as written (领域, 序号, 指标,
    单位, 2020年, 2025年, 指标属性), so a quoted row can be read with them; () when ``text`` does
    not start with such a header (see :func:`parse_header`)."""
    if parse_header(text) is None:
        return ()
    return tuple(label for label, _, _ in _header_cells(squeeze(text))[0])


def _is_number_edge(left: str, right: str) -> bool:
    """Two tokens that cannot be one cell: a number directly followed by another number."""
    return left[-1:].isdigit() and (right[:1].isdigit() or right[:1] in SYMBOLS)


def _valid_group(group: Sequence[_Token]) -> bool:
    for left, right in pairwise(group):
        if _is_number_edge(left.text, right.text) or left.text in MISSING or right.text in MISSING:
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
            columns.append((year, tuple(v for v in values if v.text not in MISSING)))
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
