"""HTML fragments for the app. Every piece of document or user text is escaped here."""

from __future__ import annotations

import html
from typing import Iterable

from kg.records import Hit


def highlight(text: str, offset: int, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` as escaped HTML with ``spans`` (document offsets; ``text`` starts at ``offset``) in <mark>."""
    out: list[str] = []
    cursor = 0
    for start, end in sorted(spans):
        s, e = max(start - offset, cursor), min(end - offset, len(text))
        if e <= s:
            continue
        out.append(html.escape(text[cursor:s]))
        out.append(f"<mark>{html.escape(text[s:e])}</mark>")
        cursor = e
    out.append(html.escape(text[cursor:]))
    return "".join(out).replace("\n", "<br>")


def hit_html(hit: Hit) -> str:
    """One search result as escaped HTML: highlighted text."""
    return highlight(hit.text, hit.start, [(s.start, s.end) for s in hit.spans])
