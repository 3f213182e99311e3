"""Read-only SPARQL: what runs, what is refused and with which message, caps, time limit,
safe label lookup, and the ``kg sparql`` command — on a tiny store and on the real build."""

from __future__ import annotations

import csv
import io
import json
import time

import click
import pyoxigraph as ox
import pytest
from click.testing import CliRunner, Result

from kg.cli import main
from kg.config import Settings
from kg.errors import QueryError
from kg.query.service import Service
from kg.query.sparql import EXAMPLE_QUERIES, PREFIXES_HEADER, run_select
from kg.query.sparql_check import MAX_QUERY_CHARS, check_read_only
from kg.rdf.vocab import PREFIXES

E = "https://w3id.org/policy-kg/id/entity/"
# Two documents' named graphs; labels chosen to look like SPARQL syntax, so a lookup that
# leaked its text into the query would match (or break on) them.
TINY_NQUADS = f"""\
<https://w3id.org/policy-kg/id/doc/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/policy-kg/ontology#Document> <https://w3id.org/policy-kg/id/graph/a> .
<https://w3id.org/policy-kg/id/doc/b> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/policy-kg/ontology#Document> <https://w3id.org/policy-kg/id/graph/b> .
<{E}place/nanning> <http://www.w3.org/2000/01/rdf-schema#label> "南宁市"@zh <https://w3id.org/policy-kg/id/graph/a> .
<{E}place/nanning> <http://www.w3.org/2004/02/skos/core#altLabel> "邕城"@zh <https://w3id.org/policy-kg/id/graph/a> .
<{E}place/baise> <http://www.w3.org/2000/01/rdf-schema#label> "百色市"@zh <https://w3id.org/policy-kg/id/graph/b> .
<{E}place/shangsi> <http://www.w3.org/2000/01/rdf-schema#label> "上思县"@zh <https://w3id.org/policy-kg/id/graph/b> .
<{E}place/shangsi> <https://w3id.org/policy-kg/ontology#ordinal> "42"^^<http://www.w3.org/2001/XMLSchema#integer> <https://w3id.org/policy-kg/id/graph/b> .
<{E}programme/quote> <http://www.w3.org/2000/01/rdf-schema#label> "引号\\"测试'}} # 注释"@zh <https://w3id.org/policy-kg/id/graph/a> .
<{E}programme/escape> <http://www.w3.org/2000/01/rdf-schema#label> "字面\\\\u0022转义"@zh <https://w3id.org/policy-kg/id/graph/b> .
<{E}programme/drop> <http://www.w3.org/2000/01/rdf-schema#label> "\\"}}; DROP ALL; #"@zh <https://w3id.org/policy-kg/id/graph/b> .
<{E}programme/iri> <http://www.w3.org/2000/01/rdf-schema#label> "see <http://x>"@zh <https://w3id.org/policy-kg/id/graph/a> .
_:b1 <http://www.w3.org/2000/01/rdf-schema#label> "匿名节点"@zh <https://w3id.org/policy-kg/id/graph/a> .
"""
# The labels above as Python sees them, for computing what a literal match must return.
LABELS = {
    f"{E}place/nanning": ["南宁市", "邕城"],
    f"{E}place/baise": ["百色市"],
    f"{E}place/shangsi": ["上思县"],
    f"{E}programme/quote": ["引号\"测试'} # 注释"],
    f"{E}programme/escape": ["字面\\u0022转义"],
    f"{E}programme/drop": ["\"}; DROP ALL; #"],
    f"{E}programme/iri": ["see <http://x>"],
}
CROSS_JOIN_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"


@pytest.fixture()
def tiny() -> ox.Store:
    """A fresh in-memory store with two named graphs."""
    store = ox.Store()
    store.load(TINY_NQUADS.encode("utf-8"), format=ox.RdfFormat.N_QUADS)
    return store


# --- what runs -------------------------------------------------------------------------------

def test_select_sees_the_union_of_named_graphs(tiny: ox.Store) -> None:
    result = run_select(tiny, "SELECT ?doc WHERE { ?doc a pol:Document } ORDER BY ?doc")
    assert result.variables == ["doc"]
    assert result.rows == [["https://w3id.org/policy-kg/id/doc/a"], ["https://w3id.org/policy-kg/id/doc/b"]]
    assert result.truncated is False and result.elapsed_ms >= 0
    per_graph = run_select(tiny, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
    graph = "https://w3id.org/policy-kg/id/graph/"
    assert per_graph.rows == [[graph + "a", "6"], [graph + "b", "6"]]


def test_cells_are_plain_strings_and_unbound_is_none(tiny: ox.Store) -> None:
    result = run_select(tiny, """SELECT ?label ?n ?missing WHERE {
        ?s rdfs:label ?label . OPTIONAL { ?s pol:ordinal ?n } OPTIONAL { ?s pol:nothing ?missing }
        FILTER(?label IN ("上思县"@zh, "百色市"@zh)) } ORDER BY ?label""")
    assert result.rows == [["上思县", "42", None], ["百色市", None, None]]
    blank = run_select(tiny, 'SELECT ?s WHERE { ?s rdfs:label "匿名节点"@zh }')
    assert blank.rows[0][0].startswith("_:")


def test_ask_construct_and_describe(tiny: ox.Store) -> None:
    assert run_select(tiny, "ASK { ?d a pol:Document }").rows == [["true"]]
    no = run_select(tiny, "ASK { ?d a pol:Passage }")
    assert (no.variables, no.rows) == (["ask"], [["false"]])
    built = run_select(tiny, "CONSTRUCT { ?d a pol:Document } WHERE { ?d a pol:Document }")
    assert built.variables == ["subject", "predicate", "object"]
    assert sorted(built.rows) == [[f"https://w3id.org/policy-kg/id/doc/{d}", PREFIXES["rdf"] + "type",
                                   PREFIXES["pol"] + "Document"] for d in "ab"]
    described = run_select(tiny, f"DESCRIBE <{E}place/nanning>")
    assert sorted(row[2] for row in described.rows) == ["南宁市", "邕城"]


def test_project_prefixes_are_predeclared_and_a_query_may_redeclare_them(tiny: ox.Store) -> None:
    query = "SELECT ?l WHERE { ?s skos:altLabel ?l }"
    assert run_select(tiny, query).rows == [["邕城"]]
    assert run_select(tiny, PREFIXES_HEADER + query).rows == [["邕城"]]
    assert all(f"PREFIX {prefix}: <{namespace}>" in PREFIXES_HEADER for prefix, namespace in PREFIXES.items())
    assert run_select(tiny, "PREFIX skos: <http://example.org/other#>\n" + query).rows == []


@pytest.mark.parametrize("query", [
    'SELECT ?s WHERE { ?s rdfs:label "INSERT DATA { <http://a> <http://b> <http://c> }" }',
    "SELECT ?s WHERE { ?s rdfs:label ?l FILTER(CONTAINS(?l, 'DROP ALL') || ?l = \"\"\"DELETE WHERE\"\"\") }",
    "# INSERT DATA, CLEAR ALL and SERVICE in a comment are only words\nSELECT ?s WHERE { ?s ?p ?o } LIMIT 1",
    'SELECT ?s WHERE { ?s rdfs:label ?l FILTER(?l != "SERVICE <http://example.org/sparql> { }") } LIMIT 1',
    "SELECT ?s WHERE { ?s <http://example.org/service> ?o }",
    "SELECT ?service WHERE { ?service ?insert ?drop } LIMIT 1",
])
def test_update_and_service_words_outside_syntax_are_allowed(tiny: ox.Store, query: str) -> None:
    check_read_only(query)
    result = run_select(tiny, query)
    # The console answers as the store itself does: the same columns and as many rows.
    direct = tiny.query(query, prefixes=PREFIXES, use_default_graph_as_union=True)
    assert result.variables == [v.value for v in direct.variables]
    assert len(result.rows) == len(list(direct))


def test_queries_only_oxigraph_parses_still_run(tiny: ox.Store) -> None:
    # rdflib's grammar has no LATERAL; the check falls back to refusing only if "service" appears.
    result = run_select(tiny, "SELECT ?s ?l WHERE { ?s a pol:Document LATERAL { SELECT ?l WHERE { ?x rdfs:label ?l } "
                              "ORDER BY ?l LIMIT 1 } }")
    assert len(result.rows) == 2


# --- what is refused ---------------------------------------------------------------------------

UPDATES = [
    ("INSERT DATA { <http://a> <http://b> <http://c> }", "INSERT DATA"),
    ("DELETE DATA { <http://a> <http://b> <http://c> }", "DELETE DATA"),
    ("DELETE WHERE { ?s ?p ?o }", "DELETE WHERE"),
    ("LOAD <http://example.org/data.ttl> INTO GRAPH <http://example.org/g>", "LOAD"),
    ("CLEAR ALL", "CLEAR"),
    ("DROP GRAPH <https://w3id.org/policy-kg/id/graph/a>", "DROP"),
    ("CREATE GRAPH <http://example.org/g>", "CREATE"),
    ("ADD <https://w3id.org/policy-kg/id/graph/a> TO <http://example.org/g>", "ADD"),
    ("MOVE DEFAULT TO <http://example.org/g>", "MOVE"),
    ("COPY <https://w3id.org/policy-kg/id/graph/a> TO DEFAULT", "COPY"),
    (("PREFIX ex: <http://example.org/>\nWITH <http://example.org/g> DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } "
      "WHERE { ?s ?p ?o }"), "DELETE … INSERT … WHERE"),
    ("INSERT { ?s rdfs:label 'x' } WHERE { ?s ?p ?o }", "INSERT … WHERE"),
    ("DELETE DATA { <http://a> <http://b> <http://c> } ; DROP ALL", "DELETE DATA, DROP"),
    ("# a comment first\ninsert data { <http://a> <http://b> ", "INSERT"),  # not even well-formed
]


@pytest.mark.parametrize(("query", "named"), UPDATES)
def test_every_update_form_is_refused_with_its_name(tiny: ox.Store, query: str, named: str) -> None:
    before = len(tiny)
    expected = rf"SPARQL updates are not allowed \(只读查询，不能修改图谱\): {named} — only SELECT, ASK, CONSTRUCT"
    with pytest.raises(QueryError, match=expected):
        run_select(tiny, query)
    assert len(tiny) == before


SERVICES = [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "select * where { service silent ?endpoint { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE <http://example.org/sparql> { ?s ?q ?r } } }",
    "SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE <http://example.org/sparql> { ?s ?q ?r } } }",
    "SELECT * WHERE { { SELECT ?s WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } } } }",
    "ASK { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    # '<' here is less-than and '#' starts a comment, so SERVICE is a keyword (a naive IRI scan hides it).
    "SELECT * WHERE { ?s ?p ?o FILTER(?o<1)SERVICE#>\n<http://127.0.0.1:9/sparql>{ ?s ?p ?o } }",
]


@pytest.mark.parametrize("query", SERVICES)
def test_service_is_refused_wherever_it_appears(tiny: ox.Store, query: str) -> None:
    with pytest.raises(QueryError, match=r"SPARQL SERVICE \(federated query\) is not allowed \(不允许 SERVICE 联邦查询\): "
                                         r"it would send the query to another host"):
        run_select(tiny, query)


@pytest.mark.parametrize("query", [
    # Parsers that cannot vouch for a query (LATERAL is an Oxigraph extension; \u escapes) fail closed.
    "SELECT * WHERE { ?s ?p ?o LATERAL { SERVICE <http://example.org/sparql> { ?s ?q ?r } } }",
    r"SELECT * WHERE { \u0053ERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o } # \\u000A SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o }",
])
def test_service_is_refused_when_the_check_cannot_parse_the_query(tiny: ox.Store, query: str) -> None:
    with pytest.raises(QueryError, match=r"contains the word SERVICE and the read-only check could not rule out"):
        run_select(tiny, query)


def test_syntax_error_gives_line_column_and_the_line(tiny: ox.Store) -> None:
    with pytest.raises(QueryError, match=r"SPARQL syntax error \(语法错误\) at line 2, column \d+: expected .*"
                                         r"in line 2: 'WHERE \{ \?s \?p \}' — fix the query"):
        run_select(tiny, "SELECT ?s\nWHERE { ?s ?p }")


def test_unknown_prefix_says_which_are_predeclared(tiny: ox.Store) -> None:
    with pytest.raises(QueryError, match=r"at line 1, column \d+: unknown prefix — declare it with PREFIX, "
                                         r"or use one of pol:, id:, dcterms:"):
        run_select(tiny, "SELECT * WHERE { ?s foo:bar ?o }")


def test_bad_arguments_and_overlong_queries_are_refused(tiny: ox.Store) -> None:
    with pytest.raises(QueryError, match="limit must be at least 1, not 0"):
        run_select(tiny, "ASK {}", limit=0)
    with pytest.raises(QueryError, match="timeout must be more than 0 seconds"):
        run_select(tiny, "ASK {}", timeout_s=0)
    with pytest.raises(QueryError, match=rf"the limit is {MAX_QUERY_CHARS} — shorten it"):
        run_select(tiny, "ASK {}" + " " * MAX_QUERY_CHARS)


# --- caps and time limit -----------------------------------------------------------------------

def test_rows_are_capped_and_flagged(tiny: ox.Store) -> None:
    query = "SELECT ?l WHERE { ?s rdfs:label ?l } ORDER BY ?l"
    everything = run_select(tiny, query)
    assert len(everything.rows) == 8 and not everything.truncated
    capped = run_select(tiny, query, limit=3)
    assert capped.rows == everything.rows[:3] and capped.truncated
    exact = run_select(tiny, query, limit=8)
    assert exact.rows == everything.rows and not exact.truncated
    triples = run_select(tiny, "CONSTRUCT WHERE { ?s ?p ?o }", limit=2)
    assert len(triples.rows) == 2 and triples.truncated


def test_the_cap_stops_a_huge_result_early(service: Service) -> None:
    # ~13 million solutions; read lazily, the first 10 come back well inside the time limit.
    result = run_select(service.store, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }", limit=10, timeout_s=5)
    assert len(result.rows) == 10 and result.truncated


def test_a_slow_query_times_out(service: Service) -> None:
    with pytest.raises(QueryError, match=r"the SPARQL query timed out after 0\.05 s \(查询超时\) — add LIMIT"):
        run_select(service.store, CROSS_JOIN_COUNT, timeout_s=0.05)


# --- the examples on the real build ------------------------------------------------------------

@pytest.mark.parametrize("title", list(EXAMPLE_QUERIES))
def test_each_example_runs_on_the_real_build(service: Service, title: str) -> None:
    result = run_select(service.store, EXAMPLE_QUERIES[title])
    assert result.variables and not result.truncated


def test_passage_counts_example_adds_up(service: Service) -> None:
    result = run_select(service.store, EXAMPLE_QUERIES["各文档的段落数"])
    assert {row[0].rsplit("/", 1)[1] for row in result.rows} == set(service.documents)
    assert sum(int(row[2]) for row in result.rows) == service.info().counts["passages"]


def test_plan_sections_example_lists_headed_sections(service: Service) -> None:
    result = run_select(service.store, EXAMPLE_QUERIES["规划的章节"])
    assert result.variables == ["number", "title", "level", "section"]
    assert len(result.rows) > 20 and all(int(row[2]) >= 1 for row in result.rows)
    assert result.rows[0][:3] == ["一、", "推进健康广西建设，奋进全民健康新征程", "1"]


# --- the command ------------------------------------------------------------------------------

def _invoke(settings: Settings, *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, ["--build-dir", str(settings.build_path), "sparql", *args], input=stdin)


def test_cli_prints_a_tab_separated_table(real_settings: Settings) -> None:
    result = _invoke(real_settings, "SELECT ?kind (COUNT(*) AS ?n) WHERE { ?d pol:documentKind ?kind } "
                                    "GROUP BY ?kind ORDER BY ?kind")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["kind\tn", "bulletin\t1", "news\t3", "plan\t1"]
    assert result.stderr.startswith("3 rows in ")


def test_cli_table_escapes_line_breaks_and_tabs(real_settings: Settings) -> None:
    result = _invoke(real_settings, 'SELECT ?a ?b WHERE { BIND("第一行\\n第二行\\t制表" AS ?a) }')
    assert result.stdout.splitlines() == ["a\tb", "第一行\\n第二行\\t制表\t"]


def test_cli_json_and_truncation_note(real_settings: Settings) -> None:
    result = _invoke(real_settings, "SELECT ?p WHERE { ?p a pol:Passage }", "--limit", "3", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"variables", "rows", "truncated"}
    assert data["variables"] == ["p"] and len(data["rows"]) == 3 and data["truncated"] is True
    assert "(more rows exist; stopped at --limit 3)" in result.stderr


def test_cli_csv_reads_the_query_from_stdin(real_settings: Settings) -> None:
    query = EXAMPLE_QUERIES["各文档的段落数"]
    result = _invoke(real_settings, "-", "--csv", stdin=query)
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["doc", "title", "passages"] and len(rows) == 6
    assert rows[1][1] == "广西卫生健康发展“十四五”规划"


@pytest.mark.parametrize(("query", "timeout", "message"), [
    ("DROP ALL", "30", "error: SPARQL updates are not allowed (只读查询，不能修改图谱): DROP"),
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", "30",
     "error: SPARQL SERVICE (federated query)"),
    # The syntax error comes from the query's child process: a time limit it cannot miss on a busy machine.
    ("SELECT ?s WHERE { ?s }", "30", "error: SPARQL syntax error (语法错误) at line 1"),
    (CROSS_JOIN_COUNT, "0.05", "error: the SPARQL query timed out after 0.05 s"),
])
def test_cli_refusals_exit_with_code_7(real_settings: Settings, service: Service, query: str, timeout: str,
                                       message: str) -> None:
    result = _invoke(real_settings, query, "--timeout", timeout)
    assert result.exit_code == 7
    assert result.stderr.startswith(message), result.stderr
    assert result.stdout == ""


def test_cli_rejects_a_zero_limit(real_settings: Settings) -> None:
    result = _invoke(real_settings, "ASK {}", "--limit", "0")
    assert result.exit_code == 2 and "--limit" in result.stderr


def test_registered_in_kg_cli(real_settings: Settings, service: Service) -> None:
    assert "sparql" in main.commands
    result = CliRunner().invoke(main, ["--build-dir", str(real_settings.build_path), "sparql",
                                       "ASK { ?d a pol:Document }", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"variables": ["ask"], "rows": [["true"]], "truncated": False}
