"""Recognising the entity a query is about, from the names the graph knows.

Recognition never guesses. A name is recognised when the query contains an entity's label or
alternative label (compared without white space, quotes and book-title marks), the longest one
winning; what remains of the query once that name and the question words of
``kg/data/question_words.txt`` are removed must be small, so the name *covers* at least
:data:`MIN_COVERAGE` of the query. An indicator may also be recognised by a close name
(:meth:`kg.query.indicator_names.IndicatorNames.candidates`) when the match is strong and
unambiguous. Anything else is not recognised, so it gives no answer card: a missing card costs a
user one glance, a wrong one costs their trust.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pyoxigraph as ox

from kg.query.graph_queries import select
from kg.query.indicator_names import IndicatorNames, name_form

#: A recognised name must make up at least this share of the query (after question words go).
MIN_COVERAGE = 0.5
#: A name shorter than this is recognised only when it is the whole query.
MIN_NAME_CHARS = 3
#: A close (not exact) indicator name must score this much, and beat the next one by the margin.
FUZZY_MIN_SCORE = 0.75
FUZZY_MARGIN = 0.1


# ---------------------------------------------------------------------------
# Question words (kg/data/question_words.txt)
# ---------------------------------------------------------------------------

@lru_cache(maxsize=1)
def question_words() -> dict[str, tuple[str, ...]]:
    """Section → words, from ``kg/data/question_words.txt`` (``strip`` longest first)."""
    text = resources.files("kg").joinpath("data/question_words.txt").read_text(encoding="utf-8")
    sections: dict[str, list[str]] = {}
    current = ""
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        header = re.fullmatch(r"\[(\w+)\]", line.strip())
        if header:
            current = header.group(1)
            sections.setdefault(current, [])
            continue
        sections.setdefault(current, []).append(line.strip())
    out = {name: tuple(words) for name, words in sections.items()}
    out["strip"] = tuple(sorted(out.get("strip", ()), key=len, reverse=True))
    return out


def intent_of(query: str) -> str:
    """What a question asks: "responsible", "members", "column", "pilot", "target", or "" (tried in
    that order)."""
    words = question_words()
    for intent in ("responsible", "members", "column", "pilot", "target"):
        if any(word in query for word in words.get(intent, ())):
            return intent
    return ""


def strip_question(text: str) -> str:
    """``text`` (in :func:`kg.query.indicator_names.name_form`) without question words and punctuation."""
    for word in question_words()["strip"]:
        text = text.replace(name_form(word) or word, "")
    return re.sub(r"[\W_]+", "", text)


# ---------------------------------------------------------------------------
# The names the graph knows
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class EntityRef:
    """An entity as a card names it."""

    iri: str
    label: str
    type: str  # the most specific class's local name, e.g. "PilotZone"


@dataclass(frozen=True)
class Lexicon:
    """Every entity name in the graph, in :func:`kg.query.indicator_names.name_form`, and the indicators."""

    names: dict[str, list[EntityRef]]  # name form → entities with that name
    mentions: dict[str, int]  # entity IRI → mention count (a tie-breaker)
    indicators: IndicatorNames


ENTITY_NAMES = """
SELECT DISTINCT ?e ?type ?label ?name WHERE {
  ?e a ?type . ?type rdfs:subClassOf+ pol:Entity .
  ?e rdfs:label ?label .
  { ?e rdfs:label ?name } UNION { ?e skos:altLabel ?name }
}
"""
MENTION_COUNTS = "SELECT ?e (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m pol:mentionOf ?e } GROUP BY ?e"
_COLUMN_NUMBER = re.compile(r"^(专栏\s*\d+)\s*(.+)$")


def load_lexicon(store: ox.Store, indicators: IndicatorNames) -> Lexicon:
    """Names of every entity (labels, alternative labels; a 专栏 also by its number and its title)."""
    names: dict[str, list[EntityRef]] = {}
    for row in select(store, ENTITY_NAMES):
        ref = EntityRef(row["e"], row["label"], row["type"].rsplit("#", 1)[-1])
        forms = {name_form(row["name"])}
        column = _COLUMN_NUMBER.match(row["name"]) if ref.type == "SpecialColumn" else None
        if column:
            forms |= {name_form(column.group(1)), name_form(column.group(2))}
        for form in forms:
            if form and ref not in names.setdefault(form, []):
                names[form].append(ref)
    mentions = {row["e"]: int(row["n"]) for row in select(store, MENTION_COUNTS)}
    return Lexicon(names, mentions, indicators)


@dataclass(frozen=True)
class Recognition:
    """The entity a query is about, the name that says so and how sure we are."""

    entity: EntityRef
    name: str
    confidence: float
    how: str  # "name" (a label or alias in the query) or "fuzzy" (a close indicator name)
    others: tuple[EntityRef, ...] = ()  # other entities with the same name
    whole: bool = True  # nothing but question words besides the name


#: Which type a name means when several entities share it (most specific first).
TYPE_PREFERENCE = {t: i for i, t in enumerate(("Indicator", "SpecialColumn", "PilotZone", "Programme",
                                                  "Institution", "Practice", "Place"))}


def recognise(query: str, lexicon: Lexicon, min_coverage: float = MIN_COVERAGE) -> Recognition | None:
    """The entity ``query`` names (see the module docstring), or None. (A service remembers the
    answer per query: :meth:`kg.query.names.NameResolver.recognise`.)"""
    typed = name_form(query)
    if not typed:
        return None
    residue = strip_question(typed)
    found: list[tuple[str, int]] = []
    for form in lexicon.names:
        if len(form) < MIN_NAME_CHARS and form != residue:
            continue
        position = typed.find(form)
        if position >= 0:
            found.append((form, position))
    if found:
        form, position = max(found, key=lambda f: (len(f[0]), -f[1]))
        rest = strip_question(typed[:position] + "\x00" + typed[position + len(form):])
        confidence = len(form) / (len(form) + len(rest))
        if confidence >= min_coverage:
            refs = sorted(lexicon.names[form], key=lambda r: (TYPE_PREFERENCE.get(r.type, 99),
                                                                -lexicon.mentions.get(r.iri, 0), r.iri))
            return Recognition(refs[0], form, round(confidence, 3), "name", tuple(refs[1:]), not rest)
    if len(residue) < MIN_NAME_CHARS:
        return None
    # A name inside the query was weighed above, by its coverage; here only close names count.
    candidates = [c for c in lexicon.indicators.candidates(residue) if c.how != "in_query"]
    if not candidates:
        return None
    best = candidates[0]
    only_part = best.how == "part" and not any(c.how == "part" for c in candidates[1:])
    if not only_part and best.score < FUZZY_MIN_SCORE:
        return None
    if len(candidates) > 1 and candidates[1].score > best.score - FUZZY_MARGIN:
        return None  # two indicators fit about as well: say nothing rather than pick one
    return Recognition(EntityRef(best.iri, best.label, "Indicator"), residue, round(best.score, 3), "fuzzy")


__all__ = ["EntityRef", "Lexicon", "MIN_COVERAGE", "Recognition", "TYPE_PREFERENCE", "intent_of", "load_lexicon",
           "question_words", "recognise", "strip_question"]
