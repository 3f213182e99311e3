"""The entity graph as networkx, and capped neighbourhoods around one node for the 图谱 page.

Nodes are entities and documents; edges are the object properties between them
(hasItem, memberOf, locatedIn, cites, …) plus "mentioned in" from an entity to each
document that mentions it. A neighbourhood is a breadth-first walk with a node cap,
so a hub (a document mentioning hundreds of entities) never floods the browser; what
was left out is counted so the page can offer 显示更多. The walk does not pass through
a document or a hub (a node with more than :data:`HUB_LINKS` neighbours, such as the
region every place lies in) other than the centre: they are shown, not expanded, since
everything beyond them is only "in the same document" or "in the same region".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import pyoxigraph as ox

from kg.query.graph_queries import entity_type_of, select

EDGES = """
SELECT ?s ?p ?o WHERE {
  ?s ?p ?o .
  ?s a/rdfs:subClassOf* ?sc . ?o a/rdfs:subClassOf* ?oc .
  FILTER(?sc IN (pol:Entity, pol:Document) && ?oc IN (pol:Entity, pol:Document))
  FILTER(?p != rdf:type)
}
"""
MENTIONED_IN = """
SELECT DISTINCT ?e ?doc WHERE {
  ?m pol:mentionOf ?e ; pol:inPassage/dcterms:isPartOf+ ?doc . ?doc a pol:Document .
}
"""
LABELS = """
SELECT ?n ?label WHERE {
  ?n a/rdfs:subClassOf* ?c ; rdfs:label|dcterms:title ?label .
  FILTER(?c IN (pol:Entity, pol:Document))
}
"""


def entity_graph(store: ox.Store) -> nx.MultiDiGraph:
    """Entities and documents with their links, each node with 'label' and 'type'."""
    graph = nx.MultiDiGraph()
    for row in select(store, LABELS):
        iri = row["n"]
        kind = entity_type_of(iri).lower() or ("document" if "/doc/" in iri else "other")
        graph.add_node(iri, label=row["label"], type=kind)
    for row in select(store, EDGES):
        if row["s"] in graph and row["o"] in graph:
            graph.add_edge(row["s"], row["o"], relation=row["p"].rsplit("#", 1)[-1].rsplit("/", 1)[-1])
    for row in select(store, MENTIONED_IN):
        if row["e"] in graph and row["doc"] in graph:
            graph.add_edge(row["e"], row["doc"], relation="mentionedIn")
    return graph


#: More neighbours than this make a node a hub the walk does not pass through.
HUB_LINKS = 25


@dataclass
class Neighbourhood:
    """Nodes and edges around a centre, and how many more nodes the cap left out."""

    centre: str
    nodes: dict[str, dict[str, str]] = field(default_factory=dict)
    edges: list[tuple[str, str, str]] = field(default_factory=list)
    hidden: int = 0


def neighbourhood(graph: nx.MultiDiGraph, centre: str, depth: int = 1, types: set[str] | None = None,
                  cap: int = 150) -> Neighbourhood:
    """Nodes within ``depth`` links of ``centre`` (either direction), at most ``cap``, closest first;
    the walk goes on through neither documents nor hubs other than the centre."""
    result = Neighbourhood(centre)
    if centre not in graph:
        return result
    undirected = graph.to_undirected(as_view=True)
    seen = {centre: 0}
    frontier = [centre]
    for level in range(1, depth + 1):
        following = []
        for node in frontier:
            if node != centre and _stops_walk(graph, undirected, node):
                continue
            for neighbour in sorted(undirected.neighbors(node), key=lambda n: graph.nodes[n].get("label", n)):
                if neighbour in seen:
                    continue
                if types and graph.nodes[neighbour].get("type") not in types:
                    continue
                seen[neighbour] = level
                following.append(neighbour)
        frontier = following
    ordered = sorted(seen, key=lambda n: (seen[n], graph.nodes[n].get("label", n)))
    kept = set(ordered[:cap])
    result.hidden = max(0, len(ordered) - cap)
    for node in ordered[:cap]:
        result.nodes[node] = dict(graph.nodes[node])
    for source, target, data in graph.edges(data=True):
        if source in kept and target in kept:
            result.edges.append((source, target, data.get("relation", "")))
    return result


def _stops_walk(graph: nx.MultiDiGraph, undirected: nx.Graph, node: str) -> bool:
    return graph.nodes[node].get("type") == "document" or undirected.degree(node) > HUB_LINKS


def default_centre(graph: nx.MultiDiGraph, depth: int = 2, most: int = 40) -> str | None:
    """An entity whose neighbourhood (without documents) reads well as a first view: of those with
    at most ``most`` nodes within ``depth`` links, the one with the most links there, ties by
    name. None for a graph without entities."""
    undirected = graph.to_undirected(as_view=True)
    entity_types = {data.get("type") for _, data in graph.nodes(data=True)} - {"document", "other"}
    best: tuple[int, str] | None = None
    choice = None
    for node, data in graph.nodes(data=True):
        if data.get("type") not in entity_types or _stops_walk(graph, undirected, node):
            continue
        hood = neighbourhood(graph, node, depth=depth, types=entity_types, cap=most + 1)
        if hood.hidden or len(hood.nodes) > most:
            continue
        links = sum(1 for _, _, relation in hood.edges if relation != "mentionedIn")
        key = (-links, data.get("label", node))
        if best is None or key < best:
            best, choice = key, node
    return choice
