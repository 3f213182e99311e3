"""What every reader shares: the RawText record, the error builders, the garbage check.

Kept apart from ``kg.ingest.readers`` (the dispatcher) so each format module imports only this.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import CorpusError, MissingDependencyError

#: Separator between PDF pages; the form feed marks where a page ended.
PAGE_BREAK = "\n\f\n"

#: ``RawText.encoding`` for formats that store Unicode themselves (PDF, DOCX, HTML, .doc).
EMBEDDED_ENCODING = "embedded"

#: ``RawText.extraction`` for text that was recognised from images, not read from a text layer.
OCR = "ocr"

# A real document has at most a handful of control, private-use, unassigned or
# replacement (U+FFFD) characters (a rare-name glyph from a GBK user-defined area,
# say). Far more than this means the bytes were binary or decoded with the wrong
# codec, and indexing them would only put garbage into search results.
MAX_BAD_CHAR_RATIO = 0.10

#: Characters one document may hold once read. The longest real documents (a five-year plan, a
#: yearbook) hold tens of thousands to a few hundred thousand; a 2-million-character file took
#: 196 s and 1.4 GB to build with the hashing encoder (minutes more with e5), so past this a file
#: is refused and the fix is to split it. Text files are checked against it before they are read.
MAX_TEXT_CHARS = 1_000_000
# A character of a text file takes at most 4 bytes (UTF-8 beyond the BMP, UTF-32).
MAX_BYTES_PER_CHAR = 4

# Whitespace control characters that legitimately occur in text (\f is our own
# page break); every other category-Cc character counts as bad.
_TEXT_CONTROLS = frozenset("\t\n\r\f\v")

# Unicode categories that never make up readable text: control, private use,
# unassigned, surrogate (surrogates appear only from 'surrogateescape' decoding).
_BAD_CATEGORIES = frozenset({"Cc", "Co", "Cn", "Cs"})


@dataclass(frozen=True)
class RawText:
    """The text of one corpus file, before normalisation.

    ``encoding`` is the codec that decoded a ``.txt``/``.md`` file (e.g. ``"utf-8"``,
    ``"gb18030"``) and ``EMBEDDED_ENCODING`` for formats that store Unicode.
    ``source_format`` is the file's suffix without the dot, lower case.

    ``method`` names the tool that produced the text (``"pypdf"``, ``"docx-xml"``,
    ``"libreoffice"``, ``"antiword"``, ``"tesseract"`` …). ``extraction`` is ``"text"`` when
    the characters were stored in the file and ``OCR`` when they were recognised from
    images — OCR text has misread characters, and the build says so.
    ``paragraph_lines`` is True when every line break is a paragraph break the file
    itself records (Word, HTML): the normaliser then does not guess line joins.
    ``properties`` holds what the file says about itself (DOCX core properties, PDF
    document info, HTML <title>/<meta>): a weak source for metadata inference.
    ``warnings`` are things the user should know about this file's text.
    """

    text: str
    encoding: str
    source_format: str
    method: str = field(default="", compare=False)
    extraction: str = "text"
    paragraph_lines: bool = False
    properties: dict[str, str] = field(default_factory=dict, compare=False)
    warnings: tuple[str, ...] = field(default=(), compare=False)


def bad_char_ratio(text: str) -> float:
    """Fraction of ``text`` that is control (bar whitespace), private-use, unassigned or U+FFFD."""
    if not text:
        return 0.0
    bad = sum(
        1
        for ch in text
        if ch == "\ufffd"
        or (ch not in _TEXT_CONTROLS and unicodedata.category(ch) in _BAD_CATEGORIES)
    )
    return bad / len(text)


def missing(package: str, purpose: str) -> MissingDependencyError:
    """Build the error for an optional Python parser that is not installed."""
    return MissingDependencyError(
        f"{package} is needed {purpose} — install it with: pip install {package}"
    )


def missing_for_file(path: Path, package: str, purpose: str) -> CorpusError:
    """A missing Python parser as a per-file error, so the other files still build."""
    return CorpusError(path, f"{package} is needed {purpose} but is not installed",
                       f"install it with: pip install {package}")


def unreadable(path: Path, what: str, exc: BaseException, fix: str) -> CorpusError:
    """A parser failure as a per-file error: which format, the parser's words (cut short), the fix."""
    detail = f"{type(exc).__name__}: {exc}"
    if len(detail) > 200:
        detail = detail[:200] + "…"
    return CorpusError(path, f"not a readable {what} ({detail})", fix)
