"""What inference collects: the document's lines with their offsets, and the fields found so far."""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.ingest.metadata.words import full_issuer
from kg.ingest.normalise import Cleaned
from kg.records import MetaField

#: Metadata fields in the order ``kg add`` shows them.
#: ``outlet`` is the medium a text credits (来源：X): kept in the provenance and the graph, not in DocumentMeta.
FIELDS = ("title", "doc_number", "issuer", "date", "validity", "genre", "kind", "region", "outlet")


@dataclass(frozen=True)
class Inference:
    """What was read from one document: field name → MetaField (absent: nothing found)."""

    fields: dict[str, MetaField] = field(default_factory=dict)

    def value(self, name: str) -> str:
        """The inferred value of a field, or ""."""
        found = self.fields.get(name)
        return found.value if found else ""


@dataclass
class Line:
    text: str
    start: int  # offset in Cleaned.full
    kept: bool  # survived chrome removal where it stood (a credit moved to the text's end is not)


def read_lines(cleaned: Cleaned) -> list[Line]:
    out, offset = [], 0
    for line in cleaned.full.split("\n"):
        # A line whose tail was cut as residue is still kept: its start survives.
        kept = cleaned.in_place(offset) if line else False
        out.append(Line(line, offset, kept))
        offset += len(line) + 1
    return [line for line in out if line.text.strip()]


class Collector:
    """Fields found so far; the first source to give a field wins."""

    def __init__(self, cleaned: Cleaned) -> None:
        self.cleaned = cleaned
        self.fields: dict[str, MetaField] = {}

    def put(self, name: str, value: str, start: int | None = None, end: int | None = None,
            source: str = "text", mapped: bool = False) -> None:
        """Record a field; ``start``/``end`` are offsets in ``cleaned.full`` (in ``cleaned.text`` if ``mapped``)."""
        value = value.strip()
        if name in ("issuer", "outlet"):
            value = full_issuer(value)
        if not value or name in self.fields:
            return
        if mapped:
            span = (start, end) if start is not None and end is not None else None
        else:
            span = self.cleaned.to_text(start, end) if start is not None and end is not None else None
        self.fields[name] = MetaField(name, value, source, span[0] if span else None, span[1] if span else None)
