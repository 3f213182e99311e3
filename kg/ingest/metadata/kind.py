"""The kind (genre from the title's ending, else news marks) and the region (the issuer's place, else a
policy document's title's)."""

from __future__ import annotations

import re
from functools import lru_cache

from kg.ingest.metadata.fields import Collector
from kg.ingest.metadata.news import DATELINE
from kg.ingest.metadata.words import genre_of, places
from kg.ingest.normalise import Cleaned
from kg.records import MetaField

# An opinion piece ends signed by its author alone, in brackets (（年 巍）), and opens on no event:
# a report signed so by its writer (（李园园）) tells first what happened when (8月8日, 近日).
# A news text's closing brackets otherwise name a role (（记者 …）, （编辑：…）), an outlet or body
# (（新华社）, （市卫健委）) or say （完）.
_AUTHOR_SIGNED = re.compile(r"[（(]\s*(?P<name>[\u4e00-\u9fff](?:\s?[\u4e00-\u9fff]){1,3})\s*[）)]\s*$")
_ROLE_OR_END = re.compile(r"记者|编辑|通讯员|作者|来源|完|摄|[社网报台局委办]$")
_ISSUE_NUMBER = re.compile(r"[（(]\s*第\s*\d{1,4}\s*期\s*[）)]")  # its column and headline may follow
_EVENT_TIME = re.compile(r"\d{1,2}月\d{1,2}日|近日|日前|昨[天日]|今[天日]|[上下]午|本周|上周")


def read_kind(cleaned: Cleaned, found: Collector, paper: bool) -> None:
    title = found.fields.get("title")
    text = cleaned.full
    if paper:
        found.put("genre", "论文", source="text")
        found.put("kind", "news", source="text")
        return
    if title and re.search(r"实录", title.value) or len(re.findall(r"(?:^|\n)\s*(?:主持人|记者|答)\s*[:：]",
                                                                  text)) >= 3:
        found.put("genre", "发布会实录", title.start if title else None, title.end if title else None, mapped=True)
        found.put("kind", "news")
        return
    # A page that opens on 原标题： is a news site's reprint: its headline may end in a genre word
    # (…开展青少年脊柱健康专项行动) and still be news; a reprinted notice keeps its 关于…的通知 form.
    reprint = bool(re.match(r"\s*原标题\s*[:：]", text)) and not (title and title.value.startswith("关于"))
    if title and not reprint:
        genre = genre_of(title.value)
        if genre:
            found.put("genre", genre[0], title.start, title.end, mapped=True)
            found.put("kind", genre[1], title.start, title.end, mapped=True)
            return
    if title and _ISSUE_NUMBER.search(title.value):
        # A numbered issue (广西卫生健康工作（第1期）) with no genre word is a bulletin.
        found.put("genre", "简报", title.start, title.end, mapped=True)
        found.put("kind", "bulletin", title.start, title.end, mapped=True)
        return
    news = bool(DATELINE.search(text[:300]) or re.search(r"记者|通讯员|来源\s*[:：|｜]|原标题|编辑\s*[:：|｜]",
                                                         text) or "发布于" in text[:400])
    signed = _AUTHOR_SIGNED.search(text[-40:])
    if not news and signed and not _ROLE_OR_END.search(signed.group("name")) \
            and not _EVENT_TIME.search(text[:300]):
        start = len(text) - len(text[-40:]) + signed.start("name")
        found.put("genre", "其他", start, start + len(signed.group("name")))
        found.put("kind", "news", source="default")
    elif news or len(text) < 6000:
        found.put("genre", "新闻", source="default")
        found.put("kind", "news", source="default")
    else:
        found.put("genre", "其他", source="default")
        found.put("kind", "news", source="default")


def read_region(found: Collector) -> None:
    """The region: the place the issuer's name opens on; without one, the place a policy document's
    title opens on (某省…行动计划, an attachment issued unsigned: the jurisdiction it is for)."""
    issuer = found.fields.get("issuer")
    if issuer is not None and _put_place(found, issuer, places()):
        return
    title, kind = found.fields.get("title"), found.fields.get("kind")
    if title is not None and title.source != "lead" and kind is not None and kind.value in ("plan", "bulletin"):
        _put_place(found, title, _title_places())


def _put_place(found: Collector, field: MetaField, forms: tuple[tuple[str, str], ...]) -> bool:
    for form, name in forms:
        if field.value.startswith(form):
            found.put("region", name, field.start, field.start + len(form) if field.start is not None else None,
                      mapped=True)
            return True
    return False


@lru_cache(maxsize=1)
def _title_places() -> tuple[tuple[str, str], ...]:
    """The places a title may open on: full names, and the short forms of provinces and cities (a
    county's, 和平 or 东方, is as often a word)."""
    forms = {form: name for form, name in places() if form == name}
    for level in ("province", "city"):
        forms.update(places(level))
    return tuple(sorted(forms.items(), key=lambda kv: -len(kv[0])))
