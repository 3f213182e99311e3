"""Sections → passages: sentence-bounded chunks within one section, each with offsets.

A passage never crosses a section boundary, so its section path says where it is.
Table sections are cut into one passage per row (rows are found by their running
ordinal 1, 2, 3 …), because a row is what answers a question about one indicator.
"""

from __future__ import annotations

import re
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


def _delimited_table_passages(document: Document, section: Section) -> list[Passage]:
    """A tab-separated table: the header row, then one passage per row with the header as context.

    A row passage's text is the row itself (offsets stay exact); its section path ends with the
    header's cells, so search and answer cards read each row with the column names beside it.
    """
    out: list[Passage] = []
    offset = section.body_start
    header_label = ""
    for number, line in enumerate(document.text[section.body_start:section.end].split("\n")):
        start, end = offset, offset + len(line)
        offset = end + 1
        if not line.strip():
            continue
        if number == 0:
            header_label = " | ".join(cell.strip() for cell in line.split("\t") if cell.strip())
            out.append(_passage(document, section, "table_header", start, end))
            continue
        row = _passage(document, section, "table_row", start, end)
        out.append(Passage(id=row.id, doc_id=row.doc_id, section_id=row.section_id,
                           section_path=section.path + (header_label,), kind=row.kind, start=row.start,
                           end=row.end, text=row.text))
    return out
