"""What the app's home and comparison pages show, computed from a build (never hard-coded):
counts of documents and entities, one row per target (a target the plan states twice counted
once), and two documents' indicators side by side.

Everything here reads a :class:`kg.query.service.Service` (duck-typed: ``documents``, ``store``,
``passage``, ``document_text``, ``entities()``, ``targets()``), so it follows the build.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

from kg.query.indicator_names import name_form

#: Statuses in the order the home page lists them (kg.query.target_status's words).
STATUSES = ("已达成", "未达成", "进行中", "无数据", "无法比较")


def year_of(iso: str) -> str:
    found = re.match(r"(\d{4})", iso or "")
    return found.group(1) if found else ""


def document_counts(documents: Iterable[Any]) -> dict[str, Counter[str]]:
    """{"kind": kind → n, "year": year → n, "kind_year": "kind|year" → n} of the documents."""
    kinds: Counter[str] = Counter()
    years: Counter[str] = Counter()
    both: Counter[str] = Counter()
    for doc in documents:
        year = year_of(doc.date) or "未注明"
        kinds[doc.kind] += 1
        years[year] += 1
        both[f"{doc.kind}|{year}"] += 1
    return {"kind": kinds, "year": years, "kind_year": both}


def entity_counts(entities: Iterable[Any]) -> Counter[str]:
    """Entity type → how many entities of it the graph holds."""
    return Counter(e.type for e in entities)


def newest_documents(documents: Iterable[Any], n: int = 5) -> list[Any]:
    """The ``n`` documents with the latest date (undated last)."""
    return sorted(documents, key=lambda d: (d.date or "", d.id), reverse=True)[:n]


@dataclass
class TargetRow:
    """One target of one indicator, as the plan sets it; ``also`` holds the other wordings of the
    same target (same indicator, year, document and number) stated elsewhere in that document."""

    indicator: str
    iri: str
    domain: str
    unit: str
    attribute: str
    baseline: str
    year: int
    target: str
    number: float | None
    latest: str
    status: str
    reason: str
    set_by: str
    set_by_id: str
    quotes: list[dict[str, Any]] = field(default_factory=list)  # {"doc", "start", "end", "text"}
    also: list[str] = field(default_factory=list)

    def as_table_row(self) -> dict[str, Any]:
        """The row as the 指标与目标 table shows it (Chinese column names)."""
        shown = self.target + (f"（另见：{'；'.join(self.also)}）" if self.also else "")
        return {"指标": self.indicator, "领域": self.domain, "单位": self.unit, "基期值": self.baseline,
                "目标年": self.year, "目标值": shown, "属性": self.attribute, "最新观测": self.latest,
                "状态": self.status, "说明": self.reason, "设定文件": self.set_by}


def _merge_key(row: TargetRow) -> tuple[Any, ...]:
    return (row.iri, row.year, row.set_by_id, row.number if row.number is not None else row.target)


def merge_targets(rows: Iterable[TargetRow]) -> list[TargetRow]:
    """One row per (indicator, year, setting document, number): a plan that states a target in its
    table and again in its text (＞90 and 90%以上) sets one target. The first (the table's, which
    carries the attribute and baseline) is kept and the other wordings go to ``also``."""
    out: dict[tuple[Any, ...], TargetRow] = {}
    for row in rows:
        key = _merge_key(row)
        kept = out.get(key)
        if kept is None:
            out[key] = row
            continue
        if row.target != kept.target and row.target not in kept.also:
            kept.also.append(row.target)
        kept.quotes.extend(row.quotes)
        kept.attribute = kept.attribute or row.attribute
        kept.baseline = kept.baseline or row.baseline
    return list(out.values())


def _quote(item: dict[str, Any]) -> dict[str, Any]:
    quote = item["quote"]
    return {"doc": item["document"]["id"], "title": item["document"]["title"], "start": quote["start"],
            "end": quote["end"], "text": quote["text"]}


def _latest(current: dict[str, Any] | None) -> str:
    """最新观测 as the table says it. The baseline alone is no observation: shown as one, beside
    状态 无数据 (只有基期值…), the row read as if the value had been measured since."""
    if not current:
        return ""
    if current.get("is_baseline"):
        return "无（只有基期值）"
    return f"{current['value']['display']}（{current['as_of']}）"


def rows_of_trace(data: dict[str, Any]) -> list[TargetRow]:
    """The target rows of one indicator's trace (``Trace.to_json()``), merged."""
    info = data["indicator"]
    current = data.get("current")
    rows = []
    for target in data["targets"]:
        baseline = target.get("baseline")
        rows.append(TargetRow(
            indicator=info["label"], iri=info["iri"], domain=info.get("domain") or "", unit=info.get("unit") or "",
            attribute=target.get("attribute") or info.get("attribute") or "",
            baseline=baseline["value"]["display"] if baseline else "", year=target["year"],
            target=target["value"]["display"], number=target["value"]["number"],
            latest=_latest(current),
            status=target["status"], reason=target["reason"], set_by=target["document"]["title"],
            set_by_id=target["document"]["id"], quotes=[_quote(target)]))
    return merge_targets(rows)


def trace_json(service: Any, iri: str) -> dict[str, Any]:
    """One indicator's trace as JSON, by IRI."""
    from kg.query.trace import trace_indicator

    return trace_indicator(service.store, "", service.documents, service.passage, service.document_text,
                           iri=iri).to_json()


def target_rows(service: Any) -> list[TargetRow]:
    """Every target of the build, one row each (merged, see :func:`merge_targets`)."""
    rows: list[TargetRow] = []
    for iri in sorted({r.indicator_iri for r in service.targets()}):
        rows.extend(rows_of_trace(trace_json(service, iri)))
    return rows


def status_counts(rows: Iterable[TargetRow]) -> Counter[str]:
    """Status → number of targets."""
    return Counter(r.status for r in rows)


# ---------------------------------------------------------------------------
# Two documents side by side
# ---------------------------------------------------------------------------

@dataclass
class DocIndicator:
    """What one document says about one indicator: the targets it sets and the values it reports."""

    iri: str
    label: str
    unit: str
    targets: list[str] = field(default_factory=list)  # "2025年 4人"
    values: list[str] = field(default_factory=list)  # "2020年 2.62人"
    quote: dict[str, Any] | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (name_form(self.label), self.unit or "")


@dataclass
class Comparison:
    """Indicators of two documents matched by name and unit."""

    both: list[tuple[DocIndicator, DocIndicator]]
    only_left: list[DocIndicator]
    only_right: list[DocIndicator]


def document_indicators(service: Any, doc_id: str) -> list[DocIndicator]:
    """The indicators one document sets targets for or reports values of."""
    iris = _indicators_of(service, doc_id)
    out = []
    for iri in iris:
        data = trace_json(service, iri)
        info = data["indicator"]
        item = DocIndicator(iri, info["label"], info.get("unit") or "")
        seen: set[tuple[Any, ...]] = set()  # the same value stated twice (table and text) once
        for role, values, shown in (("target", data["targets"], item.targets),
                                    ("value", data["observations"], item.values)):
            for value in values:
                if value["document"]["id"] != doc_id:
                    continue
                year = value["year"] or year_of(value["as_of"])
                key = (role, year, value["value"]["number"] if value["value"]["number"] is not None
                       else value["value"]["display"])
                if key not in seen:
                    seen.add(key)
                    shown.append(f"{year}年 {value['value']['display']}")
                item.quote = item.quote or _quote(value)
        if item.targets or item.values:
            out.append(item)
    return out


def _indicators_of(service: Any, doc_id: str) -> list[str]:
    from kg.query.graph_queries import select
    from kg.rdf.write import doc_iri

    query = """
    SELECT DISTINCT ?i ?d WHERE {
      { ?t pol:indicator ?i ; pol:setBy ?d } UNION { ?o pol:indicator ?i ; pol:reportedIn ?d }
    }"""
    return sorted({r["i"] for r in select(service.store, query, d=doc_iri(doc_id))})


def compare_documents(service: Any, left: str, right: str) -> Comparison:
    """The indicators of documents ``left`` and ``right`` matched by name and unit."""
    a = {i.key: i for i in document_indicators(service, left)}
    b = {i.key: i for i in document_indicators(service, right)}
    both = [(a[k], b[k]) for k in sorted(set(a) & set(b), key=lambda k: a[k].label)]
    return Comparison(both, [a[k] for k in sorted(set(a) - set(b), key=lambda k: a[k].label)],
                      [b[k] for k in sorted(set(b) - set(a), key=lambda k: b[k].label)])
