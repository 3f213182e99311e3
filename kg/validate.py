"""SHACL validation of a build's graph against ontology/shapes.ttl (with pyshacl).

The ontology is passed as ``ont_graph`` so that ``sh:class`` sees subclasses
(a Table is a Section, an Indicator is an Entity) without copying the ontology into
the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import pyoxigraph as ox

from kg.vocab import ONTOLOGY_FILE, SHAPES_FILE


@dataclass(frozen=True)
class Violation:
    """One SHACL result: the focus node, the property path and the message."""

    focus: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.focus} {self.path}: {self.message}"


def validate_quads(quads: Iterable[ox.Quad]) -> list[Violation]:
    """Validate the union of the quads' graphs; an empty list means the graph conforms."""
    from pyshacl import validate
    from rdflib import Graph
    from rdflib.namespace import SH

    triples = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads],
                           format=ox.RdfFormat.N_TRIPLES)
    data = Graph().parse(data=triples, format="nt")
    shapes = Graph().parse(SHAPES_FILE, format="turtle")
    ontology = Graph().parse(ONTOLOGY_FILE, format="turtle")
    conforms, report, _ = validate(data, shacl_graph=shapes, ont_graph=ontology, inference="none",
                                   advanced=True, allow_warnings=True)
    if conforms:
        return []
    out = []
    for result in report.subjects(predicate=SH.resultSeverity, object=SH.Violation):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        message = report.value(result, SH.resultMessage)
        out.append(Violation(str(focus), str(path or ""), str(message or "")))
    return sorted(out, key=str)
