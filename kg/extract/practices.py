"""Practices: named ways of working — models and experiences (…模式, …经验).

Policy text uses 模式 and 经验 constantly in generic phrases (服务模式, 治理模式, 典型经验),
so a practice is kept only when its text marks it as a coined name:

* it is quoted — “宾川模式”, “某某结合”模式, 县域医改“云南模式”, 新时代“某某经验”; a
  quoted practice starts at its first quote (“一站式”服务模式, not the list before it);
* it starts with a city or county — 祥云县国家基层卫生健康综合试验区经验 — or is a province's
  name and the type word alone (浙江经验); or
* it is short and follows a verb of adoption (学习推广某某医改经验, 推广某某专项救治模式).

Once places, quotes and the type word are taken off, what remains must not be made only of
generic words (服务, 管理, 发展 …, ``[generic_practice_words]``).
"""

from __future__ import annotations

import re

from kg.extract import lexicon
from kg.extract.context import Candidate, DocContext
from kg.extract.spans import display_name, find_raw_names, name_key, squeeze

ENTITY_TYPE = "Practice"
_STOPS = frozenset("的为将把被于了是让使给")
_QUOTED_WITH_DE = re.compile(r"“[^“”\n]{4,40}”的(?:模式|经验|做法)")
#: 形成线上全程网办、线下专窗受理的一体化服务新模式: parallel phrases of one length, joined by 、 and
#: closed by 的 …模式, after a verb of forming: a coined formula written without quotes.
_FORMULA = re.compile(r"(?P<parts>(?:[\u4e00-\u9fff]{3,8}、)+[\u4e00-\u9fff]{3,8})的(?P<head>[\u4e00-\u9fff]{0,8}?(?:模式|经验))")


def _place_with_de(text: str, low: int, start: int) -> int:
    """Where a practice name starts that 的 joins to the place leading its clause (芬兰的X模式,
    某县的“Y”经验: the place's own practice); else ``start``."""
    if start - 1 <= low or text[start - 1] != "的":
        return start
    for length in range(min(8, start - 1 - low), 1, -1):
        begin = start - 1 - length
        place = lexicon.place_at_any(text, begin)
        if place is not None and len(place[0]) == length and (
                begin == low or not "\u4e00" <= text[begin - 1] <= "\u9fff"):
            return begin
    return start


def find_practices(ctx: DocContext) -> list[Candidate]:
    """Every named practice in the document's passages."""
    text = ctx.text
    suffixes = lexicon.words("practice_suffixes")
    skip = [*ctx.titles, *ctx.item_titles.values()]
    out: list[Candidate] = []
    for passage in ctx.passages:
        for raw in find_raw_names(text, passage.start, passage.end, suffixes, stops=_STOPS, skip=skip):
            start = _place_with_de(text, passage.start, raw.start)
            surface = text[start:raw.end]
            # Some texts quote with ASCII marks ("某某"跨部门联合监管模式): a pair of them quotes as “” do.
            quote = surface.find("“") if "“" in surface else surface.find('"') if surface.count('"') >= 2 else -1
            lead = lexicon.place_at(surface)
            if quote > 0 and (not lead or lexicon.has_verb(surface[len(lead[0]):quote])):
                # 郫都区创新推出“医防融合一体化”模式: a verb between the place and the quote ends the name.
                start, surface = start + quote, surface[quote:]
            name = display_name(surface)
            place = lexicon.place_at_any(re.sub(r"^[“‘]", "", name))
            core = name[len(place[0]):] if place else name
            specific = re.sub(r"[“”‘’\"]", "", core[:len(core) - len(raw.suffix)])
            if place and not specific:
                if place[1] in lexicon.words("foreign_places"):
                    continue  # 芬兰经验: a country's experience, described; a county's (上林经验) is coined
                specific = place[0]  # 上林模式: the place is what names it
            if len(specific) < 2 or lexicon.covered_by(specific, "generic_practice_words"):
                continue
            if "“" not in surface and surface.count('"') < 2 and any(t.flag in ("t", "d") for t in lexicon.tagged(specific)):
                continue  # 某国目前治理模式: a time word or an adverb describes the model, names none
            clause = squeeze(text[raw.clause_start:start])
            adopted = any(v in clause for v in lexicon.words("practice_verbs")) and \
                len(specific) <= (12 if raw.suffix == "经验" else 6)  # 推广社会心理服务体系建设经验
            quoted = "“" in surface or surface.count('"') >= 2 or (
                text[start - 1:start] == "“" and text[raw.end:raw.end + 1] == "”")
            # A city or county names a practice (上林模式); a province only when nothing else does
            # (浙江经验, not 云南名中医专家学术经验).
            local = place is not None and (lexicon.place_level(place[1]) != "province" or len(core) - len(raw.suffix) <= 1)
            if not (quoted or local or adopted):
                continue
            out.append(Candidate(ENTITY_TYPE, start, raw.end, passage, name, name_key(name),
                                 place=place[1] if place else None))
        for match in _FORMULA.finditer(text, passage.start, passage.end):
            parts = match.group("parts").split("、")
            before = text[max(passage.start, match.start() - 4):match.start()]
            verb = next((v for v in lexicon.words("formula_verbs") if parts[0].startswith(v) or before.endswith(v)), None)
            if verb is None:
                continue
            start = match.start() + (len(verb) if parts[0].startswith(verb) else 0)
            parts[0] = parts[0].removeprefix(verb) if parts[0].startswith(verb) else parts[0]
            if len({len(p) for p in parts}) != 1 or any(c.start < match.end() and start < c.end for c in out):
                continue  # phrases of unequal length are a list, not a formula
            name = text[start:match.end()]
            out.append(Candidate(ENTITY_TYPE, start, match.end(), passage, name, name_key(name)))
        # “大专科、小综合、强专病”的模式: a quoted formula joined to the type word by 的.
        for match in _QUOTED_WITH_DE.finditer(text, passage.start, passage.end):
            if any(c.start <= match.start() < c.end for c in out):
                continue
            name = match.group(0)
            out.append(Candidate(ENTITY_TYPE, match.start(), match.end(), passage, name, name_key(name)))
    return out
