"""The indicator extraction as RDF quads, each in the named graph of the document it was read from."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pyoxigraph as ox

from kg.extract.indicators.extraction import IndicatorExtraction
from kg.extract.indicators.values import ENTITY_TYPE, Value
from kg.rdf.vocab import ID, POL, PROV, RDF, RDFS, SKOS, XSD
from kg.rdf.write import QuadWriter, doc_iri, graph_iri, literal, node, passage_iri, zh
from kg.records import Document, stable_id

def indicator_iri(key: str) -> ox.NamedNode:
    """IRI of an indicator: ``id/entity/indicator/{hash of its key}`` (the ontology's scheme)."""
    return node(ID[f"entity/indicator/{stable_id(ENTITY_TYPE, key)}"])


def _decimal(value: Decimal) -> ox.Literal:
    return ox.Literal(format(value, "f"), datatype=node(XSD.decimal))


def _value_triples(out: QuadWriter, subject: ox.NamedNode, value: Value, default_unit: str) -> None:
    out.add_value(subject, POL.valueText, value.text)
    if value.number is not None:
        out.add(subject, POL.numericValue, _decimal(value.number))
    out.add_value(subject, POL.comparator, value.comparator)
    out.add_value(subject, POL.unit, (value.unit or default_unit).replace("％", "%"))
    out.add_value(subject, POL.start, value.start)
    out.add_value(subject, POL.end, value.end)


def indicator_quads(extraction: IndicatorExtraction, documents: Sequence[Document]) -> list[ox.Quad]:
    """The extraction as quads, each in the named graph of the document it was read from.

    Indicators live in the graph of the plan that defines them; a target, an observation, its
    ``pol:hasTarget``/``pol:hasObservation`` link and a mention live in the graph of their own
    document, so replacing one document replaces exactly its statements.
    """
    known = {d.id for d in documents}
    writers: dict[str, QuadWriter] = {d.id: QuadWriter(graph_iri(d.id)) for d in documents}
    indicator_doc = extraction.defined_in
    entities = {e.key: e for e in extraction.indicators}

    for key, entity in entities.items():
        doc_id = indicator_doc.get(key)
        if doc_id not in known:
            continue
        out, subject = writers[doc_id], indicator_iri(key)
        out.add(subject, RDF.type, node(POL.Indicator))
        out.add(subject, RDFS.label, zh(entity.label))
        for alias in sorted(entity.aliases):
            out.add(subject, SKOS.altLabel, zh(alias))
        out.add_value(subject, POL.unit, entity.properties.get("unit"))
        out.add_value(subject, POL.domain, entity.properties.get("domain"))

    for target in extraction.targets:
        if target.doc_id not in known or indicator_doc.get(target.indicator_key) not in known:
            continue
        out, subject = writers[target.doc_id], node(ID[f"target/{target.id}"])
        ind = indicator_iri(target.indicator_key)
        out.add(subject, RDF.type, node(POL.Target))
        out.add(subject, POL.indicator, ind)
        out.add(ind, POL.hasTarget, subject)
        out.add(subject, POL.year, literal(target.year))
        _value_triples(out, subject, target.value, str(entities[target.indicator_key].properties.get("unit", "")))
        out.add_value(subject, POL.attribute, target.attribute)
        out.add(subject, POL.setBy, doc_iri(target.doc_id))
        out.add(subject, PROV.wasDerivedFrom, passage_iri(target.passage_id))

    for observation in extraction.linked_observations:
        key = str(observation.indicator_key)
        if observation.doc_id not in known or indicator_doc.get(key) not in known:
            continue
        out, subject = writers[observation.doc_id], node(ID[f"observation/{observation.id}"])
        ind = indicator_iri(key)
        out.add(subject, RDF.type, node(POL.Observation))
        out.add(subject, POL.indicator, ind)
        out.add(ind, POL.hasObservation, subject)
        out.add_value(subject, POL.year, observation.year)
        if observation.as_of:
            out.add(subject, POL.asOf, ox.Literal(observation.as_of, datatype=node(XSD.date)))
        _value_triples(out, subject, observation.value, str(entities[key].properties.get("unit", "")))
        out.add(subject, POL.isBaseline, literal(observation.is_baseline))
        out.add(subject, POL.reportedIn, doc_iri(observation.doc_id))
        out.add(subject, PROV.wasDerivedFrom, passage_iri(observation.passage_id))

    for mention in extraction.mentions:
        if mention.doc_id not in known or indicator_doc.get(mention.key) not in known:
            continue
        out, subject = writers[mention.doc_id], node(ID[f"mention/{mention.id}"])
        out.add(subject, RDF.type, node(POL.Mention))
        out.add(subject, POL.inPassage, passage_iri(mention.passage_id))
        out.add(subject, POL.mentionOf, indicator_iri(mention.key))
        out.add_value(subject, POL.surface, mention.surface)
        out.add_value(subject, POL.start, mention.start)
        out.add_value(subject, POL.end, mention.end)
    return [quad for writer in writers.values() for quad in writer.quads]
