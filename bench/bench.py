"""Benchmark: build time, index sizes, warm query latency and dev-set figures with ablations.

Usage: python bench/bench.py [--queries tests/data/dev_queries.jsonl] [--write-readme]
Prints a Markdown table; with --write-readme it also replaces the table in README.md.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

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


def fresh_process_start(settings: object) -> tuple[float, float]:
    """Seconds to open the build, and then to answer the first query, in a brand-new Python process."""
    import json
    import subprocess

    code = (
        "import json, sys, time\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "t0 = time.perf_counter()\n"
        "from kg.config import load_settings\nfrom kg.query.service import Service\n"
        f"s = Service.open(load_settings(build_dir={settings.build_dir!r}, corpus_dir={settings.corpus_dir!r}))\n"
        "t1 = time.perf_counter()\ns.search('每万人口全科医生数', k=10)\nt2 = time.perf_counter()\n"
        "print(json.dumps([t1 - t0, t2 - t1]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    opened, first = json.loads(out.strip().splitlines()[-1])
    return opened, first


def page_interactions(service: Service, repeat: int = 5) -> dict[str, list[float]]:
    """Warm latency of the service calls behind each app page."""
    from kg.query.sparql import EXAMPLE_QUERIES, run_select

    entity = service.entity("每万人口全科医生数")["iri"]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queries", default=str(ROOT / "tests" / "data" / "dev_queries.jsonl"))
    parser.add_argument("--write-readme", action="store_true")
    parser.add_argument("--repeat", type=int, default=5, help="passes over the queries for latency")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(corpus_dir=str(ROOT / "corpus"), build_dir=str(Path(tmp) / "build"))
        report = build(settings)
        service = Service.open(settings)
        queries = load_queries(Path(args.queries))
        rows = []
        for mode in ("hybrid", "bm25", "dense"):
            result = score(queries, lambda q, mode=mode: [h.text for h in service.search(q, k=10, mode=mode)])
            rows.append((mode, result["R@5"], result["MRR@10"]))
        service.search("预热", k=10)  # load the encoder before timing
        latencies = []
        for _ in range(args.repeat):
            for query in queries:
                started = time.perf_counter()
                service.search(query.query, k=10)
                latencies.append((time.perf_counter() - started) * 1000)
        interactions = page_interactions(service)
        fresh_open, fresh_first = fresh_process_start(settings)
        index_dir = settings.build_path / "index"
        sizes = {
            "graph.nq": (settings.build_path / "graph.nq").stat().st_size,
            "FAISS": (index_dir / "dense.faiss").stat().st_size,
            "BM25": folder_size(index_dir / "bm25"),
            "whole build": folder_size(settings.build_path),
        }

    lines = [
        f"Machine: {platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}, "
        f"{__import__('os').cpu_count()} cores; model {service.index.model_id}.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| full build (5 documents, {report.passages} passages) | {report.seconds:.1f} s "
        f"({', '.join(f'{k} {v:.1f} s' for k, v in report.stages.items())}) |",
        f"| triples | {report.triples} |",
        *(f"| size of {name} | {size / 1024:.0f} KiB |" for name, size in sizes.items()),
        f"| warm query latency, hybrid, k=10 (n={len(latencies)}) | p50 {statistics.median(latencies):.1f} ms, "
        f"p95 {percentile(latencies, 0.95):.1f} ms |",
        f"| app cold start in a new process: open graph + indexes | {fresh_open:.2f} s (first query, which "
        f"imports and loads the encoder: {fresh_first:.1f} s more) |",
        *(f"| app interaction: {name} | p50 {statistics.median(v):.1f} ms, p95 {percentile(v, 0.95):.1f} ms |"
          for name, v in interactions.items()),
        "",
        f"| method (dev set, n={len(queries)}) | R@5 | MRR@10 |",
        "|---|---|---|",
        *(f"| {mode} | {r5:.3f} | {mrr:.3f} |" for mode, r5, mrr in rows),
    ]
    table = "\n".join(lines)
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
