"""``kg push``: upload the current build's named graphs to a SPARQL server, or remove one.

Errors are raised as KGError (RemoteError is a QueryError: exit code 7); the group turns them
into messages.
"""

from __future__ import annotations

import click

from kg.cli.common import main, progress_bars, settings_of
from kg.remote.graphs import DEFAULT_GRAPH_PREFIX
from kg.remote.http import DEFAULT_TIMEOUT_S
from kg.remote.push import PushReport


@main.command("push")
@click.option("--endpoint", metavar="URL",
              help="The server's SPARQL query URL, e.g. http://127.0.0.1:7878/query (default: the "
                   "sparql_endpoint setting, KG_SPARQL_ENDPOINT).")
@click.option("--store", metavar="URL",
              help="Its Graph Store Protocol URL (default: …/store beside a …/query endpoint, as in Oxigraph; "
                   "Fuseki: http://HOST:3030/DATASET/data).")
@click.option("--graph-prefix", default=DEFAULT_GRAPH_PREFIX, show_default=True, metavar="IRI",
              help="Graph names on the server are this prefix + document id (or ontology, entities).")
@click.option("--document", "documents", multiple=True, metavar="ID",
              help="Replace only this document's graph (repeatable). Without it every graph is replaced and "
                   "graphs under the prefix that the build no longer has are deleted.")
@click.option("--remove", "removals", multiple=True, metavar="ID",
              help="Delete this document's graph from the server instead of pushing (repeatable).")
@click.option("--timeout", default=DEFAULT_TIMEOUT_S, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Seconds to wait for each answer of the server.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.pass_context
def push_command(ctx: click.Context, endpoint: str | None, store: str | None, graph_prefix: str,
                 documents: tuple[str, ...], removals: tuple[str, ...], timeout: float, quiet: bool) -> None:
    """Upload the current build to a SPARQL 1.1 server, one named graph per document (HTTP PUT each).

    Then point the app and the CLI at it with KG_SPARQL_ENDPOINT=URL; search indexes and texts
    stay local. The server's default graph must be the union of its named graphs
    (`oxigraph serve --union-default-graph`).
    """
    from kg.remote.push import push, remove
    from kg.build.manifest import check_build

    settings = settings_of(ctx)
    url = endpoint or settings.sparql_endpoint
    if not url:
        raise click.UsageError("give the server with --endpoint URL (or set KG_SPARQL_ENDPOINT)")
    if removals and documents:
        raise click.UsageError("--remove and --document cannot be combined; run kg push twice")
    from kg.remote.http import endpoints

    endpoints(url, store)  # a malformed URL is a ConfigError (exit 2) before anything else is read
    progress = progress_bars(quiet)
    if removals:
        report = remove(url, removals, store=store, graph_prefix=graph_prefix, progress=progress, timeout_s=timeout)
    else:
        check_build(settings)  # a stale build would put an outdated graph on the server
        report = push(settings.build_path, url, store=store, graph_prefix=graph_prefix, documents=documents,
                      progress=progress, timeout_s=timeout)
    _print(report, url)


def _print(report: PushReport, url: str) -> None:
    for iri, triples in report.uploaded:
        click.echo(f"put     <{iri}>  {triples} triples")
    for iri in report.removed:
        click.echo(f"deleted <{iri}>")
    if report.uploaded:
        click.echo(f"pushed {len(report.uploaded)} graphs ({report.triples} triples) to {report.store_url}; "
                   f"query them with KG_SPARQL_ENDPOINT={url}")
    else:
        click.echo(f"deleted {len(report.removed)} graphs from {report.store_url}")
