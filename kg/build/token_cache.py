"""Search tokens remembered between builds, keyed by the tokenizer's version and the text.

jieba segmentation of every passage is the second most expensive step of a build after
encoding (19 s for 37k passages on two cores). Like the vector cache, this lets a rebuild after
``kg add``/``kg remove`` segment only passages it has never seen; the tokens are the same as
:func:`kg.text.tokenize` gives, so the BM25 index is exactly that of a fresh build.

Tokens are stored as ids into one vocabulary, so the file and the loaded cache stay small, and
every occurrence of a token is the same string object.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path

import numpy as np

from kg.build.vector_cache import fingerprint, text_key


def tokenizer_fingerprint() -> str:
    """Changes whenever tokens could change: the tokenizer's code, its dictionaries, jieba."""
    data = resources.files("kg").joinpath("data")
    return fingerprint([Path(__file__).resolve().parents[1] / "text.py", Path(str(data / "userdict.txt")),
                        Path(str(data / "stopwords.txt"))], packages=["jieba"])


class TokenCache:
    """One file of (text key → token ids) for the current tokenizer; load, look up, save atomically."""

    def __init__(self, folder: Path, fingerprint: str | None = None) -> None:
        self.path = folder / f"tokens-{fingerprint or tokenizer_fingerprint()}.npz"
        self.vocab: list[str] = []
        self._ids: dict[str, int] = {}
        self._entries: dict[str, np.ndarray] = {}
        self._used: set[str] = set()
        if self.path.exists():
            try:
                with np.load(self.path) as data:
                    vocab, keys, offsets, ids = data["vocab"], data["keys"], data["offsets"], data["ids"]
                self.vocab = [str(v) for v in vocab]
                self._ids = {token: i for i, token in enumerate(self.vocab)}
                self._entries = {str(k): ids[offsets[i]:offsets[i + 1]] for i, k in enumerate(keys)}
            except (OSError, ValueError, KeyError, IndexError, EOFError, zipfile.BadZipFile):
                self.vocab, self._ids, self._entries = [], {}, {}  # a damaged cache only costs a re-segmentation

    def tokens(self, text: str, tokenize: Callable[[str], list[str]]) -> list[str]:
        """The tokens of ``text``: remembered, or made by ``tokenize`` and remembered."""
        key = text_key(text)
        self._used.add(key)
        known = self._entries.get(key)
        if known is not None:
            return [self.vocab[i] for i in known.tolist()]
        tokens = tokenize(text)
        ids = []
        for token in tokens:
            index = self._ids.get(token)
            if index is None:
                index = self._ids[token] = len(self.vocab)
                self.vocab.append(token)
            ids.append(index)
        self._entries[key] = np.asarray(ids, dtype=np.int32)
        return [self.vocab[i] for i in ids]

    def save(self, keep: Iterable[str] | None = None) -> None:
        """Write the cache: the texts looked up since loading (or the ``keep`` texts), nothing else,
        so the tokens of removed documents do not linger."""
        keys = sorted(self._used if keep is None else {text_key(t) for t in keep} & set(self._entries))
        keys = [k for k in keys if k in self._entries]
        used = sorted({int(i) for k in keys for i in self._entries[k].tolist()})
        remap = np.full(max(len(self.vocab), 1), -1, dtype=np.int64)
        remap[used] = np.arange(len(used))
        lengths = [len(self._entries[k]) for k in keys]
        offsets = np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]).astype(np.int64)
        ids = (remap[np.concatenate([self._entries[k] for k in keys])] if keys and offsets[-1]
               else np.zeros(0, dtype=np.int64)).astype(np.int32)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(f".tmp-{os.getpid()}.npz")
        np.savez(temporary, vocab=np.array([self.vocab[i] for i in used], dtype=str),
                 keys=np.array(keys, dtype=str), offsets=offsets, ids=ids)
        os.replace(temporary, self.path)
        for stale in self.path.parent.glob("tokens-*.npz"):  # made by an older tokenizer
            if stale != self.path:
                stale.unlink(missing_ok=True)
