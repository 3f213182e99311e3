"""The core ``kg`` commands: settings, build, add, remove, validate, info, search, eval, entities, show."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kg.cli.common import echo_json, main, open_service, progress_bars, settings_of
from kg.config import SETTINGS, Settings

if TYPE_CHECKING:
    from kg.query.service import Service

@main.command("settings")
@click.pass_context
def settings_cmd(ctx: click.Context) -> None:
    """List every setting with its current value and help."""
    current = settings_of(ctx)
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
    from kg.build.pipeline import build as run_build
    from kg.errors import StaleBuildError
    from kg.build.manifest import check_build

    settings = settings_of(ctx).with_overrides(corpus_dir=str(corpus) if corpus else None)
    if if_stale:
        try:
            check_build(settings)
            click.echo(f"build in {settings.build_dir} is up to date")
            return
        except StaleBuildError as exc:
            click.echo(f"rebuilding: {exc}", err=True)
    report = run_build(settings, progress=progress_bars(quiet), strict=strict)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for rejected in report.rejected:
        click.echo(f"rejected: {rejected.file}: {rejected.reason}", err=True)
    stages = ", ".join(f"{k} {v:.1f}s" for k, v in report.stages.items())
    click.echo(f"built {report.documents} documents, {report.sections} sections, {report.passages} passages, "
               f"{report.triples} triples in {report.seconds:.1f}s ({stages}) → {report.build_dir}")


@main.command()
@click.argument("query")
@click.option("--k", "-k", default=10, show_default=True, help="Number of results.")
@click.option("--mode", type=click.Choice(["hybrid", "bm25", "dense"]), default="hybrid", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.pass_context
def search(ctx: click.Context, query: str, k: int, mode: str, as_json: bool) -> None:
    """Search passages. QUERY '-' reads one query per line from stdin and prints, one line each,
    the same JSON object as --json (query, answer card, hits)."""
    service = open_service(ctx)
    if query == "-":
        for line in sys.stdin:
            echo_json(_search_json(service, line.rstrip("\n"), k, mode), indent=None)
        return
    if as_json:
        echo_json(_search_json(service, query, k, mode))
        return
    hits = service.search(query, k=k, mode=mode)
    if not hits:
        click.echo("no results")
    for hit in hits:
        path = " > ".join(hit.section_path[1:]) or "(正文)"
        click.echo(f"{hit.rank:>2}. [{hit.score:.4f}] {hit.doc_title} ({hit.doc_date}) — {path}")
        click.echo(f"    {hit.text.replace(chr(10), ' ')[:200]}")
        click.echo(f"    {hit.doc_id} [{hit.start}:{hit.end}] passage {hit.passage_id}")


def _search_json(service: "Service", query: str, k: int, mode: str) -> dict[str, object]:
    card = service.answer(query)
    hits = service.search(query, k=k, mode=mode)
    return {"query": query, "answer": card.to_json() if card else None, "hits": [h.to_json() for h in hits]}


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def info(ctx: click.Context, as_json: bool) -> None:
    """Documents, sections, passages, triples, model and build time of the current build."""
    data = open_service(ctx).info()
    if as_json:
        echo_json(data.to_json())
        return
    counts = data.counts
    click.echo(f"build:     {data.build_dir} (built {data.built_at})")
    click.echo(f"model:     {data.model['id']} ({data.model['dimension']}-d)")
    click.echo(f"counts:    {counts['documents']} documents, {counts['sections']} sections, "
               f"{counts['passages']} passages, {counts['triples']} triples")
    for doc in data.documents:
        click.echo(f"  {doc.id:<22} {doc.kind:<8} {doc.date:<10} {doc.title}")
    for rejected in data.rejected:
        click.echo(f"  rejected: {rejected['file']}: {rejected['reason']}")


@main.command("eval")
@click.argument("queries", required=False, type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--extraction", "gold_dir", is_flag=False, flag_value=Path("tests/data/gold"), default=None,
              type=click.Path(path_type=Path), metavar="[GOLD_DIR]",
              help="Score the extractors on the corpus against a hand-made gold folder instead "
                   "(default tests/data/gold).")
@click.option("--json", "as_json", is_flag=True)
@click.option("--no-boost", is_flag=True,
              help="Also report hybrid search without the graph boost, and with answer cards put first.")
@click.option("--synonyms", is_flag=True, help="Also report BM25 and hybrid search with synonym expansion.")
@click.pass_context
def eval_cmd(ctx: click.Context, queries: Path | None, gold_dir: Path | None, as_json: bool, no_boost: bool,
             synonyms: bool) -> None:
    """R@5 and MRR@10 of hybrid, BM25-only and dense-only search on a JSONL query file (and of its
    paraphrase questions, kind "paraphrase", on their own rows), or (--extraction) precision,
    recall and the misses of each extractor against a gold folder."""
    from kg.evaluate.retrieval import load_queries, score

    if gold_dir is not None:
        _eval_extraction(settings_of(ctx), gold_dir, as_json)
        return
    if queries is None:
        raise click.UsageError("give a JSONL query file, or --extraction")
    service = open_service(ctx)
    items = load_queries(queries)
    results = {}
    for mode in ("hybrid", "bm25", "dense"):
        results[mode] = score(items, lambda q, mode=mode: [h.text for h in service.search(q, k=10, mode=mode)])
    if synonyms:
        for mode in ("hybrid", "bm25"):
            results[f"{mode}+synonyms"] = score(
                items, lambda q, mode=mode: [h.text for h in service.search(q, k=10, mode=mode, synonyms=True)])
    if no_boost:
        results["hybrid-noboost"] = score(items, lambda q: [h.text for h in service.search(q, k=10, boost=False)])

        def with_card(q: str) -> list[str]:
            # The card comes before the hits: its quotes count as rank 1 when it has any.
            card = service.answer(q)
            quotes = [" ".join(c.quote for c in card.citations)] if card and card.citations else []
            return quotes + [h.text for h in service.search(q, k=10)]

        results["hybrid+card"] = score(items, with_card)
    paraphrases = [q.id for q in items if q.kind == "paraphrase"]
    if paraphrases:
        for method in list(results):
            results[f"{method} [paraphrase]"] = _subset(results[method], paraphrases)
    if as_json:
        echo_json(results)
        return
    click.echo(f"{'method':<28} {'R@5':>6} {'MRR@10':>7}  (n={len(items)}; paraphrase rows n={len(paraphrases)})")
    for mode, r in results.items():
        click.echo(f"{mode:<28} {r['R@5']:>6.3f} {r['MRR@10']:>7.3f}")
    missed = [qid for qid, rank in results["hybrid"]["first_rank"].items() if rank is None or rank > 5]
    if missed:
        click.echo(f"hybrid misses in top 5: {', '.join(missed)}")


def _subset(result: dict[str, Any], ids: list[str]) -> dict[str, Any]:
    """R@5 and MRR@10 of one method's result over the queries ``ids`` only."""
    ranks = {qid: result["first_rank"][qid] for qid in ids}
    n = max(len(ids), 1)
    return {"R@5": sum(1 for r in ranks.values() if r is not None and r <= 5) / n,
            "MRR@10": sum(1 / r for r in ranks.values() if r is not None) / n, "n": len(ids), "first_rank": ranks}


@main.command()
@click.option("--type", "entity_type", help="Only this type (e.g. indicator, institution, programme).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def entities(ctx: click.Context, entity_type: str | None, as_json: bool) -> None:
    """List entities: id, type, label, aliases, documents, mention count."""
    rows = open_service(ctx).entities(entity_type.lower() if entity_type else None)
    if as_json:
        echo_json([vars(r) for r in rows])
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
    data = open_service(ctx).entity(name)
    if as_json:
        echo_json(data.to_json())
        return
    click.echo(f"{data.label}  <{data.iri}>")

    def named(value: object) -> str:
        return f"{data.labels[value]} <{value}>" if isinstance(value, str) and value in data.labels else str(value)

    for prop, values in sorted(data.properties.items()):
        click.echo(f"  {prop}: {' | '.join(named(v) for v in values)}")
    for subject, prop in data.incoming:
        click.echo(f"  ← {prop} {named(subject)}")
    click.echo(f"  {len(data.mentions)} mentions:")
    for m in data.mentions:
        click.echo(f"    {m.doc_id} [{m.start}:{m.end}] {m.quote}")


@main.command()
@click.option("--engine", type=click.Choice(["native", "pyshacl"]), default="native", show_default=True,
              help="native: the build's one-pass checker; pyshacl: the reference implementation (slower).")
@click.pass_context
def validate(ctx: click.Context, engine: str) -> None:
    """Check the current build's graph against ontology/shapes.ttl (SHACL)."""
    from kg.rdf.validate import validate_quads

    service = open_service(ctx)
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
    from kg.build.pipeline import update_corpus

    settings = settings_of(ctx)
    meta = {"id": doc_id, "title": title, "issuer": issuer, "date": date, "kind": kind, "as_of": as_of,
            "report_year": report_year}
    described = any(meta.values())
    # All or nothing: staged, built, and only then committed to the corpus together with the build.
    added, report = update_corpus(settings, add=list(files), meta=meta if described else None,
                                  progress=progress_bars(quiet))
    click.echo(f"added {', '.join(added)} to {settings.corpus_dir}")
    _echo_inferred(settings, added)
    for rejected in report.rejected:
        click.echo(f"rejected: {rejected.file}: {rejected.reason}", err=True)
    click.echo(f"build updated: {report.documents} documents, {report.passages} passages in {report.seconds:.1f}s")


def _echo_inferred(settings: Settings, names: list[str]) -> None:
    """Show what was inferred for each added file, and where each value came from."""
    from kg.errors import CorpusError
    from kg.ingest import metadata as inference
    from kg.ingest.corpus import load_metadata
    from kg.ingest.normalise import clean_document
    from kg.ingest.readers import read_raw

    given = load_metadata(settings.corpus_path)
    for name in names:
        path = settings.corpus_path / name
        try:
            raw = read_raw(path, int(settings.max_file_mb * 1024 * 1024))
        except CorpusError:
            continue  # the build below reports why
        cleaned = clean_document(raw.text, paragraph_lines=raw.paragraph_lines,
                                 chrome=raw.source_format not in ("txt", "md"))
        meta, provenance = inference.merge(path, inference.infer(path, cleaned, raw.properties), given.get(name))
        click.echo(f"{name}: id {meta.id}, read by {raw.method or raw.source_format}"
                   + (" (OCR text: check it for misread characters)" if raw.extraction == "ocr" else ""))
        for line in inference.describe(provenance):
            click.echo(f"  {line}")
        click.echo("  correct any field in metadata.json (an entry with \"file\" and the fields to set), "
                   "then run kg build")


@main.command()
@click.argument("doc_ids", nargs=-1, required=True)
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@click.pass_context
def remove(ctx: click.Context, doc_ids: tuple[str, ...], quiet: bool) -> None:
    """Remove documents (by id) from the corpus and the build; their files move to corpus/.removed/."""
    from kg.build.manifest import check_build
    from kg.build.pipeline import update_corpus

    settings = settings_of(ctx)
    check_build(settings, check_corpus=False)
    moved, report = update_corpus(settings, remove=list(doc_ids), progress=progress_bars(quiet))
    click.echo(f"moved {', '.join(moved)} to {settings.corpus_path / '.removed'}")
    click.echo(f"build updated: {report.documents} documents, {report.passages} passages in {report.seconds:.1f}s")


def _eval_extraction(settings: Settings, gold_dir: Path, as_json: bool) -> None:
    from kg.build.pipeline import prepare_documents
    from kg.evaluate.extraction import format_report, score_extraction
    from kg.ingest.corpus import load_corpus

    load = load_corpus(settings.corpus_path, int(settings.max_file_mb * 1024 * 1024))
    report = score_extraction(gold_dir, prepare_documents(load, settings))
    if as_json:
        echo_json(report.as_dict())
        return
    click.echo(format_report(report))
