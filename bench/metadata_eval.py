"""Metadata inference measured on the development corpus against a hand-written gold.

`python bench/metadata_eval.py` reads every file of ../shared/devcorpus (files/ and news/), infers
its metadata from the text alone (no metadata.json) and compares title, doc_number, issuer, date
and kind with tests/data/devgold/metadata.json. A field is right when the inferred value equals
the gold one after removing whitespace (gold null = nothing should be inferred). Kind is compared
as the fine kind (方案, 计划, 解读, 新闻, 发布会实录, 论文, 其他 …).

The news files carry no date of their own: the dataset kept it apart (news/SOURCES.json).
A text that states no title is labelled by its first sentence (source "lead"); that label is
scored as no title and counted apart. A gold value the text does not write (a date in no form
dates.DATE reads, a title or issuer the gold's writer composed) is the dataset's, not the
document's: each figure is also given over the fields the text states or that are right (kind,
read from the words, always counts). `--dataset-dates` gives those dates to the build as a per-field metadata.json override, the way a
user would, and reports that figure too. `--bundled` measures the bundled corpus (corpus/) by
inference alone against its own metadata.json instead. `--json` prints the per-file results.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.errors import CorpusError  # noqa: E402
from kg.ingest import metadata as inference  # noqa: E402
from kg.ingest.metadata.dates import DATE, iso  # noqa: E402
from kg.ingest.metadata.words import TRAILING_MARKS  # noqa: E402
from kg.ingest.normalise import clean_document  # noqa: E402
from kg.ingest.readers import read_raw  # noqa: E402
from kg.records import DocumentMeta  # noqa: E402

FIELDS = ("title", "doc_number", "issuer", "date", "kind")
DEVCORPUS = ROOT.parent / "shared" / "devcorpus"
GOLD = ROOT / "tests" / "data" / "devgold" / "metadata.json"


def canonical(value: object) -> str:
    """Compare values without whitespace, width differences, a trailing full stop or the marks a page
    sets after a headline for show (…推动→: the gold keeps what is printed)."""
    if value is None:
        return ""
    text = TRAILING_MARKS.sub("", unicodedata.normalize("NFKC", str(value)))
    return re.sub(r"\s+", "", text).rstrip("。")


def infer_file(path: Path, given: DocumentMeta | None = None) -> tuple[dict[str, str], str, str]:
    """(inferred values by gold field, reader used, error) for one file."""
    try:
        raw = read_raw(path, 200 * 1024 * 1024)
    except CorpusError as exc:
        return {}, "", f"{exc.problem} — {exc.fix}"
    cleaned = clean_document(raw.text, paragraph_lines=raw.paragraph_lines,
                             chrome=raw.source_format not in ("txt", "md"))
    found = inference.infer(path, cleaned, raw.properties)
    title = found.fields.get("title")
    # A first-sentence label (source "lead") stands in for a title the text does not state: it is
    # scored as no title (the gold's null), and counted apart.
    values = {"title": title.value if title and title.source != "lead" else "",
              "lead": title.value if title and title.source == "lead" else "",
              "doc_number": found.value("doc_number"),
              "issuer": found.value("issuer"), "date": found.value("date"), "kind": found.value("genre"),
              "dates_in_text": sorted({iso(m) for m in DATE.finditer(cleaned.full)} - {""}),
              "_text": canonical(cleaned.full)}
    if given is not None:
        meta, _ = inference.merge(path, found, given)
        values["date"] = meta.date
    return values, raw.method, ""


def evaluate(devcorpus: Path, gold_path: Path, dataset_dates: bool) -> dict[str, object]:
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    sources = {}
    if dataset_dates and (devcorpus / "news" / "SOURCES.json").exists():
        sources = {e["file"]: e.get("date") or "" for e in
                   json.loads((devcorpus / "news" / "SOURCES.json").read_text(encoding="utf-8"))}
    right: Counter[str] = Counter()
    stated: Counter[str] = Counter()
    stated_right: Counter[str] = Counter()
    rows = []
    for name, expected in sorted(gold.items()):
        if not isinstance(expected, dict):
            continue
        path = devcorpus / name
        given = None
        if sources.get(path.name):
            given = DocumentMeta(id="", file=path.name, title="", issuer="", date=sources[path.name], kind="")
        values, reader, error = infer_file(path, given)
        wrong = {}
        for field in FIELDS:
            if canonical(values.get(field)) == canonical(expected.get(field)):
                right[field] += 1
            else:
                wrong[field] = {"inferred": values.get(field) or None, "gold": expected.get(field)}
        _count_stated(FIELDS, expected, values, wrong, stated, stated_right)
        rows.append({"file": name, "reader": reader, "error": error, "wrong": wrong, "inferred": values})
    total = len(rows)
    return {"files": total, "accuracy": {f: right[f] / total for f in FIELDS},
            **_stated_figures(FIELDS, stated, stated_right),
            "lead_labels": sum(1 for row in rows if row["inferred"].get("lead")),
            "overall": sum(right.values()) / (total * len(FIELDS)), "rows": rows}


def _is_stated(field: str, gold: object, values: dict[str, object]) -> bool:
    """Whether the text states the gold value (or none is due): a date in any form, a value verbatim."""
    if not gold or field == "kind":
        return True
    if field == "date":
        return gold in values.get("dates_in_text", [])  # type: ignore[operator]
    return canonical(gold) in str(values.get("_text", ""))


def _count_stated(fields: tuple[str, ...], gold: dict[str, object], values: dict[str, object],
                  wrong: dict[str, dict[str, object]], stated: Counter[str], stated_right: Counter[str]) -> None:
    values_text = values.pop("_text", "")
    for field in fields:
        # A right value counts whether or not the text writes it (a title composed as the gold's was).
        if field not in wrong or _is_stated(field, gold.get(field), {**values, "_text": values_text}):
            stated[field] += 1
            stated_right[field] += field not in wrong
        elif field in wrong:
            wrong[field]["stated"] = False


def _stated_figures(fields: tuple[str, ...], stated: Counter[str], stated_right: Counter[str]) -> dict[str, object]:
    return {"stated": {f: {"files": stated[f], "right": stated_right[f]} for f in fields},
            "overall_stated": sum(stated_right.values()) / max(1, sum(stated.values()))}


def evaluate_bundled(corpus: Path) -> dict[str, object]:
    """The bundled corpus by inference alone against its own metadata.json (title, issuer, date, kind).

    Those documents were not written against: the best sample of a new user's files. Kind is the
    graph's kind (plan, news, bulletin), the one that metadata.json gives.
    """
    given = json.loads((corpus / "metadata.json").read_text(encoding="utf-8"))["documents"]
    right: Counter[str] = Counter()
    stated: Counter[str] = Counter()
    stated_right: Counter[str] = Counter()
    rows = []
    for entry in given:
        values, reader, error = infer_file(corpus / entry["file"])
        values["kind"] = _graph_kind(corpus / entry["file"])
        wrong = {f: {"inferred": values.get(f) or None, "gold": entry.get(f)}
                 for f in BUNDLED_FIELDS if canonical(values.get(f)) != canonical(entry.get(f))}
        right.update(f for f in BUNDLED_FIELDS if f not in wrong)
        _count_stated(BUNDLED_FIELDS, entry, values, wrong, stated, stated_right)
        rows.append({"file": entry["file"], "reader": reader, "error": error, "wrong": wrong, "inferred": values})
    return {"files": len(rows), "accuracy": {f: right[f] / len(rows) for f in BUNDLED_FIELDS},
            "right": {f: right[f] for f in BUNDLED_FIELDS}, **_stated_figures(BUNDLED_FIELDS, stated, stated_right),
            "overall": sum(right.values()) / (len(rows) * len(BUNDLED_FIELDS)), "rows": rows}


BUNDLED_FIELDS = ("title", "issuer", "date", "kind")


def _graph_kind(path: Path) -> str:
    raw = read_raw(path, 200 * 1024 * 1024)
    cleaned = clean_document(raw.text, paragraph_lines=raw.paragraph_lines,
                             chrome=raw.source_format not in ("txt", "md"))
    return inference.infer(path, cleaned, raw.properties).value("kind")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devcorpus", type=Path, default=DEVCORPUS)
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--dataset-dates", action="store_true",
                        help="give the news files their SOURCES.json date as a metadata.json date")
    parser.add_argument("--bundled", type=Path, nargs="?", const=ROOT / "corpus", default=None,
                        help="instead, the bundled corpus (or this folder) against its metadata.json")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.bundled:
        result = evaluate_bundled(args.bundled)
    else:
        result = evaluate(args.devcorpus, args.gold, args.dataset_dates)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return 0
    for row in result["rows"]:
        if row["error"]:
            print(f"{row['file']}: NOT READ: {row['error']}")
        for field, pair in row["wrong"].items():
            note = " (not in the text)" if pair.get("stated") is False else ""
            print(f"{row['file'][:48]}: {field}: inferred {pair['inferred']!r}, gold {pair['gold']!r}{note}")
    print(f"\n{result['files']} files, fields right:")
    for field, value in result["accuracy"].items():
        print(f"  {field:11s} {value:6.1%}")
    print(f"  {'all':11s} {result['overall']:6.1%}")
    if "stated" in result:
        counts = ", ".join(f"{f} {c['right']}/{c['files']}" for f, c in result["stated"].items())
        print(f"  over the fields the text states, none is due or right: {counts}; all {result['overall_stated']:.1%}")
    if "lead_labels" in result:
        print(f"  ({result['lead_labels']} files with no stated title labelled by their first sentence)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
