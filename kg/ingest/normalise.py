"""Raw extracted text → normalised text, the text every offset in the build points into.

PDF and web extraction leave lines hard-wrapped in the middle of words and numbers
(``居民健康素`` / ``养``, ``2025`` / ``年``), blank lines between every line, page-break
residue and full-width digits. Normalisation rebuilds paragraphs (one per line of
the output), keeps table regions line by line (one cell per line, as extracted,
because that layout is what the table parser reads), and unifies character forms.
It is idempotent: normalising normalised text changes nothing.

Two more cleanups apply everywhere: Chinese set letter-spaced by PDF extraction or OCR
(``健 全 健 康 优 先``) is closed up, and a line holding tabs is a table row (one row a line,
cells separated by a tab, as the DOCX reader writes them): its cells are cleaned one by one and
it is never joined to its neighbours.

Text extracted from a format that records its paragraphs (Word, HTML: ``paragraph_lines``)
keeps one paragraph a line; only a title broken inside an open 《 or “ is rejoined. Text
extracted from PDF, Word, HTML or OCR (``strip_chrome``) also loses web chrome and residue —
menus, breadcrumbs, view counts, 原标题/来源/责任编辑 lines, 返回搜狐 … — by the general forms in
``kg/data/web_residue.txt`` and by repetition (a short line seen three times or more). Plain
text files are taken as written, so offsets into them stay offsets into the file.
"""

from __future__ import annotations

import bisect
import collections
from collections.abc import Iterator
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

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
    # Control characters other than newline, form feed and tab (the table cell separator)
    # carry nothing a reader sees.
    return "".join(ch for ch in text if ch in "\n\f\t" or unicodedata.category(ch)[0] != "C")


# Chinese characters and full-width punctuation, the units of letter-spaced text.
_SPACED_UNIT = rf"[{_CJK}，。；：、“”‘’（）《》〈〉【】！？—…·]"
_LETTER_SPACED = re.compile(rf"{_SPACED_UNIT}(?: {_SPACED_UNIT}){{3,}}")
_SPACE_BETWEEN_UNITS = re.compile(rf"(?<={_SPACED_UNIT}) +(?={_SPACED_UNIT})")


def close_letter_spacing(line: str) -> str:
    """``（ 一 ） 健 全 健 康 优 先`` → ``（一）健全健康优先``, in lines set letter-spaced.

    A line is letter-spaced when it holds a run of four or more single Chinese characters
    (or full-width punctuation marks) each separated by one space; in such a line every space
    between two Chinese characters goes. Word spacing in a title (``新时代 新征程``) is kept.
    """
    if " " not in line or not _LETTER_SPACED.search(line):
        return line
    return _SPACE_BETWEEN_UNITS.sub("", line)


def _clean_inline(line: str) -> str:
    """Remove the spaces PDF extraction puts between Chinese and numbers (``达到 87.74%``)."""
    if "\t" in line:
        return "\t".join(_clean_inline(cell) for cell in line.split("\t")).rstrip("\t")
    line = _MULTISPACE.sub(" ", line.strip())
    line = _SPACE_CJK_LEFT.sub("", line)
    line = _SPACE_CJK_RIGHT.sub("", line)
    return close_byline_names(line)


def close_byline_names(line: str) -> str:
    """``编辑 张 喆`` → ``编辑 张喆``: a two-character name padded to the width of three in a credit.

    Only the names after a role word of a byline or credit (``[byline]`` in kg/data/web_residue.txt:
    记者, 编辑, 通讯作者 …) that opens the line or follows a blank, bracket or separator; there two
    one-character names in a row are one name. Names of two or more characters (记者 李华 王强) and
    any other spaced text are left as written.
    """
    role = _residue().byline
    if " " not in line or role is None or not role.search(line):
        return line
    return role.sub(lambda m: m.group("role") + _pair_single_names(m.group("names")), line)


def _pair_single_names(names: str) -> str:
    # The blanks between the role and the first name, and between names, are kept as written.
    parts = re.split(r"(\s+)", names)
    out: list[str] = []
    k = 0
    while k < len(parts):
        if k + 2 < len(parts) and len(parts[k]) == 1 and len(parts[k + 2]) == 1 and parts[k].strip() \
                and parts[k + 2].strip() and parts[k + 1].strip() == "":
            out.append(parts[k] + parts[k + 2])
            k += 3
        else:
            out.append(parts[k])
            k += 1
    return "".join(out)


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


@dataclass(frozen=True)
class Cleaned:
    """The normalised text, and the chrome lines that were dropped from it.

    ``full`` is the text before chrome was dropped (same line order); ``text`` is ``full``
    without the ``dropped`` lines (and with ``[cut]`` residue removed), the credits kept out of
    them moved to its end (``moved``: the spans of ``full`` they were taken from). ``to_text`` maps a span
    of ``full`` to ``text``: metadata is read from ``full`` (a 来源 or 发布日期 line is evidence
    even though it is not body text) and located in ``text`` where it survived.
    """

    text: str
    full: str
    dropped: tuple[str, ...] = ()
    _lines: tuple[tuple[int, int, int], ...] = field(default=(), repr=False)  # (full start, kept length, text start)
    moved: tuple[tuple[int, int], ...] = ()  # the spans of ``full`` moved to the end of ``text``, in order

    def to_text(self, start: int, end: int) -> tuple[int, int] | None:
        """The span of ``text`` that ``full[start:end]`` became, or None if it was dropped."""
        if not self._lines:
            return (start, end) if self.text == self.full else None
        # Kept lines are in order of their start: the one that can hold ``start`` is found by bisection
        # (metadata inference asks once a line, so a linear scan made long documents quadratic).
        k = bisect.bisect_right(self._lines, (start, float("inf"), 0)) - 1
        if k >= 0:
            full_start, length, text_start = self._lines[k]
            if full_start <= start and end <= full_start + length:
                return text_start + start - full_start, text_start + end - full_start
        return None

    def in_place(self, start: int) -> bool:
        """True when the character at ``full[start]`` stands in ``text`` where it stood (not dropped, not
        moved to the closing credits)."""
        if self.to_text(start, start + 1) is None:
            return False
        # Any character of a moved credit was moved, not only its first (a split chrome line's
        # second credit starts mid-line).
        k = bisect.bisect_right(self.moved, (start, float("inf"))) - 1
        return not (k >= 0 and self.moved[k][0] <= start < self.moved[k][1])


def normalise(raw: str, *, paragraph_lines: bool = False) -> str:
    """Normalise extracted text: paragraphs one per line, tables cell per line.

    The result has no blank lines, no page-break residue, unified character forms,
    and no spaces between Chinese and numbers outside tables. With ``paragraph_lines``
    every line of ``raw`` is taken as a paragraph (see the module docstring).
    """
    text = unify_characters(raw.replace("\r\n", "\n").replace("\r", "\n"))
    pages = text.split("\f")
    raw_lines: list[str] = []
    for page in pages:
        page_lines = [ln.strip(" \u3000\v") for ln in page.split("\n")]
        page_lines = [ln.strip() if "\t" not in ln else ln.strip(" ") for ln in page_lines]
        nonblank = [k for k, ln in enumerate(page_lines) if ln.strip()]
        if len(pages) > 1 and nonblank:
            # A lone number (or 第N页) at the top or bottom of a page is a page number.
            for k in (nonblank[0], nonblank[-1]):
                if _PAGE_RESIDUE.match(page_lines[k]):
                    page_lines[k] = ""
        for ln in page_lines:
            if not ln.strip("\t ") or _DASHED_PAGE_NUMBER.fullmatch(ln):
                continue  # blank lines carry no structure the rules below rely on
            if "\t" in ln:
                raw_lines.append(ln)
            else:
                raw_lines.append(close_letter_spacing(_MULTISPACE.sub(" ", ln)))
    if not raw_lines:
        return ""
    if paragraph_lines:
        return "\n".join(_paragraphs(raw_lines))
    wrap = wrap_width([ln for ln in raw_lines if "\t" not in ln])

    in_table = [False] * len(raw_lines)
    for first, last in find_table_regions(raw_lines):
        for k in range(first, last):
            in_table[k] = True

    # Text that is not hard-wrapped was laid out line by line (typed): a line of blank-separated
    # fields (组 长：张建国 县政府县长, a name and post) or a 文号 alone is a line of its own, and a
    # line ending on a colon (an addressee, 组成人员如下：) ends its paragraph.
    alone = [wrap is None and _laid_out(line) for line in raw_lines]
    out: list[str] = []
    last_physical = ""  # the previous physical line, whose length tells a short line
    for k, line in enumerate(raw_lines):
        if in_table[k]:
            out.append(line)
            last_physical = line
            continue
        cleaned = _clean_inline(line)
        # A credit (本版文图由…, 来源：…, an account's header) is a line of its own: never glued onto the
        # line above, nor the next line onto it unless the credit is wrapped there.
        if not out or in_table[k - 1] or "\t" in line or "\t" in out[-1] or alone[k] or alone[k - 1] \
                or (wrap is None and out[-1].endswith(("：", ":"))) or is_credit(cleaned) \
                or is_credit(out[-1]) and not _reaches_wrap(last_physical, wrap) \
                or _starts_paragraph(out[-1], last_physical, cleaned, wrap):
            out.append(cleaned)
        else:
            out[-1] = _clean_inline(out[-1] + _joiner(out[-1], cleaned) + cleaned)
        last_physical = line
    return "\n".join(out)


_FIELD_BLANK = re.compile(rf"[{_CJK}] +[{_CJK}]")
# A document number (文号): 赣府厅发〔2025〕6号, 阜蒙健促办发[2020] 3 号, 国办发〔2016〕77号. Metadata
# inference reads the document's own from it (metadata.block); alone on a line it is a line of its own.
DOC_NUMBER = re.compile(
    r"[\u4e00-\u9fff]{1,14}\s*[〔\[［【（(]\s*(?:19|20)\d{2}\s*[〕\]］】）)]\s*第?\s*\d{1,4}\s*号")


def _laid_out(line: str) -> bool:
    """A line set out by hand: a short row of fields parted by blanks between Chinese (no sentence
    punctuation: a blank inside a sentence, 开设“党建赋能 支部书记说”专栏, is a title's), or a 文号 alone."""
    bare = line.strip()
    return bool(len(bare) <= 30 and _FIELD_BLANK.search(bare) and not re.search(r"[，。；！？、“”《》,;]", bare)
                or DOC_NUMBER.fullmatch(bare))


_OPENERS = {"《": "》", "“": "”", "（": "）", "(": ")", "【": "】", "「": "」"}


def _unclosed(line: str) -> bool:
    """True when ``line`` leaves a 《, “, （ … open: its title goes on on the next line."""
    depth: dict[str, int] = collections.Counter()
    for ch in line:
        if ch in _OPENERS:
            depth[ch] += 1
        else:
            for opener, closer in _OPENERS.items():
                if ch == closer and depth[opener]:
                    depth[opener] -= 1
    return any(depth.values())


def _paragraphs(lines: list[str]) -> list[str]:
    """One paragraph a line; a short line left inside an open 《/“ is joined to the next."""
    out: list[str] = []
    for line in lines:
        cleaned = _clean_inline(line)
        if not cleaned:
            continue
        if out and "\t" not in cleaned and "\t" not in out[-1] and len(out[-1]) <= 60 \
                and _unclosed(out[-1]) and not _ends_sentence(out[-1]) and not HEADING_START.match(cleaned):
            out[-1] = _clean_inline(out[-1] + _joiner(out[-1], cleaned) + cleaned)
        else:
            out.append(cleaned)
    return out


# --- web chrome ------------------------------------------------------------------

_RESIDUE_FILE = "data/web_residue.txt"
_MENU_SPLIT = re.compile(r"[\s|｜丨/·•]+")
_SCRIPT_RUN = re.compile(r"[A-Za-z]+|[^A-Za-z]+")  # 繁EN用户空间 → 繁, EN, 用户空间


@dataclass(frozen=True)
class _Residue:
    short: tuple[re.Pattern[str], ...]
    whole: tuple[re.Pattern[str], ...]
    cut: tuple[re.Pattern[str], ...]
    menu: frozenset[str]
    credit: re.Pattern[str]  # a line opening with a credit (本版文图由…, 来源：…): never joined onto the line above
    byline: re.Pattern[str] | None  # a role word and the names after it (编辑 张 喆), see close_byline_names
    source: re.Pattern[str]  # a [source] role and its separator, where a field of a line starts
    field: re.Pattern[str]  # a [field] or [byline] role and its separator: the next field of a credit line
    account: tuple[re.Pattern[str], ...]  # the header line of the account that published the page


@lru_cache(maxsize=1)
def _residue() -> _Residue:
    sections: dict[str, list[str]] = {"short": [], "whole": [], "cut": [], "menu": [], "credit": [],
                                    "byline": [], "source": [], "field": [], "account": []}
    current: list[str] | None = None
    text = resources.files("kg").joinpath(_RESIDUE_FILE).read_text(encoding="utf-8")
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        header = re.fullmatch(r"\[(\w+)\]", line.strip())
        if header:
            if header.group(1) not in sections:
                raise ValueError(f"kg/{_RESIDUE_FILE}:{number}: unknown section [{header.group(1)}]")
            current = sections[header.group(1)]
            continue
        if current is None:
            raise ValueError(f"kg/{_RESIDUE_FILE}:{number}: a line before the first [section]")
        current.append(line.strip())
    return _Residue(tuple(re.compile(p) for p in sections["short"]), tuple(re.compile(p) for p in sections["whole"]),
                    tuple(re.compile(p) for p in sections["cut"]), frozenset(sections["menu"]),
                    re.compile("|".join(f"(?:{p})" for p in sections["credit"] + [_field_start(sections["source"])])),
                    _byline(sections["byline"]), re.compile(_field_start(sections["source"])),
                    re.compile(_field_start(sections["field"] + sections["byline"], spaced=True)),
                    tuple(re.compile(p.replace("{province}", _provinces())) for p in sections["account"]))


def _provinces() -> str:
    """An alternation of the province-level places' names and short forms (山东, 内蒙古自治区 …)."""
    from kg.ingest.metadata.words import places  # the gazetteer's reader (metadata needs it first)

    return "|".join(re.escape(form) for form, _ in places("province")) or r"(?!)"


def _field_start(roles: list[str], spaced: bool = False) -> str:
    """A role word (its characters perhaps spaced, 排 版) and its separator, opening a field of a line."""
    if not roles:
        return r"(?!)"
    if spaced:
        roles = [r"\s?".join(re.escape(ch) for ch in role) for role in roles]
    alternatives = "|".join(f"(?:{role})" for role in sorted(roles, key=len, reverse=True))
    return rf"(?:{alternatives})\s*[:：|｜丨]"



def _byline(roles: list[str]) -> re.Pattern[str] | None:
    """A role word opening a credit (at the start, after a blank, bracket or separator), then names."""
    if not roles:
        return None
    return re.compile(rf"(?:^|(?<=[\s（(；;，,|｜]))(?P<role>(?:{'|'.join(roles)})\s*[:：]?)"
                      rf"(?P<names>\s*[{_CJK}]{{1,4}}(?:\s{{1,2}}[{_CJK}]{{1,4}})*)(?=$|[\s）)；;，,。|｜])")


def _is_menu(line: str, menu: frozenset[str]) -> bool:
    """A toolbar/menu line: two or more words, all of them menu words or single characters."""
    words = [piece for w in _MENU_SPLIT.split(line) if w for piece in _SCRIPT_RUN.findall(w)]
    if len(words) < 2 and line not in menu:
        return False
    return all(w in menu for w in words) or (
        len(words) >= 3 and sum(w in menu for w in words) >= 2 and all(len(w) <= 6 for w in words))


def _is_breadcrumb(line: str) -> bool:
    """``首页 > 政府信息公开目录 > 通知公告``: short parts joined by two or more > » ›."""
    parts = re.split(r"\s*[>»›＞]\s*", line)
    return len(parts) >= 3 and all(0 < len(part) <= 30 for part in parts[:-1])


def strip_chrome(text: str, whole_lines: bool = True) -> Cleaned:
    """Drop web chrome and residue lines from normalised ``text`` (see ``kg/data/web_residue.txt``).

    Dropped: lines matching a residue form, menu and breadcrumb lines, and short lines that
    recur three times or more (running heads a page print repeats). Table rows are never
    dropped. A credit (来源：某某日报, 供稿：某某报记者, 主办：某某融媒体中心, the publishing account's
    header) is text of the document, not chrome: out of a dropped line, or off a sentence's end,
    it is kept as a line of its own, moved to the end, each once, so the credits close the
    document and are never glued to its body. Without ``whole_lines`` (plain text, taken as
    written) only residue glued onto a line's end is cut. Idempotent; the result maps spans back
    (:meth:`Cleaned.to_text`).
    """
    residue = _residue()
    lines = text.split("\n") if text else []
    in_table = {k for first, last in find_table_regions(lines) for k in range(first, last)}
    counts = collections.Counter(line for k, line in enumerate(lines)
                                 if "\t" not in line and 6 <= len(line) <= 30 and k not in in_table)
    body: list[tuple[int, str]] = []  # (offset in text, kept line) in order
    credits: dict[str, tuple[int, str]] = {}  # what a credit names → (offset in text, its line)
    dropped: list[str] = []
    offset = 0
    for line in lines:
        start = offset
        offset += len(line) + 1
        if "\t" in line:
            body.append((start, line))
            continue
        reason = _chrome_reason(line, residue, counts) if whole_lines else ""
        if reason:
            _take_credits(line, start, _credits_in(line, residue) if reason == "residue" else [], credits, dropped)
            continue
        if whole_lines and is_credit(line):
            # Kept where it stood (本版文图由…, an account's name): it joins the credits at the end.
            credits.setdefault(_credited(line, residue), (start, line))
            continue
        glued = _glued_credit(line, residue) if whole_lines else 0
        if glued:
            tail = line[glued:]
            _take_credits(tail, start + glued, _credits_in(tail, residue), credits, dropped)
            line = line[:glued].rstrip()
        for pattern in residue.cut:
            match = pattern.search(line)
            if match:
                dropped.append(line[match.start():])
                line = line[:match.start()].rstrip()
        body.append((start, line))
    moved = sorted((start, start + len(line)) for start, line in credits.values())
    kept: list[tuple[int, int, int]] = []
    out: list[str] = []
    out_offset = 0
    for start, line in body + sorted(credits.values()):
        if not line:
            continue
        kept.append((start, len(line), out_offset))
        out.append(line)
        out_offset += len(line) + 1
    return Cleaned("\n".join(out), text, tuple(dropped), tuple(sorted(kept)), tuple(moved))


def _take_credits(line: str, start: int, spans: list[tuple[int, int]], credits: dict[str, tuple[int, str]],
                  dropped: list[str]) -> None:
    """Keep the credits at ``spans`` of a chrome ``line`` (at ``start`` in the text), each name once;
    what is left of the line is dropped."""
    for a, b in spans:
        credits.setdefault(_credited(line[a:b], _residue()), (start + a, line[a:b]))
    rest = "".join(ch for k, ch in enumerate(line) if not any(a <= k < b for a, b in spans)).strip()
    if rest:
        dropped.append(rest)


def is_credit(line: str) -> bool:
    """True for a line that is a credit of its own (来源：某某日报, 本版文图由…提供, the publishing
    account's header): what :func:`strip_chrome` keeps out of chrome, and the [credit] lines."""
    residue = _residue()
    return bool(residue.credit.match(line)) or any(pattern.fullmatch(line) for pattern in residue.account)


def _sources(line: str, residue: _Residue, start: int = 0) -> Iterator[re.Match[str]]:
    """The [source] roles of a line from ``start``, but not one that ends a longer [field] role
    (来源 in 图片来源：某某图库 credits a photo, not the page)."""
    fields = [m.span() for m in residue.field.finditer(line)]
    for match in residue.source.finditer(line, start):
        if not any(a < match.start() < b for a, b in fields):
            yield match


def _credits_in(line: str, residue: _Residue) -> list[tuple[int, int]]:
    """Spans of the credits in a chrome line: each [source] role up to the next field, or the
    publishing account's header line as a whole."""
    for pattern in residue.account:
        account = pattern.fullmatch(line)
        if account:
            return [account.span("credit") if "credit" in pattern.groupindex else (0, len(line))]
    out = []
    for match in _sources(line, residue):
        if out and match.start() < out[-1][1]:
            continue
        following = [m.start() for m in (residue.field.search(line, match.end()),
                                         next(_sources(line, residue, match.end()), None)) if m]
        end = min(following, default=len(line))
        piece = line[match.start():end]
        for pattern in residue.cut:
            cut = pattern.search(piece)
            if cut:
                piece = piece[:cut.start()]
        piece = piece.rstrip(" |｜丨")
        if re.search(rf"[{_CJK}A-Za-z]", piece[match.end() - match.start():]):
            out.append((match.start(), match.start() + len(piece)))
    return out


def _glued_credit(line: str, residue: _Residue) -> int:
    """Where a credit glued onto the end of a sentence starts (…。来源：某某日报), or 0. What follows
    it is no sentence (a credit is none: a line joined onto it, 来源：某网近日，…。, stays body)."""
    for match in _sources(line, residue):
        before = line[:match.start()].rstrip()
        field = residue.field.search(line, match.end())
        if before and before[-1] in "。！？”）)】" and \
                not re.search(r"[。！？!?]", line[match.end():field.start() if field else len(line)]):
            return match.start()
    return 0


def _credited(credit: str, residue: _Residue) -> str:
    """What a credit names, its role and blanks left out: the same outlet credited twice is one."""
    return re.sub(r"\s", "", residue.source.sub("", credit, count=1))


def _chrome_reason(line: str, residue: _Residue, counts: collections.Counter[str]) -> str:
    if any(p.match(line) for p in residue.whole):
        return "residue"
    if len(line) <= 80 and any(p.search(line) for p in residue.short):
        return "residue"
    if any(p.fullmatch(line) for p in residue.account):
        return "residue"  # an account's header line: chrome where it stands, its credit kept
    if len(line) <= 60 and (_is_menu(line, residue.menu) or _is_breadcrumb(line)):
        return "menu"
    if counts[line] >= 3 and not HEADING_START.match(line):
        return "repeated"
    return ""


def clean_document(raw: str, *, paragraph_lines: bool = False, chrome: bool = False) -> Cleaned:
    """Normalise ``raw`` and, when ``chrome``, drop web chrome (the corpus loader's one call)."""
    text = normalise(raw, paragraph_lines=paragraph_lines)
    if not chrome:
        # Plain text keeps its lines; only residue glued onto the end of a line (返回搜狐，查看更多 …,
        # a 责任编辑： after the last sentence) is cut, so every kept line still starts where it did.
        return strip_chrome(text, whole_lines=False)
    return strip_chrome(text)


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
    if _reaches_wrap(prev_line, wrap):
        return False
    # Decided on the paragraph so far rather than its last line, so that normalising
    # normalised text (where each paragraph is one line) takes the same decision.
    min_len = 24 if wrap is None else min(24, 0.6 * wrap)
    return not (len(paragraph) >= min_len and _is_cjk(paragraph[-1]) and _is_cjk(line[0]))


def _reaches_wrap(line: str, wrap: int | None) -> bool:
    """True when ``line`` of hard-wrapped text reaches the wrap width: its paragraph goes on below."""
    return wrap is not None and 0.75 * wrap <= display_width(line) <= 1.15 * wrap + 2


def display_width(line: str) -> float:
    """Width of a line in full-width character cells: ASCII takes half a cell.

    Wrapped lines full of half-width digits hold more characters than Chinese-only
    lines of the same printed width, so lengths are compared in cells.
    """
    return sum(0.5 if ord(ch) < 0x2E80 else 1.0 for ch in line)


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"
