"""Extraction scores against a hand-made gold folder (:mod:`kg.evaluate.gold`): precision,
recall and the misses, per type.

Entries marked ``"borderline": true`` count neither way: missing one is no miss, and a
prediction that matches only borderline entries is no false positive (nor a true positive).

A **type is one entry of** :data:`SCORERS`: a function from the gold and the extraction to a
:class:`TypeScore`, or None when the folder has no gold for it. Entity types read from
``entities*.json`` are :func:`entity_type` entries; a new type with names and aliases is one line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from kg.evaluate.gold import Extracted, Gold, GoldError, gold_form, gold_normal, load_gold
from kg.extract import citations, columns, institutions, pilots, practices, programmes
from kg.extract.entities import EntityExtraction, Prepared
from kg.extract.indicators import TableRow, Value, normalise_key
from kg.quantities import similarity, squeeze

P = TypeVar("P")  # a prediction, whatever a type's extractor returns

# ---------------------------------------------------------------------------
# Scores
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class TypeScore:
    """Precision and recall of one type, with what was missed and what was wrongly found."""

    name: str
    found: int  # gold entries matched
    gold: int  # gold entries counted (borderline ones are not)
    correct: int  # predictions that match a counted gold entry
    predicted: int  # predictions counted
    misses: tuple[str, ...] = ()
    false_positives: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # other findings (e.g. links that must not exist)

    @property
    def precision(self) -> float:
        """Share of the counted predictions that are right (1 when nothing was predicted)."""
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        """Share of the counted gold entries found (1 when the gold has none)."""
        return self.found / self.gold if self.gold else 1.0

    def as_dict(self) -> dict[str, Any]:
        """The score as JSON-ready data, precision and recall included."""
        return {**asdict(self), "precision": self.precision, "recall": self.recall}


@dataclass(frozen=True)
class ExtractionReport:
    """Every type's score against one gold folder, and what was extracted in all."""

    gold_dir: Path
    scores: list[TypeScore]
    counts: dict[str, int] = field(default_factory=dict)

    def score(self, name: str) -> TypeScore:
        """The score of type ``name``."""
        for score in self.scores:
            if score.name == name:
                return score
        raise KeyError(f"no score for {name!r}; scored: {', '.join(s.name for s in self.scores)}")

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {"gold_dir": str(self.gold_dir), "scores": [s.as_dict() for s in self.scores], "counts": self.counts}


Scorer = Callable[[Gold, Extracted], "TypeScore | None"]


@dataclass
class _Tally:
    """One type's counts as the documents are matched one by one (see the module docstring for
    borderline entries)."""

    name: str
    found: int = 0
    gold: int = 0
    correct: int = 0
    predicted: int = 0
    misses: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    def match(self, entries: Sequence[dict[str, Any]], predictions: Iterable[P], agrees: Callable[[int, P], bool],
              wrong: Callable[[P], str], missed: Callable[[dict[str, Any]], str]) -> None:
        """Count one document: each prediction against the gold ``entries`` it ``agrees`` with
        (by entry index), then each counted entry found or missed."""
        matched: set[int] = set()
        for prediction in predictions:
            hits = [i for i in range(len(entries)) if agrees(i, prediction)]
            matched.update(hits)
            if any(not entries[i].get("borderline") for i in hits):
                self.correct += 1
                self.predicted += 1
            elif not hits:
                self.predicted += 1
                self.wrong.append(wrong(prediction))
        for i, entry in enumerate(entries):
            if entry.get("borderline"):
                continue
            self.gold += 1
            if i in matched:
                self.found += 1
            else:
                self.misses.append(missed(entry))

    def score(self) -> TypeScore:
        """The counts as a :class:`TypeScore`."""
        return TypeScore(self.name, self.found, self.gold, self.correct, self.predicted, tuple(self.misses),
                         tuple(self.wrong))


def _name(entry: dict[str, Any]) -> str:
    """An entry's name: ``name``, or ``title`` for a cited document."""
    name = entry.get("name", entry.get("title"))
    if not isinstance(name, str):
        raise GoldError(f"gold entry {json.dumps(entry, ensure_ascii=False)[:120]} has no name — give it "
                        '"name" (or "title" for a cited document)')
    return name


def _names(entry: dict[str, Any]) -> set[str]:
    return {gold_form(n) for n in (_name(entry), *entry.get("aliases", ()))}


def entity_type(gold_type: str, extracted_type: str) -> Scorer:
    """The scorer of an entity type: the entries under ``gold_type`` against the entities of
    ``extracted_type``.

    An extracted entity *in a document* (one with a mention there, or derived from one of its
    sections) matches a gold entry of that document when one of its names — its label, any
    alternative label, any surface it is written with in that document — equals the entry's
    name or one of its aliases, both in :func:`gold_form`. 专栏 items whose title names a topic
    rather than a programme (合理膳食) are scored as items, not here.
    """
    def score(gold: Gold, extracted: Extracted) -> TypeScore | None:
        if not any(gold_type in annotated for annotated in gold.entities.values()):
            return None
        extraction = extracted.entities
        in_doc = _entities_by_document(extraction)
        tally = _Tally(gold_type)
        for file_name, annotated in gold.entities.items():
            document = gold.document(file_name)
            entries = annotated.get(gold_type, [])
            entry_names = [_names(e) for e in entries]
            found = [(entity, {gold_form(n) for n in (entity.label, *entity.aliases, *surfaces)})
                     for ref, surfaces in in_doc.get(document.id, {}).items()
                     if ref[0] == extracted_type and ref not in extraction.topic_items
                     for entity in (extraction.entities[ref],)]
            tally.match(entries, found, lambda i, pair: bool(pair[1] & entry_names[i]),
                        lambda pair: f"{document.id}: {pair[0].label}", lambda entry: f"{document.id}: {_name(entry)}")
        return tally.score()
    return score


def _measures_agree(gold_measure: str, predicted: str) -> bool:
    """A task's measure matches a gold measure when one contains the other (the gold may end at a
    comma the extractor reads on to the full stop, or begin a clause into the heading)."""
    a, b = gold_form(gold_measure), gold_form(predicted)
    return len(a) >= 4 and len(b) >= 4 and (a in b or b in a)


def score_responsibilities(gold: Gold, extracted: Extracted) -> TypeScore | None:
    """Tasks with their units. A gold entry ``{measure, lead[], co[][, extra_measures]}`` is found
    when a task of its document has a matching measure (:func:`_measures_agree`, or the gold
    measure is in the paragraph or table row the task was read from) and exactly its
    units: every lead among the task's pol:leadUnit and every co unit among its pol:coUnit, units
    matched by any name of the institution (label, alias, surface in the document)."""
    if not any("responsibilities" in annotated for annotated in gold.entities.values()):
        return None
    extraction = extracted.entities
    in_doc = _entities_by_document(extraction)
    tally = _Tally("responsibilities")
    for file_name, annotated in gold.entities.items():
        document = gold.document(file_name)
        entries = annotated.get("responsibilities", [])
        surfaces = in_doc.get(document.id, {})

        def unit_names(ref: tuple[str, str]) -> set[str]:
            entity = extraction.entities.get(ref)
            if entity is None:
                return set()
            return {gold_form(n) for n in (entity.label, *entity.aliases, *surfaces.get(ref, ()))}

        text = document.text
        paragraphs = {(m.entity_type, m.key): gold_form(text[text.rfind("\n", 0, m.start) + 1:
                                                            (text.find("\n", m.end) + 1 or len(text) + 1) - 1])
                      for m in extraction.mentions if m.doc_id == document.id and m.entity_type == "Task"}

        def agrees(i: int, task: Any) -> bool:
            entry = entries[i]
            measures = [entry["measure"], *entry.get("extra_measures", ())]
            paragraph = paragraphs.get(("Task", task.key), "")
            if not any(_measures_agree(m, task.label) or gold_form(m) in paragraph for m in measures):
                return False
            for role, wanted in (("leadUnit", entry.get("lead", [])), ("coUnit", entry.get("co", []))):
                got = [unit_names(ref) for ref in task.links.get(role, ())]
                if len(got) != len(wanted) or not all(any(gold_form(w) in g for g in got) for w in wanted):
                    return False
            return True

        tasks = [extraction.entities[ref] for ref in surfaces if ref[0] == "Task"]

        def shown(task: Any) -> str:
            units = ", ".join(extraction.entities[r].label for r in sorted(
                {*task.links.get("leadUnit", ()), *task.links.get("coUnit", ())}) if r in extraction.entities)
            return f"{document.id}: {task.label} ({units})"

        tally.match(entries, tasks, agrees, shown,
                    lambda entry: f"{document.id}: {entry['measure']} (lead {'、'.join(entry.get('lead', []))}; "
                                  f"co {'、'.join(entry.get('co', []))})")
    return tally.score()


def _numbers(value: str | None) -> tuple[str, ...]:
    return tuple(re.findall(r"\d+(?:\.\d+)?", value or ""))


def score_targets(gold: Gold, extracted: Extracted) -> TypeScore | None:
    """Prose targets (:mod:`kg.extract.targets`). A gold entry ``{quote, subject, value, deadline}`` is
    found when a target of its document has the same numbers in its value, a subject that contains
    the gold subject or is contained in it, and (when the gold gives one) the same deadline; a
    qualitative entry (value null) matches a target with no value."""
    from kg.extract.targets import find_targets

    if not any("targets" in annotated for annotated in gold.entities.values()):
        return None
    tally = _Tally("targets")
    for file_name, annotated in gold.entities.items():
        document = gold.document(file_name)
        entries = annotated.get("targets", [])

        def agrees(i: int, target: Any) -> bool:
            entry = entries[i]
            want, got = gold_form(entry["subject"]), gold_form(target.subject)
            if (entry.get("value") is None) != (target.value is None) or _numbers(entry.get("value")) != _numbers(target.value):
                return False
            if entry.get("deadline") and entry["deadline"] != target.deadline:
                return False
            return bool(want and got) and (want in got or got in want)

        tally.match(entries, find_targets(document.text, document.meta.date), agrees,
                    lambda target: f"{document.id}: {target.subject} {target.value} ({target.deadline})",
                    lambda entry: f"{document.id}: {entry['quote']} ({entry.get('deadline')})")
    return tally.score()


def _entities_by_document(extraction: EntityExtraction) -> dict[str, dict[tuple[str, str], set[str]]]:
    """doc id → entity → the surfaces it is written with there (empty for a derived entity)."""
    in_doc: dict[str, dict[tuple[str, str], set[str]]] = {}
    for mention in extraction.mentions:
        in_doc.setdefault(mention.doc_id, {}).setdefault((mention.entity_type, mention.key), set()).add(mention.surface)
    for ref, origins in extraction.derived.items():
        for doc_id, _ in origins:
            in_doc.setdefault(doc_id, {}).setdefault(ref, set())
    return in_doc


def _set_score(name: str, got: dict[tuple, str], want: dict[tuple, str]) -> TypeScore:
    """Precision and recall of two sets of keys (each key with the words a report shows for it)."""
    right = set(got) & set(want)
    return TypeScore(name, len(right), len(want), len(right), len(got),
                     tuple(want[k] for k in sorted(set(want) - right)), tuple(got[k] for k in sorted(set(got) - right)))


def _plan_boxes(extracted: Extracted) -> tuple[dict[tuple, str], dict[tuple, str]]:
    """(box number, title) and (box number, item number, title) of the 专栏 of the corpus's plans."""
    extraction = extracted.entities
    plan_ids = {d.id for d in extracted.documents if d.meta.kind == "plan"}
    boxes: dict[tuple, str] = {}
    items: dict[tuple, str] = {}
    for ref, entity in extraction.entities.items():
        if ref[0] != columns.ENTITY_TYPE or not any(doc in plan_ids for doc, _ in extraction.derived.get(ref, ())):
            continue
        number = int(entity.properties["ordinal"])  # type: ignore[call-overload]
        title = squeeze(entity.label.split(" ", 1)[1] if " " in entity.label else "")
        boxes[(number, title)] = f"专栏{number} {title}"
        for item_ref in entity.links.get("hasItem", set()):
            item = extraction.entities[item_ref]
            ordinal = int(item.properties["ordinal"])  # type: ignore[call-overload]
            items[(number, ordinal, squeeze(item.label))] = f"专栏{number}.{ordinal} {squeeze(item.label)}"
    return boxes, items


def score_boxes(gold: Gold, extracted: Extracted) -> TypeScore | None:
    """专栏 boxes of the plan, matched on (number, title)."""
    boxes = gold.read("special_columns.json")
    if boxes is None:
        return None
    want = {(b["number"], squeeze(b["title"])): f"专栏{b['number']} {squeeze(b['title'])}" for b in boxes
            if not b.get("borderline")}
    return _set_score("boxes", _plan_boxes(extracted)[0], want)


def score_items(gold: Gold, extracted: Extracted) -> TypeScore | None:
    """Numbered items of the plan's 专栏, matched on (box number, item number, title)."""
    boxes = gold.read("special_columns.json")
    if boxes is None:
        return None
    want = {(b["number"], i["ordinal"], squeeze(i["title"])): f"专栏{b['number']}.{i['ordinal']} {squeeze(i['title'])}"
            for b in boxes for i in b["items"] if not i.get("borderline")}
    return _set_score("items", _plan_boxes(extracted)[1], want)


def table_row_fields(row: TableRow) -> dict[str, object]:
    """A row in the gold file's shape (values single, a list when a cell holds two, None for —)."""
    def cell(values: tuple[Value, ...]) -> object:
        texts = [gold_normal(v.text) for v in values]
        return None if not texts else texts[0] if len(texts) == 1 else texts
    return {"row": row.row, "domain": row.domain, "indicator": gold_normal(row.name.text),
            "unit": gold_normal(row.unit), "baseline": cell(row.baseline), "target": cell(row.target),
            "attribute": row.attribute}


_ROW_FIELDS = ("domain", "indicator", "unit", "baseline", "target", "attribute")


def score_table(gold: Gold, extracted: Extracted) -> TypeScore | None:
    """Rows of the plan's indicator table: a row is found when every field equals the gold's."""
    gold_rows = gold.read("indicator_table.json")
    if gold_rows is None:
        return None
    rows = {r.row: table_row_fields(r) for t in extracted.indicators.tables for r in t.rows}
    exact, misses = 0, []
    counted = [g for g in gold_rows if not g.get("borderline")]
    for entry in counted:
        expected = {"domain": entry["domain"], "indicator": entry["indicator"], "unit": entry["unit"],
                    "baseline": entry["baseline_2020"], "target": entry["target_2025"], "attribute": entry["attribute"]}
        got = rows.get(entry["row"], {})
        bad = [f for f in _ROW_FIELDS if got.get(f) != expected[f]]
        if bad:
            misses.append(f"row {entry['row']} {entry['indicator']}: {', '.join(bad)} differ")
        else:
            exact += 1
    known = {g["row"] for g in gold_rows}
    extra = tuple(f"row {n} {rows[n]['indicator']}" for n in sorted(rows) if n not in known)
    return TypeScore("indicator_table", exact, len(counted), exact, len(rows), tuple(misses), extra)


def _quote_span(text: str, quote: str) -> tuple[int, int] | None:
    flexible = {"%": "[%％]", "<": "[<＜]", ">": "[>＞]", "+": "[+＋]", ",": "[,，]"}
    pattern = r"\s*".join(flexible.get(ch, re.escape(ch)) for ch in gold_normal(quote) or "")
    match = re.search(pattern, text)
    return (match.start(), match.end()) if match else None


def _box_number(structured: Prepared, passage_id: str) -> int | None:
    _, sections, passages = structured
    by_id = {s.id: s for s in sections}
    passage = next((p for p in passages if p.id == passage_id), None)
    section = by_id.get(passage.section_id) if passage else None
    while section is not None:
        if section.kind == "box":
            return section.ordinal
        section = by_id.get(section.parent_id) if section.parent_id else None
    return None


def score_links(gold: Gold, extracted: Extracted) -> TypeScore | None:
    """Values other documents report, linked to the plan indicator they measure.

    A predicted link is correct when its value lies inside a gold observation's quote in the
    same document and its indicator is the one the gold's plan reference names (a table row, or
    the target a 专栏 or the prose sets). Links the gold says must not exist are notes.
    """
    observations = gold.read("observations.json")
    if observations is None:
        return None
    extraction = extracted.indicators
    documents = {d.id: (d, s, p) for d, s, p in extracted.prepared}
    table_key = {r.row: normalise_key(r.name.text) for t in extraction.tables for r in t.rows}

    def locate(entry: dict[str, Any]) -> tuple[str, int, int] | None:
        candidates = [gold.document(entry["doc"])] if "doc" in entry else [d for d, _, _ in documents.values()]
        for document in candidates:
            if document.meta.kind == "plan":
                continue
            span = _quote_span(document.text, entry["quote"])
            if span:
                return document.id, *span
        return None

    def expected_indicator(ref: dict[str, Any], name: str, plan_target: str | None) -> str | None:
        if ref.get("source") == "table":
            return table_key.get(int(ref["row"]))
        candidates = []
        for target in extraction.targets:
            if target.source == "table":
                continue
            box = _box_number(documents[target.doc_id], target.passage_id)
            if ref.get("source") == "box" and box != ref.get("box") or ref.get("source") == "prose" and box:
                continue
            if plan_target is not None and gold_normal(target.value.text) != gold_normal(plan_target):
                continue
            candidates.append(target.indicator_key)
        if not candidates:
            return None
        return max(candidates, key=lambda key: similarity(name, extraction.indicator(key).label)[0])

    predicted = [o for o in extraction.linked_observations if documents[o.doc_id][0].meta.kind != "plan"]
    matched: set[str] = set()
    borderline_hits: set[str] = set()
    found, misses = 0, []
    counted = 0
    for entry in observations.get("observations", []):
        place = locate(entry)
        want = expected_indicator(entry["plan_ref"], entry["indicator"], entry.get("plan_target"))
        hit = None
        if place and want:
            doc_id, q_start, q_end = place
            hit = next((o for o in predicted if o.doc_id == doc_id and q_start <= o.value.start < q_end
                        and o.indicator_key == want), None)
        if entry.get("borderline"):
            if hit:
                borderline_hits.add(hit.id)
            continue
        counted += 1
        if hit:
            found += 1
            matched.add(hit.id)
        else:
            misses.append(f"{entry['quote']} → {entry['indicator']}")
    notes = []
    for entry in observations.get("not_same_quantity", []):
        place = locate(entry)
        avoid = expected_indicator(entry["plan_ref"], entry["not_indicator"], None)
        if place is None or avoid is None:
            continue
        doc_id, q_start, q_end = place
        for o in predicted:
            if o.doc_id == doc_id and q_start <= o.value.start < q_end and o.indicator_key == avoid:
                notes.append(f"must not be linked: {entry['quote']} → {entry['not_indicator']}")
    wrong = tuple(f"{o.doc_id}: {o.phrase.text if o.phrase else ''} {o.value.text} → {o.indicator_key}"
                  for o in predicted if o.id not in matched and o.id not in borderline_hits)
    return TypeScore("observation_links", found, counted, len(matched), len(matched) + len(wrong),
                     tuple(misses), wrong, tuple(notes))


#: The types scored, in report order: name → scorer (None from a scorer: the folder has no such gold).
SCORERS: dict[str, Scorer] = {
    "institutions": entity_type("institutions", institutions.ENTITY_TYPE),
    "programmes": entity_type("programmes", programmes.ENTITY_TYPE),
    "pilot_zones": entity_type("pilot_zones", pilots.ENTITY_TYPE),
    "practices": entity_type("practices", practices.ENTITY_TYPE),
    "cited_documents": entity_type("cited_documents", citations.ENTITY_TYPE),
    "responsibilities": score_responsibilities,
    "targets": score_targets,
    "boxes": score_boxes,
    "items": score_items,
    "indicator_table": score_table,
    "observation_links": score_links,
}


def score_extraction(gold_dir: Path, prepared: Sequence[Prepared] | Extracted) -> ExtractionReport:
    """Score the extractors on a structured corpus (or an extraction already made) against
    the gold in ``gold_dir``; raises :class:`GoldError` when that gold is not this corpus's."""
    extracted = prepared if isinstance(prepared, Extracted) else Extracted.run(prepared)
    gold = load_gold(gold_dir, extracted.documents)
    scores = [s for scorer in SCORERS.values() if (s := scorer(gold, extracted)) is not None]
    if not scores:
        raise GoldError(f"{gold_dir} holds no gold file this scorer reads (entities*.json, special_columns.json, "
                        "indicator_table.json, observations.json) — pass a gold folder")
    ind = extracted.indicators
    counts = {"indicators": len(ind.indicators), "targets": len(ind.targets),
              "prose_targets": sum(1 for t in ind.targets if t.source != "table"),
              "observations": len(ind.observations), "linked_observations": len(ind.linked_observations),
              "indicator_mentions": len(ind.mentions), "entities": len(extracted.entities.entities),
              "entity_mentions": len(extracted.entities.mentions)}
    return ExtractionReport(gold_dir, scores, counts)


def format_report(report: ExtractionReport) -> str:
    """The lines ``kg eval --extraction`` prints: a table of P/R per type, then every miss."""
    lines = [f"gold: {report.gold_dir}",
             f"{'type':<18} {'precision':>9} {'recall':>7} {'found/gold':>11} {'correct/predicted':>18}"]
    for s in report.scores:
        lines.append(f"{s.name:<18} {s.precision:>9.3f} {s.recall:>7.3f} {f'{s.found}/{s.gold}':>11} "
                     f"{f'{s.correct}/{s.predicted}':>18}")
    lines.append("counts: " + "  ".join(f"{k} {v}" for k, v in report.counts.items()))
    for s in report.scores:
        lines += [f"  missed {s.name}: {m}" for m in s.misses]
        lines += [f"  false positive {s.name}: {f}" for f in s.false_positives]
        lines += [f"  {s.name}: {n}" for n in s.notes]
    return "\n".join(lines)
