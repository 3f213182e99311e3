"""Read-only queries over a finished build, shared by the CLI and the app.

``Service.open`` refuses a build that is missing, stale (corpus changed since),
made by another format, or made with other settings or another model, with a
message that says to run ``kg build``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import pyoxigraph as ox

from kg.build.manifest import GRAPH_FILE, INDEX_DIR, REBUILD_HINT, TEXT_DIR, check_build
from kg.config import Settings
from kg.errors import QueryError, StaleBuildError
from kg.rdf.write import read_store
from kg.index.search_index import SearchIndex, matched_spans, query_tokens
from kg.records import (
    BuildInfo,
    ColumnItem,
    DocumentInfo,
    DocumentMention,
    DocumentSection,
    Hit,
    Span,
    SpecialColumn,
    TargetRecord,
)
from kg.text import clean_query

if TYPE_CHECKING:
    import networkx as nx

    from kg.index.embed import Encoder
    from kg.query.cards import Card
    from kg.query.citations import Sources
    from kg.query.graph_queries import EntityDetails, EntitySummary
    from kg.query.names import NameResolver
    from kg.query.neighbourhood import Neighbourhood
    from kg.query.related import Related, RelatedGraph, Timeline
    from kg.query.indicator_names import IndicatorNames
    from kg.query.recognise import Lexicon
    from kg.query.trace import Trace
    from kg.records import Passage

MODES = ("hybrid", "bm25", "dense")
MAX_QUERY_CHARS = 500

def _faiss_threads(threads: int) -> None:
    from kg.index.search_index import _faiss

    _faiss().omp_set_num_threads(threads)



class Service:
    """Everything the CLI and the app may ask of a build; it never writes."""

    def __init__(self, settings: Settings, manifest: dict[str, Any], index: SearchIndex, store: ox.Store,
                 texts: dict[str, str]) -> None:
        self.settings = settings
        self.manifest = manifest
        self.index = index
        self.store = store
        self.texts = texts
        self.documents = {d["id"]: DocumentInfo(d["id"], d["title"], d["issuer"], d["date"], d.get("as_of", ""),
                                                d["kind"], d["file"], d["chars"], d.get("extraction", "text"))
                          for d in manifest["documents"]}
        self._encoder: Any = None
        self._referring: dict[str, list[int]] = {}  # entity IRI → rows that name it by its head noun
        self._mentions: dict[str, tuple[DocumentMention, ...]] = {}  # document id → its mentions

    @classmethod
    def open(cls, settings: Settings, check_corpus: bool = True) -> "Service":
        """Load a build after checking it is current."""
        manifest = check_build(settings, check_corpus)
        folder = settings.build_path
        model = manifest["model"]
        index = SearchIndex.load(folder / INDEX_DIR, model["id"], model["dimension"])
        if settings.sparql_endpoint:
            from kg.remote.store import RemoteStore, check_matches_build

            store: Any = RemoteStore(settings.sparql_endpoint)  # graph queries go to the server
            check_matches_build(store, manifest["documents"], folder)
        else:
            store = read_store(str(folder / GRAPH_FILE))
        texts = {p.stem: p.read_text(encoding="utf-8") for p in sorted((folder / TEXT_DIR).glob("*.txt"))}
        return cls(settings, manifest, index, store, texts)

    @property
    def encoder(self) -> Encoder:
        """The build's encoder, loaded on first use (the model load takes seconds)."""
        if self._encoder is None:
            from kg.index.embed import load_encoder

            # One query is one short text and one FAISS search: extra threads per query only
            # fight the other requests' threads for the same cores (measured with bench/load.py:
            # search p95 at 8 clients 224 ms with two threads per query, 55 ms with one). With e5
            # two threads win only alone (each text new, 1 client: search p50 28-31 → 22-25 ms),
            # and lose at 8 clients (p50 172-178 → 185-231 ms; remembered texts 15-22 → 26-27 ms).
            threads = max(1, self.settings.query_threads)
            encoder = load_encoder(self.settings.embedding_model, threads=threads)
            _faiss_threads(threads)
            if encoder.model_id != self.index.model_id:
                raise StaleBuildError(f"the index was built with model {self.index.model_id!r} but "
                                      f"embedding_model now loads {encoder.model_id!r} — {REBUILD_HINT}")
            self._encoder = encoder
        return self._encoder

    def info(self) -> BuildInfo:
        """Counts, model and build time of the loaded build."""
        counts = dict(self.manifest["counts"])
        counts["quads_in_store"] = len(self.store)
        return BuildInfo(str(self.settings.build_path), self.manifest["built_at"], self.manifest["model"], counts,
                         tuple(self.documents.values()), tuple(self.manifest.get("rejected", [])),
                         self.manifest.get("stages_seconds", {}))

    def search(self, query: str, k: int = 10, mode: str = "hybrid", doc_ids: Sequence[str] | None = None,
               kinds: Sequence[str] | None = None, years: Sequence[int] | None = None,
               boost: bool = True, synonyms: bool = False) -> list[Hit]:
        """Ranked passages for ``query``; optional filters by document, kind and year.

        The ranking itself is :func:`kg.query.search.search`: in hybrid mode BM25 and the encoder
        are fused with a per-query confidence, and a "how many" question's passages with a number
        beside its words (:mod:`kg.query.question`) and, with ``boost`` (hybrid mode only, so the
        single-retriever modes stay what they measure), the passages that mention the entity the
        query names (:func:`kg.query.recognise.recognise`) re-order the results. ``synonyms`` expands
        BM25 with everyday synonyms (:mod:`kg.query.synonyms`).
        """
        from kg.query.search import search

        if mode not in MODES:
            raise QueryError(f"unknown search mode {mode!r}; use one of {', '.join(MODES)}")
        text = clean_query(query)[:MAX_QUERY_CHARS]
        if k <= 0 or not any(ch.isalnum() for ch in text):  # nothing to search for (。，、！？)
            return []
        allowed = self._allowed_rows(doc_ids, kinds, years)
        limit = max(self.settings.candidates, k)
        extras = [lambda _, rows: self._quantity_ranking(text, rows)]
        if boost:
            extras.append(lambda scores, _: self._graph_ranking(text, scores, allowed, limit))
        ranked = search(self.index, text, mode=mode, k=k, candidates=self.settings.candidates,
                        rrf_k=self.settings.rrf_k, encode_query=lambda texts: self.encoder.encode_query(texts),
                        allowed=allowed, extras=extras, synonyms=synonyms,
                        view=self.settings.synonym_view)
        tokens = list(query_tokens(text))  # BM25's copy: jieba once per query text
        return [self._hit(rank, r.row, r.score, tokens, text) for rank, r in enumerate(ranked, 1)]

    def _quantity_ranking(self, text: str, candidates: list[int]) -> list[int]:
        """For a "how many" question, the candidate rows with a number beside its words
        (:mod:`kg.query.question`)."""
        from kg.query import question

        if not question.asks_how_many(text):  # most queries: nothing to gather
            return []
        texts = {row: self.index.items[row].passage.text for row in candidates}
        return question.quantity_ranking(text, candidates, texts)

    def _graph_ranking(self, text: str, scores: np.ndarray, allowed: np.ndarray | None,
                       limit: int) -> list[int]:
        """Rows of the passages mentioning the entity ``text`` names, by BM25 score (the boost)."""
        found = self.names.recognise(text)
        if found is None:
            return []
        named = {row for row in (self._passage_rows.get(p, (None,))[0] for p in self._mention_passages(found.entity.iri))
                 if row is not None and (allowed is None or allowed[row])}
        # Then the passages that refer to it by its type word alone (…集团总院…), see kg.query.anaphora.
        referring = {row for row in self._referring_rows(found.entity.iri)
                     if row not in named and (allowed is None or allowed[row])}
        ordered = [*sorted(named, key=lambda row: (-float(scores[row]), row)),
                   *sorted(referring, key=lambda row: (-float(scores[row]), row))][:limit]
        return ordered

    def _referring_rows(self, iri: str) -> list[int]:
        """Rows of the passages that refer to entity ``iri`` by its type word alone (cached)."""
        if iri not in self._referring:
            from kg.query.anaphora import Named, Span, referring_passages

            rows: list[int] = []
            documents = sorted({self._passage_rows[p][1].doc_id for p in self._mention_passages(iri)
                                if p in self._passage_rows})
            for doc_id in documents:
                mentions = [Named(m.start, m.end, m.entity, m.label) for m in self.document_mentions(doc_id)]
                spans = [Span(p.id, p.start, p.end) for _, p in self._passages_by_doc.get(doc_id, [])]
                for passage_id in referring_passages(self.document_text(doc_id), spans, mentions, iri):
                    rows.append(self._passage_rows[passage_id][0])
            self._referring[iri] = rows
        return self._referring[iri]

    @cached_property
    def _passages_by_doc(self) -> dict[str, list[tuple[int, Any]]]:
        """Document id → its (row, passage) pairs in document order."""
        out: dict[str, list[tuple[int, Any]]] = {}
        for row, item in enumerate(self.index.items):
            out.setdefault(item.passage.doc_id, []).append((row, item.passage))
        for pairs in out.values():
            pairs.sort(key=lambda pair: pair[1].start)
        return out

    def _mention_passages(self, iri: str) -> list[str]:
        from kg.query.citations import mentions_of

        return [m.passage.id for m in mentions_of(self.sources, iri)]

    @cached_property
    def _passage_rows(self) -> dict[str, tuple[int, Any]]:
        """Passage id → (index row, Passage)."""
        return {item.passage.id: (row, item.passage) for row, item in enumerate(self.index.items)}

    def passage(self, passage_id: str) -> Passage | None:
        """The passage record with this id, or None."""
        found = self._passage_rows.get(passage_id)
        return found[1] if found else None

    @cached_property
    def _indicators(self) -> IndicatorNames:
        """The build's indicators with their name index (kg.query.indicator_names.IndicatorNames)."""
        from kg.query.indicator_names import IndicatorNames, indicators

        return IndicatorNames(indicators(self.store))

    @cached_property
    def lexicon(self) -> Lexicon:
        """Every entity name of the graph, for recognising entities in queries (kg.query.recognise.Lexicon)."""
        from kg.query.recognise import load_lexicon

        return load_lexicon(self.store, self._indicators)

    @cached_property
    def names(self) -> NameResolver:
        """The one name resolver of this build (kg.query.names.NameResolver)."""
        from kg.query.names import NameResolver
        from kg.query.recognise import EntityRef

        cited = [(EntityRef(e.iri, e.label, "CitedDocument"), (e.label, *e.aliases))
                 for e in self.entities("citeddocument")]
        return NameResolver(self.lexicon, cited)

    @cached_property
    def sources(self) -> Sources:
        """What answers and entity pages cite from (kg.query.citations.Sources): this build's graph,
        documents, passages and texts, and its indicator traces over the one indicator index."""
        from kg.query.citations import Sources
        from kg.query.trace import trace_indicator

        def trace(iri: str) -> Trace:
            return trace_indicator(self.store, "", self.documents, self.passage, self.document_text, iri=iri,
                                   names=self._indicators)

        return Sources(self.store, self.documents, self.passage, self.document_text, trace)

    def trace(self, indicator: str) -> Trace:
        """Targets, baseline, observations and status of the indicator ``indicator`` names (any
        wording: label, alias, part of the name, a close name); see :mod:`kg.query.trace`."""
        from kg.query.trace import trace_indicator

        found = self.names.indicator(indicator)
        return trace_indicator(self.store, clean_query(indicator)[:MAX_QUERY_CHARS], self.documents, self.passage,
                               self.document_text, iri=found.indicator.iri, names=self._indicators,
                               match=found.match, alternatives=found.alternatives)

    def answer(self, query: str) -> Card | None:
        """The answer card for ``query`` (kg.query.cards.Card), or None when it names no known entity."""
        from kg.query.cards import answer_card

        text = clean_query(query)[:MAX_QUERY_CHARS]
        return answer_card(text, self.names.recognise(text), self.sources) if text else None

    @cached_property
    def _related_graph(self) -> RelatedGraph:
        from kg.query.related import RelatedGraph

        return RelatedGraph.from_store(self.store, self.passage)

    def related(self, name: str, k: int = 10, embeddings: bool = True) -> Related:
        """Programmes, pilot zones, institutions, practices and indicators related to an entity,
        each with its reasons (kg.query.related). Label similarity uses the build's encoder when it
        loads; otherwise the other reasons still rank and ``embedding`` says why it is missing."""
        from kg.errors import KGError
        from kg.query.related import Related

        entity = self.names.entity(name)
        encode, note = None, "off"
        if embeddings:
            try:
                encode, note = self.encoder.encode, "used"
            except (KGError, ImportError, OSError) as exc:  # optional: rank without it
                note = f"unavailable: {exc}"
        return Related(entity, note, self._related_graph.related(entity.iri, k=k, encode=encode))

    def timeline(self, name: str) -> Timeline:
        """Where an entity appears across documents, by document date (kg.query.related.timeline)."""
        from kg.query.related import Timeline, timeline

        entity = self.names.entity(name)
        return Timeline(entity, timeline(self.sources, entity.iri))

    def _allowed_rows(self, doc_ids: Sequence[str] | None, kinds: Sequence[str] | None,
                      years: Sequence[int] | None) -> np.ndarray | None:
        if not doc_ids and not kinds and not years:
            return None
        keep = []
        for item in self.index.items:
            doc = self.documents.get(item.passage.doc_id)
            ok = doc is not None
            if ok and doc_ids:
                ok = doc.id in doc_ids
            if ok and kinds:
                ok = doc.kind in kinds
            if ok and years:
                ok = _year(doc.as_of or doc.date) in years
            keep.append(ok)
        return np.array(keep, dtype=bool)

    def _hit(self, rank: int, row: int, score: float, tokens: list[str], query: str) -> Hit:
        passage = self.index.items[row].passage
        doc = self.documents.get(passage.doc_id)
        spans = tuple(Span(passage.start + s, passage.start + e) for s, e in matched_spans(passage.text, tokens, query))
        return Hit(rank=rank, score=score, doc_id=passage.doc_id, doc_title=doc.title if doc else passage.doc_id,
                   section_path=passage.section_path, passage_id=passage.id, text=passage.text,
                   start=passage.start, end=passage.end, spans=spans,
                   doc_date=doc.date if doc else "", doc_kind=doc.kind if doc else "")

    def entities(self, entity_type: str | None = None) -> list[EntitySummary]:
        """Every entity (optionally of one type) with aliases, documents and mention count."""
        from kg.query.graph_queries import list_entities

        return list_entities(self.store, entity_type)

    def entity(self, name_or_iri: str) -> EntityDetails:
        """One entity by IRI, label or alias: properties, incoming links and mentions with quotes."""
        from kg.query.graph_queries import describe

        data = describe(self.store, self.names.entity(name_or_iri).iri)
        if not data.properties:
            raise QueryError(f"nothing is known about {data.iri}")
        data.mentions = [replace(m, quote=self.quote(m.doc_id, m.start, m.end)) for m in data.mentions]
        return data

    def quote(self, doc_id: str, start: int, end: int, context: int = 30) -> str:
        """The words at [start, end) with some context either side, for showing a mention."""
        text = self.document_text(doc_id)
        left = max(0, start - context)
        right = min(len(text), end + context)
        return ("…" if left else "") + text[left:right].replace("\n", " ") + ("…" if right < len(text) else "")

    def entity_graph(self) -> nx.MultiDiGraph:
        """The networkx graph of entities and documents (built on first use, then kept)."""
        if getattr(self, "_entity_graph", None) is None:
            from kg.query.neighbourhood import entity_graph

            self._entity_graph = entity_graph(self.store)
        return self._entity_graph

    def neighbourhood(self, iri: str, depth: int = 1, types: set[str] | None = None, cap: int = 150) -> Neighbourhood:
        """Nodes and edges within ``depth`` links of an entity, capped (see kg.query.neighbourhood)."""
        from kg.query.neighbourhood import neighbourhood

        return neighbourhood(self.entity_graph(), iri, depth=depth, types=types, cap=cap)

    def special_columns(self) -> list[SpecialColumn]:
        """The 专栏 boxes with their items and what links to each item."""
        from kg.query.graph_queries import special_columns

        return [SpecialColumn(b["iri"], b["label"], b["ordinal"],
                              tuple(ColumnItem(i["iri"], i["label"], i["ordinal"], tuple(i["linked"]))
                                    for i in b["items"]))
                for b in special_columns(self.store)]

    def targets(self) -> list[TargetRecord]:
        """Every target with its indicator and setting document (the 指标与目标 table)."""
        from kg.query.graph_queries import target_table

        return [TargetRecord(r["t"], r["i"], r["label"], r["unit"] or "", r["domain"] or "", r["year"], r["value"],
                             r["comparator"] or "", r["attribute"] or "", r["doc"], r["doctitle"])
                for r in target_table(self.store)]

    def entities_in_passage(self, passage_id: str) -> list[tuple[str, str, str]]:
        """The entities a passage mentions, as (IRI, label, type) — the search page's chips."""
        if getattr(self, "_passage_entities", None) is None:
            from kg.query.graph_queries import passage_entities

            self._passage_entities = passage_entities(self.store)
        from kg.rdf.write import passage_iri

        return self._passage_entities.get(passage_iri(passage_id).value, [])

    def document_mentions(self, doc_id: str) -> list[DocumentMention]:
        """Every entity mention in a document, with its type, by offset: the reader's highlights and
        the graph boost's referents. Read once per document of the loaded build: the first search
        that named an entity paid 20-50 ms for its documents' mentions."""
        from kg.query.graph_queries import document_mentions
        from kg.rdf.write import graph_iri

        self.document_text(doc_id)  # refuses unknown ids with the list of known ones
        if doc_id not in self._mentions:
            self._mentions[doc_id] = tuple(
                DocumentMention(r["e"], r["label"], r["type"], int(r["start"]), int(r["end"]))
                for r in document_mentions(self.store, graph_iri(doc_id)))
        return list(self._mentions[doc_id])

    def sections(self, doc_id: str) -> list[DocumentSection]:
        """A document's sections in reading order (title, number, level, start, end)."""
        from kg.rdf.write import doc_iri
        from kg.query.graph_queries import document_sections

        self.document_text(doc_id)  # refuses unknown ids with the list of known ones
        return [DocumentSection(r["s"], r["title"], r["number"] or "", int(r["level"]), int(r["start"]), int(r["end"]),
                                r["kind"]) for r in document_sections(self.store, doc_iri(doc_id).value)]

    def export(self, fmt: str) -> bytes:
        """The whole graph serialised: 'trig' and 'nquads' keep one named graph per document;
        'turtle' and 'jsonld' merge them into one graph."""
        from kg.rdf.vocab import PREFIXES

        formats = {"trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS,
                   "turtle": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD}
        if fmt not in formats:
            raise QueryError(f"unknown export format {fmt!r}; use one of {', '.join(formats)}")
        quads = self.store.quads_for_pattern(None, None, None, None)
        if fmt in ("turtle", "jsonld"):
            data: Any = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
        else:
            data = quads
        prefixes = PREFIXES if fmt in ("trig", "turtle") else None
        return ox.serialize(data, format=formats[fmt], prefixes=prefixes)

    def document_text(self, doc_id: str) -> str:
        """The normalised text of a document (what every offset points into)."""
        try:
            return self.texts[doc_id]
        except KeyError:
            raise QueryError(f"no document {doc_id!r}; known: {', '.join(sorted(self.texts))}") from None


def _year(iso: str) -> int | None:
    match = re.match(r"(\d{4})", iso or "")
    return int(match.group(1)) if match else None
