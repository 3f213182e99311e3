"""Corpus files → raw Unicode text, one file at a time, one module per format.

This package only gets the characters out of a file. It does not normalise them
(full-width forms, page-break residue, line joins, web chrome): ``kg.ingest.normalise`` does
that, so every reader hands it text in the same shape:

* ``.txt`` / ``.md`` (:mod:`.plain`): the decoded file, with any byte-order mark removed; a
  Markdown file's marks are taken off (:mod:`.markdown`: headings, pipe tables as tab-separated rows).
* ``.pdf`` (:mod:`.pdf`): each page's text layer, pages joined by ``PAGE_BREAK`` ("\\n\\f\\n"),
  running heads/feet and page numbers dropped, letter-spaced Chinese closed up; a page with no
  text layer but an image goes through OCR (:mod:`.ocr`), and the text is marked as OCR.
* ``.docx`` (:mod:`.docx`): body paragraphs and tables in document order; a table row is one
  line with its cells separated by a tab. The zip is checked for bombs first (:mod:`.archive`).
* ``.doc`` / ``.wps`` (:mod:`.legacy`): through LibreOffice, antiword or catdoc.
* ``.html`` / ``.htm`` (:mod:`.html`): the page's main text, without menus and footers.
* ``.png`` / ``.jpg`` / ``.jpeg`` / ``.tif`` / ``.tiff`` / ``.bmp`` (:mod:`.ocr`): OCR.

Every problem with a file is raised as ``CorpusError`` naming the file and the fix, so the
other files still build; a missing converter or parser is such an error too, naming the
package to install.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from kg.errors import ConfigError, CorpusError
from kg.ingest.readers.common import (
    EMBEDDED_ENCODING,
    MAX_BAD_CHAR_RATIO,
    MAX_BYTES_PER_CHAR,
    MAX_TEXT_CHARS,
    OCR,
    PAGE_BREAK,
    RawText,
    bad_char_ratio,
)

__all__ = ["EMBEDDED_ENCODING", "MAX_TEXT_CHARS", "OCR", "PAGE_BREAK", "SUPPORTED_SUFFIXES", "RawText", "read_file",
           "read_raw"]

_MIB = 1024 * 1024

#: Image suffixes read through OCR.
IMAGE_SUFFIXES: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")

#: Suffixes ``read_file`` understands (lower case; matching ignores case).
SUPPORTED_SUFFIXES: tuple[str, ...] = (
    ".txt", ".md", ".pdf", ".docx", ".doc", ".wps", ".html", ".htm", *IMAGE_SUFFIXES,
)


def _reader(suffix: str) -> Callable[[Path, bytes, int], RawText]:
    """The reader function for a suffix (imported on first use: a query process needs none)."""
    if suffix in (".txt", ".md"):
        from kg.ingest.readers.plain import read_text
        return read_text
    if suffix == ".pdf":
        from kg.ingest.readers.pdf import read_pdf
        return read_pdf
    if suffix == ".docx":
        from kg.ingest.readers.docx import read_docx
        return read_docx
    if suffix in (".doc", ".wps"):
        from kg.ingest.readers.legacy import read_legacy_word
        return read_legacy_word
    if suffix in (".html", ".htm"):
        from kg.ingest.readers.html import read_html
        return read_html
    from kg.ingest.readers.ocr import read_image
    return read_image


def read_file(path: Path, max_bytes: int) -> str:
    """Return the raw Unicode text of the corpus file at ``path``.

    Shorthand for ``read_raw(path, max_bytes).text``; see ``read_raw`` for the
    rules and the errors raised.
    """
    return read_raw(path, max_bytes).text


def read_raw(path: Path, max_bytes: int) -> RawText:
    """Read one corpus file and return its text with how it was obtained.

    The format is chosen by suffix (``SUPPORTED_SUFFIXES``, any case). A file
    larger than ``max_bytes`` is refused before it is read; a zip-based file may not
    unpack any part larger than ``max_bytes`` either.

    Raises:
        ConfigError: ``max_bytes`` is not positive.
        CorpusError: the suffix is unsupported; the file is missing, unreadable,
            empty or whitespace-only, larger than ``max_bytes``, binary, not
            decodable as text, a malformed / text-less document, a possible zip
            bomb, or needs a converter or OCR engine that is not installed.
    """
    if max_bytes <= 0:
        raise ConfigError(
            f"max_file_mb gives a file size limit of {max_bytes} bytes — "
            "set max_file_mb to a positive number of MiB"
        )
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise CorpusError(
            path,
            f"unsupported file type {path.suffix!r}" if path.suffix else "file has no suffix",
            "save it as " + ", ".join(SUPPORTED_SUFFIXES)
            + " (Word/WPS: 'Save as' .docx), or move it out of the corpus folder",
        )
    if suffix in (".txt", ".md"):
        _refuse_long_text_file(path, max_bytes)
    data = _read_bytes(path, max_bytes)
    raw = _reader(suffix)(path, data, max_bytes)
    _check_text(path, raw)
    return raw


def _too_long(path: Path, problem: str) -> CorpusError:
    return CorpusError(path, f"{problem}, over the limit of {MAX_TEXT_CHARS:,} characters for one document",
                       "split it into several files (one per chapter or part)")


def _refuse_long_text_file(path: Path, max_bytes: int) -> None:
    """A text file too large to hold few enough characters is refused before a byte is read.

    A file over the size limit is left to :func:`_read_bytes`: that limit is the one to name.
    """
    try:
        size = path.stat().st_size
    except OSError:
        return  # _read_bytes says what is wrong with the file
    if MAX_BYTES_PER_CHAR * MAX_TEXT_CHARS < size <= max_bytes:
        raise _too_long(path, f"text file is {size:,} bytes ({size / _MIB:.1f} MiB), so more than "
                              f"{MAX_TEXT_CHARS:,} characters")


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


def _check_text(path: Path, raw: RawText) -> None:
    """Refuse extracted text that is empty or mostly garbage, with a fix for its format."""
    fmt = raw.source_format
    if len(raw.text) > MAX_TEXT_CHARS:
        raise _too_long(path, f"text is {len(raw.text):,} characters long")
    if not raw.text.strip():
        if fmt == "pdf":
            raise CorpusError(
                path,
                "PDF has no text layer and no page image that OCR could read",
                "run OCR on it (e.g. ocrmypdf) or save a text version as .txt",
            )
        if fmt in ("txt", "md"):
            problem = "file contains only whitespace"
        elif raw.extraction == OCR:
            problem = "OCR found no text in the image"
        else:
            problem = "document contains no text"
        raise CorpusError(path, problem, "add the document's text or remove the file from the corpus folder")
    if fmt == "pdf":
        ratio = bad_char_ratio(raw.text)
        if ratio > MAX_BAD_CHAR_RATIO:
            # Typical of Chinese PDFs whose fonts lack a Unicode map (ToUnicode).
            raise CorpusError(
                path,
                f"PDF text layer is garbled ({ratio:.0%} control or unmapped characters)",
                "run OCR on it (e.g. ocrmypdf --force-ocr) or save a text version as .txt",
            )
