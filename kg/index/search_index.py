"""FAISS + BM25 over passages, and their fusion. Saved to and loaded from one folder.

Rules of the index, enforced here:
- Row number = position of the passage in ``passages.jsonl``; both retrievers and
  the fusion speak in row numbers.
- Dense vectors are L2-normalised, so inner product is cosine similarity.
- Dense vectors are per *clause* (sentence pieces of 16+ characters cut at ，；、：),
  and a passage's dense score is the best score of its clauses ("MaxSim"). Short
  queries match a clause far better than a whole passage: measured on the dev
  questions with USE-v3, dense-only R@5 went from 0.36 (passage vectors max-pooled
  from sentence vectors) and 0.60 (MaxSim over sentences) to 0.84 (MaxSim over
  clauses). With e5 clauses win too, measured on the seven question sets of bench/bench.py (hybrid
  R@5 / MRR@10; dev, bundled, held-out, heldout3 on the bundled corpus, then devcorpus, held-out,
  heldout3 on the devcorpus, its two articles cut to pages 1-3): clauses 1.000/0.933, 0.911/0.843,
  0.800/0.657, 0.850/0.728, 0.800/0.716, 0.850/0.702, 0.850/0.671. A vector per passage (section
  context and text) encodes 12-16 % fewer tokens (no per-text prefix) but loses R@5 on all seven
  (dev 0.920/0.827, devcorpus held-out 0.800/0.654); a vector per sentence (13 % fewer tokens)
  loses R@5 on five (dev 0.960/0.861, bundled 0.822/0.784, devcorpus heldout3 0.750/0.594);
  clauses and the passage, max-pooled, encode twice the tokens and lose two sets (dev MRR 0.930,
  devcorpus held-out 0.825/0.693) for MRR on four; each clause prefixed with its section context,
  its own heading or the document title ("X：clause", context for paraphrases) loses on the bundled
  corpus, paraphrases most (bundled paraphrase R@5 0.692 → 0.462 / 0.308 / 0.462); longer clauses
  (24+ characters) lose on dev and bundled (0.960, 0.867); shorter ones (10+ or 8+) gain on the
  bundled held-out set (0.850) but lose dev (0.960) and bundled (0.889), and pooled with today's
  they lose heldout3 (0.800, 0.825). e5's cost is linear in tokens (about 1.5 ms per token on one
  core) and the texts are mostly the corpus's own characters, so none of these units cuts a cold
  build's encoding by more than a sixth. A clause text is one FAISS row however many passages
  contain it;
  ``owner_offsets.npy``/``owner_rows.npy`` map each row to its passage rows (:class:`Owners`).
- One dense view: the build's encoder. A second view of the same clauses from the other bundled
  encoder, USE-v3, fused with e5's (issue 15; hybrid R@5 / MRR@10 on dev, bundled, held-out,
  heldout3 of the bundled corpus, then devcorpus, held-out, heldout3 of the devcorpus, every file
  whole): e5 alone 1.000/0.933, 0.911/0.843, 0.800/0.657, 0.850/0.728, 0.800/0.720,
  0.850/0.702, 0.850/0.661. The two dense lists fused by reciprocal rank, e5 weight 0.8: 1.000/0.930,
  0.911/0.791, 0.800/0.698, 0.900/0.732, 0.800/0.697, 0.850/0.672, 0.825/0.669; weight 0.67 lifts
  R@5 on three sets (0.933, 0.825, 0.875) but drops it on three (dev 0.960, devcorpus held-out and
  heldout3 0.825) and MRR on five (bundled 0.781, held-out devcorpus 0.640). USE-v3 as a third retriever of the apportioned fusion (e5 share 0.8:
  bundled 0.889/0.809, held-out devcorpus 0.825/0.684), a score mix (raw cosines 0.5/0.5: dev
  0.960/0.880; each standardised over the candidates, e5 0.8: 0.960/0.907, 0.911/0.823, devcorpus
  0.778/0.712), and the RRF view only when BM25's confidence is under 0.5 or 0.25 (bundled MRR 0.785
  / 0.801, devcorpus 0.694) all lose on some set, always the bundled set's MRR. Paraphrases (hybrid
  R@5, bundled, held-out, heldout3, devcorpus, held-out, heldout3: e5 0.692, 0.467, 0.647, 0.538,
  0.625, 0.647) gain 0.06-0.12 on the bundled sets and none on the devcorpus (RRF 0.67: 0.769,
  0.533, 0.706, 0.538, 0.562, 0.588; 0.8: heldout3 0.765): USE-v3 alone is far weaker there
  (dense 0.308, 0.333, 0.412, 0.231, 0.312, 0.235) and costs a second encoding per query. So no
  second view; paraphrases need a stronger encoder than either.
- Up to ``APPROXIMATE_THRESHOLD`` clause rows the index is ``IndexFlatIP`` (exact);
  above it, IVF-flat (see the figures at :func:`dense_index`). Both keep the full
  vectors, so every score returned is an exact cosine.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from kg.errors import MissingDependencyError
from kg.ingest.passages import sentences
from kg.records import Passage
from kg.text import tokenize

APPROXIMATE_THRESHOLD = 30_000  # clause rows; see dense_index for the measurements behind it
IVF_NPROBE = 64
_MAX_SENTENCE = 80
_MIN_CLAUSE = 16
_CLAUSE_END = re.compile(r"(?<=[，；、：,;:])")
ProgressFn = Callable[[int], None]


@lru_cache(maxsize=256)
def query_tokens(query: str) -> tuple[str, ...]:
    """:func:`kg.text.tokenize` of a query, remembered: one search asks for them twice (BM25 scores
    and BM25's confidence), and jieba costs about as much as the BM25 scoring itself."""
    return tuple(tokenize(query))


def _faiss():  # noqa: ANN202 - faiss has no type stubs
    try:
        import faiss
    except ImportError:
        raise MissingDependencyError("FAISS is not installed — pip install faiss-cpu") from None
    return faiss


def _bm25s():  # noqa: ANN202
    try:
        import bm25s
    except ImportError:
        raise MissingDependencyError("bm25s is not installed — pip install bm25s") from None
    return bm25s


@dataclass(frozen=True)
class IndexedPassage:
    """A passage as stored in the index: the record plus the context used for retrieval."""

    passage: Passage
    context: str  # section titles that frame the passage (not part of its text)

    @property
    def search_text(self) -> str:
        """What the retrievers see: context, then the passage text."""
        return f"{self.context}\n{self.passage.text}" if self.context else self.passage.text


DENSE_UNITS = ("clause", "sentence", "passage")
"""What one dense vector encodes: a clause, a sentence, or the whole passage with its context."""


def dense_units(item: IndexedPassage, unit: str = "clause") -> list[str]:
    """The texts whose vectors represent a passage: its clauses (see the module docstring), its
    sentences, or the passage itself with its section context (``unit``, one of :data:`DENSE_UNITS`)."""
    if unit == "passage":
        return [item.search_text]
    text = item.passage.text
    if unit == "sentence":
        return [text[start:end] for start, end in sentences(text, 0, len(text))] or [text]
    if unit != "clause":
        raise ValueError(f"unknown dense unit {unit!r}; use one of {', '.join(DENSE_UNITS)}")
    units: list[str] = []
    for start, end in sentences(text, 0, len(text)):
        sentence = text[start:end]
        buffer = ""
        for piece in _CLAUSE_END.split(sentence):
            if buffer and len(buffer) + len(piece) > _MAX_SENTENCE:
                units.append(buffer)
                buffer = ""
            buffer += piece
            while len(buffer) > _MAX_SENTENCE:
                units.append(buffer[:_MAX_SENTENCE])
                buffer = buffer[_MAX_SENTENCE:]
            if len(buffer) >= _MIN_CLAUSE:
                units.append(buffer)
                buffer = ""
        if buffer.strip():
            if units and len(buffer) < _MIN_CLAUSE // 2 and len(units[-1]) + len(buffer) <= _MAX_SENTENCE:
                units[-1] += buffer
            else:
                units.append(buffer)
    return units or [text]


class Owners:
    """Which passages each FAISS row belongs to (compressed rows: ``rows[offsets[i]:offsets[i + 1]]``).

    A clause text is encoded and indexed once however many passages contain it: policy
    documents repeat their boilerplate (加强组织领导…, 到2025年…), and every copy would
    otherwise cost 2 KiB of index and its own slot among the nearest neighbours.
    """

    def __init__(self, offsets: np.ndarray, rows: np.ndarray) -> None:
        self.offsets = np.asarray(offsets, dtype=np.int64)
        self.rows = np.asarray(rows, dtype=np.int64)

    @classmethod
    def one_each(cls, rows: np.ndarray) -> "Owners":
        """Each FAISS row owned by exactly one passage: ``rows[i]``."""
        rows = np.asarray(rows, dtype=np.int64)
        return cls(np.arange(len(rows) + 1, dtype=np.int64), rows)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def of(self, vector_row: int) -> np.ndarray:
        """The passage rows that contain FAISS row ``vector_row``, in passage order."""
        return self.rows[self.offsets[vector_row]:self.offsets[vector_row + 1]]

    def save(self, folder: Path) -> None:
        np.save(folder / "owner_offsets.npy", self.offsets)
        np.save(folder / "owner_rows.npy", self.rows)

    @classmethod
    def load(cls, folder: Path) -> "Owners":
        return cls(np.load(folder / "owner_offsets.npy"), np.load(folder / "owner_rows.npy"))


class SearchIndex:
    """Passages with a BM25 index and a FAISS index over the same row numbers."""

    def __init__(self, items: list[IndexedPassage], bm25: object, faiss_index: object, owners: Owners | np.ndarray,
                 model_id: str, dimension: int) -> None:
        self.items = items
        self.bm25 = bm25
        self.faiss_index = faiss_index
        # FAISS row (a distinct clause) → passage rows; a plain array means one passage each.
        self.owners = owners if isinstance(owners, Owners) else Owners.one_each(owners)
        self.model_id = model_id
        self.dimension = dimension
        self._direct_map = False  # an IVF index's row → vector map, made on first use (_vectors)

    @classmethod
    def build(cls, items: list[IndexedPassage], encode: Callable[[Sequence[str]], np.ndarray],
              model_id: str, dimension: int, tokens: Callable[[str], list[str]] = tokenize,
              unit: str = "clause") -> "SearchIndex":
        """Index ``items``; ``encode`` maps texts to unit vectors (one row each), ``tokens`` a text to
        its search tokens (:func:`kg.text.tokenize`, or a cache of it), ``unit`` says what one
        vector encodes (:func:`dense_units`)."""
        bm25 = _bm25s().BM25(k1=1.2, b=0.75)
        # Token ids, not token strings: at a few hundred documents the strings alone (millions of
        # them, one object each) took more memory than the whole graph.
        vocab: dict[str, int] = {}
        ids = [[vocab.setdefault(token, len(vocab)) for token in tokens(item.search_text) or ["∅"]]
               for item in items]
        bm25.index((ids, vocab), show_progress=False)
        del ids
        containing: dict[str, list[int]] = {}  # clause text → passage rows, in first-seen order
        for row, item in enumerate(items):
            for text in dense_units(item, unit):
                rows = containing.setdefault(text, [])
                if not rows or rows[-1] != row:
                    rows.append(row)
        units = list(containing)
        vectors = encode(units) if units else np.zeros((0, dimension), dtype=np.float32)
        offsets = np.cumsum([0, *(len(rows) for rows in containing.values())], dtype=np.int64)
        owners = Owners(offsets, np.fromiter((r for rows in containing.values() for r in rows), dtype=np.int64,
                                             count=int(offsets[-1])))
        del containing, units
        return cls(items, bm25, dense_index(np.asarray(vectors, dtype=np.float32), dimension), owners,
                   model_id, dimension)

    def __len__(self) -> int:
        return len(self.items)

    def bm25_scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for ``query`` (zeros when no token matches)."""
        tokens = query_tokens(query)
        if not tokens or not self.items:
            return np.zeros(len(self.items), dtype=np.float32)
        vocab = self.bm25.vocab_dict  # type: ignore[attr-defined]
        known = [t for t in tokens if t in vocab]
        if not known:
            return np.zeros(len(self.items), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(known), dtype=np.float32)  # type: ignore[attr-defined]

    def bm25_coverage(self, query: str, row: int) -> float:
        """How much of ``query`` passage ``row`` contains: the IDF-weighted share of the query's
        distinct search tokens that occur in it (0 to 1). A token the corpus lacks counts with the
        highest IDF, so a query in words the documents never use has a low coverage everywhere."""
        tokens = list(dict.fromkeys(query_tokens(query)))
        if not tokens or not self.items:
            return 0.0
        vocab = self.bm25.vocab_dict  # type: ignore[attr-defined]
        postings = self.bm25.scores  # type: ignore[attr-defined]  # CSC: token id → document rows
        pointers, documents = postings["indptr"], postings["indices"]
        total = len(self.items)
        weight = found = 0.0
        for token in tokens:
            token_id = vocab.get(token)
            start, end = (int(pointers[token_id]), int(pointers[token_id + 1])) if token_id is not None else (0, 0)
            idf = float(np.log1p((total - (end - start) + 0.5) / ((end - start) + 0.5)))
            weight += idf
            if end > start and row in documents[start:end]:
                found += idf
        return found / weight if weight > 0 else 0.0

    def dense_search(self, vector: np.ndarray, k: int) -> tuple[list[int], list[float]]:
        """The ``k`` passages whose best clause is nearest to a unit query vector: (rows, cosines)."""
        total = len(self.owners)
        if not total or k <= 0:
            return [], []
        # Several clauses of one passage can crowd the top, so ask for more clauses than passages.
        wanted = min(total, max(k * 8, 64))
        scores, rows = self.faiss_index.search(vector.reshape(1, -1).astype(np.float32), wanted)  # type: ignore[attr-defined]
        found = rows[0] >= 0
        clauses, cosines = rows[0][found].astype(np.int64), scores[0][found]
        # Every (clause, owning passage) pair, clauses best first; a passage's score is that of its
        # first pair (its best clause), and the first k distinct passages are the answer.
        starts, ends = self.owners.offsets[clauses], self.owners.offsets[clauses + 1]
        counts = ends - starts
        within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        passages = self.owners.rows[np.repeat(starts, counts) + within]
        _, first = np.unique(passages, return_index=True)
        first = np.sort(first)[:k]
        pair_cosines = np.repeat(cosines, counts)
        return passages[first].tolist(), [float(c) for c in pair_cosines[first]]

    def dense_scores(self, vector: np.ndarray, rows: Sequence[int]) -> np.ndarray:
        """The dense score (best clause cosine, as :meth:`dense_search` gives) of each passage row in
        ``rows`` for a unit query vector, whether or not the nearest-neighbour search reached it."""
        rows = [int(r) for r in rows]
        if not rows:
            return np.zeros(0, dtype=np.float32)
        offsets, clauses = self._clauses_by_passage
        groups = [clauses[offsets[r]:offsets[r + 1]] for r in rows]
        wanted = np.unique(np.concatenate(groups)) if groups else np.zeros(0, dtype=np.int64)
        cosines = dict(zip(wanted.tolist(), (self._vectors(wanted) @ vector.astype(np.float32)).tolist()))
        return np.array([max((cosines[c] for c in group.tolist()), default=-1.0) for group in groups],
                        dtype=np.float32)

    @cached_property
    def _clauses_by_passage(self) -> tuple[np.ndarray, np.ndarray]:
        """Passage row → its FAISS rows, compressed (``clauses[offsets[r]:offsets[r + 1]]``)."""
        counts = np.diff(self.owners.offsets)
        clause_of = np.repeat(np.arange(len(self.owners), dtype=np.int64), counts)
        order = np.argsort(self.owners.rows, kind="stable")
        per_passage = np.bincount(self.owners.rows, minlength=len(self.items))
        offsets = np.concatenate([[0], np.cumsum(per_passage)]).astype(np.int64)
        return offsets, clause_of[order]

    def _vectors(self, ids: np.ndarray) -> np.ndarray:
        """The stored clause vectors of FAISS rows ``ids`` (an IVF index gets its direct map once)."""
        if not self._direct_map:
            try:
                _faiss().extract_index_ivf(self.faiss_index).make_direct_map()
            except RuntimeError:  # a flat index reconstructs without one
                pass
            self._direct_map = True
        return self.faiss_index.reconstruct_batch(np.asarray(ids, dtype=np.int64))  # type: ignore[attr-defined]

    def save(self, folder: Path) -> None:
        """Write passages.jsonl, bm25/, dense.faiss and the owner arrays into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / "passages.jsonl").open("w", encoding="utf-8") as out:
            for item in self.items:
                record = asdict(item.passage)
                record["context"] = item.context
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.bm25.save(str(folder / "bm25"))  # type: ignore[attr-defined]
        _faiss().write_index(self.faiss_index, str(folder / "dense.faiss"))
        self.owners.save(folder)

    @classmethod
    def load(cls, folder: Path, model_id: str, dimension: int) -> "SearchIndex":
        """Load an index written by :meth:`save`."""
        items = []
        with (folder / "passages.jsonl").open(encoding="utf-8") as source:
            for line in source:
                record = json.loads(line)
                context = record.pop("context")
                record["section_path"] = tuple(record["section_path"])
                items.append(IndexedPassage(Passage(**record), context))
        bm25 = _bm25s().BM25.load(str(folder / "bm25"))
        faiss_index = _faiss().read_index(str(folder / "dense.faiss"))
        return cls(items, bm25, faiss_index, Owners.load(folder), model_id, dimension)


def dense_index(vectors: np.ndarray, dimension: int, approximate: bool | None = None) -> object:
    """A FAISS inner-product index holding ``vectors``: exact up to ``APPROXIMATE_THRESHOLD``
    rows, IVF-flat above (``approximate`` forces one or the other, for benchmarks).

    Measured with ``bench/scale.py`` (2 cores, USE-v3 512-d; recall = passage recall@10
    against exact search along the service's path, which asks FAISS for 400 clauses):

    - Exact search costs about 0.16 µs per clause per query: 0.15 ms at 2.6k clauses (the
      bundled corpus), 5.6 ms at 27.5k (×10), 43 ms at 277k (×100). Up to 30k clauses that
      is at most a twentieth of the 100 ms search budget, so search stays exact there.
    - At 277k clauses HNSW (M=32) took 30-42 s to build, IVF-flat (nlist = √n = 527) 6 s.
    - On 277k *distinct* clause vectors (spliced from two real clauses each), HNSW reached
      0.975 / 0.987 / 0.992 at efSearch 128 / 256 / 512 (0.8 / 1.4 / 2.8 ms); IVF-flat 0.959 /
      0.978 at nprobe 32 / 64 (2.6 / 4.9 ms), and 0.992 on the dev questions at nprobe 64.
    - On the synthetic ×100 corpus, where 93% of clause vectors repeat another (recombined
      sections; real policy text is full of boilerplate too), HNSW broke down on the dev
      questions: 0.60 / 0.68 / 0.84 at efSearch 128 / 256 / 512 (most likely the known HNSW
      failure: exact duplicates fill each other's neighbour lists and cut the graph into
      islands). IVF-flat puts identical vectors in one list: 1.000 from nprobe 16.

    So IVF-flat with nprobe 64: about 0.98 on distinct text, 1.0 on repetitive text, 5 ms a
    query and a build 5-7× faster than HNSW. Its k-means uses FAISS's fixed seed, so a
    rebuild gives the same index. nprobe/√n shrinks as the corpus grows: re-measure beyond
    ~300k clauses.
    """
    faiss = _faiss()
    if approximate is None:
        approximate = len(vectors) > APPROXIMATE_THRESHOLD
    if approximate and len(vectors):
        nlist = max(1, round(len(vectors) ** 0.5))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dimension), dimension, nlist, faiss.METRIC_INNER_PRODUCT)
        index.train(vectors)
        index.nprobe = IVF_NPROBE  # saved with the index by faiss.write_index
    else:
        index = faiss.IndexFlatIP(dimension)
    if len(vectors):
        index.add(vectors)
    return index


def rank_of(scores: np.ndarray, limit: int) -> list[int]:
    """Rows with a positive score, best first, at most ``limit``."""
    if not len(scores):
        return []
    order = np.argsort(-scores, kind="stable")[:limit]
    return [int(i) for i in order if scores[i] > 0]


def fuse(rankings: Iterable[tuple[Sequence[int], float]], k: int) -> dict[int, float]:
    """Weighted reciprocal-rank fusion: sum of weight / (k + rank) over the rankings."""
    fused: dict[int, float] = {}
    for rows, weight in rankings:
        for rank, row in enumerate(rows, 1):
            fused[row] = fused.get(row, 0.0) + weight / (k + rank)
    return fused


def matched_spans(text: str, query_tokens: Sequence[str], query: str = "") -> list[tuple[int, int]]:
    """Character spans of ``text`` that contain query words (for highlighting), merged.

    The query's own runs of characters are tried too, so a term the segmenter split
    (每万人口全科医生数 → 每万 / 人口 / 全科医生) is still marked as one span.
    """
    runs = [r for r in re.split(r"[\s\W_]+", query) if len(r) >= 2]
    words = sorted({t for t in query_tokens if not t.startswith("#") and len(t) >= 2} | set(runs),
                   key=len, reverse=True)
    spans: list[tuple[int, int]] = []
    # Plain substring search in the lower-cased text: a new query's words each cost a compiled
    # pattern with re.finditer, and compiling took more time than all the searching. Lower-casing
    # that changes a text's length (a few non-Chinese letters) keeps the case-blind patterns.
    haystack = text.lower()
    for word in words:
        needle = word.lower()
        if len(haystack) != len(text) or len(needle) != len(word):
            spans.extend(m.span() for m in re.finditer(re.escape(word), text, flags=re.IGNORECASE))
            continue
        start = haystack.find(needle)
        while start >= 0:
            spans.append((start, start + len(needle)))
            start = haystack.find(needle, start + len(needle))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged
