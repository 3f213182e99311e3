"""A hand-made gold folder, tied to the corpus it is scored on, and what the extractors read
from that corpus (:class:`Extracted`). :mod:`kg.evaluate.extraction` scores one against the other.

Works on any corpus that has its own gold. The folder is passed in (``kg eval --extraction DIR``);
nothing here knows where a gold lives. What a folder may hold, each file optional:

* ``entities*.json`` — ``{file name: {type: [entry, …]}, "coverage": …}``; an entry is
  ``{"name", "aliases"[, "borderline"]}``. Several files (``entities_a.json``, ``entities_b.json``)
  are merged.
* ``special_columns.json`` — the plan's 专栏 boxes and their numbered items.
* ``indicator_table.json`` — the rows of the plan's indicator table.
* ``observations.json`` — values other documents report, each with the plan indicator it measures,
  and pairs that must not be linked.
* ``documents.json`` — ``{file name in the gold: file name in the corpus}``, for a gold written
  against the source files before the corpus renamed them.

A gold that names a file the corpus does not hold is refused (:class:`GoldError`): its scores
would silently count every entry of that file as a miss.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from kg.errors import KGError
from kg.extract.entities import EntityExtraction, Prepared, extract_entities
from kg.extract.indicators import IndicatorExtraction, extract_indicators
from kg.extract.spans import strip_enclosing_quotes
from kg.quantities import squeeze
from kg.records import Document

#: The file that maps a gold's file names to the corpus's (see the module docstring).
DOCUMENT_MAP = "documents.json"
_GOLD_MAP = {ord("％"): "%", ord("＋"): "+", ord("＜"): "<", ord("＞"): ">"}
_GOLD_MAP.update({c: c - 0xFEE0 for c in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))})


class GoldError(KGError):
    """A gold folder is missing, unreadable, or written for another corpus."""

    exit_code = 2



@dataclass(frozen=True)
class Extracted:
    """The corpus and everything the extractors read from it."""

    prepared: Sequence[Prepared]
    entities: EntityExtraction
    indicators: IndicatorExtraction

    @classmethod
    def run(cls, prepared: Sequence[Prepared]) -> Extracted:
        """Run the entity and indicator extractors over structured documents."""
        return cls(prepared, extract_entities(prepared), extract_indicators(list(prepared)))

    @property
    def documents(self) -> list[Document]:
        """The corpus documents."""
        return [document for document, _, _ in self.prepared]


@dataclass(frozen=True)
class Gold:
    """A gold folder, checked against the corpus it is scored on."""

    folder: Path
    documents: dict[str, Document]  # file name as the gold writes it → corpus document
    entities: dict[str, dict[str, list[dict[str, Any]]]]  # gold file name → type → entries

    def read(self, name: str) -> Any | None:
        """The parsed JSON file ``name`` of the folder, or None when the folder has none."""
        return _read_json(self.folder / name) if (self.folder / name).is_file() else None

    def document(self, name: str) -> Document:
        """The corpus document a gold file name stands for."""
        return self.documents[name]


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise GoldError(f"gold file {path} is unreadable ({exc}) — fix the JSON or remove the file") from None


def load_gold(folder: Path, documents: Sequence[Document]) -> Gold:
    """Read the gold of ``folder`` and tie every file it names to a document of the corpus.

    A gold file name matches the corpus document whose file has that name, or (for a gold written
    with folders, ``news/crud-news-01.txt``) its last part, or the name ``documents.json`` maps it
    to. Raises :class:`GoldError` when the folder is missing or names files the corpus lacks.
    """
    if not folder.is_dir():
        raise GoldError(f"gold folder {folder} does not exist — pass the folder holding the gold files "
                        "(kg eval --extraction DIR)")
    mapping = _read_json(folder / DOCUMENT_MAP) if (folder / DOCUMENT_MAP).is_file() else {}
    entities: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for path in sorted(folder.glob("entities*.json")):
        for name, annotated in _read_json(path).items():
            if name == "coverage":
                continue
            for gold_type, entries in annotated.items():
                entities.setdefault(name, {}).setdefault(gold_type, []).extend(entries)
    observations = _read_json(folder / "observations.json") if (folder / "observations.json").is_file() else {}
    named = set(entities) | {o["doc"] for part in ("observations", "not_same_quantity")
                             for o in observations.get(part, []) if "doc" in o}
    by_file = {d.meta.file: d for d in documents}
    resolved: dict[str, Document] = {}
    unknown = []
    for name in sorted(named):
        wanted = str(mapping.get(name, name))
        document = by_file.get(wanted) or by_file.get(PurePosixPath(wanted).name)
        if document is None:
            unknown.append(name)
        else:
            resolved[name] = document
    if unknown:
        shown = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        raise GoldError(f"the gold in {folder} names {len(unknown)} file(s) that are not in the corpus: {shown} — "
                        f"score the corpus this gold was written for (set KG_CORPUS_DIR to its folder), or map the "
                        f"names to corpus files in {folder / DOCUMENT_MAP}")
    return Gold(folder, resolved, entities)


def gold_normal(text: str | None) -> str | None:
    """The gold files' convention: no white space; ％＋＜＞ and full-width letters/digits half-width."""
    return None if text is None else squeeze(text).translate(_GOLD_MAP)


def gold_form(name: str) -> str:
    """A name as the gold files compare it: :func:`gold_normal`, quotes around the whole name dropped."""
    return strip_enclosing_quotes(gold_normal(name) or "")


__all__ = ["DOCUMENT_MAP", "Extracted", "Gold", "GoldError", "gold_form", "gold_normal", "load_gold"]
