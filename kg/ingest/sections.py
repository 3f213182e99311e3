"""Normalised document text → a tree of sections: chapters, 专栏 boxes, box items, tables.

The Chinese heading hierarchy is ``第X章`` > ``一、`` > ``（一）`` > ``1．`` > ``（1）``.
A ``专栏 N 标题`` box is a section of its own that sits inside the current chapter and
ends at the next heading of rank ``（一）`` or above (or the next box); its ``1．``
paragraphs are its items. A flattened table (see :func:`kg.ingest.normalise.find_table_regions`)
is a section of kind ``table`` whose rows become passages. So is a delimited table — consecutive
lines whose cells are separated by tabs, as the DOCX, .doc and HTML readers write a table: it
belongs to the heading above it (never to a ``1．`` item that happens to precede it), its first
row is its header and every row is a passage of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.ingest.normalise import SENTENCE_END, find_table_regions, is_credit
from kg.records import Document, Section, stable_id

_CN = "一二三四五六七八九十"
# (rank, pattern). A lower rank is a higher level. The lookahead after 一、 keeps
# enumerations such as "一、二级医院" (first- and second-level hospitals) from
# being read as chapter headings.
HEADING_PATTERNS: tuple[tuple[float, re.Pattern[str]], ...] = (
    (1, re.compile(rf"^(第[{_CN}百零\d]+[章部分篇])\s*")),
    (2, re.compile(rf"^([{_CN}]{{1,3}}、)(?![{_CN}]|[级类])")),
    (3, re.compile(rf"^([（(][{_CN}]{{1,3}}[）)])")),
    (4, re.compile(r"^(\d{1,2}[．.、])(?!\d)")),
    (5, re.compile(r"^([（(]\d{1,2}[）)])")),
)
BOX_PATTERN = re.compile(r"^(专栏\s*(\d{1,2}))\s*(.*)$")
PART_RANK = 0.5
# 附件：1．… (the list of attachments at the end of a notice) and 附件2 / 附件2：title (an attachment).
_ATTACHMENT_LIST = re.compile(r"^附\s*件\s*[:：]\s*(.*)$")
_ATTACHMENT = re.compile(r"^(附\s*件\s*(\d{1,2}|[一二三四五六七八九十]{1,3}))\s*[:：]?\s*(.*)$")
BOX_RANK = 3.5
_TITLE_END = re.compile(r"[。；;：:]")
#: The title of the part the closing credits make (来源：某某日报, 主办：某某融媒体中心 …).
CREDITS_TITLE = "来源"
_MAX_TITLE = 40


@dataclass(frozen=True)
class Heading:
    """A heading recognised at the start of a line."""

    rank: float
    number: str  # as written: "一、", "（一）", "3．", "专栏 6"
    title: str
    title_end: int  # offset in the line where the title (and its full stop) ends
    ordinal: int | None


def parse_heading(line: str) -> Heading | None:
    """Recognise a heading at the start of ``line``; None for body text.

    The title is the text after the number up to the first full stop (the plan writes
    ``（一）发展基础。`` and ``1．健康促进与健康教育。加强…``); a line without an early
    full stop is a title only if it is short.
    """
    box = BOX_PATTERN.match(line)
    if box:
        title = box.group(3).strip()
        return Heading(BOX_RANK, box.group(1), title, len(line), int(box.group(2)))
    for rank, pattern in HEADING_PATTERNS:
        match = pattern.match(line)
        if not match:
            continue
        number = match.group(1)
        rest_start = match.end()
        rest = line[rest_start:]
        stop = _TITLE_END.search(rest)
        if stop and stop.start() <= _MAX_TITLE:
            title, title_end = rest[: stop.start()], rest_start + stop.end()
        elif len(rest) <= _MAX_TITLE:
            title, title_end = rest, len(line)
        else:
            # A long numbered paragraph: its first clause names it, the rest is body.
            comma = re.search(r"[，,]", rest)
            cut = comma.start() if comma and comma.start() <= _MAX_TITLE else _MAX_TITLE
            title, title_end = rest[:cut], rest_start
        if not title.strip():
            return None
        return Heading(rank, number.strip(), title.strip(), title_end, _ordinal(number))
    return None


def _ordinal(number: str) -> int | None:
    digits = re.sub(r"\D", "", number)
    if digits:
        return int(digits)
    chars = re.sub(rf"[^{_CN}]", "", number)
    if not chars:
        return None
    values = {c: i + 1 for i, c in enumerate(_CN)}
    if chars == "十":
        return 10
    if chars.startswith("十"):
        return 10 + values[chars[1]]
    if chars.endswith("十"):
        return values[chars[0]] * 10
    if "十" in chars:
        return values[chars[0]] * 10 + values[chars[-1]]
    return values.get(chars[0])


@dataclass
class _Open:
    rank: float
    kind: str
    number: str
    title: str
    start: int
    body_start: int
    level: int
    path: tuple[str, ...]
    parent: "_Open | None"
    ordinal: int | None
    id: str = ""
    end: int = -1


def split_sections(document: Document) -> list[Section]:
    """Return the document's sections in document order, the root first.

    Sections nest: each one lies within its parent's span. Text of a section that is
    not inside one of its children is the section's own text (see
    :func:`own_segments`).
    """
    text = document.text
    lines = _lines_with_offsets(text)
    root = _Open(0, "root", "", document.meta.title, 0, 0, 0, (document.meta.title,), None, None)
    root.id = stable_id(document.id, "root")
    opened: list[_Open] = [root]
    stack: list[_Open] = [root]

    table_lines = {}
    for first, last in find_table_regions([line for line, _ in lines]):
        table_lines[first] = last
    delimited = {first: last for first, last in delimited_table_regions([line for line, _ in lines])
                 if not any(f <= first < l for f, l in table_lines.items())}

    def close_until(rank: float, at: int) -> None:
        while len(stack) > 1 and stack[-1].rank >= rank:
            stack.pop().end = at

    def open_section(kind: str, rank: float, number: str, title: str, start: int,
                     body_start: int, ordinal: int | None) -> _Open:
        parent = stack[-1]
        label = f"{number} {title}".strip() if kind in ("box",) else title
        node = _Open(rank, kind, number, title, start, body_start, parent.level + 1,
                     parent.path + (label,), parent, ordinal)
        node.id = stable_id(document.id, "section", start, label)
        opened.append(node)
        stack.append(node)
        return node

    parts = _part_starts(document, [line for line, _ in lines])
    def open_table(last: int, caption: str, caption_start: int, offset: int) -> int:
        """Open a table section from the caption (or its first row) to line `last`; the next line index."""
        end_line, end_offset = lines[last - 1]
        table = _Open(BOX_RANK + 1, "table", "", caption, caption_start, offset,
                      stack[-1].level + 1, stack[-1].path + (caption,), stack[-1], None)
        table.id = stable_id(document.id, "table", caption_start)
        table.end = end_offset + len(end_line)
        opened.append(table)
        return last

    credits = _closing_credits([line for line, _ in lines])
    index = 0
    while index < len(lines):
        line, offset = lines[index]
        if credits is not None and index >= credits:
            # The credits that close the document (normalisation moves a page's there) are a part of
            # their own: their outlets are text of the document, but no heading's or paragraph's.
            close_until(PART_RANK, offset)
            open_section("part", PART_RANK, "", CREDITS_TITLE, offset, offset, None)
            break
        if index in parts:
            kind, number, title, title_lines = parts[index]
            close_until(PART_RANK, offset)
            end_line, end_offset = lines[index + title_lines - 1]
            node = open_section(kind, PART_RANK, number, title, offset, end_offset + len(end_line),
                                _ordinal(number) if number else None)
            node.path = node.parent.path + (f"{number} {title}".strip(),) if node.parent else node.path
            index += title_lines
            continue
        if index in delimited:
            last = delimited[index]
            caption_start, caption = offset, "表"
            previous = lines[index - 1] if index > 0 else None
            if previous and "\t" not in previous[0] and _is_caption(previous[0]) and not _is_heading_line(previous[0]):
                caption, caption_start = previous[0], previous[1]
            # A table is not part of a numbered item (1． / （1）) it follows: close those first.
            close_until(4, caption_start)
            index = open_table(last, caption, caption_start, offset)
            continue
        if index in table_lines:
            last = table_lines[index]
            caption_start = offset
            caption = "表"
            previous = lines[index - 1] if index > 0 else None
            if previous and _is_caption(previous[0]) and not _is_heading_line(previous[0]):
                caption, caption_start = previous[0], previous[1]
            index = open_table(last, caption, caption_start, offset)
            continue
        heading = parse_heading(line)
        if heading is not None:
            in_box = any(node.kind == "box" for node in stack)
            if heading.rank == BOX_RANK:
                close_until(BOX_RANK, offset)
                open_section("box", BOX_RANK, heading.number, heading.title, offset,
                             offset + heading.title_end, heading.ordinal)
            elif in_box and heading.rank == 4:
                close_until(4, offset)
                open_section("box_item", 4, heading.number, heading.title, offset,
                             offset + heading.title_end, heading.ordinal)
            else:
                if in_box and heading.rank <= 3:
                    close_until(BOX_RANK, offset)
                close_until(heading.rank, offset)
                open_section("heading", heading.rank, heading.number, heading.title, offset,
                             offset + heading.title_end, heading.ordinal)
        index += 1

    for node in stack:
        node.end = len(text)
    root.end = len(text)
    return [_freeze(node, document.id) for node in sorted(opened, key=lambda n: (n.start, n.level))]


def _freeze(node: _Open, doc_id: str) -> Section:
    return Section(
        id=node.id,
        doc_id=doc_id,
        kind=node.kind,
        level=node.level,
        number=node.number,
        title=node.title,
        path=node.path,
        start=node.start,
        end=node.end,
        body_start=node.body_start,
        parent_id=node.parent.id if node.parent else None,
        ordinal=node.ordinal,
    )


def _lines_with_offsets(text: str) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    offset = 0
    for line in text.split("\n"):
        out.append((line, offset))
        offset += len(line) + 1
    return out


def _part_starts(document: Document, lines: list[str]) -> dict[int, tuple[str, str, str, int]]:
    """Where the parts of a notice begin: line → (kind, number, title, lines the title takes).

    * the plan a notice issues (通知 + 实施方案 in one file): a title line ending in a genre word
      (方案, 计划, 规划, 意见 …) right after the notice's signature block (issuer, then date);
    * the list of attachments (附件：1．… 2．…) and each attachment (附件2, then its title).

    Plain-text files keep the structure they were written with (their offsets and gold were made
    against it): parts are found in text read from Word, PDF and HTML.
    """
    from kg.ingest.metadata import genre_of, is_signature

    if document.source_format in ("txt", "md"):
        return {}
    out: dict[int, tuple[str, str, str, int]] = {}
    for k, line in enumerate(lines):
        bare = line.strip()
        listed = _ATTACHMENT_LIST.match(bare)
        if listed and (re.match(r"\d|[（(]?\d|《", listed.group(1)) or not listed.group(1)):
            out[k] = ("attachments", "附件", "附件", 1)
            continue
        attachment = _ATTACHMENT.match(bare)
        if attachment and len(bare) <= 60:
            number, title = re.sub(r"\s", "", attachment.group(1)), attachment.group(3).strip()
            if title:
                out[k] = ("attachment", number, title, 1)
            elif k + 1 < len(lines) and 0 < len(lines[k + 1]) <= 60 and "。" not in lines[k + 1]:
                out[k] = ("attachment", number, lines[k + 1].strip(), 2)
            continue
        if k >= 2 and len(bare) <= 60 and "。" not in bare and genre_of(bare) and is_signature(lines[k - 2], lines[k - 1]):
            out[k] = ("part", "", bare, 1)
    return out


def _closing_credits(lines: list[str]) -> int | None:
    """The index of the first of the credit lines that end the document, or None."""
    first = len(lines)
    while first > 1 and "\t" not in lines[first - 1] and is_credit(lines[first - 1].strip()):
        first -= 1
    return first if first < len(lines) else None


def delimited_table_regions(lines: list[str]) -> list[tuple[int, int]]:
    """[first, last) line ranges of two or more consecutive tab-separated rows."""
    regions: list[tuple[int, int]] = []
    k = 0
    while k < len(lines):
        if "\t" in lines[k]:
            first = k
            while k < len(lines) and "\t" in lines[k]:
                k += 1
            if k - first >= 2:
                regions.append((first, k))
        else:
            k += 1
    return regions


def _is_caption(line: str) -> bool:
    return 0 < len(line) <= 40 and not any(ch in SENTENCE_END + "，" for ch in line)


def _is_heading_line(line: str) -> bool:
    return parse_heading(line) is not None


def own_segments(section: Section, sections: list[Section]) -> list[tuple[int, int]]:
    """The parts of ``section``'s body not covered by any of its child sections."""
    children = sorted((s for s in sections if s.parent_id == section.id), key=lambda s: s.start)
    segments: list[tuple[int, int]] = []
    cursor = section.body_start
    for child in children:
        if child.start > cursor:
            segments.append((cursor, child.start))
        cursor = max(cursor, child.end)
    if section.end > cursor:
        segments.append((cursor, section.end))
    return segments
