"""The indicators of a build and the names a person may type for them.

:func:`name_form` is how every typed name is compared (no white space, quotes or book-title
marks); :class:`IndicatorNames` holds a build's indicators with the index a close-name match
needs (:meth:`IndicatorNames.candidates`: exact label or alias, a name inside the text, the text
inside a name, then IDF-weighted character bigrams). :mod:`kg.query.names` is the resolver that
uses it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from kg.quantities import normalise_label, similarity, squeeze
from kg.query.graph_queries import select

#: A fuzzy name match must reach this score (0–1) to resolve an indicator.
RESOLVE_THRESHOLD = 0.5

_QUOTES = re.compile(r"[“”‘’\"'《》「」\s]")


@dataclass
class IndicatorInfo:
    """An indicator node: label, other names, unit, domain."""

    iri: str
    label: str
    aliases: list[str]
    unit: str
    domain: str


@dataclass
class Candidate:
    """An indicator a typed name may mean, with how well it matches."""

    iri: str
    label: str
    score: float
    how: str  # "label", "alias", "in_query" (the name is inside the text), "part" (the text is part of
    # the name), "fuzzy" (character bigrams) or "iri"


INDICATORS = """
SELECT DISTINCT ?i ?label ?alias ?unit ?domain WHERE {
  ?i a pol:Indicator ; rdfs:label ?label .
  OPTIONAL { ?i skos:altLabel ?alias }
  OPTIONAL { ?i pol:unit ?unit }
  OPTIONAL { ?i pol:domain ?domain }
}
"""


def indicators(store: ox.Store) -> list[IndicatorInfo]:
    """Every indicator of the graph with its names, unit and domain."""
    found: dict[str, IndicatorInfo] = {}
    for row in select(store, INDICATORS):
        info = found.setdefault(row["i"], IndicatorInfo(row["i"], row["label"], [], row["unit"] or "",
                                                         row["domain"] or ""))
        if row["alias"] and row["alias"] not in info.aliases:
            info.aliases.append(row["alias"])
    return sorted(found.values(), key=lambda i: i.label)


def name_form(text: str) -> str:
    """A name as typed names are compared: no white space, quotes or book-title marks, ％ → %."""
    return _QUOTES.sub("", squeeze(text)).replace("％", "%").lower()


def _grams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


@dataclass
class _NameIndex:
    """What resolving a typed name needs about the indicators, computed once."""

    idf: dict[str, float]
    postings: dict[str, set[int]]  # bigram of any form of a name → positions of its indicators


def _name_index(items: Sequence[IndicatorInfo]) -> _NameIndex:
    df: dict[str, int] = {}
    postings: dict[str, set[int]] = {}
    for position, item in enumerate(items):
        grams: set[str] = set()
        forms: set[str] = set()
        for name in (item.label, *item.aliases):
            key = normalise_label(name)
            grams |= _grams(key)
            forms |= _grams(key) | _grams(name_form(name)) | {key, name_form(name)}
        for gram in grams:
            df[gram] = df.get(gram, 0) + 1
        for gram in forms:
            postings.setdefault(gram, set()).add(position)
    n = max(len(items), 1)
    return _NameIndex({gram: 1.0 + math.log(n / count) for gram, count in df.items()}, postings)


def _coverage(query: str, name: str, idf: dict[str, float]) -> float:
    """Weighted share of the query's character bigrams that the name contains (query ⊂ name)."""
    a, b = normalise_label(query), normalise_label(name)
    grams = {a[i:i + 2] for i in range(len(a) - 1)} or ({a} if a else set())
    target = {b[i:i + 2] for i in range(len(b) - 1)}
    total = sum(idf.get(g, 1.0) for g in grams)
    return sum(idf.get(g, 1.0) for g in grams & target) / total if total else 0.0


class IndicatorNames:
    """The indicators of one build with the index a close-name match needs, built once on first
    use and kept with them (the indicator-specific matching :mod:`kg.query.names` adds)."""

    def __init__(self, items: Sequence[IndicatorInfo]) -> None:
        self.items = list(items)
        self.by_iri = {item.iri: item for item in self.items}
        self._index: _NameIndex | None = None

    def __len__(self) -> int:
        return len(self.items)

    @property
    def index(self) -> _NameIndex:
        """Bigram weights and postings over every name of every indicator."""
        if self._index is None:
            self._index = _name_index(self.items)
        return self._index

    def candidates(self, text: str) -> list[Candidate]:
        """Indicators ``text`` may name, best first: exact label, exact alias, a name inside the
        text or the text inside a name, then character-bigram similarity (both directions,
        IDF-weighted over the indicators' names). Candidates under :data:`RESOLVE_THRESHOLD` are
        dropped."""
        typed = name_form(text)
        if len(typed) < 2:
            return []
        index = self.index
        idf = index.idf
        # An indicator sharing no character bigram with the text scores 0 on every test below.
        probes = _grams(typed) | _grams(normalise_label(typed)) | _grams(normalise_label(text)) | \
            {typed, normalise_label(typed)}
        positions = sorted(set().union(*(index.postings.get(g, set()) for g in probes)))
        out: list[Candidate] = []
        for item in (self.items[p] for p in positions):
            best: Candidate | None = None
            for name, is_alias in [(item.label, False), *((a, True) for a in item.aliases)]:
                form = name_form(name)
                if typed == form or normalise_label(typed) == normalise_label(name):
                    candidate = Candidate(item.iri, item.label, 1.0, "alias" if is_alias else "label")
                elif form in typed and len(form) >= 3:
                    # the name inside a longer question (每万人口全科医生数目标)
                    candidate = Candidate(item.iri, item.label, 0.9 + 0.09 * len(form) / len(typed), "in_query")
                elif typed in form and len(typed) >= 2:
                    # a part of the name (全科医生); the more of the name it covers the better
                    candidate = Candidate(item.iri, item.label, 0.7 + 0.2 * len(typed) / len(form), "part")
                else:
                    forward = similarity(text, name)[0]
                    backward = _coverage(text, name, idf) * 0.85
                    candidate = Candidate(item.iri, item.label, round(max(forward, backward), 4), "fuzzy")
                if best is None or candidate.score > best.score:
                    best = candidate
            if best is not None and best.score >= RESOLVE_THRESHOLD:
                out.append(best)
        out.sort(key=lambda c: (-c.score, len(c.label), c.label))
        return out


__all__ = ["Candidate", "IndicatorInfo", "IndicatorNames", "RESOLVE_THRESHOLD", "indicators", "name_form"]
