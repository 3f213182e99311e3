"""Linking a phrase with a value to the indicator it measures.

:func:`link_observation`: label similarity over character bigrams (:func:`kg.quantities.similarity`,
weighted by how rare a bigram is among the indicators' names), vetoed whenever units differ in
kind or the phrases name different rates, levels, standards or predicates
(``kg/data/indicator_qualifiers.txt``).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from kg.extract.base import Entity
from kg.extract.indicators.values import PER_CAPITA, PREDICATE_VERBS
from kg.quantities import SCALED_KINDS, bigrams, data_lines, label_grams, normalise_label, similarity, unit_kind

#: A linked pair must reach this label similarity (0–1, see :func:`link_observation`).
LINK_THRESHOLD = 0.5


@dataclass(frozen=True)
class _QualifierGroup:
    anchor: str
    options: tuple[tuple[str, ...], ...]
    default: int | None


@lru_cache(maxsize=1)
def _qualifier_groups() -> list[_QualifierGroup]:
    groups = []
    for line in data_lines("indicator_qualifiers.txt"):
        anchor, _, rest = line.partition("\t")
        options, default = [], None
        for index, option in enumerate(part.strip() for part in rest.split("|")):
            if option.endswith("*"):
                default, option = index, option[:-1]
            options.append(tuple(w.strip() for w in option.split(",") if w.strip()))
        groups.append(_QualifierGroup(anchor.strip(), tuple(options), default))
    return groups


def _qualifiers(text: str, group: _QualifierGroup) -> set[int]:
    found = {i for i, words in enumerate(group.options) if any(w in text for w in words)}
    if not found and group.default is not None and group.anchor and group.anchor in text:
        found = {group.default}
    return found


@lru_cache(maxsize=65536)
def _all_qualifiers(text: str) -> tuple[set[int], ...]:
    """:func:`_qualifiers` of ``text`` for every qualifier group, in order."""
    return tuple(_qualifiers(text, group) for group in _qualifier_groups())


@lru_cache(maxsize=65536)
def _predicate(text: str) -> tuple[str, str] | None:
    for position in range(1, len(text)):
        for verb in PREDICATE_VERBS:
            if text.startswith(verb, position):
                return verb, text[position + len(verb):]
    return None


def _rate_word(text: str) -> str | None:
    return text[-3:] if text.endswith("率") and len(text) >= 3 else None


def _kind(label: str, unit: str) -> tuple[str | None, bool]:
    kind = unit_kind(unit) if unit else None
    per_capita = bool(PER_CAPITA.search(label)) and kind in SCALED_KINDS
    return kind, per_capita


def _veto(observed: str, o_unit: str, indicator: Entity) -> str | None:
    """Why ``observed`` cannot be ``indicator`` whatever the label similarity, or None."""
    target = normalise_label(indicator.label)
    i_unit = str(indicator.properties.get("unit", ""))
    o_kind, o_per = _kind(observed, o_unit)
    i_kind, i_per = _kind(target, i_unit)
    # An indicator without a unit (a qualitative aim such as 建设成为社区医院) counts institutions.
    if o_kind != i_kind and not (i_kind is None and not i_unit and o_kind == "count"):
        return f"unit {o_unit or '(none)'} ({o_kind}) is not of the kind of {i_unit or '(none)'} ({i_kind})"
    if o_per != i_per:
        return "one is per head of population, the other an absolute amount"
    rate = _rate_word(observed)
    if rate and rate not in target:
        return f"the phrase names the rate {rate}, which the indicator does not"
    for group, a, b in zip(_qualifier_groups(), _all_qualifiers(observed), _all_qualifiers(target)):
        if a and b and not a & b:
            return f"qualifiers differ: {_option_names(group, a)} vs {_option_names(group, b)}"
    p, q = _predicate(observed), _predicate(target)
    if p and q and (p[0] != q[0] or (p[1] and q[1] and not bigrams(p[1]) & bigrams(q[1]))):
        return f"predicates differ: {p[0]}{p[1]} vs {q[0]}{q[1]}"
    return None


def _option_names(group: _QualifierGroup, options: set[int]) -> str:
    return "/".join(group.options[i][0] for i in sorted(options))


class IndicatorIndex:
    """Indicators with what linking needs precomputed: the inverse document frequency of bigrams
    over their names (shared words weigh less) and which indicators contain each bigram.

    Kept up to date as indicators and alternative labels are added, so linking costs the same
    whatever the number of indicators instead of a pass over all of them per phrase.
    """

    def __init__(self, indicators: Iterable[Entity] = ()) -> None:
        self.indicators: list[Entity] = []
        self._position: dict[int, int] = {}  # id(entity) → position
        self._grams: list[set[str]] = []
        self._df: Counter[str] = Counter()
        self._postings: dict[str, set[int]] = defaultdict(set)
        self._weights: tuple[dict[str, float], float] | None = None  # until the next change
        self.links: dict[tuple[str, str], tuple[Entity, float, str] | None] = {}  # until the next change
        for indicator in indicators:
            self.add(indicator)

    def add(self, indicator: Entity) -> None:
        """Index a new indicator under its label and alternative labels."""
        self._position[id(indicator)] = len(self.indicators)
        self._weights, self.links = None, {}
        self.indicators.append(indicator)
        self._grams.append(set())
        for label in (indicator.label, *indicator.aliases):
            self._add_grams(len(self.indicators) - 1, label)

    def add_alias(self, indicator: Entity, alias: str) -> None:
        """Give an indexed indicator another label (and index its bigrams)."""
        indicator.aliases.add(alias)
        self._add_grams(self._position[id(indicator)], alias)

    def _add_grams(self, position: int, label: str) -> None:
        new = label_grams(label) - self._grams[position]
        self._weights, self.links = None, {}
        self._grams[position] |= new
        self._df.update(new)
        for gram in new:
            self._postings[gram].add(position)

    def weights(self) -> tuple[dict[str, float], float]:
        """(weight of each known bigram, weight of an unseen one)."""
        if self._weights is None:
            n = max(len(self.indicators), 1)
            self._weights = (_IdfWeights(self._df, n), 1.0 + math.log(n))
        return self._weights

    def sharing(self, grams: set[str]) -> list[Entity]:
        """The indicators with at least one of ``grams`` in a name, in the order they were added."""
        found: set[int] = set()
        for gram in grams:
            found |= self._postings.get(gram, set())
        return [self.indicators[i] for i in sorted(found)]


class _IdfWeights(dict):  # type: ignore[type-arg]
    """1 + log(n / df) of a bigram, computed when asked (a dict view for :func:`similarity`)."""

    def __init__(self, df: Counter[str], n: int) -> None:
        super().__init__()
        self._df, self._n = df, n
        self._memo: dict[str, float] = {}

    def get(self, gram: str, default: float | None = None) -> float | None:  # type: ignore[override]
        if gram in self._memo:
            return self._memo[gram]
        count = self._df.get(gram, 0)
        if not count:
            return default
        weight = self._memo[gram] = 1.0 + math.log(self._n / count)
        return weight


def link_observation(observation_phrase: str, unit: str, indicators: Sequence[Entity] | IndicatorIndex
                     ) -> tuple[Entity, float, str] | None:
    """The indicator a phrase with a value in ``unit`` measures: (indicator, score, reason), or None.

    An indicator is a candidate only when no veto applies (units of different kinds, per head
    vs absolute, a named rate the indicator lacks, different qualifiers such as 国家级 vs
    自治区级 or 推荐标准 vs 基本标准, different predicates such as 设置老年医学科 vs 达到标准).
    Among candidates the best label similarity (:func:`similarity`, over the label and its
    alternative labels) wins if it reaches :data:`LINK_THRESHOLD`.
    """
    observed = normalise_label(observation_phrase)
    if len(observed) < 2:
        return None
    index = indicators if isinstance(indicators, IndicatorIndex) else IndicatorIndex(indicators)
    remembered = index.links.get((observation_phrase, unit), index)
    if remembered is not index:  # reports repeat their phrases (孕产妇死亡率 in every bulletin)
        return remembered  # type: ignore[return-value]
    found = _best_link(observation_phrase, observed, unit, index)
    index.links[(observation_phrase, unit)] = found
    return found


def _best_link(observation_phrase: str, observed: str, unit: str, index: IndicatorIndex
               ) -> tuple[Entity, float, str] | None:
    weights, unseen = index.weights()
    best: tuple[Entity, float, str] | None = None
    # An indicator sharing no bigram with the phrase scores 0, below any threshold.
    for indicator in index.sharing(bigrams(observed)):
        if _veto(observed, unit, indicator) is not None:
            continue
        for label in (indicator.label, *sorted(indicator.aliases)):
            score, jaccard, containment = similarity(observation_phrase, label, weights, unseen)
            if score >= LINK_THRESHOLD and (best is None or score > best[1]):
                i_unit = indicator.properties.get("unit", "")
                reason = (f"label similarity {score:.2f} with {label!r} (weighted bigram Jaccard {jaccard:.2f}, "
                          f"containment {containment:.2f}); unit {unit or '(none)'} ~ {i_unit or '(none)'}")
                best = (indicator, score, reason)
    return best
