"""Which files of a corpus folder are documents, and their fingerprint (no reading, no parsing).

Kept apart from the readers so that a query process can check a build against its corpus without
importing any reader.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from kg.errors import MetadataError

METADATA_FILE = "metadata.json"


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The source files of the corpus folder, sorted by name (metadata and dotfiles excluded)."""
    if not corpus_dir.is_dir():
        raise MetadataError(
            f"corpus folder {corpus_dir} does not exist — create it, or point --corpus "
            f"(or KG_CORPUS_DIR) at the folder holding the documents"
        )
    return sorted(
        p for p in corpus_dir.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.name != METADATA_FILE
        and p.suffix.lower() != ".json" and p.name.lower() != "readme.md"
    )


def corpus_fingerprint(corpus_dir: Path) -> dict[str, str]:
    """SHA-256 of every corpus file and of the metadata file, by file name."""
    files = corpus_files(corpus_dir)
    meta = corpus_dir / METADATA_FILE
    if meta.exists():
        files.append(meta)
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
