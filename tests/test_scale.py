"""Scale benchmark pieces: the synthetic corpus generator and the approximate dense index path."""

from __future__ import annotations

from pathlib import Path

import pytest

import kg.index.search_index
from bench.scale import make_corpus
from kg.build.pipeline import build
from kg.ingest.corpus import load_corpus
from kg.extract.lexicon import gazetteer
from kg.ingest.normalise import normalise
from kg.query.service import Service
from kg.ingest.sections import split_sections
from tests.helpers import CORPUS, settings_for

_MAX_BYTES = 50 * 1024 * 1024


@pytest.fixture(scope="module")
def doubled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real corpus ×2 (5 real + 5 synthetic documents), seed 7."""
    folder = tmp_path_factory.mktemp("x2")
    make_corpus(CORPUS, folder, 2, seed=7)
    return folder


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_seed_same_files_other_seed_other_files(doubled: Path, tmp_path: Path) -> None:
    make_corpus(CORPUS, tmp_path / "again", 2, seed=7)
    make_corpus(CORPUS, tmp_path / "other", 2, seed=8)
    assert _files(tmp_path / "again") == _files(doubled)
    other = _files(tmp_path / "other")
    assert other.keys() == _files(doubled).keys()
    assert other["syn-00001.txt"] != _files(doubled)["syn-00001.txt"]


def test_requested_number_of_documents_all_readable(doubled: Path) -> None:
    load = load_corpus(doubled, _MAX_BYTES)
    assert len(load.documents) == 10
    assert load.rejected == [] and load.warnings == []
    assert sum(d.id.startswith("syn-") for d in load.documents) == 5


def test_synthetic_documents_keep_headings_and_are_normalised(doubled: Path) -> None:
    load = load_corpus(doubled, _MAX_BYTES)
    synthetic = {d.id: d for d in load.documents if d.id.startswith("syn-")}
    for doc_id, document in synthetic.items():
        raw = (doubled / document.meta.file).read_text(encoding="utf-8")
        assert normalise(raw) == raw, doc_id  # offsets in the build point into the file as written
    plan_like = synthetic["syn-00002"]  # mirrors the plan: a long document of 一、 二、 … chapters
    sections = split_sections(plan_like)
    top = [s for s in sections if s.level == 1]
    assert len(top) >= 3
    assert [s.number for s in top[:3]] == ["一、", "二、", "三、"]
    assert any(s.level >= 2 for s in sections)  # the chapters' own （一） headings survive


def test_places_are_permuted_within_guangxi(doubled: Path) -> None:
    counties = {p.name for p in gazetteer().places.values() if p.level == "county"}
    load = load_corpus(doubled, _MAX_BYTES)

    def named(documents: list) -> set[str]:
        return {c for c in counties for d in documents if c in d.text}

    real = named([d for d in load.documents if not d.id.startswith("syn-")])
    synthetic = named([d for d in load.documents if d.id.startswith("syn-")])
    assert synthetic and synthetic != real


def test_synthetic_corpus_builds_with_hashing_encoder(doubled: Path, tmp_path: Path) -> None:
    report = build(settings_for(tmp_path / "build", model="hashing", corpus=doubled))
    assert report.documents == 10
    assert report.rejected == []
    assert report.passages > 0


def test_approximate_index_finds_what_the_exact_one_finds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A corpus over APPROXIMATE_THRESHOLD clause rows gets the approximate (IVF) index; the bundled
    # corpus is that large once the threshold is lowered. With fewer lists than IVF_NPROBE every list
    # is searched, so the approximate index must answer exactly as the exact one does.
    exact = settings_for(tmp_path / "exact", model="hashing")
    build(exact)
    monkeypatch.setattr(kg.index.search_index, "APPROXIMATE_THRESHOLD", 10)
    approximate = settings_for(tmp_path / "approximate", model="hashing")
    build(approximate)
    for query in ("每万人口全科医生数", "家庭医生签约服务", "紧密型县域医共体"):
        for mode in ("dense", "hybrid"):
            want = [h.passage_id for h in Service.open(exact).search(query, k=5, mode=mode)]
            got = [h.passage_id for h in Service.open(approximate).search(query, k=5, mode=mode)]
            assert len(got) == 5 and got == want, (query, mode)
