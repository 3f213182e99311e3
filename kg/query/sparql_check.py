"""Checking a console SPARQL query before it runs: no updates, no SERVICE, not too long, not
nested too deep. :func:`kg.query.sparql.run_select` calls :func:`check_read_only` first.

* **No writes.** ``pyoxigraph.Store.query`` only accepts the query grammar (SELECT, ASK,
  CONSTRUCT, DESCRIBE); update syntax is a parse error there and can never execute. The
  update check here exists to say *which* update was refused, in a message a user can act on.
* **No federation.** Oxigraph evaluates ``SERVICE <http://…>`` by sending HTTP requests to that
  host, so every query is parsed before it runs and refused if it contains a SERVICE pattern.
* **No crash.** The raw text is scanned by Oxigraph's own lexical rules before any parser sees
  it and refused when it nests deeper than ``max_depth`` (both parsers recurse per level and
  overflow their stack: a segmentation fault of the app, an abort of ``oxigraph serve``).
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass
from typing import Any

from pyparsing import ParseBaseException, ParserElement
from rdflib.plugins.sparql.parser import Query as _QUERY_GRAMMAR
from rdflib.plugins.sparql.parser import UpdateUnit as _UPDATE_GRAMMAR
from rdflib.plugins.sparql.parser import expandUnicodeEscapes
from rdflib.plugins.sparql.parserutils import CompValue

from kg.config import default
from kg.errors import QueryError

#: Longer queries are refused before parsing (the pure-Python parser would take seconds).
MAX_QUERY_CHARS = 20_000
#: Default of the setting sparql_max_depth.
MAX_DEPTH: int = default("sparql_max_depth")

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

# Line ends rdflib's grammar reads differently from Oxigraph's (Oxigraph ends a comment at CR or
# LF, rdflib at LF only): the rdflib check sees each of them as LF.
_LINE_ENDS = re.compile("\r\n?|[\u0085\u2028\u2029]")

# pyparsing grammars keep per-parse state on shared objects; one parse at a time is cheap
# (a few milliseconds) and avoids relying on thread safety pyparsing does not promise.
_PARSE_LOCK = threading.Lock()


def check_read_only(query: str, max_depth: int = MAX_DEPTH) -> None:
    """Raise QueryError if ``query`` is an update, uses SERVICE, is too long or nests too deep; else return."""
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"the SPARQL query is {len(query)} characters long (查询过长); the limit is "
                         f"{MAX_QUERY_CHARS} — shorten it")
    scan = _scan(query)
    if scan.depth > max_depth:
        raise QueryError(f"the SPARQL query nests {scan.depth} levels deep (查询嵌套过深); the limit is {max_depth} "
                         f"(open {{ ( [ plus chained UNION, OPTIONAL, MINUS, ||, &&, + - * / and path operators; "
                         f"setting sparql_max_depth, KG_SPARQL_MAX_DEPTH) — flatten the query")
    # rdflib's tree decides (with its messages); the scan by Oxigraph's own lexical rules is a
    # second, independent opinion: a SERVICE keyword either one sees is refused.
    _check_parsed(_LINE_ENDS.sub("\n", query))
    if scan.service:
        raise QueryError("SPARQL SERVICE (federated query) is not allowed (不允许 SERVICE 联邦查询): it would send "
                         "the query to another host — query the local graph only")


# --------------------------------------------------------------------------------------------
# A scan of the raw text by Oxigraph's lexical rules
# --------------------------------------------------------------------------------------------

# Oxigraph's lexing (spargebra): whitespace is space, tab, CR and LF; a comment runs from # to the
# next CR or LF; strings are SPARQL's four kinds with backslash escapes (the short ones cannot hold
# a line break); an IRI is <…> without spaces, <>"{}|^`\ — and, here, without brackets, so a
# less-than sign followed by brackets is never taken for an IRI that hides them (the scan must
# never see fewer brackets, or miss a keyword, that the parser sees).
_SCAN_STRING = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""'
                          r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
                          r'|"(?:[^"\\\n\r]|\\.)*"'
                          r"|'(?:[^'\\\n\r]|\\.)*'", re.DOTALL)
_SCAN_IRI = re.compile(r'<[^<>"{}|^`\\\x00-\x20()\[\]]*>')
_SCAN_COMMENT = re.compile(r"#[^\r\n]*")
_SCAN_VARIABLE = re.compile(r"[?$][\w\u00B7\u0300-\u036F\u203F\u2040]*")
# A prefixed name's local part (after the colon): SERVICE there is a name, not the keyword.
_SCAN_LOCAL = re.compile(r":(?:[\w.\-:%\u00B7]|\\.)*")
_SCAN_WORD = re.compile(r"[^\W\d_]+")
# Keywords whose chains the parsers nest one level per keyword.
_CHAIN_WORDS = frozenset({"UNION", "OPTIONAL", "MINUS"})


@dataclass(frozen=True)
class _Scan:
    depth: int
    service: bool


def nesting_depth(query: str) -> int:
    """How deep ``query`` nests: open brackets plus the chained operators of each open group.

    Brackets inside strings, IRIs and comments do not count. Each open ``{ ( [`` counts one, and
    so does each UNION, OPTIONAL, MINUS and each ``|| && + - * / | ^ !`` directly inside a group
    (a chain of n of them is a tree n levels deep in the parsed query). Comparisons do not chain.
    """
    return _scan(query).depth


@functools.lru_cache(maxsize=512)
def _scan(query: str) -> _Scan:
    stack = [0]  # chained operators directly inside each open group (the outermost level first)
    depth = best = 0
    service = False
    pos, size = 0, len(query)
    while pos < size:
        char = query[pos]
        step = 1
        if char == "#":
            pos = _SCAN_COMMENT.match(query, pos).end()  # type: ignore[union-attr]
            continue
        if char in "\"'":
            match = _SCAN_STRING.match(query, pos)
            pos = match.end() if match is not None else pos + 1  # unterminated: read on as code
            continue
        if char == "<" and (iri := _SCAN_IRI.match(query, pos)) is not None:
            pos = iri.end()
            continue
        if char in "?$":
            pos = max(_SCAN_VARIABLE.match(query, pos).end(), pos + 1)  # type: ignore[union-attr]
            continue
        if char == ":":
            pos = max(_SCAN_LOCAL.match(query, pos).end(), pos + 1)  # type: ignore[union-attr]
            continue
        chained = False
        if char in "{([":
            stack.append(0)
            depth += 1
        elif char in "})]":
            if len(stack) > 1:
                depth -= 1 + stack.pop()
        elif char in "|&" and query.startswith(char * 2, pos):
            chained, step = True, 2
        elif char in "+-*/|^":
            chained = char != "*" or len(stack) > 1  # SELECT * is no product
        elif char == "!":
            chained = not query.startswith("!=", pos)
        elif (word := _SCAN_WORD.match(query, pos)) is not None:
            upper = word.group().upper()
            # SERVICE glued to other letters (xSERVICE) is no keyword to a lexer, but a PEG parser
            # may still split it there; only a prefixed name's local part is sure to be a name.
            service = service or "SERVICE" in upper
            chained = upper in _CHAIN_WORDS
            step = len(word.group())
        if chained:
            stack[-1] += 1
            depth += 1
        best = max(best, depth)
        pos += step
    return _Scan(best, service)


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


__all__ = ["MAX_DEPTH", "MAX_QUERY_CHARS", "check_read_only", "nesting_depth"]
