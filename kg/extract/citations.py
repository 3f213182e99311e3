"""Cited documents: titles in 《…》 and official document numbers (桂卫医发〔2018〕29号).

Every 《…》 title is a citation except a short title ending like a periodical (《健康报》);
short legal titles such as 《条例》 are kept, as a reader would. A document number right
after a title (``《…》（桂卫医发〔2018〕29号）``) is that document's ``pol:documentNumber``; a
number standing alone is a citation by number. The mention's span is the title without
its marks, so ``document.text[start:end]`` is the title as printed.

A citation whose title is the title of a corpus document is resolved to that document
(:func:`resolve_to_corpus`), so ``pol:cites`` points at the pol:Document itself.

A short title that ends a longer title the document cites (以下简称《实施方案》) is that document.
A title that is the document's own part is no citation: its own title, and the plan a cover
notice issues (``关于印发《X》的通知`` followed by the text of X under its own heading line) — the
notice and the plan it issues are one document.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kg.extract import lexicon
from kg.extract.context import Candidate, DocContext
from kg.extract.spans import squeeze
from kg.records import Document

ENTITY_TYPE = "CitedDocument"
_TITLE = re.compile(r"《([^《》]{1,120})》")  # a title may wrap in a flattened table
#: Issuer abbreviation + 〔year〕 + number + 号; brackets vary between editions.
DOCUMENT_NUMBER = re.compile(r"[\u4e00-\u9fff]{0,5}[发函字][〔\[［(（【]\d{4}[〕\]］)）】]\d{1,4}号")
_VERBS_BEFORE_NUMBER = re.compile(r"^(?:印发|下发|发布|出台|转发|根据|按照|依据|依照|见)+")


@lru_cache(maxsize=65536)  # resolving each citation compares it with every corpus title
def citation_key(title: str) -> str:
    """Resolution key of a title: no white space, brackets and widths unified."""
    return squeeze(title).replace("(", "（").replace(")", "）")


def _is_periodical(title: str) -> bool:
    return len(title) <= 6 and any(title.endswith(e) for e in lexicon.words("periodical_endings"))


#: A title this short may be a short form of a longer one (《实施方案》, 《通知》).
_SHORT_TITLE = 6
_TITLE_WORDS = ("通知", "意见", "方案", "办法", "规划", "决定", "批复", "报告", "纲要", "规定", "细则")


def _after_title_word(text: str, start: int, end: int) -> int:
    """A number printed right after a title line (…的通知湘卫基层发〔2024〕5号) starts after the
    title's last word, not inside it."""
    bracket = min((i for i in (text.find(b, start, end) for b in "〔[［(（【") if i >= 0), default=end)
    window = text[max(0, start - 2):bracket]
    cut = max((window.rfind(w) + len(w) for w in _TITLE_WORDS if w in window), default=0)
    return max(start, max(0, start - 2) + cut)


#: Words around a 《title》 that a cover notice issues it with (关于印发《X》的通知, 现将《X》印发给你们).
_ISSUING_BEFORE = re.compile(r"(?:印发|发布|下发|关于|现将)$")
_ISSUING_AFTER = re.compile(r"》\s*(?:的?(?:通知|公告|通告)|(?:予以)?印发)")


def _own_part(text: str, title: str, open_mark: int, close_mark: int, own_title: str) -> bool:
    """True when the 《title》 between ``open_mark`` and ``close_mark`` is the document itself: its own
    title, or the plan its cover notice issues (印发《X》的通知) when X also heads a line of its own."""
    key = citation_key(title)
    if key == citation_key(own_title):
        return True
    if not (_ISSUING_BEFORE.search(text[max(0, open_mark - 4):open_mark]) or _ISSUING_AFTER.match(text, close_mark)):
        return False
    return any(citation_key(line) == key for line in text.splitlines() if len(line) <= 2 * len(title) + 10)


def find_citations(ctx: DocContext) -> list[Candidate]:
    """Every cited title and free-standing document number in the document's passages (not the
    document's own title or the plan it issues, see the module docstring)."""
    text = ctx.text
    out: list[Candidate] = []
    titles: list[Candidate] = []
    for passage in ctx.passages:
        taken: list[tuple[int, int]] = []
        for match in _TITLE.finditer(text, passage.start, passage.end):
            raw = match.group(1)
            start = match.start(1) + (len(raw) - len(raw.lstrip()))
            end = match.end(1) - (len(raw) - len(raw.rstrip()))
            title = squeeze(text[start:end])
            if not title or _is_periodical(title) or _own_part(text, title, match.start(), match.end() - 1,
                                                                ctx.document.meta.title):
                continue
            properties: dict[str, object] = {}
            after = re.match(r"\s*[（(]\s*(" + DOCUMENT_NUMBER.pattern + r")\s*[）)]", text[match.end():passage.end])
            if after:
                properties["documentNumber"] = squeeze(after.group(1))
                taken.append((match.end(), match.end() + after.end()))
            out.append(Candidate(ENTITY_TYPE, start, end, passage, title, citation_key(title), properties=properties))
            titles.append(out[-1])
        for match in DOCUMENT_NUMBER.finditer(text, passage.start, passage.end):
            if any(s <= match.start() < e for s, e in taken) or any(s <= match.start() < e for s, e in ctx.titles):
                continue
            lead = _VERBS_BEFORE_NUMBER.match(match.group(0))
            start = match.start() + (lead.end() if lead else 0)
            start = _after_title_word(text, start, match.end())
            number = squeeze(text[start:match.end()])
            out.append(Candidate(ENTITY_TYPE, start, match.end(), passage, number, citation_key(number),
                                 properties={"documentNumber": number}))
    _short_titles(titles)
    return out


def _short_titles(titles: list[Candidate]) -> None:
    """A short title that ends a longer one the document cites (以下简称《实施方案》, 《通知》 after
    《关于…的通知》) is that document: it takes the longer title's key and label, the nearest one
    written before it (else after it)."""
    for candidate in titles:
        if len(candidate.label) > _SHORT_TITLE:
            continue
        longer = [t for t in titles if len(t.label) > len(candidate.label) + 1 and t.label.endswith(candidate.label)]
        if not longer:
            continue
        before = [t for t in longer if t.start < candidate.start]
        full = before[-1] if before else longer[0]
        candidate.key, candidate.label = full.key, full.label


def resolve_to_corpus(key: str, documents: list[Document]) -> str | None:
    """The id of the corpus document whose title is the cited title, if any."""
    for document in documents:
        if citation_key(document.meta.title) == key:
            return document.id
    return None
