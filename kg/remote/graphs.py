"""A build's named graphs as a server holds them: their names, their triples and the digest of
each (what a push records, so a service can tell on open whether the server holds this build).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph as ox

from kg.build.manifest import GRAPH_FILE
from kg.errors import StaleBuildError
from kg.rdf.vocab import ID

#: Named graphs of a build are ``{prefix}{doc_id}`` (and ``{prefix}ontology``, ``{prefix}entities``).
DEFAULT_GRAPH_PREFIX = f"{ID}graph/"
#: The server graph where a push records the digest of each graph it stored (compared on open).
DIGEST_GRAPH = "pushed-digests"
DIGEST_PREDICATE = f"{ID}pushedDigest"
# The digest graph is bookkeeping, not part of the build: the store's graph listing skips it.
NOT_DIGESTS = f"FILTER(!STRENDS(STR(?g), \"/{DIGEST_GRAPH}\"))"


def build_graphs(build_dir: Path) -> dict[str, list[ox.Triple]]:
    """The triples of each named graph of a build's graph.nq, by graph id (``gx-plan-2022``, ``ontology`` …)."""
    path = build_dir / GRAPH_FILE
    if not path.exists():
        raise StaleBuildError(f"no graph file {path} — run `kg build` first")
    graphs: dict[str, list[ox.Triple]] = {}
    for quad in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
        name = quad.graph_name
        if not isinstance(name, ox.NamedNode) or not name.value.startswith(DEFAULT_GRAPH_PREFIX):
            raise StaleBuildError(f"{path} holds triples outside the build's named graphs ({name}) — "
                                  f"it was not written by `kg build`; run `kg build`")
        graphs.setdefault(name.value[len(DEFAULT_GRAPH_PREFIX):], []).append(quad.triple)
    return graphs


def graph_digests(build_dir: Path) -> dict[str, str]:
    """SHA-256 of each named graph of the build's graph.nq (its sorted N-Quads lines), by graph id.

    What a push sends for the graph: the build's content, metadata included, not only the
    documents' file hashes. Read as text, line by line, without parsing.
    """
    path = build_dir / GRAPH_FILE
    if not path.exists():
        raise StaleBuildError(f"no graph file {path} — run `kg build` first")
    lines: dict[str, list[bytes]] = {}
    with path.open("rb") as handle:
        for line in handle:
            body = line.rstrip()
            if not body.endswith(b"> ."):
                continue
            start = body.rfind(b" <", 0, len(body) - 2)
            graph = body[start + 2:-3].decode("utf-8", "replace")
            if graph.startswith(DEFAULT_GRAPH_PREFIX):
                lines.setdefault(graph[len(DEFAULT_GRAPH_PREFIX):], []).append(body)
    return {graph: hashlib.sha256(b"\n".join(sorted(members))).hexdigest() for graph, members in lines.items()}


__all__ = ["DEFAULT_GRAPH_PREFIX", "DIGEST_GRAPH", "DIGEST_PREDICATE", "NOT_DIGESTS", "build_graphs", "graph_digests"]
