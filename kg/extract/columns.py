"""专栏 boxes: each box is a pol:SpecialColumn and each of its numbered items a pol:Programme.

:mod:`kg.ingest.sections` already finds boxes (sections of kind ``box``, with the box number as
ordinal) and their items (``box_item`` children). A box becomes a SpecialColumn labelled
``专栏N 标题``; its text is the section it was derived from — a box heading lies in no
passage, so a box has no mention. Each item becomes a Programme labelled with the item's
title and mentioned where that title is printed.

An item whose title is itself a programme name (城乡社区某某能力提升工程) is keyed
by that name, so running text that names the same programme resolves to the same entity.
An item titled with a topic (合理膳食) is keyed by its box and number instead: another
plan's item with the same topic is another item. A box title that is a programme name
(公共卫生服务提升工程) is a programme too, derived from the box's section.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.extract.base import Entity
from kg.extract.context import Candidate, DocContext, EntityRef
from kg.extract.programmes import ENTITY_TYPE as PROGRAMME
from kg.extract.programmes import is_programme_name
from kg.extract.spans import display_name, name_key

ENTITY_TYPE = "SpecialColumn"


@dataclass
class ColumnResult:
    """What one document's boxes give: entities without mentions, item mentions, and links."""

    seeds: list[tuple[Entity, str]] = field(default_factory=list)  # (entity, section id it derives from)
    candidates: list[Candidate] = field(default_factory=list)  # item title mentions
    item_refs: dict[str, EntityRef] = field(default_factory=dict)  # item section id → item programme
    topic_items: set[EntityRef] = field(default_factory=set)  # items whose title is not a programme name


def column_key(doc_id: str, number: int) -> str:
    """Stable key of a box: its document and number."""
    return f"{doc_id}/专栏{number}"


def item_ref(doc_id: str, box_number: int, ordinal: int, title: str) -> EntityRef:
    """The programme an item names (see module docstring)."""
    if is_programme_name(title):
        return PROGRAMME, name_key(title)
    return PROGRAMME, f"{column_key(doc_id, box_number)}/{ordinal}"


def find_columns(ctx: DocContext) -> ColumnResult:
    """Boxes and items of one document."""
    out = ColumnResult()
    doc_id = ctx.document.id
    for box in (s for s in ctx.sections if s.kind == "box"):
        number = box.ordinal or 0
        column = Entity(ENTITY_TYPE, column_key(doc_id, number), f"专栏{number} {box.title}".strip(),
                        properties={"ordinal": number})
        out.seeds.append((column, box.id))
        if box.title and is_programme_name(box.title):
            out.seeds.append((Entity(PROGRAMME, name_key(box.title), display_name(box.title)), box.id))
        for item in (s for s in ctx.sections if s.parent_id == box.id and s.kind == "box_item"):
            ref = item_ref(doc_id, number, item.ordinal or 0, item.title)
            out.item_refs[item.id] = ref
            if not is_programme_name(item.title):
                out.topic_items.add(ref)
            column.links.setdefault("hasItem", set()).add(ref)
            programme = Entity(PROGRAMME, ref[1], display_name(item.title), properties={"ordinal": item.ordinal},
                               links={"inColumn": {(ENTITY_TYPE, column.key)}})
            out.seeds.append((programme, item.id))
            span = ctx.item_titles.get(item.id)
            passage = next((p for p in ctx.passages if span and p.start <= span[0] and span[1] <= p.end), None)
            if span and passage:
                out.candidates.append(Candidate(PROGRAMME, span[0], span[1], passage, display_name(item.title),
                                                ref[1]))
    return out
