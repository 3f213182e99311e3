"""kg.build.token_cache: search tokens remembered between builds."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.text import tokenize
from kg.build.token_cache import TokenCache, tokenizer_fingerprint

TEXTS = ["到2025年，全区每万人口全科医生数达到4人。", "推进紧密型县域医共体建设。", "加强基层医疗卫生服务能力。"]


def _forbidden(text: str) -> list[str]:
    raise AssertionError(f"tokenized again: {text}")


def test_tokens_are_the_tokenizers_and_come_back_from_disk(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path)
    assert [cache.tokens(t, tokenize) for t in TEXTS] == [tokenize(t) for t in TEXTS]
    cache.save()
    again = TokenCache(tmp_path)
    assert [again.tokens(t, _forbidden) for t in TEXTS] == [tokenize(t) for t in TEXTS]


def test_save_keeps_only_the_texts_of_this_build(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path)
    for text in TEXTS:
        cache.tokens(text, tokenize)
    cache.save()
    second = TokenCache(tmp_path)
    second.tokens(TEXTS[0], _forbidden)  # a build that no longer has the other two texts
    second.save()
    third = TokenCache(tmp_path)
    assert third.tokens(TEXTS[0], _forbidden) == tokenize(TEXTS[0])
    calls: list[str] = []
    third.tokens(TEXTS[1], lambda t: calls.append(t) or tokenize(t))
    assert calls == [TEXTS[1]]
    assert len(third.vocab) <= len(set(tokenize(TEXTS[0])) | set(tokenize(TEXTS[1])))


def test_a_new_tokenizer_starts_a_new_file_and_drops_the_old(tmp_path: Path) -> None:
    old = TokenCache(tmp_path, fingerprint="old")
    old.tokens(TEXTS[0], tokenize)
    old.save()
    new = TokenCache(tmp_path, fingerprint=tokenizer_fingerprint())
    calls: list[str] = []
    new.tokens(TEXTS[0], lambda t: calls.append(t) or tokenize(t))
    new.save()
    assert calls == [TEXTS[0]]
    assert [p.name for p in tmp_path.glob("tokens-*.npz")] == [new.path.name]


@pytest.mark.parametrize("damage", [b"", b"not a zip file", b"PK\x03\x04broken"])
def test_a_damaged_file_only_costs_a_new_segmentation(tmp_path: Path, damage: bytes) -> None:
    cache = TokenCache(tmp_path)
    cache.path.parent.mkdir(parents=True, exist_ok=True)
    cache.path.write_bytes(damage)
    fresh = TokenCache(tmp_path)
    assert fresh.tokens(TEXTS[1], tokenize) == tokenize(TEXTS[1])


@pytest.mark.parametrize("damage", [b"", b"PK\x03\x04broken"])
def test_a_damaged_vector_cache_is_ignored_too(tmp_path: Path, damage: bytes) -> None:
    import numpy as np

    from kg.build.vector_cache import VectorCache

    cache = VectorCache(tmp_path, "model", 4)
    cache.path.parent.mkdir(parents=True, exist_ok=True)
    cache.path.write_bytes(damage)
    fresh = VectorCache(tmp_path, "model", 4)
    vectors = fresh.encode(["甲", "乙"], lambda texts: np.eye(4, dtype=np.float32)[:len(texts)])
    assert vectors.shape == (2, 4)
