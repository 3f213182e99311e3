"""Nothing is lost (issue 12 items 6–9): the build swap killed at every step, the corpus
fingerprint taken when the corpus is read, concurrent `kg add`, an interrupted `kg add`, and
files `kg add` must refuse.

Crashes are real: `kg` runs in a subprocess with KG_FAULT_AT=STEP and kills itself (SIGKILL)
at that step of the swap or the commit.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kg.build import pipeline
from kg.build.manifest import check_build
from kg.build.pipeline import FAULT_VARIABLE, build
from kg.config import Settings
from kg.errors import StaleBuildError
from kg.query.service import Service
from tests.helpers import CORPUS, ROOT, settings_for

NEW_TEXT = "自治区卫生健康委部署推进紧密型县域医共体建设，提升基层医疗卫生服务能力。" * 20
QUERIES = ["县域医共体", "每万人口全科医生数"]


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    built = settings_for(tmp_path / "data" / "build", model="hashing", corpus=corpus)
    build(built)
    return built


def _kg(settings: Settings, *args: str, fault: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KG_BUILD_DIR": settings.build_dir, "KG_CORPUS_DIR": settings.corpus_dir,
           "KG_EMBEDDING_MODEL": settings.embedding_model}
    env.pop(FAULT_VARIABLE, None)
    if fault:
        env[FAULT_VARIABLE] = fault
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def _answers(settings: Settings, check_corpus: bool = True) -> list[list[str]]:
    service = Service.open(settings, check_corpus=check_corpus)
    return [[hit.passage_id for hit in service.search(q, k=5, mode="bm25")] for q in QUERIES]


def _leftovers(settings: Settings) -> list[str]:
    parent = settings.build_path.parent
    name = settings.build_path.name
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}.")
                  and not p.name.endswith(".lock") and p != pipeline.current_version(settings.build_path))


def _make_legacy(settings: Settings) -> None:
    """Turn the build folder into a real folder, as releases before the symlink swap left it."""
    target = pipeline.current_version(settings.build_path)
    assert target is not None
    settings.build_path.unlink()
    os.rename(target, settings.build_path)


# --- item 6: the swap, killed at every step ---------------------------------------------------------

@pytest.mark.parametrize(("step", "legacy"), [("staged", False), ("linked", False), ("swapped", False),
                                              ("cleaned", False), ("staged", True), ("linked", True),
                                              ("legacy-moved", True), ("swapped", True)])
def test_a_build_killed_at_any_step_of_the_swap_keeps_a_build_that_answers(settings: Settings, step: str,
                                                                           legacy: bool) -> None:
    before = _answers(settings)
    if legacy:
        _make_legacy(settings)
    (settings.corpus_path / "extra.txt").write_text(NEW_TEXT, encoding="utf-8")
    done = _kg(settings, "build", "-q", fault=step)
    assert done.returncode == -signal.SIGKILL, done.stderr
    # Killed before the swap: the old build answers as before; after it: the new one answers.
    # Either way there is a build, complete, at the build folder's path.
    manifest = json.loads((settings.build_path / "manifest.json").read_text(encoding="utf-8"))
    if "extra.txt" in manifest["corpus"]:
        assert step in ("legacy-moved", "swapped", "cleaned")  # the exchange is the swap there
        _answers(settings)  # the new build is current
    else:
        assert _answers(settings, check_corpus=False) == before
    # The next build cleans up what the killed one left, and only that.
    build(settings)
    assert _leftovers(settings) == []
    assert "extra.txt" in json.loads((settings.build_path / "manifest.json").read_text(encoding="utf-8"))["corpus"]
    _answers(settings)


def test_a_retired_build_left_between_two_renames_is_recovered_not_deleted(settings: Settings) -> None:
    """The old swap renamed build → .build.old-PID, then staging → build; a crash in between
    left no build, and the next build deleted .build.old-* before it knew it would succeed."""
    before = _answers(settings)
    _make_legacy(settings)
    os.rename(settings.build_path, settings.build_path.parent / f".{settings.build_path.name}.old-4242")
    (settings.corpus_path / "extra.txt").write_text(NEW_TEXT, encoding="utf-8")
    done = _kg(settings, "build", "-q", fault="staged")  # and this build dies too, before its swap
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert _answers(settings, check_corpus=False) == before


# --- item 7: the fingerprint is the corpus as read; concurrent adds ---------------------------------

def test_a_file_changed_during_the_build_is_not_recorded_as_built(settings: Settings,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    original = pipeline.load_corpus
    target = settings.corpus_path / "gx-health-2024-review-news.txt"

    def read_then_edit(corpus: Path, max_bytes: int):  # type: ignore[no-untyped-def]
        load = original(corpus, max_bytes)
        target.write_text(target.read_text(encoding="utf-8") + "\n新增一段在构建期间写入的文字。", encoding="utf-8")
        return load

    monkeypatch.setattr(pipeline, "load_corpus", read_then_edit)
    report = build(settings)
    assert any("changed while the build read them" in w for w in report.warnings)
    with pytest.raises(StaleBuildError, match="gx-health-2024-review-news.txt"):
        check_build(settings)  # before the fix: "up to date", with the new text not indexed


def test_two_concurrent_adds_both_land_in_corpus_and_build(settings: Settings, tmp_path: Path) -> None:
    sources = []
    for name, body in (("first.txt", "第一份新文件，关于家庭医生签约服务的通知。"),
                       ("second.txt", "第二份新文件，关于基层卫生人才培养的通知。")):
        sources.append(tmp_path / name)
        sources[-1].write_text(body * 20, encoding="utf-8")
    env = {**os.environ, "KG_BUILD_DIR": settings.build_dir, "KG_CORPUS_DIR": settings.corpus_dir,
           "KG_EMBEDDING_MODEL": settings.embedding_model}
    runs = [subprocess.Popen([sys.executable, "-m", "kg.cli", "add", "-q", str(sources[0]), "--id", "first-doc",
                              "--title", "第一份", "--kind", "news"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True),
            subprocess.Popen([sys.executable, "-m", "kg.cli", "add", "-q", str(sources[1]), "--id", "second-doc",
                              "--title", "第二份", "--kind", "news"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)]
    for run in runs:
        _, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
    entries = json.loads((settings.corpus_path / "metadata.json").read_text(encoding="utf-8"))["documents"]
    assert {"first-doc", "second-doc"} <= {e["id"] for e in entries}  # before: one entry lost (3/3 trials)
    built = {d["id"] for d in check_build(settings)["documents"]}  # current: corpus and build agree
    assert {"first-doc", "second-doc"} <= built


# --- item 8: kg add is all or nothing ------------------------------------------------------------

@pytest.mark.parametrize("step", ["corpus-staged", "staged", "journal", "applied", "linked", "swapped", "cleaned"])
def test_an_add_killed_at_any_step_leaves_a_build_that_serves_and_a_retry_that_works(
        settings: Settings, tmp_path: Path, step: str) -> None:
    source = tmp_path / "new-notice.txt"
    source.write_text(NEW_TEXT, encoding="utf-8")
    before = _answers(settings)
    done = _kg(settings, "add", "-q", str(source), fault=step)
    assert done.returncode == -signal.SIGKILL, done.stderr
    # Whatever the step, the build folder serves, with the corpus check (before: "the corpus
    # changed since the last build" for every read).
    answers = _answers(settings)
    if "new-notice.txt" not in check_build(settings)["corpus"]:
        assert answers == before
    retry = _kg(settings, "add", "-q", str(source))
    if retry.returncode != 0:  # the killed add had committed: the retry says so, and it is true
        assert "already exists" in retry.stderr, retry.stderr
    manifest = check_build(settings)
    assert "new-notice.txt" in manifest["corpus"]
    assert (settings.corpus_path / "new-notice.txt").exists()
    assert not (settings.corpus_path / pipeline.JOURNAL).exists()
    assert _leftovers(settings) == []


def test_an_added_file_the_build_rejects_changes_nothing(settings: Settings, tmp_path: Path) -> None:
    source = tmp_path / "english.txt"
    source.write_text("No Chinese text in here at all. " * 20, encoding="utf-8")
    listing = sorted(p.name for p in settings.corpus_path.iterdir())
    metadata = (settings.corpus_path / "metadata.json").read_text(encoding="utf-8")
    done = _kg(settings, "add", "-q", str(source))
    assert done.returncode == 3 and "english.txt" in done.stderr and "no Chinese text" in done.stderr
    assert "added" not in done.stdout
    assert sorted(p.name for p in settings.corpus_path.iterdir()) == listing
    assert (settings.corpus_path / "metadata.json").read_text(encoding="utf-8") == metadata
    check_build(settings)
    assert _leftovers(settings) == []


# --- item 9: what kg add refuses, naming the file ------------------------------------------------

def _refused(settings: Settings, path: Path, *words: str) -> None:
    listing = sorted(p.name for p in settings.corpus_path.iterdir())
    done = _kg(settings, "add", "-q", str(path))
    assert done.returncode == 3, done.stderr
    assert path.name in done.stderr and "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr, done.stderr
    assert sorted(p.name for p in settings.corpus_path.iterdir()) == listing  # nothing copied
    check_build(settings)  # and the build still serves


def test_kg_add_refuses_unusable_files_by_name(settings: Settings, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    _refused(settings, empty, "is empty")
    program = tmp_path / "tool.exe"
    program.write_bytes(b"MZ\x90\x00" * 100)
    _refused(settings, program, "not a document the corpus reads", ".exe")
    described = tmp_path / "notes.json"
    described.write_text('{"a": 1}', encoding="utf-8")
    _refused(settings, described, "not a document the corpus reads")
    hidden = tmp_path / ".hidden.txt"
    hidden.write_text(NEW_TEXT, encoding="utf-8")
    _refused(settings, hidden, "hidden file")
    outside = tmp_path / "outside.txt"
    outside.write_text(NEW_TEXT, encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(outside)
    _refused(settings, link, "symbolic link", str(outside))


def test_kg_add_refuses_a_second_file_with_the_same_inferred_id(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(NEW_TEXT, encoding="utf-8")
    (tmp_path / "good.md").write_text("另一份文件：" + NEW_TEXT, encoding="utf-8")
    assert _kg(settings, "add", "-q", str(tmp_path / "good.txt")).returncode == 0
    _refused(settings, tmp_path / "good.md", "document id 'good' is already used by good.txt", "--id")


def test_kg_add_refuses_a_file_over_the_size_limit_before_reading_it(settings: Settings, tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(3 * 1024 * 1024)  # sparse: 3 MiB that are never read
    env_settings = settings.with_overrides(max_file_mb=1.0)
    with pytest.raises(Exception, match=r"big.txt: is 3.0 MiB, over the limit of 1 MiB .*KG_MAX_FILE_MB"):
        pipeline.update_corpus(env_settings, add=[big])
