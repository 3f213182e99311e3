"""Normalised-text offsets → offsets in the source file's own text (.txt, .md).

Every offset in the build (sections, passages, mentions, metadata spans) points into
``Document.text``, the normalised text. For a plain-text file that is not the file as written:
normalisation joins hard-wrapped lines, drops blank lines and page numbers, closes letter-spacing
(``健 全 健 康``), turns full-width digits into ASCII and cuts residue glued onto a line's end.
:func:`source_map` aligns the two texts so that a span of ``Document.text`` can be shown where it
stands in the file (an editor's character position, a quote checked against the original).

The alignment relies on what normalisation does and no more: it deletes characters (white space,
invisible and control characters, page-number lines, residue) and replaces some one for one
(full-width → ASCII); it never reorders them. Each normalised character is therefore matched to
the next source character of the same form; where the characters skipped to reach it are not
white space (a deleted page number, a cut tail), the match must be followed by the same next few
characters, so a digit of a dropped page number is not taken for the digit that follows it.
"""

from __future__ import annotations

import unicodedata
from array import array
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kg.errors import CorpusError
from kg.ingest.normalise import unify_characters
from kg.ingest.readers import read_raw
from kg.ingest.readers.plain import decode

#: Formats whose source is text a character offset can point into.
TEXT_FORMATS = ("txt", "md")
# How far ahead of the last match a character is looked for (a dropped page number, a cut tail).
_WINDOW = 4000
# How many following characters confirm a match reached across deleted non-space characters.
_CONFIRM = 6


@dataclass(frozen=True)
class SourceMap:
    """Where each character of the normalised text stands in the source text."""

    source_length: int
    _positions: array  # normalised index → source index

    def to_source(self, start: int, end: int) -> tuple[int, int]:
        """The span of the source text that ``normalised[start:end]`` came from.

        The source span covers what normalisation removed inside the span (a line break joined
        away, a letter-spacing blank), so it may be longer than the normalised one.
        """
        count = len(self._positions)
        if not 0 <= start <= end <= count:
            raise ValueError(f"span {start}–{end} is outside the normalised text (0–{count})")
        if start == end:
            position = self._positions[start] if start < count else self.source_length
            return position, position
        return self._positions[start], self._positions[end - 1] + 1


@lru_cache(maxsize=65536)
def _form(ch: str) -> str:
    """A source character as normalisation writes it: "" for one it deletes."""
    if ch in "\r\v\f\u3000":
        return " "
    return unify_characters(unicodedata.normalize("NFC", ch))


def align(source: str, normalised: str) -> SourceMap:
    """Align ``normalised`` (the output of normalising ``source``) with ``source``."""
    forms = [_form(ch) for ch in source]
    positions = array("l", [0]) * len(normalised)
    i = 0  # the next source character not yet matched
    for k, ch in enumerate(normalised):
        if ch.isspace():
            # A paragraph break or a joiner: matched to a source blank if one is next, else to nothing.
            positions[k] = min(i, len(source) - 1) if source else 0
            if i < len(source) and forms[i].isspace():
                i += 1
            continue
        found = _next_match(forms, i, normalised, k)
        if found is None:
            positions[k] = min(i, len(source) - 1) if source else 0
            continue
        positions[k] = found
        i = found + 1
    return SourceMap(len(source), positions)


def _next_match(forms: list[str], i: int, normalised: str, k: int) -> int | None:
    ch = normalised[k]
    first = None
    skipped_text = False
    for j in range(i, min(len(forms), i + _WINDOW)):
        form = forms[j]
        if form == ch:
            if not skipped_text or _confirmed(forms, j + 1, normalised, k + 1):
                return j
            first = j if first is None else first
        if form and not form.isspace():
            skipped_text = True
    return first


def _confirmed(forms: list[str], j: int, normalised: str, k: int) -> bool:
    """True when the next few non-space normalised characters follow at ``j`` (blanks skipped)."""
    wanted = [ch for ch in normalised[k:k + 3 * _CONFIRM] if not ch.isspace()][:_CONFIRM]
    for ch in wanted:
        while j < len(forms) and (not forms[j] or forms[j].isspace()):
            j += 1
        if j >= len(forms) or forms[j] != ch:
            return False
        j += 1
    return True


def source_map(path: Path, normalised: str, max_bytes: int) -> SourceMap:
    """The map from ``normalised`` (a document's ``text``) to the decoded text of the file at ``path``.

    Only for plain-text sources: a Word, PDF, HTML or scanned file has no text of its own for an
    offset to point into.
    """
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in TEXT_FORMATS:
        raise CorpusError(path, f"source offsets exist only for plain-text files (.txt, .md), not .{fmt}",
                          "use the offsets into the document's normalised text")
    raw = read_raw(path, max_bytes)
    # A Markdown file's reader converts its marks (#, | … |): the file's own text is aligned.
    source = decode(path, path.read_bytes())[0] if fmt == "md" else raw.text
    return align(source, normalised)
