"""Query expansion with everyday synonyms, for BM25.

People ask in everyday words (大夫, 看病, 拿药); policy documents write 医师, 就医, 取药. BM25 only
sees shared words, so such a question finds nothing it should. ``kg/data/synonyms.txt`` lists
groups of words that stand for each other (general usage, one group a line); a query that
contains a word of a group also searches for the group's other words.

For BM25 (``synonyms=True``, off by default) the expansion is a second BM25 query whose scores are
added at :data:`WEIGHT`, and capped so that it can never add more than :data:`WEIGHT` times the
best score of the query's own words: a passage with the synonyms can overtake one with only a few
of the query's words, but it cannot swamp a passage that has them all.

For the encoder, in hybrid search (setting ``synonym_view``, off by default: it did not help on the
held-out sets it was not tuned on, see :mod:`kg.query.search`), :func:`view` gives a second text to
encode — the query followed by its synonyms — when BM25 finds under :data:`VIEW_BELOW` of the query
in its best passage, i.e. when the query is not in the documents' words. Its vector is added to
the query's at weight ``1 - confidence`` (at most 1, the query's own weight), so the query keeps
at least half of the direction it searches in.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np

#: Weight of the expansion's BM25 scores, relative to the query's own.
WEIGHT = 0.5

#: BM25 confidence under which hybrid search also encodes the query with its synonyms (:func:`view`).
#: Under it BM25 finds less than half of the query in its best passage; above, the query is in the
#: documents' own words and a second encoding (about 25 ms of CPU) would buy nothing: measured, the
#: figures are the same as with the view on every query, and about half the queries pay for it.
VIEW_BELOW = 0.5


@lru_cache(maxsize=1)
def groups() -> dict[str, frozenset[str]]:
    """Word → every word that shares a group with it (itself excluded), from kg/data/synonyms.txt."""
    text = resources.files("kg").joinpath("data/synonyms.txt").read_text(encoding="utf-8")
    out: dict[str, set[str]] = {}
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        for word in words:
            out.setdefault(word, set()).update(w for w in words if w != word)
    return {word: frozenset(others) for word, others in out.items()}


@lru_cache(maxsize=4096)
def expansion(query: str) -> tuple[str, ...]:
    """The synonyms of the words ``query`` contains, not already in it, in a stable order.

    Words are found as substrings (a segmenter splits everyday phrases unpredictably), longest
    first, and a character belongs to one found word only (so 乡村医生 is not also 医生).
    """
    table = groups()
    taken = [False] * len(query)
    found: list[str] = []
    for word in sorted(table, key=lambda w: (-len(w), w)):
        start = query.find(word)
        while start >= 0:
            end = start + len(word)
            if not any(taken[start:end]):
                taken[start:end] = [True] * len(word)
                found.append(word)
                break
            start = query.find(word, start + 1)
    extra: dict[str, None] = {}
    for word in found:
        for other in sorted(table[word]):
            if other not in query:
                extra[other] = None
    return tuple(extra)


def combine(own: np.ndarray, expanded: np.ndarray, weight: float = WEIGHT) -> np.ndarray:
    """The query's BM25 scores plus the expansion's, scaled so that the expansion adds at most
    ``weight`` × the best score of the query's own words (or ``weight`` × its own best when the
    query's words match nothing)."""
    top_expanded = float(expanded.max()) if len(expanded) else 0.0
    if top_expanded <= 0:
        return own
    top_own = float(own.max()) if len(own) else 0.0
    scale = min(1.0, top_own / top_expanded) if top_own > 0 else 1.0
    return own + (weight * scale) * expanded


def view(query: str, confidence: float) -> str | None:
    """The text the encoder also sees for ``query`` in hybrid search: the query followed by the
    synonyms it lacks, when BM25's ``confidence`` is under :data:`VIEW_BELOW` and the query has
    synonyms; otherwise None (no second encoding)."""
    if confidence >= VIEW_BELOW:
        return None
    extra = expansion(query)
    return f"{query} {' '.join(extra)}" if extra else None


def blend(own: np.ndarray, viewed: np.ndarray, confidence: float) -> np.ndarray:
    """The query's unit vector plus the synonym view's at weight ``1 - confidence``, as a unit vector."""
    mixed = own + (1.0 - confidence) * viewed
    norm = float(np.linalg.norm(mixed))
    return mixed / norm if norm > 0 else own
