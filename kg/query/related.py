"""Related programmes, pilot zones, institutions, practices and indicators of an entity, with reasons.

:class:`RelatedGraph` reads the build's RDF store into a networkx graph whose nodes are entities
(of every ``pol:Entity`` subclass, so 专栏, places and whatever types a later build adds come
along), passages, documents and cited documents, and whose edges are

* ``mentions``: entity — passage, from ``pol:Mention`` (``pol:mentionOf`` / ``pol:inPassage``);
  an indicator is also joined to the passages its targets and observations were read from;
* ``in_column``: passage — 专栏, for passages inside the section a 专栏 was read from;
* the entity links ``pol:memberOf``, ``pol:leadsGroup``, ``pol:locatedIn``, ``pol:partOfItem``,
  ``pol:belongsToProgramme`` and ``pol:inColumn`` / ``pol:hasItem``;
* ``cites``: passage — cited document (a ``pol:CitedDocument`` is derived from the passage that
  cites it) and document — document (``pol:cites`` within the corpus);
* ``part_of``: passage — document; ``in_section``: passage — its (innermost) section.

:meth:`RelatedGraph.related` scores every other entity of :data:`RANKED_TYPES` by the reasons it
shares with the seed, each with a weight (:data:`WEIGHTS`): a direct link, the same 专栏, a shared
institution/place/pilot zone/indicator/programme (weighted down for hubs such as 广西壮族自治区),
passages naming both, the same section naming both, a cited document both are named next to, and —
when an encoder is given — the cosine similarity of the two labels (a reason on its own only when
it is high, :data:`SOLO_SIMILARITY`: label embeddings of Chinese institution names are all
somewhat alike). The reasons are returned in words, so a user sees why.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pyoxigraph as ox

from kg.query.citations import Citation, Sources, mentions_of, section_heading
from kg.query.recognise import EntityRef
from kg.query.graph_queries import select
from kg.records import Passage

#: Types ranked as related entities (a seed may be of any type).
RANKED_TYPES = ("Programme", "PilotZone", "Institution", "Practice", "Indicator")
#: Weight of each kind of reason in the score.
WEIGHTS = {"link": 3.0, "column": 2.0, "shared": 1.0, "passage": 1.0, "section": 0.5, "citation": 0.5,
           "similar": 1.0}
#: At most this many shared passages (or sections) count towards the score.
MAX_PASSAGES = 3
#: Label similarity below this is not a reason; below SOLO_SIMILARITY it only adds to other reasons.
MIN_SIMILARITY = 0.6
SOLO_SIMILARITY = 0.75
LINKS = ("memberOf", "leadsGroup", "locatedIn", "partOfItem", "belongsToProgramme", "inColumn")
_LINK_WORDS = {"memberOf": ("隶属于", "的成员单位包括"), "leadsGroup": ("牵头", "的牵头单位为"),
               "locatedIn": ("位于", "所在地包括"),
               "partOfItem": ("属于专栏条目", "包括子项目"), "belongsToProgramme": ("所属项目为", "下设试点"),
               "inColumn": ("属于", "包括")}
_TYPE_NAMES = {"Indicator": "指标", "SpecialColumn": "专栏", "Programme": "工程项目", "PilotZone": "试点示范区",
               "Institution": "机构", "Practice": "经验做法", "Place": "地点"}
Encode = Callable[[Sequence[str]], np.ndarray]

ENTITIES = """
SELECT DISTINCT ?e ?type ?label WHERE { ?e a ?type . ?type rdfs:subClassOf+ pol:Entity . ?e rdfs:label ?label }
"""
MENTIONED = "SELECT DISTINCT ?e ?passage WHERE { ?m pol:mentionOf ?e ; pol:inPassage ?passage }"
VALUES_IN = """
SELECT DISTINCT ?e ?passage WHERE { ?e pol:hasTarget|pol:hasObservation ?v . ?v prov:wasDerivedFrom ?passage }
"""
LINKED = """
SELECT DISTINCT ?s ?p ?o WHERE {
  { ?s ?p ?o . VALUES ?p { pol:memberOf pol:leadsGroup pol:locatedIn pol:partOfItem pol:belongsToProgramme pol:inColumn } }
  UNION { ?o pol:hasItem ?s . BIND(pol:inColumn AS ?p) }
}
"""
COLUMN_PASSAGES = """
SELECT DISTINCT ?column ?passage WHERE {
  ?column a pol:SpecialColumn ; prov:wasDerivedFrom ?section .
  ?passage a pol:Passage ; dcterms:isPartOf+ ?section .
}
"""
CITED_IN = """
SELECT DISTINCT ?cited ?title ?passage WHERE {
  ?cited a pol:CitedDocument ; prov:wasDerivedFrom ?passage . OPTIONAL { ?cited rdfs:label|dcterms:title ?title }
}
"""
DOC_CITES = "SELECT DISTINCT ?a ?b WHERE { ?a pol:cites ?b . ?b a pol:Document }"


@dataclass(frozen=True)
class Reason:
    """One reason two entities are related."""

    kind: str  # a key of WEIGHTS
    text: str
    weight: float


@dataclass
class RelatedEntity:
    """An entity related to the seed, its score and why."""

    iri: str
    label: str
    type: str
    score: float
    reasons: list[Reason] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"iri": self.iri, "label": self.label, "type": self.type, "score": round(self.score, 4),
                "reasons": [asdict(r) for r in self.reasons]}


@dataclass
class Related:
    """What ``kg related`` answers: the entity, whether label similarity was used, and the ranking."""

    entity: EntityRef
    embedding: str  # "used", "off", or "unavailable: <why>"
    related: list[RelatedEntity]

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (what ``kg related --json`` prints)."""
        return {"entity": asdict(self.entity), "embedding": self.embedding,
                "related": [item.to_json() for item in self.related]}


def _local(iri: str) -> str:
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


class RelatedGraph:
    """The build's entities, passages and documents as a networkx graph (see the module docstring)."""

    def __init__(self, graph: nx.MultiGraph) -> None:
        self.graph = graph
        self._vectors: dict[str, np.ndarray] | None = None

    @classmethod
    def from_store(cls, store: ox.Store, passage_of: Callable[[str], Passage | None]) -> RelatedGraph:
        """Read the graph from a build's store; ``passage_of`` maps a passage id to its record."""
        graph = nx.MultiGraph()
        for row in select(store, ENTITIES):
            if row["e"] not in graph:
                graph.add_node(row["e"], kind="entity", type=_local(row["type"]), label=row["label"])

        def passage_node(iri: str) -> str | None:
            passage = passage_of(_local(iri))
            if passage is None:
                return None
            if iri not in graph:
                doc = f"doc:{passage.doc_id}"
                section = f"section:{passage.section_id}"
                graph.add_node(iri, kind="passage", doc=passage.doc_id)
                graph.add_node(doc, kind="document", doc=passage.doc_id)
                graph.add_node(section, kind="section", doc=passage.doc_id,
                               label=passage.section_path[-1] if passage.section_path else passage.doc_id)
                graph.add_edge(iri, doc, key="part_of")
                graph.add_edge(iri, section, key="in_section")
            return iri

        for query in (MENTIONED, VALUES_IN):
            for row in select(store, query):
                node = passage_node(row["passage"])
                if node is not None and row["e"] in graph:
                    graph.add_edge(row["e"], node, key="mentions")
        for row in select(store, LINKED):
            if row["s"] in graph and row["o"] in graph and row["s"] != row["o"]:
                relation = _local(row["p"])
                graph.add_edge(row["s"], row["o"], key=relation, source=row["s"])
        for row in select(store, COLUMN_PASSAGES):
            node = passage_node(row["passage"])
            if node is not None and row["column"] in graph:
                graph.add_edge(node, row["column"], key="in_column")
        for row in select(store, CITED_IN):
            node = passage_node(row["passage"])
            if node is not None:
                graph.add_node(row["cited"], kind="cited", label=row["title"] or _local(row["cited"]))
                graph.add_edge(node, row["cited"], key="cites")
        for row in select(store, DOC_CITES):
            a, b = f"doc:{_local(row['a'])}", f"doc:{_local(row['b'])}"
            if a in graph and b in graph:
                graph.add_edge(a, b, key="cites")
        return cls(graph)

    # -- neighbourhoods ------------------------------------------------------------------

    def _edges(self, node: str, *keys: str) -> list[tuple[str, str, dict[str, Any]]]:
        return [(other, key, data) for _, other, key, data in self.graph.edges(node, keys=True, data=True)
                if not keys or key in keys]

    def entity(self, iri: str) -> dict[str, Any]:
        """A node's attributes (``type``, ``label``)."""
        return dict(self.graph.nodes[iri])

    def passages(self, iri: str) -> set[str]:
        """Passages that name the entity (or state its values)."""
        return {other for other, _, _ in self._edges(iri, "mentions")}

    def columns(self, iri: str) -> set[str]:
        """The 专栏 an entity belongs to: itself for a 专栏, its pol:inColumn (directly or through
        the items it is part of), and the 专栏 whose passages name it."""
        if self.graph.nodes[iri].get("type") == "SpecialColumn":
            return {iri}
        out: set[str] = set()
        seen, todo = {iri}, [iri]
        while todo:
            node = todo.pop()
            for other, key, data in self._edges(node, "inColumn", "partOfItem"):
                if data.get("source") != node:
                    continue  # only follow the links out of the entity
                if key == "inColumn":
                    out.add(other)
                elif other not in seen:
                    seen.add(other)
                    todo.append(other)
        for passage in self.passages(iri):
            out |= {other for other, _, _ in self._edges(passage, "in_column")}
        return out

    def column_members(self, column: str) -> set[str]:
        """Entities of a 专栏: its items, the programmes part of them, and what its passages name."""
        members: set[str] = set()
        todo = [other for other, relation, outgoing in self._links(column) if relation == "inColumn" and not outgoing]
        while todo:
            node = todo.pop()
            members.add(node)
            todo.extend(other for other, relation, outgoing in self._links(node)
                        if relation == "partOfItem" and not outgoing and other not in members)
        members |= {entity for passage, _, _ in self._edges(column, "in_column")
                    for entity, _, _ in self._edges(passage, "mentions")}
        return members

    def _links(self, iri: str) -> list[tuple[str, str, bool]]:
        """(other entity, relation, outgoing) for each entity link of ``iri``."""
        return [(other, key, data.get("source") == iri) for other, key, data in self._edges(iri, *LINKS)]

    def _cited_near(self, iri: str) -> dict[str, str]:
        """Cited documents (node → title) cited in the passages or documents that name ``iri``."""
        out: dict[str, str] = {}
        for passage in self.passages(iri):
            for other, _, _ in self._edges(passage, "cites"):
                out[other] = self.graph.nodes[other].get("label", other)
            doc = f"doc:{self.graph.nodes[passage]['doc']}"
            for other, _, _ in self._edges(doc, "cites"):
                out[other] = other.removeprefix("doc:")
        return out

    # -- ranking ------------------------------------------------------------------------

    def related(self, iri: str, k: int = 10, encode: Encode | None = None,
                types: Sequence[str] = RANKED_TYPES) -> list[RelatedEntity]:
        """The ``k`` entities of ``types`` most related to ``iri``, best first, each with its reasons."""
        if iri not in self.graph:
            return []
        found: dict[str, RelatedEntity] = {}

        def add(other: str, kind: str, text: str, weight: float) -> None:
            node = self.graph.nodes.get(other, {})
            if other == iri or node.get("kind") != "entity" or node.get("type") not in types:
                return
            item = found.setdefault(other, RelatedEntity(other, node["label"], node["type"], 0.0))
            item.reasons.append(Reason(kind, text, round(weight, 4)))
            item.score += weight

        seed_label = self.graph.nodes[iri]["label"]
        neighbours = self._links(iri)
        for other, relation, outgoing in neighbours:
            words = _LINK_WORDS[relation][0 if outgoing else 1]
            add(other, "link", f"{seed_label}{words}{self.graph.nodes[other]['label']}", WEIGHTS["link"])

        # Shared neighbours: both linked to the same institution, place, pilot zone, programme …
        for middle, _, _ in neighbours:
            attrs = self.graph.nodes[middle]
            if attrs.get("type") == "SpecialColumn":
                continue  # the 专栏 reason below says it
            linked = self._links(middle)
            weight = WEIGHTS["shared"] * min(1.0, 2.0 / math.log2(2 + len(linked)))
            kind_name = _TYPE_NAMES.get(attrs.get("type", ""), "")
            for other, _, _ in linked:
                if other != iri:
                    add(other, "shared", f"共同关联{kind_name}：{attrs['label']}", weight)

        for column in self.columns(iri):
            label = self.graph.nodes[column]["label"]
            for other in self.column_members(column):
                add(other, "column", f"同属{label}", WEIGHTS["column"])

        shared: dict[str, list[str]] = defaultdict(list)
        for passage in self.passages(iri):
            for other, _, _ in self._edges(passage, "mentions"):
                shared[other].append(passage)
        for other, passages in shared.items():
            docs = sorted({self.graph.nodes[p]["doc"] for p in passages})
            count = len(passages)
            add(other, "passage", f"在{count}个段落中共同出现（{'、'.join(docs)}）",
                WEIGHTS["passage"] * min(count, MAX_PASSAGES))

        sections = {section for passage in self.passages(iri) for section, _, _ in self._edges(passage, "in_section")}
        near: dict[str, set[str]] = defaultdict(set)
        for section in sections:
            for passage, _, _ in self._edges(section, "in_section"):
                for other, _, _ in self._edges(passage, "mentions"):
                    if other not in shared:
                        near[other].add(section)
        for other, where in near.items():
            titles = "、".join(sorted(self.graph.nodes[w]["label"] for w in where)[:2])
            add(other, "section", f"在同一章节中出现（{titles}）", WEIGHTS["section"] * min(len(where), MAX_PASSAGES))

        cited = self._cited_near(iri)
        if cited:
            for other in list(found):
                common = sorted(set(cited) & set(self._cited_near(other)))
                if common:
                    titles = "、".join(f"《{cited[c]}》" for c in common[:3])
                    add(other, "citation", f"都出现在引用{titles}的段落中", WEIGHTS["citation"])

        if encode is not None:
            for other, score in self._similar(iri, encode, types):
                if other in found or score >= SOLO_SIMILARITY:
                    # 0.5 is about what any two names of this corpus share; only the excess counts
                    # In plain words, without the score: a policy officer reads no cosine, and label
                    # embeddings of Chinese names are all somewhat alike, so no "very" either.
                    add(other, "similar", "名称相近",
                        WEIGHTS["similar"] * 2 * (score - 0.5))

        ranked = sorted(found.values(), key=lambda r: (-r.score, r.label))
        for item in ranked:
            item.reasons.sort(key=lambda r: -r.weight)
        return ranked[:k]

    def _similar(self, iri: str, encode: Encode, types: Sequence[str]) -> list[tuple[str, float]]:
        """Entities whose label embeddings are within :data:`MIN_SIMILARITY` of the seed's."""
        if self._vectors is None:
            nodes = [n for n, a in self.graph.nodes(data=True) if a.get("kind") == "entity"]
            vectors = np.asarray(encode([self.graph.nodes[n]["label"] for n in nodes]), dtype=np.float32)
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors = vectors / np.where(norms == 0, 1, norms)
            self._vectors = dict(zip(nodes, vectors))
        seed = self._vectors.get(iri)
        if seed is None:
            return []
        out = []
        for other, vector in self._vectors.items():
            if other != iri and self.graph.nodes[other].get("type") in types:
                score = float(np.dot(seed, vector))
                if score >= MIN_SIMILARITY:
                    out.append((other, score))
        return out


@dataclass
class Appearance:
    """An entity's appearances in one document."""

    doc_id: str
    title: str
    date: str
    as_of: str
    kind: str
    mentions: int
    first_quote: Citation | None  # the sentence of the first mention

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (the quote as {start, end, quote})."""
        quote = self.first_quote
        return {**{k: v for k, v in asdict(self).items() if k != "first_quote"},
                "first_quote": {"start": quote.start, "end": quote.end, "quote": quote.quote} if quote else None}


@dataclass
class Timeline:
    """What ``kg timeline`` answers: the entity and one row per document that names it, by date."""

    entity: EntityRef
    documents: list[Appearance]

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (what ``kg timeline --json`` prints)."""
        return {"entity": asdict(self.entity), "documents": [row.to_json() for row in self.documents]}


def timeline(sources: Sources, iri: str) -> list[Appearance]:
    """Where an entity appears, one row per document ordered by the document's date: its
    mention count and the sentence of its first mention. A 专栏 (named by no mention) appears
    where it was read from, with 0 mentions and its heading as the quote."""
    by_doc: dict[str, list[Any]] = defaultdict(list)
    for mention in mentions_of(sources, iri):
        by_doc[mention.passage.doc_id].append(mention)
    rows = []
    for doc_id, mentions in by_doc.items():
        first = mentions[0]
        rows.append((doc_id, len(mentions), sources.cite_sentence(first.passage.id, first.start, first.end)))
    if not rows:
        heading = section_heading(sources, iri)
        if heading is not None:
            rows.append((heading.doc_id, 0, heading))
    out = []
    for doc_id, count, quote in rows:
        doc = sources.documents.get(doc_id)
        out.append(Appearance(doc_id, doc.title if doc else doc_id, doc.date if doc else "",
                              doc.as_of if doc else "", doc.kind if doc else "", count, quote))
    return sorted(out, key=lambda a: (a.date, a.doc_id))


__all__ = ["RANKED_TYPES", "WEIGHTS", "Appearance", "Reason", "Related", "RelatedEntity", "RelatedGraph", "Timeline",
           "timeline"]
