"""A remote SPARQL 1.1 server as the graph store, read back.

:class:`RemoteStore` is the part of ``pyoxigraph.Store`` that policy-kg uses —
``query``, ``quads_for_pattern`` and ``len`` — over the SPARQL 1.1 Protocol. Answers are
parsed by pyoxigraph itself, so callers get the same ``QuerySolutions``, ``QueryBoolean``
and ``QueryTriples`` objects (and the same terms) as from the embedded store.

Rules the reading side keeps, and why:

* **The server's default graph must be the union of its named graphs** (Oxigraph:
  ``oxigraph serve --union-default-graph``; Fuseki/TDB2: ``tdb2:unionDefaultGraph true``).
  kg's queries join across graphs — an entity in ``graph/entities`` with its mentions in a
  document's graph, classes from ``graph/ontology`` — so wrapping each query in
  ``GRAPH ?g { … }`` would give wrong answers (every join stays inside one graph), and
  sending the graph list as ``default-graph-uri`` parameters would hide the named graphs
  from ``GRAPH ?g`` patterns (the protocol then leaves the named-graph set empty — the
  same trap as rdflib's ``Dataset(store=SPARQLStore(url))``). :func:`check_matches_build`
  tests this once when a service opens, and says how to fix the server.

Writing is :mod:`kg.remote.push`; bound values are sent as :mod:`kg.remote.values` says.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pyoxigraph as ox

from kg.errors import StaleBuildError
from kg.rdf.vocab import PREFIXES
from kg.remote.graphs import DEFAULT_GRAPH_PREFIX, DIGEST_GRAPH, DIGEST_PREDICATE, NOT_DIGESTS, graph_digests
from kg.remote.http import DEFAULT_TIMEOUT_S, N_TRIPLES, RemoteError, Response, http_request, query_url
from kg.remote.values import Term, declared_prefixes, with_values

QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples

_UNION_HINT = ("start Oxigraph with `oxigraph serve --union-default-graph`, or set "
               "`tdb2:unionDefaultGraph true` on the Fuseki dataset")
_RESULTS_JSON = "application/sparql-results+json"
_ERROR_AT = re.compile(r"error at (\d+):(\d+): ")


class RemoteStore:
    """A SPARQL 1.1 query endpoint read as a ``pyoxigraph.Store``: ``query``, ``quads_for_pattern``, ``len``.

    Nothing is fetched until the first call. The server's default graph must be the union of
    its named graphs (see the module docstring); ``use_default_graph_as_union`` is accepted
    for compatibility with ``pyoxigraph.Store.query`` and changes nothing.
    """

    def __init__(self, endpoint: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.endpoint = query_url(endpoint)
        self.timeout_s = timeout_s

    def __repr__(self) -> str:
        return f"RemoteStore({self.endpoint!r})"

    def query(self, query: str, *, prefixes: Mapping[str, str] | None = None,
              use_default_graph_as_union: bool = False,
              substitutions: Mapping[ox.Variable, Term] | None = None,
              timeout_s: float | None = None) -> QueryResult:
        """Run a SPARQL query on the server; the answer is what ``pyoxigraph.Store.query`` returns.

        ``prefixes`` not declared by the query are added on lines of their own before it (so
        the line numbers of syntax errors still point into ``query``); ``substitutions`` are
        sent as a VALUES block (:func:`with_values`), never pasted as text. ``timeout_s`` (default:
        the store's) is sent as the ``timeout`` parameter, which servers that support it (Fuseki)
        enforce themselves and others (Oxigraph) ignore, and bounds the wait. Raises SyntaxError
        for a query the server cannot parse (Oxigraph's "error at line:column" message, with
        the line in ``query``), RemoteError (a QueryError) for every other failure.
        """
        text = with_values(query, substitutions or {})
        declared = declared_prefixes(query) if prefixes else set()
        header = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in (prefixes or {}).items()
                         if name not in declared)
        form = {"query": header + text}
        if timeout_s is not None:
            form["timeout"] = f"{timeout_s:.3f}"
        try:
            response = http_request("POST", self.endpoint, timeout_s=min(self.timeout_s, timeout_s or self.timeout_s),
                                doing="run a SPARQL query",
                                fix="check the query and that the URL is the server's SPARQL query endpoint",
                                body=urllib.parse.urlencode(form).encode("utf-8"),
                                headers={"Content-Type": "application/x-www-form-urlencoded",
                                         "Accept": f"{_RESULTS_JSON}, {N_TRIPLES};q=0.9"})
        except RemoteError as exc:
            match = _ERROR_AT.match(exc.detail)
            if exc.status == 400 and match is not None:
                line = int(match.group(1)) - header.count("\n")
                raise SyntaxError(f"error at {line}:{match.group(2)}: {exc.detail[match.end():]}") from None
            raise
        return self._answer(response)

    def _answer(self, response: Response) -> QueryResult:
        kind = response.content_type
        try:
            results_format = ox.QueryResultsFormat.from_media_type(kind)
            if results_format is not None:
                return ox.parse_query_results(response.body, results_format)
            rdf_format = ox.RdfFormat.from_media_type(kind)
            if rdf_format is not None:
                # Only a store makes a real QueryTriples, which callers tell apart by type.
                scratch = ox.Store()
                scratch.bulk_load(response.body, rdf_format)
                return scratch.query("CONSTRUCT WHERE { ?s ?p ?o }")
        except (SyntaxError, ValueError) as exc:
            raise RemoteError(f"the SPARQL server at {self.endpoint} sent an answer that cannot be read "
                              f"({kind}: {exc}) — check that the URL is a SPARQL 1.1 query endpoint") from None
        raise RemoteError(f"the SPARQL server at {self.endpoint} answered with {kind!r}, not SPARQL results — "
                          f"check that the URL is a SPARQL 1.1 query endpoint (Oxigraph: /query)")

    def quads_for_pattern(self, subject: Term | None, predicate: ox.NamedNode | None, object: Term | None,
                          graph_name: ox.NamedNode | None = None) -> Iterator[ox.Quad]:
        """The quads of the server's named graphs that match the pattern (None matches anything).

        Unlike ``pyoxigraph.Store``, the default graph is not included: on a union server it
        repeats the named graphs.
        """
        names = ("s", "p", "o", "g")
        bound = {ox.Variable(n): t for n, t in zip(names, (subject, predicate, object, graph_name)) if t is not None}
        solutions = self.query(f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {NOT_DIGESTS} }}", substitutions=bound)
        assert isinstance(solutions, ox.QuerySolutions)
        return iter([ox.Quad(row["s"], row["p"], row["o"], row["g"]) for row in solutions])

    def named_graphs(self) -> list[str]:
        """IRIs of the server's non-empty named graphs."""
        solutions = self.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {NOT_DIGESTS} }}")
        assert isinstance(solutions, ox.QuerySolutions)
        return sorted(row["g"].value for row in solutions)

    def __len__(self) -> int:
        """How many quads the server's named graphs hold."""
        solutions = self.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {NOT_DIGESTS} }}")
        assert isinstance(solutions, ox.QuerySolutions)
        return int(next(iter(solutions))["n"].value)


def check_matches_build(store: RemoteStore, documents: Iterable[Mapping[str, object]],
                        build_dir: Path | None = None) -> None:
    """Raise unless the server's union graph holds exactly the build's documents, in the same versions.

    ``documents`` are the manifest's entries (``id`` and ``sha256``). The local indexes and
    texts answer search and quotes, the server answers graph queries; if the two disagreed,
    offsets would point into the wrong text. With ``build_dir``, each graph's content digest is
    compared with the one recorded at push time (metadata changes alter graphs, not file
    hashes). StaleBuildError says to push; RemoteError says
    the server's default graph is not the union of its named graphs.
    """
    push_hint = f"run `kg push --endpoint {store.endpoint}`"
    rows = store.query("SELECT ?doc ?hash WHERE { ?doc a pol:Document ; pol:contentHash ?hash }", prefixes=PREFIXES)
    assert isinstance(rows, ox.QuerySolutions)
    remote = {row["doc"].value.rsplit("/", 1)[-1]: row["hash"].value for row in rows}
    if not remote:
        in_graphs = store.query("ASK { GRAPH ?g { ?doc a pol:Document } }", prefixes=PREFIXES)
        if in_graphs:
            raise RemoteError(f"the SPARQL server at {store.endpoint} keeps the documents in named graphs, but "
                              f"its default graph is not their union, so queries would see nothing — {_UNION_HINT}")
        raise StaleBuildError(f"the SPARQL server at {store.endpoint} holds no documents — {push_hint}")
    local = {str(d["id"]): str(d["sha256"]) for d in documents}
    missing = sorted(set(local) - set(remote))
    changed = sorted(doc_id for doc_id in set(local) & set(remote) if local[doc_id] != remote[doc_id])
    extra = sorted(set(remote) - set(local))
    if missing or changed:
        problems = ([f"lacks {', '.join(missing)}"] if missing else []) + \
                   ([f"holds another version of {', '.join(changed)}"] if changed else [])
        raise StaleBuildError(f"the SPARQL server at {store.endpoint} {' and '.join(problems)} — {push_hint}")
    if extra:
        raise StaleBuildError(f"the SPARQL server at {store.endpoint} holds documents this build does not have "
                              f"({', '.join(extra)}) — {push_hint} (a full push removes them), or "
                              f"`kg push --remove ID`")
    if build_dir is not None:
        _check_digests(store, build_dir, push_hint)


def pushed_digests(store: RemoteStore, prefix: str) -> dict[str, str]:
    """Graph id → the digest a push recorded for it on the server (under ``prefix``)."""
    rows = store.query(f"SELECT ?g ?d WHERE {{ GRAPH <{prefix}{DIGEST_GRAPH}> {{ ?g <{DIGEST_PREDICATE}> ?d }} }}")
    assert isinstance(rows, ox.QuerySolutions)
    return {row["g"].value[len(prefix):]: row["d"].value for row in rows if row["g"].value.startswith(prefix)}


def _check_digests(store: RemoteStore, build_dir: Path, push_hint: str) -> None:
    """StaleBuildError unless every graph the server holds was pushed from this build's content."""
    pushed = pushed_digests(store, DEFAULT_GRAPH_PREFIX)
    local = graph_digests(build_dir)
    differ = sorted(g for g in local if pushed.get(g) != local[g])
    if differ:
        shown = ", ".join(differ[:5]) + (" …" if len(differ) > 5 else "")
        raise StaleBuildError(f"the SPARQL server at {store.endpoint} holds another version of the graphs "
                              f"{shown} (pushed before the last build, or never) — {push_hint}")


__all__ = ["QueryResult", "RemoteStore", "check_matches_build", "pushed_digests"]
