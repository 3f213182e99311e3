"""The build's SHACL engine (kg.rdf.shacl) against pyshacl on the real graph, intact and broken."""

from __future__ import annotations

import random
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.rdf import validate
from kg.query.service import Service
from kg.rdf.shacl import Unsupported, compile_shapes
from kg.rdf.validate import validate_quads
from kg.rdf.vocab import SHAPES_FILE

POL = "https://w3id.org/policy-kg/ontology#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD = "http://www.w3.org/2001/XMLSchema#"


def _pol(name: str) -> ox.NamedNode:
    return ox.NamedNode(POL + name)


@pytest.fixture(scope="module")
def quads(service: Service) -> list[ox.Quad]:
    return list(service.store.quads_for_pattern(None, None, None, None))


def _instances(quads: list[ox.Quad], cls: str) -> list[ox.NamedNode | ox.BlankNode]:
    return sorted({q.subject for q in quads if q.predicate == RDF_TYPE and q.object == _pol(cls)}, key=str)


def _break(quads: list[ox.Quad], seed: int) -> list[ox.Quad]:
    """The graph with a dozen kinds of damage, each on a few nodes chosen with ``seed``."""
    rng = random.Random(seed)
    passages = rng.sample(_instances(quads, "Passage"), 6)
    mentions = rng.sample(_instances(quads, "Mention"), 4)
    observations = rng.sample(_instances(quads, "Observation"), 2)
    targets = rng.sample(_instances(quads, "Target"), 2)
    documents = _instances(quads, "Document")
    graph = quads[0].graph_name

    def drop(subject: object, predicate: str) -> None:
        quads[:] = [q for q in quads if not (q.subject == subject and q.predicate.value.endswith(predicate))]

    quads = list(quads)
    drop(passages[0], "#text")  # minCount
    quads.append(ox.Quad(passages[1], _pol("text"), ox.Literal("再一段"), graph))  # maxCount
    drop(passages[2], "#start")
    quads.append(ox.Quad(passages[2], _pol("start"), ox.Literal("99999", datatype=ox.NamedNode(XSD + "integer")),
                         graph))  # start not before end
    quads.append(ox.Quad(passages[3], _pol("passageKind"), ox.Literal("footnote"), graph))  # sh:in
    drop(passages[4], "#end")
    quads.append(ox.Quad(passages[4], _pol("end"), ox.Literal("12.5", datatype=ox.NamedNode(XSD + "decimal")),
                         graph))  # datatype
    quads.append(ox.Quad(passages[5], _pol("text"), ox.Literal("带语言", language="zh"), graph))  # langString
    drop(mentions[0], "#mentionOf")
    quads.append(ox.Quad(mentions[0], _pol("mentionOf"), passages[0], graph))  # sh:class
    drop(mentions[1], "#start")
    quads.append(ox.Quad(mentions[1], _pol("start"), ox.Literal("-3", datatype=ox.NamedNode(XSD + "integer")),
                         graph))  # minInclusive
    drop(mentions[2], "#surface")
    drop(observations[0], "#year")
    drop(observations[0], "#asOf")  # the node-level sh:or
    quads.append(ox.Quad(observations[1], _pol("isBaseline"), ox.Literal("yes"), graph))
    drop(targets[0], "#indicator")
    quads.append(ox.Quad(targets[1], _pol("comparator"), ox.Literal("~"), graph))
    drop(documents[0], "/title")
    sections = _instances(quads, "Section")
    drop(sections[0], "/isPartOf")
    quads.append(ox.Quad(sections[1], ox.NamedNode("http://purl.org/dc/terms/isPartOf"), mentions[3], graph))
    return quads


def test_engines_agree_on_the_intact_graph(quads: list[ox.Quad]) -> None:
    assert validate_quads(quads) == []
    assert validate_quads(quads, engine="pyshacl") == []


@pytest.mark.parametrize("seed", [0, 1])
def test_engines_agree_on_a_broken_graph(quads: list[ox.Quad], seed: int) -> None:
    broken = _break(quads, seed)
    native = validate_quads(broken)
    reference = validate_quads(broken, engine="pyshacl")
    assert len(native) >= 15  # every kind of damage is seen (pairs such as maxCount/lessThan add more)
    assert native == reference


def test_the_same_triple_in_two_graphs_counts_once(quads: list[ox.Quad]) -> None:
    passage = _instances(quads, "Passage")[0]
    text = next(q for q in quads if q.subject == passage and q.predicate == _pol("text"))
    copy = ox.Quad(text.subject, text.predicate, text.object, ox.NamedNode("https://example.org/other"))
    assert validate_quads([*quads, copy]) == []


def test_unsupported_shapes_fall_back_to_pyshacl(tmp_path: Path, quads: list[ox.Quad],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(SHAPES_FILE.read_text(encoding="utf-8") + """
polsh:TitlePattern a sh:NodeShape ; sh:targetClass pol:Document ;
    sh:property [ sh:path dcterms:title ; sh:pattern "^never$" ; sh:message "pattern"@en ] .
""", encoding="utf-8")
    with pytest.raises(Unsupported, match="pattern"):
        compile_shapes(shapes)
    monkeypatch.setattr(validate, "SHAPES_FILE", shapes)
    validate._compiled.cache_clear()
    try:
        found = validate_quads(quads)
    finally:
        monkeypatch.undo()
        validate._compiled.cache_clear()
    assert {v.message for v in found} == {"pattern"}
    assert len(found) == len(_instances(quads, "Document"))


def test_unknown_engine_is_refused(quads: list[ox.Quad]) -> None:
    with pytest.raises(ValueError, match="unknown validation engine"):
        validate_quads(quads[:10], engine="fast")
