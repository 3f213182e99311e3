"""The general word lists of ``kg/data/entity_lexicon.txt``, by section (base level).

The entity extractors read them through :mod:`kg.extract.lexicon`; the query side reads the
type words (:func:`type_words`) to find passages that name an entity by its head noun alone
(:mod:`kg.query.anaphora`), without importing any extractor.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from importlib import resources

LEXICON_FILE = "data/entity_lexicon.txt"


def data_text(name: str) -> str:
    """The text of a file of the package (``name`` relative to ``kg/``)."""
    return resources.files("kg").joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _sections() -> dict[str, list[list[str]]]:
    """``entity_lexicon.txt`` as {section: [row columns]}, comments and blank lines dropped."""
    out: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for number, raw in enumerate(data_text(LEXICON_FILE).splitlines(), 1):
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        header = re.fullmatch(r"\[(\w+)\]", line.strip())
        if header:
            current = out.setdefault(header.group(1), [])
            continue
        if current is None:
            raise ValueError(f"kg/{LEXICON_FILE}:{number}: a word before the first [section] line — "
                             "put it under a section header")
        current.append([column.strip() for column in line.split("\t")])
    return out


#: Sections that exist only as unions of others.
_UNIONS = {"verbs_and_fillers": ("introducing_verbs", "chained_verbs", "leading_fillers", "institution_verbs")}


@cache
def words(section: str) -> tuple[str, ...]:
    """The first column of a lexicon section, longest first (so longer words win a match)."""
    if section in _UNIONS:
        return tuple(sorted({w for part in _UNIONS[section] for w in words(part)}, key=lambda w: (-len(w), w)))
    rows = _sections().get(section)
    if rows is None:
        raise KeyError(f"kg/{LEXICON_FILE} has no [{section}] section — add it")
    return tuple(sorted({row[0] for row in rows}, key=lambda w: (-len(w), w)))


@cache
def table(section: str) -> dict[str, tuple[str, ...]]:
    """A lexicon section as {first column: other columns}."""
    rows = _sections().get(section)
    if rows is None:
        raise KeyError(f"kg/{LEXICON_FILE} has no [{section}] section — add it")
    return {row[0]: tuple(row[1:]) for row in rows}


@lru_cache(maxsize=1)
def type_words() -> tuple[str, ...]:
    """Every type word of every entity type, longest first (what ends a complete name)."""
    found = {*words("institution_suffixes"), *words("programme_suffixes"), *words("pilot_suffixes"),
             *words("practice_suffixes"), *words("party_units")}
    return tuple(sorted(found, key=len, reverse=True))
