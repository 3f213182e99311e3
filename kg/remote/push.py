"""Pushing a build to a SPARQL 1.1 server, and removing a document's graph from it.

:func:`push` and :func:`remove` use the SPARQL 1.1 Graph Store HTTP Protocol: one
``PUT {store}?graph={iri}`` of N-Triples per named graph, so one document's graph is replaced
(or, with ``DELETE``, removed) alone, atomically on the server, without touching the others. A
full push also deletes the graphs under the graph prefix that the build no longer has, so the
server mirrors the build. Each push also records the digest of every graph it stored
(:mod:`kg.remote.graphs`), which :func:`kg.remote.store.check_matches_build` compares when a
service opens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.build.manifest import ProgressFactory, silent
from kg.errors import ConfigError
from kg.remote.graphs import DEFAULT_GRAPH_PREFIX, DIGEST_GRAPH, DIGEST_PREDICATE, build_graphs, graph_digests
from kg.remote.http import DEFAULT_TIMEOUT_S, N_TRIPLES, RemoteError, endpoints, graph_url, http_request
from kg.remote.store import RemoteStore, pushed_digests


@dataclass
class PushReport:
    """What a push or a removal did on the server."""

    store_url: str
    uploaded: list[tuple[str, int]] = field(default_factory=list)  # (graph IRI, triples)
    removed: list[str] = field(default_factory=list)  # graph IRIs

    @property
    def triples(self) -> int:
        """Triples uploaded in all."""
        return sum(n for _, n in self.uploaded)


def push(build_dir: Path, endpoint: str, *, store: str | None = None, graph_prefix: str = DEFAULT_GRAPH_PREFIX,
         documents: Sequence[str] | None = None, progress: ProgressFactory = silent,
         timeout_s: float = DEFAULT_TIMEOUT_S) -> PushReport:
    """Upload the build's named graphs, each replacing the server's graph of the same name.

    With ``documents``, only those graphs (document ids, or ``ontology`` / ``entities``) are
    replaced. Without, every graph is, and graphs under ``graph_prefix`` that the build no
    longer has are deleted, so the server holds exactly this build.
    """
    urls = endpoints(endpoint, store)
    prefix = _graph_prefix(graph_prefix)
    graphs = build_graphs(build_dir)
    chosen = sorted(graphs) if not documents else list(dict.fromkeys(documents))
    unknown = [doc_id for doc_id in chosen if doc_id not in graphs]
    if unknown:
        raise ConfigError(f"the build in {build_dir} has no graph {', '.join(map(repr, unknown))}; "
                          f"known: {', '.join(sorted(graphs))}")
    report = PushReport(urls.store)
    bar = progress("push graphs", len(chosen))
    try:
        for graph_id in chosen:
            iri = prefix + graph_id
            data = ox.serialize(graphs[graph_id], format=ox.RdfFormat.N_TRIPLES)
            http_request("PUT", graph_url(urls.store, iri), body=data, headers={"Content-Type": N_TRIPLES},
                     timeout_s=timeout_s, doing=f"store the graph <{iri}>",
                     fix=f"check that {urls.store} is the server's Graph Store Protocol URL and accepts "
                         f"writes (Oxigraph: /store; Fuseki: /DATASET/data), or give it with --store")
            report.uploaded.append((iri, len(graphs[graph_id])))
            bar.update(1)
    finally:
        bar.close()
    digests = graph_digests(build_dir)
    recorded = pushed_digests(RemoteStore(urls.query, timeout_s=timeout_s), prefix) if documents else {}
    recorded.update({g: digests[g] for g in chosen if g in digests})
    http_request("PUT", graph_url(urls.store, prefix + DIGEST_GRAPH), timeout_s=timeout_s,
             doing="record what was pushed", headers={"Content-Type": N_TRIPLES},
             fix=f"check that {urls.store} accepts writes",
             body=ox.serialize([ox.Triple(ox.NamedNode(prefix + g), ox.NamedNode(DIGEST_PREDICATE), ox.Literal(d))
                                for g, d in sorted(recorded.items())], format=ox.RdfFormat.N_TRIPLES))
    if not documents:
        kept = {prefix + graph_id for graph_id in graphs} | {prefix + DIGEST_GRAPH}
        stale = [g for g in RemoteStore(urls.query, timeout_s=timeout_s).named_graphs()
                 if g.startswith(prefix) and g not in kept]
        report.removed = _delete(urls.store, stale, progress, timeout_s)
    return report


def remove(endpoint: str, graph_ids: Sequence[str], *, store: str | None = None,
           graph_prefix: str = DEFAULT_GRAPH_PREFIX, progress: ProgressFactory = silent,
           timeout_s: float = DEFAULT_TIMEOUT_S) -> PushReport:
    """Delete the named graphs of the given document ids from the server (each must exist there)."""
    urls = endpoints(endpoint, store)
    prefix = _graph_prefix(graph_prefix)
    if not graph_ids:
        raise ConfigError("name the document graphs to remove, e.g. --remove gx-plan-2022")
    report = PushReport(urls.store)
    report.removed = _delete(urls.store, [prefix + g for g in dict.fromkeys(graph_ids)], progress, timeout_s)
    return report


def _delete(store_url: str, iris: Sequence[str], progress: ProgressFactory, timeout_s: float) -> list[str]:
    bar = progress("remove graphs", len(iris))
    done = []
    try:
        for iri in iris:
            try:
                http_request("DELETE", graph_url(store_url, iri), timeout_s=timeout_s, doing=f"delete the graph <{iri}>",
                         fix=f"check that {store_url} is the server's Graph Store Protocol URL and accepts writes")
            except RemoteError as exc:
                if exc.status == 404:
                    raise RemoteError(f"the SPARQL server at {store_url} has no graph <{iri}> to delete — "
                                      f"check the document id (and --graph-prefix)", 404) from None
                raise
            done.append(iri)
            bar.update(1)
    finally:
        bar.close()
    return done


def _graph_prefix(prefix: str) -> str:
    try:
        ox.NamedNode(prefix + "x")
    except ValueError:
        raise ConfigError(f"the graph prefix {prefix!r} is not an IRI — give one like {DEFAULT_GRAPH_PREFIX}") from None
    return prefix


__all__ = ["PushReport", "push", "remove"]
