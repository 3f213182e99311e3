"""The extraction entry point: targets and observations read from plans and other documents.

Indicators are the plan's table rows plus the plan's target phrases that name no table
indicator. Value sentences of a plan are targets; in the plan's retrospective chapter (发展基础)
they are baselines, i.e. observations of the baseline year. Value sentences of other documents
are observations, dated by the sentence's own year or else by the document's metadata. Both are
linked to the indicators by :func:`~kg.extract.indicators.linking.link_observation`.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kg.extract.base import Entity, Mention, make_mention
from kg.extract.indicators.linking import IndicatorIndex, link_observation
from kg.extract.indicators.statements import Statement, counts_bodies, find_designations, find_statements
from kg.extract.indicators.table import IndicatorTable, parse_indicator_table
from kg.extract.indicators.values import ENTITY_TYPE, DocumentWithStructure, Phrase, Value, normalise_key
from kg.quantities import similarity, squeeze
from kg.records import Document, Passage, stable_id

# A linked phrase is recorded as a mention of the indicator's name only when it is that name
# give or take a few words (unweighted bigram Jaccard).
_MENTION_JACCARD = 0.75
# Retrospective chapters of a plan, whose values are the baseline of the plan period.
_BASELINE_TITLES = re.compile(r"发展基础|发展现状|发展成就|工作回顾|现状|回顾|主要成就|取得成效")


@dataclass(frozen=True)
class Target:
    """A value a plan sets for an indicator in a year."""

    doc_id: str
    passage_id: str
    indicator_key: str
    year: int
    value: Value
    phrase: Phrase | None  # the words naming the indicator in a sentence (None for a table cell)
    attribute: str = ""
    source: str = "text"  # "table", "text", "box_item" or "goal" (a prose target of any document)
    score: float = 1.0  # link score of the phrase to the indicator (1 for the table)

    @property
    def id(self) -> str:
        """Stable id: document, indicator, year and value span."""
        return stable_id(self.doc_id, self.indicator_key, self.year, self.value.start, self.value.end)


@dataclass(frozen=True)
class Observation:
    """A value a document reports; linked to an indicator when ``indicator_key`` is set."""

    doc_id: str
    passage_id: str
    indicator_key: str | None
    year: int | None
    as_of: str | None
    value: Value
    phrase: Phrase | None
    is_baseline: bool = False
    score: float = 0.0
    reason: str = ""

    @property
    def id(self) -> str:
        """Stable id: document, indicator, year and value span."""
        return stable_id(self.doc_id, self.indicator_key, self.year, self.value.start, self.value.end)


@dataclass
class IndicatorExtraction:
    """Everything read about indicators from a corpus."""

    indicators: list[Entity] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)  # unlinked ones included
    mentions: list[Mention] = field(default_factory=list)
    tables: list[IndicatorTable] = field(default_factory=list)
    defined_in: dict[str, str] = field(default_factory=dict)  # indicator key → id of the plan defining it

    def indicator(self, key: str) -> Entity:
        """The indicator with ``key``."""
        for entity in self.indicators:
            if entity.key == key:
                return entity
        raise KeyError(f"no indicator with key {key!r}")

    @property
    def linked_observations(self) -> list[Observation]:
        """Observations linked to an indicator (the ones the graph holds)."""
        return [o for o in self.observations if o.indicator_key is not None]


def _indicator(label: str, unit: str, domain: str = "") -> Entity:
    entity = Entity(ENTITY_TYPE, key=normalise_key(label), label=label)
    entity.properties["unit"] = unit.replace("％", "%")
    if domain:
        entity.properties["domain"] = domain
    return entity


def _count_of_bodies(entity: Entity) -> None:
    """Name an indicator defined by a count or a designation of bodies (建设4个某某中心, 建设成为社区医院)
    by what it measures, 某某中心数量: the bare name is the body's, a kind of institution, not an
    indicator. The name as written stays an alternative label (so mentions and links still find
    it); the key, and so the IRI, is unchanged. Called after the indicator is indexed: linking
    compares phrases with the words written, not with the added 数量."""
    if not entity.label.endswith(("数", "数量")):
        entity.aliases.add(entity.label)
        entity.label = f"{entity.label}数量"


def _in_baseline_chapter(passage: Passage) -> bool:
    return any(_BASELINE_TITLES.search(title) for title in passage.section_path[1:])


def _plan_years(tables: Sequence[IndicatorTable], statements: Sequence[Statement]) -> tuple[int | None, int | None]:
    """(baseline year, target year) of a plan: from its table, else from its 到YYYY年 sentences
    (the most frequent one) and the five years a plan period runs."""
    for table in tables:
        if len(table.years) > 1:
            return table.years[0], table.years[-1]
        return None, table.years[-1]
    future = Counter(s.year for s in statements if s.future and s.year)
    if not future:
        return None, None
    target = future.most_common(1)[0][0]
    return target - 5, target


def _box_kind(passage: Passage) -> str:
    return "box_item" if passage.kind == "box_item" else "text"


def extract_indicators(documents_with_structure: list[DocumentWithStructure]) -> IndicatorExtraction:
    """Read indicators, targets, observations and mentions from structured documents.

    Plans (``kind == "plan"``) define the indicators: their indicator tables and the target
    phrases that name no table indicator. Their retrospective chapters give baselines. Other
    documents only contribute observations, linked to the plans' indicators when
    :func:`link_observation` finds one (unlinked ones are kept with ``indicator_key`` None).
    """
    result = IndicatorExtraction()
    by_key: dict[str, Entity] = {}
    pending_observations: list[tuple[Document, Statement, bool, int | None]] = []
    index = IndicatorIndex()

    def add_indicator(entity: Entity, doc_id: str) -> Entity:
        existing = by_key.get(entity.key)
        if existing is None:
            by_key[entity.key] = entity
            result.indicators.append(entity)
            index.add(entity)
            result.defined_in[entity.key] = doc_id
            return entity
        return existing

    plans = [d for d in documents_with_structure if d[0].meta.kind == "plan"]
    others = [d for d in documents_with_structure if d[0].meta.kind != "plan"]

    for document, sections, passages in plans:
        tables = []
        for section in sections:
            if section.kind == "table":
                table = parse_indicator_table(document, section, passages)
                if table is not None:
                    tables.append(table)
        result.tables.extend(tables)
        for table in tables:
            for row in table.rows:
                entity = add_indicator(_indicator(row.name.text, row.unit, row.domain), document.id)
                for value in row.target:
                    result.targets.append(Target(document.id, row.passage_id, entity.key, row.target_year, value,
                                                 None, row.attribute, "table"))
                if row.baseline_year is not None:
                    for value in row.baseline:
                        result.observations.append(Observation(
                            document.id, row.passage_id, entity.key, row.baseline_year, None, value, None,
                            is_baseline=True, score=1.0, reason="the table's baseline column"))
        table_sections = {t.section_id for t in tables}
        text_passages = [p for p in passages if p.section_id not in table_sections and p.kind != "table_header"]
        statements = [s for p in text_passages for s in find_statements(document, p)]
        statements += [s for p in text_passages if not _in_baseline_chapter(p) for s in find_designations(document, p)]
        baseline_year, target_year = _plan_years(tables, statements)
        for statement in statements:
            if _in_baseline_chapter(statement.passage):
                pending_observations.append((document, statement, True, baseline_year))
                continue
            year = statement.year if statement.future and statement.year else target_year
            if year is None:
                continue
            unit = _statement_unit(statement)
            link = link_observation(statement.phrase.text, unit, index)
            if link is not None:
                entity, score = link[0], link[1]
                if normalise_key(statement.phrase.text) != entity.key:
                    index.add_alias(entity, statement.phrase.text)
            elif statement.value.relative:
                continue  # a change alone does not define an indicator
            elif counts_bodies(statement) and statement.value.number == 1:
                continue  # 建设1家某某基地: one body to build (a project, the body an institution), no indicator
            else:
                known = normalise_key(statement.phrase.text) in by_key
                entity, score = add_indicator(_indicator(statement.phrase.text, unit), document.id), 1.0
                if counts_bodies(statement) and not known:
                    _count_of_bodies(entity)
            result.targets.append(Target(document.id, statement.passage.id, entity.key, year, statement.value,
                                         statement.phrase, "", _box_kind(statement.passage), score))

    for document, sections, passages in others:
        for passage in passages:
            for statement in find_statements(document, passage):
                pending_observations.append((document, statement, False, None))

    baselines = [(document.id, statement.value) for document, statement, is_baseline, _ in pending_observations
                 if is_baseline]
    goals = _goal_targets(documents_with_structure, result.targets, baselines, index)
    result.targets.extend(goals)
    goal_spans = {(t.doc_id, t.value.start) for t in goals}
    for document, statement, is_baseline, baseline_year in pending_observations:
        if (document.id, statement.value.start) in goal_spans:
            continue  # 到2027年…达到95%: the document sets this value, it does not report it
        observation = _observation(document, statement, is_baseline, baseline_year, index)
        if observation is not None:
            result.observations.append(observation)

    result.mentions = _mentions(documents_with_structure, result)
    return result


def _goal_targets(documents: Sequence[DocumentWithStructure], known: Sequence[Target],
                  baselines: Sequence[tuple[str, Value]], index: IndicatorIndex) -> list[Target]:
    """Prose targets (:mod:`kg.extract.targets`: a subject, a value and a deadline, in any
    document) that no value sentence has read yet, as targets of the indicator their subject names
    (:func:`link_observation`: the names must agree and the units be of one kind), so a trace of
    the indicator shows them. A prose target whose subject names no indicator stays a pol:Goal only;
    one whose deadline is not after the document's date (截至2025年底…建成204家 in a 2026 report),
    is a bare year (2023年，…达到91.2% in a 2023 report) or that a plan's retrospective chapter
    states is a value reached, not a target."""
    from kg.extract.targets import find_targets

    spans = [(t.doc_id, t.value) for t in known] + list(baselines)
    taken = {(doc, v.start) for doc, v in spans} | {(doc, v.end) for doc, v in spans}
    out: list[Target] = []
    for document, _, passages in documents:
        text = document.text
        for goal in find_targets(text, document.meta.date):
            if goal.value is None or goal.deadline is None or not goal.worded \
                    or goal.deadline <= (document.meta.date or ""):
                continue
            value_start = text.find(goal.value, goal.start, goal.end + 1)
            if value_start < 0:
                continue
            value_end = value_start + len(goal.value)
            if (document.id, value_start) in taken or (document.id, value_end) in taken:
                continue
            value = Value.read(document, value_start, value_end)
            if value.relative or value.number is None:
                continue
            link = link_observation(goal.subject, value.unit, index)
            passage = next((p for p in passages if p.start <= value_start < p.end), None)
            if link is None or passage is None:
                continue
            subject_start = text.find(goal.subject, goal.start, value_start)
            phrase = Phrase(goal.subject, subject_start, subject_start + len(goal.subject)) if subject_start >= 0 else None
            out.append(Target(document.id, passage.id, link[0].key, int(goal.deadline[:4]), value, phrase, "",
                              "goal", link[1]))
    return out


def _name_automaton(names: Iterable[str]) -> Any:
    """An Aho–Corasick automaton over ``names``: every occurrence of every name in one pass."""
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for name in names:
        if name:
            automaton.add_word(name, name)
    if len(automaton):
        automaton.make_automaton()
    return automaton


def _occurrences(automaton: Any, text: str) -> dict[str, list[tuple[int, int]]]:
    """name → (start, end) in ``text`` of each occurrence, white space inside allowed, by start."""
    if not len(automaton):
        return {}
    where = [m.start() for m in re.finditer(r"\S", text)]  # compact position → text position
    compact = "".join(text[i] for i in where)
    out: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for last, name in automaton.iter(compact):
        out[name].append((where[last - len(name) + 1], where[last] + 1))
    for occurrences in out.values():
        occurrences.sort()
    return out


def _statement_unit(statement: Statement) -> str:
    return "%" if statement.shape == "share" and not statement.value.unit else statement.value.unit


def _observation(document: Document, statement: Statement, is_baseline: bool, baseline_year: int | None,
                 indicators: IndicatorIndex) -> Observation | None:
    value = statement.value
    if value.relative or value.number is None and value.comparator is None:
        return None  # changes and ranges are not observed levels
    meta = document.meta
    if is_baseline:
        year, as_of = baseline_year, None
        if year is None:
            return None
    elif statement.year is not None:
        if statement.future and meta.report_year and statement.year > meta.report_year:
            return None  # a target the report quotes (到2027年…), not a value it observed
        year, as_of = statement.year, statement.as_of
    else:
        year, as_of = meta.report_year, meta.as_of or None
        if year is None and as_of is None:
            year = int(meta.date[:4]) if meta.date[:4].isdigit() else None
        if year is None and as_of is None:
            return None
    link = link_observation(statement.phrase.text, _statement_unit(statement), indicators)
    key, score, reason = (link[0].key, link[1], link[2]) if link else (None, 0.0, "")
    return Observation(document.id, statement.passage.id, key, year, as_of, value, statement.phrase, is_baseline,
                       score, reason)


def _mentions(documents: Sequence[DocumentWithStructure], result: IndicatorExtraction) -> list[Mention]:
    """One mention per occurrence of an indicator's name: table names, linked phrases, and every
    other place its label or an alternative label is written (white space ignored)."""
    docs = {d.id: (d, passages) for d, _, passages in documents}
    passage_by_id = {p.id: p for _, _, passages in documents for p in passages}
    spans: dict[str, list[tuple[int, int, str, str]]] = defaultdict(list)  # doc → (start, end, key, passage)

    for table in result.tables:
        for row in table.rows:
            spans[row.doc_id].append((row.name.start, row.name.end, normalise_key(row.name.text), row.passage_id))
    entities = {e.key: e for e in result.indicators}
    for item in [*result.targets, *result.linked_observations]:
        phrase = item.phrase
        if phrase is None or squeeze(docs[item.doc_id][0].text[phrase.start:phrase.end]) != phrase.text:
            continue
        entity = entities[str(item.indicator_key)]
        # A phrase that says more than the name (…区域医疗中心稳健运营) is left to the name scan below.
        if max(similarity(phrase.text, name)[1] for name in (entity.label, *entity.aliases)) >= _MENTION_JACCARD:
            spans[item.doc_id].append((phrase.start, phrase.end, entity.key, item.passage_id))

    # Longest names first, so a name inside a longer one is not marked where the longer one is.
    names = sorted(((name, e.key) for e in result.indicators for name in (e.label, *e.aliases)
                    if len(normalise_key(name)) >= 4), key=lambda pair: (-len(pair[0]), pair[0], pair[1]))
    automaton = _name_automaton(squeeze(name) for name, _ in names)
    for doc_id, (document, passages) in docs.items():
        found = _occurrences(automaton, document.text)
        if not found:
            continue
        taken = bytearray(len(document.text))
        for start, end, _, _ in spans[doc_id]:
            taken[start:end] = b"\1" * (end - start)
        for name, key in names:
            occurrences = found.get(squeeze(name))
            if not occurrences:
                continue
            for passage in passages:
                scanned = passage.start  # as a left-to-right scan: matches of one name do not overlap
                for start, end in occurrences:
                    if start < scanned or end > passage.end:
                        continue
                    scanned = end
                    if any(taken[start:end]):
                        continue
                    taken[start:end] = b"\1" * (end - start)
                    spans[doc_id].append((start, end, key, passage.id))

    out: dict[str, Mention] = {}
    for doc_id, items in spans.items():
        document = docs[doc_id][0]
        for start, end, key, passage_id in items:
            mention = make_mention(document, passage_by_id[passage_id], ENTITY_TYPE, key, start, end)
            out.setdefault(mention.id, mention)
    return sorted(out.values(), key=lambda m: (m.doc_id, m.start, m.end))
