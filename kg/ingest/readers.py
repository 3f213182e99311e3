"""Corpus files → raw Unicode text, one file at a time.

This module only gets the characters out of a file. It does not normalise them
(full-width forms, page-break residue, line joins): ``kg.ingest.normalise`` does that,
so every reader hands it text in the same shape:

* ``.txt`` / ``.md``: the decoded file, with any byte-order mark removed.
* ``.pdf``: the text layer of each page, pages joined by ``PAGE_BREAK``
  ("\\n\\f\\n") so the normaliser can find and drop running heads and page numbers.
* ``.docx``: body paragraphs and table cells in document order, one paragraph or
  cell per line.

Every problem with a file is raised as ``CorpusError`` naming the file and the fix;
a missing optional parser is raised as ``MissingDependencyError`` with the pip command.
"""

from __future__ import annotations

import codecs
import io
import math
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import ConfigError, CorpusError, MissingDependencyError

if TYPE_CHECKING:
    from docx.table import Table

#: Suffixes ``read_file`` understands (lower case; matching ignores case).
SUPPORTED_SUFFIXES: tuple[str, ...] = (".txt", ".md", ".pdf", ".docx")

#: Separator between PDF pages; the form feed marks where a page ended.
PAGE_BREAK = "\n\f\n"

#: ``RawText.encoding`` for formats that store Unicode themselves (PDF, DOCX).
EMBEDDED_ENCODING = "embedded"

# A real document has at most a handful of control, private-use, unassigned or
# replacement (U+FFFD) characters (a rare-name glyph from a GBK user-defined area,
# say). Far more than this means the bytes were binary or decoded with the wrong
# codec, and indexing them would only put garbage into search results.
_MAX_BAD_CHAR_RATIO = 0.10

# Whitespace control characters that legitimately occur in text (\f is our own
# page break); every other category-Cc character counts as bad.
_TEXT_CONTROLS = frozenset("\t\n\r\f\v")

# Unicode categories that never make up readable text: control, private use,
# unassigned, surrogate (surrogates appear only from 'surrogateescape' decoding).
_BAD_CATEGORIES = frozenset({"Cc", "Co", "Cn", "Cs"})

# (mark, codec reported, codec that decodes the bytes after the mark).
# Checked in this order: the UTF-32-LE mark begins with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
)

_MIB = 1024 * 1024

_SAVE_AS_UTF8 = "open it in a text editor and save it as UTF-8"


@dataclass(frozen=True)
class RawText:
    """The text of one corpus file, before normalisation.

    ``encoding`` is the codec that decoded a ``.txt``/``.md`` file (e.g. ``"utf-8"``,
    ``"utf-8-sig"``, ``"gb18030"``, or whatever charset-normalizer chose), and
    ``EMBEDDED_ENCODING`` for PDF and DOCX. ``source_format`` is the file's suffix
    without the dot, lower case: ``"txt"``, ``"md"``, ``"pdf"`` or ``"docx"``.
    """

    text: str
    encoding: str
    source_format: str


def read_file(path: Path, max_bytes: int) -> str:
    """Return the raw Unicode text of the corpus file at ``path``.

    Shorthand for ``read_raw(path, max_bytes).text``; see ``read_raw`` for the
    rules and the errors raised.
    """
    return read_raw(path, max_bytes).text


def read_raw(path: Path, max_bytes: int) -> RawText:
    """Read one corpus file and return its text with how it was decoded.

    The format is chosen by suffix (``SUPPORTED_SUFFIXES``, any case). A file
    larger than ``max_bytes`` is refused before it is read.

    Raises:
        ConfigError: ``max_bytes`` is not positive.
        CorpusError: the suffix is unsupported; the file is missing, unreadable,
            empty or whitespace-only, larger than ``max_bytes``, binary, not
            decodable as text, or a malformed / text-less PDF or DOCX.
        MissingDependencyError: pypdf, python-docx or charset-normalizer is needed
            for this file and not installed.
    """
    if max_bytes <= 0:
        raise ConfigError(
            f"max_file_mb gives a file size limit of {max_bytes} bytes — "
            "set max_file_mb to a positive number of MiB"
        )
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        raise CorpusError(
            path,
            f"unsupported file type {path.suffix!r}" if path.suffix else "file has no suffix",
            "save it as " + ", ".join(SUPPORTED_SUFFIXES)
            + " (Word/WPS: 'Save as' .docx), or move it out of the corpus folder",
        )
    data = _read_bytes(path, max_bytes)
    fmt = suffix[1:]
    text, encoding = reader(path, data)
    _check_text(path, text, fmt)
    return RawText(text=text, encoding=encoding, source_format=fmt)


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    """Return the file's bytes, refusing missing, unreadable, empty or oversized files."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise CorpusError(
            path, "file does not exist", "check the path, or rebuild so the file list is re-read"
        ) from None
    except OSError as exc:
        raise CorpusError(path, f"cannot be read ({exc.strerror})", "check the file's permissions") from exc
    if size > max_bytes:
        raise _too_large(path, size, max_bytes)
    if size == 0:
        raise CorpusError(
            path, "file is empty (0 bytes)", "add the document's text or remove the file from the corpus folder"
        )
    try:
        with path.open("rb") as fh:
            # Read one byte past the limit: the file may have grown since stat().
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise CorpusError(path, f"cannot be read ({exc.strerror})", "check the file's permissions") from exc
    if len(data) > max_bytes:
        raise _too_large(path, len(data), max_bytes)
    return data


def _too_large(path: Path, size: int, max_bytes: int) -> CorpusError:
    """Build the 'file over the size limit' error, suggesting a big-enough setting."""
    # The setting max_file_mb counts MiB (kg.config), so suggest a value that fits.
    return CorpusError(
        path,
        f"file is {size:,} bytes ({size / _MIB:.1f} MiB), over the size limit of "
        f"{max_bytes:,} bytes ({max_bytes / _MIB:.1f} MiB)",
        f"raise the setting max_file_mb to at least {math.ceil(size / _MIB)}, or split the file",
    )


# --- plain text -----------------------------------------------------------------


def _read_text(path: Path, data: bytes) -> tuple[str, str]:
    """Decode a .txt/.md file: BOM, then strict UTF-8, then GB18030, then charset-normalizer."""
    bom = next((entry for entry in _BOMS if data.startswith(entry[0])), None)
    if bom is not None:
        mark, codec, decoder = bom
        # A byte-order mark is an explicit declaration: trust it, and do not
        # guess another codec if the rest of the file contradicts it.
        try:
            text = data[len(mark):].decode(decoder)
        except UnicodeDecodeError as exc:
            raise CorpusError(
                path,
                f"starts with a {codec} byte-order mark but byte {exc.start + len(mark)} "
                f"is not valid {decoder}",
                _SAVE_AS_UTF8,
            ) from exc
        nul = text.find("\x00")
        if nul >= 0:
            raise _binary(path, f"NUL character at character {nul}")
    else:
        nul = data.find(b"\x00")
        if nul >= 0:
            # No text encoding tried below (UTF-8, GB18030, legacy 8-bit codes)
            # produces a NUL byte, so this is binary - or BOM-less UTF-16, which
            # cannot be told apart from binary reliably.
            raise _binary(path, f"NUL byte at offset {nul}")
        decoded = _first_decoding(data)
        if decoded is None:
            raise CorpusError(
                path,
                "text encoding not recognised (not UTF-8, UTF-16 with byte-order mark, "
                "GB18030/GBK, nor any encoding charset-normalizer detects)",
                _SAVE_AS_UTF8,
            )
        text, codec = decoded
    ratio = _bad_char_ratio(text)
    if ratio > _MAX_BAD_CHAR_RATIO:
        # Deliberately no retry with the next codec: bytes that decode cleanly
        # decode the same way every time, and a later codec reading them
        # "successfully" would only turn them into different garbage (valid UTF-8
        # control bytes stay control bytes; U+FFFD would become GB18030 mojibake).
        raise _binary(path, f"{ratio:.0%} control, unassigned or replacement characters as {codec}")
    return text, codec


def _first_decoding(data: bytes) -> tuple[str, str] | None:
    """Return (text, codec) from the first codec that decodes ``data``; None if none does.

    Strict UTF-8 first: legacy Chinese bytes are almost never valid UTF-8, so a
    clean decode is near-proof. Then GB18030, a superset of GBK and GB2312, which
    covers files saved by older Chinese Windows tools. charset-normalizer is the
    last resort (and imported only then) because it guesses statistically.
    """
    for codec in ("utf-8", "gb18030"):
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            continue
    return _detect_encoding(data)


def _detect_encoding(data: bytes) -> tuple[str, str] | None:
    """Ask charset-normalizer for the likeliest decoding; None if it finds none."""
    try:
        import charset_normalizer
    except ImportError as exc:
        raise _missing(
            "charset-normalizer", "to detect the encoding of text files that are not UTF-8 or GB18030"
        ) from exc
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        return None
    return str(best), best.encoding


def _binary(path: Path, evidence: str) -> CorpusError:
    """Build the 'binary content with a text suffix' error."""
    return CorpusError(
        path,
        f"contains binary data, not text ({evidence})",
        "give the file its real suffix (.pdf, .docx) if it is a document; if it is UTF-16 text "
        "without a byte-order mark, re-save it as UTF-8; otherwise remove it from the corpus folder",
    )


def _bad_char_ratio(text: str) -> float:
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


# --- PDF -------------------------------------------------------------------------


def _read_pdf(path: Path, data: bytes) -> tuple[str, str]:
    """Extract each page's text layer with pypdf, joined by PAGE_BREAK."""
    try:
        import pypdf
    except ImportError as exc:
        raise _missing("pypdf", "to read .pdf files") from exc
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        # Many "protected" PDFs only restrict printing/copying and open with the
        # empty user password; only a real password stops us.
        locked = reader.is_encrypted and not reader.decrypt("")
        pages = [] if locked else [page.extract_text() or "" for page in reader.pages]
    except pypdf.errors.DependencyError as exc:
        # Raised for AES-encrypted PDFs when the cryptography package is absent.
        raise _missing("cryptography", f"to open this encrypted PDF ({exc})") from exc
    except Exception as exc:
        # pypdf signals malformed input with PdfReadError, but also with KeyError,
        # ValueError, etc. from deep in its parser; for the user they all mean the same.
        raise CorpusError(
            path,
            f"not a readable PDF ({type(exc).__name__}: {exc})",
            "re-export the file as PDF or save it as .txt",
        ) from exc
    if locked:
        raise CorpusError(
            path,
            "PDF is password-protected",
            "remove the password (open it and print to a new PDF), or save it as .txt",
        )
    return PAGE_BREAK.join(pages), EMBEDDED_ENCODING


# --- DOCX ------------------------------------------------------------------------


def _read_docx(path: Path, data: bytes) -> tuple[str, str]:
    """Extract body paragraphs and table cells, in document order, one per line."""
    try:
        import docx
        from docx.table import Table
    except ImportError as exc:
        raise _missing("python-docx", "to read .docx files") from exc
    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                lines.extend(_table_lines(block, set()))
            else:
                lines.append(block.text)
    except Exception as exc:
        # A non-zip raises BadZipFile, a zip without Word parts KeyError, another
        # Office type ValueError; for the user they all mean the same.
        raise CorpusError(
            path,
            f"not a readable Word .docx file ({type(exc).__name__}: {exc})",
            "open it in Word or WPS and save it as .docx (not .doc), or save it as .txt",
        ) from exc
    return "\n".join(lines), EMBEDDED_ENCODING


def _table_lines(table: Table, seen: set[object]) -> Iterator[str]:
    """Yield a table's non-empty cell paragraphs row by row, each merged cell once.

    python-docx returns a merged cell once per grid position it spans, so cells are
    de-duplicated by their XML element (``seen`` holds the elements themselves, not
    their id(): lxml proxies are recreated on access and a freed one's id can be
    reused). Nested tables are read in place, cell by cell, like the outer one.
    """
    from docx.table import Table

    for row in table.rows:
        for cell in row.cells:
            if cell._tc in seen:
                continue
            seen.add(cell._tc)
            for block in cell.iter_inner_content():
                if isinstance(block, Table):
                    yield from _table_lines(block, seen)
                elif block.text.strip():
                    yield block.text


# --- shared ----------------------------------------------------------------------


def _check_text(path: Path, text: str, fmt: str) -> None:
    """Refuse extracted text that is empty or mostly garbage, with a fix for its format."""
    if not text.strip():
        if fmt == "pdf":
            raise CorpusError(
                path,
                "PDF has no text layer (it may be a scanned image)",
                "run OCR on it (e.g. ocrmypdf) or save a text version as .txt",
            )
        raise CorpusError(
            path,
            "document contains no text" if fmt == "docx" else "file contains only whitespace",
            "add the document's text or remove the file from the corpus folder",
        )
    if fmt == "pdf":
        ratio = _bad_char_ratio(text)
        if ratio > _MAX_BAD_CHAR_RATIO:
            # Typical of Chinese PDFs whose fonts lack a Unicode map (ToUnicode).
            raise CorpusError(
                path,
                f"PDF text layer is garbled ({ratio:.0%} control or unmapped characters)",
                "run OCR on it (e.g. ocrmypdf --force-ocr) or save a text version as .txt",
            )


def _missing(package: str, purpose: str) -> MissingDependencyError:
    """Build the error for an optional parser that is not installed."""
    return MissingDependencyError(
        f"{package} is needed {purpose} — install it with: pip install {package}"
    )


_READERS: dict[str, Callable[[Path, bytes], tuple[str, str]]] = {
    ".txt": _read_text,
    ".md": _read_text,
    ".pdf": _read_pdf,
    ".docx": _read_docx,
}
