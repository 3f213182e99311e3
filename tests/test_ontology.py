"""The ontology, its SHACL shapes and kg.rdf.vocab agree with each other, and the shapes say what they mean."""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox
import pyshacl
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import SH

from kg.rdf.validate import validate_quads
from kg.rdf.vocab import (
    DCTERMS,
    ID,
    ONTOLOGY_FILE,
    OWL,
    POL,
    PROV,
    RDF,
    RDFS,
    SHAPES_FILE,
    bind_prefixes,
)

# pyshacl 0.40 calls rdflib Dataset APIs that rdflib 7.6 deprecates, thousands of times per
# validation; the noise would hide warnings that are ours.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Dataset.identifier is deprecated:DeprecationWarning"),
]

POL_NS = str(POL)
DECLARING_TYPES = (OWL.Class, OWL.DatatypeProperty, OWL.ObjectProperty)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_FILE)


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES_FILE)


def pol_terms_in(graph: Graph) -> set[URIRef]:
    """Every pol: IRI appearing anywhere in *graph* (subject, predicate or object)."""
    return {
        term
        for triple in graph
        for term in triple
        if isinstance(term, URIRef) and str(term).startswith(POL_NS)
    }


def declared_terms(ontology: Graph) -> set[URIRef]:
    """The pol: terms policy.ttl declares as a class or property."""
    return {
        subject
        for rdf_type in DECLARING_TYPES
        for subject in ontology.subjects(RDF.type, rdf_type)
        if isinstance(subject, URIRef) and str(subject).startswith(POL_NS)
    }


# --- the three files cannot drift apart ------------------------------------------------


def test_every_pol_term_used_in_shapes_is_declared(ontology: Graph, shapes: Graph) -> None:
    undeclared = pol_terms_in(shapes) - declared_terms(ontology)
    assert not undeclared, f"shapes.ttl uses terms policy.ttl does not declare: {sorted(undeclared)}"


def test_every_pol_term_used_in_ontology_is_declared(ontology: Graph) -> None:
    undeclared = pol_terms_in(ontology) - declared_terms(ontology)
    assert not undeclared, f"policy.ttl uses terms it does not declare: {sorted(undeclared)}"


def test_vocab_pol_matches_ontology(ontology: Graph) -> None:
    in_ontology = declared_terms(ontology)
    in_vocab = set(dir(POL))
    assert sorted(in_ontology - in_vocab) == [], "declared in policy.ttl but missing from kg.rdf.vocab.POL"
    assert sorted(in_vocab - in_ontology) == [], "in kg.rdf.vocab.POL but not declared in policy.ttl"


def test_every_term_has_english_and_chinese_label_and_a_comment(ontology: Graph) -> None:
    for term in declared_terms(ontology):
        languages = {label.language for label in ontology.objects(term, RDFS.label)}
        assert languages == {"en", "zh"}, f"{term}: rdfs:label languages are {languages}"
        assert ontology.value(term, RDFS.comment) is not None, f"{term} has no rdfs:comment"


def test_ontology_header(ontology: Graph) -> None:
    (header,) = ontology.subjects(RDF.type, OWL.Ontology)
    assert ontology.value(header, OWL.versionInfo) is not None
    assert {t.language for t in ontology.objects(header, DCTERMS.title)} == {"en", "zh"}
    assert str(ID) in str(ontology.value(header, RDFS.comment))


def test_shape_targets_include_every_subclass(ontology: Graph, shapes: Graph) -> None:
    """A shape targeting a class also targets its subclasses, so it works without the ontology."""
    for shape in set(shapes.subjects(SH.targetClass, None)):
        targets = set(shapes.objects(shape, SH.targetClass))
        for target in list(targets):
            subclasses = set(ontology.transitive_subjects(RDFS.subClassOf, target)) - {target}
            missing = subclasses - targets
            assert not missing, f"{shape} targets {target} but not its subclasses {sorted(missing)}"


def test_undefined_term_is_refused() -> None:
    with pytest.raises(AttributeError, match="term 'mention' not in namespace"):
        POL.mention  # noqa: B018 — the lookup itself is what is tested


def test_bind_prefixes_gives_short_names() -> None:
    graph = bind_prefixes(Graph())
    graph.add((ID["passage/abc"], RDF.type, POL.Passage))
    turtle = graph.serialize(format="turtle")
    assert "@prefix pol: <https://w3id.org/policy-kg/ontology#> ." in turtle
    assert "pol:Passage" in turtle


# --- the shapes accept a valid graph and reject broken ones -----------------------------

VALID_GRAPH = """
@prefix pol:     <https://w3id.org/policy-kg/ontology#> .
@prefix id:      <https://w3id.org/policy-kg/id/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov:    <http://www.w3.org/ns/prov#> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .

id:doc\\/plan a pol:Document ;
    dcterms:title "广西卫生健康发展“十四五”规划"@zh ;
    pol:documentKind "plan" ;
    dcterms:issued "2021-09-01"^^xsd:date ;
    pol:normalisedText "一、发展目标\\n到2025年，人均预期寿命达到78岁以上。" ;
    pol:cites id:cited\\/c1 .

id:cited\\/c1 a pol:CitedDocument ;
    pol:documentNumber "桂卫医发〔2018〕29号" .

id:section\\/s1 a pol:Section ;
    dcterms:isPartOf id:doc\\/plan ;
    pol:level 1 ;
    pol:headingNumber "一、" ;
    pol:start 0 ;
    pol:end 31 .

id:section\\/t1 a pol:Table ;
    dcterms:isPartOf id:section\\/s1 .

id:passage\\/p1 a pol:Passage ;
    pol:text "到2025年，人均预期寿命达到78岁以上。" ;
    pol:start 7 ;
    pol:end 31 ;
    pol:passageKind "text" ;
    dcterms:isPartOf id:section\\/s1 .

id:passage\\/row1 a pol:Passage ;
    pol:text "人均预期寿命 岁 78" ;
    pol:start 7 ;
    pol:end 31 ;
    pol:passageKind "table_row" ;
    dcterms:isPartOf id:section\\/t1 .

id:mention\\/m1 a pol:Mention ;
    pol:inPassage id:passage\\/p1 ;
    pol:mentionOf id:entity\\/indicator\\/life ;
    pol:surface "人均预期寿命" ;
    pol:start 14 ;
    pol:end 20 .

id:entity\\/indicator\\/life a pol:Indicator ;
    rdfs:label "人均预期寿命"@zh ;
    skos:altLabel "预期寿命"@zh ;
    pol:unit "岁" ;
    pol:hasTarget id:target\\/t1 .

id:target\\/t1 a pol:Target ;
    pol:indicator id:entity\\/indicator\\/life ;
    pol:year 2025 ;
    pol:setBy id:doc\\/plan ;
    pol:comparator "≥" ;
    pol:valueText "78岁以上" ;
    pol:numericValue 78.0 ;
    pol:attribute "预期性" ;
    prov:wasDerivedFrom id:passage\\/p1 .

id:observation\\/o1 a pol:Observation ;
    pol:indicator id:entity\\/indicator\\/life ;
    pol:reportedIn id:doc\\/plan ;
    pol:year 2020 ;
    pol:isBaseline true ;
    prov:wasDerivedFrom id:passage\\/row1 .

id:entity\\/specialcolumn\\/1 a pol:SpecialColumn ;
    rdfs:label "健康广西重大工程"@zh ;
    pol:ordinal 1 ;
    pol:hasItem id:entity\\/programme\\/p .

id:entity\\/programme\\/p a pol:Programme ;
    rdfs:label "健康知识普及行动"@zh .
"""


def valid_graph() -> Graph:
    """A small hand-made graph that follows every rule of shapes.ttl."""
    return Graph().parse(data=VALID_GRAPH, format="turtle")


def violation_messages(data: Graph) -> set[str]:
    """Validate *data* the way the build does (ontology mixed in) and return the messages."""
    conforms, results, _ = pyshacl.validate(
        data, shacl_graph=str(SHAPES_FILE), ont_graph=str(ONTOLOGY_FILE), inference="none"
    )
    messages = {str(m) for m in results.objects(None, SH.resultMessage)}
    assert conforms == (not messages)
    # The build's own engine (kg.rdf.shacl) must find exactly what pyshacl finds.
    quads = ox.parse(data.serialize(format="nt"), format=ox.RdfFormat.N_TRIPLES)
    assert {v.message for v in validate_quads(quads)} == messages
    return messages


def test_valid_graph_conforms() -> None:
    assert violation_messages(valid_graph()) == set()


def test_without_the_ontology_subclasses_are_not_seen() -> None:
    """Why validation mixes in policy.ttl: sh:class follows rdfs:subClassOf only in the data."""
    conforms, results, _ = pyshacl.validate(
        valid_graph(), shacl_graph=str(SHAPES_FILE), inference="none"
    )
    assert not conforms
    assert {str(m) for m in results.objects(None, SH.resultMessage)} == {
        "A Passage must be dcterms:isPartOf exactly one pol:Section.",  # the row of a pol:Table
        "A Mention needs exactly one pol:mentionOf, a pol:Entity.",  # names a pol:Indicator
    }


def set_value(subject: URIRef, predicate: URIRef, value: Literal) -> Callable[[Graph], None]:
    return lambda g: g.set((subject, predicate, value))


def remove(subject: URIRef, predicate: URIRef) -> Callable[[Graph], None]:
    return lambda g: g.remove((subject, predicate, None))


def add(subject: URIRef, predicate: URIRef, value: URIRef | Literal) -> Callable[[Graph], None]:
    return lambda g: g.add((subject, predicate, value))


BROKEN = {
    "mention end equals start": (
        set_value(ID["mention/m1"], POL.end, Literal(14)),
        "A Mention's pol:end must be greater than its pol:start.",
    ),
    "mention end before start": (
        set_value(ID["mention/m1"], POL.end, Literal(3)),
        "A Mention's pol:end must be greater than its pol:start.",
    ),
    "target without setBy": (
        remove(ID["target/t1"], POL.setBy),
        "A Target needs exactly one pol:setBy, the pol:Document that sets it.",
    ),
    "passage without text": (
        remove(ID["passage/p1"], POL.text),
        "A Passage needs exactly one pol:text, a plain xsd:string.",
    ),
    "passage with negative start": (
        set_value(ID["passage/p1"], POL.start, Literal(-1)),
        "A Passage needs exactly one pol:start, an xsd:integer >= 0.",
    ),
    "passage in a document, not a section": (
        set_value(ID["passage/p1"], DCTERMS.isPartOf, ID["doc/plan"]),
        "A Passage must be dcterms:isPartOf exactly one pol:Section.",
    ),
    "unknown document kind": (
        set_value(ID["doc/plan"], POL.documentKind, Literal("report")),
        'A Document needs exactly one pol:documentKind, one of "plan", "news", "bulletin".',
    ),
    "section part of a passage": (
        set_value(ID["section/s1"], DCTERMS.isPartOf, ID["passage/p1"]),
        "A Section must be dcterms:isPartOf exactly one pol:Document or pol:Section.",
    ),
    "unknown comparator": (
        set_value(ID["target/t1"], POL.comparator, Literal("=>")),
        'A Target has at most one pol:comparator, one of "≤", "≥", "<", ">", "≈", "=".',
    ),
    "target year as a string": (
        set_value(ID["target/t1"], POL.year, Literal("2025")),
        "A Target needs exactly one pol:year, an xsd:integer.",
    ),
    "observation without year or date": (
        remove(ID["observation/o1"], POL.year),
        "An Observation needs a pol:year or a pol:asOf date.",
    ),
    "observation with two sources": (
        add(ID["observation/o1"], PROV.wasDerivedFrom, ID["passage/p1"]),
        "An Observation needs exactly one prov:wasDerivedFrom, the passage it was read from.",
    ),
    "programme with two labels": (
        add(ID["entity/programme/p"], RDFS.label, Literal("全民健康素养促进行动", lang="zh")),
        "An Entity needs exactly one rdfs:label (put other names in skos:altLabel).",
    ),
    "special column without ordinal": (
        remove(ID["entity/specialcolumn/1"], POL.ordinal),
        "A SpecialColumn needs exactly one pol:ordinal, its 专栏 number as an xsd:integer.",
    ),
    "mention of a passage, not an entity": (
        set_value(ID["mention/m1"], POL.mentionOf, ID["passage/p1"]),
        "A Mention needs exactly one pol:mentionOf, a pol:Entity.",
    ),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_broken_graph_is_rejected_with_its_message(case: str) -> None:
    break_graph, expected = BROKEN[case]
    data = valid_graph()
    break_graph(data)
    assert violation_messages(data) == {expected}


def test_blank_node_mention_is_validated_too() -> None:
    """Shapes target by class, so a mention minted without an IRI is still checked."""
    data = valid_graph()
    mention = BNode()
    data.add((mention, RDF.type, POL.Mention))
    assert violation_messages(data) == {
        "A Mention needs exactly one pol:inPassage, a pol:Passage.",
        "A Mention needs exactly one pol:mentionOf, a pol:Entity.",
        "A Mention needs exactly one pol:surface.",
        "A Mention needs exactly one pol:start, an xsd:integer >= 0.",
        "A Mention needs exactly one pol:end, an xsd:integer.",
    }
