"""Read-only SPARQL over the built graph: updates and SERVICE refused, rows capped, time limited.

Queries see the union of the per-document named graphs (``GRAPH ?g { … }`` still reaches one
document). The project's prefixes (`PREFIXES_HEADER`) are in effect unless a query declares
its own, so ``pol:Passage`` works as written.

Its guarantees and where they come from:

* **No writes, no federation, no crash**: :func:`kg.query.sparql_check.check_read_only`
  refuses updates, SERVICE patterns and queries nested deeper than ``max_depth`` before any
  parser that could run or crash on them sees the query.
* **No runaway.** The query then runs in a forked child process with an address-space limit,
  killed at the deadline: a timed-out or memory-hungry query frees its core and its memory at
  once, and never holds up another user's query.
"""

from __future__ import annotations

import faulthandler
import os
import pickle
import re
import resource
import select
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from kg.config import Settings, default
from kg.errors import QueryError
from kg.query.sparql_check import MAX_DEPTH, check_read_only
from kg.rdf.vocab import PREFIXES

__all__ = [
    "EXAMPLE_QUERIES",
    "MAX_RESULT_BYTES",
    "MAX_TIMEOUT_S",
    "MEMORY_MB",
    "PREFIXES_HEADER",
    "SparqlResult",
    "console_limits",
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

#: Defaults of the settings sparql_max_result_mb (in bytes) and sparql_memory_mb.
MAX_RESULT_BYTES = int(default("sparql_max_result_mb") * 1024 * 1024)
MEMORY_MB: float = default("sparql_memory_mb")
#: Longest time limit accepted (a longer wait is a mistake, and inf overflows a wait).
MAX_TIMEOUT_S = 3600.0
#: Column names of CONSTRUCT and DESCRIBE results; ASK results have the single column "ask".
TRIPLE_VARIABLES = ("subject", "predicate", "object")

_ERROR_POSITION = re.compile(r"error at (\d+):(\d+): (.*)", re.DOTALL)


@dataclass(frozen=True)
class SparqlResult:
    """The answer to a query: column names, rows of plain strings, and whether rows were cut off."""

    variables: list[str]
    rows: list[Row]
    truncated: bool
    elapsed_ms: float
    #: Which limit cut the rows off: "rows" or "bytes" ("" when nothing was cut).
    truncated_by: str = ""

    def to_json(self) -> dict[str, object]:
        """The result as a JSON-ready dict (the shape ``kg sparql --json`` prints)."""
        return {"variables": self.variables, "rows": self.rows, "truncated": self.truncated}


# --------------------------------------------------------------------------------------------
# Running a query
# --------------------------------------------------------------------------------------------

@dataclass
class _Job:
    """What the child process hands back."""

    variables: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    truncated: bool = False
    truncated_by: str = ""
    error: QueryError | None = None


def run_select(store: ox.Store, query: str, limit: int = default("sparql_max_rows"),
               timeout_s: float = default("sparql_timeout_s"), *,
               max_bytes: int = MAX_RESULT_BYTES, memory_mb: float = MEMORY_MB,
               max_depth: int = MAX_DEPTH) -> SparqlResult:
    """Run a read-only SPARQL query over the union of ``store``'s graphs.

    SELECT gives one row per solution; ASK one row ``["true"]`` or ``["false"]`` under the
    column "ask"; CONSTRUCT and DESCRIBE one row per triple (subject, predicate, object).
    At most ``limit`` rows and ``max_bytes`` of cell text (UTF-8) are returned (``truncated``
    says more existed, ``truncated_by`` which limit stopped them). Raises QueryError for
    updates, SERVICE, nesting deeper than ``max_depth``, syntax errors, evaluation errors,
    queries over ``timeout_s`` and queries that allocate more than ``memory_mb`` MiB.

    ``store`` is a ``pyoxigraph.Store`` or a :class:`kg.remote.store.RemoteStore`; either is
    queried from a forked child process, killed at the deadline (for a remote store that
    closes the connection; the time limit is also sent to the server).
    """
    if limit < 1:
        raise QueryError(f"limit must be at least 1, not {limit}")
    if not timeout_s > 0:
        raise QueryError(f"timeout must be more than 0 seconds, not {timeout_s}")
    if not timeout_s <= MAX_TIMEOUT_S:
        raise QueryError(f"timeout must be at most {MAX_TIMEOUT_S:g} seconds, not {timeout_s} — give a number of "
                         f"seconds such as 30")
    if max_bytes < 1 or not memory_mb > 0:
        raise QueryError(f"the result and memory limits must be positive, not {max_bytes} bytes and {memory_mb} MiB")
    started = time.perf_counter()
    check_read_only(query, max_depth)
    job = _in_child(store, query, limit, timeout_s, max_bytes, memory_mb)
    if job.error is not None:
        raise job.error
    return SparqlResult(job.variables, job.rows, job.truncated, (time.perf_counter() - started) * 1000,
                        job.truncated_by)


def console_limits(settings: Settings) -> dict[str, Any]:
    """The keyword arguments of :func:`run_select` that the settings give (rows, bytes, seconds …)."""
    return {"limit": settings.sparql_max_rows, "timeout_s": min(settings.sparql_timeout_s, MAX_TIMEOUT_S),
            "max_bytes": max(1, int(settings.sparql_max_result_mb * 1024 * 1024)),
            "memory_mb": settings.sparql_memory_mb, "max_depth": settings.sparql_max_depth}


def _in_child(store: ox.Store, query: str, limit: int, timeout_s: float, max_bytes: int, memory_mb: float) -> _Job:
    """Evaluate in a forked child with an address-space limit; kill it at the deadline.

    Oxigraph cannot cancel a query, and a thread cannot be stopped: a sort or an aggregate over
    a huge join would keep a core and its memory until it ends. A child process can be killed.
    fork() shares the loaded store copy-on-write (no reload per query); the child touches only
    the store, builds the rows, pickles them into a pipe and leaves with os._exit (no atexit,
    no flushing of the parent's buffers). Every query has its own child, so one user's runaway
    query never holds up another's.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    deadline = time.monotonic() + timeout_s  # the fork itself (tens of ms for a large app) is not the query's time
    if pid == 0:  # the child
        status = 0
        try:
            os.close(read_end)
            # Rust reports a failed allocation on stderr before aborting; the parent says it better.
            quiet = os.open(os.devnull, os.O_WRONLY)
            os.dup2(quiet, 2)
            faulthandler.disable()  # an abort at the memory limit is expected here, not a crash to report
            _limit_memory(memory_mb)
            job = _Job()
            _evaluate(store, query, limit, max_bytes, max(0.001, deadline - time.monotonic()), job)
            payload = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
            view = memoryview(payload)
            while view:
                view = view[os.write(write_end, view):]
        except BaseException:  # noqa: BLE001 — out of memory while pickling: the parent says so
            status = 3
        finally:
            os._exit(status)
    os.close(write_end)
    chunks: list[bytes] = []
    finished = False
    try:
        while (remaining := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([read_end], [], [], remaining)
            if ready:
                chunk = os.read(read_end, 1 << 20)
                if not chunk:
                    finished = True
                    break
                chunks.append(chunk)
    finally:
        os.close(read_end)
        status = _reap(pid, deadline if finished else None)
    if not finished or status is None:
        raise QueryError(f"the SPARQL query timed out after {timeout_s:g} s (查询超时) — add LIMIT, narrow the "
                         f"patterns, or allow more time (--timeout, setting sparql_timeout_s)")
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 and chunks:
        return pickle.loads(b"".join(chunks))  # our own child's answer
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 3 or os.WIFSIGNALED(status) and \
            os.WTERMSIG(status) == signal.SIGABRT:
        # Rust aborts when an allocation fails under the limit; Python raises MemoryError.
        return _Job(error=_memory_error(memory_mb))
    how = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"exit status {os.WEXITSTATUS(status)}"
    return _Job(error=QueryError(f"the SPARQL engine stopped while running the query ({how}) (查询执行失败) — "
                                 f"simplify the query"))


def _reap(pid: int, deadline: float | None) -> int | None:
    """The child's wait status; it is killed first if ``deadline`` is None or passes (then None)."""
    if deadline is not None:
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return status
            time.sleep(0.002)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None


def _limit_memory(memory_mb: float) -> None:
    """Cap the child's address space at what it has now plus ``memory_mb`` MiB."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            size = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return  # not Linux: no address-space figure to add to; the deadline still applies
    limit = size + int(memory_mb * 1024 * 1024)
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _memory_error(memory_mb: float) -> QueryError:
    return QueryError(f"the SPARQL query needed more than {memory_mb:g} MiB of memory (查询内存超限) and was stopped — "
                      f"add LIMIT, narrow the patterns, or raise the setting sparql_memory_mb")


def _evaluate(store: ox.Store, query: str, limit: int, max_bytes: int, timeout_s: float, job: _Job) -> None:
    """Run ``query`` and fill ``job``, reading rows lazily so the caps stop the work early."""
    try:
        if isinstance(store, ox.Store):
            answer = store.query(query, prefixes=PREFIXES, use_default_graph_as_union=True)
        else:  # a RemoteStore: the server is told the time limit too
            answer = store.query(query, prefixes=PREFIXES, use_default_graph_as_union=True, timeout_s=timeout_s)
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
        size = 0
        for row in rows:
            if len(job.rows) == limit:
                job.truncated, job.truncated_by = True, "rows"
                return
            size += sum(len(cell.encode("utf-8")) for cell in row if cell is not None)
            if size > max_bytes:
                job.truncated, job.truncated_by = True, "bytes"
                return
            job.rows.append(row)
    except SyntaxError as exc:
        job.error = _syntax_error(query, exc)
    except MemoryError:
        raise  # the child exits with status 3 and the parent names the memory limit
    except QueryError as exc:
        job.error = QueryError(str(exc))  # a plain QueryError pickles whatever its subclass took
    except Exception as exc:  # noqa: BLE001 — OSError, RuntimeError, ValueError … of the engine
        job.error = QueryError(f"the SPARQL query failed while running (查询执行失败): {exc}")


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
