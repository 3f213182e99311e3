"""Citations: spans of a document's normalised text (``text[start:end] == quote``), and what an
answer reads to make them (:class:`Sources`: the graph, the documents, their passages and texts).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from kg.query.graph_queries import select
from kg.query.trace import PassageLookup, Trace, sentence_around
from kg.records import DocumentInfo, Passage


@dataclass(frozen=True)
class Citation:
    """A quoted span of a corpus document."""

    doc_id: str
    doc_title: str
    start: int
    end: int
    quote: str


@dataclass
class Sources:
    """What a card reads besides the graph: documents, passages, texts, and the indicator trace."""

    store: ox.Store
    documents: Mapping[str, DocumentInfo]
    passage_of: PassageLookup
    text_of: Callable[[str], str]
    trace: Callable[[str], Trace]  # indicator IRI → its trace

    def cite(self, doc_id: str, start: int, end: int) -> Citation:
        """A citation of ``text[start:end]`` of a document."""
        doc = self.documents.get(doc_id)
        return Citation(doc_id, doc.title if doc else doc_id, start, end, self.text_of(doc_id)[start:end])

    def cite_sentence(self, passage_id: str, start: int, end: int) -> Citation | None:
        """A citation of the sentence of a passage that holds [start, end)."""
        passage = self.passage_of(passage_id)
        if passage is None:
            return None
        s, e = sentence_around(self.text_of(passage.doc_id), passage, start, end)
        return self.cite(passage.doc_id, s, e)


MENTIONS = """
SELECT DISTINCT ?e ?m ?passage ?start ?end WHERE {
  ?m pol:mentionOf ?e ; pol:inPassage ?passage ; pol:start ?start ; pol:end ?end .
}
"""


@dataclass(frozen=True)
class MentionAt:
    """A mention with its passage."""

    passage: Passage
    start: int
    end: int


def mentions_of(sources: Sources, iri: str) -> list[MentionAt]:
    """Mentions of an entity, by document date then position."""
    out = []
    for row in select(sources.store, MENTIONS, e=ox.NamedNode(iri)):
        passage = sources.passage_of(row["passage"].rsplit("/", 1)[-1])
        if passage is not None:
            out.append(MentionAt(passage, int(row["start"]), int(row["end"])))

    def order(m: MentionAt) -> tuple[str, str, int]:
        doc = sources.documents.get(m.passage.doc_id)
        return (doc.date if doc else "", m.passage.doc_id, m.start)

    return sorted(out, key=order)


def add_citations(citations: list[Citation], new: Sequence[Citation | None]) -> list[Citation]:
    """Append the citations that overlap none already there (the same words are cited once)."""
    for citation in new:
        if citation is not None and not any(c.doc_id == citation.doc_id and c.start < citation.end
                                            and citation.start < c.end for c in citations):
            citations.append(citation)
    return citations


def first_mentions(sources: Sources, iri: str, limit: int = 2) -> list[Citation]:
    """Sentences of the first mentions, one per document, at most ``limit``."""
    out: list[Citation] = []
    seen: set[str] = set()
    for mention in mentions_of(sources, iri):
        if mention.passage.doc_id in seen:
            continue
        citation = sources.cite_sentence(mention.passage.id, mention.start, mention.end)
        if citation is not None:
            seen.add(mention.passage.doc_id)
            out.append(citation)
        if len(out) >= limit:
            break
    return out


def doc_title(sources: Sources, doc_id: str) -> str:
    """A document's title (its id when the build does not know it)."""
    doc = sources.documents.get(doc_id)
    return doc.title if doc else doc_id


DERIVED_SECTION = """
SELECT DISTINCT ?e ?section ?start ?end ?doc WHERE {
  ?e prov:wasDerivedFrom ?section . ?section a pol:Section ; pol:start ?start ; pol:end ?end ;
     dcterms:isPartOf+ ?doc . ?doc a pol:Document .
}
"""


def section_heading(sources: Sources, iri: str) -> Citation | None:
    """The heading line of the section an entity was read from (a 专栏 box, a box item)."""
    rows = select(sources.store, DERIVED_SECTION, e=ox.NamedNode(iri))
    if not rows:
        return None
    row = min(rows, key=lambda r: int(r["start"]))
    doc_id = row["doc"].rsplit("/", 1)[-1]
    start, end = int(row["start"]), int(row["end"])
    text = sources.text_of(doc_id)
    stop = re.search(r"[。\n]", text[start:end])
    return sources.cite(doc_id, start, start + stop.start() if stop else end)


__all__ = ["Citation", "MentionAt", "Sources", "add_citations", "doc_title", "first_mentions", "mentions_of",
           "section_heading"]
