"""Citations: spans of a document's normalised text (``text[start:end] == quote``), and what an
answer reads to make them (:class:`Sources`: the graph, the documents, their passages and texts).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.query.graph_queries import select
from kg.query.trace import PassageLookup, Trace, sentence_around
from kg.records import DocumentInfo, Passage


@dataclass(frozen=True)
class Citation:
    """A quoted span of a corpus document.

    A span inside a table row also names the table (``table``: its caption) and its column labels
    (``header``, in column order): a row alone (14 某某指标 人 2.62 4 约束性) does not say what its
    numbers are, so a card citing it would say more than its citation."""

    doc_id: str
    doc_title: str
    start: int
    end: int
    quote: str
    table: str = ""
    header: tuple[str, ...] = ()

    def context(self) -> str:
        """What a reader needs beside a table row's quote (:func:`table_context`)."""
        return table_context(self.table, self.header)


def table_context(table: str, header: Sequence[str]) -> str:
    """表格：caption（各列依次为：a | b | c） — said beside a quoted table row ("" when neither is
    known: the quote is no table row)."""
    if not (table or header):
        return ""
    columns = f"（各列依次为：{' | '.join(header)}）" if header else ""
    return f"表格：{table or '（无标题）'}{columns}"


SECTION_SPAN = """
SELECT ?s ?title ?start ?end WHERE { ?s dcterms:title ?title ; pol:start ?start ; pol:end ?end }
"""


def table_header(text: str, title: str, start: int, end: int) -> tuple[str, ...]:
    """The column labels of the table section ``text[start:end]`` (its heading line, ``title``,
    first): a tab-separated table's header row(s) (:func:`kg.ingest.passages.column_labels`), or
    the cells of a flattened indicator table's header (:func:`kg.extract.indicators.table.header_labels`)."""
    from kg.extract.indicators.table import header_labels
    from kg.ingest.passages import column_labels, header_rows, table_rows

    body = start
    first_line = text[start:end].split("\n", 1)[0]
    if title and title in first_line:
        body = start + len(first_line) + 1
    if "\t" in text[body:end]:
        lines = [line for line in text[body:end].split("\n") if line.strip()]
        return tuple(label for label in column_labels(lines[:header_rows(lines)]) if label) if lines else ()
    rows = table_rows(text, body, end)
    head_end = rows[0][2] if rows and rows[0][0] is None else body
    return header_labels(text[body:head_end])


@dataclass
class Sources:
    """What a card reads besides the graph: documents, passages, texts, and the indicator trace."""

    store: ox.Store
    documents: Mapping[str, DocumentInfo]
    passage_of: PassageLookup
    text_of: Callable[[str], str]
    trace: Callable[[str], Trace]  # indicator IRI → its trace
    _tables: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict, repr=False)

    def cite(self, doc_id: str, start: int, end: int, passage_id: str = "") -> Citation:
        """A citation of ``text[start:end]`` of a document; inside a table row (``passage_id``
        the row's passage) it names the table and its column labels."""
        doc = self.documents.get(doc_id)
        table, header = self.table_of(passage_id) if passage_id else ("", ())
        return Citation(doc_id, doc.title if doc else doc_id, start, end, self.text_of(doc_id)[start:end],
                        table, header)

    def table_of(self, passage_id: str) -> tuple[str, tuple[str, ...]]:
        """(caption, column labels) of the table whose row is the passage ``passage_id``;
        ("", ()) for a passage that is no table row."""
        passage = self.passage_of(passage_id)
        if passage is None or passage.kind != "table_row":
            return "", ()
        if passage.section_id not in self._tables:
            from kg.rdf.write import section_iri

            rows = select(self.store, SECTION_SPAN, s=section_iri(passage.section_id))
            if rows:
                title, start, end = str(rows[0]["title"]), int(rows[0]["start"]), int(rows[0]["end"])
                header = table_header(self.text_of(passage.doc_id), title, start, end)
            else:
                title, header = (passage.section_path[-1] if passage.section_path else ""), ()
            self._tables[passage.section_id] = (title, header)
        return self._tables[passage.section_id]

    def cite_sentence(self, passage_id: str, start: int, end: int) -> Citation | None:
        """A citation of the sentence of a passage that holds [start, end) (a table row whole,
        with its table and column labels)."""
        passage = self.passage_of(passage_id)
        if passage is None:
            return None
        s, e = sentence_around(self.text_of(passage.doc_id), passage, start, end)
        return self.cite(passage.doc_id, s, e, passage_id)


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


__all__ = ["Citation", "MentionAt", "Sources", "add_citations", "table_context", "table_header", "doc_title", "first_mentions", "mentions_of",
           "section_heading"]
