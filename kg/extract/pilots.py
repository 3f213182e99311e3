"""Pilot zones: places and projects designated as pilots or demonstrations (试验区, 试点县, 示范项目 …).

Names are found like programme names (:mod:`kg.extract.spans`) from the words in
``[pilot_suffixes]``. A bare designation word (试验区, 试点) or a class (15个试验区) is
not a name. What the text states about a zone is kept:

* ``pol:zoneLevel`` from the level word that starts the name (国家… → 国家级,
  自治区…/西藏… → 自治区级, 省… → 省级);
* ``pol:locatedIn`` from a place that starts the name (大理州…示范项目) or from the
  subject of a designation (``祥云县获批国家…试验区``, ``祥云县作为…``, ``祥云县是…、…``);
  within a document, a zone named once with its place keeps that place elsewhere;
* ``pol:approvalDate`` from a date before the designation (``2022年11月，祥云县获批…``, …入选, …被确定为),
  as written: a month gives an ``xsd:gYearMonth``, a day an ``xsd:date``.

A zone located by its subject is keyed by place and name, so 祥云县国家基层卫生健康综合
试验区 and “祥云县…获批国家基层卫生健康综合试验区” are one zone, and the same national
designation held by another county, or another province, is another zone.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kg.extract import institutions, lexicon, programmes
from kg.extract.context import Candidate, DocContext
from kg.extract.spans import (
    RawName,
    count_after,
    count_before,
    display_name,
    find_raw_names,
    name_key,
    sentence_bounds,
    whole_quote,
)

ENTITY_TYPE = "PilotZone"
_STOPS = frozenset("的为将把被于了是让使给")
_JOINING = frozenset({"与", "和", "及", "或"})  # conjunctions that join the parts of one name
_DESIGNATION = ("获批", "被确定为", "确定为", "被列为", "列为", "入选", "被评为", "评为", "获评", "被授予", "荣获",
                "成为", "作为", "被命名为", "命名为", "创建", "是")
#: Designation verbs that state the act itself, so a date before them is the approval date
#: (成为, 作为 and 是 state a standing).
_APPROVING = frozenset({"获批", "被确定为", "确定为", "被列为", "列为", "入选", "被评为", "评为", "获评", "被授予", "荣获",
                        "被命名为", "命名为"})
_COUNT_INSIDE = re.compile(r"(?<![第\d])(?:\d+|[一二三四五六七八九十百千两几多]+)余?(?:个|项|处|家|批|类)")
#: A count of holders before a designation, with its level (全国2个…, 国家首批15个…).
_TOTAL_LEAD = re.compile(r"(?:全国|国家)?(?:首批|第[一二三四五六七八九十\d]{1,3}批)?(?:\d+|[一二三四五六七八九十两]{1,3})个")
_DATE = re.compile(r"(\d{4})年(\d{1,2})月(?:(\d{1,2})日)?[，,]?$")
#: Places counted earlier in the clause (28个县（区）通过…健康促进县评估): the designation is held by them.
_PLACES_COUNTED = re.compile(r"\d+个(?:县|市|区|乡|镇|地区|城市)")
#: Two level words joined before one designation (国家级或省级健康促进县): one zone at each level.
_LEVEL_PAIR = re.compile(r"^(国家级|全国|省级|自治区级|市级|县级)(?:、|或|和|及)(?=国家级|全国|省级|自治区级|市级|县级)")


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
    tokens = lexicon.tagged(name[lead:len(name) - len(suffix)])
    if any(t.flag == "d" for t in tokens) or (suffix == "试点" and tokens and tokens[-1].flag == "v"):
        return False  # 经开区全部纳入试点: an adverb, or a verb taking 试点 as its object
    if any(t.flag in ("p", "c") and t.word not in _JOINING for t in tokens):
        return False  # 某省在某市试点, 而…在第三批试点: a preposition or a conjunction makes it a clause
    if any(word in specific for word in lexicon.words("pilot_not_inside")) or re.search(r"\d(?!\d*年)", specific):
        return False  # 会议室召开示范项目, 3楼1号: an event or an address, not a name
    if suffix in lexicon.words("designation_suffixes") and (not specific or not (level or place)):
        # 国家级健康促进县, 省级健康县区: a designation is named by its level or place alone
        # (whose it is, find_pilots decides); with more words it still needs one
        # (省级紧密型县域医共体建设示范县 — not the slogan 全生命周期健康城市) and is then named as any pilot is.
        return bool(level or place) and not specific
    return len(specific) >= 3 and not lexicon.covered_by(specific, "generic_programme_words") \
        and not lexicon.covered_by(specific, "verbs_and_fillers")


def _taken_as_occasion(text: str, end: int, high: int) -> bool:
    """True when ``为契机`` (为抓手 …, ``[occasion_heads]``) follows a zone ending at ``end``, perhaps after
    a verb or a generic word (…试点县建设为契机): the zone is what the place before 以 holds."""
    after = re.match(r"([\u4e00-\u9fff]{0,4}?)为(?:" + lexicon.alternation("occasion_heads").pattern + ")",
                     text[end:min(high, end + 10)])
    return after is not None and (not after.group(1) or lexicon.covered_by(
        after.group(1), "chained_verbs", "generic_programme_words"))


def _subject(ctx: DocContext, passage_low: int, passage_high: int,
             start: int, end: int | None = None) -> tuple[str, str, str | None, int] | None:
    """(place surface, place key, approval date, place start) of ``PLACE 获批/是/作为 …`` before a zone
    (or of ``PLACE 以…为契机`` around a zone ending at ``end``)."""
    text = ctx.text
    sentence_start, _ = sentence_bounds(text, passage_low, passage_high, start)
    verbs = "|".join(re.escape(v) for v in _DESIGNATION)
    if end is not None and _taken_as_occasion(text, end, passage_high):
        verbs += "|以"
    for match in reversed(list(re.finditer(verbs, text[sentence_start:start]))):
        verb_start = sentence_start + match.start()
        rest = text[sentence_start + match.end():start]
        if len(rest) > 40 or any(ch in rest for ch in "，。；"):
            continue
        place = _place_before(text, sentence_start, verb_start)
        if place is None:
            continue
        surface, key, place_start = place
        listed = _listed_places(text, sentence_start, place_start)
        first = listed[0][2] if listed else place_start  # 2024年3月，A市、B市获批: the date is before A市
        date = _DATE.search(text[max(passage_low, first - 14):first].rstrip())
        approved = None
        if date and match.group(0) in _APPROVING:
            year, month, day = date.groups()
            approved = f"{year}-{int(month):02d}" + (f"-{int(day):02d}" if day else "")
        return surface, key, approved, place_start
    return None


def _listed_places(text: str, low: int, end: int) -> list[tuple[str, str, int]]:
    """(surface, key, start) of the places listed right before ``end`` and joined to what follows
    by 、 和 及 (宜宾市、泸州市获批…: 宜宾市 before 泸州市), nearest last."""
    out: list[tuple[str, str, int]] = []
    while end > low and text[end - 1] in "、和及":
        place = _place_ending_at(text, max(low, end - 13), end - 1)
        if place is None:
            break
        out.insert(0, place)
        end = place[2]
    return out


def _place_before(text: str, low: int, verb_start: int) -> tuple[str, str, int] | None:
    """The place nearest before a designation verb in its clause: right before it, or before
    fillers and time words only (某县成功创建…, 某县今年入选…), never across another word."""
    for end in range(verb_start, max(low, verb_start - 8) - 1, -1):
        gap = text[end:verb_start]
        if gap and not lexicon.covered_by(gap, "leading_fillers", "time_words"):
            continue
        place = _place_ending_at(text, max(low, end - 12), end)
        if place is not None:
            return place
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
    shares: list[tuple[Candidate, Candidate]] = []  # (zone, the same zone in another place listed with it)
    for passage in ctx.passages:
        for raw in find_raw_names(text, passage.start, passage.end, suffixes(), stops=_STOPS, skip=skip):
            start = institutions.after_verb_phrase(text, raw.start, raw.suffix_start)
            if start == raw.start and _verb_before_level(text, start, raw.suffix_start):
                start += 2  # 评估省级健康县: a verb (or verbal noun) of two characters before the level word
            if start != raw.start:  # 可否介绍一下曲靖试点: the name starts at the place
                raw = RawName(start, raw.end, raw.suffix, raw.suffix_start, raw.verb, raw.clause_start)
            occasion = text.rfind("以", raw.start, raw.suffix_start)
            if occasion >= 0 and _taken_as_occasion(text, raw.end, passage.end) and \
                    _place_before(text, raw.start, occasion) is not None:
                # 某县以…试点县建设为契机: the zone is named after 以 (the county holding it, see _subject)
                raw = RawName(occasion + 1, raw.end, raw.suffix, raw.suffix_start, raw.verb, raw.clause_start)
            quoted = whole_quote(text, passage.start, raw)
            if quoted is not None:  # 建设“更高水平的国际健康岛”: the quotes hold the whole name
                raw = quoted
            pair = _LEVEL_PAIR.match(text[raw.start:raw.suffix_start])
            if pair is not None:  # 国家级或省级健康促进县: this is the second level's; the first is added below
                raw = RawName(raw.start + pair.end(), raw.end, raw.suffix, raw.suffix_start, raw.verb, raw.clause_start)
            total = _TOTAL_LEAD.match(text, raw.start, raw.suffix_start)
            total_level = None
            if total is not None and _subject(ctx, passage.start, passage.end, raw.start, raw.end) is not None:
                # 甲省和乙省是全国2个X: the count is of the holders, the name starts after it
                total_level = lexicon.level_at(total.group(0))
                raw = RawName(total.end(), raw.end, raw.suffix, raw.suffix_start, raw.verb, raw.clause_start)
            surface = text[raw.start:raw.end]
            designation = raw.suffix in lexicon.words("designation_suffixes")
            clause_start = max(text.rfind(p, passage.start, raw.start) for p in "，。；\n") + 1
            counted = count_before(text, passage.start, raw.start) or count_after(text, raw.end, passage.end) or \
                designation and bool(_PLACES_COUNTED.search(text, max(passage.start, clause_start), raw.start))
            if not (is_pilot_name(surface) or quoted is not None and _is_quoted_name(surface, raw.suffix)):
                continue
            if count_before(text, passage.start, raw.start) and not designation and \
                    _subject(ctx, passage.start, passage.end, raw.start, raw.end) is None:
                continue  # 15个试验区: a class (A和B是全国2个X: the subject's places hold it)
            if raw.start > passage.start and text[raw.start - 1] == "的" and "“" not in surface:
                continue  # …的物质管理试点: the name is cut off from the clause that completes it
            name = display_name(surface)
            _, level, place = _leading(name)
            properties: dict[str, object] = {}
            level = level or (total_level.zone_level if total_level else None)
            if level:
                properties["zoneLevel"] = level
            label = name
            subject = _subject(ctx, passage.start, passage.end, raw.start, raw.end)
            listed: list[tuple[str, str, int]] = []
            if subject is not None:
                place_surface, subject_place, approved, place_start = subject
                listed = _listed_places(text, passage.start, place_start)
                if place is None or place in [p.name for p in lexicon.gazetteer().ancestors(subject_place)] \
                        or lexicon.place_level(place) == "province":
                    if place is None:
                        label = place_surface + name
                    place = subject_place
                if approved:
                    properties["approvalDate"] = approved
            if (designation or quoted is not None) and place is None:
                # A designation without a place of its own is that of the county or city the
                # document's title names (创建国家级健康促进县 in a county's plan). In a province's
                # document it is a class, unless the text counts how many the province holds
                # (累计建成国家级健康县区11个) or quotes it as the province's own goal.
                titled = [name for _, _, _, name in lexicon.gazetteer().find_all(ctx.document.meta.title)]
                local = [name for name in titled if lexicon.place_level(name) in ("county", "city")]
                if local:
                    place = local[-1]
                elif counted or quoted is not None:
                    place = titled[-1] if titled else ctx.home
                if place is None:
                    continue
                if lexicon.place_level(place) == "province" and "zoneLevel" not in properties:
                    properties["zoneLevel"] = "自治区级" if place.endswith("自治区") else "省级"
            elif lexicon.place_at_any(name) and lexicon.place_level(_leading(name)[2] or "") != "province":
                listed = _listed_places(text, passage.start, raw.start)  # 宜宾市、泸州市健康…试点
            if place is None and level is None and programmes.is_programme_name(surface):
                continue  # …示范项目 held by no place and at no level is the programme (kg.extract.programmes)
            key = name_key(_without_local_place(name))
            found.append(Candidate(ENTITY_TYPE, raw.start, raw.end, passage, label, key, place=place,
                                   properties=properties))
            if pair is not None:
                second = lexicon.level_at(name)
                first = pair.group(1) + name[len(second.word):] if second else pair.group(1) + name
                first_level = lexicon.level_at(first)
                start = raw.start - pair.end()
                found.append(Candidate(ENTITY_TYPE, start, start + len(pair.group(1)), passage, first, name_key(first),
                                       place=place, properties={**properties, "zoneLevel": first_level.zone_level}
                                       if first_level else dict(properties)))
            # A zone named for several places is one zone in each (宜宾市、泸州市获批…试点城市).
            base = _without_local_place(name)  # the name without the place of its subject or its own
            main = found[-1]
            for surface, other, start in listed:
                # written as its place (A市、B市获批…), the zone is also named by the name the places share
                shares.append((main, Candidate(ENTITY_TYPE, start, start + len(surface), passage, surface + base,
                                               key, place=other, properties=dict(properties), aliases=(base,))))
    # The places of a name cut short inside a longer one (…试点 in …试点城市) are the longer name's.
    for main, other in shares:
        if not any(c is not main and c.start <= main.start and main.end <= c.end and c.end - c.start > main.end - main.start
                   for c in found):
            found.append(other)
    return _keyed_by_place(found)


def _verb_before_level(text: str, start: int, suffix_start: int) -> bool:
    """True when a two-character verb, as jieba reads it, stands before a national or provincial
    level word at ``start`` (评估省级…, 创建全国…)."""
    level = lexicon.level_at(text, start + 2)
    if level is None or level.scope not in ("national", "province") or start + 2 >= suffix_start:
        return False
    tokens = lexicon.tagged(text[start:start + 2])
    return len(tokens) == 1 and tokens[0].flag in ("v", "vn")


def _is_quoted_name(surface: str, suffix: str) -> bool:
    """A quoted phrase ending with a pilot word names a zone when it says which one and at what
    scope (更高水平的国际健康岛), not only a kind (“示范区”) or a slogan."""
    name = display_name(surface)
    specific = re.sub(r"[的之“”‘’]", "", name[:len(name) - len(suffix)])
    if len(specific) < 2 or lexicon.covered_by(specific, "generic_programme_words"):
        return False
    # A slogan (打造“全生命周期健康城市”) names no scope; a designation says at what level it holds.
    scoped = lexicon.words("zone_scope_words") + tuple(w.word for w in lexicon.level_words()
                                                        if w.scope in ("national", "province"))
    return any(word in specific for word in scoped) or any(
        lexicon.place_at(specific, i) for i in range(len(specific) - 1))


def _keyed_by_place(found: list[Candidate]) -> list[Candidate]:
    """Key zones by place and name; a name located once in the document keeps that place."""
    located = {c.key: (c.place, c.label) for c in found if c.place}
    for candidate in found:
        if candidate.place is None and candidate.key in located:
            candidate.place, label = located[candidate.key]
            if len(label) > len(candidate.label):
                candidate.label = label
        if candidate.place:
            # The same designation held by two places is two zones, provinces included (甲省获批
            # 国家X试验区 and 乙省获批国家X试验区; each province's 省级健康促进县). A province
            # written at the start of the name is said by the key's place already.
            key = candidate.key
            lead = lexicon.place_at(key)
            if lead is not None and lead[1] == candidate.place and len(lead[0]) < len(key):
                key = key[len(lead[0]):]
            candidate.key = f"{candidate.place}|{key}"
    return found
