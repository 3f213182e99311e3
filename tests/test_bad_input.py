"""Bad input gets a clear message and the right exit code (issue 12 items 11, 14), never a traceback."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.errors import MetadataError
from kg.ingest.corpus import load_metadata
from views.render import escape_markdown
from tests.helpers import CORPUS


def _corpus_with(tmp_path: Path, text: str) -> Path:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "metadata.json").write_text(text, encoding="utf-8")
    return corpus


@pytest.mark.parametrize(("entry", "message"), [
    ({"id": "doc-a\n", "file": "x.txt", "title": "t", "kind": "plan"}, "must be letters, digits"),
    ({"id": "doc-a", "file": "x.txt", "title": "t", "kind": "plan", "report_year": True}, "report_year True"),
])
def test_metadata_values_that_used_to_pass_are_refused(tmp_path: Path, entry: dict[str, object], message: str) -> None:
    corpus = _corpus_with(tmp_path, json.dumps({"documents": [entry]}))
    with pytest.raises(MetadataError, match=message):
        load_metadata(corpus)


def test_deeply_nested_metadata_is_a_metadata_error_not_a_recursion_error(tmp_path: Path) -> None:
    corpus = _corpus_with(tmp_path, "[" * 100_000 + "]" * 100_000)
    with pytest.raises(MetadataError, match="nested too deep"):
        load_metadata(corpus)
    result = CliRunner().invoke(main, ["build", "--corpus", str(corpus)], env={"KG_BUILD_DIR": str(tmp_path / "b"),
                                                                             "KG_EMBEDDING_MODEL": "hashing"})
    assert result.exit_code == 3 and "nested too deep" in result.stderr, result.output


@pytest.mark.parametrize("url", ["http://[::1/query", "http://127.0.0.1:port/query"])
def test_a_malformed_endpoint_is_a_config_error(url: str) -> None:
    result = CliRunner().invoke(main, ["push", "--endpoint", url])
    assert result.exit_code == 2, result.output  # before: ValueError, exit 1
    assert "is not a valid URL" in result.stderr or "is not an http" in result.stderr


def test_escaped_markdown_has_no_link_image_or_html() -> None:
    planted = "标题![x](http://127.0.0.1:9/t.png)[点我](http://evil/) <img src=x> **粗** :red[红] $x$"
    escaped = escape_markdown(planted)
    assert re.search(r"(?<!\\)[\[\]()<>*:$!]", escaped) is None  # every markdown character escaped
    # A bare URL would still become a link (autolinks are found after escapes): an invisible
    # word joiner (U+2060) breaks its "://"; otherwise the text is unchanged.
    assert "://" not in escaped.replace("\\", "")
    assert escaped.replace("\\", "").replace("\u2060", "") == planted


@pytest.fixture(scope="module")
def small_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    from kg.build.pipeline import build
    from tests.helpers import settings_for

    settings = settings_for(tmp_path_factory.mktemp("bad-input") / "build", model="hashing")
    build(settings)
    return {"KG_BUILD_DIR": settings.build_dir, "KG_CORPUS_DIR": settings.corpus_dir, "KG_EMBEDDING_MODEL": "hashing"}


@pytest.mark.parametrize("name", ["https://a b", "\x01", "\u200b", "\u202e", "\udcff"[:0] + "\x7f"])
def test_kg_show_of_a_bad_or_empty_name_says_nothing_matched(small_build: dict[str, str], name: str) -> None:
    result = CliRunner().invoke(main, ["show", name], env=small_build)
    assert result.exit_code != 0 and result.exit_code != 1, result.output  # 1 was the traceback
    assert "nothing matched" in result.stderr and "Traceback" not in result.output
    assert "上思县" not in result.stdout


def test_huge_text_files_are_refused_naming_the_file_and_the_limit_and_the_rest_builds(tmp_path: Path) -> None:
    from kg.ingest.corpus import load_corpus
    from kg.ingest.readers import MAX_TEXT_CHARS

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notice.txt").write_text("某市卫生健康委员会关于开展健康促进行动的通知\n各县区：现就开展健康促进行动通知如下。",
                                       encoding="utf-8")
    with (corpus / "huge.txt").open("wb") as fh:
        fh.truncate(40 * 1024 * 1024)  # 40 MiB, under the 50 MiB file limit: refused unread
    (corpus / "one-line.md").write_bytes("健康优先发展".encode("utf-8") * (30 * 1024 * 1024 // 18))  # one 30 MiB line
    # A file small enough in bytes whose text is still too long: one character a byte.
    (corpus / "long.txt").write_text("health 2025 " * (MAX_TEXT_CHARS // 12 + 1000), encoding="utf-8")
    load = load_corpus(corpus, 50 * 1024 * 1024)
    assert [d.meta.file for d in load.documents] == ["notice.txt"]
    reasons = {r.file: r.reason for r in load.rejected}
    fix = "split it into several files (one per chapter or part)"
    assert reasons["huge.txt"].startswith("text file is 41,943,040 bytes (40.0 MiB), so more than 1,000,000 "
                                          "characters, over the limit of 1,000,000 characters for one document")
    assert reasons["one-line.md"].startswith("text file is 31,457,268 bytes (30.0 MiB)")
    assert reasons["long.txt"].startswith("text is 1,011,996 characters long, over the limit of 1,000,000 characters")
    assert all(fix in reason for reason in reasons.values())
