"""Retrieval evaluation: R@5 and MRR@10 with the needle rule of the development set.

A retrieved passage answers a query when its text contains any of the query's
needles, both compared with all white space removed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from kg.errors import KGError

_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class EvalQuery:
    """One development question."""

    id: str
    kind: str
    query: str
    needles: tuple[str, ...]


def load_queries(path: Path) -> list[EvalQuery]:
    """Read a JSONL query file; every line needs id, query and needles."""
    out = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise KGError(f"cannot read query file {path}: {exc.strerror} — check the path") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            out.append(EvalQuery(str(record["id"]), str(record.get("kind", "")), str(record["query"]),
                                 tuple(record["needles"])))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise KGError(f"{path}:{number}: not a query record ({exc}) — each line is "
                          '{"id": …, "query": …, "needles": [...]}') from None
    return out


def answers(text: str, needles: Sequence[str]) -> bool:
    """The needle rule: some needle occurs in ``text``, white space ignored on both sides."""
    squeezed = _WS.sub("", text)
    return any(_WS.sub("", needle) in squeezed for needle in needles)


def score(queries: Sequence[EvalQuery], ranked_texts: Callable[[str], list[str]]) -> dict[str, object]:
    """R@5, MRR@10 and the first answering rank per query for one retrieval method."""
    recall, mrr = 0.0, 0.0
    per_query: dict[str, int | None] = {}
    for query in queries:
        texts = ranked_texts(query.query)[:10]
        first = next((rank for rank, text in enumerate(texts, 1) if answers(text, query.needles)), None)
        per_query[query.id] = first
        if first is not None:
            mrr += 1.0 / first
            recall += 1.0 if first <= 5 else 0.0
    n = max(len(queries), 1)
    return {"R@5": recall / n, "MRR@10": mrr / n, "n": len(queries), "first_rank": per_query}
