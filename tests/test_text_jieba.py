"""kg.text's tokenizer reads jieba's dictionary cache in one piece and segments as jieba does."""

from __future__ import annotations

import marshal
from pathlib import Path

import pytest


def _segment(cache_dir: Path, text: str, must_read_cache: bool) -> list[str]:
    import jieba

    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = str(cache_dir)
    if must_read_cache:
        tokenizer.gen_pfdict = lambda *_: pytest.fail("jieba rebuilt its dictionary instead of reading the cache")  # type: ignore[method-assign]
    return tokenizer.lcut(text)


def test_the_whole_file_cache_read_gives_the_same_words(tmp_path: Path) -> None:
    import jieba

    from kg.text import read_jieba_cache_at_once

    text = "贵州省推进县域医共体建设，到2027年每千人口执业医师数达到3.2人。"
    original = jieba.marshal
    try:
        jieba.marshal = marshal
        expected = _segment(tmp_path, text, must_read_cache=False)  # jieba's own code writes the cache
        assert (tmp_path / "jieba.cache").is_file()
        read_jieba_cache_at_once()
        read_jieba_cache_at_once()  # a second call changes nothing
        assert jieba.marshal is not marshal
        assert _segment(tmp_path, text, must_read_cache=True) == expected
    finally:
        jieba.marshal = original


def test_the_product_tokenizer_installs_the_whole_file_read() -> None:
    import jieba

    from kg.text import _jieba, words

    assert words("云南省乡镇卫生院")  # loads the tokenizer
    assert _jieba() is _jieba()
    assert jieba.marshal is not marshal
