"""Sections → passages: sentence-bounded chunks within one section, each with offsets.

A passage never crosses a section boundary, so its section path says where it is.
Table sections are cut into one passage per row (rows are found by their running
ordinal 1, 2, 3 …), because a row is what answers a question about one indicator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from kg.records import Document, Passage, Section, stable_id
from kg.ingest.sections import own_segments

_SENTENCE = re.compile(r"[^。！？!?\n]*(?:[。！？!?]+[”’」』）)]*|\n|$)")
_SOFT_BREAKS = ("；;", "，,、")
_ROW_START = re.compile(r"^(?:\S\s)?(\d{1,3})(?=\s|$)")


def split_passages(document: Document, sections: list[Section], target: int = 160,
                   maximum: int = 300) -> list[Passage]:
    """Cut every section's own text into passages of about ``target``–``maximum`` characters."""
    passages: list[Passage] = []
    has_children = {s.parent_id for s in sections}
    for section in sections:
        if section.kind == "table":
            passages.extend(_table_passages(document, section))
            continue
        kind = "box_item" if section.kind == "box_item" else "text"
        for seg_start, seg_end in _own_text(section, sections):
            bare = seg_start == section.start and not document.text[section.body_start:seg_end].strip()
            if bare and section.id in has_children:
                continue  # a bare heading: its title travels with the children's passages
            for start, end in _chunks(document.text, seg_start, seg_end, target, maximum):
                passages.append(_passage(document, section, kind, start, end))
    passages.sort(key=lambda p: p.start)
    return passages


def _own_text(section: Section, sections: list[Section]) -> list[tuple[int, int]]:
    """Own segments, starting at the heading itself so a title is searchable text."""
    segments = own_segments(section, sections)
    if section.kind != "root" and section.start < section.body_start:
        if segments and segments[0][0] == section.body_start:
            segments[0] = (section.start, segments[0][1])
        else:
            segments.insert(0, (section.start, section.body_start))
    return segments


def _passage(document: Document, section: Section, kind: str, start: int, end: int) -> Passage:
    text = document.text[start:end]
    return Passage(
        id=stable_id(document.id, start, end, text),
        doc_id=document.id,
        section_id=section.id,
        section_path=section.path,
        kind=kind,
        start=start,
        end=end,
        text=text,
    )


def sentences(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Yield (start, end) of the sentences of ``text[start:end]``, whitespace trimmed."""
    for match in _SENTENCE.finditer(text, start, end):
        s, e = match.start(), match.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            yield s, e
        if match.end() >= end:
            break


def _split_long(text: str, start: int, end: int, maximum: int) -> Iterator[tuple[int, int]]:
    """Cut a sentence longer than ``maximum`` at semicolons, then commas, then hard."""
    if end - start <= maximum:
        yield start, end
        return
    for breaks in _SOFT_BREAKS:
        cuts = [i + 1 for i in range(start, end - 1) if text[i] in breaks]
        if cuts:
            pieces: list[tuple[int, int]] = []
            piece_start = start
            for cut in cuts + [end]:
                if cut - piece_start >= maximum // 2 or cut == end:
                    pieces.append((piece_start, cut))
                    piece_start = cut
            if len(pieces) > 1:
                for s, e in pieces:
                    yield from _split_long(text, s, e, maximum)
                return
    for s in range(start, end, maximum):
        yield s, min(s + maximum, end)


def _chunks(text: str, start: int, end: int, target: int, maximum: int) -> Iterator[tuple[int, int]]:
    """Pack consecutive sentences into chunks: close at ``target``, never pass ``maximum``."""
    units = [piece for s, e in sentences(text, start, end) for piece in _split_long(text, s, e, maximum)]
    chunks: list[list[int]] = []
    for s, e in units:
        if chunks and (chunks[-1][1] - chunks[-1][0] < target) and e - chunks[-1][0] <= maximum:
            chunks[-1][1] = e
        else:
            chunks.append([s, e])
    # A short tail reads better joined to the chunk before it.
    if len(chunks) >= 2 and chunks[-1][1] - chunks[-1][0] < target // 4 and \
            chunks[-1][1] - chunks[-2][0] <= maximum + target // 4:
        tail = chunks.pop()
        chunks[-1][1] = tail[1]
    for s, e in chunks:
        yield s, e


def table_rows(text: str, start: int, end: int) -> list[tuple[int | None, int, int]]:
    """Split a table region into (row number, start, end); number None for the header.

    A row starts at a line whose first number (after at most one stray character of
    a vertical header cell) is the next expected ordinal.
    """
    rows: list[tuple[int | None, int, int]] = []
    expected = 1
    row_start, row_no = start, None
    offset = start
    for line in text[start:end].split("\n"):
        match = _ROW_START.match(line)
        if match and int(match.group(1)) == expected:
            if offset > row_start:
                rows.append((row_no, row_start, offset - 1))
            row_start, row_no = offset, expected
            expected += 1
        offset += len(line) + 1
    rows.append((row_no, row_start, end))
    return [(n, s, e) for n, s, e in rows if e > s]


def _table_passages(document: Document, section: Section) -> list[Passage]:
    if "\t" in document.text[section.body_start:section.end]:
        return _delimited_table_passages(document, section)
    out = []
    for number, start, end in table_rows(document.text, section.start, section.end):
        kind = "table_header" if number is None else "table_row"
        out.append(_passage(document, section, kind, start, end))
    return out


@dataclass(frozen=True)
class TableCell:
    """One cell of a table row, read with the column header above it."""

    label: str  # the column's header ("" when the header cell is blank), several header rows joined by ·
    start: int  # the cell's span in the document text (exact: the row passage's text is the row)
    end: int


def _cells(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of each tab-separated cell of the line ``text[start:end]``."""
    out, position = [], start
    for cell in text[start:end].split("\t"):
        out.append((position, position + len(cell)))
        position += len(cell) + 1
    return out


def _is_label(cell: str) -> bool:
    """A header cell: a short name of a column, no sentence, no number (部门, 牵头单位, 2025年目标值)."""
    bare = cell.strip()
    return len(bare) <= 12 and not re.search(r"[。；;，,！？!?]", bare) and not re.fullmatch(r"[\d.%％]+", bare)


def header_rows(lines: list[str]) -> int:
    """How many of a tab-separated table's first ``lines`` are its header.

    The first row always is. A header of two rows (责任单位 over 牵头单位 and 配合单位) shows as a
    second row of labels only that repeats a label of the first in the same column (a cell merged
    down both rows is written in each, see :mod:`kg.ingest.readers.docx`) or has more cells (a cell
    merged across its columns is written once); a first data row of short cells does neither.
    """
    count = 1
    while count < len(lines):
        above, row = lines[count - 1].split("\t"), lines[count].split("\t")
        labels = all(_is_label(cell) for cell in row) and any(cell.strip() for cell in row)
        repeats = any(a.strip() and a.strip() == b.strip() for a, b in zip(above, row))
        if not (labels and (repeats or len(row) > len(above))):
            break
        count += 1
    return count


def column_labels(lines: list[str]) -> list[str]:
    """The label of each column under the header ``lines``: the distinct cells over it, top down."""
    rows = [line.split("\t") for line in lines]
    labels = []
    for column in range(max(len(row) for row in rows)):
        parts: list[str] = []
        for row in rows:
            cell = row[column].strip() if column < len(row) else ""
            if cell and cell not in parts:
                parts.append(cell)
        labels.append("·".join(parts))
    return labels


def row_cells(text: str, section: Section, passage: Passage) -> list[TableCell]:
    """The cells of a tab-separated table's row passage, each with its column's header label.

    So a row ``某某局\t负责…`` reads 部门: 某某局 / 职责: 负责… with the offsets of each cell; a
    header row's cells carry their own text as label. Empty for a passage outside a delimited table.
    """
    if section.kind != "table" or "\t" not in text[section.body_start:section.end]:
        return []
    lines = [line for line in text[section.body_start:section.end].split("\n") if line.strip()]
    labels = column_labels(lines[:header_rows(lines)])
    cells = _cells(text, passage.start, passage.end)
    return [TableCell(labels[k] if k < len(labels) else "", s, e) for k, (s, e) in enumerate(cells)]


def _delimited_table_passages(document: Document, section: Section) -> list[Passage]:
    """A tab-separated table: its header row(s), then one passage per row with the header as context.

    A row passage's text is the row itself (offsets stay exact); its section path ends with the
    column labels (``部门 | 职责``; a two-row header's labels joined, ``责任单位·牵头单位``), so search
    and answer cards read each row with the column names beside it, and :func:`row_cells` reads
    each cell with its label.
    """
    out: list[Passage] = []
    offset = section.body_start
    lines: list[tuple[int, int, str]] = []
    for line in document.text[section.body_start:section.end].split("\n"):
        start, end = offset, offset + len(line)
        offset = end + 1
        if line.strip():
            lines.append((start, end, line))
    head = header_rows([line for _, _, line in lines])
    header_label = " | ".join(label for label in column_labels([line for _, _, line in lines[:head]]) if label)
    for number, (start, end, line) in enumerate(lines):
        if number < head:
            out.append(_passage(document, section, "table_header", start, end))
            continue
        row = _passage(document, section, "table_row", start, end)
        out.append(Passage(id=row.id, doc_id=row.doc_id, section_id=row.section_id,
                           section_path=section.path + (header_label,), kind=row.kind, start=row.start,
                           end=row.end, text=row.text))
    return out
