"""How Chinese policy text writes a quantity, and how alike two names of a quantity are.

Base-level (no extractor, no reader): the indicator extractor reads values and links phrases
with these functions, and the query side (``kg.query.trace``) reads the values the graph holds
and matches indicator names with the same ones, so both sides agree on what a value says.

* :func:`parse_value` reads a value as written (``≤14``, ``4.5左右``, ``提高1岁``, ``3—5个``);
  :func:`units` / :func:`unit_kind` know the units (``kg/data/units.txt``).
* :func:`normalise_label` puts an indicator phrase in comparable form (name variants of
  ``kg/data/indicator_aliases.txt`` unified); :func:`similarity` compares two by weighted
  character bigrams.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib import resources

CJK = "\u4e00-\u9fff"
_WS = re.compile(r"\s+")
NUMBER = r"\d+(?:\.\d+)?"
RANGE = r"[—–\-~～]"
SYMBOLS = {"≤": "≤", "≦": "≤", "≥": "≥", "≧": "≥", "<": "<", "＜": "<", ">": ">", "＞": ">"}
_SUFFIXES = {"及以上": "≥", "以上": "≥", "及以下": "≤", "以下": "≤", "以内": "≤", "左右": "≈", "上下": "≈"}
APPROX = {"将近": "≈", "接近": "≈", "近": "≈", "约": "≈", "逾": ">", "超过": ">", "超": ">"}
# Verbs that put a level after them; a comparator when they bound it.
LEVEL_VERBS = {
    "提高到": "=", "提高至": "=", "提升到": "=", "提升至": "=", "增加到": "=", "增加至": "=",
    "增长到": "=", "增长至": "=", "上升到": "=", "上升至": "=", "下降到": "=", "下降至": "=",
    "降低到": "=", "降低至": "=", "减少到": "=", "减少至": "=", "缩小到": "=", "缩小至": "=",
    "扩大到": "=", "扩大至": "=", "降至": "=", "降到": "=", "增至": "=", "升至": "=", "达到": "=",
    "达": "=", "控制在": "≤", "保持在": "=", "稳定在": "=", "维持在": "=", "不低于": "≥",
    "不少于": "≥", "不高于": "≤", "不超过": "≤", "不得低于": "≥", "不得少于": "≥", "不得高于": "≤",
    "不得超过": "≤", "超过": ">", "高于": ">", "低于": "<", "少于": "<", "为": "=", "是": "=",
}
# Verbs that put a change after them (提高1岁): the number is not on the indicator's scale.
CHANGE_WORDS = ("提高", "提升", "增长", "增加", "上升", "下降", "降低", "减少", "缩小", "扩大", "增幅为",
                "降幅为", "增幅", "降幅")
# Words a cell may put before a number besides a verb: effort and period qualifiers.
_CELL_LEADS = ("力争", "争取", "确保", "每年", "年均", "累计", "平均")
MISSING = frozenset({"—", "——", "－", "-", "–", "/", "…", "无"})


def data_lines(name: str) -> list[str]:
    """The lines of ``kg/data/{name}`` without blank lines and ``#`` comments."""
    text = resources.files("kg").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return [line.rstrip("\n") for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def units() -> dict[str, str]:
    """Unit as written → its kind (``kg/data/units.txt``)."""
    out: dict[str, str] = {}
    for line in data_lines("units.txt"):
        unit, _, kind = line.partition("\t")
        out[unit.strip()] = kind.strip()
    return out


MAGNITUDES = ("万亿", "千万", "百万", "亿", "万", "千", "百")
SCALED_KINDS = frozenset({"people", "person_times", "count", "money", "area", "weight", "length"})


def unit_kind(unit: str) -> str | None:
    """The kind of a unit (``"万张"`` → ``"count"``), None for a string that is no known unit."""
    table = units()
    unit = unit.replace("％", "%")
    if unit in table:
        return table[unit]
    for magnitude in MAGNITUDES:
        rest = unit[len(magnitude):]
        if unit.startswith(magnitude) and table.get(rest) in SCALED_KINDS:
            return table[rest]
    return None


@lru_cache(maxsize=1)
def unit_alternation() -> str:
    """Every unit as written (with its magnitudes: 万张, 亿元), longest first, as a regex alternation."""
    table = units()
    written = set(table)
    written.update(m + u for u, kind in table.items() if kind in SCALED_KINDS for m in MAGNITUDES)
    return "|".join(re.escape(u) for u in sorted(written, key=len, reverse=True))


@lru_cache(maxsize=1)
def _aliases() -> list[tuple[str, tuple[str, ...]]]:
    out = []
    for line in data_lines("indicator_aliases.txt"):
        canonical, _, variants = line.partition("\t")
        names = tuple(sorted((v.strip() for v in variants.split("|") if v.strip()), key=len, reverse=True))
        out.append((canonical.strip(), names))
    return out


def squeeze(text: str) -> str:
    """``text`` without white space: in these documents white space never carries meaning."""
    return _WS.sub("", text)


@dataclass(frozen=True)
class ParsedValue:
    """What a value text says: a comparator and number, or a change, or only words.

    ``comparator`` is one of ≤ ≥ < > ≈ = (``=`` for a plain value). A *relative* value
    (``提高1岁``, ``力争每年降低0.5个百分点以上``, ``同比例提高``) states a change from another
    value, not a level on the indicator's scale, so ``comparator`` and ``number`` are None and
    only the text is kept; computing 78.06 + 1 would be an inference the document does not
    make. A range (``3—5个``) has ``low`` and ``high`` and no single ``number``.
    """

    text: str
    comparator: str | None
    number: Decimal | None
    unit: str = ""
    relative: bool = False
    low: Decimal | None = None
    high: Decimal | None = None

    @property
    def missing(self) -> bool:
        """True for a cell printed as — (no value)."""
        return self.text in MISSING or not self.text


@lru_cache(maxsize=1)
def _cell_pattern() -> re.Pattern[str]:
    return re.compile(
        rf"^(?P<lead>[{CJK}]*?)(?P<sym>[≤≥<>＜＞≦≧])?(?P<num>{NUMBER})(?:{RANGE}(?P<num2>{NUMBER}))?"
        rf"(?P<unit>{unit_alternation()})?(?P<suffix>及以上|及以下|以上|以下|以内|左右|上下)?$"
    )


def _lead_meaning(lead: str) -> tuple[bool, str | None] | None:
    """(relative, comparator) for the words before a number; None if they are not value words."""
    rest = lead
    while True:
        for word in _CELL_LEADS:
            if rest.startswith(word):
                rest = rest[len(word):]
                break
        else:
            break
    if rest == "":
        return False, None
    if rest in APPROX:
        return False, APPROX[rest]
    if rest in LEVEL_VERBS:
        return False, None if LEVEL_VERBS[rest] == "=" else LEVEL_VERBS[rest]
    if rest in CHANGE_WORDS or rest.rstrip("了") in CHANGE_WORDS:
        return True, None
    return None


def parse_value(text: str) -> ParsedValue:
    """Read a value as written: ``"≤14"`` → (≤, 14); ``"4.5左右"`` → (≈, 4.5); ``"＞85"`` → (>, 85).

    Relative values (``"提高1岁"``) and words without a number (``"同比例提高"``) keep only their
    text, see :class:`ParsedValue`. White space is ignored.
    """
    text = squeeze(text)
    if text in MISSING or not text:
        return ParsedValue(text, None, None)
    match = _cell_pattern().match(text)
    meaning = _lead_meaning(match.group("lead")) if match else None
    if match is None or meaning is None:
        relative = any(word in text for word in CHANGE_WORDS)
        return ParsedValue(text, None, None, relative=relative)
    relative, word_comparator = meaning
    unit = match.group("unit") or ""
    if relative:
        return ParsedValue(text, None, None, unit, relative=True)
    low = Decimal(match.group("num"))
    if match.group("num2"):
        return ParsedValue(text, None, None, unit, low=low, high=Decimal(match.group("num2")))
    comparator = (SYMBOLS.get(match.group("sym") or "") or _SUFFIXES.get(match.group("suffix") or "")
                  or word_comparator or "=")
    return ParsedValue(text, comparator, low, unit)


def is_value_text(text: str) -> bool:
    """True when ``text`` reads as one whole value (a number with its words, — , or a change)."""
    text = squeeze(text)
    if text in MISSING:
        return True
    match = _cell_pattern().match(text)
    if match:
        return _lead_meaning(match.group("lead")) is not None
    return bool(re.fullmatch(rf"[{CJK}]{{2,10}}", text)) and any(w in text for w in CHANGE_WORDS)


@lru_cache(maxsize=65536)
def normalise_label(phrase: str) -> str:
    """The comparable form of an indicator phrase: variants unified, the generic 的比例 dropped,
    punctuation removed (``二级以上综合医院设立老年医学科的比例`` → ``二级及以上综合性医院设置老年医学科``)."""
    text = squeeze(phrase).replace("％", "%")
    for canonical, variants in _aliases():
        for variant in variants:
            text = text.replace(variant, canonical)
    text = re.sub(r"(?:的)?比例$", "", text)
    # A closing note in brackets says how the figure is counted (…死亡率（按常住人口计算）).
    text = re.sub(r"[（(][^（）()]*[）)]$", "", text) or text
    return re.sub(rf"[^{CJK}0-9A-Za-z%‰\u2160-\u217f]", "", text)


def bigrams(text: str) -> set[str]:
    """The character bigrams of ``text`` (the text itself when it is one character)."""
    return {text[i:i + 2] for i in range(len(text) - 1)} or ({text} if text else set())


@lru_cache(maxsize=65536)
def label_grams(label: str) -> frozenset[str]:
    """The bigrams of ``label`` in :func:`normalise_label` form."""
    return frozenset(bigrams(normalise_label(label)))


def similarity(observed: str, label: str, weights: dict[str, float] | None = None,
               unseen: float = 1.0) -> tuple[float, float, float]:
    """(score, weighted bigram Jaccard, containment of the label in the phrase), all 0–1.

    Both sides are compared in :func:`normalise_label` form. The score is the larger of the
    Jaccard and 0.9 × containment, so a phrase that says more than the name (自治区级区域医疗中心
    稳健运营) still matches it.
    """
    a, b = label_grams(observed), label_grams(label)
    if not a or not b:
        return 0.0, 0.0, 0.0
    w = (lambda g: weights.get(g, unseen)) if weights is not None else (lambda g: 1.0)
    inter = sum(w(g) for g in a & b)
    jaccard = inter / sum(w(g) for g in a | b)
    containment = inter / sum(w(g) for g in b)
    return max(jaccard, 0.9 * containment), jaccard, containment
