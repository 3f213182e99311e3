"""Document metadata read from the document itself: title, 文号, issuer, date, validity, kind, region.

Government documents state their metadata plainly — an information block (索引号 / 发文机关 /
文号 / 成文日期 / 有效性), a title line ending in 的通知 / 方案 / 规划 …, the 文号 on its own
line, a signature block (the issuing body, then the date) — and news pages their outlet and
dateline. Each value is taken from the strongest of these sources and keeps the span of the
normalised text it came from (``MetaField``); a value from a line that was dropped as web chrome
(a 来源 or 发布日期 line) has no span. File properties (DOCX core properties, PDF info, HTML
<meta>) are a weak source, used only when the text says nothing. ``metadata.json`` overrides any
field it gives (:func:`merge`).

Word lists (genres, organisation endings, label words) are in ``kg/data/doc_genres.txt``; places
come from the gazetteer ``kg/data/gazetteer_cn.tsv``.
"""

from __future__ import annotations

from pathlib import Path

from kg.ingest.metadata.attachments import attachment_links
from kg.ingest.metadata.block import read_block, read_doc_number
from kg.ingest.metadata.dates import parse_date
from kg.ingest.metadata.fields import FIELDS, Collector, Inference, read_lines
from kg.ingest.metadata.kind import read_kind, read_region
from kg.ingest.metadata.merge import default_id, describe, merge
from kg.ingest.metadata.news import read_news
from kg.ingest.metadata.newspaper import read_newspaper
from kg.ingest.metadata.paper import PAPER_MARKS, read_paper
from kg.ingest.metadata.signature import is_signature, read_copyright, read_signature
from kg.ingest.metadata.lead import read_lead
from kg.ingest.metadata.title import bad_property_title, read_title
from kg.ingest.metadata.words import genre_of
from kg.ingest.normalise import Cleaned
from kg.records import DocumentMeta

__all__ = ["FIELDS", "Inference", "attachment_links", "default_id", "describe", "genre_of", "infer",
           "infer_metadata", "is_signature", "merge", "parse_date"]


def infer(path: Path, cleaned: Cleaned, properties: dict[str, str] | None = None) -> Inference:
    """Read title, 文号, issuer, date, validity, kind and region from a document's text."""
    lines = read_lines(cleaned)
    found = Collector(cleaned)
    head = lines[:40]
    read_block(head, found)
    paper = bool(PAPER_MARKS.search(cleaned.full[:3000])) and "摘" in cleaned.full[:3000]
    if paper:
        read_paper(lines, found)
    read_doc_number(lines[:20], found)
    if not paper and "title" not in found.fields:
        read_newspaper(lines, found)
    read_title(lines, found, paper)
    if not paper:
        read_signature(lines, found)
        read_news(lines, found)
        read_copyright(lines[:30], found)
    props = properties or {}
    if props.get("title") and not bad_property_title(props["title"]):
        found.put("title", props["title"], source="properties")
    if props.get("published"):
        date = parse_date(props["published"])
        if date:
            found.put("date", date, source="properties")
    if props.get("author") and props.get("source") == "html":
        found.put("issuer", props["author"], source="properties")
    read_kind(cleaned, found, paper)
    read_region(found)
    read_lead(lines, found)  # after the kind: a first sentence is no title to read a genre from
    return Inference(found.fields)


def infer_metadata(path: Path, text: str) -> DocumentMeta:
    """Metadata for a file metadata.json does not describe, from its normalised ``text`` alone.

    The shorthand for callers that hold only the text (the app's upload preview, id checks):
    no file properties, no chrome information. A ``text`` of "" gives the id from the file name.
    """
    cleaned = Cleaned(text, text)
    meta, _ = merge(path, infer(path, cleaned) if text else Inference(), None)
    return meta

