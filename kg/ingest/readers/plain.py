"""Plain text (.txt, .md) → text: byte-order mark, strict UTF-8, GB18030, then charset-normalizer."""

from __future__ import annotations

import codecs
from pathlib import Path

from kg.errors import CorpusError
from kg.ingest.readers.common import MAX_BAD_CHAR_RATIO, RawText, bad_char_ratio, missing
from kg.ingest.readers.markdown import markdown_text

# (mark, codec reported, codec that decodes the bytes after the mark).
# Checked in this order: the UTF-32-LE mark begins with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
)

SAVE_AS_UTF8 = "open it in a text editor and save it as UTF-8"


def read_text(path: Path, data: bytes, limit: int) -> RawText:
    """Decode a .txt/.md file; see :func:`decode` for the rules."""
    text, codec = decode(path, data)
    if path.suffix.lower() == ".md":
        # Markdown's marks (#, | … |, ---) become lines, tab-separated rows and nothing.
        return RawText(markdown_text(text), codec, "md", method="decode")
    return RawText(text, codec, path.suffix.lower()[1:], method="decode")


def decode(path: Path, data: bytes) -> tuple[str, str]:
    """Return (text, codec): BOM, then strict UTF-8, then GB18030, then charset-normalizer."""
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
                SAVE_AS_UTF8,
            ) from exc
        nul = text.find("\x00")
        if nul >= 0:
            raise binary(path, f"NUL character at character {nul}")
    else:
        nul = data.find(b"\x00")
        if nul >= 0:
            # No text encoding tried below (UTF-8, GB18030, legacy 8-bit codes)
            # produces a NUL byte, so this is binary - or BOM-less UTF-16, which
            # cannot be told apart from binary reliably.
            raise binary(path, f"NUL byte at offset {nul}")
        decoded = _first_decoding(data)
        if decoded is None:
            raise CorpusError(
                path,
                "text encoding not recognised (not UTF-8, UTF-16 with byte-order mark, "
                "GB18030/GBK, nor any encoding charset-normalizer detects)",
                SAVE_AS_UTF8,
            )
        text, codec = decoded
    ratio = bad_char_ratio(text)
    if ratio > MAX_BAD_CHAR_RATIO:
        # Deliberately no retry with the next codec: bytes that decode cleanly
        # decode the same way every time, and a later codec reading them
        # "successfully" would only turn them into different garbage (valid UTF-8
        # control bytes stay control bytes; U+FFFD would become GB18030 mojibake).
        raise binary(path, f"{ratio:.0%} control, unassigned or replacement characters as {codec}")
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
        raise missing(
            "charset-normalizer", "to detect the encoding of text files that are not UTF-8 or GB18030"
        ) from exc
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        return None
    return str(best), best.encoding


def binary(path: Path, evidence: str) -> CorpusError:
    """Build the 'binary content with a text suffix' error."""
    return CorpusError(
        path,
        f"contains binary data, not text ({evidence})",
        "give the file its real suffix (.pdf, .docx) if it is a document; if it is UTF-16 text "
        "without a byte-order mark, re-save it as UTF-8; otherwise remove it from the corpus folder",
    )
