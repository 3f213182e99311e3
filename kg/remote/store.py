"""A remote SPARQL 1.1 server as the graph store: push a build's named graphs, read them back.

Two halves, both plain HTTP through the standard library (``urllib``):

* **Writing** (:func:`push`, :func:`remove`) uses the SPARQL 1.1 Graph Store HTTP Protocol:
  one ``PUT {store}?graph={iri}`` of N-Triples per named graph, so one document's graph is
  replaced (or, with ``DELETE``, removed) alone, atomically on the server, without touching
  the others. A full push also deletes the graphs under the graph prefix that the build no
  longer has, so the server mirrors the build.
* **Reading** (:class:`RemoteStore`) is the part of ``pyoxigraph.Store`` that policy-kg uses —
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
* **Bound values never become query text.** Remote servers have no equivalent of
  pyoxigraph's ``substitutions=``; they are sent as a ``VALUES`` block at the top of the
  query's WHERE group, each term written by pyoxigraph in N-Triples syntax (every quote,
  backslash and line break escaped), with one more guard against servers that expand
  ``\\uXXXX`` escapes before parsing (see :func:`sparql_term`). The insertion point is found by
  a scanner that skips strings, IRIs and comments. Joining the VALUES block at the top of the
  group equals pyoxigraph's pre-binding wherever the variable is used in the group's triple
  patterns, FILTERs and BINDs, which covers every query in kg; a FILTER *inside* a nested
  OPTIONAL or sub-query that uses a bound variable not bound in that nested group would see
  it unbound (SPARQL evaluates groups bottom-up).
"""

from __future__ import annotations

import hashlib
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.client import HTTPException
from pathlib import Path

import pyoxigraph as ox

import kg
from kg.build.manifest import GRAPH_FILE, ProgressFactory, silent
from kg.errors import ConfigError, QueryError, StaleBuildError
from kg.rdf.vocab import ID, PREFIXES

__all__ = [
    "DEFAULT_GRAPH_PREFIX",
    "DEFAULT_TIMEOUT_S",
    "Endpoints",
    "PushReport",
    "RemoteError",
    "RemoteStore",
    "build_graphs",
    "check_matches_build",
    "endpoints",
    "push",
    "query_url",
    "remove",
    "sparql_term",
    "with_values",
]

#: Named graphs of a build are ``{prefix}{doc_id}`` (and ``{prefix}ontology``, ``{prefix}entities``).
DEFAULT_GRAPH_PREFIX = f"{ID}graph/"
#: Seconds to wait for a server's answer (a request, not a whole push).
DEFAULT_TIMEOUT_S = 60.0

Term = ox.NamedNode | ox.Literal
QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples

_SERVER_HINT = ("start the server (e.g. `oxigraph serve --location DIR --union-default-graph`) "
                "or correct the URL")
_UNION_HINT = ("start Oxigraph with `oxigraph serve --union-default-graph`, or set "
               "`tdb2:unionDefaultGraph true` on the Fuseki dataset")
_RESULTS_JSON = "application/sparql-results+json"
_N_TRIPLES = "application/n-triples"


class RemoteError(QueryError):
    """A SPARQL server could not be reached, or refused or failed a request.

    ``status`` is the HTTP status when the server answered (404, 405, 500 …), else None;
    ``detail`` is what the server said about it.
    """

    def __init__(self, message: str, status: int | None = None, detail: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail


# --------------------------------------------------------------------------------------------
# URLs and HTTP
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Endpoints:
    """Where a server answers SPARQL queries and where it keeps graphs (Graph Store Protocol)."""

    query: str
    store: str


def endpoints(endpoint: str, store: str | None = None) -> Endpoints:
    """The query and store URLs of a server, from its query endpoint (and an explicit store URL).

    ``http://host:7878`` means Oxigraph's layout (``/query`` and ``/store``); a query URL ending
    in ``/query`` has its store beside it (``…/store``, as in Oxigraph). Other servers need the
    store URL given (Fuseki: ``http://host:3030/DATASET/data``).
    """
    query = query_url(endpoint)
    if store:
        return Endpoints(query, _http_url(store, "store"))
    parts = urllib.parse.urlsplit(query)
    head, _, last = parts.path.rstrip("/").rpartition("/")
    if last != "query":
        raise ConfigError(f"cannot tell the Graph Store URL of the SPARQL endpoint {endpoint} — give it with "
                          f"--store URL (Oxigraph: http://HOST:7878/store; Fuseki: http://HOST:3030/DATASET/data)")
    return Endpoints(query, urllib.parse.urlunsplit(parts._replace(path=f"{head}/store", query="", fragment="")))


def query_url(endpoint: str) -> str:
    """The SPARQL query URL of ``endpoint``; a bare ``http://host:port`` means Oxigraph's ``/query``."""
    url = _http_url(endpoint, "endpoint")
    parts = urllib.parse.urlsplit(url)
    if not parts.path.strip("/"):
        return urllib.parse.urlunsplit(parts._replace(path="/query"))
    return url


def _http_url(url: str, what: str) -> str:
    try:
        parts = urllib.parse.urlsplit(url.strip())
        parts.port  # noqa: B018 — raises ValueError for a port that is no number
    except ValueError as exc:
        raise ConfigError(f"the SPARQL {what} {url[:200]!r} is not a valid URL ({exc}) — give one like "
                          f"http://127.0.0.1:7878/query") from None
    # urllib would also open file:// and ftp:// URLs; a setting must not read local files.
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"the SPARQL {what} {url!r} is not an http:// or https:// URL — "
                          f"give one like http://127.0.0.1:7878/query")
    return url.strip()


@dataclass(frozen=True)
class _Response:
    content_type: str
    body: bytes


def _request(method: str, url: str, *, timeout_s: float, doing: str, fix: str, body: bytes | None = None,
             headers: Mapping[str, str] | None = None) -> _Response:
    """One HTTP request; every failure becomes a RemoteError naming the URL and the fix."""
    request = urllib.request.Request(url, data=body, method=method,
                                     headers={"User-Agent": f"policy-kg/{kg.__version__}", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return _Response(response.headers.get_content_type(), response.read())
    except urllib.error.HTTPError as exc:
        detail = _server_message(exc)
        shown = f" ({detail[:300]}{' …' if len(detail) > 300 else ''})" if detail else ""
        raise RemoteError(f"the SPARQL server refused to {doing}: {method} {url} answered HTTP {exc.code} "
                          f"{exc.reason}{shown} — {fix}", exc.code, detail) from None
    except (urllib.error.URLError, HTTPException, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise RemoteError(f"cannot reach the SPARQL server to {doing}: {method} {url} failed ({reason}) — "
                          f"{_SERVER_HINT}") from None


def _server_message(exc: urllib.error.HTTPError) -> str:
    try:
        return " ".join(exc.read().decode("utf-8", "replace").split())
    except (OSError, HTTPException):
        return ""


def _graph_url(store_url: str, graph: str) -> str:
    separator = "&" if urllib.parse.urlsplit(store_url).query else "?"
    return f"{store_url}{separator}{urllib.parse.urlencode({'graph': graph})}"


# --------------------------------------------------------------------------------------------
# Pushing a build
# --------------------------------------------------------------------------------------------

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


#: The server graph where `push` records the digest of each graph it stored (compared on open).
DIGEST_GRAPH = "pushed-digests"
_DIGEST = f"{ID}pushedDigest"
# The digest graph is bookkeeping, not part of the build: the store's graph listing skips it.
_NOT_DIGESTS = f"FILTER(!STRENDS(STR(?g), \"/{DIGEST_GRAPH}\"))"


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
            _request("PUT", _graph_url(urls.store, iri), body=data, headers={"Content-Type": _N_TRIPLES},
                     timeout_s=timeout_s, doing=f"store the graph <{iri}>",
                     fix=f"check that {urls.store} is the server's Graph Store Protocol URL and accepts "
                         f"writes (Oxigraph: /store; Fuseki: /DATASET/data), or give it with --store")
            report.uploaded.append((iri, len(graphs[graph_id])))
            bar.update(1)
    finally:
        bar.close()
    digests = graph_digests(build_dir)
    recorded = _pushed_digests(RemoteStore(urls.query, timeout_s=timeout_s), prefix) if documents else {}
    recorded.update({g: digests[g] for g in chosen if g in digests})
    _request("PUT", _graph_url(urls.store, prefix + DIGEST_GRAPH), timeout_s=timeout_s,
             doing="record what was pushed", headers={"Content-Type": _N_TRIPLES},
             fix=f"check that {urls.store} accepts writes",
             body=ox.serialize([ox.Triple(ox.NamedNode(prefix + g), ox.NamedNode(_DIGEST), ox.Literal(d))
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
                _request("DELETE", _graph_url(store_url, iri), timeout_s=timeout_s, doing=f"delete the graph <{iri}>",
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


# --------------------------------------------------------------------------------------------
# Binding values safely: VALUES instead of substitutions
# --------------------------------------------------------------------------------------------

def sparql_term(term: Term) -> str:
    """``term`` as SPARQL text that reads back as exactly ``term`` on any SPARQL 1.1 server.

    pyoxigraph writes N-Triples (a subset of SPARQL's term syntax) with every quote,
    backslash and line break escaped, so the text cannot end the literal early. One more
    step: SPARQL 1.1 (§19.2) lets a server expand ``\\uXXXX`` escapes *before* parsing,
    anywhere in the query; a server that does so naively would read an escaped backslash
    followed by ``u0022`` as ``\\"``. A ``u`` or ``U`` right after an escaped backslash is
    therefore itself written as ``\\u0075`` / ``\\u0055``, which every reading turns back into
    the same letter.
    """
    if isinstance(term, ox.NamedNode):
        return str(term)  # pyoxigraph refuses IRIs with spaces, quotes, <, >, {, }, or backslashes
    if not isinstance(term, ox.Literal):
        raise QueryError(f"cannot send {term!r} to a remote SPARQL server as a bound value: only IRIs and "
                         f"literals can be written in a VALUES block")
    text = str(term)
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "\\":
            pair, i = text[i:i + 2], i + 2
            out.append(pair)
            if pair == "\\\\" and i < len(text) and text[i] in "uU":
                out.append("\\u0075" if text[i] == "u" else "\\u0055")
                i += 1
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


_IRI = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_STRING = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""'
                     r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
                     r'|"(?:[^"\\\n\r]|\\.)*"'
                     r"|'(?:[^'\\\n\r]|\\.)*'", re.DOTALL)
_COMMENT = re.compile(r"#[^\n\r]*")
# Keywords, variables, prefixed names (with their \-escapes, as in ex:a\#b), numbers, operators.
_WORD = re.compile(r"(?:[^\s{}()<>\"'#,;\\]|\\.)+", re.DOTALL)


def _tokens(query: str) -> Iterator[tuple[int, str]]:
    """(position, token) of the query's braces, parentheses and words; strings, IRIs and comments skipped."""
    pos, size = 0, len(query)
    while pos < size:
        char = query[pos]
        if char.isspace():
            pos += 1
        elif char == "#":
            pos = _COMMENT.match(query, pos).end()  # type: ignore[union-attr]
        elif char in "\"'":
            match = _STRING.match(query, pos)
            if match is None:
                return  # an unterminated string: the server reports the syntax error
            pos = match.end()
        elif char == "<" and (iri := _IRI.match(query, pos)) is not None:
            yield pos, "<iri>"
            pos = iri.end()
        elif (word := _WORD.match(query, pos)) is not None:
            yield pos, word.group()
            pos = word.end()
        else:
            yield pos, char
            pos += 1


def with_values(query: str, bindings: Mapping[ox.Variable, Term]) -> str:
    """``query`` with a VALUES block binding ``bindings`` first in its WHERE group.

    Raises QueryError when the query has no WHERE group to bind into.
    """
    if not bindings:
        return query
    names = " ".join(str(variable) for variable in bindings)
    values = " ".join(sparql_term(term) for term in bindings.values())
    block = f" VALUES ({names}) {{ ({values}) }} "
    tokens = list(_tokens(query))
    start = _where_group(tokens)
    if start is None:
        raise QueryError("cannot bind values in a query without a WHERE group { … }")
    position = tokens[start][0] + 1
    if start + 1 < len(tokens) and tokens[start + 1][1].upper() == "SELECT":
        # `WHERE { SELECT … }` is a sub-query, which VALUES may not precede; nest it instead.
        close = _matching_brace(tokens, start)
        if close is None:
            return query  # unbalanced braces: let the server report the syntax error
        end = tokens[close][0]
        return query[:position] + block + "{" + query[position:end] + "}" + query[end:]
    return query[:position] + block + query[position:]


def _where_group(tokens: Sequence[tuple[int, str]]) -> int | None:
    """Index of the ``{`` that opens the query's WHERE group (after a CONSTRUCT template)."""
    form: str | None = None
    braces = parens = 0
    after_where = False
    for index, (_, token) in enumerate(tokens):
        word = token.upper()
        if form is None and word in ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK"):
            form = word
        elif token == "(":
            parens += 1
        elif token == ")":
            parens -= 1
        elif token == "{":
            if form is not None and braces == 0 and parens == 0 and (form != "CONSTRUCT" or after_where):
                return index
            braces += 1
        elif token == "}":
            braces -= 1
        elif word == "WHERE" and braces == 0 and parens == 0:
            after_where = True
    return None


def _matching_brace(tokens: Sequence[tuple[int, str]], start: int) -> int | None:
    depth = 0
    for index in range(start, len(tokens)):
        token = tokens[index][1]
        depth += (token == "{") - (token == "}")
        if depth == 0:
            return index
    return None


def _declared_prefixes(query: str) -> set[str]:
    tokens = [token for _, token in _tokens(query)]
    return {tokens[i + 1][:-1] for i in range(len(tokens) - 1)
            if tokens[i].upper() == "PREFIX" and tokens[i + 1].endswith(":")}


# --------------------------------------------------------------------------------------------
# Reading: the subset of pyoxigraph.Store that kg uses
# --------------------------------------------------------------------------------------------

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
        declared = _declared_prefixes(query) if prefixes else set()
        header = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in (prefixes or {}).items()
                         if name not in declared)
        form = {"query": header + text}
        if timeout_s is not None:
            form["timeout"] = f"{timeout_s:.3f}"
        try:
            response = _request("POST", self.endpoint, timeout_s=min(self.timeout_s, timeout_s or self.timeout_s),
                                doing="run a SPARQL query",
                                fix="check the query and that the URL is the server's SPARQL query endpoint",
                                body=urllib.parse.urlencode(form).encode("utf-8"),
                                headers={"Content-Type": "application/x-www-form-urlencoded",
                                         "Accept": f"{_RESULTS_JSON}, {_N_TRIPLES};q=0.9"})
        except RemoteError as exc:
            match = _ERROR_AT.match(exc.detail)
            if exc.status == 400 and match is not None:
                line = int(match.group(1)) - header.count("\n")
                raise SyntaxError(f"error at {line}:{match.group(2)}: {exc.detail[match.end():]}") from None
            raise
        return self._answer(response)

    def _answer(self, response: _Response) -> QueryResult:
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
        solutions = self.query(f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {_NOT_DIGESTS} }}", substitutions=bound)
        assert isinstance(solutions, ox.QuerySolutions)
        return iter([ox.Quad(row["s"], row["p"], row["o"], row["g"]) for row in solutions])

    def named_graphs(self) -> list[str]:
        """IRIs of the server's non-empty named graphs."""
        solutions = self.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {_NOT_DIGESTS} }}")
        assert isinstance(solutions, ox.QuerySolutions)
        return sorted(row["g"].value for row in solutions)

    def __len__(self) -> int:
        """How many quads the server's named graphs hold."""
        solutions = self.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {_NOT_DIGESTS} }}")
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


def _pushed_digests(store: RemoteStore, prefix: str) -> dict[str, str]:
    rows = store.query(f"SELECT ?g ?d WHERE {{ GRAPH <{prefix}{DIGEST_GRAPH}> {{ ?g <{_DIGEST}> ?d }} }}")
    assert isinstance(rows, ox.QuerySolutions)
    return {row["g"].value[len(prefix):]: row["d"].value for row in rows if row["g"].value.startswith(prefix)}


def _check_digests(store: RemoteStore, build_dir: Path, push_hint: str) -> None:
    """StaleBuildError unless every graph the server holds was pushed from this build's content."""
    pushed = _pushed_digests(store, DEFAULT_GRAPH_PREFIX)
    local = graph_digests(build_dir)
    differ = sorted(g for g in local if pushed.get(g) != local[g])
    if differ:
        shown = ", ".join(differ[:5]) + (" …" if len(differ) > 5 else "")
        raise StaleBuildError(f"the SPARQL server at {store.endpoint} holds another version of the graphs "
                              f"{shown} (pushed before the last build, or never) — {push_hint}")
