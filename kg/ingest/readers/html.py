"""HTML pages saved from a site → the page's main text (trafilatura), one paragraph a line.

Menus, footers, share bars and related-article lists are left out by trafilatura's main-text
extraction; tables are kept, one row a line with tab-separated cells. What the page says about
itself — <title>, the site name, the author and the publication date from <meta> — goes into
``RawText.properties`` as a weak metadata source. The bytes are decoded by their declared or
detected charset (GB2312/GBK pages are common).
"""

from __future__ import annotations

import re
from pathlib import Path

from kg.errors import CorpusError
from kg.ingest.readers.common import EMBEDDED_ENCODING, RawText, missing_for_file
from kg.ingest.readers.plain import decode

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_FIX = "open the page in a browser and save it again ('Web page, complete' or as .txt)"


def _decode_html(path: Path, data: bytes) -> str:
    declared = _CHARSET.search(data[:4096])
    if declared:
        name = declared.group(1).decode("ascii", "replace").lower()
        if name in ("gb2312", "gbk"):
            name = "gb18030"
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode(path, data)[0]


def read_html(path: Path, data: bytes, limit: int) -> RawText:
    """The main text of a saved web page."""
    try:
        import trafilatura
    except ImportError as exc:
        raise missing_for_file(path, "trafilatura", "to read .html files") from exc
    page = _decode_html(path, data)
    try:
        text = trafilatura.extract(page, include_tables=True, include_comments=False, include_links=False,
                                   include_images=False, favor_recall=True, deduplicate=True) or ""
        # Only a date the page's markup declares (<meta>, <time>, its address): htmldate's search of the
        # text guesses one (a page whose table says 2026年6月 was dated 2026-01-01), and the text's own
        # dates are read by metadata inference, with their span.
        meta = trafilatura.extract_metadata(page, date_config={"extensive_search": False, "original_date": True})
    except Exception as exc:  # lxml and trafilatura raise several kinds on broken markup
        raise CorpusError(path, f"not a readable HTML page ({type(exc).__name__}: {str(exc)[:160]})", _FIX) from exc
    properties: dict[str, str] = {"source": "html"}
    if meta is not None:
        for key, name in (("title", "title"), ("sitename", "site"), ("author", "author"), ("date", "published")):
            value = getattr(meta, key, None)
            if value:
                properties[name] = str(value)
    # trafilatura writes a table row as "| a | b |": make it the tab-separated row the rest reads.
    lines = []
    for line in text.split("\n"):
        row = re.fullmatch(r"\|(.*)\|", line.strip())
        if row and not re.fullmatch(r"[\s|:\-]+", line):
            lines.append("\t".join(cell.strip() for cell in row.group(1).split("|")))
        elif row:
            continue  # the |---|---| rule under a header row
        else:
            lines.append(line)
    title = _page_title(properties.get("title", ""), properties.get("site", ""))
    if title:
        properties["title"] = title
    body = "\n".join(lines)
    if title and not body.lstrip().startswith(title):
        body = title + "\n" + body
    return RawText(body, EMBEDDED_ENCODING, path.suffix.lower()[1:], method="trafilatura",
                   paragraph_lines=True, properties=properties)


def _page_title(title: str, site: str) -> str:
    """A <title> without the site name a page appends (``…的通知_江西省人民政府`` → ``…的通知``)."""
    parts = [part.strip() for part in re.split(r"\s*(?:_|\||｜|\s[-–—]\s)\s*", title) if part.strip()]
    if len(parts) <= 1:
        return title.strip()
    kept = [part for part in parts if part != site and not re.search(r"(?:网|网站|门户|政府|人民政府)$", part)
            or len(part) > 20]
    return max(kept or parts, key=len)
