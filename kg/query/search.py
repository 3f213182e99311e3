"""Hybrid search: how BM25, the sentence encoder and the extra signals make one ranking.

**Fusion with per-query confidence.** Reciprocal-rank fusion (each retriever votes
``weight / (k + rank)`` for its candidates) with weights that each query sets for itself:

- BM25's weight is its *confidence*, :meth:`~kg.index.search_index.SearchIndex.bm25_coverage` of
  its best passage: the IDF-weighted share of the query's words that passage contains (0 to 1).
  A query put in the documents' own words (每千人口注册护士数2025年目标) is mostly contained in
  BM25's best passage (coverage 0.6-1.0); a paraphrase with no word in common
  (村里看病的大夫上了年纪以后…) matches only incidental words (0.05-0.18), and BM25's ranking is
  then noise.
- The encoder's weight is the rest, ``1 - confidence``: it carries a paraphrase alone and shares
  the vote with BM25 when the words match.

So neither retriever can outvote the other on the queries the other is good at: measured on the
three question sets in tests/data (dev 25, bundled 45, unseen documents 45), hybrid R@5 / MRR@10
is at least the better of BM25 and dense on each set, without a weight set on any of them (see
README, "Search"). The fixed 0.65/0.35 weighting it replaces fell below both parts on new text.

**Extra signals re-order, never replace.** A "how many" question's passages with a number beside
its words (:mod:`kg.query.question`) and the passages that name the entity the query names (the
graph boost, :mod:`kg.query.cards`) add votes only to passages already among the ``k`` results of
the fusion: they change the order of the list, never which passages are in it, so they cannot
push an answer out of the results.

**Synonyms** (:mod:`kg.query.synonyms`). For the encoder, on in hybrid search: when BM25's confidence
is under one half (the query is not in the documents' words) and the query has everyday-word
synonyms, the query followed by them is encoded too and its vector added at weight
``1 - confidence`` (:func:`kg.query.synonyms.view`). Measured against the query alone: R@5 up on
all four new question sets (bundled 0.889 → 0.933, unseen documents 0.822 → 0.844, the two
held-out sets 0.800 → 0.825 and 0.850 → 0.875; their paraphrases +0.07 to +0.15), MRR@10 within
±0.015 on them, dev 0.933 → 0.913. For BM25 (``synonyms=True``, off): the synonyms are searched at
half weight and capped; they lift BM25 alone on paraphrases but not the hybrid.
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

    ``1 / (k + 2)``: an extra's first choice gains ``1/(k+1) - 1/(k+2)`` of fused score, the gap
    between the first and second place of one full-weight retriever, so an extra signal breaks
    near-ties — it lifts a passage about one place — but cannot carry a passage the retrievers put
    far down over their agreed best. Measured against the fixed 0.25 it replaces (which could lift a
    passage from the tenth place to the first): bundled-corpus questions MRR@10 0.817 → 0.843 (the
    paraphrases 0.533 → 0.546, no longer below dense alone), dev questions 0.933 unchanged,
    unseen-document questions 0.721 unchanged.
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


def fuse(rankings: Sequence[tuple[Sequence[int], float]], k: int) -> dict[int, float]:
    """Weighted reciprocal-rank fusion: sum of ``weight / (k + rank)`` over the rankings."""
    fused: dict[int, float] = {}
    for rows, weight in rankings:
        if weight <= 0:
            continue
        for rank, row in enumerate(rows, 1):
            fused[row] = fused.get(row, 0.0) + weight / (k + rank)
    return fused


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
           synonyms: bool = False) -> list[Ranked]:
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
        viewed = expansion.view(text, confidence) if mode == "hybrid" else None
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
    fused = fuse([(lexical, confidence), (semantic, 1.0 - confidence)], rrf_k)
    top = sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:k]
    results = [row for row, _ in top]
    if extras:
        members = set(results)
        weight = extra_weight(rrf_k)
        votes = [([row for row in extra(scores, results) if row in members], weight) for extra in extras]
        bonus = fuse(votes, rrf_k)
        top = sorted(((row, score + bonus.get(row, 0.0)) for row, score in top), key=lambda item: (-item[1], item[0]))
    return [Ranked(row, score) for row, score in top]
