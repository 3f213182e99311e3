"""HTML fragments for the app. Every piece of document or user text is escaped here.

Two escapes: :func:`html.escape` for text placed in HTML (``unsafe_allow_html``), and
:func:`escape_markdown` for text placed in Streamlit's markdown (``st.markdown``, ``st.write``,
``st.caption``, ``st.error``, headers, labels): there an image link planted in a title
(``![x](http://host/track.png)``) would be fetched by the browser, and a link could be clicked.
"""

from __future__ import annotations

import html
import re
from typing import Iterable, Sequence

from kg.records import Hit

# One colour per entity type; the class names are fixed strings, never user or document text.
TYPE_COLOURS = {
    "indicator": "#fde68a", "institution": "#bfdbfe", "programme": "#bbf7d0", "pilotzone": "#fecaca",
    "place": "#e9d5ff", "practice": "#fed7aa", "specialcolumn": "#a5f3fc", "citeddocument": "#e5e7eb",
    "task": "#ddd6fe", "focus": "#fde047",
}
TYPE_NAMES = {
    "indicator": "指标", "institution": "机构", "programme": "项目", "pilotzone": "试点/试验区", "place": "地点",
    "practice": "模式/经验", "specialcolumn": "专栏", "citeddocument": "引用文件",
    "task": "任务",
}
STYLE = "<style>" + "".join(f"mark.t-{name}{{background:{colour};padding:0 1px;border-radius:2px}}"
                            for name, colour in TYPE_COLOURS.items()) + "</style>"

Span = tuple[int, int] | tuple[int, int, str]

# Every character markdown (CommonMark, GitHub extensions, Streamlit's :colour[…] and
# :material/…: directives, $…$ maths) gives a meaning; a backslash makes each literal.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$&=^\"'])")


_LEADING_SPACE = re.compile(r"^[ \t]+", re.MULTILINE)
#: Where a renderer would turn plain text into a link by itself (GFM autolink literals: a scheme's
#: "://", "www.", an e-mail's "@"): a word joiner (U+2060, invisible) goes in between. Escaping
#: does not stop these, since they are found in the text after escapes are resolved.
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)", re.IGNORECASE)
_JOINER = "\u2060"
#: The same characters with HTML's own (&, <, >, quotes), as numeric character references.
_REFERENCES = {ch: f"&#{ord(ch)};" for ch in "\\`*_{}[]()<>#+-.!|~:$&=^\"'"}


def escape_markdown(text: object) -> str:
    """``text`` as markdown that renders as exactly that text: no link, image, HTML or formatting.

    Line breaks stay line breaks; leading spaces cannot make a code block (they are
    non-breaking); ``&`` cannot start an entity.
    """
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", _AUTOLINK.sub(_JOINER, str(text)))
    return _LEADING_SPACE.sub(lambda m: "\u00a0" * len(m.group()), escaped)


def row_quote(quote: str, context: str) -> str:
    """A quote as a reader sees it (markdown-escaped): a table row's cells on one line, after what
    the row is (``context``, :func:`kg.query.citations.table_context`: the table and its column
    labels) — the row alone (14 某某指标 人 2.62 4 约束性) does not say what its numbers are."""
    if not context:
        return escape_markdown(quote)
    return escape_markdown(f"{context}。本行：{' '.join(quote.split())}")


def html_text(text: object) -> str:
    """``text`` as HTML for ``st.markdown(..., unsafe_allow_html=True)``: every character HTML or
    markdown gives a meaning becomes a numeric character reference. :func:`html.escape` alone is
    not enough there, because the markdown around the HTML is still parsed: ``[x](http://h/)``
    would be a link and ``![x](http://h/t.png)`` an image the browser fetches."""
    return "".join(_REFERENCES.get(ch, ch) for ch in _AUTOLINK.sub(_JOINER, str(text)))


def highlight(text: str, offset: int, spans: Iterable[Sequence[object]]) -> str:
    """``text`` as escaped HTML (:func:`html_text`) with ``spans`` marked.

    Spans are document offsets (``text`` starts at ``offset``), optionally with a type
    name that picks the mark's colour class; overlapping spans keep the first.
    """
    out: list[str] = []
    cursor = 0
    for span in sorted(spans, key=lambda s: (int(s[0]), -int(s[1]))):  # type: ignore[arg-type]
        start, end = int(span[0]) - offset, int(span[1]) - offset  # type: ignore[arg-type]
        kind = str(span[2]) if len(span) > 2 else ""
        s, e = max(start, cursor), min(end, len(text))
        if e <= s or start < cursor:
            continue
        out.append(html_text(text[cursor:s]))
        css = f' class="t-{kind}"' if kind in TYPE_COLOURS else ""
        out.append(f"<mark{css}>{html_text(text[s:e])}</mark>")
        cursor = e
    out.append(html_text(text[cursor:]))
    return "".join(out).replace("\n", "<br>")


def hit_html(hit: Hit) -> str:
    """One search result as escaped HTML: highlighted text."""
    return highlight(hit.text, hit.start, [(s.start, s.end) for s in hit.spans])


def legend(kinds: Iterable[str]) -> str:
    """A colour legend for the entity types shown."""
    return STYLE + " ".join(f'<mark class="t-{k}">{html.escape(TYPE_NAMES.get(k, k))}</mark>'
                            for k in kinds if k in TYPE_COLOURS)
