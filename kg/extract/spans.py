"""Where a name starts and ends: the boundary rules every name extractor shares.

Chinese policy text writes names without spaces, so a name is found from its end: a
type word (工程, 试验区, 模式, 医院 …) closes it, and the name runs leftwards until
punctuation, a word that introduces a name (实施, 开展, 依托 …) or a list separator.
Quoted parts (“村医通+”) and bracketed parts (（平台）) are atomic: nothing inside them
ends a name. A list separator (、 和 及 与) splits two names only when the text before
it is itself a complete name (``A工程和B工程``); otherwise it joins parts of one name
(``改善某某服务、减轻某某负担专项行动``) — but only right after an introducing word,
so a join never reaches back over a sentence's subject.

All offsets are offsets into ``document.text``; names are found inside one passage.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache

from kg.extract import lexicon
from kg.wordlists import type_words
from kg.ingest.normalise import unify_characters

#: Characters that end a name on its left and right.
HARD_STOPS = frozenset("，。；：！？,.;:!?\n\f《》<>【】[]「」…|　 \t．")
OPENERS = {"”": "“", "’": "‘", "）": "（", ")": "("}
_OPENING = frozenset("“‘（(")
#: Separators that may sit inside a name (see module docstring).
SEPARATORS = ("以及", "、", "和", "及", "与", "或")
_YEARS = re.compile(r"[（(]\d{4}\s*[—–\-~至]\s*\d{4}年?[）)]")
_COUNT_IN_TEXT = re.compile(r"(?<![第\d])\d+(?:\.\d+)?余?(?:个|家|项|所|批|处)")
_WIDTH = str.maketrans({"％": "%", "＋": "+", "＜": "<", "＞": ">", "(": "（", ")": "）"})
#: A date or time a sentence starts with (2023年11月, 5月12日上午, 12日, 上周五): it says when, and
#: no name starts with it (2023年度… is a year's round of a programme and stays).
_DATE_LEAD = re.compile(r"(?:(?:截至|自)?(?:\d{4}年)?\d{1,2}月(?:\d{1,2}[日号])?|(?:截至|自)?\d{4}年(?:\d{1,2}月)?(?:\d{1,2}[日号])?"
                        r"|\d{1,2}[日号](?![\d个])|(?:上|本|下|这)?(?:周|星期)[一二三四五六日天末]|年内)"
                        r"(?:以来|起|底|初|末|上旬|中旬|下旬)?")
_WS = re.compile(r"\s+")

Span = tuple[int, int]


@lru_cache(maxsize=65536)  # names are squeezed again and again when resolved and compared
def squeeze(text: str) -> str:
    """``text`` without white space, full-width letters/digits/％＋＜＞ made half-width."""
    return _WS.sub("", unify_characters(text)).translate(_WIDTH)


def strip_enclosing_quotes(name: str) -> str:
    """``“宾川模式”`` → ``宾川模式``; quotes around only part of a name stay."""
    for left, right in (("“", "”"), ("‘", "’"), ('"', '"')):
        if name.startswith(left) and name.endswith(right) and name.count(left) == 1 and len(name) > 2:
            return name[1:-1]
    return name


_EXPANSION = re.compile(r"[（(][^（）()]*[、，,；;][^（）()]*[）)]")


def drop_expansions(name: str) -> str:
    """Remove a bracketed list that spells out a quoted term: ``“三减三健”（减盐、…）专项行动``
    → ``“三减三健”专项行动``. Brackets without a list (``（平台）``, ``（2017—2030年）``) stay."""
    return _EXPANSION.sub("", name)


def display_name(surface: str) -> str:
    """The form of a name used as a label: normalised, expansions dropped, outer quotes gone."""
    return strip_enclosing_quotes(drop_expansions(squeeze(surface)))


def name_key(surface: str) -> str:
    """A resolution key: the display name without any quotation marks."""
    return re.sub(r"[“”‘’\"']", "", display_name(surface))


def protected_spans(text: str) -> list[Span]:
    """Spans of 《…》 book titles (marks included): they are cited documents, not running text."""
    return [(m.start(), m.end()) for m in re.finditer(r"《[^《》]{0,120}》", text)]


def inside(spans: Iterable[Span], start: int, end: int) -> bool:
    """True when [start, end) overlaps one of ``spans``."""
    return any(s < end and start < e for s, e in spans)


def matching_opener(text: str, close: int, low: int, limit: int = 80) -> int | None:
    """Offset of the bracket or quote that ``text[close]`` closes, looking left to ``low``."""
    opener, closer = OPENERS[text[close]], text[close]
    depth = 0
    for position in range(close, max(low, close - limit) - 1, -1):
        char = text[position]
        if char == closer and opener != closer:
            depth += 1
        elif char == opener:
            depth -= 1
            if depth == 0:
                return position
    return None


def in_open_quote(text: str, low: int, position: int) -> bool:
    """True when a “ opened between ``low`` and ``position`` is still open at ``position``."""
    depth = 0
    for char in text[low:position]:
        if char == "“":
            depth += 1
        elif char == "”" and depth:
            depth -= 1
    return depth > 0


def all_suffixes() -> tuple[str, ...]:
    """Every type word of every entity type, longest first (what ends a complete name)."""
    return type_words()


def ends_with_name(text: str, low: int, end: int, activities: bool = False) -> bool:
    """True when ``text[low:end]`` ends with a type word (after closing quotes or brackets); with
    ``activities``, also with a noun of activity that ends a list item (…建设和…工程)."""
    while end > low and text[end - 1] in OPENERS:
        opener = matching_opener(text, end - 1, low)
        if opener is None:
            return False
        if text[end - 1] == "”":  # “…工程”: the type word is inside the quotes
            end -= 1
            break
        end = opener
    heads = all_suffixes() + (lexicon.words("activity_heads") if activities else ())
    return any(text.endswith(suffix, low, end) for suffix in heads)


@cache
def _reversed_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """Finds, at every position of a reversed text, the longest reversed word starting there."""
    alternatives = sorted({w[::-1] for w in words if w}, key=len, reverse=True)
    return re.compile("(?=(" + "|".join(re.escape(w) for w in alternatives) + "))")


def suffix_matches(text: str, low: int, high: int, suffixes: tuple[str, ...]) -> Iterator[tuple[int, int, str]]:
    """(start, end, suffix) of each type word in ``text[low:high]``; the longest at each end.

    A suffix that is only the start of a longer word (计划生育, 局长, 中心城区) ends nothing.
    """
    continuations = lexicon.words("suffix_continuations")
    false_words = lexicon.words("not_suffix_words")
    # The longest word ending at each position is the longest reversed word starting at the
    # mirrored position of the reversed text: one regex scan instead of a test per position
    # and word (this runs over every character of every passage).
    found = [(high - m.start(), m.group(1)[::-1])
             for m in _reversed_pattern(suffixes).finditer(text[low:high][::-1])]
    for end, best in reversed(found):
        if any(text.endswith(w, low, end) for w in false_words):
            continue
        start = end - len(best)
        if any(len(word) > len(best) and text.startswith(word, start) for word in continuations):
            continue
        yield start, end, best


def extend_right(text: str, end: int, high: int, name_low: int) -> int:
    """Take in what still belongs to a name after its type word: a closing quote when the type
    word is quoted (“千村万户工程”) and a year range (（2017—2030年）)."""
    if end < high and text[end] == "”" and in_open_quote(text, name_low, end):
        end += 1
    years = _YEARS.match(text, end)
    if years and years.end() <= high:
        end = years.end()
    return end


@dataclass(frozen=True)
class RawName:
    """A name found from its type word, before type-specific checks."""

    start: int
    end: int
    suffix: str
    suffix_start: int
    verb: str  # the introducing word right before the name, "" if none
    clause_start: int  # where the left scan stopped (punctuation or passage start)


def scan_left(text: str, low: int, position: int, stops: frozenset[str], conditional: frozenset[str],
              max_len: int) -> tuple[int, list[int]]:
    """Walk left from ``position`` to the start of the clause a name can span.

    Returns (clause start, offsets of the list separators crossed); the clause start is -1
    when the clause runs past ``max_len`` characters (quoted text not counted), too long
    for a name. ``stops`` are extra single characters that end a name; of the separators,
    those in ``conditional`` split only after a complete name, all others always split.
    """
    crossed: list[int] = []
    index = position - 1
    floor = max(low, position - max_len)
    while index >= floor:
        char = text[index]
        if char in OPENERS:
            opener = matching_opener(text, index, low)
            if opener is None:
                return index + 1, crossed
            floor = max(low, floor - (index - opener))  # quoted text does not count towards the length
            index = opener - 1
            continue
        if char in HARD_STOPS or char in _OPENING or \
                char in stops and not text.startswith(lexicon.words("stop_lookalikes"), index):
            return index + 1, crossed
        if char == "—" and index > low and text[index - 1] == "—":
            return index + 1, crossed
        separator = next((s for s in SEPARATORS if text.startswith(s, index - len(s) + 1)
                          and index - len(s) + 1 >= floor), None)
        if separator is not None and len(separator) == 1 and inside_word(text, index):
            separator = None  # 普及, 参与, 和谐: the character is part of a word
        if separator is not None:
            sep_start = index - len(separator) + 1
            # 与 joins the parts of one name (改革与高质量发展), so an activity noun before it
            # does not end an item.
            if separator not in conditional or ends_with_name(text, floor, sep_start, separator != "与"):
                return index + 1, crossed
            crossed.append(sep_start)
            index = sep_start - 1
            continue
        index -= 1
    if floor > low:
        return -1, crossed  # too long to be a name
    return low, crossed


def inside_word(text: str, index: int) -> bool:
    """True when ``text[index]`` belongs to a word that merely contains a separator character."""
    for word in lexicon.words("separator_lookalikes"):
        offset = word.find(text[index])
        while offset >= 0:
            if text.startswith(word, index - offset):
                return True
            offset = word.find(text[index], offset + 1)
    return False


def _quoted_mask(text: str, start: int, end: int) -> list[bool]:
    mask = [False] * (end - start)
    depth = 0
    for offset, char in enumerate(text[start:end]):
        if char in "“‘":
            depth += 1
        elif char in "”’" and depth:
            depth -= 1
            continue
        mask[offset] = depth > 0
    return mask


def adverb_before_verb(text: str, start: int, end: int) -> int:
    """Length of the filler of ``[leading_fillers]`` at ``start`` that a verb follows within
    ``end`` (严格建设…, 深入推进…, 充分发挥…), else 0: the filler is then the adverb of a clause's
    verb, while one a noun follows may be a name's own word (主动健康…, 全面质量管理…)."""
    verbs = lexicon.words("chained_verbs") + lexicon.words("introducing_verbs")
    for word in sorted(lexicon.words("leading_fillers"), key=len, reverse=True):
        if text.startswith(word, start) and text.startswith(verbs, start + len(word)) \
                and start + len(word) < end:
            return len(word)
    return 0


def strip_leading(text: str, start: int, end: int, after_verb: bool = False) -> int:
    """Move ``start`` past introducing words, fillers (持续, 同时, 了 …), time words (昨天, 当天下午)
    and dates at a name's start.

    ``after_verb`` says that an introducing verb stands right before ``start`` (推进主动健康…行动):
    a filler of two or more characters is then stripped only as the adverb of a verb after it, since
    an adverb stands before the verb it modifies, not after it; one character (了, 并) still goes.
    """
    fillers = lexicon.words("leading_fillers") + lexicon.words("time_words") + lexicon.words("chained_verbs")
    if start > 0 and text[start - 1] == "、":
        # An item of a list starts a name: 主动 of 、主动筛查干预行动 is the name's own word.
        fillers = lexicon.words("chained_verbs")
    adverbs = frozenset(w for w in lexicon.words("leading_fillers") if len(w) > 1) if after_verb else frozenset()
    changed = True
    while changed and start < end:
        changed = False
        dated = _DATE_LEAD.match(text, start, end)
        if dated and dated.end() < end and not text.startswith("度", dated.end()):
            start, changed = dated.end(), True
            continue
        for word in fillers:
            if text.startswith(word, start) and start + len(word) < end:
                if word in adverbs and not adverb_before_verb(text, start, end):
                    continue
                start, changed = start + len(word), True
                break
    return start


def cut_at_verb(text: str, clause_start: int, suffix_start: int, min_rest: int = 2,
                generic: str | None = "generic_programme_words",
                verb_sections: tuple[str, ...] = ("introducing_verbs",),
                max_rest: int | None = None) -> tuple[int, str]:
    """Start a name after the leftmost introducing word of its clause (实施, 开展, 获批 …).

    A word is skipped when what would remain before the type word is longer than ``max_rest``
    characters, quoted text not counted (no name is that long, so a word further right starts it:
    …卫生发展研究中心…一行来某医院调研X项目), shorter than
    ``min_rest``, made only of words of the lexicon section ``generic`` (so ``建设工程`` is
    never cut at 建设), or holds a count (the word's object is then a count of things, not
    the name). Words inside quotes never cut. Returns (start, verb or "").
    """
    verbs = _verb_pattern(verb_sections)
    quoted = _quoted_mask(text, clause_start, suffix_start)
    for match in verbs.finditer(text, clause_start, suffix_start):
        if quoted[match.start() - clause_start]:
            continue
        rest = text[match.end():suffix_start]
        if max_rest is not None and len(re.sub(r"“[^”]*”", "“”", rest)) > max_rest:
            continue
        if len(rest) < min_rest or (generic and lexicon.covered_by(squeeze(rest), generic)):
            continue
        if _COUNT_IN_TEXT.search(re.sub(r"“[^”]*”", "", rest)):
            continue  # 遴选1个设区市…开展X项目: the first verb's object is a count, not the name
        return match.end(), match.group(0)
    return clause_start, ""


@cache
def _verb_pattern(sections: tuple[str, ...]) -> re.Pattern[str]:
    found = {w for section in sections for w in lexicon.words(section)}
    return re.compile("|".join(re.escape(w) for w in sorted(found, key=len, reverse=True)))


def _parallel_verb_phrases(text: str, start: int, separator: int, suffix_start: int) -> bool:
    """``支持A和深化B示范项目``: two verb phrases joined by a separator modify one type word."""
    verbs = lexicon.words("introducing_verbs")
    after = separator + next(len(s) for s in SEPARATORS if text.startswith(s, separator))
    return any(text.startswith(v, after) for v in verbs) and any(v in text[start:separator] for v in verbs)


def whole_quote(text: str, low: int, raw: RawName) -> RawName | None:
    """The raw name widened to its quotation marks when the type word closes a quoted phrase that
    holds no sentence punctuation (“更高水平的国际健康岛”, “某某与某某协同发展行动”), else None: the
    quotes hold the whole name, and no word inside them starts it again."""
    end = raw.end + 1 if text.startswith("”", raw.end) else raw.end
    if text[end - 1] != "”" or "”" in text[raw.start:end - 1]:
        return None
    opener = text.rfind("“", low, raw.start + 1)
    if opener < 0 or opener == raw.start or any(ch in text[opener:end] for ch in "，。；：！？"):
        return None
    return RawName(opener, end, raw.suffix, raw.suffix_start, raw.verb, raw.clause_start)


def find_raw_names(text: str, low: int, high: int, suffixes: tuple[str, ...], *,
                   stops: frozenset[str] = frozenset(), conditional: frozenset[str] = frozenset(SEPARATORS),
                   max_len: int = 40, skip: list[Span] | None = None, min_rest: int = 2,
                   generic: str | None = "generic_programme_words",
                   verb_sections: tuple[str, ...] = ("introducing_verbs",),
                   join_needs_verb: bool = True) -> list[RawName]:
    """Every name ending in one of ``suffixes`` inside ``text[low:high]`` (see module docstring).

    A name is at most ``max_len`` characters, quoted text not counted; its clause is
    looked for up to twice as far.
    """
    out: list[RawName] = []
    for suffix_start, suffix_end, suffix in suffix_matches(text, low, high, suffixes):
        if skip and inside(skip, suffix_start, suffix_end):
            continue
        clause_start, crossed = scan_left(text, low, suffix_start, stops, conditional, 2 * max_len)
        if clause_start < 0:
            continue
        start, verb = cut_at_verb(text, clause_start, suffix_start, min_rest, generic, verb_sections, max_len)
        # 与 joins the parts of one name (营养与健康学校, 改革与高质量发展) far more often than two
        # names, so only the other separators need the checks below.
        joined = sorted(c for c in crossed if c >= start and not text.startswith("与", c))
        if joined:
            # A join across a separator needs an introducing word right before the name, and
            # short parts (or a list closed by 等, or two parallel verb phrases); otherwise the
            # separator nearest the type word splits.
            bounds = [start, *joined]
            parts = [text[a:b] for a, b in zip(bounds, joined)]
            listed = "等" in text[joined[0]:suffix_start]
            parallel = _parallel_verb_phrases(text, start, joined[-1], suffix_start)
            if (join_needs_verb and not verb) or (not listed and not parallel and any(len(p) > 11 for p in parts)):
                nearest = joined[-1]
                start = nearest + next(len(s) for s in SEPARATORS if text.startswith(s, nearest))
        if join_needs_verb and verb:
            # 支持集团内开展X试点: a second strong introducing word inside starts the name again.
            quoted = _quoted_mask(text, start, suffix_start)
            again = [m for m in re.finditer("实施|开展", text[start:suffix_start]) if not quoted[m.start()]]
            if again and suffix_start - (start + again[-1].end()) >= min_rest:
                start, verb = start + again[-1].end(), again[-1].group(0)
        start = strip_leading(text, start, suffix_start, bool(verb) and text.endswith(verb, 0, start))
        end = extend_right(text, suffix_end, high, start)
        if len(re.sub(r"“[^”]*”", "“”", text[start:end])) > max_len:
            continue  # longer than a name: the clause has no boundary the rules know
        out.append(RawName(start, end, suffix, suffix_start, verb, clause_start))
    return out


def count_before(text: str, low: int, start: int) -> bool:
    """True when a count (53个, 一批, 若干, 各) stands right before ``start``: the name is a class."""
    window = text[max(low, start - 8):start]
    window = window.removesuffix("的")
    if re.search(r"(?:一批|若干|一系列|多个|数个|各类|各项|各级|各)$", window):
        return True
    return bool(_count_pattern().search(window))


@lru_cache(maxsize=1)
def _count_pattern() -> re.Pattern[str]:
    units = "|".join(re.escape(u) for u in lexicon.words("count_units"))
    return re.compile(rf"(?:\d+(?:\.\d+)?|[一二三四五六七八九十百千万两几多数]+)余?(?:{units})$")


def count_after(text: str, end: int, high: int) -> bool:
    """True when a count follows a name (互认检验项目73项, 储备项目785个, 省级健康县（区）达19个)."""
    return bool(re.match(r"(?:[（(][^（）()]{1,6}[）)])?(?:达到|达|共|有)?\d+(?:\.\d+)?余?(?:项|个|家|批|类|种)",
                         text[end:min(high, end + 14)]))


def sentence_bounds(text: str, low: int, high: int, position: int) -> Span:
    """The sentence (between 。！？；\\n) of ``text[low:high]`` that holds ``position``."""
    start = position
    while start > low and text[start - 1] not in "。！？；\n":
        start -= 1
    end = position
    while end < high and text[end] not in "。！？；\n":
        end += 1
    return start, end
