"""kg.build.finds_cache: each document's own finds remembered between builds."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.build.pipeline import prepare_documents
from kg.config import load_settings
from kg.ingest.corpus import load_corpus
from kg.build.finds_cache import FindsCache
from kg.extract.context import DocContext
from kg.extract.entities import extract_entities, find_in_document
from tests.helpers import CORPUS


@pytest.fixture(scope="module")
def prepared() -> list:
    return prepare_documents(load_corpus(CORPUS, 50 * 1024 * 1024), load_settings())


def _summary(extraction: object) -> tuple:
    entities = extraction.entities  # type: ignore[attr-defined]
    return (sorted((ref, e.label, sorted(e.aliases), sorted((k, sorted(v)) for k, v in e.links.items()))
                   for ref, e in entities.items()),
            [(m.doc_id, m.start, m.end, m.key) for m in extraction.mentions])  # type: ignore[attr-defined]


def test_cached_finds_give_the_same_extraction(tmp_path: Path, prepared: list) -> None:
    fresh = _summary(extract_entities(prepared))
    cache = FindsCache(tmp_path)
    first = _summary(extract_entities(prepared, cache))
    assert (cache.hits, cache.misses) == (0, len(prepared))
    again = FindsCache(tmp_path)
    second = _summary(extract_entities(prepared, again))
    assert (again.hits, again.misses) == (len(prepared), 0)
    assert fresh == first == second


def test_save_keeps_this_builds_documents_and_fingerprint_only(tmp_path: Path, prepared: list) -> None:
    old = FindsCache(tmp_path, fingerprint="old")
    ctx = DocContext.build(*prepared[0])
    old(ctx)
    old.save()
    cache = FindsCache(tmp_path)
    for document, sections, passages in prepared[:2]:
        cache(DocContext.build(document, sections, passages))
    cache.save()
    smaller = FindsCache(tmp_path)
    smaller(DocContext.build(*prepared[1]))
    smaller.save()
    assert [p.name for p in tmp_path.glob("finds-*")] == [cache.folder.name]
    assert len(list(cache.folder.iterdir())) == 1


def test_an_unreadable_entry_is_found_again(tmp_path: Path, prepared: list) -> None:
    ctx = DocContext.build(*prepared[0])
    cache = FindsCache(tmp_path)
    expected = find_in_document(ctx)
    cache(ctx)
    for entry in cache.folder.iterdir():
        entry.write_bytes(b"not a pickle")
    again = FindsCache(tmp_path)
    found = again(ctx)
    assert again.misses == 1
    assert [(c.start, c.end, c.key) for c in found.named] == [(c.start, c.end, c.key) for c in expected.named]
