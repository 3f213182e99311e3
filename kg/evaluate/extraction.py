"""Extraction scores against a hand-made gold folder (the indicator part; moved out of the extractor)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from kg.extract.indicators import IndicatorExtraction, TableRow, Value, extract_indicators, normalise_key
from kg.extract.indicators.values import DocumentWithStructure
from kg.quantities import similarity, squeeze

GOLD_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "gold"
_GOLD_MAP = {ord("％"): "%", ord("＋"): "+", ord("＜"): "<", ord("＞"): ">"}
_GOLD_MAP.update({c: c - 0xFEE0 for c in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))})


def gold_normal(text: str | None) -> str | None:
    """The gold files' convention: no white space; ％＋＜＞ and full-width letters/digits half-width."""
    return None if text is None else squeeze(text).translate(_GOLD_MAP)


def table_row_fields(row: TableRow) -> dict[str, object]:
    """A row in the gold file's shape (values single, a list when a cell holds two, None for —)."""
    def cell(values: tuple[Value, ...]) -> object:
        texts = [gold_normal(v.text) for v in values]
        return None if not texts else texts[0] if len(texts) == 1 else texts
    return {"row": row.row, "domain": row.domain, "indicator": gold_normal(row.name.text),
            "unit": gold_normal(row.unit), "baseline": cell(row.baseline), "target": cell(row.target),
            "attribute": row.attribute}


def _quote_span(text: str, quote: str) -> tuple[int, int] | None:
    flexible = {"%": "[%％]", "<": "[<＜]", ">": "[>＞]", "+": "[+＋]", ",": "[,，]"}
    pattern = r"\s*".join(flexible.get(ch, re.escape(ch)) for ch in gold_normal(quote) or "")
    match = re.search(pattern, text)
    return (match.start(), match.end()) if match else None


def extraction_scores(corpus_dir: Path | None = None, gold_dir: Path | None = None) -> dict[str, object]:
    """Table-row accuracy and observation-link precision/recall against the gold annotations.

    Returns ``{"table": {...}, "links": {...}}``; :func:`format_scores` renders it for the CLI.
    A predicted link counts as correct when its value lies inside a gold observation's quote
    in the same document and its indicator is the one the gold's plan reference names.
    """
    from kg.ingest.corpus import load_corpus
    from kg.ingest.passages import split_passages
    from kg.ingest.sections import split_sections

    gold_dir = gold_dir or GOLD_DIR
    corpus_dir = corpus_dir or Path("corpus")
    load = load_corpus(corpus_dir, 50 << 20)
    structured = []
    for document in load.documents:
        sections = split_sections(document)
        structured.append((document, sections, split_passages(document, sections)))
    extraction = extract_indicators(structured)
    return score_extraction(extraction, structured, gold_dir)


def score_extraction(extraction: IndicatorExtraction, structured: Sequence[DocumentWithStructure],
                     gold_dir: Path) -> dict[str, object]:
    """:func:`extraction_scores` on an extraction already made."""
    gold_rows = json.loads((gold_dir / "indicator_table.json").read_text(encoding="utf-8"))
    gold_obs = json.loads((gold_dir / "observations.json").read_text(encoding="utf-8"))
    rows = {r.row: table_row_fields(r) for t in extraction.tables for r in t.rows}
    field_names = ("domain", "indicator", "unit", "baseline", "target", "attribute")
    exact, wrong = 0, []
    for gold in gold_rows:
        expected = {"domain": gold["domain"], "indicator": gold["indicator"], "unit": gold["unit"],
                    "baseline": gold["baseline_2020"], "target": gold["target_2025"], "attribute": gold["attribute"]}
        got = rows.get(gold["row"], {})
        bad = [f for f in field_names if got.get(f) != expected[f]]
        if bad:
            wrong.append({"row": gold["row"], "fields": bad})
        else:
            exact += 1

    documents = {d.id: (d, s, p) for d, s, p in structured}
    table_key = {r.row: normalise_key(r.name.text) for t in extraction.tables for r in t.rows}

    def locate(quote: str) -> tuple[str, int, int] | None:
        for doc_id, (document, _, _) in documents.items():
            if document.meta.kind == "plan":
                continue
            span = _quote_span(document.text, quote)
            if span:
                return doc_id, *span
        return None

    def expected_indicator(ref: dict[str, object], name: str, plan_target: str | None) -> str | None:
        if ref.get("source") == "table":
            return table_key.get(int(ref["row"]))  # type: ignore[arg-type]
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

    predicted = [o for o in extraction.linked_observations
                 if documents[o.doc_id][0].meta.kind != "plan"]
    matched: set[str] = set()
    found, missed = [], []
    for gold in gold_obs["observations"]:
        place = locate(gold["quote"])
        want = expected_indicator(gold["plan_ref"], gold["indicator"], gold.get("plan_target"))
        hit = None
        if place and want:
            doc_id, q_start, q_end = place
            hit = next((o for o in predicted if o.doc_id == doc_id and q_start <= o.value.start < q_end
                        and o.indicator_key == want), None)
        (found if hit else missed).append(gold["quote"])
        if hit:
            matched.add(hit.id)
    violations = []
    for gold in gold_obs["not_same_quantity"]:
        place = locate(gold["quote"])
        avoid = expected_indicator(gold["plan_ref"], gold["not_indicator"], None)
        if place is None or avoid is None:
            continue
        doc_id, q_start, q_end = place
        for o in predicted:
            if o.doc_id == doc_id and q_start <= o.value.start < q_end and o.indicator_key == avoid:
                violations.append(gold["quote"])
    wrong_links = [f"{o.doc_id}: {o.phrase.text if o.phrase else ''} {o.value.text} → {o.indicator_key}"
                   for o in predicted if o.id not in matched]
    precision = len(matched) / len(predicted) if predicted else 0.0
    recall = len(found) / len(gold_obs["observations"]) if gold_obs["observations"] else 0.0
    return {
        "table": {"rows_exact": exact, "rows": len(gold_rows), "wrong": wrong},
        "links": {"predicted": len(predicted), "correct": len(matched), "gold": len(gold_obs["observations"]),
                  "precision": precision, "recall": recall, "missed": missed, "unconfirmed": wrong_links,
                  "must_not_violations": violations},
        "counts": {"indicators": len(extraction.indicators), "targets": len(extraction.targets),
                   "prose_targets": sum(1 for t in extraction.targets if t.source != "table"),
                   "observations": len(extraction.observations),
                   "linked_observations": len(extraction.linked_observations),
                   "mentions": len(extraction.mentions)},
    }


def _box_number(structured: DocumentWithStructure, passage_id: str) -> int | None:
    _, sections, passages = structured
    by_id = {s.id: s for s in sections}
    passage = next((p for p in passages if p.id == passage_id), None)
    section = by_id.get(passage.section_id) if passage else None
    while section is not None:
        if section.kind == "box":
            return section.ordinal
        section = by_id.get(section.parent_id) if section.parent_id else None
    return None


def format_scores(scores: dict[str, object]) -> str:
    """Render :func:`extraction_scores` as the lines ``kg eval --extraction`` prints."""
    table = scores["table"]
    links = scores["links"]
    counts = scores["counts"]
    if not (isinstance(table, dict) and isinstance(links, dict) and isinstance(counts, dict)):
        raise TypeError("format_scores expects the dict extraction_scores returns")
    lines = [
        f"indicator table   rows exact {table['rows_exact']}/{table['rows']}",
        (f"observation links precision {links['precision']:.2f} ({links['correct']}/{links['predicted']})  "
         f"recall {links['recall']:.2f} ({links['gold'] - len(links['missed'])}/{links['gold']})  "
         f"must-not violations {len(links['must_not_violations'])}"),
        "counts            " + "  ".join(f"{k} {v}" for k, v in counts.items()),
    ]
    lines += [f"  wrong row {w['row']}: {', '.join(w['fields'])}" for w in table["wrong"]]
    lines += [f"  missed link: {q}" for q in links["missed"]]
    lines += [f"  unconfirmed link: {q}" for q in links["unconfirmed"]]
    lines += [f"  must-not linked: {q}" for q in links["must_not_violations"]]
    return "\n".join(lines)
