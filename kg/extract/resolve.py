"""Entity resolution: candidates with the same type and key are one entity.

Keys come from the extractors' normalisation rules, which fold only true spelling variants
of one name together — 委员会/委, 卫健委/卫生健康委, 人民政府/政府, the home area's full name
for its level word (广西壮族自治区/自治区 in a Guangxi document), full/half width, quotes
(see :func:`kg.extract.institutions.normalise_institution`, :func:`kg.extract.spans.name_key`).
Names that differ otherwise stay apart: 自治区人民医院 and 自治区人民医院某市医院 are two
hospitals. A key is type + normalised canonical name, so an entity's IRI is the same in
every build.

The canonical ``rdfs:label`` is the longest label form (the most complete and formal:
广西壮族自治区卫生健康委员会 over 自治区卫生健康委), ties broken by frequency and then by
first occurrence; every other form and surface is a ``skos:altLabel``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from kg.extract import lexicon
from kg.extract.base import Entity, Mention, make_mention
from kg.extract.context import Candidate, EntityRef
from kg.extract.places import ENTITY_TYPE as PLACE
from kg.extract.spans import squeeze
from kg.records import Document

LinkKey = tuple[EntityRef, str, EntityRef]


@dataclass
class Resolution:
    """Entities, their mentions, and which documents state each link and derive each entity."""

    entities: dict[EntityRef, Entity] = field(default_factory=dict)
    mentions: list[Mention] = field(default_factory=list)
    link_sources: dict[LinkKey, set[str]] = field(default_factory=dict)
    derived: dict[EntityRef, set[tuple[str, str]]] = field(default_factory=dict)  # (doc id, section id)


def place_entity(name: str) -> Entity:
    """A place as an entity (label: its full name; the gazetteer's short forms as alternatives)."""
    place = lexicon.gazetteer().places.get(name)
    return Entity(PLACE, name, name, aliases=set(place.short_forms) if place else set())


def resolve(documents: dict[str, Document], candidates: list[Candidate],
            seeds: list[tuple[Entity, str, str]]) -> Resolution:
    """Merge candidates and seed entities (entity, doc id, section id) into entities and mentions."""
    out = Resolution()
    labels: dict[EntityRef, Counter[str]] = defaultdict(Counter)
    first_seen: dict[tuple[EntityRef, str], int] = {}
    surfaces: dict[EntityRef, set[str]] = defaultdict(set)
    order = 0

    for seed, doc_id, section_id in seeds:
        ref = (seed.entity_type, seed.key)
        entity = out.entities.setdefault(ref, Entity(seed.entity_type, seed.key, seed.label))
        for name, value in seed.properties.items():
            entity.properties.setdefault(name, value)
        for name, targets in seed.links.items():
            for target in targets:
                _link(out, ref, name, target, doc_id)
        labels[ref][seed.label] += 1
        first_seen.setdefault((ref, seed.label), order)
        order += 1
        out.derived.setdefault(ref, set()).add((doc_id, section_id))

    mentions: dict[str, Mention] = {}
    for candidate in candidates:
        ref = candidate.ref
        document = documents[candidate.passage.doc_id]
        entity = out.entities.setdefault(ref, Entity(candidate.entity_type, candidate.key, candidate.label))
        for name, value in candidate.properties.items():
            entity.properties.setdefault(name, value)
        for name, target in candidate.links:
            _link(out, ref, name, target, document.id)
        if candidate.place:
            _link(out, ref, "locatedIn", (PLACE, candidate.place), document.id)
        labels[ref][candidate.label] += 1
        first_seen.setdefault((ref, candidate.label), order)
        order += 1
        surface = squeeze(document.text[candidate.start:candidate.end])
        if candidate.entity_type == PLACE or lexicon.place_at(surface) != (surface, candidate.place):
            surfaces[ref].add(surface)  # a zone written as its place alone (A市、B市获批…) is not named 'A市'
        surfaces[ref].update(candidate.aliases)

        mention = make_mention(document, candidate.passage, candidate.entity_type, candidate.key,
                               candidate.start, candidate.end)
        mentions.setdefault(mention.id, mention)

    # Every place a link points at is an entity, and so is every area enclosing it.
    for (_, name, target) in list(out.link_sources):
        if target[0] == PLACE:
            out.entities.setdefault(target, place_entity(target[1]))
            for area in lexicon.gazetteer().ancestors(target[1]):
                out.entities.setdefault((PLACE, area.name), place_entity(area.name))
    for ref, entity in out.entities.items():
        if ref[0] == PLACE:
            entity.aliases |= place_entity(ref[1]).aliases

    for ref, entity in out.entities.items():
        forms = labels.get(ref)
        if forms:
            entity.label = max(forms, key=lambda f: (len(f), forms[f], -first_seen.get((ref, f), 0)))
            entity.aliases |= set(forms)
        entity.aliases |= surfaces.get(ref, set())
        entity.aliases.discard(entity.label)
        entity.aliases = {a for a in entity.aliases if a}
    out.mentions = sorted(mentions.values(), key=lambda m: (m.doc_id, m.start, m.end, m.entity_type))
    return out


def _link(out: Resolution, source: EntityRef, name: str, target: EntityRef, doc_id: str) -> None:
    entity = out.entities[source]
    entity.links.setdefault(name, set()).add(target)
    out.link_sources.setdefault((source, name, target), set()).add(doc_id)
