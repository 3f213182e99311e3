"""kg.query.synonyms: everyday-word synonyms for BM25, found in the query and capped in weight."""

from __future__ import annotations

import numpy as np
import pytest

from kg.query import synonyms


def test_every_group_word_knows_the_others() -> None:
    table = synonyms.groups()
    assert {"医师", "医生"} <= table["大夫"]
    assert "大夫" in table["医师"]
    assert all(word not in others for word, others in table.items())


def test_expansion_adds_the_synonyms_the_query_lacks() -> None:
    extra = synonyms.expansion("大夫下了班能不能去别的地方坐诊")
    assert "医生" in extra and "医师" in extra
    assert "大夫" not in extra  # already in the query
    assert synonyms.expansion("医学") == ()  # no group word in it


def test_a_longer_word_wins_over_the_word_inside_it() -> None:
    extra = synonyms.expansion("乡村医生的待遇")
    assert "赤脚医生" in extra
    assert "大夫" not in extra  # 医生 inside 乡村医生 is not found on its own


def test_combine_caps_the_expansion_at_half_the_best_own_score() -> None:
    own = np.array([4.0, 1.0, 0.0])
    expanded = np.array([0.0, 0.0, 100.0])
    combined = synonyms.combine(own, expanded)
    assert combined[2] == pytest.approx(synonyms.WEIGHT * 4.0)
    assert combined[0] > combined[2]  # a passage with the query's own words keeps its lead
    np.testing.assert_array_equal(synonyms.combine(own, np.zeros(3)), own)


def test_combine_without_own_matches_uses_the_expansion_at_its_weight() -> None:
    combined = synonyms.combine(np.zeros(2), np.array([2.0, 1.0]))
    np.testing.assert_allclose(combined, [synonyms.WEIGHT * 2.0, synonyms.WEIGHT * 1.0])


def test_view_is_the_query_with_its_synonyms_only_when_bm25_finds_little_of_it() -> None:
    query = "大夫下了班能不能去别的地方坐诊"
    viewed = synonyms.view(query, 0.1)
    assert viewed is not None and viewed.startswith(query + " ")
    assert {"医生", "医师"} <= set(viewed[len(query):].split())
    assert synonyms.view(query, synonyms.VIEW_BELOW) is None  # the query is in the documents' words
    assert synonyms.view("医学", 0.0) is None  # no synonyms: nothing more to encode


def test_blend_weighs_the_view_by_what_bm25_did_not_find() -> None:
    own, viewed = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    np.testing.assert_allclose(synonyms.blend(own, viewed, 1.0), own)
    half = synonyms.blend(own, viewed, 0.0)
    np.testing.assert_allclose(half, [2 ** -0.5, 2 ** -0.5])
    tilted = synonyms.blend(own, viewed, 0.6)
    assert np.linalg.norm(tilted) == pytest.approx(1.0) and tilted[0] > tilted[1] > 0
