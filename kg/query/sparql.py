"""Read-only SPARQL over the built graph: updates and SERVICE refused, rows capped, time limited.

Queries see the union of the per-document named graphs (``GRAPH ?g { … }`` still reaches one
document). The project's prefixes (`PREFIXES_HEADER`) are in effect unless a query declares
its own, so ``pol:Passage`` works as written.

Two guarantees and where they come from:

* **No writes.** ``pyoxigraph.Store.query`` only accepts the query grammar (SELECT, ASK,
  CONSTRUCT, DESCRIBE); update syntax is a parse error there and can never execute. The
  update check below exists to say *which* update was refused, in a message a user can act on.
* **No federation.** Oxigraph evaluates ``SERVICE <http://…>`` by sending HTTP requests to that
  host, so every query is parsed before it runs and refused if it contains a SERVICE pattern
  (`check_read_only`).
"""

from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from pyparsing import ParseBaseException, ParserElement
from rdflib.plugins.sparql.parser import Query as _QUERY_GRAMMAR
from rdflib.plugins.sparql.parser import UpdateUnit as _UPDATE_GRAMMAR
from rdflib.plugins.sparql.parser import expandUnicodeEscapes
from rdflib.plugins.sparql.parserutils import CompValue

from kg.errors import QueryError
from kg.rdf.vocab import PREFIXES

__all__ = [
    "EXAMPLE_QUERIES",
    "MAX_QUERY_CHARS",
    "MAX_RUNAWAY_QUERIES",
    "PREFIXES_HEADER",
    "SparqlResult",
    "check_read_only",
    "run_select",
]

#: One cell of a result: an IRI's text, a literal's lexical value, ``_:id`` for a blank node,
#: or None when the variable is unbound.
Cell = str | None
Row = list[Cell]
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple

#: The project's prefixes as SPARQL text (for showing users what `run_select` assumes).
#: `run_select` passes the same table to Oxigraph's ``prefixes=`` argument, which is equivalent
#: to prepending these lines for every prefix the query does not declare itself, but keeps the
#: line and column numbers of syntax errors pointing into the user's own text.
PREFIXES_HEADER = "".join(f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in PREFIXES.items())

#: Longer queries are refused before parsing (the pure-Python parser would take seconds).
MAX_QUERY_CHARS = 20_000
#: Timed-out queries still running in the background beyond which new queries are refused.
MAX_RUNAWAY_QUERIES = 2
#: Column names of CONSTRUCT and DESCRIBE results; ASK results have the single column "ask".
TRIPLE_VARIABLES = ("subject", "predicate", "object")

_READ_ONLY_HINT = "only SELECT, ASK, CONSTRUCT and DESCRIBE queries run here"

# rdflib names each update operation by its grammar rule; users know them by their keywords.
_UPDATE_KEYWORDS = {
    "InsertData": "INSERT DATA",
    "DeleteData": "DELETE DATA",
    "DeleteWhere": "DELETE WHERE",
    "Load": "LOAD",
    "Clear": "CLEAR",
    "Drop": "DROP",
    "Create": "CREATE",
    "Add": "ADD",
    "Move": "MOVE",
    "Copy": "COPY",
}
_UPDATE_FIRST_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
# Comments, PREFIX and BASE declarations before a query's or an update's first keyword.
_PROLOGUE = re.compile(r"(?:\s+|#[^\n\r]*|(?i:PREFIX)\s*[^\s:]*:\s*<[^<>\s]*>|(?i:BASE)\s*<[^<>\s]*>)*")
_WORD = re.compile(r"[A-Za-z]+")
_CODEPOINT_ESCAPE = re.compile(r"\\(?:u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})")
_ERROR_POSITION = re.compile(r"error at (\d+):(\d+): (.*)", re.DOTALL)

# pyparsing grammars keep per-parse state on shared objects; one parse at a time is cheap
# (a few milliseconds) and avoids relying on thread safety pyparsing does not promise.
_PARSE_LOCK = threading.Lock()
# Threads whose query timed out but whose evaluation is still running (see `run_select`).
_RUNAWAYS: set[threading.Thread] = set()
_RUNAWAYS_LOCK = threading.Lock()


@dataclass(frozen=True)
class SparqlResult:
    """The answer to a query: column names, rows of plain strings, and whether rows were cut off."""

    variables: list[str]
    rows: list[Row]
    truncated: bool
    elapsed_ms: float

    def to_json(self) -> dict[str, object]:
        """The result as a JSON-ready dict (the shape ``kg sparql --json`` prints)."""
        return {"variables": self.variables, "rows": self.rows, "truncated": self.truncated}


# --------------------------------------------------------------------------------------------
# Checking a query before it runs
# --------------------------------------------------------------------------------------------

def check_read_only(query: str) -> None:
    """Raise QueryError if ``query`` is an update, uses SERVICE, or is too long; else return."""
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"the SPARQL query is {len(query)} characters long (查询过长); the limit is "
                         f"{MAX_QUERY_CHARS} — shorten it")
    _check_parsed(query)


@functools.lru_cache(maxsize=512)
def _check_parsed(query: str) -> None:
    """The parse-tree checks of :func:`check_read_only`, remembered per query text.

    rdflib's pure-Python parser takes 10–40 ms and holds the GIL, which under concurrent
    use slows every other request; queries repeat (examples, saved queries), so a
    query that passed is not parsed again. A refused query raises, and is not cached.

    Syntax errors are left to Oxigraph, which reports them with line and column when the
    query runs.
    """
    tree = _parse(_QUERY_GRAMMAR, query)
    if tree is None:
        _refuse_update(query)
    # SERVICE is decided on rdflib's parse tree of the SPARQL 1.1 grammar, not by searching the
    # text: a SERVICE keyword is a ServiceGraphPattern node wherever it sits (OPTIONAL, a
    # sub-select, FILTER EXISTS …), while the same word inside a string, an IRI or a comment
    # is not one. A token scanner was rejected because SPARQL's lexing is context dependent
    # (``<`` opens an IRI or is less-than, and ``#`` starts a comment outside an IRI but not
    # inside one: ``FILTER(?o<1)SERVICE#>`` hides a real SERVICE from a naive scan).
    # The tree is parsed from the raw text because Oxigraph does not expand \u escapes outside
    # strings and IRIs (rdflib's own parseQuery would). When rdflib cannot vouch for the text
    # (it cannot parse it — Oxigraph extensions such as LATERAL, or RDF-star — or the text
    # has \u escapes, which the two parsers may read differently) the check fails closed: any
    # "service" in the text, escaped or not, is refused.
    if tree is not None and _contains(tree, "ServiceGraphPattern"):
        raise QueryError("SPARQL SERVICE (federated query) is not allowed (不允许 SERVICE 联邦查询): it would send "
                         "the query to another host — query the local graph only")
    unverified = tree is None or _CODEPOINT_ESCAPE.search(query) is not None
    if unverified and ("service" in query.lower() or "service" in expandUnicodeEscapes(query).lower()):
        raise QueryError("SPARQL SERVICE (federated query) is not allowed (不允许 SERVICE 联邦查询): the query "
                         "contains the word SERVICE and the read-only check could not rule out a SERVICE "
                         "pattern — remove the word (also from strings and IRIs) or simplify the query")


def _refuse_update(query: str) -> None:
    """Raise QueryError naming the update operations if ``query`` is an update."""
    update = _parse(_UPDATE_GRAMMAR, query)
    if update is not None:
        operations = [_update_keyword(request) for request in update.request]
    else:
        # Not even a well-formed update; if it starts like one, say so rather than report a
        # query syntax error about a word the user meant.
        start = _PROLOGUE.match(query)
        word = _WORD.match(query, start.end() if start else 0)
        if word is None or word.group().upper() not in _UPDATE_FIRST_WORDS:
            return
        operations = [word.group().upper()]
    raise QueryError(f"SPARQL updates are not allowed (只读查询，不能修改图谱): {', '.join(operations)} — "
                     f"{_READ_ONLY_HINT}")


def _update_keyword(request: CompValue) -> str:
    if request.name == "Modify":
        clauses = [word for word in ("DELETE", "INSERT") if word.lower() in request]
        return " … ".join(clauses) + " … WHERE"
    return _UPDATE_KEYWORDS.get(request.name, request.name.upper())


def _parse(grammar: ParserElement, text: str) -> Any:
    """rdflib's parse of ``text`` with ``grammar``, or None when it does not parse."""
    with _PARSE_LOCK:
        try:
            result = grammar.parse_string(text, parse_all=True)
        except (ParseBaseException, RecursionError):
            return None
    return result[0] if grammar is _UPDATE_GRAMMAR else result


def _contains(node: object, name: str) -> bool:
    """True if the parse tree ``node`` has a grammar node called ``name`` anywhere inside."""
    if isinstance(node, CompValue):
        return node.name == name or any(_contains(value, name) for value in node.values())
    if isinstance(node, dict):
        return any(_contains(value, name) for value in node.values())
    if isinstance(node, (list, tuple)) or hasattr(node, "as_list"):  # ParseResults
        return any(_contains(item, name) for item in node)
    return False


# --------------------------------------------------------------------------------------------
# Running a query
# --------------------------------------------------------------------------------------------

@dataclass
class _Job:
    """What the worker thread hands back."""

    variables: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    truncated: bool = False
    error: BaseException | None = None


def run_select(store: ox.Store, query: str, limit: int = 1000, timeout_s: float = 5.0) -> SparqlResult:
    """Run a read-only SPARQL query over the union of ``store``'s graphs.

    SELECT gives one row per solution; ASK one row ``["true"]`` or ``["false"]`` under the
    column "ask"; CONSTRUCT and DESCRIBE one row per triple (subject, predicate, object).
    At most ``limit`` rows are returned (``truncated`` says more existed). Raises QueryError
    for updates, SERVICE, syntax errors, evaluation errors and queries over ``timeout_s``.
    """
    if limit < 1:
        raise QueryError(f"limit must be at least 1, not {limit}")
    if not timeout_s > 0:
        raise QueryError(f"timeout must be more than 0 seconds, not {timeout_s}")
    started = time.perf_counter()
    check_read_only(query)
    _check_no_backlog()
    # Oxigraph cannot cancel a query. It releases the GIL while it evaluates, so a worker
    # thread can be waited on with a time limit and, past it, abandoned: the store is only
    # read, the thread is a daemon (it does not hold up interpreter exit) and it stops at the
    # next row once `stop` is set. What cannot be stopped is a single long step (a sort or an
    # aggregate over a huge join): that thread keeps one core busy until the step ends, which
    # is why such runaways are counted and new queries refused while too many are running.
    # A child process could be killed, but would need its own copy of the store per query
    # (or fork() from a multi-threaded app, which is unsafe), for a rare failure.
    job, stop = _Job(), threading.Event()
    worker = threading.Thread(target=_evaluate, args=(store, query, limit, stop, job), name="kg-sparql", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        stop.set()
        with _RUNAWAYS_LOCK:
            _RUNAWAYS.add(worker)
        raise QueryError(f"the SPARQL query timed out after {timeout_s:g} s (查询超时) — add LIMIT, narrow the "
                         f"patterns, or allow more time (--timeout)")
    if job.error is not None:
        raise job.error
    return SparqlResult(job.variables, job.rows, job.truncated, (time.perf_counter() - started) * 1000)


def _check_no_backlog() -> None:
    with _RUNAWAYS_LOCK:
        _RUNAWAYS.difference_update([thread for thread in _RUNAWAYS if not thread.is_alive()])
        running = len(_RUNAWAYS)
    if running >= MAX_RUNAWAY_QUERIES:
        raise QueryError(f"{running} earlier SPARQL queries timed out and are still running in the background "
                         f"(查询繁忙; they cannot be interrupted) — wait for them to finish, or restart the app")


def _evaluate(store: ox.Store, query: str, limit: int, stop: threading.Event, job: _Job) -> None:
    """Worker: run ``query`` and fill ``job``, reading rows lazily so the cap stops the work early."""
    try:
        answer = store.query(query, prefixes=PREFIXES, use_default_graph_as_union=True)
        if isinstance(answer, ox.QueryBoolean):
            job.variables, job.rows = ["ask"], [["true" if bool(answer) else "false"]]
            return
        rows: Iterator[Row]
        if isinstance(answer, ox.QueryTriples):
            job.variables = list(TRIPLE_VARIABLES)
            rows = ([_cell(t.subject), _cell(t.predicate), _cell(t.object)] for t in answer)
        else:
            job.variables = [variable.value for variable in answer.variables]
            rows = ([_cell(term) for term in solution] for solution in answer)
        for row in rows:
            if stop.is_set():
                return
            if len(job.rows) == limit:
                job.truncated = True
                return
            job.rows.append(row)
    except SyntaxError as exc:
        job.error = _syntax_error(query, exc)
    except (OSError, RuntimeError, ValueError, TypeError) as exc:
        job.error = QueryError(f"the SPARQL query failed while running (查询执行失败): {exc}")
    except BaseException as exc:  # noqa: BLE001 — re-raised in the caller's thread
        job.error = exc


def _cell(term: Term | None) -> Cell:
    """A term as the plain string users see: IRI text, literal value, ``_:id`` for blank nodes."""
    if term is None:
        return None
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(term)  # an RDF-star triple term, in N-Triples form


def _syntax_error(query: str, exc: SyntaxError) -> QueryError:
    """Oxigraph's syntax error, with its line and column, the offending line and a shorter message."""
    message = str(exc)
    match = _ERROR_POSITION.match(message)
    if match is None:
        return QueryError(f"SPARQL syntax error (语法错误): {message} — fix the query and retry")
    line, column, detail = int(match.group(1)), int(match.group(2)), match.group(3)
    if "Prefix not found" in detail:
        detail = (f"unknown prefix — declare it with PREFIX, or use one of "
                  f"{', '.join(prefix + ':' for prefix in PREFIXES)}")
    elif len(detail) > 200:
        detail = detail[:200] + " …"
    lines = query.split("\n")
    near = lines[line - 1].strip()[:120] if 0 < line <= len(lines) else ""
    return QueryError(f"SPARQL syntax error (语法错误) at line {line}, column {column}: {detail}; in line "
                      f"{line}: {near!r} — fix the query and retry")


# --------------------------------------------------------------------------------------------
# Examples (shown in the app and by `kg sparql --help`; each runs on a real build)
# --------------------------------------------------------------------------------------------

EXAMPLE_QUERIES: dict[str, str] = {
    "各文档的段落数": """\
# 每个文档有多少段落（passage）
SELECT ?doc ?title (COUNT(?passage) AS ?passages) WHERE {
  ?doc a pol:Document ;
       dcterms:title ?title .
  ?passage a pol:Passage ;
           dcterms:isPartOf+ ?doc .
}
GROUP BY ?doc ?title
ORDER BY DESC(?passages)
""",
    "规划的章节": """\
# 规划文件的章节：编号、标题、层级，按在正文中的位置排序
SELECT ?number ?title ?level ?section WHERE {
  ?doc a pol:Document ;
       pol:documentKind "plan" .
  ?section a pol:Section ;
           dcterms:isPartOf+ ?doc ;
           dcterms:title ?title ;
           pol:level ?level ;
           pol:start ?start .
  FILTER(?level > 0)  # 0 is the document's own root section
  OPTIONAL { ?section pol:headingNumber ?number }
}
ORDER BY ?start
""",
    "某文档的目标": """\
# 一个文档设定的指标目标（换成其他文档的 IRI 即可）
SELECT ?indicator ?year ?comparator ?value ?unit ?target WHERE {
  VALUES ?doc { <https://w3id.org/policy-kg/id/doc/gx-plan-2022> }
  ?target a pol:Target ;
          pol:setBy ?doc .
  OPTIONAL { ?target pol:indicator/rdfs:label ?indicator }
  OPTIONAL { ?target pol:year ?year }
  OPTIONAL { ?target pol:comparator ?comparator }
  OPTIONAL { ?target pol:valueText ?value }
  OPTIONAL { ?target pol:unit ?unit }
}
ORDER BY ?indicator ?year
""",
    "按地点的试点": """\
# 各地的试点（试验区、示范区），按数量排序
SELECT ?place ?placeName (COUNT(DISTINCT ?zone) AS ?zones)
       (GROUP_CONCAT(DISTINCT ?zoneName; separator="、") AS ?names) WHERE {
  ?zone a pol:PilotZone ;
        pol:locatedIn ?place .
  OPTIONAL { ?place rdfs:label ?placeName }
  OPTIONAL { ?zone rdfs:label ?zoneName }
}
GROUP BY ?place ?placeName
ORDER BY DESC(?zones) ?placeName
""",
    "专栏的项目": """\
# 规划各专栏列出的项目（只看一个专栏：去掉下面 FILTER 前的 #）
SELECT ?columnNumber ?column ?itemNumber ?item ?programme WHERE {
  ?box a pol:SpecialColumn ;
       pol:hasItem ?programme .
  OPTIONAL { ?box pol:ordinal ?columnNumber }
  OPTIONAL { ?box rdfs:label ?column }
  OPTIONAL { ?programme pol:ordinal ?itemNumber }
  OPTIONAL { ?programme rdfs:label ?item }
  # FILTER(?columnNumber = 3)
}
ORDER BY ?columnNumber ?itemNumber ?item
""",
}
