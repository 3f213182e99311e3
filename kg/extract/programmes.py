"""Programmes: named projects, actions, plans and campaigns (…工程, …行动, …计划, …项目, …活动).

A programme name ends with a programme word (``[programme_suffixes]``) and starts after
an introducing word (实施, 开展, 依托 …), punctuation or a list separator (see
:mod:`kg.extract.spans`). A name must say *which* programme: once level words, places
and generic words (建设, 重点, 专项 …) are taken off, something specific has to remain —
so 建设项目, 重点项目 and 15个专项行动 are not names. A count before the name (285个…项目)
or after it (项目73项) makes it a class; a noun right after it (…项目申报, …项目范围)
makes it a modifier.

``实施A、B、C等项目`` names three programmes A, B and C whose own names carry no
programme word; the list is read only right after an introducing word. ``规划`` names a
programme only right after 实施/推进 (实施扩大国家免疫规划); elsewhere it names a plan
document, which :mod:`kg.extract.citations` handles when it is in 《》.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kg.extract import lexicon
from kg.extract.context import Candidate, DocContext
from kg.extract.spans import (
    SEPARATORS,
    RawName,
    adverb_before_verb,
    count_after,
    count_before,
    display_name,
    find_raw_names,
    in_open_quote,
    name_key,
    squeeze,
    strip_leading,
    whole_quote,
)
from kg.records import Passage

ENTITY_TYPE = "Programme"
_STOPS = frozenset("的为将把被于了是让使给")
_PLAN_VERBS = ("实施", "推进", "落实", "执行")
_YEARS = re.compile(r"[（(]\d{4}[—–\-~至]\d{4}年?[）)]$")
_LIST_SPLIT = re.compile("|".join(re.escape(s) for s in SEPARATORS))


@lru_cache(maxsize=1)
def suffixes() -> tuple[str, ...]:
    """Programme words, longest first (those that need an introducing verb included)."""
    words = {*lexicon.words("programme_suffixes"), *lexicon.words("programme_verb_suffixes"),
             *lexicon.words("quoted_programme_suffixes"), *lexicon.words("round_programme_suffixes")}
    return tuple(sorted(words, key=len, reverse=True))


#: A round organised by the state (国家组织…集中带量采购); 组织 also reads as an introducing verb.
_STATE_ORGANISED = "国家组织"
#: How a round is named: by its batch number (第八批…), or as organised by the state.
_ROUND = re.compile(rf"^(?:第[一二三四五六七八九十\d]{{1,3}}批|{_STATE_ORGANISED})")


def programme_suffix(name: str) -> str | None:
    """The programme word a (normalised) name ends with, before a year range or closing quote."""
    name = _YEARS.sub("", name).rstrip("”’")
    return next((s for s in suffixes() if name.endswith(s)), None)


def specific_part(name: str, suffix: str) -> str:
    """What is left of a name once quotes, its type word, and leading places and level words go."""
    core = _YEARS.sub("", name).rstrip("”’")
    core = core[: len(core) - len(suffix)]
    position = 0
    while position < len(core):
        place = lexicon.place_at_any(core, position)
        level = lexicon.level_at(core, position)
        step = len(place[0]) if place else len(level.word) if level else 0
        if not step:
            break
        position += step
    return re.sub(r"[“”‘’\"]", "", core[position:])


_COUNT_INSIDE = re.compile(r"(?<![第\d])(?:\d+|[一二三四五六七八九十百千两几多]+)[余多]?(?:个|项|处|家|批|类|场|例|次)")


def _outside_quotes(name: str) -> str:
    return re.sub(r"“[^”]*”|‘[^’]*’", "", name)


def _ends_with_conjunction(text: str) -> bool:
    """True when ``text`` ends with 和/与/及/、 that is not part of a word (普及, 涉及)."""
    if not text or text[-1] not in "和与及、":
        return False
    return not any(text.endswith(w) for w in lexicon.words("separator_lookalikes"))


def _starts_as_clause(specific: str) -> bool:
    """True when jieba reads a subject then a verb or preposition in a name's first characters
    (学员练习某某运动, 街道开设运动, 居民对健康某省行动): the candidate is a clause, not a name.
    A name may start with its verb (改善医疗服务行动, 消除…危害行动), and a noun and verb alone are a
    name's field (全民健身运动)."""
    tokens = lexicon.tagged(specific)
    if len(tokens) < 3 or not tokens[0].flag.startswith("n") or len(tokens[0].word) > 2:
        return False
    second = tokens[1]
    if len(tokens) > 2 and tokens[2].flag == "v":
        return False  # 疾病预防控制…: a run of verbs is a compound noun (the field's name)
    return (second.flag == "v" and len(second.word) >= 2 and second.word not in lexicon.words("verbs_allowed_inside")) or \
        (second.flag == "p" and second.word not in ("与", "和", "及"))


#: Conjunctions and prepositions that join the parts of one name (A与B, A至B输气管道项目).
_JOINING = frozenset({"与", "和", "及", "或", "至"})


def _reads_as_clause(specific: str) -> bool:
    """True when a name's specific part holds what only a clause has: a preposition or conjunction
    (对…采取行动, 而从…项目), a pronoun (每个关键项目, 我国在…运动; not 自我), an aspect particle
    (面临着很多行动), a verb whose object the type word is (慢性病患者提供运动, 落实到行动;
    ``[programme_object_verbs]``), or a verb that starts it with a noun of at most two characters
    after (推出专项行动, 采取战略行动) or of one character (a piece of a cut word). Names may hold verbs of
    their field (儿童营养改善项目, 提高健康素养促进行动, 改善医疗服务行动)."""
    tokens = [t for t in lexicon.tagged(specific) if t.word.strip()]
    if not tokens:
        return False
    object_verbs = lexicon.words("programme_object_verbs")
    for token in tokens:
        # a pronoun as the tagger reads it, if it is one (this, each, we …: not 自我, nor 本科, which
        # jieba also tags r)
        if token.flag in ("p", "c") and token.word not in _JOINING or token.flag == "uz" or \
                token.flag == "r" and token.word[0] in "这那每我该其此各他它你":
            return True
        if token.flag == "v" and token.word in object_verbs:
            return True
    first = tokens[0]
    rest = specific[len(first.word):]
    # 推出专项行动, 采取战略行动: a verb and its noun object; 控烟限酒行动 names two measures.
    return first.flag == "v" and (len(first.word) == 1 or len(rest) <= 2 and all(
        t.flag.startswith("n") for t in lexicon.tagged(rest)))


def is_programme_name(surface: str) -> bool:
    """Whether a text on its own reads as a programme name (the rule for 专栏 item titles too)."""
    name = display_name(surface)
    suffix = programme_suffix(name)
    if suffix is None or suffix in lexicon.words("programme_verb_suffixes"):
        return False
    if suffix in lexicon.words("round_programme_suffixes") and not _ROUND.match(name):
        return False  # 推进药品集中带量采购: a way of buying; 第九批国家药品集采 is one round
    if suffix in lexicon.words("quoted_programme_suffixes") and not name[:-len(suffix)].endswith("”"):
        return False  # “某某新生活”建设, “两癌”筛查 name a task by its quoted term; 乙肝筛查 is an activity
    if _COUNT_INSIDE.search(_outside_quotes(name)):
        return False  # 285个…项目: a count of projects
    if suffix == "项目" and name[:-len(suffix)].endswith(lexicon.words("item_heads")):
        return False  # 医疗服务价格项目, 公共服务设施项目: 项目 as "item" of a kind, not a programme
    pilot = next((s for s in lexicon.words("pilot_suffixes") if name.endswith(s)), None)
    if pilot is not None and not (pilot.endswith("项目") and _unplaced(name)):
        # 某市…示范项目, 国家…试点: a pilot held by a place or at a level. A …示范项目 with no place or
        # level word before it is the programme itself (某某改革与发展示范项目), which places join:
        # kg.extract.pilots leaves to this test every name it finds held by no place at no level.
        return False
    if pilot is not None and (any(w in name for w in lexicon.words("pilot_not_inside")) or re.search(r"\d", name)):
        return False  # 会议室召开示范项目: an event or an address (as for pilots)
    if re.search(r"(?:重点|重大)(?:工程)?(?:项目|工程)$", name) or _ends_with_conjunction(name[:-len(suffix)]):
        # 基层能力提升重点项目: a collection of projects; …营养喂养与运动, …规划和项目: the type word
        # is the last item of a list, not a name's head
        return False  # 基层能力提升重点项目: a collection of projects, not one
    if "、" in _outside_quotes(name):
        last = _outside_quotes(name).rsplit("、", 1)[1]
        if not is_programme_name(last) and "“" not in last:
            return False  # 健康与养老、旅游、运动: a list of fields, not one name
    if _describes_an_event(name, suffix):
        return False  # 某某宣传活动, 世界某某日宣传周: an event of the news, not a programme
    if _unnamed_activity(name, suffix):
        return False  # 某某公益献血活动, 趣味某某科普活动: an event, named by what happens at it
    if _quotes_a_sentence(name):
        return False  # “你好，……”活动, “某某，某某”庆祝活动: a quoted remark or slogan, no name
    quoted = "“" in name
    if len(re.sub(r"[“”‘’]", "", name)) < (4 if quoted else 5):
        return False
    if not quoted and re.fullmatch(r"[A-Za-z]+", name[:-len(suffix)]):
        return False  # PPP项目, HiAP行动: an approach's acronym alone names a kind of project (a place
        # before it names one: 某省HiAP计划)
    if name.startswith(tuple(lexicon.words("determiners"))) or _starts_with_count(name) or \
            any(w in _outside_quotes(name) for w in lexicon.words("programme_not_inside")):
        return False  # 这一行动, 现有项目, 此项…行动: a reference, not a name; 一份检查计划: a count of a kind
    specific = specific_part(name, suffix)
    if adverb_before_verb(specific, 0, len(specific)):
        return False  # 某市严格建设项目…, 某县充分发挥…项目: the place is a clause's subject, the adverb its verb's
    if not quoted and (_starts_as_clause(specific) or _reads_as_clause(_outside_quotes(specific))):
        return False  # 推广某某运动, 学员练习某某运动, 居民对健康某省行动: a verb phrase
    if quoted:
        return len(specific) >= 2
    if suffix in lexicon.words("activity_suffixes") and lexicon.covered_by(specific, "activity_topic_words"):
        return False  # 健康科普活动, 学生体育活动: a kind of activity, not a named one
    minimum = 4 if suffix in ("运动", "革命") else 2
    return len(specific) >= minimum and not _says_nothing_specific(specific) \
        and not lexicon.covered_by(specific, "verbs_and_fillers")


def _describes_an_event(name: str, suffix: str) -> bool:
    """True when a name describes an event, as news reports one, rather than naming a programme: an
    activity named by its form (某某宣传活动, “某某”大型义诊活动, 某某评选活动; ``[event_heads]``), or an
    activity, week or month held for an observance day of the world or the nation (世界某某日宣传周,
    全国某某日主题活动; ``[observance_scopes]``). Named programmes end otherwise (某某创建活动,
    “某某行”活动, a county's own 某某日活动)."""
    if suffix not in lexicon.words("observance_suffixes"):
        return False
    before = name[:-len(suffix)]
    plain = re.sub(r"[“”‘’\"]", "", before)
    plain = re.sub(r"^(?:\d{4}年)?(?:第[一二三四五六七八九十\d]+[个届])?", "", plain)
    if suffix == "活动" and not before.endswith(("”", "’")) and plain.endswith(lexicon.words("event_heads")):
        return True
    while (head := next((h for h in lexicon.words("event_heads") if plain.endswith(h)), None)) is not None:
        plain = plain[:-len(head)]
    return plain.startswith(lexicon.words("observance_scopes")) and \
        (suffix != "活动" or plain.endswith(("日", "周", "月", "节")))


def _quotes_a_sentence(name: str) -> bool:
    """True when a quoted part of a name holds sentence punctuation outside brackets: a quoted remark
    or slogan (“你好，……”, “某某使命，铸就某某”), which no programme is named by (a bracketed
    expansion may hold it: “三减三健”（减盐、减油、减糖，健康口腔…）)."""
    return any(re.search("[，。！？!?…；;：]", re.sub(r"（[^（）]*）|\([^()]*\)", "", quoted))
               for quoted in re.findall(r"“([^”]*)”?", name))


def _unnamed_activity(name: str, suffix: str) -> bool:
    """True when an activity with nothing quoted in its name is not named as a programme is: only a
    creation or collection campaign, an activity of its own day, week, month or year, and an X进Y
    activity are (``[named_activity_endings]``: 某某示范创建活动, 某某日活动, 某某知识进万家活动);
    another unquoted …活动 is an event the news reports (某某公益献血活动, 第二批某某适配活动)."""
    if suffix != "活动" or re.search("[“”‘’\"]", name):
        return False
    before = name[:-len(suffix)]
    if re.search(r"\d年$", before):
        return True  # 2023年活动: a year's activities, not a 某某年
    return not (before.endswith(lexicon.words("named_activity_endings"))
                or re.search(r"[\u4e00-\u9fff]{2}进[\u4e00-\u9fff]{1,4}$", before))


def _says_nothing_specific(specific: str) -> bool:
    """True when a name's specific part says only how or by whom, not which programme: generic and
    abstract words alone (跨部门行动, 政府战略计划, 部门间联合行动), or a verb whose object they are
    (监测战略计划, 评估具体项目). A verb before a field is a name (改善医疗服务行动)."""
    if lexicon.covered_by(specific, "generic_programme_words", "abstract_programme_words"):
        return True
    first = next(iter(lexicon.tagged(specific)), None)
    if first is None or first.flag not in ("v", "vn") or len(first.word) < 2:
        return False
    rest = specific[len(first.word):]
    return bool(rest) and lexicon.covered_by(rest, "abstract_programme_words")


def _unplaced(name: str) -> bool:
    """True when a name starts with no place or level word."""
    first = next(iter(lexicon.tagged(name)), None)
    level = lexicon.level_at(name, 0)
    return lexicon.place_at_any(name, 0) is None and not (level and first is not None and first.word == level.word)


def _modifier_after(text: str, end: int, high: int) -> bool:
    """A noun right after the name (…项目申报, 项目医院): the name only modifies it. After 运动
    ("exercise" as often as "campaign"), 与 or 健康 shows the exercise (推广某某运动与健康
    饮食知识, 开设运动健康指导站)."""
    after = text[end:min(high, end + 4)]
    if text.endswith("运动", 0, end) and after[:1] in ("与", "健"):
        return True
    if any(after.startswith(w) for w in ("委员会", "办公室", "领导小组", "中心", "协会", "基金会")):
        return True  # 爱国卫生运动委员会: a programme inside a body's name names the body
    return any(after.startswith(w) for w in lexicon.words("right_modifiers"))


def _list_elements(raw: RawName, text: str, ctx: DocContext, passage: Passage) -> list[Candidate] | None:
    """``实施A、B等项目``: the listed programmes, or None when the name holds no such list."""
    name = text[raw.start:raw.end]
    quoted = [False] * len(name)
    depth = 0
    for i, ch in enumerate(name):
        depth += ch == "“"
        quoted[i] = depth > 0
        depth -= ch == "”" and depth > 0
    positions = [i for i, ch in enumerate(name) if ch == "等" and not quoted[i]]
    if not positions:
        return None
    at = positions[-1]
    head = squeeze(name[at + 1:])
    head = re.sub(r"^(?:\d+|[一二三四五六七八九十百千两几多]+)余?(?:个|项|类|大)?", "", head)
    if head and lexicon.covered_by(head, "generic_programme_words"):
        if not raw.verb or raw.suffix == "活动":
            return []
        out = []
        offset = raw.start
        for piece in _LIST_SPLIT.split(name[:at]):
            start = text.find(piece, offset) if piece else -1
            offset = max(offset, start + len(piece)) if start >= 0 else offset
            element = piece.strip()
            if start < 0 or len(element) < 4 or element.startswith(tuple(lexicon.words("determiners"))):
                continue
            if any(element.endswith(s) for s in lexicon.words("institution_suffixes")):
                continue
            out.append(Candidate(ENTITY_TYPE, start, start + len(piece), passage, display_name(piece),
                                 name_key(piece)))
        return out
    listed_before = "、" in name[:at] or any(text.endswith(s, 0, raw.start) for s in SEPARATORS)
    if listed_before:
        if raw.suffix == "项目" and "“" not in head and \
                not any(is_programme_name(piece.strip()) for piece in _LIST_SPLIT.split(name[:at])):
            # 陪护费、护工费等生活服务项目: 项目 also means "item"; after a list of things that are no
            # programmes it names the kind of item they are (近视、肥胖等…监测与干预行动 is a programme)
            return []
        return [c for c in [_judge(raw, raw.start + at + 1, ctx, passage)] if c is not None]
    return None


def _after_preposition(surface: str) -> int | None:
    """Offset just after the last preposition jieba reads in a candidate outside quotes (我国在…,
    居民对…), where its object, the name, starts; None without one."""
    position, found = 0, None
    for token in lexicon.tagged(surface):
        if token.flag == "p" and token.word not in _JOINING and not in_open_quote(surface, 0, position):
            found = position + len(token.word)
        position += len(token.word)
    return found


def _judge(raw: RawName, start: int, ctx: DocContext, passage: Passage) -> Candidate | None:
    text = ctx.text
    if raw.suffix in lexicon.words("round_programme_suffixes") and text.endswith(_STATE_ORGANISED, passage.start, start):
        start -= len(_STATE_ORGANISED)  # 国家组织…集中带量采购: 组织 was read as the introducing verb
    scope = text.find("领域", start, min(raw.suffix_start, start + 10))
    if scope >= 0:
        start = scope + 2  # 卫生健康领域“两重”“两新”项目: the field is the scope, not the name
    opener = text.rfind("“", start, raw.suffix_start)
    if opener > start:
        # 某委发布2023年“某某日”主题活动: a verb whose object the name is, before its quoted part,
        # ends the clause that leads to it (unquoted names are judged as clauses in is_programme_name);
        # verbs inside an earlier quoted part are the name's own words
        position, cut = start, None
        for token in lexicon.tagged(text[start:opener]):
            position += len(token.word)
            if token.flag in ("v", "vn") and token.word in lexicon.words("programme_object_verbs") \
                    and not in_open_quote(text, start, position - len(token.word)):
                cut = position
        if cut is not None:
            start = cut
    end = raw.end
    first_quote = text.find("“", start, raw.suffix_start)
    if first_quote > start + 2 and text[start:first_quote].endswith(_body_suffixes()):
        start = first_quote  # 某县妇幼保健院“两癌”筛查: the body is who holds it, the quoted part starts the name
    dash = text.rfind("——", start, raw.suffix_start)
    if dash >= 0 and is_programme_name(text[dash + 2:raw.end].removesuffix("”")):
        # “某某血脉·某某脊梁——某某专项行动”: a slogan before the dash, the name after it
        start, end = dash + 2, raw.end - text.endswith("”", 0, raw.end)
    surface = text[start:end]
    inner = re.fullmatch(r"“([^“”]+)”(.+)", surface)
    if inner and programme_suffix(inner.group(1)) is not None and len(inner.group(1)) >= 4 and \
            lexicon.covered_by(inner.group(2), "generic_programme_words", "activity_topic_words"):
        # “某某计划”公益项目: the quoted programme, and words that say what kind of thing it is
        return Candidate(ENTITY_TYPE, start + 1, start + 1 + len(inner.group(1)), passage,
                         display_name(inner.group(1)), name_key(inner.group(1)))
    first = next(iter(lexicon.tagged(surface)), None)
    if text.startswith("的", raw.end) and first is not None and first.flag == "v" and len(first.word) == 2 \
            and is_programme_name(surface) and is_programme_name(surface[2:]):
        # 提高健康素养促进行动的质量: the verb takes what follows 的 as its object; the name starts after it
        # (only a boundary fix: 形成特定部门实施计划的…, a clause, stays no name)
        start += 2
        surface = text[start:end]
    if raw.suffix in lexicon.words("programme_verb_suffixes"):
        if raw.verb not in _PLAN_VERBS or len(display_name(surface)) < 5:
            return None
    elif not is_programme_name(surface):
        after = _after_preposition(surface)
        if after is None or not is_programme_name(surface[after:]):
            return None
        start += after  # 我国在爱国卫生运动等方面: the preposition's object is the name
        surface = text[start:end]
    if count_before(text, passage.start, start) or count_after(text, raw.end, passage.end) \
            or _modifier_after(text, raw.end, passage.end):
        return None
    if text.startswith("暨", raw.end):
        return None  # 某项目暨技能培训班: the first part of one event's name
    if start > passage.start and text[start - 1] == "的" and "“" not in surface and not re.match(r"\d{4}年", surface):
        return None  # 符合条件的…服务项目: a class described by a clause (联合开展的2023年度…活动 is dated: one event)
    return Candidate(ENTITY_TYPE, start, end, passage, display_name(surface), name_key(surface))


@lru_cache(maxsize=1)
def _body_suffixes() -> tuple[str, ...]:
    return tuple(w for w in lexicon.words("institution_suffixes") if len(w) >= 2)


def _complete_from_document(text: str, found: list[Candidate]) -> list[Candidate]:
    """A name read without a leading word that is also a filler (主动 of 主动筛查干预行动 taken for
    the adverb) becomes the fuller name the document also writes where the text has that word."""
    fuller = {c.label for c in found}
    for candidate in found:
        for name in fuller:
            extra = len(name) - len(candidate.label)
            if extra > 0 and name.endswith(candidate.label) and candidate.start - extra >= candidate.passage.start \
                    and name[:extra] in lexicon.words("leading_fillers") \
                    and text[candidate.start - extra:candidate.start] == name[:extra]:
                candidate.start -= extra
                candidate.label, candidate.key = name, name_key(name)
                break
    return found


def find_programmes(ctx: DocContext) -> list[Candidate]:
    """Every programme name in the document's passages (not inside 《》 or 专栏 item titles)."""
    text = ctx.text
    skip = [*ctx.titles, *ctx.item_titles.values()]
    out: list[Candidate] = []
    for passage in ctx.passages:
        for raw in find_raw_names(text, passage.start, passage.end, suffixes(), stops=_STOPS, skip=skip):
            quoted = whole_quote(text, passage.start, raw)
            if quoted is not None and in_open_quote(text, passage.start, raw.start):
                raw = quoted  # “某某与某某协同发展行动”是…: a verb inside the quotes does not start the name
            listed = _list_elements(raw, text, ctx, passage)
            if listed is not None:
                out.extend(listed)
                continue
            candidate = _judge(raw, raw.start, ctx, passage)
            if candidate is None and raw.verb in lexicon.words("verbs_allowed_inside"):
                # 某某产业发展协同行动: a verb that also stands inside names (发展, 协同) cut the name
                # to what says nothing; the whole clause may be the name, unless a body or a list starts
                # it (某市、某市卫生健康委…发展合作系列签约活动: the organisers of an event)
                whole = strip_leading(text, raw.clause_start, raw.suffix_start)
                first = next(iter(lexicon.tagged(text[whole:raw.start])), None)
                if first is not None and first.flag == "v" and len(first.word) == 2:
                    whole += 2  # 提出…发展协同行动: the clause's own verb starts no name
                before = text[whole:raw.start]
                if "、" not in before and not any(w in before for w in lexicon.words("institution_suffixes")):
                    candidate = _judge(RawName(whole, raw.end, raw.suffix, raw.suffix_start, "", raw.clause_start),
                                       whole, ctx, passage)
            if candidate is not None:
                out.append(candidate)
    return _complete_from_document(text, out)


@lru_cache(maxsize=1)
def _count_start() -> re.Pattern[str]:
    units = "|".join(re.escape(u) for u in lexicon.words("count_units"))
    return re.compile(rf"[一二三四五六七八九十两几数每]+(?:{units})")


def _starts_with_count(name: str) -> bool:
    """True when a numeral and a measure word start ``name`` (一份检查计划, 两项行动): one of a kind."""
    return _count_start().match(name) is not None
