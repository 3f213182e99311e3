"""Answer cards: a direct answer, with citations, when a query names something the graph knows.

:func:`kg.query.recognise.recognise` finds the entity a query is about (the rules of recognition
are written there); :func:`answer_card` writes the answer.

What the card says depends on the entity's type and on the question's words
(``[target]``, ``[column]``, ``[members]``, ``[pilot]`` in the data file):

* an indicator (or 哪个文件设定了…目标): who set which target for which year, its attribute, the
  baseline, and the newest observation with the target's status;
* a 专栏 item or a programme in one (…属于哪个专栏): the 专栏 and the item's number;
* a 专栏: its items;
* a group (…由哪些单位组成): its lead and members (``pol:leadsGroup``, ``pol:memberOf``);
* a pilot zone, or a place asked about with 试验区/试点 (…是什么试验区): level, approval date,
  place and programme;
* an institution or practice: what it belongs to, where it is and where the documents name it.

Every citation is a span of a document's normalised text: ``text[start:end] == quote``.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

import pyoxigraph as ox

from kg.query.citations import (
    Citation,
    Sources,
    add_citations,
    doc_title,
    first_mentions,
    mentions_of,
    section_heading,
)
from kg.query.composition import MEMBER_NAMES, composition_of
from kg.query.graph_queries import select
from kg.query.indicator_names import name_form
from kg.query.recognise import EntityRef, Recognition, intent_of, question_words, strip_question

#: Types a card may be about on its own; a place only answers a 试验区/试点 question.
CARD_TYPES = ("Indicator", "SpecialColumn", "Programme", "PilotZone", "Institution", "Practice")
TYPE_NAMES = {"Indicator": "指标", "SpecialColumn": "专栏", "Programme": "工程项目", "PilotZone": "试点示范区",
              "Institution": "机构", "Practice": "经验做法", "Place": "地点"}


@dataclass
class Card:
    """A direct answer about one entity, with the spans that support it."""

    entity: EntityRef
    text: str
    citations: list[Citation] = field(default_factory=list)
    intent: str = ""
    confidence: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """The card as ``kg search --json`` prints it under ``answer``."""
        return {"entity": asdict(self.entity), "text": self.text,
                "citations": [asdict(c) for c in self.citations], "intent": self.intent,
                "confidence": self.confidence}


def indicator_answer(sources: Sources, entity: EntityRef) -> tuple[str, list[Citation]]:
    """《plan》设定：label year value（attribute），base-year baseline；newest observation and status."""
    trace = sources.trace(entity.iri)
    citations: list[Citation] = []
    by_doc: dict[str, list[str]] = {}
    for item in trace.targets[:4]:
        target = item.target
        part = f"{target.year}年 {target.value.display()}"
        if target.attribute:
            part += f"（{target.attribute}）"
        if item.baseline is not None and item.baseline.year:
            part += f"，{item.baseline.year}年 {item.baseline.value.display()}"
        if part not in by_doc.setdefault(target.document.title, []):
            by_doc[target.document.title].append(part)
            add_citations(citations, [sources.cite(target.document.id, target.quote.start, target.quote.end,
                                                   target.passage_id)])
    label = trace.indicator.label
    if by_doc:
        text = "；".join(f"《{title}》设定：{label} " + "；".join(parts) for title, parts in by_doc.items())
    else:
        text = f"{label}：没有文件为它设定目标"
    later = [o for o in trace.observations if not o.is_baseline]
    latest = max(later, key=lambda o: o.sort_key, default=None)
    if latest is not None:
        text += f"。最新观测：{latest.describe()}"
        add_citations(citations, [sources.cite(latest.document.id, latest.quote.start, latest.quote.end,
                                               latest.passage_id)])
        if trace.targets:
            text += f"，{trace.targets[0].status.status}"
    return text, citations


COLUMN_OF = """
SELECT DISTINCT ?e ?column ?columnLabel ?item ?itemLabel ?ordinal WHERE {
  { ?e pol:inColumn|^pol:hasItem ?column . BIND(?e AS ?item) }
  UNION
  { ?e pol:partOfItem+ ?item . ?item pol:inColumn|^pol:hasItem ?column }
  ?column rdfs:label ?columnLabel . ?item rdfs:label ?itemLabel .
  OPTIONAL { ?item pol:ordinal ?ordinal }
}
"""
COLUMN_ITEMS = """
SELECT DISTINCT ?column ?item ?label ?ordinal WHERE {
  ?column pol:hasItem|^pol:inColumn ?item . ?item rdfs:label ?label .
  OPTIONAL { ?item pol:ordinal ?ordinal }
}
"""


def column_answer(sources: Sources, entity: EntityRef) -> tuple[str, list[Citation]] | None:
    """Which 专栏 (and which item of it) a programme belongs to; None when it is in none."""
    rows = select(sources.store, COLUMN_OF, e=ox.NamedNode(entity.iri))
    if not rows:
        return None
    parts, citations = [], []
    for row in sorted(rows, key=lambda r: (r["columnLabel"], r["ordinal"] or 0)):
        number = f"第{row['ordinal']}项" if row["ordinal"] else "一项"
        if row["item"] == entity.iri:
            parts.append(f"{entity.label}属于{row['columnLabel']}，是该专栏{number}")
        else:
            parts.append(f"{entity.label}属于{row['columnLabel']}{number}“{row['itemLabel']}”")
        add_citations(citations, [section_heading(sources, row["item"]), section_heading(sources, row["column"])])
    add_citations(citations, first_mentions(sources, entity.iri, 1))
    return "；".join(parts), citations


def items_answer(sources: Sources, entity: EntityRef) -> tuple[str, list[Citation]]:
    """The items of a 专栏."""
    rows = select(sources.store, COLUMN_ITEMS, column=ox.NamedNode(entity.iri))
    items = sorted({(r["ordinal"] or 0, r["label"]) for r in rows})
    listed = "；".join(f"{n}．{label}" if n else label for n, label in items)
    text = f"{entity.label}共{len(items)}项：{listed}" if items else f"{entity.label}：图谱中没有记录它的条目"
    heading = section_heading(sources, entity.iri)
    return text, [heading] if heading else []


#: The group's graph units: its lead (``pol:leadsGroup``) and its members (``pol:memberOf``).
MEMBERS = """
SELECT DISTINCT ?e ?member ?label WHERE { { ?member pol:memberOf ?e } UNION { ?member pol:leadsGroup ?e }
  ?member rdfs:label ?label }
"""
#: The groups a unit is in (隶属于) or leads (牵头).
GROUPS = """
SELECT DISTINCT ?e ?group ?label ?how WHERE {
  { ?e pol:memberOf ?group BIND("隶属于" AS ?how) } UNION { ?e pol:leadsGroup ?group BIND("牵头" AS ?how) }
  ?group rdfs:label ?label }
"""
PLACES = """
SELECT DISTINCT ?e ?place ?label WHERE { ?e pol:locatedIn ?place . ?place rdfs:label ?label .
  FILTER NOT EXISTS { ?e pol:locatedIn ?inner . ?inner pol:locatedIn+ ?place } }
"""


def _member_labels(sources: Sources, entity: EntityRef) -> dict[str, str]:
    """Name form of each name (label or alias) of the group's graph members → the full label."""
    return {name_form(r["name"]): r["label"] for r in select(sources.store, MEMBER_NAMES, e=ox.NamedNode(entity.iri))}


def _cited_members(sources: Sources, entity: EntityRef,
                   skip: frozenset[str] = frozenset()) -> list[tuple[str, Citation]]:
    """The graph's members of a group, each with the sentence that names it (beside the group when
    it can); members named in no sentence, and those whose label is in ``skip`` (already said, so
    not looked up), are left out."""
    rows = select(sources.store, MEMBERS, e=ox.NamedNode(entity.iri))
    group_at = {(m.passage.id) for m in mentions_of(sources, entity.iri)}
    out = []
    for label, iri in sorted({(r["label"], r["member"]) for r in rows if r["label"] not in skip}):
        spots = mentions_of(sources, iri)
        spot = next((m for m in spots if m.passage.id in group_at), spots[0] if spots else None)
        citation = sources.cite_sentence(spot.passage.id, spot.start, spot.end) if spot else None
        if citation is not None and label in re.sub(r"\s+", "", citation.quote):
            out.append((label, citation))
    return out


def members_answer(sources: Sources, entity: EntityRef) -> tuple[str, list[Citation]] | None:
    """Who makes up a group: the lead body and every member as the cited sentence states them
    (counted collectives such as 8家乡镇卫生院 included); when no sentence can be read that way,
    the sentence is quoted rather than summarised from the graph's ``pol:memberOf`` links alone.
    None when the group has neither."""
    found = composition_of(sources, entity)
    if found is not None:
        full = _member_labels(sources, entity)

        def named(word: str) -> str:  # the text's words, with the graph's full name when it differs
            label = full.get(name_form(word))
            return f"{word}（{label}）" if label and label != word else word

        parts = []
        if found.lead:
            parts.append(f"{found.role}：{'、'.join(named(w) for w in found.lead)}")
        if found.members:
            parts.append(f"成员单位：{'、'.join(named(w) for w in found.members)}")
        citations = [found.citation]
        # Units the graph links to the group that the make-up sentence does not name (a 总院 named
        # in another sentence): said too, each with its own citation, so the card is not less
        # than the graph.
        stated = frozenset(full.get(name_form(w), w) for w in (*found.lead, *found.members))
        others = []
        for label, spot in _cited_members(sources, entity, skip=stated):
            if spot.quote not in found.citation.quote:
                others.append(label)
                add_citations(citations, [spot])
        if others:
            parts.append(f"另见：{'、'.join(others)}")
        return f"{entity.label}的{'；'.join(parts)}（据原文）", citations
    members, citations = [], []
    for label, citation in _cited_members(sources, entity):
        if any(word in citation.quote for word in ("成员", "组建", "组成")) and entity.label in citation.quote:
            # A sentence that states the make-up in a way we could not read: quote it whole.
            return f"{entity.label}的组成，原文为：“{citation.quote}”", [citation]
        members.append(label)
        add_citations(citations, [citation])
    if not members:
        return None
    return f"{entity.label}的成员或下属单位（图谱记录，见所引原文）：{'、'.join(members)}", citations


PILOT = """
SELECT DISTINCT ?e ?level ?date ?place ?programme WHERE {
  OPTIONAL { ?e pol:zoneLevel ?level }
  OPTIONAL { ?e pol:approvalDate ?date }
  OPTIONAL { ?e pol:locatedIn ?p . ?p rdfs:label ?place .
             FILTER NOT EXISTS { ?e pol:locatedIn ?inner . ?inner pol:locatedIn+ ?p } }
  OPTIONAL { ?e pol:belongsToProgramme ?g . ?g rdfs:label ?programme }
}
"""
ZONES_IN = """
SELECT DISTINCT ?e ?zone ?label WHERE { ?zone a pol:PilotZone ; rdfs:label ?label ; pol:locatedIn ?e }
"""


def _zone_rows(sources: Sources, zone: EntityRef) -> list[dict[str, Any]]:
    return select(sources.store, PILOT, e=ox.NamedNode(zone.iri))


def _zone_facts(rows: list[dict[str, Any]]) -> list[str]:
    """[level + 试点示范区, approval, place, programme] as far as the graph knows them (rows of PILOT)."""
    levels = "、".join(sorted({str(r["level"]) for r in rows if r["level"]}))
    facts = [f"{levels}{TYPE_NAMES['PilotZone']}"]
    for key, shown in (("date", "{}获批"), ("place", "位于{}"), ("programme", "属于{}")):
        values = sorted({str(r[key]) for r in rows if r[key]})
        if values:
            facts.append(shown.format("、".join(values)))
    return facts


def date_words(value: str) -> re.Pattern[str] | None:
    """The words a date is written in (2022-11 → 2022年11月, 2022-11-05 → 2022年11月5日), zeros optional."""
    parts = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", value)
    if parts is None:
        return None
    year, month, day = parts.groups()
    words = rf"{year}年0?{int(month)}月" + (rf"0?{int(day)}日" if day else "")
    return re.compile(words)


def date_citation(sources: Sources, iri: str, values: Iterable[str]) -> Citation | None:
    """The sentence of a mention of ``iri`` that writes one of the dates ``values`` (the first date
    any sentence writes, in their order); None when no sentence does (a fact's citation must state
    it: the entity's first mention would cite other words). The entity page (:mod:`kg.query.facts`)
    and the pilot zone card both cite by it."""
    for value in values:
        words = date_words(value)
        if words is None:
            continue
        for mention in mentions_of(sources, iri):
            citation = sources.cite_sentence(mention.passage.id, mention.start, mention.end)
            if citation is not None and words.search(citation.quote):
                return citation
    return None


def _zone_citations(sources: Sources, zone: EntityRef, rows: list[dict[str, Any]], limit: int) -> list[Citation]:
    """The sentence that writes the zone's approval date (the card says …获批 with it), then the
    sentences of its first mentions, at most ``limit`` in all."""
    dated = date_citation(sources, zone.iri, sorted({str(r["date"]) for r in rows if r["date"]}))
    citations = [dated] if dated else []
    return add_citations(citations, first_mentions(sources, zone.iri, limit))[:limit]


def pilot_answer(sources: Sources, entity: EntityRef) -> tuple[str, list[Citation]]:
    """What a pilot zone is: level, approval date, place, programme, and where it is named."""
    rows = _zone_rows(sources, entity)
    return f"{entity.label}：{'，'.join(_zone_facts(rows))}", _zone_citations(sources, entity, rows, 2)


def zones_of_place(sources: Sources, place: EntityRef) -> tuple[EntityRef, str, list[Citation]] | None:
    """The pilot zones located in a place, as an answer about the first of them."""
    rows = select(sources.store, ZONES_IN, e=ox.NamedNode(place.iri))
    if not rows:
        return None
    zones = [EntityRef(r["zone"], r["label"], "PilotZone") for r in rows]
    zones.sort(key=lambda z: (-len(mentions_of(sources, z.iri)), z.label))
    rows = {z.iri: _zone_rows(sources, z) for z in zones}
    text = f"{place.label}是" + "；".join(f"{z.label}（{'，'.join(_zone_facts(rows[z.iri]))}）" for z in zones)
    citations: list[Citation] = []
    for zone in zones:
        add_citations(citations, _zone_citations(sources, zone, rows[zone.iri], 1))
    return zones[0], text, citations


def general_answer(sources: Sources, entity: EntityRef) -> tuple[str, list[Citation]] | None:
    """What any entity is: its type, group, place, and the documents that name it."""
    node = ox.NamedNode(entity.iri)
    facts = [TYPE_NAMES.get(entity.type, entity.type)]
    rows = select(sources.store, GROUPS, e=node)
    for how in ("牵头", "隶属于"):
        groups = sorted({r["label"] for r in rows if r["how"] == how})
        if groups:
            facts.append(f"{how}{'、'.join(groups)}")
    places = sorted({r["label"] for r in select(sources.store, PLACES, e=node)})
    if places:
        facts.append(f"位于{'、'.join(places)}")
    mentions = mentions_of(sources, entity.iri)
    docs = list(dict.fromkeys(m.passage.doc_id for m in mentions))
    if docs:
        named = "、".join(f"《{doc_title(sources, d)}》" for d in docs[:3])
        facts.append(f"见于{named}" + (f"等{len(docs)}份文件" if len(docs) > 3 else ""))
    citations = first_mentions(sources, entity.iri, 2)
    if not citations:
        heading = section_heading(sources, entity.iri)
        citations = [heading] if heading else []
    if not citations:
        return None
    return f"{entity.label}：{'，'.join(facts)}", citations


def _default_answer(sources: Sources, entity: EntityRef) -> tuple[str, list[Citation]] | None:
    """What a card says about an entity named on its own: the most telling fact of its type."""
    if entity.type == "Indicator":
        return indicator_answer(sources, entity)
    if entity.type == "SpecialColumn":
        return items_answer(sources, entity)
    result = None
    if entity.type == "Programme":
        result = column_answer(sources, entity)
    elif entity.type == "PilotZone":
        result = pilot_answer(sources, entity)
    elif entity.type == "Institution":
        result = members_answer(sources, entity)
    return result or general_answer(sources, entity)


TASK_UNITS = """
SELECT ?task ?role ?unit ?label WHERE {
  ?task a pol:Task ; ?role ?unit . VALUES ?role { pol:leadUnit pol:coUnit }
  ?unit rdfs:label ?label .
}
"""
TASK_LABELS = "SELECT ?task ?label WHERE { ?task a pol:Task ; rdfs:label ?label }"


def _task_units(sources: Sources) -> dict[str, dict[str, list[tuple[str, str]]]]:
    """task IRI → {"lead"/"co": [(unit IRI, label)]}."""
    out: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for row in select(sources.store, TASK_UNITS):
        role = "lead" if row["role"].endswith("leadUnit") else "co"
        out.setdefault(row["task"], {"lead": [], "co": []})[role].append((row["unit"], row["label"]))
    for units in out.values():
        for role in units:
            units[role].sort(key=lambda u: u[1])
    return out


def _task_line(measure: str, units: dict[str, list[tuple[str, str]]]) -> str:
    line = f"{measure}：牵头 {'、'.join(label for _, label in units['lead'])}"
    if units["co"]:
        line += f"；配合 {'、'.join(label for _, label in units['co'])}"
    return line


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"[^\u4e00-\u9fff0-9A-Za-z]", "", text)
    return {text[i:i + 2] for i in range(len(text) - 1)}


def responsibility_answer(sources: Sources, entity: EntityRef | None, query: str = ""
                          ) -> tuple[EntityRef, tuple[str, list[Citation]]] | None:
    """Who leads and who takes part (谁负责…, …由哪个部门牵头): for a task, its units; for an
    institution, the tasks it leads or takes part in (at most five); for a question that names no
    entity, the task whose measure shares the most words (character pairs) with the question —
    at least half of the question's own. Each line is cited from where the task was read."""
    units = _task_units(sources)
    if not units:
        return None
    labels = {row["task"]: row["label"] for row in select(sources.store, TASK_LABELS)}
    if entity is not None and entity.type == "Institution":
        lines: list[str] = []
        citations: list[Citation] = []
        for task, roles in sorted(units.items(), key=lambda kv: labels.get(kv[0], "")):
            role = "牵头" if any(u == entity.iri for u, _ in roles["lead"]) else \
                "配合" if any(u == entity.iri for u, _ in roles["co"]) else ""
            if not role or task not in labels:
                continue
            lines.append(f"{role}：{labels[task]}")
            add_citations(citations, first_mentions(sources, task, limit=1))
            if len(lines) >= 5:
                break
        if not lines:
            return None
        return entity, (f"{entity.label}负责的任务：" + "；".join(lines), citations)
    if entity is not None and entity.type == "Task":
        task = entity.iri
    else:
        asked = _bigrams(strip_question(query))
        for words in question_words().get("responsible", ()):
            asked -= _bigrams(words)
        if not asked:
            return None
        best = max(labels, key=lambda t: len(asked & _bigrams(labels[t])), default=None)
        if best is None or len(asked & _bigrams(labels[best])) * 2 < len(asked):
            return None
        task = best
    if task not in units or task not in labels:
        return None
    ref = EntityRef(task, labels[task], "Task")
    return ref, (_task_line(labels[task], units[task]), first_mentions(sources, task, limit=1))


def _intent_answer(sources: Sources, entity: EntityRef, intent: str
                   ) -> tuple[EntityRef, tuple[str, list[Citation]] | None]:
    """The answer to a question of a known form (``intent``) about ``entity``; None when the graph
    cannot answer that question about it (then no card: a card about something else than what
    was asked is not an answer)."""
    if intent == "responsible":
        answer = responsibility_answer(sources, entity)
        return answer if answer is not None else (entity, None)
    if intent == "members":
        return entity, members_answer(sources, entity)
    if intent == "column":
        if entity.type == "SpecialColumn":
            return entity, items_answer(sources, entity)
        return entity, column_answer(sources, entity)
    if intent == "pilot":
        if entity.type == "Place":
            zones = zones_of_place(sources, entity)
            return (zones[0], (zones[1], zones[2])) if zones else (entity, None)
        if entity.type == "PilotZone":
            return entity, pilot_answer(sources, entity)
    if intent == "target" and entity.type == "Indicator":
        return entity, indicator_answer(sources, entity)
    if intent in ("target", "pilot") and entity.type != "Place":
        return entity, _default_answer(sources, entity) if entity.type in CARD_TYPES else None
    return entity, None


def answer_card(query: str, found: Recognition | None, sources: Sources) -> Card | None:
    """The card for ``query``, or None when it names nothing the graph knows well enough.

    A query that is the name alone gets the type's default answer; a question gets a card only
    when its form is one the card answers (``[members]``, ``[column]``, ``[pilot]``, ``[target]``
    in ``kg/data/question_words.txt``). Other words around a name (上思县医疗健康集团实行哪些统一管理)
    ask something a card cannot answer, so they give none. ``found`` is what :func:`recognise`
    read from the query.
    """
    if found is None or found.entity.type not in ("Institution", "Task"):
        # 谁负责推进健康食堂建设: the measure is no entity name; find the task it describes.
        if intent_of(name_form(query)) == "responsible":
            answer = responsibility_answer(sources, None, query)
            if answer is not None and answer[1][1]:
                return Card(answer[0], answer[1][0], answer[1][1], "responsible", 0.5)
    if found is None:
        return None
    # Question words inside the name itself (…试点, 专栏6) ask nothing.
    entity, intent = found.entity, intent_of(name_form(query).replace(found.name, "\x00", 1))
    if intent:
        entity, result = _intent_answer(sources, entity, intent)
    elif found.whole and entity.type in CARD_TYPES:
        result = _default_answer(sources, entity)
    else:
        return None
    if result is None or not result[1]:
        return None  # an answer nothing in the documents supports is not given
    text, citations = result
    return Card(entity, text, citations, intent, found.confidence)


__all__ = ["CARD_TYPES", "COLUMN_ITEMS", "COLUMN_OF", "Card", "TYPE_NAMES", "answer_card", "responsibility_answer"]
