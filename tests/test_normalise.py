"""Normalisation: wrapped lines joined, tables kept, characters unified, idempotent."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kg.ingest.normalise import normalise, unify_characters
from tests.helpers import CORPUS

PLAN = CORPUS / "gx-health-14th-five-year-plan-2022.txt"


def wrapped(paragraph: str, width: int) -> str:
    """``paragraph`` hard-wrapped at ``width`` characters with blank lines between lines, as PDF export does."""
    return "\n\n".join(paragraph[i:i + width] for i in range(0, len(paragraph), width))


def test_joins_lines_broken_mid_word_and_mid_number() -> None:
    body = "到2025年，居民健康素养水平达到25%，每千人口执业（助理）医师数达到3人，基本公共卫生服务均等化水平明显提高。"
    text = "\n".join([wrapped(body * 3, 17)] * 3)
    out = normalise(text)
    assert "居民健康素养" in out and "2025年" in out
    assert out.count("\n") == 2  # three paragraphs, each joined back into one line


def test_real_plan_lines_are_rejoined() -> None:
    out = normalise(PLAN.read_text(encoding="utf-8"))
    assert "居民健康素养水平" in out
    assert "到2025年" in out
    assert "\n\n" not in out


def test_unifies_full_width_digits_and_letters_but_keeps_chinese_punctuation() -> None:
    assert unify_characters("２０２５年ＤＲＧ付费（试点）：１００％") == "2025年DRG付费（试点）：100％"


def test_removes_spaces_between_chinese_and_numbers() -> None:
    assert normalise("人均预期寿命提高到 78.06 岁。") == "人均预期寿命提高到78.06岁。"


def test_drops_page_numbers_at_page_breaks() -> None:
    page = "卫生健康事业发展取得显著成效，人民群众健康水平持续提升。"
    out = normalise(f"{page}\n- 3 -\n\f\n{page}\n4")
    assert "3" not in out and "4" not in out
    assert out.count(page) == 2


def test_keeps_table_cells_one_per_line() -> None:
    text = PLAN.read_text(encoding="utf-8")
    out = normalise(text)
    assert "\n健\n康\n水\n平\n" in out
    assert "\n14 每万人口全科医生数 人 2.62 4 约束性\n" in out


def test_idempotent_on_every_corpus_document() -> None:
    for path in sorted(CORPUS.glob("*.txt")):
        once = normalise(path.read_text(encoding="utf-8"))
        assert normalise(once) == once, path.name


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("健康广西规划目标２０25年，。；：\n\f 　（）一、1．专栏%")), max_size=300))
def test_normalise_never_fails_and_has_no_blank_lines(text: str) -> None:
    out = normalise(text)
    assert "\n\n" not in out
    assert "\f" not in out
    assert not out.startswith("\n")
