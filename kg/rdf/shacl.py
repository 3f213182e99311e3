"""A SHACL Core validator for the constraint components policy-kg's shapes use, in one pass.

pyshacl copies the whole graph into rdflib and walks it in Python per shape and focus node;
on a corpus of a few hundred documents (a million triples) that took minutes and gigabytes.
This engine indexes only the predicates the shapes mention, once, and checks each focus node
against its shapes with dictionary lookups: seconds, and memory for the indexed values only.

Supported: ``sh:targetClass`` (instances of subclasses included, through the ontology),
``sh:property`` with an IRI ``sh:path``, ``sh:minCount``, ``sh:maxCount``, ``sh:datatype``,
``sh:class``, ``sh:in``, ``sh:lessThan``, ``sh:minInclusive``/``sh:maxInclusive``/
``sh:minExclusive``/``sh:maxExclusive``, ``sh:or`` (of node or property shapes) and
``sh:message``. :func:`compile_shapes` raises :class:`Unsupported` for anything else, so a
shapes file that grows beyond this subset is validated by pyshacl instead of half-checked
(see :func:`kg.rdf.validate.validate_quads`). tests/test_validate.py checks that both engines report
the same violations on corrupted graphs.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox

SH = "http://www.w3.org/ns/shacl#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDF_FIRST = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#first")
RDF_REST = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#rest")
RDF_NIL = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#nil")
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
SUBCLASS_OF = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")
XSD = "http://www.w3.org/2001/XMLSchema#"

#: Predicates of a shape this engine understands; anything else in a shape is Unsupported.
_KNOWN = {SH + name for name in (
    "targetClass", "property", "path", "minCount", "maxCount", "datatype", "class", "in", "lessThan",
    "minInclusive", "maxInclusive", "minExclusive", "maxExclusive", "or", "message", "name", "description",
    "order", "group", "severity")} | {RDF_TYPE.value, "http://www.w3.org/2000/01/rdf-schema#label",
                                      "http://www.w3.org/2000/01/rdf-schema#comment"}
_RANGES = {"minInclusive": lambda c: c >= 0, "maxInclusive": lambda c: c <= 0,
           "minExclusive": lambda c: c > 0, "maxExclusive": lambda c: c < 0}

# Lexical forms of the datatypes whose well-formedness sh:datatype also checks.
_LEXICAL = {
    XSD + "integer": re.compile(r"[+-]?[0-9]+"),
    XSD + "decimal": re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)"),
    XSD + "boolean": re.compile(r"true|false|1|0"),
    XSD + "date": re.compile(r"-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(Z|[+-][0-9]{2}:[0-9]{2})?"),
    XSD + "gYearMonth": re.compile(r"-?[0-9]{4,}-(0[1-9]|1[0-2])(Z|[+-][0-9]{2}:[0-9]{2})?"),
}
_NUMERIC = {XSD + name for name in ("integer", "decimal", "double", "float", "int", "long", "short",
                                    "nonNegativeInteger", "positiveInteger", "negativeInteger",
                                    "nonPositiveInteger", "unsignedInt", "unsignedLong")}

Term = ox.NamedNode | ox.BlankNode | ox.Literal


class Unsupported(ValueError):
    """The shapes use a SHACL feature this engine does not implement."""


@dataclass(frozen=True)
class Violation:
    """One SHACL result: the focus node, the property path and the message."""

    focus: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.focus} {self.path}: {self.message}"


@dataclass
class Shape:
    """A node shape (``path`` None) or a property shape, with the constraints it carries."""

    id: str
    path: ox.NamedNode | None = None
    min_count: int | None = None
    max_count: int | None = None
    datatype: str | None = None
    classes: list[str] = field(default_factory=list)
    allowed: frozenset[Term] | None = None
    less_than: ox.NamedNode | None = None
    ranges: list[tuple[str, ox.Literal]] = field(default_factory=list)
    alternatives: list[Shape] = field(default_factory=list)  # sh:or
    properties: list[Shape] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    message: str = ""

    def predicates(self) -> set[ox.NamedNode]:
        """Every predicate this shape and the shapes inside it read."""
        found = {p for p in (self.path, self.less_than) if p is not None}
        for inner in (*self.alternatives, *self.properties):
            found |= inner.predicates()
        return found


def compile_shapes(shapes_file: Path) -> list[Shape]:
    """The node shapes with targets in a Turtle shapes file."""
    store = ox.Store()
    store.load(path=str(shapes_file), format=ox.RdfFormat.TURTLE)
    built: dict[Term, Shape] = {}

    def objects(subject: Term, name: str) -> list[Term]:
        return [q.object for q in store.quads_for_pattern(subject, ox.NamedNode(SH + name), None)]

    def one(subject: Term, name: str) -> Term | None:
        values = objects(subject, name)
        if len(values) > 1:
            raise Unsupported(f"{subject} has {len(values)} values of sh:{name}")
        return values[0] if values else None

    def items(head: Term) -> list[Term]:
        out = []
        while head != RDF_NIL:
            out.append(next(q.object for q in store.quads_for_pattern(head, RDF_FIRST, None)))
            head = next(q.object for q in store.quads_for_pattern(head, RDF_REST, None))
        return out

    def shape(node: Term) -> Shape:
        if node in built:
            return built[node]
        for q in store.quads_for_pattern(node, None, None):
            if q.predicate.value not in _KNOWN:
                raise Unsupported(f"{node} uses {q.predicate.value}")
        severity = one(node, "severity")
        if severity is not None and severity.value != SH + "Violation":
            raise Unsupported(f"{node} has severity {severity.value}; only sh:Violation is supported")
        result = Shape(id=str(node))
        built[node] = result
        path = one(node, "path")
        if path is not None and not isinstance(path, ox.NamedNode):
            raise Unsupported(f"{node}: only IRI paths are supported")
        result.path = path
        for name, attribute in (("minCount", "min_count"), ("maxCount", "max_count")):
            value = one(node, name)
            if value is not None:
                setattr(result, attribute, int(value.value))
        datatype = one(node, "datatype")
        result.datatype = datatype.value if datatype is not None else None
        result.classes = [c.value for c in objects(node, "class")]
        allowed = one(node, "in")
        result.allowed = frozenset(items(allowed)) if allowed is not None else None
        less_than = one(node, "lessThan")
        result.less_than = less_than if isinstance(less_than, ox.NamedNode) else None
        result.ranges = [(name, value) for name in _RANGES for value in objects(node, name)
                         if isinstance(value, ox.Literal)]
        result.alternatives = [shape(alternative) for head in objects(node, "or") for alternative in items(head)]
        result.properties = [shape(p) for p in objects(node, "property")]
        result.targets = [t.value for t in objects(node, "targetClass")]
        message = one(node, "message")
        result.message = message.value if message is not None else ""
        return result

    shape_type = ox.NamedNode(SH + "NodeShape")
    roots = [q.subject for q in store.quads_for_pattern(None, RDF_TYPE, shape_type)]
    roots += [q.subject for q in store.quads_for_pattern(None, ox.NamedNode(SH + "targetClass"), None)
              if q.subject not in roots]
    return [s for s in (shape(r) for r in roots) if s.targets]


def superclasses(ontology_triples: Iterable[ox.Triple | ox.Quad]) -> dict[str, set[str]]:
    """Each class → itself and every class it is a subclass of (transitively)."""
    parents: dict[str, set[str]] = defaultdict(set)
    for t in ontology_triples:
        if t.predicate == SUBCLASS_OF and isinstance(t.object, ox.NamedNode):
            parents[t.subject.value].add(t.object.value)
    closure: dict[str, set[str]] = {}

    def up(cls: str, seen: frozenset[str] = frozenset()) -> set[str]:
        if cls in closure:
            return closure[cls]
        out = {cls}
        for parent in parents.get(cls, ()):
            if parent not in seen:
                out |= up(parent, seen | {cls})
        closure[cls] = out
        return out

    for cls in list(parents):
        up(cls)
    return closure


class Validator:
    """Checks quads against compiled shapes; feed it quads, then ask for :meth:`violations`."""

    def __init__(self, shapes: list[Shape], ontology_triples: Iterable[ox.Triple | ox.Quad]) -> None:
        self.shapes = shapes
        self._supers = superclasses(ontology_triples)
        self._wanted = {p for s in shapes for p in s.predicates()}
        self._types: dict[Term, set[str]] = defaultdict(set)
        self._values: dict[ox.NamedNode, dict[Term, list[Term]]] = {p: defaultdict(list) for p in self._wanted}

    def add(self, quads: Iterable[ox.Quad | ox.Triple]) -> None:
        """Index the triples of ``quads`` (the union of their graphs is validated)."""
        for q in quads:
            predicate = q.predicate
            if predicate == RDF_TYPE:
                self._types[q.subject].add(q.object.value)
            elif predicate in self._wanted:
                values = self._values[predicate][q.subject]
                if q.object not in values:  # the same triple in two named graphs is one triple
                    values.append(q.object)

    def _is_instance(self, node: Term, cls: str) -> bool:
        return any(cls in self._supers.get(t, {t}) for t in self._types.get(node, ()))

    def violations(self) -> list[Violation]:
        """Every violation, sorted; an empty list means the graph conforms."""
        by_class: dict[str, list[Shape]] = defaultdict(list)
        for shape in self.shapes:
            for cls in shape.targets:
                by_class[cls].append(shape)
        shapes_of: dict[frozenset[str], list[Shape]] = {}  # a node's types → the shapes targeting it
        out: set[Violation] = set()
        for node, types in self._types.items():
            key = frozenset(types)
            if key not in shapes_of:
                found = {id(s): s for t in types for c in self._supers.get(t, {t}) for s in by_class.get(c, ())}
                shapes_of[key] = list(found.values())
            for shape in shapes_of[key]:
                out.update(self._check(shape, node))
        return sorted(out, key=str)

    def _values_of(self, node: Term, path: ox.NamedNode) -> list[Term]:
        return self._values[path].get(node, [])

    def _check(self, shape: Shape, focus: Term) -> list[Violation]:
        """Violations of ``shape`` with ``focus`` as its focus node."""
        out: list[Violation] = []
        path = shape.path
        values = self._values_of(focus, path) if path is not None else [focus]
        name = path.value if path is not None else ""

        def fail() -> None:
            out.append(Violation(focus.value, name, shape.message or f"{shape.id} not satisfied"))

        if shape.min_count is not None and len(values) < shape.min_count:
            fail()
        if shape.max_count is not None and len(values) > shape.max_count:
            fail()
        for value in values:
            if shape.datatype is not None and not _has_datatype(value, shape.datatype):
                fail()
            for cls in shape.classes:
                if not self._is_instance(value, cls):
                    fail()
            if shape.allowed is not None and value not in shape.allowed:
                fail()
            for kind, bound in shape.ranges:
                order = _compare(value, bound)
                if order is None or not _RANGES[kind](order):
                    fail()
            if shape.less_than is not None:
                for other in self._values_of(focus, shape.less_than):
                    order = _compare(value, other)
                    if order is None or order >= 0:
                        fail()
            if shape.alternatives and not any(not self._check(alt, value) for alt in shape.alternatives):
                fail()
        for inner in shape.properties:
            for value in values:
                out.extend(self._check(inner, value))
        return out


def _has_datatype(value: Term, datatype: str) -> bool:
    if not isinstance(value, ox.Literal) or value.datatype.value != datatype:
        return False
    pattern = _LEXICAL.get(datatype)
    return pattern is None or pattern.fullmatch(value.value) is not None


def _compare(a: Term, b: Term) -> int | None:
    """-1, 0 or 1 comparing two literals as SPARQL would; None when they are not comparable."""
    if not isinstance(a, ox.Literal) or not isinstance(b, ox.Literal):
        return None
    if a.datatype.value in _NUMERIC and b.datatype.value in _NUMERIC:
        try:
            x, y = Decimal(a.value), Decimal(b.value)
        except InvalidOperation:
            return None
    elif a.datatype == b.datatype and a.datatype.value != RDF_LANG_STRING:
        x, y = a.value, b.value  # type: ignore[assignment]
    else:
        return None
    return (x > y) - (x < y)
