"""Sending bound values to a remote server without pasting them into the query text.

**Bound values never become query text.** Remote servers have no equivalent of
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

import re
from collections.abc import Iterator, Mapping, Sequence

import pyoxigraph as ox

from kg.errors import QueryError

Term = ox.NamedNode | ox.Literal


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


def declared_prefixes(query: str) -> set[str]:
    """The prefixes a query declares itself (``PREFIX name: <…>``)."""
    tokens = [token for _, token in _tokens(query)]
    return {tokens[i + 1][:-1] for i in range(len(tokens) - 1)
            if tokens[i].upper() == "PREFIX" and tokens[i + 1].endswith(":")}


__all__ = ["Term", "declared_prefixes", "sparql_term", "with_values"]
