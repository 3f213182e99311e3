"""Chinese text utilities shared by indexing and querying: tokens, sentences, query cleanup."""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from importlib import resources
from typing import Any

from kg.ingest.normalise import unify_characters

_PUNCT = re.compile(r"^[\W_]+$", re.UNICODE)
_lock = threading.Lock()


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Function and question words that say nothing about a query's topic (data/stopwords.txt)."""
    text = resources.files("kg").joinpath("data/stopwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def read_jieba_cache_at_once() -> None:
    """Make jieba read its dictionary cache in one piece. jieba loads it with ``marshal.load`` on
    the open file, which reads the file in small pieces: 1.2–1.5 s for its 9 MB against 0.4 s
    for ``marshal.loads`` of the whole file (measured on the loaded machine), all of it holding
    the GIL, so that a server answered no browser meanwhile and the first search waited for it.
    jieba looks ``marshal`` up when it loads, so a stand-in whose ``load`` reads the file first
    serves it; a cache that does not load is rebuilt by jieba as before. Idempotent; the
    product's tokenizer (``_jieba``) applies it before it first loads."""
    import marshal

    import jieba

    class WholeFile:
        dump = staticmethod(marshal.dump)
        dumps = staticmethod(marshal.dumps)
        loads = staticmethod(marshal.loads)

        @staticmethod
        def load(file: Any) -> Any:
            return marshal.loads(file.read())

    jieba.marshal = WholeFile  # type: ignore[attr-defined]


@lru_cache(maxsize=1)
def _jieba() -> Any:
    import jieba

    read_jieba_cache_at_once()
    jieba.setLogLevel(60)  # jieba prints its dictionary loading to stderr otherwise
    tokenizer = jieba.Tokenizer()
    with resources.as_file(resources.files("kg").joinpath("data/userdict.txt")) as path:
        tokenizer.load_userdict(str(path))
    return tokenizer


@lru_cache(maxsize=1)
def _converter() -> Any:
    try:
        from opencc import OpenCC
    except ImportError:  # the query still works, only traditional characters stay as typed
        return None
    return OpenCC("t2s")


def clean_query(query: str) -> str:
    """Normalise a user query: unified characters, traditional → simplified, no controls."""
    text = unify_characters(query).replace("\n", " ").replace("\f", " ").strip()
    converter = _converter()
    if converter is not None and text:
        text = converter.convert(text)
    return re.sub(r"\s+", " ", text)


def words(text: str) -> list[str]:
    """jieba's words of ``text`` (precise mode, the product's dictionary), without stopwords
    and punctuation."""
    stop = stopwords()
    with _lock:
        found = _jieba().lcut(text)
    return [w for w in found if w.strip() and w not in stop and not _PUNCT.match(w)]


def tokenize(text: str) -> list[str]:
    """Search tokens: jieba words (search mode) plus character bigrams of Chinese runs.

    Words carry precise matches; bigrams let a paraphrase such as 执业医师 still match
    执业（助理）医师 when word segmentation differs. Stopwords and punctuation are dropped.
    """
    stop = stopwords()
    with _lock:  # jieba's tokenizer is not thread-safe while it initialises
        words = _jieba().lcut_for_search(text)
    tokens = [w.lower() for w in words if w.strip() and w not in stop and not _PUNCT.match(w)]
    for run in re.findall(r"[\u4e00-\u9fff]{2,}", text):
        tokens.extend("#" + run[i:i + 2] for i in range(len(run) - 1))
    return tokens
