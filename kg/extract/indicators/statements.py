"""Value statements in running text: the phrase naming what is measured and its value.

``到2025年，县域内就诊率提高到90%左右`` (a level), ``70%以上的乡镇卫生院…达到国家基本标准``
(a share), ``建设4个…区域医疗中心`` (a count), ``将…卫生院建设成为社区医院`` (a designation,
without a number). Each :class:`Statement` carries the year its sentence states, if any.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from kg.extract.indicators.values import PER_CAPITA, PREDICATE_VERBS, Phrase, Value
from kg.ingest.passages import sentences
from kg.quantities import APPROX, CHANGE_WORDS, CJK, LEVEL_VERBS, NUMBER, RANGE, squeeze, unit_alternation, unit_kind
from kg.records import Document, Passage

# 在 puts a level after it only for rates (通过率在90%以上); before a count it is a place (在15个试验区).
_RATE_VERBS = {"在": "="}
# Verbs after which a count names what is built or designated (建设3个…中心).
_COUNT_VERBS = ("布局建设", "建设", "建成", "新建", "组建", "打造", "培育", "新增", "命名", "认定", "创建",
                "遴选", "推出", "等")
# Nouns that end a measured quantity's name, so "name + number" needs no verb (就诊率88.54%).
_MEASURE_END = re.compile(r"(?:率|数|比例|比重|占比|水平|规模|总量|寿命|总额|人次|面积)$")
# A phrase that only says "the share": the quantity is named in the clause before it.
_GENERIC_PHRASE = re.compile(r"^(?:其|这一|该)?(?:占比|比例|比重|比率|占)$")

_YEAR_MARK = re.compile(
    r"(?P<pre>截至|截止到|截止|到|至)?(?P<year>(?:19|20)\d\d)\s*年(?P<post>底|末|年底|以来|起|度)?(?![\d—\-–~至])"
)
_LEAD_FILLER = re.compile(
    r"^(?:(?:到|至|截至|截止)?(?:19|20)\d\d年(?:底|末|以来|起)?|在|全区|全省|全市|全县|全国|全自治区"
    r"|我区|本区|平均|共|累计|已经|已|均|基本|力争|争取|确保|目前|当前|同时|其中|此外"
    r"|另外|近年来|近年|每年|年内|将|并|和|及|或|、|，|,)+"
)
_TRAIL_FILLER = re.compile(r"(?:分别|均|都|已经|已|将|继续|持续|逐步|力争|稳定|基本|每年|也|仍|进一步|要|可|能够|共)+$")


@lru_cache(maxsize=1)
def _value_pattern() -> re.Pattern[str]:
    approx = "|".join(sorted(APPROX, key=len, reverse=True))
    return re.compile(
        rf"(?<![\d.A-Za-z/])(?P<approx>{approx})?(?P<sym>[≤≥<>＜＞≦≧])?(?P<num>{NUMBER})"
        rf"(?:{RANGE}(?P<num2>{NUMBER}))?(?P<unit>{unit_alternation()})"
        rf"(?P<suffix>及以上|及以下|以上|以下|以内|左右)?"
    )


def _verb_pattern(words: Iterable[str]) -> re.Pattern[str]:
    return re.compile("(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + ")了?$")


_LEVEL_AT_END = _verb_pattern(LEVEL_VERBS)
_CHANGE_AT_END = _verb_pattern(CHANGE_WORDS)
_COUNT_AT_END = _verb_pattern(_COUNT_VERBS)
_CLAUSE_BREAK = re.compile(r"[，,；;：:]")


@dataclass(frozen=True)
class Statement:
    """A value sentence read from text, before it is classified as a target or an observation."""

    passage: Passage
    phrase: Phrase
    value: Value
    shape: str  # "level" (X达到Y), "share" (Y%的X…), "count" (建设N个X), "designation" (建设成为X)
    year: int | None  # the year the sentence states for it
    as_of: str | None  # 截至YYYY年底 → YYYY-12-31
    future: bool  # the year is introduced by 到 (a target year)


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out, cursor = [], start
    for match in _CLAUSE_BREAK.finditer(text, start, end):
        if match.start() > cursor:
            out.append((cursor, match.start()))
        cursor = match.end()
    if end > cursor:
        out.append((cursor, end))
    return out


def _clean_phrase(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim discourse words around a phrase: years, 全区, 力争, 分别, a 从X start value …"""
    while start < end:
        piece = text[start:end]
        lead = _LEAD_FILLER.match(piece)
        if lead and lead.end() > 0:
            start += lead.end()
            continue
        trail = _TRAIL_FILLER.search(piece)
        if trail and trail.start() < len(piece) and trail.start() > 0:
            end = start + trail.start()
            continue
        base = re.search(r"(?:在|较|比)(?:19|20)\d\d年(?:的)?(?:基础上)?$", piece)
        if base and base.start() > 0:
            end = start + base.start()
            continue
        origin = re.search(rf"[从由][^，。；]{{0,12}}?(?:{_value_pattern().pattern})$", piece)
        if origin and origin.start() > 0:
            end = start + origin.start()
            continue
        break
    while end > start and text[end - 1] in "的、和及与或。！？!?；;…":
        end -= 1
    return start, end


def _year_context(text: str, start: int, position: int) -> tuple[int | None, str | None, bool]:
    """(year, as-of date, future) from the last year marker in ``text[start:position]``."""
    year: int | None = None
    as_of: str | None = None
    future = False
    for match in _YEAR_MARK.finditer(text, start, position):
        before = text[start:match.start()]
        if before.count("《") > before.count("》") or match.group("post") in ("以来", "起", "度"):
            continue
        year = int(match.group("year"))
        pre, post = match.group("pre") or "", match.group("post") or ""
        as_of = f"{year}-12-31" if pre in ("截至", "截止", "截止到", "至") and post else None
        future = pre == "到"
    return year, as_of, future


def find_statements(document: Document, passage: Passage) -> list[Statement]:
    """Every value statement in a passage's sentences, with the phrase naming what it measures."""
    text = document.text
    out: list[Statement] = []
    for s_start, s_end in sentences(text, passage.start, passage.end):
        line_start = text.rfind("\n", 0, s_start) + 1
        paragraph_year = _year_context(text, line_start, line_start + 12) if line_start < s_start else \
            (None, None, False)
        body_end = s_end
        while body_end > s_start and text[body_end - 1] in "。！？!?；;…”’」』":
            body_end -= 1
        clauses = _clauses(text, s_start, body_end)
        for index, (c_start, c_end) in enumerate(clauses):
            for statement in _clause_statements(document, passage, clauses, index):
                year, as_of, future = _year_context(text, s_start, statement.value.start)
                if year is None:
                    year, as_of, future = paragraph_year
                out.append(Statement(passage, statement.phrase, statement.value, statement.shape, year, as_of,
                                     future))
    return out


# 将A建设成为B / 推动A建成B: a plan aims for more institutions of type B, without a number.
#: The last word of a name of a body (a hospital, a centre, a base, a venue): what a count or a
#: designation of bodies counts.
BODY_WORDS = "医院|中心|卫生院|卫生室|机构|基地|站|场馆|馆|诊所|实验室"
_DESIGNATION = re.compile(
    rf"(?P<verb>建设成为|建成为|转型为|建成)(?P<noun>(?!若干|一批|一些|多个|\d)[{CJK}（）()]{{2,14}}?"
    rf"(?:{BODY_WORDS}))(?=[，。；、,;]|$)"
)
_BODY_END = re.compile(rf"(?:{BODY_WORDS})$")


def counts_bodies(statement: Statement) -> bool:
    """A count (建设4个某某中心) or a designation (建设成为社区医院) whose phrase is the name of a
    kind of body: what it measures is how many such bodies there are, not the body."""
    return statement.shape in ("count", "designation") and bool(_BODY_END.search(statement.phrase.text))


def find_designations(document: Document, passage: Passage) -> list[Statement]:
    """Aims without a number (将…卫生院建设成为社区医院): qualitative targets on a count of ``noun``.

    The value is the words of the aim as written (建设成为社区医院), with no comparator or number.
    """
    text = document.text
    out = []
    for s_start, s_end in sentences(text, passage.start, passage.end):
        for match in _DESIGNATION.finditer(text, s_start, s_end):
            value = Value(squeeze(match.group()), match.start(), match.end(), None, None, "", False)
            phrase = Phrase(squeeze(match.group("noun")), match.start("noun"), match.end("noun"))
            year, as_of, future = _year_context(text, s_start, match.start())
            out.append(Statement(passage, phrase, value, "designation", year, as_of, future))
    return out


def _unit_of(match: re.Match[str]) -> str:
    return match.group("unit") or ""


_LEVEL_AT_END_RATE = _verb_pattern(_RATE_VERBS)
_CHANGE_NOUN = re.compile(r"(?:增幅|降幅|增速|涨幅|增长率|下降率)$")
_EMBEDDED_VERB = re.compile("|".join(re.escape(v) for v in LEVEL_VERBS if len(v) >= 2))


def _ends_name(text: str, position: int, end: int) -> bool:
    """True when the value ending at ``position`` is followed by words that continue a name
    (3岁以下儿童…, 65岁及以上老年人…): then the number belongs to a name, not a statement."""
    rest = text[position:end]
    return bool(rest) and bool(re.match(rf"[{CJK}]", rest)) and not re.match(r"[的和及与或]", rest)


def _clause_statements(document: Document, passage: Passage, clauses: list[tuple[int, int]],
                       index: int) -> list[Statement]:
    text = document.text
    c_start, c_end = clauses[index]
    matches = list(_value_pattern().finditer(text, c_start, c_end))
    out: list[Statement] = []
    shares: list[tuple[re.Match[str], int]] = []  # "Y%的" values and where their population starts
    used: set[int] = set()
    # The phrase of a value starts after the clause's previous value (…0.1平方米或室外人均用地…),
    # unless that value is part of a name (3岁以下儿童) or the start of a change (从14.18/10万下降到).
    phrase_start = c_start
    for i, match in enumerate(matches):
        if i > 0 and not _ends_name(text, matches[i - 1].end(), c_end) and \
                not re.search(r"[从由][^，。；、]{0,12}$", text[phrase_start:matches[i - 1].start()]):
            phrase_start = max(phrase_start, matches[i - 1].end())
        if i in used:
            continue
        kind = unit_kind(_unit_of(match))
        after = text[match.end():c_end]
        # Y%的X / Y%以上X: a share of a population.
        if kind in ("percent", "permille") and (after.startswith("的") or (match.group("suffix") and after[:1]
                                                                         and re.match(rf"[{CJK}]", after))):
            shares.append((match, match.end() + (1 if after.startswith("的") else 0)))
            continue
        prefix = text[phrase_start:match.start()]
        # A value list after one verb: 分别达到5.9张、7.42人 …
        group = [match]
        j = i
        while j + 1 < len(matches) and re.fullmatch(r"[、和及与]", text[matches[j].end():matches[j + 1].start()]):
            j += 1
            group.append(matches[j])
            used.add(j)
        count = _COUNT_AT_END.search(prefix)
        if count and kind in ("count", "people"):
            if not re.search(r"各|每个|分别", text[c_start:match.start()]):
                following = matches[j + 1].start() if j + 1 < len(matches) else c_end
                out.extend(_count_statements(document, passage, group, following))
            continue
        if _ends_name(text, group[-1].end(), c_end):
            continue
        level = _LEVEL_AT_END.search(prefix)
        if level is None and kind in ("percent", "permille"):
            level = _LEVEL_AT_END_RATE.search(prefix)
        change = _CHANGE_AT_END.search(prefix)
        if change and (not level or change.start() <= level.start()) and not prefix.endswith(("到", "至")):
            out.extend(_level_statements(document, passage, clauses, index, phrase_start,
                                         phrase_start + change.start(), group, relative=True))
        elif level:
            out.extend(_level_statements(document, passage, clauses, index, phrase_start,
                                         phrase_start + level.start(), group))
        else:
            p_start, p_end = _clean_phrase(text, phrase_start, match.start())
            named = text[p_start:p_end]
            if p_end > p_start and _MEASURE_END.search(named) and not _EMBEDDED_VERB.search(named):
                out.extend(_level_statements(document, passage, clauses, index, phrase_start, match.start(),
                                             group))
    out.extend(_share_statements(document, passage, shares, c_end))
    return out


def _value_of(document: Document, match: re.Match[str], start: int | None = None) -> Value:
    """The value of ``match``; from ``start`` when a verb before it says how it bounds (不低于90%)."""
    return Value.read(document, match.start() if start is None else start, match.end())


def _level_statements(document: Document, passage: Passage, clauses: list[tuple[int, int]], index: int,
                      phrase_start: int, verb_start: int, group: list[re.Match[str]],
                      relative: bool = False) -> list[Statement]:
    """X + verb + value(s): the phrase is the clause before the verb."""
    text = document.text
    p_start, p_end = _clean_phrase(text, phrase_start, verb_start)
    if p_end <= p_start:
        return []
    phrase_text = squeeze(text[p_start:p_end])
    if _GENERIC_PHRASE.match(phrase_text) and index > 0 and phrase_start == clauses[index][0]:
        # 占比达92.02%: the quantity is named by the clause before (minus its count).
        prev_start, prev_end = clauses[index - 1]
        counted = _value_pattern().match(text, prev_start)
        lead = counted.end() if counted and unit_kind(_unit_of(counted)) in ("count", "people") else prev_start
        q_start, q_end = _clean_phrase(text, lead, prev_end)
        if q_end > q_start:
            phrase_text = squeeze(text[q_start:q_end]) + phrase_text
            p_start = q_start
    relative = relative or bool(_CHANGE_NOUN.search(phrase_text))
    verb = text[verb_start:group[0].start()]
    # The verb is part of the value as written when it says how the value bounds or changes.
    bounding = relative or LEVEL_VERBS.get(verb.rstrip("了"), "=") != "="
    values = [_value_of(document, m, verb_start if bounding and k == 0 else None) for k, m in enumerate(group)]
    if relative:
        values = [Value(v.text, v.start, v.end, None, None, v.unit, True) for v in values]
    if len(values) == 1:
        return [Statement(passage, Phrase(phrase_text, p_start, p_end), values[0], "level", None, None, False)]
    items = _enumeration(text, p_start, p_end, len(values))
    if items is None:
        return []
    return [Statement(passage, phrase, value, "level", None, None, False)
            for phrase, value in zip(items, values, strict=True)]


def _enumeration(text: str, start: int, end: int, count: int) -> list[Phrase] | None:
    """Split ``A、B、C`` into ``count`` phrases; a leading 每千人口/人均 is shared by all."""
    pieces: list[tuple[int, int]] = []
    cursor = start
    for match in re.finditer(r"[、和]", text[start:end]):
        pieces.append((cursor, start + match.start()))
        cursor = start + match.end()
    pieces.append((cursor, end))
    if len(pieces) != count:
        return None
    shared = PER_CAPITA.match(text, pieces[0][0])
    out = []
    for a, b in pieces:
        reading = squeeze(text[a:b])
        if shared and not PER_CAPITA.match(reading):
            reading = squeeze(shared.group()) + reading
        out.append(Phrase(reading, a, b))
    return out


def _count_statements(document: Document, passage: Passage, group: list[re.Match[str]],
                      stop_at: int) -> list[Statement]:
    """verb + N个 + X: the phrase is what follows the count, up to the next 、 or value."""
    text = document.text
    out = []
    for k, match in enumerate(group):
        stop = group[k + 1].start() if k + 1 < len(group) else stop_at
        cut = re.search(r"、", text[match.end():stop])
        end = match.end() + cut.start() if cut else stop
        p_start, p_end = _clean_phrase(text, match.end(), end)
        if p_end - p_start >= 2:
            out.append(Statement(passage, Phrase(squeeze(text[p_start:p_end]), p_start, p_end),
                                 _value_of(document, match), "count", None, None, False))
    return out


def _share_statements(document: Document, passage: Passage, shares: list[tuple[re.Match[str], int]],
                      c_end: int) -> list[Statement]:
    """Y%的X达到…: the phrase is the population and its predicate; 100%的A、95%的B达到… share it."""
    text = document.text
    out: list[Statement] = []
    for k, (match, pop_start) in enumerate(shares):
        following = shares[k + 1][0].start() if k + 1 < len(shares) else None
        if following is not None and re.fullmatch(r"[、和及与]", text[_prev_non_space(text, following)]):
            # An enumerated population: its predicate is the last population's.
            pop_end = _prev_non_space(text, following)
            last_start = shares[-1][1]
            verb = _first_predicate(text, last_start, c_end)
            if verb is None:
                continue
            reading = squeeze(text[pop_start:pop_end]) + squeeze(text[verb:c_end])
            out.append(Statement(passage, Phrase(reading, pop_start, pop_end),
                                 _value_of(document, match), "share", None, None, False))
            continue
        if re.match(r"的?目标", text[pop_start:pop_start + 4]):
            continue  # 达到90%左右的目标要求: a target quoted, not a value
        p_start, p_end = _clean_phrase(text, pop_start, c_end)
        if p_end - p_start >= 2:
            out.append(Statement(passage, Phrase(squeeze(text[p_start:p_end]), p_start, p_end),
                                 _value_of(document, match), "share", None, None, False))
    return out


def _prev_non_space(text: str, position: int) -> int:
    position -= 1
    while position > 0 and text[position].isspace():
        position -= 1
    return position


def _first_predicate(text: str, start: int, end: int) -> int | None:
    best = None
    for verb in PREDICATE_VERBS + ("设立", "建成", "能够", "可以"):
        found = text.find(verb, start, end)
        if found > start and (best is None or found < best):
            best = found
    return best
