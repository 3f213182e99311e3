"""Pilot zones: places and projects designated as pilots or demonstrations (试验区, 试点县, 示范项目 …).

Names are found like programme names (:mod:`kg.extract.spans`) from the words in
``[pilot_suffixes]``. A bare designation word (试验区, 试点) or a class (15个试验区) is
not a name. What the text states about a zone is kept:

* ``pol:zoneLevel`` from the level word that starts the name (国家… → 国家级,
  自治区…/广西… → 自治区级, 省… → 省级);
* ``pol:locatedIn`` from a place that starts the name (南宁市…示范项目) or from the
  subject of a designation (``上思县获批国家…试验区``, ``上思县作为…``, ``上思县是…、…``);
  within a document, a zone named once with its place keeps that place elsewhere;
* ``pol:approvalDate`` from a date before the designation (``2022年11月，上思县获批…``),
  as written: a month gives an ``xsd:gYearMonth``, a day an ``xsd:date``.

A zone located by its subject is keyed by place and name, so 上思县国家基层卫生健康综合
试验区 and “上思县…获批国家基层卫生健康综合试验区” are one zone, and the same national
designation held by another county is another zone.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kg.extract import institutions, lexicon
from kg.extract.context import Candidate, DocContext
from kg.extract.spans import (
    RawName,
    count_before,
    display_name,
    find_raw_names,
    name_key,
    sentence_bounds,
)

ENTITY_TYPE = "PilotZone"
_STOPS = frozenset("的为将把被于了是让使给")
_DESIGNATION = ("获批", "被确定为", "确定为", "被列为", "列为", "入选", "成为", "作为", "被命名为", "命名为", "是")
_COUNT_INSIDE = re.compile(r"(?<![第\d])(?:\d+|[一二三四五六七八九十百千两几多]+)余?(?:个|项|处|家|批|类)")
_DATE = re.compile(r"(\d{4})年(\d{1,2})月(?:(\d{1,2})日)?[，,]?$")


@lru_cache(maxsize=1)
def suffixes() -> tuple[str, ...]:
    """Pilot words and designations, longest first."""
    found = {*lexicon.words("pilot_suffixes"), *lexicon.words("designation_suffixes")}
    return tuple(sorted(found, key=len, reverse=True))


def _leading(name: str) -> tuple[int, str | None, str | None]:
    """(length of leading places/level words, zone level, place full name) of a name."""
    year = re.match(r"\d{4}年度?", name)
    position, level, place = (year.end() if year else 0), None, None
    while position < len(name):
        hit = lexicon.place_at_any(name, position)
        if hit:
            place = hit[1]
            if lexicon.place_level(place) == "province" and level is None:
                level = "自治区级" if place.endswith("自治区") else "省级"
            position += len(hit[0])
            continue
        word = lexicon.level_at(name, position)
        if word and word.scope in ("national", "province"):
            level = level or word.zone_level
            position += len(word.word)
            continue
        break
    return position, level, place


def is_pilot_name(surface: str) -> bool:
    """Whether a text reads as the name of one pilot zone (not a bare designation word)."""
    name = display_name(surface)
    suffix = next((s for s in suffixes() if name.endswith(s)), None)
    determiners = tuple(d for d in lexicon.words("determiners") if not d.startswith("全"))
    if suffix is None or name.startswith(determiners):
        return False  # 全市…试点 is one pilot covering the city, 各…试点 a class
    if _COUNT_INSIDE.search(re.sub(r"“[^”]*”", "", name)):
        return False
    lead, level, place = _leading(name)
    specific = re.sub(r"[“”‘’\d年度]", "", name[lead:len(name) - len(suffix)])
    if "“" in name:
        return len(specific) >= 2
    tokens = list(lexicon._pos_tagger().cut(name[lead:len(name) - len(suffix)]))
    if any(t.flag == "d" for t in tokens) or (suffix == "试点" and tokens and tokens[-1].flag == "v"):
        return False  # 经开区全部纳入试点: an adverb, or a verb taking 试点 as its object
    if suffix in lexicon.words("designation_suffixes"):
        # 国家级健康促进县, 省级健康县区: a designation is named by its level or place alone
        # (whose it is, find_pilots decides).
        return bool(level or place) and not specific
    return len(specific) >= 3 and not lexicon.covered_by(specific, "generic_programme_words") \
        and not lexicon.covered_by(specific, "verbs_and_fillers")


def _subject(ctx: DocContext, passage_low: int, passage_high: int, start: int) -> tuple[str, str, str | None] | None:
    """(place surface, place key, approval date) of ``PLACE 获批/是/作为 …`` before a zone."""
    text = ctx.text
    sentence_start, _ = sentence_bounds(text, passage_low, passage_high, start)
    verbs = "|".join(re.escape(v) for v in _DESIGNATION)
    for match in reversed(list(re.finditer(verbs, text[sentence_start:start]))):
        verb_start = sentence_start + match.start()
        rest = text[sentence_start + match.end():start]
        if len(rest) > 40 or any(ch in rest for ch in "，。；"):
            continue
        place = _place_ending_at(text, max(sentence_start, verb_start - 12), verb_start)
        if place is None:
            continue
        surface, key, place_start = place
        date = _DATE.search(text[max(passage_low, place_start - 14):place_start].rstrip())
        approved = None
        if date and match.group(0) == "获批":
            year, month, day = date.groups()
            approved = f"{year}-{int(month):02d}" + (f"-{int(day):02d}" if day else "")
        return surface, key, approved
    return None


def _place_ending_at(text: str, low: int, end: int) -> tuple[str, str, int] | None:
    """The longest place name that ends exactly at ``end`` (成都市郫都区获批 → 郫都区)."""
    for start in range(max(low, end - 12), end - 1):
        hit = lexicon.place_at_any(text, start)
        if hit is not None and start + len(hit[0]) == end:
            return hit[0], hit[1], start
    return None


def _without_local_place(name: str) -> str:
    """The name without a leading city or county (kept apart in the key as the zone's place)."""
    hit = lexicon.place_at_any(name)
    if hit and lexicon.place_level(hit[1]) != "province" and len(hit[0]) < len(name):
        return name[len(hit[0]):]
    return name


def find_pilots(ctx: DocContext) -> list[Candidate]:
    """Every pilot zone named in the document's passages, with level, place and approval date."""
    text = ctx.text
    skip = [*ctx.titles, *ctx.item_titles.values()]
    found: list[Candidate] = []
    for passage in ctx.passages:
        for raw in find_raw_names(text, passage.start, passage.end, suffixes(), stops=_STOPS, skip=skip):
            start = institutions.after_verb_phrase(text, raw.start, raw.suffix_start)
            if start != raw.start:  # 可否介绍一下三亚试点: the name starts at the place
                raw = RawName(start, raw.end, raw.suffix, raw.suffix_start, raw.verb, raw.clause_start)
            surface = text[raw.start:raw.end]
            if not is_pilot_name(surface) or count_before(text, passage.start, raw.start):
                continue
            if raw.start > passage.start and text[raw.start - 1] == "的" and "“" not in surface:
                continue  # …的物质管理试点: the name is cut off from the clause that completes it
            name = display_name(surface)
            _, level, place = _leading(name)
            properties: dict[str, object] = {}
            if level:
                properties["zoneLevel"] = level
            label = name
            subject = _subject(ctx, passage.start, passage.end, raw.start)
            if subject is not None:
                place_surface, subject_place, approved = subject
                if place is None or place in [p.name for p in lexicon.gazetteer().ancestors(subject_place)] \
                        or lexicon.place_level(place) == "province":
                    if place is None:
                        label = place_surface + name
                    place = subject_place
                if approved:
                    properties["approvalDate"] = approved
            if raw.suffix in lexicon.words("designation_suffixes") and place is None:
                # A designation without a place of its own is that of the county or city the
                # document's title names (创建国家级健康促进县 in a county's plan); in a province's
                # plan it is a class.
                titled = [name for _, _, _, name in lexicon.gazetteer().find_all(ctx.document.meta.title)
                          if lexicon.place_level(name) in ("county", "city")]
                if not titled:
                    continue
                place = titled[-1]
            candidate = Candidate(ENTITY_TYPE, raw.start, raw.end, passage, label, name_key(_without_local_place(name)),
                                  place=place, properties=properties)
            found.append(candidate)
    return _keyed_by_place(found)


def _keyed_by_place(found: list[Candidate]) -> list[Candidate]:
    """Key zones by place and name; a name located once in the document keeps that place."""
    located = {c.key: (c.place, c.label) for c in found if c.place}
    for candidate in found:
        if candidate.place is None and candidate.key in located:
            candidate.place, label = located[candidate.key]
            if len(label) > len(candidate.label):
                candidate.label = label
        if candidate.place and lexicon.place_level(candidate.place) != "province":
            candidate.key = f"{candidate.place}|{candidate.key}"
    return found
