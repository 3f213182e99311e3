"""The facts an entity page shows at once, each with the sentence of a document that states it.

One function per entity type (:func:`entity_facts` picks it): an institution's place, group,
members, make-up as the text states it (lead body and counted members) and tasks; a task's lead
and other units; a pilot zone's level, approval date, place and programme; a programme's 专栏
and item; a 专栏's items with the targets stated in them; a place's pilot zones and bodies. A fact whose sentence cannot
be found is still shown, citing the entity's first mention, except a zone's approval date: it
cites the sentence that writes the date, or nothing (another sentence would not state it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from kg.query.cards import COLUMN_ITEMS, COLUMN_OF, date_citation
from kg.query.citations import DERIVED_SECTION, Citation, MentionAt, Sources, mentions_of, section_heading
from kg.query.composition import MEMBER_NAMES, composition_of
from kg.query.indicator_names import name_form
from kg.query.recognise import EntityRef
from kg.query.graph_queries import select


@dataclass
class Fact:
    """One line of an entity page: a name (位于), its values (text, entity IRI or ""), a citation."""

    name: str
    values: list[tuple[str, str]]
    citation: Citation | None = None
    note: str = ""


@dataclass
class ItemTargets:
    """A 专栏 item with the targets stated inside its text."""

    iri: str
    label: str
    ordinal: int | None
    heading: Citation | None
    targets: list[dict[str, Any]] = field(default_factory=list)  # indicator, iri, target, year, citation


def cite_together(sources: Sources, subject: str, other: str) -> Citation | None:
    """The sentence where ``subject`` and ``other`` are named together (the first such), else the
    sentence of ``subject``'s first mention."""
    others = {(m.passage.id): m for m in mentions_of(sources, other)}
    first = None
    for mention in mentions_of(sources, subject):
        citation = sources.cite_sentence(mention.passage.id, mention.start, mention.end)
        if citation is None:
            continue
        first = first or citation
        partner = others.get(mention.passage.id)
        if partner is not None and citation.start <= partner.start < citation.end:
            return citation
    if first is None:
        for mention in mentions_of(sources, other):
            return sources.cite_sentence(mention.passage.id, mention.start, mention.end)
    return first


def first_citation(sources: Sources, iri: str) -> Citation | None:
    for mention in mentions_of(sources, iri):
        citation = sources.cite_sentence(mention.passage.id, mention.start, mention.end)
        if citation is not None:
            return citation
    return section_heading(sources, iri)


_LINKED = {
    "place": ("位于", "SELECT DISTINCT ?e ?o ?label WHERE { ?e pol:locatedIn ?o . ?o rdfs:label ?label . "
                      "FILTER NOT EXISTS { ?e pol:locatedIn ?inner . ?inner pol:locatedIn+ ?o } }"),
    "group": ("隶属于", "SELECT DISTINCT ?e ?o ?label WHERE { ?e pol:memberOf ?o . ?o rdfs:label ?label }"),
    "leads": ("牵头", "SELECT DISTINCT ?e ?o ?label WHERE { ?e pol:leadsGroup ?o . ?o rdfs:label ?label }"),
    "lead": ("牵头单位（图谱）", "SELECT DISTINCT ?e ?o ?label WHERE { ?o pol:leadsGroup ?e . ?o rdfs:label ?label }"),
    "members": ("成员单位（图谱）", "SELECT DISTINCT ?e ?o ?label WHERE { ?o pol:memberOf ?e . ?o rdfs:label ?label }"),
    "zones": ("所在试点", "SELECT DISTINCT ?e ?o ?label WHERE { ?o a pol:PilotZone ; pol:locatedIn ?e ; rdfs:label ?label }"),
    "bodies": ("所在机构", "SELECT DISTINCT ?e ?o ?label WHERE { ?o a pol:Institution ; pol:locatedIn ?e ; rdfs:label ?label }"),
    "programme": ("所属项目", "SELECT DISTINCT ?e ?o ?label WHERE { ?e pol:belongsToProgramme ?o . ?o rdfs:label ?label }"),
    "zone_of": ("相关试点", "SELECT DISTINCT ?e ?o ?label WHERE { ?o pol:belongsToProgramme ?e ; rdfs:label ?label }"),
}
TASKS = """
SELECT DISTINCT ?e ?task ?label ?p WHERE {
  ?task a pol:Task ; ?p ?e . FILTER(?p IN (pol:leadUnit, pol:coUnit))
  OPTIONAL { ?task rdfs:label ?label }
}
"""
#: The units of the listed tasks (VALUES filled in by :func:`_task_units`), each with its role, to
#: say who else leads a task or takes part: one query for the page rather than one per task.
TASK_UNITS = """
SELECT DISTINCT ?task ?unit ?label ?p WHERE {
  VALUES ?task { %s }
  ?task ?p ?unit . FILTER(?p IN (pol:leadUnit, pol:coUnit)) ?unit rdfs:label ?label
}
"""
#: How many tasks of each role an institution page lists; the rest are counted in a note.
TASKS_SHOWN = 20


def _linked(sources: Sources, iri: str, which: str, limit: int = 40) -> Fact | None:
    name, query = _LINKED[which]
    rows = sorted(select(sources.store, query, e=ox.NamedNode(iri)), key=lambda r: r["label"])
    if not rows:
        return None
    values = [(r["label"], r["o"]) for r in rows[:limit]]
    citation = cite_together(sources, iri, rows[0]["o"])
    note = f"另有 {len(rows) - limit} 个未列出" if len(rows) > limit else ""
    return Fact(name, values, citation, note)


def institution_facts(sources: Sources, entity: EntityRef) -> list[Fact]:
    facts = [f for f in (_linked(sources, entity.iri, which) for which in ("place", "group", "leads")) if f]
    made_of = composition_of(sources, entity)
    if made_of is not None:
        # The text's words, linked to the graph member that has that name (县人民医院 → 上思县人民医院).
        known = {name_form(r["name"]): r["member"]
                 for r in select(sources.store, MEMBER_NAMES, e=ox.NamedNode(entity.iri))}

        def linked(words: tuple[str, ...]) -> list[tuple[str, str]]:
            return [(w, known.get(name_form(w), "")) for w in words]

        if made_of.lead:
            facts.append(Fact(made_of.role or "牵头单位", linked(made_of.lead), made_of.citation))
        if made_of.members:
            counted = made_of.collective()
            facts.append(Fact("成员单位（原文）", linked(made_of.members), made_of.citation,
                              f"其中 {len(counted)} 项为按数量统计的成员：{'、'.join(counted)}" if counted else ""))
    # The graph's lead apart from its members (pol:leadsGroup, pol:memberOf).
    facts.extend(f for f in (_linked(sources, entity.iri, which) for which in ("lead", "members")) if f)
    facts.extend(task_facts(sources, entity))
    return facts


def _task_units(sources: Sources, tasks: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Task IRI → its units (rows of :data:`TASK_UNITS`), for all ``tasks`` in one query."""
    if not tasks:
        return {}
    # The IRIs come from the store, and ox.NamedNode validates each and writes it in N-Triples
    # form (<…>), so no text reaches the query unescaped.
    query = TASK_UNITS % " ".join(str(ox.NamedNode(task)) for task in tasks)
    out: dict[str, list[dict[str, Any]]] = {task: [] for task in tasks}
    for row in select(sources.store, query):
        out[row["task"]].append(row)
    return out


def task_facts(sources: Sources, entity: EntityRef) -> list[Fact]:
    """Tasks (pol:Task, the responsibilities) this body leads or shares: one fact per task, the
    task linked to its page, the other units of the task named, and the sentence that assigns
    it cited (the task's own mention, not the first task's). A store that cannot answer the task
    queries leaves the tasks out (the rest of the page is still shown)."""
    try:
        rows = select(sources.store, TASKS, e=ox.NamedNode(entity.iri))
        by_role: dict[str, list[tuple[str, str]]] = {"牵头任务": [], "参与任务": []}
        labels: dict[str, dict[str, str]] = {"牵头任务": {}, "参与任务": {}}
        for row in rows:
            role = "牵头任务" if row["p"].endswith("leadUnit") else "参与任务"
            labels[role][row["task"]] = row["label"] or "（未命名任务）"
        for role, tasks in labels.items():
            by_role[role] = sorted(tasks.items(), key=lambda kv: kv[1])
        units_of = _task_units(sources, list(dict.fromkeys(
            task for ordered in by_role.values() for task, _ in ordered[:TASKS_SHOWN])))
    except (OSError, ValueError, SyntaxError):
        return []
    unit_mentions = mentions_of(sources, entity.iri)  # once for the page, not once per task
    facts = []
    for role, ordered in by_role.items():
        for task, label in ordered[:TASKS_SHOWN]:
            others = [(u["label"], u["unit"], u["p"].endswith("leadUnit"))
                      for u in units_of[task] if u["unit"] != entity.iri]
            lead = "、".join(sorted({name for name, _, leads in others if leads}))
            co = "、".join(sorted({name for name, _, leads in others if not leads}))
            leads = role == "牵头任务"
            note = "；".join(part for part in (
                f"{'共同牵头' if leads else '牵头单位'}：{lead}" if lead else "",
                f"{'参与单位' if leads else '其他参与单位'}：{co}" if co else "") if part)
            facts.append(Fact(role, [(label[:60], task)], task_citation(sources, task, unit_mentions), note))
        if len(ordered) > TASKS_SHOWN:
            facts.append(Fact(role, [(f"另有 {len(ordered) - TASKS_SHOWN} 项未列出", "")]))
    return facts


def task_citation(sources: Sources, task: str, units: list[MentionAt], most: int = 400) -> Citation | None:
    """Where a document gives the unit whose mentions are ``units`` the task: from the sentence of
    the task's mention to the end of the sentence naming the unit after it in the same passage (the
    responsibility note closing the paragraph: 开展…。…（省民政厅牵头，…配合）), or that sentence
    alone when it names the unit already (…中心，负责…) or no such sentence follows within ``most``
    characters."""
    for mention in mentions_of(sources, task):
        sentence = sources.cite_sentence(mention.passage.id, mention.start, mention.end)
        if sentence is None:
            continue
        later = sorted((u for u in units if u.passage.id == mention.passage.id and u.start >= sentence.start),
                       key=lambda u: u.start)
        if not later or later[0].start < sentence.end:
            return sentence
        note = sources.cite_sentence(mention.passage.id, later[0].start, later[0].end)
        if note is not None and note.end - sentence.start <= most:
            return sources.cite(sentence.doc_id, sentence.start, note.end)
        return sentence
    return first_citation(sources, task)


def task_page_facts(sources: Sources, entity: EntityRef) -> list[Fact]:
    """A task's page: who leads it and who takes part, each unit linked, cited from the task's
    sentence to the one naming its units (开展…。…（省民政厅牵头，…配合）), so that the quote
    states what the page says."""
    try:
        units = _task_units(sources, [entity.iri]).get(entity.iri, [])
    except (OSError, ValueError, SyntaxError):
        return []
    unit_mentions = [m for unit in dict.fromkeys(u["unit"] for u in units) for m in mentions_of(sources, unit)]
    citation = task_citation(sources, entity.iri, unit_mentions)
    facts = []
    for name, leads in (("牵头单位", True), ("参与单位", False)):
        named = sorted({(u["label"], u["unit"]) for u in units if u["p"].endswith("leadUnit") == leads})
        if named:
            facts.append(Fact(name, named, citation))
    return facts


PILOT_FACTS = """
SELECT DISTINCT ?e ?level ?date WHERE { OPTIONAL { ?e pol:zoneLevel ?level } OPTIONAL { ?e pol:approvalDate ?date } }
"""


def pilot_facts(sources: Sources, entity: EntityRef) -> list[Fact]:
    rows = select(sources.store, PILOT_FACTS, e=ox.NamedNode(entity.iri))
    citation = first_citation(sources, entity.iri)
    facts = []
    levels = sorted({str(r["level"]) for r in rows if r["level"]})
    dates = sorted({str(r["date"]) for r in rows if r["date"]})
    facts.append(Fact("级别", [(v, "") for v in levels] or [("原文未写明", "")], citation))
    # The date is read from the words before one mention (2022年11月，某县获批…): cite that sentence.
    facts.append(Fact("获批时间", [(v, "") for v in dates] or [("原文未写明", "")],
                      date_citation(sources, entity.iri, dates)))
    for which in ("place", "programme"):
        fact = _linked(sources, entity.iri, which)
        if fact:
            facts.append(fact)
    return facts


def programme_facts(sources: Sources, entity: EntityRef) -> list[Fact]:
    facts = []
    for row in sorted(select(sources.store, COLUMN_OF, e=ox.NamedNode(entity.iri)),
                      key=lambda r: (r["columnLabel"], r["ordinal"] or 0)):
        facts.append(Fact("所属专栏", [(row["columnLabel"], row["column"])], section_heading(sources, row["column"])))
        if row["item"] == entity.iri:
            if row["ordinal"]:
                facts.append(Fact("专栏条目", [(f"第{row['ordinal']}项", "")], section_heading(sources, entity.iri)))
        else:
            number = f"第{row['ordinal']}项 " if row["ordinal"] else ""
            facts.append(Fact("专栏条目", [(f"{number}{row['itemLabel']}", row["item"])],
                              section_heading(sources, row["item"])))
    for which in ("zone_of",):
        fact = _linked(sources, entity.iri, which)
        if fact:
            facts.append(fact)
    return facts


def place_facts(sources: Sources, entity: EntityRef) -> list[Fact]:
    return [f for f in (_linked(sources, entity.iri, w) for w in ("place", "zones", "bodies")) if f]


def _span(sources: Sources, iri: str) -> tuple[str, int, int] | None:
    rows = select(sources.store, DERIVED_SECTION, e=ox.NamedNode(iri))
    if not rows:
        return None
    row = min(rows, key=lambda r: int(r["start"]))
    return row["doc"].rsplit("/", 1)[-1], int(row["start"]), int(row["end"])


def column_items(sources: Sources, entity: EntityRef, targets: list[Any]) -> list[ItemTargets]:
    """The items of a 专栏, each with the targets (``targets``: kg.query.overview.TargetRow)
    whose quoted words lie inside the item's text."""
    rows = select(sources.store, COLUMN_ITEMS, column=ox.NamedNode(entity.iri))
    items = []
    for row in sorted({(r["ordinal"] or 0, r["label"], r["item"]) for r in rows}):
        ordinal, label, iri = row
        item = ItemTargets(iri, label, ordinal or None, section_heading(sources, iri))
        span = _span(sources, iri)
        if span is not None:
            doc_id, start, end = span
            for target in targets:
                for quote in target.quotes:
                    if quote["doc"] == doc_id and start <= quote["start"] < end:
                        item.targets.append({"indicator": target.indicator, "iri": target.iri,
                                             "target": target.target, "year": target.year,
                                             "citation": sources.cite(doc_id, quote["start"], quote["end"])})
                        break
        items.append(item)
    return items


#: entity IRI type segment (kg.query.graph_queries.entity_type_of) → class local name
CLASS_OF = {"indicator": "Indicator", "institution": "Institution", "programme": "Programme", "pilotzone": "PilotZone",
            "place": "Place", "practice": "Practice", "specialcolumn": "SpecialColumn", "citeddocument": "CitedDocument",
            "task": "Task"}


def entity_facts(sources: Sources, entity: EntityRef) -> list[Fact]:
    """The facts of an entity page for ``entity`` (type: the class's local name, e.g. "PilotZone")."""
    by_type = {"Institution": institution_facts, "PilotZone": pilot_facts, "Programme": programme_facts,
               "Place": place_facts, "Task": task_page_facts}
    fn = by_type.get(entity.type)
    return fn(sources, entity) if fn else []
