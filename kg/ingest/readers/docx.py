"""Word .docx → text: body paragraphs and tables in document order, read from the XML itself.

The main part (``word/document.xml``) is read through :class:`~kg.ingest.readers.archive.SafeZip`
(sizes and ratios checked before parsing) and parsed with entity expansion and network access
off. Only the parts that hold text or file properties are read — never the images — so a file
with a broken image link (a web page saved from a browser) still reads.

Layout of the text:

* one paragraph a line; a manual line break inside a paragraph is a line break;
* a table of two or more columns: one line a row, its cells separated by a tab (``\\t``), a
  cell's paragraphs joined by a space; a cell merged across columns appears once, a cell
  merged down rows is repeated in each row it spans (so every row reads on its own);
* a one-column table (page layout, not data): its paragraphs as ordinary lines;
* text boxes: their paragraphs after the paragraph that anchors them;
* automatic list numbers (``一、``, ``（一）``, ``1.`` set by Word's numbering, not typed) are
  written out in front of their paragraph, as Word shows them — the section parser reads them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from kg.errors import CorpusError
from kg.ingest.readers.archive import SafeZip
from kg.ingest.readers.common import EMBEDDED_ENCODING, RawText, missing_for_file, unreadable

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_FIX = "open it in Word or WPS and save it as .docx (not .doc), or save it as .txt"
_WHAT = "Word .docx file"

# docProps/core.xml and app.xml elements → property names (see RawText.properties).
_CORE = {
    "{http://purl.org/dc/elements/1.1/}title": "title",
    "{http://purl.org/dc/elements/1.1/}subject": "subject",
    "{http://purl.org/dc/elements/1.1/}creator": "author",
    "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}keywords": "keywords",
    "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}lastModifiedBy": "modified_by",
    "{http://purl.org/dc/terms/}created": "created",
    "{http://purl.org/dc/terms/}modified": "modified",
    "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}Company": "company",
}


def _parser():  # type: ignore[no-untyped-def]
    from lxml import etree

    # No DTDs, no entity expansion, no network: a hostile XML part cannot expand or fetch.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           remove_comments=True, remove_pis=True)


def read_docx(path: Path, data: bytes, limit: int) -> RawText:
    """Read a .docx; ``limit`` caps each unpacked XML part (bytes)."""
    try:
        from lxml import etree
    except ImportError as exc:
        raise missing_for_file(path, "lxml", "to read .docx files") from exc
    archive = SafeZip(path, data, limit, _WHAT, _FIX)
    main = _main_part(archive)
    xml = archive.read(main)
    if xml is None:
        raise CorpusError(path, f"not a readable {_WHAT} (KeyError: no {main} in the archive)", _FIX)
    try:
        root = etree.fromstring(xml, _parser())
    except etree.XMLSyntaxError as exc:
        raise unreadable(path, _WHAT, exc, _FIX) from exc
    body = root.find(f"{_W}body")
    if body is None:
        raise CorpusError(path, f"not a readable {_WHAT} (no w:body in {main})", _FIX)
    numbering = _Numbering(archive)
    lines = list(_blocks(body, numbering))
    return RawText("\n".join(lines), EMBEDDED_ENCODING, "docx", method="docx-xml", paragraph_lines=True,
                   properties=_properties(archive))


def _main_part(archive: SafeZip) -> str:
    """The main document part named by _rels/.rels (usually word/document.xml)."""
    from lxml import etree

    rels = archive.read("_rels/.rels")
    if rels:
        try:
            for rel in etree.fromstring(rels, _parser()).iter(f"{_REL}Relationship"):
                if rel.get("Type") == _OFFICE_DOCUMENT and rel.get("Target"):
                    return rel.get("Target").lstrip("/")
        except etree.XMLSyntaxError:
            pass
    return "word/document.xml"


def _properties(archive: SafeZip) -> dict[str, str]:
    """Title, author, dates … from docProps/core.xml and app.xml (absent or broken: none)."""
    from lxml import etree

    out: dict[str, str] = {}
    for name in ("docProps/core.xml", "docProps/app.xml"):
        try:
            xml = archive.read(name)
            if not xml:
                continue
            for element in etree.fromstring(xml, _parser()):
                key = _CORE.get(element.tag)
                if key and element.text and element.text.strip():
                    out[key] = element.text.strip()
        except (CorpusError, etree.XMLSyntaxError):
            continue
    return out


def _blocks(container, numbering: "_Numbering") -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Lines of a body, cell or content control, in document order."""
    for child in container:
        tag = child.tag
        if tag == f"{_W}p":
            yield from _paragraph_lines(child, numbering)
        elif tag == f"{_W}tbl":
            yield from _table_lines(child, numbering)
        elif tag in (f"{_W}sdt", f"{_W}customXml", f"{_W}ins"):
            content = child.find(f"{_W}sdtContent")
            yield from _blocks(content if content is not None else child, numbering)


def _paragraph_lines(p, numbering: "_Numbering") -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A paragraph's text (split at manual breaks), then its text boxes' paragraphs."""
    label = numbering.label(p)
    parts: list[str] = [label] if label else []
    boxes = []
    for element in p.iter():
        tag = element.tag
        if tag == f"{_W}txbxContent":
            boxes.append(element)
            continue
        if _inside(element, p, f"{_W}txbxContent") or _inside(element, p, f"{_W}del"):
            continue
        if tag == f"{_W}t" and element.text:
            parts.append(element.text)
        elif tag == f"{_W}tab":
            parts.append(" ")
        elif tag in (f"{_W}br", f"{_W}cr"):
            parts.append("\n")
        elif tag == f"{_W}noBreakHyphen":
            parts.append("-")
    if label and len(parts) == 1:
        parts = []  # a number on an empty paragraph is not shown by Word either
    yield from "".join(parts).split("\n")
    for box in boxes:
        yield from _blocks(box, numbering)


def _inside(element, stop, tag: str) -> bool:  # type: ignore[no-untyped-def]
    parent = element.getparent()
    while parent is not None and parent is not stop:
        if parent.tag == tag:
            return True
        parent = parent.getparent()
    return False


def _cell_text(tc, numbering: "_Numbering") -> str:  # type: ignore[no-untyped-def]
    """A cell's paragraphs (and nested tables' cells) joined by spaces, tabs removed."""
    pieces = [line.strip() for line in _blocks(tc, numbering)]
    return " ".join(piece.replace("\t", " ") for piece in pieces if piece)


def _table_lines(tbl, numbering: "_Numbering") -> Iterator[str]:  # type: ignore[no-untyped-def]
    """One line per row, cells separated by a tab; a one-column table as plain lines."""
    rows: list[list[str]] = []
    above: dict[int, str] = {}  # grid column → text of the vertically merged cell started above
    for tr in tbl.iter(f"{_W}tr"):
        if tr.getparent() is not tbl and not _direct_row(tr, tbl):
            continue
        cells: list[str] = []
        column = 0
        for tc in tr.findall(f"{_W}tc"):
            props = tc.find(f"{_W}tcPr")
            span = 1
            merge = None
            if props is not None:
                grid = props.find(f"{_W}gridSpan")
                if grid is not None and (grid.get(f"{_W}val") or "").isdigit():
                    span = max(1, int(grid.get(f"{_W}val")))
                vmerge = props.find(f"{_W}vMerge")
                if vmerge is not None:
                    merge = vmerge.get(f"{_W}val") or "continue"
            if merge == "continue":
                text = above.get(column, "")
            else:
                text = _cell_text(tc, numbering)
                if merge == "restart":
                    above[column] = text
                else:
                    above.pop(column, None)
            cells.append(text)
            column += span
        rows.append(cells)
    width = max((sum(1 for c in row if c) for row in rows), default=0)
    if width <= 1:
        for tr in tbl.iter(f"{_W}tr"):
            if tr.getparent() is tbl or _direct_row(tr, tbl):
                for tc in tr.findall(f"{_W}tc"):
                    yield from (line for line in _blocks(tc, numbering) if line.strip())
        return
    for cells in rows:
        while cells and not cells[-1]:
            cells.pop()
        if any(cells):
            yield "\t".join(cells)


def _direct_row(tr, tbl) -> bool:  # type: ignore[no-untyped-def]
    """A row of ``tbl`` itself (possibly wrapped in a content control), not of a nested table."""
    parent = tr.getparent()
    while parent is not None and parent is not tbl:
        if parent.tag in (f"{_W}tbl", f"{_W}tc"):
            return False
        parent = parent.getparent()
    return parent is tbl


# --- automatic numbering ---------------------------------------------------------

_CN_DIGITS = "零一二三四五六七八九"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_ZODIAC = "子丑寅卯辰巳午未申酉戌亥"


def _chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (as Word's chineseCounting writes them)."""
    if n <= 0:
        return str(n)
    if n >= 1000:
        return str(n)
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    out = ""
    if hundreds:
        out += _CN_DIGITS[hundreds] + "百"
        if rest and tens == 0:
            out += "零"
    if tens:
        out += ("" if tens == 1 and not hundreds else _CN_DIGITS[tens]) + "十"
    if ones:
        out += _CN_DIGITS[ones]
    return out


def _roman(n: int) -> str:
    values = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
              (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = ""
    for value, letters in values:
        while n >= value:
            out += letters
            n -= value
    return out


def _letters(n: int) -> str:
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else str(n)


def format_number(n: int, fmt: str) -> str:
    """Write ``n`` in a Word numFmt (decimal, chineseCounting, upperRoman, …); unknown formats as digits."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified", "japaneseCounting",
               "taiwaneseCounting", "taiwaneseCountingThousand", "koreanCounting", "ideographDigital"):
        return _chinese_number(n)
    if fmt == "ideographTraditional":
        return _TIANGAN[(n - 1) % 10]
    if fmt == "ideographZodiac":
        return _ZODIAC[(n - 1) % 12]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(d) + 0xFEE0) for d in str(n))
    if fmt == "lowerLetter":
        return _letters(n)
    if fmt == "upperLetter":
        return _letters(n).upper()
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    return str(n)


class _Numbering:
    """Word's list numbering: which paragraphs carry an automatic number, and its text."""

    def __init__(self, archive: SafeZip) -> None:
        from lxml import etree

        self.levels: dict[str, dict[int, tuple[int, str, str]]] = {}  # numId → ilvl → (start, fmt, text)
        self.style_num: dict[str, tuple[str, int]] = {}  # paragraph style id → (numId, ilvl)
        self.counters: dict[str, dict[int, int]] = {}
        try:
            xml = archive.read("word/numbering.xml")
            root = etree.fromstring(xml, _parser()) if xml else None
            styles = archive.read("word/styles.xml")
            styles_root = etree.fromstring(styles, _parser()) if styles else None
        except (CorpusError, etree.XMLSyntaxError):
            return
        if root is None:
            return
        abstract: dict[str, dict[int, tuple[int, str, str]]] = {}
        for node in root.findall(f"{_W}abstractNum"):
            abstract[node.get(f"{_W}abstractNumId", "")] = {
                int(lvl.get(f"{_W}ilvl", "0")): self._level(lvl) for lvl in node.findall(f"{_W}lvl")
                if (lvl.get(f"{_W}ilvl", "0")).isdigit()}
        for num in root.findall(f"{_W}num"):
            ref = num.find(f"{_W}abstractNumId")
            levels = dict(abstract.get(ref.get(f"{_W}val", "") if ref is not None else "", {}))
            for override in num.findall(f"{_W}lvlOverride"):
                ilvl = override.get(f"{_W}ilvl", "0")
                if not ilvl.isdigit():
                    continue
                lvl = override.find(f"{_W}lvl")
                start = override.find(f"{_W}startOverride")
                if lvl is not None:
                    levels[int(ilvl)] = self._level(lvl)
                elif start is not None and int(ilvl) in levels and (start.get(f"{_W}val") or "").isdigit():
                    _, fmt, text = levels[int(ilvl)]
                    levels[int(ilvl)] = (int(start.get(f"{_W}val")), fmt, text)
            self.levels[num.get(f"{_W}numId", "")] = levels
        if styles_root is not None:
            based: dict[str, str] = {}
            direct: dict[str, tuple[str, int]] = {}
            for style in styles_root.findall(f"{_W}style"):
                sid = style.get(f"{_W}styleId", "")
                parent = style.find(f"{_W}basedOn")
                if parent is not None:
                    based[sid] = parent.get(f"{_W}val", "")
                found = self._num_pr(style.find(f"{_W}pPr"))
                if found and found[0]:
                    direct[sid] = (found[0], found[1] if found[1] is not None else 0)
            for sid in set(based) | set(direct):
                current, depth = sid, 0
                while current and current not in direct and depth < 20:
                    current, depth = based.get(current, ""), depth + 1
                if current in direct:
                    self.style_num[sid] = direct[current]

    @staticmethod
    def _level(lvl) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
        def val(tag: str, default: str) -> str:
            node = lvl.find(f"{_W}{tag}")
            return node.get(f"{_W}val", default) if node is not None else default
        start = val("start", "1")
        return (int(start) if start.isdigit() else 1, val("numFmt", "decimal"), val("lvlText", ""))

    @staticmethod
    def _num_pr(ppr) -> tuple[str, int | None] | None:  # type: ignore[no-untyped-def]
        if ppr is None:
            return None
        num_pr = ppr.find(f"{_W}numPr")
        if num_pr is None:
            return None
        num_id = num_pr.find(f"{_W}numId")
        ilvl = num_pr.find(f"{_W}ilvl")
        level = ilvl.get(f"{_W}val", "0") if ilvl is not None else None
        return (num_id.get(f"{_W}val", "") if num_id is not None else "",
                int(level) if level is not None and level.isdigit() else None)

    def label(self, p) -> str:  # type: ignore[no-untyped-def]
        """The number Word shows before paragraph ``p`` (counting it), or ""."""
        if not self.levels:
            return ""
        ppr = p.find(f"{_W}pPr")
        found = self._num_pr(ppr)
        style = ppr.find(f"{_W}pStyle") if ppr is not None else None
        from_style = self.style_num.get(style.get(f"{_W}val", "")) if style is not None else None
        if found is None and from_style is None:
            return ""
        num_id = found[0] if found and found[0] else (from_style[0] if from_style else "")
        ilvl = found[1] if found and found[1] is not None else (from_style[1] if from_style else 0)
        levels = self.levels.get(num_id)
        if not levels or ilvl not in levels:
            return ""  # numId 0 (or unknown) switches numbering off
        counters = self.counters.setdefault(num_id, {})
        start, fmt, text = levels[ilvl]
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        if fmt in ("bullet", "none") or not text:
            return ""
        out = text
        for level in range(ilvl, -1, -1):
            if f"%{level + 1}" in out:
                value = counters.get(level, levels.get(level, (1, "decimal", ""))[0])
                level_fmt = levels.get(level, (1, "decimal", ""))[1]
                out = out.replace(f"%{level + 1}", format_number(value, level_fmt))
        return out
