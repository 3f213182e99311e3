"""A remote SPARQL store: `kg push` to a real `oxigraph serve`, and the product reading from it.

The server is the `oxigraph` binary from PyPI (test extras), started on 127.0.0.1 with a
fresh folder per module and stopped at teardown. Every test starts from a full push of the
session's real build and leaves the server that way.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.build.pipeline import build
from kg.cli import main
from kg.config import Settings
from kg.errors import ConfigError, QueryError, StaleBuildError
from kg.remote.graphs import DEFAULT_GRAPH_PREFIX, build_graphs
from kg.remote.http import RemoteError, endpoints
from kg.remote.push import push, remove
from kg.remote.store import RemoteStore
from kg.remote.values import sparql_term, with_values
from kg.query.service import Service
from kg.query.sparql import EXAMPLE_QUERIES, run_select
from kg.rdf.vocab import PREFIXES
from tests.helpers import CORPUS, settings_for
from tests.oxigraph_server import Server, start, stop

EDITED_DOC = "jkb-2026-01-21"
EDITED_FILE = "jiankangbao-2026-01-21-shangsi-pilots.txt"
# Values that would break out of a string, a group or the query if pasted as text.
HOSTILE = [
    '"', "'", "}", "{", "#", "\n", "\r\n\t", "\\", "\\\\", "\\u0022", "\\\\u0022", "\\U00000022", "\\\"",
    '"}; DROP ALL; #', '"} } UNION { ?s ?p ?o } #', "'''", '"""', "> <http://evil/>", "?q", "$q",
    "每万人口全科医生数", "\u2028\u0000\x7f", "a\\u005Cb",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(folder: Path, union: bool = True) -> Server:
    return start(folder, union)


def _stop(server: Server) -> None:
    stop(server)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`oxigraph serve --union-default-graph` on a free port of 127.0.0.1."""
    running = _start(tmp_path_factory.mktemp("oxigraph"))
    try:
        yield running
    finally:
        _stop(running)


@pytest.fixture
def pushed(server: Server, real_settings: Settings) -> Server:
    """The server holding exactly the session's real build."""
    push(real_settings.build_path, server.query)
    return server


@pytest.fixture(scope="module")
def local(real_settings: Settings) -> Service:
    return Service.open(real_settings)


def _remote_settings(settings: Settings, server: Server) -> Settings:
    return settings.with_overrides(sparql_endpoint=server.query)


def _by_graph(quads: Any) -> dict[str, Counter[str]]:
    """Each graph's triples as N-Triples lines (blank nodes renamed per graph by order of first use)."""
    graphs: dict[str, list[ox.Quad]] = {}
    for quad in quads:
        graphs.setdefault(quad.graph_name.value, []).append(quad)
    out = {}
    for name, members in graphs.items():
        labels: dict[str, str] = {}

        def term(t: Any, labels: dict[str, str] = labels) -> str:
            if isinstance(t, ox.BlankNode):
                return labels.setdefault(t.value, f"_:b{len(labels)}")
            return str(t)

        # Sort first by the non-blank parts so the renaming does not depend on the server's order.
        ordered = sorted(members, key=lambda q: (str(q.subject) if not isinstance(q.subject, ox.BlankNode) else "",
                                                 str(q.predicate), str(q.object)
                                                 if not isinstance(q.object, ox.BlankNode) else ""))
        out[name] = Counter(f"{term(q.subject)} {q.predicate} {term(q.object)}" for q in ordered)
    return out


def _blank_free(graphs: dict[str, Counter[str]]) -> dict[str, set[str]]:
    return {name: {line for line in lines if "_:" not in line} for name, lines in graphs.items()}


def _cli(settings: Settings, *args: str) -> Any:
    env = {"KG_BUILD_DIR": settings.build_dir, "KG_CORPUS_DIR": settings.corpus_dir,
           "KG_EMBEDDING_MODEL": settings.embedding_model}
    return CliRunner().invoke(main, list(args), env=env)


# --------------------------------------------------------------------------------------------
# Push
# --------------------------------------------------------------------------------------------

def test_push_uploads_every_graph(server: Server, real_settings: Settings, local: Service) -> None:
    result = _cli(real_settings, "push", "--endpoint", server.query, "--quiet")
    assert result.exit_code == 0, result.stderr
    graphs = build_graphs(real_settings.build_path)
    for graph_id, triples in graphs.items():
        assert f"put     <{DEFAULT_GRAPH_PREFIX}{graph_id}>  {len(triples)} triples" in result.stdout
    total = sum(len(t) for t in graphs.values())
    assert f"pushed {len(graphs)} graphs ({total} triples) to {server.store}" in result.stdout

    remote = RemoteStore(server.query)
    assert len(remote) == len(local.store) == total
    assert remote.named_graphs() == sorted(f"{DEFAULT_GRAPH_PREFIX}{g}" for g in graphs)
    here = _by_graph(local.store.quads_for_pattern(None, None, None, None))
    there = _by_graph(remote.quads_for_pattern(None, None, None, None))
    assert {g: sum(c.values()) for g, c in there.items()} == {g: sum(c.values()) for g, c in here.items()}
    assert _blank_free(there) == _blank_free(here)


def test_a_full_push_removes_graphs_the_build_no_longer_has(pushed: Server, real_settings: Settings) -> None:
    stray = f"{DEFAULT_GRAPH_PREFIX}gone-doc"
    other = "http://example.org/not-ours"
    for graph in (stray, other):
        request = urllib.request.Request(f"{pushed.store}?graph={graph}", method="PUT",
                                         data=b"<http://example.org/s> <http://example.org/p> \"o\" .",
                                         headers={"Content-Type": "application/n-triples"})
        urllib.request.urlopen(request, timeout=10).close()
    try:
        report = push(real_settings.build_path, pushed.query)
        assert report.removed == [stray]  # only graphs under the prefix are ours to delete
        assert other in RemoteStore(pushed.query).named_graphs()
    finally:
        remove(pushed.query, ["not-ours"], graph_prefix="http://example.org/")


# --------------------------------------------------------------------------------------------
# Reading through the product
# --------------------------------------------------------------------------------------------

def _norm(value: Any) -> Any:
    """Lists sorted (by their JSON-ish text), so answers compare without depending on tie order."""
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return sorted((_norm(v) for v in value), key=repr)
    return value


def test_service_on_the_server_answers_like_the_local_store(pushed: Server, real_settings: Settings,
                                                            local: Service) -> None:
    remote = Service.open(_remote_settings(real_settings, pushed))
    assert isinstance(remote.store, RemoteStore)
    assert _norm([vars(e) for e in remote.entities()]) == _norm([vars(e) for e in local.entities()])
    assert remote.entities() and len(remote.entities("indicator")) == len(local.entities("indicator"))
    there, here = remote.entity("每万人口全科医生数"), local.entity("每万人口全科医生数")
    assert there.mentions and there.label == "每万人口全科医生数"
    # kg.query.graph_queries.LABEL takes any one label (LIMIT 1, no ORDER BY); a class labelled in two
    # languages may give either, so only which nodes got labels is compared.
    there_json, here_json = there.to_json(), here.to_json()
    assert there_json.pop("labels").keys() == here_json.pop("labels").keys()
    assert _norm(there_json) == _norm(here_json)
    assert [m.start for m in there.mentions] == [m.start for m in here.mentions]  # ORDER BY kept
    assert _norm([asdict(t) for t in remote.targets()]) == _norm([asdict(t) for t in local.targets()])
    assert _norm([asdict(c) for c in remote.special_columns()]) == _norm([asdict(c) for c in local.special_columns()])
    for doc_id in local.documents:
        assert remote.sections(doc_id) == local.sections(doc_id)
        assert _norm([asdict(m) for m in remote.document_mentions(doc_id)]) == \
               _norm([asdict(m) for m in local.document_mentions(doc_id)])
    assert remote.info().counts["quads_in_store"] == local.info().counts["quads_in_store"]
    assert remote.export("nquads").count(b"\n") == local.export("nquads").count(b"\n")
    # Search still runs on the local indexes.
    assert [h.passage_id for h in remote.search("每万人口全科医生数", k=3, mode="bm25")] == \
           [h.passage_id for h in local.search("每万人口全科医生数", k=3, mode="bm25")]


@pytest.mark.parametrize("title", list(EXAMPLE_QUERIES))
def test_sparql_examples_give_the_same_rows(pushed: Server, local: Service, title: str) -> None:
    there = run_select(RemoteStore(pushed.query), EXAMPLE_QUERIES[title])
    here = run_select(local.store, EXAMPLE_QUERIES[title])
    assert there.variables == here.variables
    # GROUP_CONCAT's order is unspecified, so the 、-joined lists are compared as sets.
    def rows(result: Any) -> list[list[Any]]:
        return sorted(([sorted(c.split("、")) if c else c for c in row] for row in result.rows), key=repr)

    assert rows(there) == rows(here)
    assert here.rows


def test_ask_construct_and_syntax_errors_through_run_select(pushed: Server, local: Service) -> None:
    remote = RemoteStore(pushed.query)
    assert run_select(remote, "ASK { ?d a pol:Document }").rows == [["true"]]
    query = "CONSTRUCT { ?d dcterms:title ?t } WHERE { ?d a pol:Document ; dcterms:title ?t }"
    there, here = run_select(remote, query), run_select(local.store, query)
    assert there.variables == ["subject", "predicate", "object"]
    assert sorted(there.rows) == sorted(here.rows) and len(here.rows) == 5
    # The error points into the user's own text, not the predeclared prefixes sent before it.
    bad = "SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER(?o = ) }"
    with pytest.raises(QueryError) as here_error:
        run_select(local.store, bad)
    with pytest.raises(QueryError, match=r"at line 3, column \d+: .*; in line 3: 'FILTER\(\?o = \) }'") as there_error:
        run_select(remote, bad)
    assert str(there_error.value) == str(here_error.value)
    with pytest.raises(QueryError, match="SPARQL updates are not allowed"):
        run_select(remote, "DROP ALL")


@pytest.mark.parametrize("text", HOSTILE)
def test_bound_values_reach_the_server_as_values_not_text(pushed: Server, local: Service, text: str) -> None:
    remote = RemoteStore(pushed.query)
    before = len(remote)
    for term in (ox.Literal(text), ox.Literal(text, language="zh"),
                 ox.Literal(text, datatype=ox.NamedNode("http://example.org/type"))):
        query = "SELECT ?q (STRLEN(STR(?q)) AS ?n) WHERE { }"
        rows = list(remote.query(query, substitutions={ox.Variable("q"): term}))
        assert [(row["q"], int(row["n"].value)) for row in rows] == [(term, len(text))]
    assert len(remote) == before


def test_hostile_labels_are_matched_exactly(pushed: Server) -> None:
    graph = "http://example.org/hostile"
    lines = "".join(f"<http://example.org/h/{i}> <http://www.w3.org/2000/01/rdf-schema#label> "
                    f"{ox.Literal(text)} .\n" for i, text in enumerate(HOSTILE))
    request = urllib.request.Request(f"{pushed.store}?graph={graph}", method="PUT", data=lines.encode("utf-8"),
                                     headers={"Content-Type": "application/n-triples"})
    urllib.request.urlopen(request, timeout=10).close()
    try:
        remote = RemoteStore(pushed.query)
        query = 'SELECT ?s ?q WHERE { ?s rdfs:label ?q FILTER(STRSTARTS(STR(?s), "http://example.org/h/")) }'
        for i, text in enumerate(HOSTILE):
            rows = list(remote.query(query, prefixes=PREFIXES, substitutions={ox.Variable("q"): ox.Literal(text)}))
            assert [row["s"].value for row in rows] == [f"http://example.org/h/{i}"], text
    finally:
        remove(pushed.query, ["hostile"], graph_prefix="http://example.org/")


@pytest.mark.parametrize("text", HOSTILE)
def test_values_survive_a_server_that_expands_escapes_before_parsing(text: str) -> None:
    # SPARQL 1.1 §19.2 lets a server replace \uXXXX anywhere before parsing; do that naively
    # to the query we would send, then parse it with Oxigraph: the value must be unchanged.
    query = with_values("SELECT ?q WHERE { }", {ox.Variable("q"): ox.Literal(text)})
    naive = re.sub(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})", lambda m: chr(int(m.group(1) or m.group(2), 16)),
                   query)
    for sent in (query, naive):
        assert [row["q"].value for row in ox.Store().query(sent)] == [text]


def test_sparql_term_refuses_blank_nodes() -> None:
    assert sparql_term(ox.NamedNode("http://example.org/a#b")) == "<http://example.org/a#b>"
    with pytest.raises(QueryError, match="only IRIs and literals"):
        sparql_term(ox.BlankNode("b0"))  # type: ignore[arg-type]


TRICKY = [
    # braces, comment signs and the word WHERE inside strings, IRIs and comments
    ('SELECT ?q ?x WHERE { # not a brace: } {\n BIND("}{ # WHERE" AS ?x) FILTER(?q != <http://e/#x>) }',
     ["v", "}{ # WHERE"]),
    ("SELECT ?q ?x WHERE { BIND('''a\"}\n{''' AS ?x) FILTER(isLiteral(?q)) }", ["v", 'a"}\n{']),
    # an expression with a group in the projection, before the WHERE group
    ("SELECT ?q (EXISTS { ?q ?p ?o } AS ?x) { FILTER(BOUND(?q)) }", ["v", "false"]),
    # a CONSTRUCT template before the WHERE group
    ("CONSTRUCT { <http://e/s> <http://e/p> ?q } WHERE { FILTER(BOUND(?q)) }", ["http://e/s", "http://e/p", "v"]),
    # a WHERE group that is one sub-query
    ("SELECT ?q ?x WHERE { SELECT ?q (1 AS ?x) WHERE { } }", ["v", "1"]),
    # a smaller-than sign that is not an IRI, and a prefixed name with an escaped #
    ("PREFIX e: <http://e/> SELECT ?q ?x WHERE { BIND(1 AS ?x) FILTER(?x<2 && STR(?q) != STR(e:a\\#b)) }",
     ["v", "1"]),
]


@pytest.mark.parametrize(("query", "row"), TRICKY)
def test_values_go_into_the_where_group(query: str, row: list[str]) -> None:
    answer = ox.Store().query(with_values(query, {ox.Variable("q"): ox.Literal("v")}))
    if isinstance(answer, ox.QueryTriples):
        assert [[t.subject.value, t.predicate.value, t.object.value] for t in answer] == [row]
    else:
        assert [[term.value for term in solution] for solution in answer] == [row]  # type: ignore[union-attr]


def test_a_query_without_a_where_group_cannot_take_values() -> None:
    with pytest.raises(QueryError, match="without a WHERE group"):
        with_values("DESCRIBE <http://e/x>", {ox.Variable("q"): ox.Literal("v")})


# --------------------------------------------------------------------------------------------
# Replacing and removing one document's graph
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def edited_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The corpus with one document changed, built (with the stand-in encoder) into its own folder."""
    root = tmp_path_factory.mktemp("edited")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    path = corpus / EDITED_FILE
    os.chmod(path, 0o644)
    path.write_text(path.read_text(encoding="utf-8") + "\n上思县新增家庭医生签约服务团队12个，覆盖全部行政村。\n",
                    encoding="utf-8")
    settings = settings_for(root / "build", model="hashing", corpus=corpus)
    build(settings)
    return settings


def test_push_one_document_replaces_only_its_graph(pushed: Server, real_settings: Settings,
                                                   edited_settings: Settings) -> None:
    remote = RemoteStore(pushed.query)
    before = _by_graph(remote.quads_for_pattern(None, None, None, None))
    result = _cli(edited_settings, "push", "--endpoint", pushed.query, "--document", EDITED_DOC, "-q")
    assert result.exit_code == 0, result.stderr
    edited_iri = f"{DEFAULT_GRAPH_PREFIX}{EDITED_DOC}"
    assert result.stdout.splitlines()[0].startswith(f"put     <{edited_iri}>")
    assert "pushed 1 graphs" in result.stdout
    try:
        after = _by_graph(remote.quads_for_pattern(None, None, None, None))
        new_graph = _by_graph(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(edited_iri))
                              for t in build_graphs(edited_settings.build_path)[EDITED_DOC])
        assert after[edited_iri] == new_graph[edited_iri] != before[edited_iri]
        assert any("上思县新增家庭医生签约服务团队12个" in line for line in after[edited_iri])
        assert {g: c for g, c in after.items() if g != edited_iri} == \
               {g: c for g, c in before.items() if g != edited_iri}
        # The local build no longer matches the server, and opening says so.
        with pytest.raises(StaleBuildError, match=f"holds another version of {EDITED_DOC} — run `kg push"):
            Service.open(_remote_settings(real_settings, pushed))
    finally:
        push(real_settings.build_path, pushed.query, documents=[EDITED_DOC])
    Service.open(_remote_settings(real_settings, pushed))


def test_remove_deletes_one_graph(pushed: Server, real_settings: Settings, local: Service) -> None:
    remote = RemoteStore(pushed.query)
    graphs = build_graphs(real_settings.build_path)
    result = _cli(real_settings, "push", "--endpoint", pushed.query, "--remove", EDITED_DOC)
    assert result.exit_code == 0, result.stderr
    gone = f"{DEFAULT_GRAPH_PREFIX}{EDITED_DOC}"
    assert result.stdout == f"deleted <{gone}>\ndeleted 1 graphs from {pushed.store}\n"
    assert gone not in remote.named_graphs()
    assert len(remote) == len(local.store) - len(graphs[EDITED_DOC])
    with pytest.raises(StaleBuildError, match=f"lacks {EDITED_DOC} — run `kg push --endpoint {pushed.query}`"):
        Service.open(_remote_settings(real_settings, pushed))
    again = _cli(real_settings, "push", "--endpoint", pushed.query, "--remove", EDITED_DOC)
    assert again.exit_code == 7
    assert f"has no graph <{gone}> to delete — check the document id" in again.stderr


def test_unknown_document_and_bad_option_combinations(pushed: Server, real_settings: Settings) -> None:
    result = _cli(real_settings, "push", "--endpoint", pushed.query, "--document", "no-such-doc")
    assert result.exit_code == 2
    assert "has no graph 'no-such-doc'; known: " in result.stderr and ", gx-plan-2022, " in result.stderr
    result = _cli(real_settings, "push", "--endpoint", pushed.query, "--document", "a", "--remove", "b")
    assert result.exit_code == 2 and "cannot be combined" in result.stderr
    result = _cli(real_settings, "push")
    assert result.exit_code == 2 and "--endpoint URL (or set KG_SPARQL_ENDPOINT)" in result.stderr


def test_readme_remote_examples_run(pushed: Server, real_settings: Settings) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Remote SPARQL store", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert block, "the README's Remote SPARQL store section has no bash block"
    lines = [line.split("  #", 1)[0].strip().replace("http://127.0.0.1:7878", pushed.url)
             for line in block.group(1).splitlines()]
    commands = [line for line in lines if " kg " in f" {line}"]
    assert len(commands) >= 4
    for command in commands:
        words = shlex.split(command)
        env = dict(word.split("=", 1) for word in words[:words.index("kg")])
        result = CliRunner().invoke(main, words[words.index("kg") + 1:], env={
            "KG_BUILD_DIR": real_settings.build_dir, "KG_CORPUS_DIR": real_settings.corpus_dir,
            "KG_EMBEDDING_MODEL": real_settings.embedding_model, **env})
        assert result.exit_code == 0, (command, result.stderr)
        assert result.stdout.strip()


# --------------------------------------------------------------------------------------------
# Errors: unreachable, refusing, not a union
# --------------------------------------------------------------------------------------------

def test_an_unreachable_server_is_named_with_the_fix(real_settings: Settings) -> None:
    url = f"http://127.0.0.1:{_free_port()}/query"
    result = _cli(real_settings, "push", "--endpoint", url, "-q")
    assert result.exit_code == 7
    store = url.replace("/query", "/store")
    assert f"error: cannot reach the SPARQL server to store the graph <{DEFAULT_GRAPH_PREFIX}" in result.stderr
    assert f"PUT {store}?graph=" in result.stderr
    assert "start the server (e.g. `oxigraph serve --location DIR --union-default-graph`)" in result.stderr
    with pytest.raises(RemoteError, match=f"cannot reach the SPARQL server to run a SPARQL query: POST {url}"):
        Service.open(real_settings.with_overrides(sparql_endpoint=url))


def test_a_refusing_store_url_is_named_with_the_fix(pushed: Server, real_settings: Settings) -> None:
    result = _cli(real_settings, "push", "--endpoint", pushed.query, "--store", pushed.query, "-q")
    assert result.exit_code == 7
    assert f"refused to store the graph <{DEFAULT_GRAPH_PREFIX}" in result.stderr
    assert "answered HTTP 404" in result.stderr
    assert f"check that {pushed.query} is the server's Graph Store Protocol URL" in result.stderr
    assert "or give it with --store" in result.stderr


def test_a_server_whose_default_graph_is_not_the_union_is_refused(tmp_path: Path, real_settings: Settings) -> None:
    plain = _start(tmp_path / "plain", union=False)
    try:
        push(real_settings.build_path, plain.query)
        with pytest.raises(RemoteError, match=r"default graph is not their union.*oxigraph serve "
                                              r"--union-default-graph.*tdb2:unionDefaultGraph true"):
            Service.open(real_settings.with_overrides(sparql_endpoint=plain.query))
        remove(plain.query, list(build_graphs(real_settings.build_path)))
        with pytest.raises(StaleBuildError, match="holds no documents — run `kg push"):
            Service.open(real_settings.with_overrides(sparql_endpoint=plain.query))
    finally:
        _stop(plain)


def test_endpoint_urls() -> None:
    assert endpoints("http://h:7878") == endpoints("http://h:7878/query")
    assert endpoints("http://h:7878/").store == "http://h:7878/store"
    assert endpoints("http://h:3030/ds/query", store="http://h:3030/ds/data").store == "http://h:3030/ds/data"
    with pytest.raises(ConfigError, match="give it with --store URL"):
        endpoints("http://h:3030/ds/sparql")
    with pytest.raises(ConfigError, match="is not an http:// or https:// URL"):
        RemoteStore("file:///etc/passwd")
    with pytest.raises(ConfigError, match="is not an IRI"):
        push(Path("."), "http://h:7878", graph_prefix="not an iri ")
