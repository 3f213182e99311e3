"""Who makes up a group, as a sentence of a document states it: the lead body with its role word
and the members in the text's own words (counted collectives such as 8家乡镇卫生院 included).
The answer cards and the entity page both read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kg.extract import lexicon
from kg.query.citations import Citation, Sources, mentions_of
from kg.query.recognise import EntityRef

#: Every name of the group's graph units, its lead (``pol:leadsGroup``) and its members
#: (``pol:memberOf``): the sentence's words (县人民医院) are matched to a unit's full name by them.
MEMBER_NAMES = """
SELECT DISTINCT ?e ?member ?label ?name WHERE {
  { ?member pol:memberOf ?e } UNION { ?member pol:leadsGroup ?e }
  ?member rdfs:label ?label . { ?member rdfs:label ?name } UNION { ?member skos:altLabel ?name }
}
"""


@dataclass(frozen=True)
class Composition:
    """Who makes up a group, as one sentence of a document states it: the lead body (with the
    role word the text uses, e.g. 总医院) and the members in the text's own words, counted
    collectives included ("8家乡镇卫生院")."""

    lead: tuple[str, ...]
    role: str
    members: tuple[str, ...]
    citation: Citation

    def collective(self) -> tuple[str, ...]:
        """The members that are a counted set of bodies rather than one named body."""
        return tuple(m for m in self.members if COUNTED.match(m))


#: A counted set of bodies: 8家乡镇卫生院, 81个村卫生室, 三所县级医院.
COUNTED = re.compile(r"^(?:全县|全市|县域内|区域内)?(\d+|[一二三四五六七八九十百千两]+)\s*(家|个|所|间)(.+)$")
#: Role words the make-up sentence may give its lead beyond ``[group_lead_roles]``: 以X为龙头 and
#: 以X为主体 name a group's lead only in a sentence that also says who makes up the group, so
#: extraction, which reads any sentence before a group's name, does not take them.
_MORE_ROLES = ("龙头", "主体")


@lru_cache(maxsize=1)
def _lead() -> re.Pattern[str]:
    """以X为<role> or 以X牵头, the roles those of ``[group_lead_roles]`` (the lexicon's words come
    first, so 龙头医院 is read whole before 龙头)."""
    roles = "|".join([lexicon.alternation("group_lead_roles").pattern, *map(re.escape, _MORE_ROLES)])
    return re.compile(rf"以(?P<lead>[^，,。；、]{{2,40}}?)(?:为(?P<role>{roles})|(?P<led>牵头))")


_MEMBERS_AFTER_LEAD = re.compile(r"^[，,]?\s*(?:联合|整合|吸纳|带动)?(?P<members>[^。；]{2,160}?)"
                                 r"(?:为成员单位|为成员|作为成员单位|共同组建|组建成立|组建|组成)")
_MEMBERS_ALONE = re.compile(r"(?:整合|联合|由)(?P<members>[^。；]{2,160}?)(?:共同组建|组建成立|组建|组成)")
_SPLIT = re.compile(r"[、，,；]")
_JOIN = re.compile(r"(?:以及|和|及|与)")
_COMPOSITION_WORDS = ("成员", "组建", "组成", "牵头", "总医院", "总院", "龙头")


def _member_parts(text: str) -> list[str]:
    """``A、B和8家C、81家D`` → [A, B, 8家C, 81家D] (a 和/及 splits only between two names)."""
    parts: list[str] = []
    for chunk in _SPLIT.split(text):
        pieces = [p for p in _JOIN.split(chunk) if p]
        if len(pieces) > 1 and all(len(p.strip()) >= 3 for p in pieces):
            parts.extend(pieces)
        else:
            parts.append(chunk)
    return [re.sub(r"\s+", "", p) for p in parts if p.strip()]


def parse_composition(sentence: str) -> tuple[tuple[str, ...], str, tuple[str, ...]] | None:
    """(lead bodies, role word, members) of a sentence that says who makes up a group, or None."""
    lead = _lead().search(sentence)
    if lead:
        role = lead.group("role") or "牵头单位"
        found = _MEMBERS_AFTER_LEAD.match(sentence[lead.end():])
        members = _member_parts(found.group("members")) if found else []
        leads = tuple(_member_parts(lead.group("lead")))
        return (leads, role, tuple(members)) if members or leads else None
    found = _MEMBERS_ALONE.search(sentence)
    if found:
        members = _member_parts(found.group("members"))
        return ((), "", tuple(members)) if members else None
    return None


def composition_of(sources: Sources, entity: EntityRef) -> Composition | None:
    """The first sentence naming ``entity`` that says who makes it up, parsed, with every name
    checked to stand in the cited text as written; None when no sentence parses."""
    seen: set[tuple[str, int]] = set()
    for mention in mentions_of(sources, entity.iri):
        citation = sources.cite_sentence(mention.passage.id, mention.start, mention.end)
        if citation is None or (citation.doc_id, citation.start) in seen:
            continue
        seen.add((citation.doc_id, citation.start))
        if not any(word in citation.quote for word in _COMPOSITION_WORDS):
            continue
        # Only what is said before the group's own name describes its make-up.
        before = citation.quote[:max(0, mention.start - citation.start)] or citation.quote
        parsed = parse_composition(before)
        if parsed is None:
            continue
        leads, role, members = parsed
        flat = re.sub(r"\s+", "", citation.quote)
        if all(name in flat for name in (*leads, *members)):
            return Composition(leads, role, members, citation)
    return None


__all__ = ["COUNTED", "Composition", "MEMBER_NAMES", "composition_of", "parse_composition"]
