"""Records → RDF: one named graph per document, written as N-Quads with pyoxigraph.

Every node is typed with the ontology's terms (:mod:`kg.rdf.vocab`); instance IRIs live
under ``https://w3id.org/policy-kg/id/``. Each document's triples go to the named
graph ``id/graph/{doc_id}``, so one document can be replaced or removed alone (in
the local store and on a remote SPARQL server); queries see the union.
"""

from __future__ import annotations

from typing import Any, BinaryIO, Iterable, Iterator

import pyoxigraph as ox
from rdflib import URIRef

from kg.records import Document, Passage, Section
from kg.rdf.vocab import DCTERMS, ID, POL, RDF, RDFS, XSD

Quad = ox.Quad

_XSD_INT = ox.NamedNode(str(XSD.integer))
_XSD_DATE = ox.NamedNode(str(XSD.date))


def node(term: URIRef | str) -> ox.NamedNode:
    """An Oxigraph named node for an rdflib term or IRI string."""
    return ox.NamedNode(str(term))


def doc_iri(doc_id: str) -> ox.NamedNode:
    """IRI of a corpus document."""
    return ox.NamedNode(f"{ID}doc/{doc_id}")


def graph_iri(doc_id: str) -> ox.NamedNode:
    """IRI of the named graph that holds one document's triples."""
    return ox.NamedNode(f"{ID}graph/{doc_id}")


def section_iri(section_id: str) -> ox.NamedNode:
    """IRI of a section."""
    return ox.NamedNode(f"{ID}section/{section_id}")


def passage_iri(passage_id: str) -> ox.NamedNode:
    """IRI of a passage."""
    return ox.NamedNode(f"{ID}passage/{passage_id}")


def literal(value: object) -> ox.Literal:
    """A typed literal: int → xsd:integer, everything else a plain string."""
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=ox.NamedNode(str(XSD.boolean)))
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=_XSD_INT)
    return ox.Literal(str(value))


def zh(value: str) -> ox.Literal:
    """A Chinese-tagged literal (labels and titles)."""
    return ox.Literal(value, language="zh")


class QuadWriter:
    """Collects quads for one named graph, with shorthands for the common shapes."""

    def __init__(self, graph: ox.NamedNode) -> None:
        self.graph = graph
        self.quads: list[Quad] = []

    def add(self, subject: ox.NamedNode, predicate: URIRef, obj: ox.NamedNode | ox.Literal) -> None:
        """Add one triple to this writer's graph."""
        self.quads.append(ox.Quad(subject, node(predicate), obj, self.graph))

    def add_value(self, subject: ox.NamedNode, predicate: URIRef, value: object) -> None:
        """Add a literal triple unless ``value`` is None or empty."""
        if value is None or value == "":
            return
        self.add(subject, predicate, literal(value))


def document_quads(document: Document, sections: list[Section], passages: list[Passage]) -> list[Quad]:
    """All structural triples of one document: the document, its sections and passages."""
    meta = document.meta
    out = QuadWriter(graph_iri(document.id))
    doc = doc_iri(document.id)
    out.add(doc, RDF.type, node(POL.Document))
    out.add(doc, DCTERMS.title, zh(meta.title))
    if meta.date:
        out.add(doc, DCTERMS.issued, ox.Literal(meta.date, datatype=_XSD_DATE))
    out.add_value(doc, DCTERMS.publisher, meta.issuer)
    out.add_value(doc, POL.documentKind, meta.kind)
    if meta.as_of:
        out.add(doc, POL.asOf, ox.Literal(meta.as_of, datatype=_XSD_DATE))
    out.add_value(doc, POL.reportYear, meta.report_year)
    out.add_value(doc, POL.contentHash, document.sha256)
    out.add_value(doc, POL.sourceFile, meta.file)
    out.add_value(doc, DCTERMS.description, meta.note)
    out.add_value(doc, POL.normalisedText, document.text)
    out.add_value(doc, POL.extractionMethod, document.extraction)
    out.add_value(doc, POL.readBy, document.reader)
    out.add_value(doc, POL.documentNumber, meta.doc_number)
    out.add_value(doc, POL.genre, meta.genre)
    out.add_value(doc, POL.validity, meta.validity)
    out.add_value(doc, POL.regionName, meta.region)
    if document.attachment_of:
        out.add(doc, POL.attachmentOf, doc_iri(document.attachment_of))
    for evidence in document.provenance:
        subject = ox.NamedNode(f"{doc.value}/meta/{evidence.name}")
        out.add(doc, POL.metadataEvidence, subject)
        out.add(subject, RDF.type, node(POL.MetadataEvidence))
        out.add_value(subject, POL.metadataField, evidence.name)
        out.add_value(subject, POL.metadataValue, evidence.value)
        out.add_value(subject, POL.evidenceSource, evidence.source)
        out.add_value(subject, POL.start, evidence.start)
        out.add_value(subject, POL.end, evidence.end)

    for section in sections:
        subject = section_iri(section.id)
        out.add(subject, RDF.type, node(POL.Section))
        if section.kind == "table":
            out.add(subject, RDF.type, node(POL.Table))
        parent = section_iri(section.parent_id) if section.parent_id else doc
        out.add(subject, DCTERMS.isPartOf, parent)
        out.add(subject, DCTERMS.title, zh(section.title))
        out.add(subject, RDFS.label, zh(f"{section.number}{section.title}"))
        out.add_value(subject, POL.headingNumber, section.number)
        out.add_value(subject, POL.level, section.level)
        out.add_value(subject, POL.ordinal, section.ordinal)
        out.add_value(subject, POL.start, section.start)
        out.add_value(subject, POL.end, section.end)
        out.add_value(subject, POL.sectionPath, " > ".join(section.path))

    for passage in passages:
        subject = passage_iri(passage.id)
        out.add(subject, RDF.type, node(POL.Passage))
        out.add(subject, DCTERMS.isPartOf, section_iri(passage.section_id))
        out.add_value(subject, POL.text, passage.text)
        out.add_value(subject, POL.start, passage.start)
        out.add_value(subject, POL.end, passage.end)
        out.add_value(subject, POL.passageKind, passage.kind)
    return out.quads


def ontology_quads() -> list[Quad]:
    """The OWL vocabulary as quads in its own named graph, so SPARQL can follow rdfs:subClassOf."""
    from kg.rdf.vocab import ONTOLOGY_FILE

    graph = ox.NamedNode(f"{ID}graph/ontology")
    # The parser labels blank nodes (the list in a datatype union) at random; labels in order of
    # appearance keep graph.nq the same from build to build.
    labels: dict[ox.BlankNode, ox.BlankNode] = {}

    def stable(term: Any) -> Any:
        if isinstance(term, ox.BlankNode):
            return labels.setdefault(term, ox.BlankNode(f"ontology{len(labels)}"))
        return term

    return [ox.Quad(stable(t.subject), t.predicate, stable(t.object), graph)
            for t in ox.parse(path=str(ONTOLOGY_FILE), format=ox.RdfFormat.TURTLE)]


def write_nquads(quads: Iterable[Quad], output: str | BinaryIO) -> None:
    """Serialise quads as N-Quads (the build's graph file) to a path or an open binary file;
    N-Quads is line-based, so several calls may append to one file."""
    ox.serialize(quads, output=output, format=ox.RdfFormat.N_QUADS)


def read_store(path: str) -> ox.Store:
    """Load an N-Quads file into an in-memory Oxigraph store."""
    store = ox.Store()
    store.bulk_load(path=path, format=ox.RdfFormat.N_QUADS)
    return store


def iter_quads(store: ox.Store) -> Iterator[Quad]:
    """Every quad of a store."""
    return iter(store.quads_for_pattern(None, None, None, None))
