"""SHACL validation of a build's graph against ontology/shapes.ttl.

Two engines give the same answer: the default, :mod:`kg.rdf.shacl`, checks the constraint
components the shapes use in one pass over the quads (seconds for a million triples);
``engine="pyshacl"`` runs the reference implementation (minutes at that size, and a full
rdflib copy of the graph in memory). When the shapes use a feature :mod:`kg.rdf.shacl` does not
implement, pyshacl is used whatever ``engine`` says, so no constraint is silently skipped.

The ontology is passed as ``ont_graph``/superclass closure so that ``sh:class`` and
``sh:targetClass`` see subclasses (a Table is a Section, an Indicator is an Entity) without
copying the ontology into the data.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Iterable

import pyoxigraph as ox

from kg.rdf.shacl import Shape, Unsupported, Validator, Violation, compile_shapes
from kg.rdf.vocab import ONTOLOGY_FILE, SHAPES_FILE

log = logging.getLogger(__name__)

ENGINES = ("native", "pyshacl")


@lru_cache(maxsize=1)
def _compiled() -> tuple[list[Shape] | None, str]:
    """The compiled shapes, or None and why they cannot be compiled."""
    try:
        return compile_shapes(SHAPES_FILE), ""
    except Unsupported as why:
        return None, str(why)


@lru_cache(maxsize=1)
def _ontology_triples() -> list[ox.Triple]:
    return list(ox.parse(path=str(ONTOLOGY_FILE), format=ox.RdfFormat.TURTLE))


class Checker:
    """Validation fed in pieces: :meth:`add` quads as they are made, then ask for :meth:`violations`.

    The native engine keeps only the values the shapes read, so a build can write each
    document's quads to disk and drop them before the next; pyshacl needs them all.
    """

    def __init__(self, engine: str = "native") -> None:
        if engine not in ENGINES:
            raise ValueError(f"unknown validation engine {engine!r}; use one of {', '.join(ENGINES)}")
        self._validator: Validator | None = None
        self._kept: list[ox.Quad] = []
        if engine == "native":
            shapes, why = _compiled()
            if shapes is not None:
                self._validator = Validator(shapes, _ontology_triples())
            else:
                log.warning("validating with pyshacl: %s", why)

    def add(self, quads: Iterable[ox.Quad]) -> None:
        """Take in more quads (the union of their graphs is validated)."""
        if self._validator is not None:
            self._validator.add(quads)
        else:
            self._kept.extend(quads)

    def violations(self) -> list[Violation]:
        """Every violation of what was added, sorted; an empty list means it conforms."""
        if self._validator is not None:
            return self._validator.violations()
        return _pyshacl(self._kept)


def validate_quads(quads: Iterable[ox.Quad], engine: str = "native") -> list[Violation]:
    """Validate the union of the quads' graphs; an empty list means the graph conforms."""
    checker = Checker(engine)
    checker.add(quads)
    return checker.violations()


def _pyshacl(quads: Iterable[ox.Quad]) -> list[Violation]:
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
    out = set()
    for result in report.subjects(predicate=SH.resultSeverity, object=SH.Violation):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        message = report.value(result, SH.resultMessage)
        out.add(Violation(str(focus), str(path or ""), str(message or "")))
    return sorted(out, key=str)


__all__ = ["ENGINES", "Checker", "Violation", "validate_quads"]
