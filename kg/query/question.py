"""Questions that ask "how many", and the passages that put a number beside their words.

A question such as 远程医疗覆盖了多少家医疗机构 is answered by a passage that writes a count
right next to the question's own words (远程医疗已覆盖385家). BM25 and the sentence encoder
see the words but not that a number stands beside them, so a passage that only discusses the
topic (加快远程医疗建设…) ranks as high. Among the search results, those with a number within
:data:`WINDOW` characters of a question word are one more vote in their order
(:mod:`kg.query.search`; the classic answer-type check of factoid question answering), best when
more of the question's words have a number beside them.

Only explicit quantity questions (多少, 几 + a measure word, from ``kg/data/question_words.txt``)
get this ranking: a topic word such as 提升 or 比例 says nothing about the form of the answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from kg.query.recognise import question_words
from kg.text import words

#: How close (in characters, white space removed) a number must be to a question word.
WINDOW = 12


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    words_ = question_words()
    measures = sorted(words_.get("measures", ()), key=len, reverse=True)
    alternation = "|".join(re.escape(m) for m in measures) or "(?!)"
    asks = [re.escape(w) + (f"(?:{alternation})" if w == "几" else "") for w in words_.get("how_many", ())]
    question = re.compile("|".join(asks) or "(?!)")
    number = re.compile(rf"\d+(?:\.\d+)?(?:万|亿)?(?:{alternation})")
    return question, number


def asks_how_many(query: str) -> bool:
    """True when ``query`` asks for a count or amount (多少, 几家 …)."""
    return _patterns()[0].search(query) is not None


def question_terms(query: str) -> list[str]:
    """The words of ``query`` worth finding beside a number: two characters or more, not the
    question words themselves."""
    question, _ = _patterns()
    stripped = question.sub(" ", query)
    return sorted({w for w in words(stripped) if len(w) >= 2}, key=len, reverse=True)


def number_beside(text: str, terms: Sequence[str]) -> int:
    """How many characters of ``terms`` occur in ``text`` with a number within :data:`WINDOW`
    characters (each term counted once)."""
    compact = re.sub(r"\s+", "", text)
    numbers = [(m.start(), m.end()) for m in _patterns()[1].finditer(compact)]
    if not numbers:
        return 0
    score = 0
    for term in terms:
        for match in re.finditer(re.escape(term), compact):
            if any(match.start() - WINDOW <= end and start <= match.end() + WINDOW for start, end in numbers):
                score += len(term)
                break
    return score


def quantity_ranking(query: str, candidates: Sequence[int], text_of: dict[int, str] | Sequence[str]
                     ) -> list[int]:
    """``candidates`` (rows) with a number beside the question's words, best first; empty when
    ``query`` does not ask how many. Ties keep the candidates' order."""
    if not asks_how_many(query):
        return []
    terms = question_terms(query)
    if not terms:
        return []
    scored = [(number_beside(text_of[row], terms), position, row) for position, row in enumerate(candidates)]
    return [row for score, _, row in sorted(scored, key=lambda s: (-s[0], s[1])) if score > 0]
