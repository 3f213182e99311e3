"""kg.query.question: "how many" questions and the passages with a number beside their words."""

from __future__ import annotations

import pytest

from kg.query import question
from kg.query.service import Service


@pytest.mark.parametrize("query, expected", [
    ("全省有多少家社区医院", True),
    ("湖南建了几家区域医疗中心", True),
    ("几个县开展了试点", True),
    ("几乎所有乡镇都有卫生院", False),  # 几 not before a measure word
    ("基层服务能力提升工程", False),  # a topic word, not a question about an amount
    ("家庭医生签约比例目标", False),
])
def test_asks_how_many(query: str, expected: bool) -> None:
    assert question.asks_how_many(query) is expected


def test_question_terms_leave_out_the_question_words() -> None:
    terms = question.question_terms("远程会诊覆盖了多少家医院")
    assert "多少" not in terms and not any("几" in t for t in terms)
    assert "远程" in "".join(terms) and "医院" in terms


def test_number_beside_counts_each_term_once_and_only_near_numbers() -> None:
    terms = ["远程会诊", "医院"]
    assert question.number_beside("目前远程会诊已覆盖120家医院，覆盖全部县区。", terms) == 6
    assert question.number_beside("加快远程会诊建设，推动医院信息互联互通。", terms) == 0  # no number
    far = "远程会诊" + "，" * 30 + "共有3家"
    assert question.number_beside(far, ["远程会诊"]) == 0  # the number is too far away
    assert question.number_beside("远 程 会 诊\n已覆盖 120 家", ["远程会诊"]) == 4  # white space ignored


def test_quantity_ranking_orders_by_words_beside_numbers_and_keeps_ties_in_order() -> None:
    texts = {
        10: "推进远程会诊体系建设。",  # no number
        11: "全市医院床位达到5000张。",  # one word beside a number
        12: "远程会诊已覆盖120家医院。",  # both words
        13: "新增医院3家。",  # one word, a tie with 11
    }
    query = "远程会诊覆盖了多少家医院"
    assert question.quantity_ranking(query, [10, 11, 12, 13], texts) == [12, 11, 13]
    assert question.quantity_ranking("远程会诊覆盖的医院", [10, 11, 12, 13], texts) == []


def test_hybrid_search_fuses_the_quantity_ranking_only_for_how_many_questions(
        service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    original = question.quantity_ranking

    def spy(query: str, candidates: list[int], texts: dict[int, str]) -> list[int]:
        asked.append(query)
        found = original(query, candidates, texts)
        assert set(found) <= set(candidates)
        return found

    monkeypatch.setattr(question, "quantity_ranking", spy)
    service.search("医疗机构有多少家", k=5)
    service.search("医疗机构有多少家", k=5, mode="bm25")
    assert asked == ["医疗机构有多少家"]  # hybrid only: the single retrievers stay what they measure
