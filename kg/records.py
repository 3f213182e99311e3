"""The records that flow through the pipeline: frozen dataclasses with stable ids.

Every record that carries text also carries the character offsets of that text in
its document's normalised text, so anything shown to a user traces back to the
exact words it came from.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal

DocumentKind = Literal["plan", "news", "bulletin"]
SectionKind = Literal["root", "heading", "box", "box_item", "table", "part", "attachments", "attachment"]
PassageKind = Literal["text", "box_item", "table_row", "table_header"]

DOCUMENT_KINDS: tuple[str, ...] = ("plan", "news", "bulletin")
#: How each kind is named to a reader. A ``plan`` is any policy document of the highest authority
#: (规划, 意见, 通知, 方案 …; the genre field names which), so it is shown as 政策文件, not 规划.
DOCUMENT_KIND_NAMES: dict[str, str] = {"plan": "政策文件", "news": "新闻", "bulletin": "简报"}


def stable_id(*parts: object, length: int = 16) -> str:
    """Return a short hex digest of ``parts``: the same inputs give the same id in every build."""
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode("utf-8"))
    return digest.hexdigest()[:length]


@dataclass(frozen=True)
class DocumentMeta:
    """What the corpus metadata file says about one source file."""

    id: str
    file: str
    title: str
    issuer: str
    date: str  # ISO date the document was issued or published
    kind: str  # one of DOCUMENT_KINDS
    as_of: str = ""  # ISO date the document's facts describe, when it differs from ``date``
    report_year: int | None = None
    note: str = ""
    doc_number: str = ""  # 文号 as written, e.g. 赣府厅发〔2025〕6号
    genre: str = ""  # the fine kind: 规划, 意见, 通知, 方案, 计划, 解读, 新闻, 发布会实录, 论文 …
    validity: str = ""  # 有效性 as stated: 有效, 失效, 废止 …
    region: str = ""  # the place whose government issued it (from the issuer), e.g. 海南省


@dataclass(frozen=True)
class MetaField:
    """Where one metadata value came from: the document's text (with its span), the file's
    properties, the file name, metadata.json or a default."""

    name: str  # title, doc_number, issuer, date, validity, genre, kind, region
    value: str
    source: str  # "text", "properties", "file name", "metadata.json", "default"
    start: int | None = None  # span in the document's normalised text, when read from it
    end: int | None = None


@dataclass(frozen=True)
class Document:
    """One normalised source document. ``text`` is what every offset points into."""

    meta: DocumentMeta
    text: str
    sha256: str  # of the source file's bytes
    encoding: str
    source_format: str
    extraction: str = "text"  # "text" (stored in the file) or "ocr" (recognised from images)
    reader: str = ""  # the tool that read the file: pypdf, docx-xml, libreoffice, tesseract …
    provenance: tuple[MetaField, ...] = ()  # where each metadata value came from
    attachment_of: str = ""  # id of the notice this document is an attachment of (附件N shipped apart)

    @property
    def id(self) -> str:
        """The document id from the metadata."""
        return self.meta.id


@dataclass(frozen=True)
class Section:
    """A heading-delimited region of a document (a chapter, a 专栏 box, a box item, a table)."""

    id: str
    doc_id: str
    kind: str  # one of SectionKind
    level: int  # depth in the heading tree; 0 is the document root
    number: str  # the heading's number as written, e.g. "（一）", "专栏 6", "3．"
    title: str  # heading text without its number and trailing full stop
    path: tuple[str, ...]  # titles from the top of the document down to this section
    start: int  # offset of the heading (or region) in the document text
    end: int  # offset where the next section at the same or a higher level begins
    body_start: int  # offset where the heading line ends and the section's own text begins
    parent_id: str | None
    ordinal: int | None = None  # the box number of a 专栏, the item number of a box item


@dataclass(frozen=True)
class Passage:
    """A sentence-bounded chunk of one section: the unit of search and provenance."""

    id: str
    doc_id: str
    section_id: str
    section_path: tuple[str, ...]
    kind: str  # one of PassageKind
    start: int
    end: int
    text: str  # == document.text[start:end]


@dataclass(frozen=True)
class Span:
    """A matched span inside a hit's passage, as document offsets."""

    start: int
    end: int


@dataclass(frozen=True)
class Hit:
    """One ranked search result."""

    rank: int
    score: float
    doc_id: str
    doc_title: str
    section_path: tuple[str, ...]
    passage_id: str
    text: str
    start: int
    end: int
    spans: tuple[Span, ...] = field(default_factory=tuple)
    doc_date: str = ""
    doc_kind: str = ""

    def to_json(self) -> dict[str, object]:
        """The hit as a JSON-ready dict (the shape ``kg search --json`` prints)."""
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "doc_id": self.doc_id,
            "doc_title": self.doc_title,
            "doc_date": self.doc_date,
            "doc_kind": self.doc_kind,
            "section_path": list(self.section_path),
            "passage_id": self.passage_id,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "spans": [{"start": s.start, "end": s.end} for s in self.spans],
        }


@dataclass(frozen=True)
class DocumentInfo:
    """A built document's metadata, as the build's manifest records it."""

    id: str
    title: str
    issuer: str
    date: str
    as_of: str
    kind: str
    file: str
    chars: int
    extraction: str = "text"  # "ocr" when the text was recognised from images


# ---------------------------------------------------------------------------
# What the query service answers about a build (kg.query.service.Service)
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class BuildInfo:
    """Counts, model and build time of a loaded build (``kg info``)."""

    build_dir: str
    built_at: str
    model: dict[str, object]  # id, dimension … as the manifest records them
    counts: dict[str, int]  # documents, sections, passages, triples …, and quads_in_store
    documents: tuple[DocumentInfo, ...]
    rejected: tuple[dict[str, str], ...]  # files the build refused: file, reason
    stages_seconds: dict[str, float]

    def to_json(self) -> dict[str, object]:
        """The shape ``kg info --json`` prints."""
        return {"build_dir": self.build_dir, "built_at": self.built_at, "model": self.model, "counts": self.counts,
                "documents": [vars(d) for d in self.documents], "rejected": list(self.rejected),
                "stages_seconds": self.stages_seconds}


@dataclass(frozen=True)
class DocumentSection:
    """A section of a built document, as the reader's outline lists it."""

    iri: str
    title: str
    number: str  # the heading's number as written ("" when it has none)
    level: int  # 0 is the document's root
    start: int
    end: int
    kind: str  # "section" or "table"


@dataclass(frozen=True)
class DocumentMention:
    """One entity mention in a document, for the reader's highlights."""

    entity: str  # the entity's IRI
    label: str
    type: str  # lower-case type segment of the IRI: institution, indicator …
    start: int
    end: int


@dataclass(frozen=True)
class ColumnItem:
    """A numbered item of a 专栏 box, with the programmes and pilot zones linked to it."""

    iri: str
    label: str
    ordinal: int | None
    linked: tuple[tuple[str, str], ...]  # (label, type) of each linked entity


@dataclass(frozen=True)
class SpecialColumn:
    """A 专栏 box of a plan with its items in order."""

    iri: str
    label: str
    ordinal: int
    items: tuple[ColumnItem, ...]


@dataclass(frozen=True)
class TargetRecord:
    """A target as the graph states it: its indicator, value as written and setting document."""

    iri: str
    indicator_iri: str
    indicator: str  # the indicator's label
    unit: str
    domain: str
    year: int
    value: str  # as written (pol:valueText)
    comparator: str
    attribute: str
    document_iri: str
    document_title: str
