"""What the indicator extractor reads a value into: a :class:`Value` with its span, the
:class:`Phrase` naming what is measured, and the key an indicator gets from its name.

Reading the text of a value (comparators, units, changes) is :mod:`kg.quantities`, shared with
the query side; it is re-exported here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from kg.quantities import (
    CJK,
    MISSING,
    ParsedValue,
    is_value_text,
    parse_value,
    squeeze,
    unit_kind,
    units,
)
from kg.records import Document, Passage, Section

__all__ = ["ATTRIBUTES", "DocumentWithStructure", "ENTITY_TYPE", "MISSING", "PER_CAPITA", "PREDICATE_VERBS",
           "ParsedValue", "Phrase", "Value", "is_value_text", "normalise_key", "parse_value", "squeeze",
           "unit_kind", "units"]

ENTITY_TYPE = "Indicator"
#: Values of the 指标属性 column (the two kinds of target in Chinese plans).
ATTRIBUTES = ("预期性", "约束性")

DocumentWithStructure = tuple[Document, list[Section], list[Passage]]
#: Words that make a quantity per head of population.
PER_CAPITA = re.compile(r"每[千万百十]?人口|每千人|每万人|每十万人|人均")
#: Verbs that end a population and start what it does (…医院设置老年医学科).
PREDICATE_VERBS = ("达到", "设置", "成为", "提供", "纳入", "开展", "实现", "覆盖", "参与", "建立", "配备", "拥有")


@dataclass(frozen=True)
class Value:
    """A value with the span it was read from: ``document.text[start:end]`` is its evidence."""

    text: str  # as written, white space removed
    start: int
    end: int
    comparator: str | None
    number: Decimal | None
    unit: str
    relative: bool

    @classmethod
    def read(cls, document: Document, start: int, end: int) -> Value:
        """Parse ``document.text[start:end]``."""
        parsed = parse_value(document.text[start:end])
        return cls(parsed.text, start, end, parsed.comparator, parsed.number, parsed.unit, parsed.relative)


@dataclass(frozen=True)
class Phrase:
    """Words naming what is measured. ``text`` is the reading (white space removed; for an
    enumeration the shared words restored); ``start``/``end`` are the words it was read from."""

    text: str
    start: int
    end: int


def normalise_key(label: str) -> str:
    """An indicator's key: its label without white space or punctuation."""
    return re.sub(rf"[^{CJK}0-9A-Za-z%‰（）()《》\u2160-\u217f]", "", squeeze(label))
