"""Trace an indicator across documents: who set its targets, its baseline, every reported value,
and whether each target has been met.

Everything here is read from the graph the build wrote (``kg.extract.indicators`` describes the
nodes): an ``pol:Indicator`` with ``pol:hasTarget`` / ``pol:hasObservation`` nodes, each with its
value as written (``pol:valueText``), its number, comparator and unit, its year or as-of date, the
document that sets or reports it and the passage it was read from (``prov:wasDerivedFrom``), whose
text at ``pol:start``/``pol:end`` is the evidence.

Values and the rules of a target's status are :mod:`kg.query.target_status`; the indicators and
their names :mod:`kg.query.indicator_names`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import pyoxigraph as ox

from kg.errors import QueryError
from kg.ingest.passages import sentences
from kg.query.graph_queries import select
from kg.query.indicator_names import Candidate, IndicatorInfo, IndicatorNames, indicators
from kg.query.target_status import (
    AUTHORITY,
    DocumentRef,
    Quantity,
    Quote,
    TracedValue,
    Status,
    deadline_of,
    newest,
    target_status,
)
from kg.records import DocumentInfo, Passage

# The table's row number at the start of a row passage ("3 孕产妇死亡率 …", "健 23 …").
_ROW_NUMBER = re.compile(r"^\s*(?:[\u4e00-\u9fff]\s+)?(\d{1,3})(?=\s)")


PassageLookup = Callable[[str], "Passage | None"]


@dataclass
class TracedTarget:
    """A target with its baseline and status."""

    target: TracedValue
    baseline: TracedValue | None
    status: Status

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict."""
        data = self.target.to_json()
        data["baseline"] = self.baseline.to_json() if self.baseline else None
        data["status"] = self.status.status
        data["reason"] = self.status.reason
        data["status_observation"] = self.status.observation
        return data


@dataclass
class Trace:
    """Everything ``kg trace`` shows for one indicator."""

    query: str
    indicator: IndicatorInfo
    match: Candidate
    alternatives: list[Candidate]
    attribute: str
    targets: list[TracedTarget]
    observations: list[TracedValue]  # every one, baselines included, oldest first
    current: TracedValue | None

    def to_json(self) -> dict[str, Any]:
        """The trace as ``kg trace --json`` prints it."""
        return {
            "query": self.query,
            "indicator": {**asdict(self.indicator), "attribute": self.attribute},
            "match": asdict(self.match),
            "alternatives": [asdict(a) for a in self.alternatives],
            "targets": [t.to_json() for t in self.targets],
            "observations": [o.to_json() for o in self.observations],
            "current": self.current.to_json() if self.current else None,
        }


# ---------------------------------------------------------------------------
# Reading an indicator's values from the graph
# ---------------------------------------------------------------------------

VALUES = """
SELECT DISTINCT ?i ?v ?role ?year ?asof ?text ?number ?comparator ?unit ?attribute ?doc ?passage ?start ?end
       ?baseline WHERE {
  { ?i pol:hasTarget ?v . ?v pol:setBy ?doc . BIND("target" AS ?role) }
  UNION
  { ?i pol:hasObservation ?v . ?v pol:reportedIn ?doc . BIND("observation" AS ?role)
    OPTIONAL { ?v pol:isBaseline ?baseline } }
  ?v pol:valueText ?text ; pol:start ?start ; pol:end ?end ; prov:wasDerivedFrom ?passage .
  OPTIONAL { ?v pol:year ?year }
  OPTIONAL { ?v pol:asOf ?asof }
  OPTIONAL { ?v pol:numericValue ?number }
  OPTIONAL { ?v pol:comparator ?comparator }
  OPTIONAL { ?v pol:unit ?unit }
  OPTIONAL { ?v pol:attribute ?attribute }
}
"""


def sentence_around(text: str, passage: Passage, start: int, end: int) -> tuple[int, int]:
    """The sentence of ``passage`` holding [start, end); a table row is its own sentence."""
    if passage.kind == "table_row":
        return passage.start, passage.end
    for s, e in sentences(text, passage.start, passage.end):
        if s <= start < e:
            return s, max(e, min(end, passage.end))
    return passage.start, passage.end


def _document_ref(doc: DocumentInfo | None, doc_id: str) -> DocumentRef:
    if doc is None:
        return DocumentRef(doc_id, doc_id, "", "", "", 0)
    return DocumentRef(doc.id, doc.title, doc.issuer, doc.date, doc.kind, AUTHORITY.get(doc.kind, 0))


def read_values(store: ox.Store, indicator_iri: str, documents: Mapping[str, DocumentInfo],
                passage_of: PassageLookup, text_of: Callable[[str], str]) -> list[TracedValue]:
    """Every target and observation of one indicator, with quotes, in no particular order."""
    out = []
    for row in select(store, VALUES, i=ox.NamedNode(indicator_iri)):
        doc_id = row["doc"].rsplit("/", 1)[-1]
        doc = documents.get(doc_id)
        passage_id = row["passage"].rsplit("/", 1)[-1]
        passage = passage_of(passage_id)
        start, end = int(row["start"]), int(row["end"])
        text = text_of(doc_id)
        if passage is not None:
            q_start, q_end = sentence_around(text, passage, start, end)
            path, row_number = passage.section_path[1:], None
            if passage.kind == "table_row":
                found = _ROW_NUMBER.match(passage.text)
                row_number = int(found.group(1)) if found else None
        else:
            q_start, q_end, path, row_number = start, end, (), None
        year = row["year"]
        as_of = row["asof"] or (deadline_of(year) if year else (doc.as_of or doc.date if doc else ""))
        out.append(TracedValue(
            iri=row["v"], role=row["role"], year=year, as_of=as_of,
            value=Quantity.of(row["text"], row["comparator"], row["number"], row["unit"]),
            document=_document_ref(doc, doc_id), passage_id=passage_id, section_path=tuple(path),
            table_row=row_number, quote=Quote(text[q_start:q_end], q_start, q_end, start, end),
            attribute=row["attribute"] or "", is_baseline=bool(row["baseline"]),
        ))
    return out


def _baseline_for(target: TracedValue, targets: Sequence[TracedValue],
                  baselines: Sequence[TracedValue]) -> TracedValue | None:
    """The target's baseline: from the same table row or passage (a cell with two values, 85% and
    70%, pairs them in order), else the newest baseline its document states."""
    same_doc = [b for b in baselines if b.document.id == target.document.id]
    same_passage = sorted((b for b in same_doc if b.passage_id == target.passage_id), key=lambda b: b.quote.value_start)
    siblings = sorted((t for t in targets if t.passage_id == target.passage_id), key=lambda t: t.quote.value_start)
    if same_passage and len(same_passage) == len(siblings):
        return same_passage[siblings.index(target)]
    return newest(same_passage) or newest(same_doc)


def trace_indicator(store: ox.Store, query: str, documents: Mapping[str, DocumentInfo],
                    passage_of: PassageLookup, text_of: Callable[[str], str], iri: str,
                    names: IndicatorNames | None = None, match: Candidate | None = None,
                    alternatives: Sequence[Candidate] = ()) -> Trace:
    """Trace the indicator with ``iri`` (the one ``query`` named, resolved by
    :class:`kg.query.names.NameResolver`): targets with their setting document, baseline and
    status; every observation by date; the current value. ``match`` and ``alternatives`` say
    how the query named it (an IRI names itself); ``names`` are the build's indicators (read
    from the store when not given).
    """
    names = names if names is not None else IndicatorNames(indicators(store))
    info = names.by_iri.get(iri)
    if info is None:
        raise QueryError(f"{iri} is not an indicator; list indicators with `kg entities --type indicator`")
    match = match or Candidate(info.iri, info.label, 1.0, "iri")
    values = read_values(store, info.iri, documents, passage_of, text_of)
    observations = sorted((v for v in values if v.role == "observation"), key=lambda v: v.sort_key)
    baselines = [o for o in observations if o.is_baseline]
    targets = sorted((v for v in values if v.role == "target"),
                     key=lambda v: (v.year or 0, v.table_row is None, v.document.date, v.quote.value_start))
    traced = []
    for target in targets:
        baseline = _baseline_for(target, targets, baselines)
        traced.append(TracedTarget(target, baseline, target_status(target, observations, info.label, baseline)))
    attribute = next((t.attribute for t in targets if t.attribute), "")
    return Trace(query, info, match, list(alternatives), attribute, traced, observations, newest(observations))


__all__ = ["PassageLookup", "Trace", "TracedTarget", "read_values", "sentence_around", "trace_indicator"]
