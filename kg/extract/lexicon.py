"""The word lists and gazetteers the entity extractors read, loaded once from ``kg/data``.

Everything here is general knowledge about Chinese policy writing and China's
administrative divisions (``gazetteer_cn.tsv``, see :mod:`kg.extract.gazetteer`;
``entity_lexicon.txt``); no list exists to catch one sentence of the corpus, so the
extractors behave the same on another province's documents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from kg.wordlists import data_text, table, words  # noqa: F401  (words and table: loaded base-level, used from here)

from kg.extract.gazetteer import Gazetteer, Place, gazetteer  # noqa: F401  (the place data, re-exported)


def place_at(text: str, start: int = 0) -> tuple[str, str] | None:
    """(surface form, full name) of the longest gazetteer form at ``text[start:]``."""
    return gazetteer().at(text, start)


@dataclass(frozen=True)
class Level:
    """A level word (国家, 自治区, 县级 …) that can start a name."""

    word: str
    zone_level: str  # the literal a pilot zone designated at this level gets
    scope: str  # national | province | city | county | town


@lru_cache(maxsize=1)
def level_words() -> tuple[Level, ...]:
    """Level words, longest first."""
    rows = table("level_words")
    return tuple(Level(word, *rows[word][:2]) for word in sorted(rows, key=len, reverse=True))


def level_at(text: str, start: int = 0) -> Level | None:
    """The longest level word at ``text[start:]``."""
    for level in level_words():
        if text.startswith(level.word, start):
            return level
    return None


@cache
def alternation(section: str) -> re.Pattern[str]:
    """A lexicon section's words as a regex alternation, longest first."""
    return re.compile("|".join(re.escape(w) for w in words(section)))


@cache
def _vocabulary(sections: tuple[str, ...]) -> tuple[frozenset[str], int]:
    """The words of ``sections`` as one set, and the length of the longest (built once per
    combination: :func:`covered_by` is asked about every candidate name)."""
    vocabulary = frozenset(w for section in sections for w in words(section))
    return vocabulary, max((len(w) for w in vocabulary), default=0)


def covered_by(text: str, *sections: str) -> bool:
    """True when ``text`` can be cut entirely into words of the ``sections`` (and joining punctuation)."""
    vocabulary, longest = _vocabulary(sections)
    reachable = [True] + [False] * len(text)
    for end in range(1, len(text) + 1):
        if text[end - 1] in "、和与及（）()“”‘’·" and reachable[end - 1]:
            reachable[end] = True
            continue
        reachable[end] = any(reachable[start] and text[start:end] in vocabulary
                             for start in range(max(0, end - longest), end))
    return reachable[len(text)]


@lru_cache(maxsize=1)
def _pos_tagger():  # type: ignore[no-untyped-def]
    import jieba
    import jieba.posseg

    jieba.setLogLevel(60)  # jieba prints its dictionary loading to stderr otherwise
    return jieba.posseg.POSTokenizer(jieba.Tokenizer())


@lru_cache(maxsize=65536)
def tagged(text: str) -> tuple:  # type: ignore[type-arg]  (jieba's pair objects: .word, .flag)
    """jieba's part-of-speech reading of ``text``, as a tuple of (word, flag) pairs.

    Cached: the extractors ask about the same name again for each rule that looks at it, and
    policy text repeats its phrases across documents; tagging is the slow part of extraction.
    The tagger has its own dictionary that nothing adds words to, so the same text always reads
    the same way.
    """
    return tuple(_pos_tagger().cut(text))


def word_frequency(word: str) -> int:
    """How often ``word`` occurs in jieba's dictionary (0 when it is not in it)."""
    tokenizer = _pos_tagger().tokenizer
    tokenizer.check_initialized()
    return tokenizer.FREQ.get(word, 0)


def is_verb(word: str) -> bool:
    """True when jieba's part-of-speech tagger reads ``word`` as one verb (提交, 促进; not 健康)."""
    tokens = tagged(word)
    return len(tokens) == 1 and tokens[0].flag == "v"


def is_preposition(word: str) -> bool:
    """True when jieba's tagger reads ``word`` as one preposition (按照, 根据)."""
    tokens = tagged(word)
    return len(tokens) == 1 and tokens[0].flag == "p"


def has_verb(text: str) -> bool:
    """True when jieba's tagger reads a verb anywhere in ``text`` (创新推出; not 县域医改)."""
    return bool(text) and any(token.flag.startswith("v") and token.flag != "vn" for token in tagged(text))


_PLACE_ENDINGS = ("自治州", "自治县", "市", "县", "区", "州", "盟", "旗")
_NOT_PLACES = frozenset({"城市", "都市", "城区", "市区", "县区", "地区", "社区", "园区", "景区", "辖区", "片区", "山区",
                         "牧区", "老区", "城乡", "各市", "全市", "本市", "该市", "全县", "本县", "该县", "全区", "本区",
                         "该区", "设区市", "市县", "县市", "市州", "新区", "特区", "示范区", "试验区", "先行区"})


def place_at_any(text: str, start: int = 0) -> tuple[str, str] | None:
    """(surface, key) of a place at ``text[start:]``: a gazetteer place, else a place name jieba
    tags as one (``ns``) that ends with an administrative word (长沙市, 郫都区, 宁乡 + 市), or a
    name followed by 新区 (大鹏新区, a new district).

    The key of a place the gazetteer does not know is its surface. A country or a foreign state
    (``[foreign_places]``: 芬兰, 南澳大利亚) is such a place, and wins over a Chinese place's short
    form at its start (南澳 of 南澳县 in 南澳大利亚).
    """
    foreign = alternation("foreign_places").match(text, start)  # longest first, as words() orders them
    if foreign is not None and foreign.group(0):
        return foreign.group(0), foreign.group(0)
    known = place_at(text, start)
    if known is not None:
        return known
    window = text[start:start + 12]
    if len(window) < 3 or not all("\u4e00" <= ch <= "\u9fff" for ch in window[:3]):
        return None
    return _tagged_place(window)


@lru_cache(maxsize=65536)
def _tagged_place(window: str) -> tuple[str, str] | None:
    """The place jieba tags at the start of ``window`` (cached: tagging is the slow part, and
    policy text repeats the same phrases across documents)."""
    tokens = tagged(window)
    if len(tokens) > 1 and tokens[1].word == "新区" and tokens[0].flag in ("ns", "nr", "nz") and len(tokens[0].word) >= 2:
        return tokens[0].word + "新区", tokens[0].word + "新区"  # 大鹏新区, 两江新区: a new district
    if not tokens or tokens[0].flag != "ns":
        return None
    surface = tokens[0].word
    if not surface.endswith(_PLACE_ENDINGS) and len(tokens) > 1 and tokens[1].word in ("市", "县", "区", "州"):
        surface += tokens[1].word
    if len(surface) < 3 or surface in _NOT_PLACES or not surface.endswith(_PLACE_ENDINGS):
        return None
    inner = place_at(surface)
    if inner is not None and len(inner[0]) < len(surface) and surface.startswith(inner[0]):
        return None  # a known place followed by more text: the gazetteer match is the place
    return surface, surface


def place_level(key: str) -> str:
    """province, city or county for a gazetteer place; "local" for a place it does not know."""
    place = gazetteer().places.get(key)
    return place.level if place else "local"
