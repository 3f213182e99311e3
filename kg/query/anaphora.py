"""Passages that refer to a named entity by its type word alone (集团, 试验区, 工程 …).

A news report names an institution once (上思县医疗健康集团) and then writes 集团 or 集团总院:
the bare type word points back to the nearest entity named before it that ends with that word
(definite anaphora resolved by its head noun). Extraction records only named mentions, so a
question about the entity would miss the passages that describe it in those words. Search uses
these passages as part of the entity's boost ranking (after the passages that name it); the
graph is not changed.

The rule: in one document, a passage that does not name entity E but contains E's type word,
outside any named mention, refers to E when the nearest named mention with that type word before
the bare word is a mention of E.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from kg.wordlists import type_words

#: Type words this short are too common to point anywhere (院, 局, 区 …).
MIN_TYPE_WORD = 2


@dataclass(frozen=True)
class Named:
    """A named mention: where it is in the document and which entity and label it names."""

    start: int
    end: int
    iri: str
    label: str


@dataclass(frozen=True)
class Span:
    """A passage of the document: id and offsets into the document text."""

    id: str
    start: int
    end: int


@lru_cache(maxsize=1)
def _type_words() -> tuple[str, ...]:
    return tuple(w for w in type_words() if len(w) >= MIN_TYPE_WORD)


def type_word(label: str) -> str | None:
    """The head noun of ``label``: the shortest type word it ends with (上思县医疗健康集团 → 集团,
    not 医疗健康集团, which a later sentence would not repeat), or None."""
    return min((w for w in _type_words() if label.endswith(w) and len(label) > len(w)), key=len, default=None)


def referring_passages(text: str, passages: Sequence[Span], mentions: Sequence[Named], iri: str) -> list[str]:
    """Ids of the passages of one document (``text``) that refer to entity ``iri`` by its type
    word alone, in document order; ``mentions`` are every named mention in the document."""
    own = [m for m in mentions if m.iri == iri]
    if not own:
        return []
    word = type_word(own[0].label)
    if word is None:
        return []
    # Named mentions that could be the referent of a bare ``word``: those of entities whose
    # label ends with it, by position.
    heads = sorted((m for m in mentions if m.label.endswith(word)), key=lambda m: m.start)
    named_in = {p.id for p in passages for m in own if p.start <= m.start < p.end}
    out = []
    for passage in passages:
        if passage.id in named_in:
            continue
        position = text.find(word, passage.start, passage.end)
        while position >= 0:
            inside = any(m.start <= position < m.end for m in mentions)
            if not inside:
                before = [m for m in heads if m.end <= position]
                if before and before[-1].iri == iri:
                    out.append(passage.id)
                break
            position = text.find(word, position + len(word), passage.end)
    return out
