"""PDF → text with PDFium (pypdfium2): page text, running heads and feet dropped, scans through OCR.

* Each page's text layer is read with PDFium, which keeps Chinese lines whole and Latin words
  spaced (pypdf split academic and web-print PDFs into one character a line).
* Running heads and feet: text lines in the top or bottom 8% of a page that are page numbers
  (``·161·``, ``- 3 -``, ``第 2 页``) or that recur, digits aside, on at least 40% of the pages
  (journal name and issue, a site's header) are dropped.
* A page with (almost) no text layer but an image, or with a garbled text layer (fonts without a
  Unicode map), is rendered and read by OCR; the text is then marked as OCR
  (``RawText.extraction``) and a warning says which pages.
* Tables: PDFium writes a table row as one line with its cells run together (一类人员11% 2). Where
  two or more consecutive lines of a page each hold a wide gap between two glyphs (more than
  :data:`CELL_GAP` times the glyph height, not at punctuation, not inside Latin text), the gaps
  are written as tabs, the way the other readers write table rows; a single such line (a figure's
  labels, a journal's running head) keeps its spaces.
* The document information (Title, Author, CreationDate) becomes ``RawText.properties``.
"""

from __future__ import annotations

import collections
import re
import unicodedata
from pathlib import Path

from kg.errors import CorpusError
from kg.ingest.readers.common import (
    EMBEDDED_ENCODING,
    MAX_BAD_CHAR_RATIO,
    OCR,
    PAGE_BREAK,
    RawText,
    bad_char_ratio,
    missing_for_file,
)

#: Fraction of the page height at the top and at the bottom where running heads and feet sit.
MARGIN = 0.08
#: A margin line recurring on at least this share of the pages (and on two or more) is a running head.
MIN_SHARE = 0.4
#: A page with fewer non-space characters than this in its text layer is treated as a scan.
MIN_PAGE_TEXT = 10
#: Render scale for OCR (300 dpi).
OCR_DPI = 300
#: At most this many pages of one PDF are read by OCR (about 40 s a page on one core).
MAX_OCR_PAGES = 60

#: A gap between two glyphs of a line wider than this many glyph heights separates table cells.
#: Measured on the devcorpus PDFs: a table's cells are 3-10 heights apart; justified text, letter
#: spacing and the space after a colon stay under 1.5 once punctuation and Latin text are left out.
CELL_GAP = 1.5
#: Punctuation after which a gap can still part two cells (a percentage ends a cell).
_CELL_END_MARKS = "%‰％)）]］"

_PAGE_NUMBER = re.compile(
    r"^\s*(?:[·•\-—–－]\s*)?(?:第\s*)?\d{1,4}(?:\s*页)?(?:\s*[/，,]?\s*共\s*\d+\s*页)?(?:\s*[·•\-—–－])?\s*$"
    r"|^\s*\d+\s*/\s*\d+\s*$|^\s*[ivxlcIVXLC]{1,6}\s*$")
_FIX = "re-export the file as PDF or save it as .txt"


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def read_pdf(path: Path, data: bytes, limit: int) -> RawText:
    """Read a PDF's text layer page by page; OCR the pages that are images."""
    try:
        import pypdfium2 as pdfium
    except ImportError as exc:
        raise missing_for_file(path, "pypdfium2", "to read .pdf files") from exc
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise CorpusError(path, "PDF is password-protected",
                              "remove the password (open it and print to a new PDF), or save it as .txt") from exc
        raise CorpusError(path, f"not a readable PDF (PdfiumError: {str(exc)[:160]})", _FIX) from exc
    try:
        pages, heads, scanned = _pages(document)
        properties = _properties(document)
        ocr_pages: list[int] = []
        method = "pdfium"
        if len(scanned) > MAX_OCR_PAGES:
            raise CorpusError(path, f"{len(scanned)} pages are scans; at most {MAX_OCR_PAGES} pages of one PDF are "
                              "read by OCR (about 40 s a page)",
                              "run OCR on it first (e.g. ocrmypdf) or split it into parts")
        if scanned:
            from kg.ingest.readers.ocr import recognise_image

            for number in scanned:
                image = document[number].render(scale=OCR_DPI / 72).to_pil()  # in colour: ocr.ink drops red seals
                text, engine = recognise_image(path, image)
                if text.strip():
                    pages[number] = text
                    ocr_pages.append(number)
                    method = f"pdfium+{engine}"
    except CorpusError:
        raise
    except Exception as exc:  # PDFium signals a damaged page in several ways
        raise CorpusError(path, f"not a readable PDF ({type(exc).__name__}: {str(exc)[:160]})", _FIX) from exc
    finally:
        document.close()
    warnings: tuple[str, ...] = ()
    extraction = "text"
    if ocr_pages:
        extraction = OCR
        shown = ", ".join(str(n + 1) for n in ocr_pages[:10]) + (" …" if len(ocr_pages) > 10 else "")
        warnings = (f"{path.name}: page(s) {shown} have no text layer and were read by OCR — "
                    f"the text may hold misread characters",)
    if heads:
        properties["running_heads"] = " | ".join(sorted(heads))[:500]
    return RawText(PAGE_BREAK.join(pages), EMBEDDED_ENCODING, "pdf", method=method, extraction=extraction,
                   properties=properties, warnings=warnings)


def _properties(document) -> dict[str, str]:  # type: ignore[no-untyped-def]
    names = {"Title": "title", "Author": "author", "Subject": "subject", "Keywords": "keywords",
             "CreationDate": "created", "ModDate": "modified", "Creator": "creator", "Producer": "producer"}
    out: dict[str, str] = {}
    try:
        info = document.get_metadata_dict(skip_empty=True)
    except Exception:  # damaged info dictionaries are common and never fatal
        return out
    for key, value in info.items():
        if key in names and str(value).strip():
            out[names[key]] = str(value).strip()
    return out


def _lines_with_band(textpage, height: float) -> list[tuple[str, bool, str | None]]:  # type: ignore[no-untyped-def]
    """The page's text lines, each with whether it sits in the top or bottom margin band and, when
    it holds a gap as wide as between table cells, the line with tabs at those gaps (else None).

    PDFium's text holds one character per character box (its generated line breaks included),
    so a line's first visible character gives the line's height on the page.
    """
    text = textpage.get_text_range()
    out: list[tuple[str, bool, str | None]] = []
    position = 0
    for line in re.split(r"(\r\n|\n|\r)", text):
        if line in ("\r\n", "\n", "\r"):
            position += len(line)
            continue
        first = next((k for k, ch in enumerate(line) if not ch.isspace()), None)
        band = False
        if first is not None:
            _, bottom, _, top = textpage.get_charbox(position + first)
            band = top > height * (1 - MARGIN) or bottom < height * MARGIN
        out.append((line, band, _cells(textpage, line, position)))
        position += len(line)
    return out


def _cells(textpage, line: str, position: int) -> str | None:  # type: ignore[no-untyped-def]
    """``line`` with a tab at each gap wider than :data:`CELL_GAP` glyph heights, or None when it
    has none. ``position`` is the line's offset in the page's text."""
    parts: list[str] = []
    previous: tuple[float, float, float, str] | None = None  # right, bottom, height, character
    found = False
    for k, char in enumerate(line):
        if char.isspace():
            parts.append(char)
            continue
        left, bottom, right, top = textpage.get_charbox(position + k)
        if previous is not None:
            before_right, before_bottom, before_height, before = previous
            glyph = max(top - bottom, before_height, 1.0)
            if left - before_right > CELL_GAP * glyph and abs(bottom - before_bottom) < glyph \
                    and _may_end_cell(before) and not _is_punctuation(char) \
                    and not (_is_latin(before) and _is_latin(char)):
                while parts and parts[-1].isspace():
                    parts.pop()
                parts.append("\t")
                found = True
        parts.append(char)
        previous = (right, bottom, top - bottom, char)
    return "".join(parts) if found else None


def _is_punctuation(char: str) -> bool:
    return unicodedata.category(char)[0] in "PS"


def _may_end_cell(char: str) -> bool:
    return not _is_punctuation(char) or char in _CELL_END_MARKS


def _is_latin(char: str) -> bool:
    return unicodedata.category(char)[0] == "L" and unicodedata.name(char, "").startswith(("LATIN", "FULLWIDTH LATIN"))


def _pages(document) -> tuple[list[str], set[str], list[int]]:  # type: ignore[no-untyped-def]
    """Page texts without running heads/feet, the heads dropped, and the pages that are scans."""
    import pypdfium2.raw as raw

    pages: list[list[tuple[str, bool, str | None]]] = []
    scanned: list[int] = []
    for number in range(len(document)):
        page = document[number]
        lines = _lines_with_band(page.get_textpage(), page.get_size()[1])
        pages.append(lines)
        text = "".join(line for line, _, _ in lines)
        if len(re.sub(r"\s", "", text)) < MIN_PAGE_TEXT and \
                any(True for _ in page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=2)):
            scanned.append(number)
        elif bad_char_ratio(text) > MAX_BAD_CHAR_RATIO:
            scanned.append(number)  # a text layer without a Unicode map: read what the page shows
    counts = collections.Counter(k for lines in pages for k in {_key(line) for line, band, _ in lines if band})
    need = max(2, round(MIN_SHARE * len(document)))
    dropped: set[str] = set()
    out = []
    for lines in pages:
        kept: list[tuple[str, str | None]] = []
        for line, band, cells in lines:
            key = _key(line)
            if band and len(document) > 1 and key and (
                    _PAGE_NUMBER.match(line) or (counts[key] >= need and len(key) > 1)):
                dropped.add(line.strip())
                continue
            kept.append((line, cells))
        out.append("\n".join(_table_rows(kept)).strip("\n"))
    return out, dropped, scanned


def _table_rows(lines: list[tuple[str, str | None]]) -> list[str]:
    """The lines, those of a run of two or more with cell gaps in their tabbed form (table rows);
    blank lines between rows do not end the run."""
    out: list[str] = []
    k = 0
    while k < len(lines):
        if lines[k][1] is None:
            out.append(lines[k][0])
            k += 1
            continue
        run = [k]
        j = k + 1
        while j < len(lines) and (lines[j][1] is not None or not lines[j][0].strip()):
            if lines[j][1] is not None:
                run.append(j)
            j += 1
        j = run[-1] + 1
        tabbed = len(run) >= 2
        out.extend(cells if tabbed and cells is not None else line for line, cells in lines[k:j])
        k = j
    return out
