"""Markdown (.md) → the text the rest of ingestion reads: headings, paragraphs, list items, tables.

Markdown marks structure with characters the rules do not read as such: ``## 一、…`` would keep its
``##`` in the heading and the title, and a pipe table (``| 任务 | 牵头单位 |`` over ``|---|---|``)
would be one run of bars. Converted here: a heading loses its marks (its 一、/（一） numbering is what
the section rules read), a pipe table's rows become tab-separated rows (its header first, the
``---`` line dropped) as the DOCX reader writes a table, a list item or quote loses its bullet or
``>``, emphasis and code marks go and a link keeps its text. Other lines are passed on as they
are: whether two lines are one paragraph is normalisation's call, as for a .txt (a hard-wrapped
file is joined back; a notice's issuer and date lines stay two).

Only characters are deleted or a bar replaced by a tab, in order: a span of the result still maps
back to the file (:mod:`kg.ingest.offsets` aligns with the decoded file, not with this text).
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<text>.*?)\s*#*\s*$")
_RULE = re.compile(r"^\s{0,3}(?:[-*_]\s*){3,}$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]\s+|(?=\d{1,3}[.)]\s))")
_QUOTE = re.compile(r"^\s{0,3}>\s?")
_IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[(?P<text>[^\]]+)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|`)(?P<text>.+?)\1")


def markdown_text(text: str) -> str:
    """The blocks of a Markdown text, one a line (see the module docstring)."""
    blocks: list[str] = []
    fenced = False
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            blocks.append(line)  # code is kept as written, a line each
            continue
        if not line.strip() or _RULE.match(line) or _TABLE_SEPARATOR.match(line) and "-" in line:
            continue  # a blank line, a rule or a table's --- line
        heading = _HEADING.match(line)
        if heading:
            blocks.append(_inline(heading.group("text")))
        elif line.lstrip().startswith("|") and line.count("|") >= 2:
            cells = [_inline(cell.strip()) for cell in line.strip().strip("|").split("|")]
            blocks.append("\t".join(cells))
        elif _LIST_ITEM.match(line):
            blocks.append(_inline(_LIST_ITEM.sub("", line, count=1)))
        else:
            blocks.append(_inline(_QUOTE.sub("", line, count=1)))
    return "\n".join(block for block in blocks if block.strip())


def _inline(text: str) -> str:
    text = _IMAGE.sub(lambda m: m.group("alt"), text)
    text = _LINK.sub(lambda m: m.group("text"), text)
    return _EMPHASIS.sub(lambda m: m.group("text"), text).strip()

