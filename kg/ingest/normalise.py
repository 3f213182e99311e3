"""Raw extracted text → normalised text, the text every offset in the build points into.

PDF and web extraction leave lines hard-wrapped in the middle of words and numbers
(``居民健康素`` / ``养``, ``2025`` / ``年``), blank lines between every line, page-break
residue and full-width digits. Normalisation rebuilds paragraphs (one per line of
the output), keeps table regions line by line (one cell per line, as extracted,
because that layout is what the table parser reads), and unifies character forms.
It is idempotent: normalising normalised text changes nothing.
"""

from __future__ import annotations

import collections
import re
import unicodedata

# Characters that end a sentence, optionally followed by closing quotes/brackets.
SENTENCE_END = "。！？!?；;…"
CLOSERS = "”’」』》）)】"
# Punctuation after which a wrapped line certainly continues.
CONTINUATION_END = "，、：:“‘（(《【—-"

_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)}  # ０-９
_FULLWIDTH.update({code: code - 0xFEE0 for code in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ
_FULLWIDTH.update({code: code - 0xFEE0 for code in range(0xFF41, 0xFF5B)})  # ａ-ｚ
_FULLWIDTH.update({0x3000: 0x20, 0x00A0: 0x20, 0x2002: 0x20, 0x2003: 0x20, 0x2009: 0x20})
_INVISIBLE = dict.fromkeys([0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD])

_CN_NUM = "一二三四五六七八九十百零〇"
# Markers that start a new paragraph: headings, boxes, list items and dash bullets.
HEADING_START = re.compile(
    rf"^(?:第[{_CN_NUM}\d]+[章节部分篇]|[{_CN_NUM}]+[、．.]|[（(][{_CN_NUM}]+[）)]"
    rf"|\d{{1,2}}[．.、](?!\d)|[（(]\d{{1,2}}[）)]|专栏\s*\d+|——|[①-⑳])"
)
_PAGE_RESIDUE = re.compile(
    r"^(?:[-—－–~\s]*\d{1,4}[-—－–~\s]*|第\s*\d+\s*页(?:\s*[/，,]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)$"
)
# "— 12 —" page numbers survive in plain-text exports without page breaks.
_DASHED_PAGE_NUMBER = re.compile(r"[-—－–]\s*\d{1,4}\s*[-—－–]")
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_SPACE_CJK_LEFT = re.compile(rf"(?<=[{_CJK}，。；：、“”（）《》％])[ \t]+(?=[0-9A-Za-z%‰.])")
_SPACE_CJK_RIGHT = re.compile(rf"(?<=[0-9A-Za-z%‰.])[ \t]+(?=[{_CJK}，。；：、“”（）《》％‰])")
_SPACE_CJK_BOTH = re.compile(rf"(?<=[{_CJK}，。；：、“”（）《》])[ \t]+(?=[{_CJK}，。；：、“”（）《》])")
_MULTISPACE = re.compile(r"[ \t]{2,}")


def unify_characters(text: str) -> str:
    """Full-width digits/letters → ASCII, odd spaces → space, invisible characters removed.

    Chinese punctuation (，（）％ …) is kept as written: it is part of the words users
    search for and quote.
    """
    text = unicodedata.normalize("NFC", text)
    text = text.translate(_FULLWIDTH).translate(_INVISIBLE)
    # Control characters other than newline and form feed carry nothing a reader sees.
    return "".join(ch for ch in text if ch in "\n\f" or unicodedata.category(ch)[0] != "C")


def _clean_inline(line: str) -> str:
    """Remove the spaces PDF extraction puts between Chinese and numbers (``达到 87.74%``)."""
    line = _MULTISPACE.sub(" ", line.strip())
    line = _SPACE_CJK_LEFT.sub("", line)
    line = _SPACE_CJK_RIGHT.sub("", line)
    return line


def _is_cell_line(line: str) -> bool:
    """A line that looks like one table cell: very short and not a sentence."""
    return 0 < len(line) <= 4 and not any(ch in SENTENCE_END + "，" for ch in line)


def find_table_regions(lines: list[str]) -> list[tuple[int, int]]:
    """Return [first, last) line ranges that look like a flattened table.

    A flattened table shows as a cluster of one-cell lines (vertical headers broken
    one character per line, units, numbers). A region starts at the first cell line
    of a dense cluster and extends over the short, unpunctuated lines around it, up
    to the next heading or full-width prose line.
    """
    cells = [i for i, line in enumerate(lines) if _is_cell_line(line)]
    regions: list[tuple[int, int]] = []
    i = 0
    while i < len(cells):
        j = i
        # A cluster: consecutive cell lines never more than 8 lines apart.
        while j + 1 < len(cells) and cells[j + 1] - cells[j] <= 8:
            j += 1
        if j - i + 1 >= 8:
            first, last = cells[i], cells[j]
            while last + 1 < len(lines) and _table_tail(lines[last + 1]):
                last += 1
            regions.append((first, last + 1))
        i = j + 1
    return regions


def _table_tail(line: str) -> bool:
    """True for a line that can still belong to a table just after its last cell line."""
    if HEADING_START.match(line) and not re.match(r"^\d", line):
        return False
    return len(line) <= 24 and not line.endswith(tuple(SENTENCE_END))


def _ends_sentence(line: str) -> bool:
    stripped = line.rstrip(CLOSERS)
    return bool(stripped) and stripped[-1] in SENTENCE_END


def _joiner(left: str, right: str) -> str:
    """What goes between two wrapped lines: nothing, except between two Latin words."""
    if left and right and left[-1].isascii() and left[-1].isalpha() and right[0].isascii() and right[0].isalpha():
        return " "
    return ""


def normalise(raw: str) -> str:
    """Normalise extracted text: paragraphs one per line, tables cell per line.

    The result has no blank lines, no page-break residue, unified character forms,
    and no spaces between Chinese and numbers outside tables.
    """
    text = unify_characters(raw.replace("\r\n", "\n").replace("\r", "\n"))
    pages = text.split("\f")
    raw_lines: list[str] = []
    for page in pages:
        page_lines = [ln.strip() for ln in page.split("\n")]
        nonblank = [k for k, ln in enumerate(page_lines) if ln]
        if len(pages) > 1 and nonblank:
            # A lone number (or 第N页) at the top or bottom of a page is a page number.
            for k in (nonblank[0], nonblank[-1]):
                if _PAGE_RESIDUE.match(page_lines[k]):
                    page_lines[k] = ""
        for ln in page_lines:
            if not ln or _DASHED_PAGE_NUMBER.fullmatch(ln):
                continue  # blank lines carry no structure the rules below rely on
            raw_lines.append(_MULTISPACE.sub(" ", ln))
    if not raw_lines:
        return ""
    wrap = wrap_width(raw_lines)

    in_table = [False] * len(raw_lines)
    for first, last in find_table_regions(raw_lines):
        for k in range(first, last):
            in_table[k] = True

    out: list[str] = []
    last_physical = ""  # the previous physical line, whose length tells a short line
    for k, line in enumerate(raw_lines):
        if in_table[k]:
            out.append(line)
            last_physical = line
            continue
        cleaned = _clean_inline(line)
        if not out or in_table[k - 1] or _starts_paragraph(out[-1], last_physical, cleaned, wrap):
            out.append(cleaned)
        else:
            out[-1] = _clean_inline(out[-1] + _joiner(out[-1], cleaned) + cleaned)
        last_physical = line
    return "\n".join(out)


def wrap_width(lines: list[str]) -> int | None:
    """The width a hard-wrapped document was broken at, or None for unwrapped text.

    Hard-wrapped text has one dominant line length (the page or column width): at
    least 35% of lines (and 5 or more) within one character of it. Text whose lines
    are paragraphs (web pages, already normalised text) has no such mode.
    """
    lengths = [round(display_width(line)) for line in lines]
    lengths = [n for n in lengths if n >= 8]
    if len(lengths) < 5:
        return None
    counts = collections.Counter(lengths)
    best, best_count = 0, 0
    for length in counts:
        near = counts[length - 1] + counts[length] + counts[length + 1]
        if near > best_count or near == best_count and length > best:
            best, best_count = length, near
    if best_count >= 5 and best_count >= 0.35 * len(lines):
        return best
    return None


def _starts_paragraph(paragraph: str, prev_line: str, line: str, wrap: int | None) -> bool:
    """Decide whether ``line`` starts a new paragraph after ``paragraph``.

    ``prev_line`` is the last physical line of ``paragraph``. In hard-wrapped text a
    line that reaches the wrap width continues on the next line; a shorter one ended
    its paragraph (or is a title). Without a wrap width, only a line that stops
    mid-phrase (on a comma, or on a Chinese character well into a sentence) continues.
    """
    if HEADING_START.match(line) or _ends_sentence(paragraph):
        return True
    if paragraph.endswith(tuple(CONTINUATION_END)):
        return False
    if wrap is not None and 0.75 * wrap <= display_width(prev_line) <= 1.15 * wrap + 2:
        return False
    # Decided on the paragraph so far rather than its last line, so that normalising
    # normalised text (where each paragraph is one line) takes the same decision.
    min_len = 24 if wrap is None else min(24, 0.6 * wrap)
    return not (len(paragraph) >= min_len and _is_cjk(paragraph[-1]) and _is_cjk(line[0]))


def display_width(line: str) -> float:
    """Width of a line in full-width character cells: ASCII takes half a cell.

    Wrapped lines full of half-width digits hold more characters than Chinese-only
    lines of the same printed width, so lengths are compared in cells.
    """
    return sum(0.5 if ord(ch) < 0x2E80 else 1.0 for ch in line)


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"
