"""Load test: N concurrent clients call the service's search, trace and SPARQL for a bounded time.

Usage: python bench/load.py [--clients 8] [--seconds 20]
Prints throughput, p50/p95 latency and errors per operation. Needs a current build
(`kg build`); it uses the service in-process (threads), exactly as the app does.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.config import load_settings  # noqa: E402
from kg.evaluate.retrieval import load_queries  # noqa: E402
from kg.query.service import Service  # noqa: E402
from kg.query.sparql import EXAMPLE_QUERIES, run_select  # noqa: E402

TRACE_TERMS = ["每万人口全科医生数", "孕产妇死亡率", "老年医学科比例", "托位数", "人均预期寿命", "县域内就诊率"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0.0


def operations(service: Service) -> dict[str, Callable[[random.Random], object]]:
    queries = [q.query for q in load_queries(ROOT / "tests" / "data" / "dev_queries.jsonl")]
    sparql = list(EXAMPLE_QUERIES.values())
    ops: dict[str, Callable[[random.Random], object]] = {
        "search": lambda rng: service.search(rng.choice(queries), k=10),
        "sparql": lambda rng: run_select(service.store, rng.choice(sparql), limit=200, timeout_s=5),
    }
    if hasattr(service, "trace"):
        ops["trace"] = lambda rng: service.trace(rng.choice(TRACE_TERMS))
    return ops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()

    service = Service.open(load_settings())
    ops = operations(service)
    for op in ops.values():  # warm: load the encoder, jieba and caches before timing
        op(random.Random(0))
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    lock = threading.Lock()
    stop_at = time.monotonic() + args.seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        names = list(ops)
        while time.monotonic() < stop_at:
            name = rng.choice(names)
            started = time.perf_counter()
            try:
                ops[name](rng)
                ok, problem = True, ""
            except Exception as exc:  # the load test counts every failure instead of stopping
                ok, problem = False, f"{type(exc).__name__}: {exc}"
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                (latencies[name] if ok else errors[name]).append(elapsed if ok else problem)  # type: ignore[arg-type]

    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(args.clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started

    print(f"{args.clients} clients for {wall:.1f} s on {__import__('os').cpu_count()} cores")
    print("| operation | calls | throughput (/s) | p50 (ms) | p95 (ms) | errors |")
    print("|---|---|---|---|---|---|")
    every: list[float] = []
    for name in ops:
        values = latencies[name]
        every.extend(values)
        print(f"| {name} | {len(values)} | {len(values) / wall:.1f} | {statistics.median(values) if values else 0:.1f} "
              f"| {percentile(values, 0.95):.1f} | {len(errors[name])} |")
    print(f"| all | {len(every)} | {len(every) / wall:.1f} | {statistics.median(every) if every else 0:.1f} "
          f"| {percentile(every, 0.95):.1f} | {sum(len(e) for e in errors.values())} |")
    for name, problems in errors.items():
        for problem in sorted(set(problems))[:5]:
            print(f"error in {name}: {problem}")


if __name__ == "__main__":
    main()
