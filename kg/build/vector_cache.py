"""Clause vectors remembered between builds, keyed by model and clause text.

Encoding is the most expensive stage of a build. With this cache a rebuild after
adding or removing documents encodes only clauses it has never seen; the vectors are
the ones a fresh encoding gives, so an incremental update produces exactly the graph
and indexes a fresh build of the same files would. (Search tokens and each document's
extraction finds are cached the same way: kg/token_cache.py, kg/extract/cache.py.)
"""

from __future__ import annotations

import hashlib
import os
import re
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np


def text_key(text: str) -> str:
    """The key of a text in the build caches (vectors here, tokens in kg.build.token_cache)."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


def fingerprint(files: Iterable[Path], packages: Iterable[str] = ()) -> str:
    """A short hash of files' names and contents and of installed packages' versions: a cache
    made under one fingerprint is not used under another."""
    digest = hashlib.blake2b(digest_size=8)
    for path in files:
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    for package in packages:
        try:
            digest.update(metadata.version(package).encode())
        except metadata.PackageNotFoundError:
            pass
    return digest.hexdigest()


class VectorCache:
    """A file of (key, vector) rows for one model; load, look up, add, save atomically."""

    def __init__(self, folder: Path, model_id: str, dimension: int) -> None:
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", model_id)[-80:]
        self.path = folder / f"{safe}-{dimension}.npz"
        self.dimension = dimension
        self.vectors: dict[str, np.ndarray] = {}
        if self.path.exists():
            try:
                with np.load(self.path) as data:
                    keys, matrix = data["keys"], data["vectors"]
                if matrix.shape[1:] == (dimension,):
                    self.vectors = {str(k): matrix[i] for i, k in enumerate(keys)}
            except (OSError, ValueError, KeyError, IndexError, EOFError, zipfile.BadZipFile):
                self.vectors = {}  # a damaged cache only costs a re-encode

    def encode(self, texts: Sequence[str], encoder: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        """Vectors for ``texts``: cached ones looked up, the rest encoded (once each) and remembered."""
        keys = [text_key(t) for t in texts]
        missing: dict[str, str] = {}
        for key, text in zip(keys, texts):
            if key not in self.vectors and key not in missing:
                missing[key] = text
        if missing:
            fresh = encoder(list(missing.values()))
            for key, vector in zip(missing, fresh):
                self.vectors[key] = np.asarray(vector, dtype=np.float32)
        out = np.empty((len(keys), self.dimension), dtype=np.float32)  # filled in place: no stacked copy
        for row, key in enumerate(keys):
            out[row] = self.vectors[key]
        return out

    def save(self, keep: Sequence[str] | None = None) -> None:
        """Write the cache (only the ``keep`` texts' vectors, when given) via a temporary file."""
        keys = list(self.vectors) if keep is None else sorted({text_key(t) for t in keep} & set(self.vectors))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(f".tmp-{os.getpid()}.npz")
        matrix = np.vstack([self.vectors[k] for k in keys]) if keys else np.zeros((0, self.dimension), np.float32)
        np.savez(temporary, keys=np.array(keys), vectors=matrix)
        os.replace(temporary, self.path)
