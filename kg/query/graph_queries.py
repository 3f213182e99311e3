"""Read-only graph queries used by the service: entities, their mentions, properties and neighbours.

User text never enters a query string: values are bound with SPARQL substitutions
(pyoxigraph ``substitutions=``), so quotes, braces or comment characters in a name
are matched literally.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from kg.rdf.vocab import ID, POL, PREFIXES

_PREFIXES = dict(PREFIXES)
ENTITY_PREFIX = f"{ID}entity/"


def select(store: ox.Store, query: str, **bindings: ox.NamedNode | ox.Literal) -> list[dict[str, Any]]:
    """Run a SELECT over the union of the named graphs; rows as {variable: python value}."""
    # pyoxigraph substitutes only variables that the query projects, so every
    # parametrised query below lists its bound variables in SELECT.
    substitutions = {ox.Variable(name): value for name, value in bindings.items()}
    result = store.query(query, prefixes=_PREFIXES, use_default_graph_as_union=True,
                         substitutions=substitutions or None)
    names = [v.value for v in result.variables]
    rows = []
    for solution in result:
        rows.append({name: _py(solution[name]) for name in names})
    return rows


def _py(term: Any) -> Any:
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value if term.datatype else ""
        if datatype.endswith("#integer"):
            return int(term.value)
        if datatype.endswith("#decimal") or datatype.endswith("#double"):
            return float(term.value)
        if datatype.endswith("#boolean"):
            return term.value == "true"
        return term.value
    return term.value


def entity_type_of(iri: str) -> str:
    """The entity type encoded in an entity IRI (id/entity/{type}/{id})."""
    rest = iri[len(ENTITY_PREFIX):] if iri.startswith(ENTITY_PREFIX) else ""
    return rest.split("/", 1)[0] if "/" in rest else ""


@dataclass
class EntitySummary:
    """One row of ``kg entities``."""

    iri: str
    type: str
    label: str
    aliases: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    mentions: int = 0


ENTITY_LIST = """
SELECT ?e ?label (GROUP_CONCAT(DISTINCT STR(?alias); SEPARATOR="\\u001f") AS ?aliases)
       (GROUP_CONCAT(DISTINCT STR(?doc); SEPARATOR="\\u001f") AS ?docs) (COUNT(DISTINCT ?m) AS ?n)
WHERE {
  ?e a/rdfs:subClassOf* pol:Entity ; rdfs:label ?label .
  OPTIONAL { ?e skos:altLabel ?alias }
  # A 专栏 box is printed in no passage, so it has no mention: its document is the one its
  # section is part of.
  OPTIONAL {
    { ?m pol:mentionOf ?e ; pol:inPassage/dcterms:isPartOf+ ?doc }
    UNION { ?e prov:wasDerivedFrom/dcterms:isPartOf* ?doc }
    ?doc a pol:Document
  }
}
GROUP BY ?e ?label
ORDER BY ?label
"""


CITED_LIST = """
SELECT ?e ?label (GROUP_CONCAT(DISTINCT STR(?number); SEPARATOR="\\u001f") AS ?aliases)
       (GROUP_CONCAT(DISTINCT STR(?doc); SEPARATOR="\\u001f") AS ?docs) (COUNT(DISTINCT ?doc) AS ?n)
WHERE {
  ?e a pol:CitedDocument ; rdfs:label ?label .
  OPTIONAL { ?e pol:documentNumber ?number }
  OPTIONAL { ?doc pol:cites ?e . ?doc a pol:Document }
}
GROUP BY ?e ?label
ORDER BY ?label
"""
#: The type ``kg entities`` gives a cited document (not a pol:Entity: its IRI is id/cited/…).
CITED_TYPE = "citeddocument"


def list_entities(store: ox.Store, entity_type: str | None = None) -> list[EntitySummary]:
    """Every entity with its label, aliases, documents and mention count; cited documents (type
    ``citeddocument``) with their document number as alias, the documents citing them, and how
    many do."""
    out = []
    for query, fixed in ((ENTITY_LIST, None), (CITED_LIST, CITED_TYPE)):
        for row in select(store, query):
            kind = fixed or entity_type_of(row["e"])
            if entity_type and kind != entity_type:
                continue
            docs = [d.rsplit("/", 1)[-1] for d in (row["docs"] or "").split("\x1f") if d]
            aliases = [a for a in (row["aliases"] or "").split("\x1f") if a and a != row["label"]]
            out.append(EntitySummary(row["e"], kind, row["label"], sorted(aliases), sorted(docs), row["n"] or 0))
    return out


PROPERTIES = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
INCOMING = "SELECT ?s ?p ?o WHERE { ?s ?p ?o . FILTER(?p != pol:mentionOf) }"
MENTIONS = """
SELECT ?o ?m ?surface ?start ?end ?passage ?doc ?title ?date WHERE {
  ?m pol:mentionOf ?o ; pol:surface ?surface ; pol:start ?start ; pol:end ?end ; pol:inPassage ?passage .
  ?passage dcterms:isPartOf+ ?doc . ?doc a pol:Document ; dcterms:title ?title .
  OPTIONAL { ?doc dcterms:issued ?date }
}
ORDER BY ?date ?doc ?start
"""
# Chinese labels first: ontology terms carry both @en and @zh labels, and LIMIT 1 alone
# would pick whichever the store returns first (local and remote stores differ).
LABEL = """
SELECT ?s ?label WHERE { ?s rdfs:label|dcterms:title ?label }
ORDER BY DESC(LANGMATCHES(LANG(?label), "zh")) DESC(LANG(?label) = "") ?label
LIMIT 1
"""


@dataclass(frozen=True)
class EntityMention:
    """One mention of an entity, with its document and the words around it."""

    iri: str  # the pol:Mention node
    surface: str
    start: int
    end: int
    passage: str  # passage IRI
    doc_id: str
    title: str  # the document's title
    date: str
    quote: str = ""  # the mention with some context either side (filled by the service)


@dataclass
class EntityDetails:
    """Everything ``kg show`` prints about one entity: its label, properties (prefixed names →
    values), incoming links (subject IRI, property), mentions, and the labels of linked nodes."""

    iri: str
    label: str
    properties: dict[str, list[Any]]
    incoming: list[tuple[str, str]]
    mentions: list[EntityMention]
    labels: dict[str, str] = field(default_factory=dict)  # linked IRI → its label

    def named(self, value: object) -> str:
        """A property value as shown: a linked node by its label, anything else as written."""
        return self.labels.get(value, str(value)) if isinstance(value, str) else str(value)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (what ``kg show --json`` prints)."""
        return {"iri": self.iri, "label": self.label, "properties": self.properties,
                "incoming": [list(pair) for pair in self.incoming],
                "mentions": [vars(m) for m in self.mentions], "labels": self.labels}


def describe(store: ox.Store, iri: str) -> EntityDetails:
    """All properties of a node, incoming links (except mentions), its mentions, and the labels
    of the nodes it links to."""
    node = ox.NamedNode(iri)
    properties: dict[str, list[Any]] = {}
    for row in select(store, PROPERTIES, s=node):
        properties.setdefault(_short(row["p"]), []).append(row["o"])
    incoming = [(r["s"], _short(r["p"])) for r in select(store, INCOMING, o=node)]
    mentions = [EntityMention(r["m"], r["surface"], int(r["start"]), int(r["end"]), r["passage"],
                              r["doc"].rsplit("/", 1)[-1], r["title"], r["date"] or "")
                for r in select(store, MENTIONS, o=node)]
    linked = {v for vs in properties.values() for v in vs if isinstance(v, str) and v.startswith("https://")}
    linked |= {subject for subject, _ in incoming}
    labels = {other: label_of(store, other) for other in sorted(linked)}
    return EntityDetails(iri, label_of(store, iri), properties, incoming, mentions, labels)


def label_of(store: ox.Store, iri: str) -> str:
    """The rdfs:label (or dcterms:title) of a node, or its IRI's last segment."""
    rows = select(store, LABEL, s=ox.NamedNode(iri))
    return rows[0]["label"] if rows else iri.rsplit("/", 1)[-1]


def _short(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


__all__ = ["POL", "EntityDetails", "EntityMention", "describe", "label_of", "list_entities", "select"]


SECTIONS = """
SELECT ?s ?doc ?title ?number ?level ?start ?end ?kind WHERE {
  ?s a pol:Section ; dcterms:isPartOf+ ?doc ; dcterms:title ?title ; pol:level ?level ; pol:start ?start ;
     pol:end ?end .
  OPTIONAL { ?s pol:headingNumber ?number }
  BIND(IF(EXISTS { ?s a pol:Table }, "table", "section") AS ?kind)
}
ORDER BY ?start ?level
"""


def document_sections(store: ox.Store, doc_iri: str) -> list[dict[str, Any]]:
    """The sections of one document in reading order (title, number, level, offsets)."""
    return select(store, SECTIONS, doc=ox.NamedNode(doc_iri))


# A document's mentions from its own named graph (kg.rdf.write: one graph per document, its
# passages and mentions in it): walking dcterms:isPartOf+ from every passage up to the document
# gave the same rows at 15-40 ms a document (1.9-2.3 s for the devcorpus's 55); this takes 1-8 ms.
DOC_MENTIONS = """
SELECT ?g ?e ?label ?start ?end WHERE {
  GRAPH ?g { ?m pol:inPassage ?p ; pol:mentionOf ?e ; pol:start ?start ; pol:end ?end . }
  ?e rdfs:label ?label .
}
"""


def document_mentions(store: ox.Store, graph: ox.NamedNode) -> list[dict[str, Any]]:
    """Every entity mention in one document's named graph: entity IRI, label, type (from the IRI)
    and offsets, by offset."""
    rows = select(store, DOC_MENTIONS, g=graph)
    for row in rows:
        row["type"] = entity_type_of(row["e"]).lower()
    return sorted(rows, key=lambda r: (int(r["start"]), int(r["end"]), r["e"], r["label"]))


COLUMNS = """
SELECT ?c ?clabel ?cord ?i ?ilabel ?iord WHERE {
  ?c a pol:SpecialColumn ; rdfs:label ?clabel ; pol:ordinal ?cord .
  OPTIONAL { ?c pol:hasItem ?i . ?i rdfs:label ?ilabel . OPTIONAL { ?i pol:ordinal ?iord } }
}
ORDER BY ?cord ?iord
"""
ITEM_LINKS = """
SELECT ?item ?other ?label WHERE {
  ?item ^pol:hasItem ?c .
  { ?other pol:partOfItem ?item } UNION { ?other pol:belongsToProgramme ?item }
  ?other rdfs:label ?label .
}
"""


def special_columns(store: ox.Store) -> list[dict[str, Any]]:
    """The 专栏 boxes in order, each with its items and the programmes/pilot zones linked to each item."""
    links: dict[str, list[tuple[str, str]]] = {}
    for row in select(store, ITEM_LINKS):
        links.setdefault(row["item"], []).append((row["label"], entity_type_of(row["other"]).lower()))
    boxes: dict[str, dict[str, Any]] = {}
    for row in select(store, COLUMNS):
        box = boxes.setdefault(row["c"], {"iri": row["c"], "label": row["clabel"], "ordinal": row["cord"],
                                          "items": []})
        if row["i"]:
            box["items"].append({"iri": row["i"], "label": row["ilabel"], "ordinal": row["iord"],
                                 "linked": links.get(row["i"], [])})
    return list(boxes.values())


TARGET_TABLE = """
SELECT ?i ?label ?unit ?domain ?t ?year ?value ?comparator ?attribute ?doc ?doctitle WHERE {
  ?i a pol:Indicator ; rdfs:label ?label ; pol:hasTarget ?t .
  OPTIONAL { ?i pol:unit ?unit } OPTIONAL { ?i pol:domain ?domain }
  ?t pol:year ?year ; pol:valueText ?value ; pol:setBy ?doc . ?doc dcterms:title ?doctitle .
  OPTIONAL { ?t pol:comparator ?comparator } OPTIONAL { ?t pol:attribute ?attribute }
}
ORDER BY ?label ?year
"""


def target_table(store: ox.Store) -> list[dict[str, Any]]:
    """Every target with its indicator, unit, domain, attribute and setting document."""
    return select(store, TARGET_TABLE)


PASSAGE_ENTITIES = """
SELECT DISTINCT ?p ?e ?label WHERE {
  ?m pol:inPassage ?p ; pol:mentionOf ?e .
  ?e rdfs:label ?label .
}
"""


def passage_entities(store: ox.Store) -> dict[str, list[tuple[str, str, str]]]:
    """Passage IRI → the entities mentioned in it as (IRI, label, type), for entity chips."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for row in select(store, PASSAGE_ENTITIES):
        out.setdefault(row["p"], []).append((row["e"], row["label"], entity_type_of(row["e"]).lower()))
    return out
