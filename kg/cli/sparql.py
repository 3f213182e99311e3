"""``kg sparql``: read-only SPARQL over the current build, printed as a table, JSON or CSV.

Errors are raised as KGError (QueryError: exit code 7); the group turns them into messages.
"""

from __future__ import annotations

import csv
import io
import json
import sys

import click

from kg.cli.common import echo_json, main, open_service, progress_bars, settings_of

from kg.config import default
from kg.errors import QueryError
from kg.query.sparql import EXAMPLE_QUERIES, MAX_TIMEOUT_S, SparqlResult, console_limits, run_select
from kg.query.sparql_check import MAX_QUERY_CHARS

_EXAMPLES = "\n\n".join(f"\b\n{title}:\n" + query.rstrip() for title, query in EXAMPLE_QUERIES.items())


@main.command("sparql", epilog=f"Examples (pol:, id:, dcterms:, skos:, rdfs:, xsd: … are predeclared):\n\n{_EXAMPLES}")
@click.argument("query")
@click.option("--limit", type=click.IntRange(min=1),
              help="Return at most this many rows (a note on stderr says when more exist) [default: setting "
                   f"sparql_max_rows, {default('sparql_max_rows')}].")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True, max=MAX_TIMEOUT_S),
              help=f"Give up after this many seconds, at most {MAX_TIMEOUT_S:g} [default: setting sparql_timeout_s, {default('sparql_timeout_s'):g}].")
@click.option("--json", "output", flag_value="json", help="Print {\"variables\", \"rows\", \"truncated\"} as JSON.")
@click.option("--csv", "output", flag_value="csv", help="Print CSV with a header row.")
@click.pass_context
def sparql_command(ctx: click.Context, query: str, limit: int | None, timeout: float | None,
                   output: str | None) -> None:
    """Run a read-only SPARQL query (SELECT, ASK, CONSTRUCT, DESCRIBE) over all documents' graphs.

    QUERY is the query text, or '-' to read it from stdin. Updates and SERVICE are refused.
    """
    from kg.query.service import Service

    settings = settings_of(ctx)
    if timeout is not None and timeout != timeout:  # nan passes FloatRange
        raise click.BadParameter(f"{timeout} is not a number of seconds.", param_hint="'--timeout'")
    if query == "-":
        text = sys.stdin.read(MAX_QUERY_CHARS + 1)  # never more than the longest query allowed
        if len(text) > MAX_QUERY_CHARS:
            raise QueryError(f"the SPARQL query on stdin is longer than {MAX_QUERY_CHARS} characters (查询过长) — "
                             f"shorten it")
    else:
        text = query
    service = Service.open(settings)
    limits = console_limits(settings)
    limits.update({"limit": limit or limits["limit"], "timeout_s": timeout or limits["timeout_s"]})
    result = run_select(service.store, text, **limits)
    if output == "json":
        echo_json(result.to_json())
    elif output == "csv":
        click.echo(_csv(result), nl=False)
    else:
        click.echo(_table(result))
    note = f"{len(result.rows)} rows in {result.elapsed_ms:.0f} ms"
    if result.truncated_by == "bytes":
        note += (f" (more rows exist; stopped at the result size limit of {settings.sparql_max_result_mb:g} MiB, "
                 f"setting sparql_max_result_mb)")
    elif result.truncated:
        note += f" (more rows exist; stopped at --limit {limits['limit']})"
    click.echo(note, err=True)


def _table(result: SparqlResult) -> str:
    """Tab-separated header and rows; tabs and line breaks inside values are shown as \\t and \\n."""
    def cell(value: str | None) -> str:
        if value is None:
            return ""
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")

    lines = ["\t".join(result.variables)]
    lines.extend("\t".join(cell(value) for value in row) for row in result.rows)
    return "\n".join(lines)


def _csv(result: SparqlResult) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(result.variables)
    writer.writerows([["" if value is None else value for value in row] for row in result.rows])
    return buffer.getvalue()
