"""Inferred metadata merged with metadata.json, the default id, and the lines `kg add` prints."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

from kg.ingest.metadata.fields import FIELDS, Inference
from kg.records import DocumentMeta, MetaField

def default_id(path: Path) -> str:
    """A document id from the file name: ASCII letters/digits kept, plus a short hash of the name.

    Two files that differ only by suffix (good.pdf, good.docx) get different ids: a plain-text
    file keeps its bare stem, any other format adds its suffix (good-pdf).
    """
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", unicodedata.normalize("NFKC", path.stem))
    slug = re.sub(r"-{2,}", "-", slug).strip("-._")[:60] or "doc"
    if slug != path.stem:
        return f"{slug}-{hashlib.sha256(path.name.encode('utf-8')).hexdigest()[:6]}"
    suffix = path.suffix.lower().lstrip(".")
    return slug if suffix in ("txt", "md", "") else f"{slug}-{suffix}"


def merge(path: Path, inferred: Inference, given: DocumentMeta | None) -> tuple[DocumentMeta, tuple[MetaField, ...]]:
    """The document's metadata: each field from metadata.json where given, else as inferred.

    Returns the metadata and the provenance of every field that has a value.
    """
    provenance: dict[str, MetaField] = dict(inferred.fields)
    values = {name: inferred.value(name) for name in FIELDS}
    if not values["title"]:
        values["title"] = path.stem
        provenance["title"] = MetaField("title", path.stem, "file name")
    if not values["kind"]:
        values["kind"] = "news"
        provenance["kind"] = MetaField("kind", "news", "default")
    doc_id = default_id(path)
    note = "metadata inferred from the text: the file is not listed in metadata.json"
    extra: dict[str, object] = {}
    if given is not None:
        doc_id = given.id or doc_id
        note = given.note
        extra = {"as_of": given.as_of, "report_year": given.report_year}
        for name in FIELDS:
            value = getattr(given, name, "")
            if value:
                values[name] = value
                provenance[name] = MetaField(name, value, "metadata.json")
    meta = DocumentMeta(id=doc_id, file=path.name, title=values["title"], issuer=values["issuer"],
                        date=values["date"], kind=values["kind"], note=note, doc_number=values["doc_number"],
                        genre=values["genre"], validity=values["validity"], region=values["region"],
                        **extra)  # type: ignore[arg-type]
    return meta, tuple(provenance[name] for name in FIELDS if name in provenance)


def describe(provenance: tuple[MetaField, ...]) -> list[str]:
    """One line per field for ``kg add``: name, value, and where it came from."""
    out = []
    for item in provenance:
        # A first-sentence label is no title the text states: say so where the user reads it.
        where = "first sentence — the text states no title" if item.source == "lead" else item.source
        if item.start is not None:
            where += f" @{item.start}–{item.end}"
        out.append(f"{item.name}: {item.value}  ({where})")
    return out
