"""Talking to a SPARQL server over plain HTTP (``urllib``): its URLs, one request, and the one
error every failure becomes (:class:`RemoteError`, naming the URL and the fix).
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from http.client import HTTPException

import kg
from kg.errors import ConfigError, QueryError

#: Seconds to wait for a server's answer (a request, not a whole push).
DEFAULT_TIMEOUT_S = 60.0

SERVER_HINT = ("start the server (e.g. `oxigraph serve --location DIR --union-default-graph`) "
               "or correct the URL")
N_TRIPLES = "application/n-triples"


class RemoteError(QueryError):
    """A SPARQL server could not be reached, or refused or failed a request.

    ``status`` is the HTTP status when the server answered (404, 405, 500 …), else None;
    ``detail`` is what the server said about it.
    """

    def __init__(self, message: str, status: int | None = None, detail: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail


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
class Response:
    content_type: str
    body: bytes


def http_request(method: str, url: str, *, timeout_s: float, doing: str, fix: str, body: bytes | None = None,
             headers: Mapping[str, str] | None = None) -> Response:
    """One HTTP request; every failure becomes a RemoteError naming the URL and the fix."""
    request = urllib.request.Request(url, data=body, method=method,
                                     headers={"User-Agent": f"policy-kg/{kg.__version__}", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return Response(response.headers.get_content_type(), response.read())
    except urllib.error.HTTPError as exc:
        detail = _server_message(exc)
        shown = f" ({detail[:300]}{' …' if len(detail) > 300 else ''})" if detail else ""
        raise RemoteError(f"the SPARQL server refused to {doing}: {method} {url} answered HTTP {exc.code} "
                          f"{exc.reason}{shown} — {fix}", exc.code, detail) from None
    except (urllib.error.URLError, HTTPException, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise RemoteError(f"cannot reach the SPARQL server to {doing}: {method} {url} failed ({reason}) — "
                          f"{SERVER_HINT}") from None


def _server_message(exc: urllib.error.HTTPError) -> str:
    try:
        return " ".join(exc.read().decode("utf-8", "replace").split())
    except (OSError, HTTPException):
        return ""


def graph_url(store_url: str, graph: str) -> str:
    separator = "&" if urllib.parse.urlsplit(store_url).query else "?"
    return f"{store_url}{separator}{urllib.parse.urlencode({'graph': graph})}"


__all__ = ["DEFAULT_TIMEOUT_S", "Endpoints", "RemoteError", "Response", "endpoints", "graph_url", "http_request",
           "query_url"]
