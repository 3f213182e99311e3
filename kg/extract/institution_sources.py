"""Where a document's institutions come from: every raw name judged (:mod:`kg.extract.institutions`
decides what a name is), then the later uses of short names a document introduces
（简称：X）, outlets in credit lines and official accounts, bracketed other names, and, across
documents, short forms of known bodies and the members of the groups they form.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kg.extract import lexicon
from kg.extract.context import Candidate, DocContext
from kg.extract.institutions import (
    ENTITY_TYPE,
    STOPS,
    WHOLE_KINDS,
    suffix_kinds,
    suffixes,
    suffix_of,
    kind_of,
    judge,
    run_together,
    bare_body,
    institution_key,
)
from kg.extract.spans import find_raw_names, squeeze
from kg.records import Passage


def find_institutions(ctx: DocContext) -> list[Candidate]:
    """Every institution name in the document's passages (nested names resolved)."""
    text = ctx.text
    out: list[Candidate] = []
    shorts: list[Candidate] = []  # short names the document introduces (（简称：…）)
    central = lexicon.words("central_bodies")
    for passage in ctx.passages:
        found: list[Candidate] = []
        raws = find_raw_names(text, passage.start, passage.end, suffixes(), stops=STOPS,
                              conditional=frozenset({"与", "和"}), max_len=40, skip=ctx.titles, min_rest=1, generic=None,
                              verb_sections=("introducing_verbs", "institution_verbs"), join_needs_verb=False)
        raws = [part for raw in raws for part in run_together(text, raw)]
        previous: Candidate | None = None
        for raw in sorted(raws, key=lambda r: (r.start, -r.end)):
            candidate = judge(raw, ctx, passage, previous)
            if candidate is not None:
                for join in lexicon.words("sub_body_joins"):  # 领导小组下设办公室 → 领导小组办公室
                    if join in candidate.label:
                        candidate.label = candidate.label.replace(join, "")
                        candidate.key = candidate.key.replace(join, "")
                found.append(candidate)
                previous = candidate
        continuations = tuple(lexicon.words("central_body_continuations"))
        for body in central:
            for match in re.finditer(re.escape(body), text[passage.start:passage.end]):
                start = passage.start + match.start()
                if text.startswith(continuations, start + len(body)):
                    continue  # 财政部门, 新华社区: the name starts a longer word
                found.append(Candidate(ENTITY_TYPE, start, start + len(body), passage, body,
                                       institution_key(body, ctx), anchored=True))
        credits = _media_credits(ctx, passage)
        # 来源：某某客户端某某日报: a name that holds two outlets of a credit is those outlets, not one body
        found = [c for c in found if sum(c.start <= k.start and k.end <= c.end for k in credits) < 2]
        found.extend(credits)
        found.extend(_accounts(ctx, passage))
        found.extend(_divisions(ctx, passage, found))
        kept = _longest_first(found)
        aliases = _bracketed_aliases(ctx, passage, kept, shorts)
        # 江阴市人民医院（江阴市第一人民医院）: the bracketed name is the outer body's alias, not a body
        spans = {(a.start, a.end) for a in aliases}
        out.extend(k for k in kept if (k.start, k.end) not in spans)
        out.extend(aliases)
    return out + _short_name_mentions(ctx, shorts, out)


def _short_name_mentions(ctx: DocContext, shorts: list[Candidate], found: list[Candidate]) -> list[Candidate]:
    """Later occurrences of a short name a document introduces (（简称：健康促进办）… 向健康促进办汇报)
    are the body it was introduced for, wherever no other name covers them."""
    text = ctx.text
    out: list[Candidate] = []
    taken = [(c.start, c.end) for c in found]
    for short in shorts:
        surface = text[short.start:short.end]
        for passage in ctx.passages:
            position = text.find(surface, max(passage.start, short.end), passage.end)
            while position >= 0:
                end = position + len(surface)
                if not any(a < end and position < b for a, b in taken):
                    out.append(Candidate(ENTITY_TYPE, position, end, passage, short.label, short.key,
                                         place=short.place, anchored=True))
                    taken.append((position, end))
                position = text.find(surface, end, passage.end)
    return out


@lru_cache(maxsize=1)
def _division_pattern() -> re.Pattern[str]:
    """Two to six characters (group 1) and a division word, of any length (``[division_words]``)."""
    return re.compile(rf"([\u4e00-\u9fff]{{2,6}}?)(?:{lexicon.alternation('division_words').pattern})")


def _divisions(ctx: DocContext, passage: Passage, found: list[Candidate]) -> list[Candidate]:
    """A government body's internal division written right after its name (某省卫生健康委某某处指导):
    two to six characters and a division word (``[division_words]``) that end a word as jieba reads
    it (not 处长, 处理), with no verb or generic word in them (…委各处, …局办理), and not followed by a
    person's title (…处副处长). The division is a body of its own, keyed under its parent."""
    text = ctx.text
    out = []
    for parent in found:
        if suffix_kinds().get(suffix_of(parent.label) or "") != "gov":
            continue
        match = _division_pattern().match(text, parent.end, passage.end)
        if match is None or text.startswith(lexicon.words("job_titles"), match.end()):
            continue  # 某厅社保处副处长: a job title; the body named is the parent
        extension, head = match.group(0), match.group(1)
        tokens = lexicon.tagged(text[parent.end:min(passage.end, match.end() + 2)])
        ends, position = set(), 0
        for token in tokens:
            position += len(token.word)
            ends.add(position)
        if len(extension) not in ends or suffix_of(head) or any(t.flag.startswith(("v", "r", "m", "p", "c", "d"))
                                                               for t in lexicon.tagged(head)) \
                or head.startswith(tuple(lexicon.words("determiners"))) \
                or lexicon.covered_by(head, "generic_institution_words"):
            continue
        out.append(Candidate(ENTITY_TYPE, parent.start, match.end(), passage, parent.label + extension,
                             parent.key + extension, place=parent.place, anchored=True))
    return out


@lru_cache(maxsize=1)
def _media_pattern() -> re.Pattern[str]:
    words = lexicon.alternation("media_words").pattern
    cues = "|".join(lexicon.words("media_cues"))
    leads = "|".join(f"(?<={re.escape(w)})" for w in lexicon.words("media_leads"))
    accounts = lexicon.alternation("account_words").pattern
    name = rf"[\u4e00-\u9fff]{{1,8}}?(?:{words})"
    # 1: an outlet before a credit cue (某某日报记者, 某某报讯); 2: after a source word, one outlet or
    # several, listed with 、 or run together (来源：某某晚报, 来源：某某网、某某都市报, 来源：某某客户端某某日报),
    # the last one perhaps glued to a place (group 3: 来源：某某网某市, checked in code); 4: a byline in
    # brackets, the outlet then its reporter (（某某日报健康客户端 张某）); 5: the outlet whose account a
    # repost names (转载请注明来自某某发布官方微信). The outlet's other name may stand in brackets before
    # the cue (某某网（某某日报网）讯), and a source note may close a bracket (（来源：某某新闻）).
    return re.compile(rf"(?:^|(?<=[\n\t ：:，。）]))((?:{name}[、·/／])*{name})(?:[（(]{name}[）)])?(?=\s?(?:{cues}))"
                      rf"|(?:{leads})\s*((?:{name}[、·/／]?)*{name})([\u4e00-\u9fff]{{2,4}})??(?=[\s，。）)]|$|{cues})"
                      rf"|(?<=[（(])({name})(?=\s[\u4e00-\u9fff]{{2,4}}[）)])"
                      rf"|(?<=来自)({name})(?={accounts})", re.M)


@lru_cache(maxsize=1)
def _outlet_name() -> re.Pattern[str]:
    """One outlet's name (the shortest that ends with a media word), to cut a credit into outlets."""
    return re.compile(rf"[\u4e00-\u9fff]{{1,8}}?(?:{lexicon.alternation('media_words').pattern})")


def _outlets(credit: str) -> list[str]:
    """The outlets of one credit: 、 or ／ between them, or none (某某客户端某某日报 is two)."""
    out = []
    for part in re.split("[、·/／]", credit):
        position = 0
        while position < len(part):
            match = _outlet_name().match(part, position)
            if match is None:
                out[-1:] = [out[-1] + part[position:]] if out else [part[position:]]
                break
            out.append(match.group(0))
            position = match.end()
    return out


def _media_ending(name: str) -> str:
    """The media word ``name`` ends with (``[media_words]``, longest first), or ""."""
    return next((w for w in lexicon.words("media_words") if name.endswith(w) and len(w) < len(name)), "")


def _clause_not_outlet(name: str) -> bool:
    """True when a credit-cued name is a clause (接受新闻记者): a verb before its media word, or, when the
    media word is itself a verb (某省发布, an official account), an adverb, time word, pronoun or number
    before it (近日发布)."""
    ending = _media_ending(name)
    rest = name[:len(name) - len(ending)]
    if lexicon.has_verb(rest):
        return True
    return lexicon.has_verb(ending) and any(t.flag[:1] in ("d", "t", "r", "m", "p") for t in lexicon.tagged(rest))


def _edition_place(text: str, end: int, high: int, outlet: str = "") -> int:
    """Length of a place glued to an outlet's name that names the outlet's regional edition (某某网某市
    at a line's end), 0 when there is none or the place is a dateline's (某某网某市7月31日电: the place
    the story was filed from). In 某某网某省新闻12月6日电 the place names a regional channel: the edition
    only where the text's own source line names it (来源：某某网某省), else the outlet is 某某网."""
    place = lexicon.place_at(text, end)
    if place is None or end + len(place[0]) > high:
        return 0
    after = end + len(place[0])
    if after == high or text[after] in "\n\t ，。":
        return len(place[0])
    if outlet and text.startswith(tuple(lexicon.words("media_words")), after) and \
            re.search(rf"{re.escape(outlet + place[0])}(?:$|[\n\t ，。）)])", text, re.M):
        return len(place[0])
    return 0


def _media_credits(ctx: DocContext, passage: Passage) -> list[Candidate]:
    """News outlets named in a credit line: 某某日报记者, 来源：某某晚报, 某某网、某某都市报记者,
    来源：某某客户端某某日报 (two outlets run together), 来源：某某网某市 (an outlet's regional edition)."""
    out = []
    text, title = ctx.text, ctx.document.meta.title
    matches: list[tuple[re.Match[str], int]] = [(m, 0) for m in _media_pattern().finditer(text, passage.start, passage.end)]
    # where the headline ends when the text starts with it, perhaps after a label (原标题：)
    title_end = text.find(title, 0, len(title) + 8) + len(title) if title and title in text[:len(title) + 8] else -1
    if title_end > 0 and passage.start <= title_end < passage.end:
        # 标题新华网哈尔滨3月5日电: a headline joined to the dateline that follows it
        head = text[title_end:passage.end]
        matches += [(m, title_end) for m in _media_pattern().finditer(head) if m.start() == 0]
    for match, offset in matches:
        group = next(g for g in (1, 2, 4, 5) if match.group(g))  # the alternative that matched
        if group == 2 and match.group(3) and not _edition_place(match.group(0), match.start(3) - match.start(),
                                                                 match.end() - match.start()):
            continue  # 来源：某某网评论: what follows the outlet is no place
        position = offset + match.start(group)
        names = _outlets(match.group(group)) if group == 2 else re.split("[、·/／]", match.group(group))
        for index, name in enumerate(names):
            start = text.find(name, position, offset + match.end(group))
            start = position if start < 0 else start
            position = start + len(name)
            # 接受新闻记者: a verb makes it a clause; in a joined credit (某某网·某某新闻) every part is an
            # outlet, whatever the tagger reads in it.
            # An account's name is an outlet whatever it reads as (某某发布官方微信).
            if len(name) < 3 or name.startswith(tuple(lexicon.words("determiners"))) or \
                    len(names) == 1 and group != 5 and _clause_not_outlet(name):
                continue
            half = len(name) // 2
            if len(name) % 2 == 0 and name[:half] == name[half:]:
                name = name[:half]  # 转自：某某网某某网北京…电: the outlet and its dateline, run together
            end = start + len(name)
            if index == len(names) - 1:
                end += _edition_place(text, end, offset + match.end() if group == 2 else passage.end, name)
            label = squeeze(text[start:end]) if end > start + len(name) else name
            out.append(Candidate(ENTITY_TYPE, start, end, passage, label, label, anchored=True))
            other = re.match(rf"[（(]({_outlet_name().pattern})[）)]", text[end:passage.end]) if group == 1 else None
            if other is not None and index == len(names) - 1:
                # 某某网（某某日报网）讯: the bracketed name is the same outlet's other name
                out.append(Candidate(ENTITY_TYPE, end + 1, end + 1 + len(other.group(1)), passage, label, label,
                                     anchored=True))
    return out


@lru_cache(maxsize=1)
def _account_pattern() -> re.Pattern[str]:
    return re.compile(rf"((?:“[^“”，。；]{{2,12}}”[、和及]?)+)等?(?:{lexicon.alternation('account_words').pattern})")


def _accounts(ctx: DocContext, passage: Passage) -> list[Candidate]:
    """Outlets named as accounts: each quoted name before 微信公众号, 客户端 … (“某某发布”“健康新某某”等
    官方微信公众号) is an outlet, whatever its words."""
    out = []
    for match in _account_pattern().finditer(ctx.text, passage.start, passage.end):
        for name in re.finditer(r"“([^“”]+)”", match.group(1)):
            start = match.start(1) + name.start(1)
            label = squeeze(name.group(1))
            out.append(Candidate(ENTITY_TYPE, start, start + len(name.group(1)), passage, label, label, anchored=True))
    return out


def _bracketed_aliases(ctx: DocContext, passage: Passage, found: list[Candidate],
                       shorts: list[Candidate]) -> list[Candidate]:
    """A body's other name in brackets right after it, of the same kind (省委党校（省行政学院）) or
    given as its short name (（简称：健康促进办）, collected in ``shorts``), is an alias of the same
    entity; a body of another kind (宣传部（融媒体中心）) stays a body of its own."""
    text = ctx.text
    out = []
    for candidate in found:
        short = re.match(r"[（(](?:以下)?简称[：:]?“?([^（）()，。、“”]{2,20})”?[）)]", text[candidate.end:passage.end])
        if short is not None:
            # 领导小组办公室（简称：健康促进办）: the short name is the body's own, whatever its ending.
            out.append(Candidate(ENTITY_TYPE, candidate.end + short.start(1), candidate.end + short.end(1), passage,
                                 candidate.label, candidate.key, place=candidate.place, anchored=True))
            shorts.append(out[-1])
            continue
        match = re.match(r"[（(]([^（）()，。、]{2,20})[）)]", text[candidate.end:passage.end])
        if match is None:
            continue
        inner = squeeze(match.group(1))
        inner_suffix, outer_suffix = suffix_of(inner), suffix_of(candidate.label)
        start = candidate.end + 1
        if inner_suffix is None or outer_suffix is None:
            continue
        if kind_of(inner_suffix) != kind_of(outer_suffix):
            # 宣传部（融媒体中心）: a body of another kind in brackets is a unit of its own.
            if inner == inner_suffix and not any(c.start <= start < c.end for c in found):
                out.append(bare_body(ctx, passage, start, start + len(match.group(1)), inner))
            continue
        out.append(Candidate(ENTITY_TYPE, start, start + len(match.group(1)), passage, candidate.label, candidate.key,
                             place=candidate.place, anchored=True))
    return out


def _longest_first(candidates: list[Candidate]) -> list[Candidate]:
    """Drop candidates overlapping a longer one (the inner name of an accepted outer name)."""
    kept: list[Candidate] = []
    for candidate in sorted(candidates, key=lambda c: (-(c.end - c.start), c.start)):
        if not any(k.start < candidate.end and candidate.start < k.end for k in kept):
            kept.append(candidate)
    return sorted(kept, key=lambda c: c.start)


_GROUP_SUFFIXES = ("集团", "联盟", "共同体", "医联体", "医共体", "委员会", "协会", "联合会")
_MEMBERS_BEFORE = re.compile(r"(?:为)?成员单位的?$|(?:共同)?(?:组成|组建|成立|合并成立|整合成立)(?:了|成)?的?$")
_MEMBERS_FROM = re.compile(r"以|由|将|成立|组建")


@lru_cache(maxsize=1)
def _lead_role() -> re.Pattern[str]:
    """What follows a group's lead body: 为 and its role (``[group_lead_roles]``), or 牵头."""
    return re.compile(rf"为(?:{lexicon.alternation('group_lead_roles').pattern})|牵头")


def member_links(ctx: DocContext, candidates: list[Candidate]) -> None:
    """Add ``memberOf`` where a sentence lists the members of a group it names:
    ``以A为总医院，B、C为成员单位的G``, ``由A、B组成的G`` and ``A牵头，B、C共同组建G`` (the links go
    on the members). The lead body (A) gets ``leadsGroup`` instead, so that the graph tells the lead
    from the members; :mod:`kg.query.composition`, which reads the lead's role word and the counted
    members (8家乡镇卫生院, no institutions) from the sentence, finds the lead's full name by it."""
    text = ctx.text
    institutions = sorted((c for c in candidates if c.entity_type == ENTITY_TYPE), key=lambda c: c.start)
    for group in institutions:
        if not group.label.endswith(_GROUP_SUFFIXES):
            continue
        sentence_start = max(group.passage.start, text.rfind("。", 0, group.start) + 1)
        before = text[sentence_start:group.start]
        if not _MEMBERS_BEFORE.search(before):
            continue
        leads = [c for c in institutions if sentence_start <= c.start and c.end <= group.start
                 and _lead_role().match(text, c.end)]
        # Members follow the first 以/由/成立/组建 of the sentence (成都市以A为牵头医院，联合B…组建G), or
        # start at the lead that opens it (A牵头，B、C共同组建G).
        markers = [sentence_start + m.end() for m in _MEMBERS_FROM.finditer(before)] + [c.start for c in leads]
        if not markers:
            continue
        members = [c for c in institutions if min(markers) <= c.start and c.end <= group.start and c.ref != group.ref]
        lead_refs = {c.ref for c in leads}
        for member in members:
            member.links.append(("leadsGroup" if member.ref in lead_refs else "memberOf", group.ref))


def short_form_candidates(ctx: DocContext, known: dict[str, Candidate], taken: list[Candidate]) -> list[Candidate]:
    """Occurrences of known names without their level word (青松山医院 for 自治区青松山医院)."""
    text = ctx.text
    out: list[Candidate] = []
    boundary = set("，。；：、（“ \n") | set("的为以由将在与和及")
    for short, full in known.items():
        if full.place is not None and full.place != ctx.home:
            continue  # 青松山医院 means 自治区青松山医院 only in a document about the same province
        for passage in ctx.passages:
            position = text.find(short, passage.start, passage.end)
            while position >= 0:
                end = position + len(short)
                free = not any(c.start < end and position < c.end for c in taken)
                if free and (position == passage.start or text[position - 1] in boundary):
                    out.append(Candidate(ENTITY_TYPE, position, end, passage, full.label, full.key, place=full.place,
                                         anchored=True))
                position = text.find(short, end, passage.end)
    return out


def known_short_forms(candidates: list[Candidate]) -> dict[str, Candidate]:
    """Names anchored by a national or provincial level word whose rest is still specific:
    the rest alone (青松山医院) refers to the same body."""
    out: dict[str, Candidate] = {}
    for candidate in candidates:
        if candidate.entity_type != ENTITY_TYPE:
            continue
        level = lexicon.level_at(candidate.label)
        if level is None or level.scope not in ("national", "province"):
            continue
        rest = candidate.label[len(level.word):]
        suffix = suffix_of(rest)
        if suffix is None or suffix_kinds()[suffix] in WHOLE_KINDS:
            continue
        specific = rest[:-len(suffix)]
        if len(specific) >= 3 and not lexicon.covered_by(specific, "generic_institution_words") \
                and not lexicon.covered_by(specific, "class_words"):
            out.setdefault(rest, candidate)
    return out
