"""Targets and deadlines stated in running text, in any document (到2030年，…达到90%以上).

A target is a clause that names a quantity a subject must reach, with or without a deadline:

* the **deadline** is ``到2025年`` / ``2030年`` / ``2025年底前`` / ``到2025年6月`` at the start of the
  sentence or clause (the end of that year or month; ``截至2022年底`` dates a value reached and is none), or a relative ``3年内`` / ``3-6年内`` counted
  from the document's date (the upper bound of a range). A deadline holds for the clauses after it
  in the same sentence;
* the **value** follows a target verb (``[target_verbs]``: 达到, 不低于, 控制在, 覆盖 …): a number with
  an optional range, unit and bound (90%以上, 6至10个, 不低于2小时). Verbs that state the bound
  themselves (不低于, 不少于, 至少 …, ``[target_bound_verbs]``; 低于, 超过 …, ``[target_comparator_verbs]``)
  are kept in the value, as the text
  writes it;
* the **subject** is what stands between the clause start (after the deadline and words like
  我省/全省, ``[target_fillers]``) and the verb;
* ``A和B分别控制在X和Y以下`` gives one target per subject, each with its value;
* under a deadline, a clause with an outcome phrase and no number (``[target_outcomes]``:
  得到有效遏制, 进一步提升, 全面落实 …) is a qualitative target (value None).

A statement of what *was* achieved (已达到, 达到了), or a number with neither a deadline nor a target
word (``[target_cues]``: 力争, 确保, 要 …) before it, is an observation, not a target, and is skipped.
Dates are parsed by these rules, not by JioNLP's time parser: on the deadline expressions of the
devcorpus gold (到2030年, 3-6年内, 3年内, 2025年7月1日, 到2025年 …) the rules give the annotated date
for all, JioNLP for 6 of 8 (3-6年内 → a date in the past, 3年内 → end of the year), and it reads
1800张 as the year 1800 when given a whole clause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from kg.extract import lexicon

_NUMBER = r"\d+(?:\.\d+)?"
_UNIT = r"(?:%|‰|个百分点|个|家|所|张|名|人次|人|条|小时|分钟|岁|年|万人|万|亿元|亿|元|项|次|种|台|公斤|千克|平方米|米)"
_VALUE = rf"(?:{_NUMBER}(?:\s*[至\-~—－]\s*{_NUMBER})?\s*{_UNIT}?|[一两二三四五六七八九十]{{1,3}}(?:名|个|家|所|支|座))(?:以上|以下|左右|以内)?"
_DEADLINE = re.compile(r"(到|至|截至|力争到|力争)?\s*(\d{4})\s*年(?:(\d{1,2})\s*月(?:(\d{1,2})\s*日)?)?(底|末)?(前|以前)?")
#: 年底前 with no year: the end of the document's year (a report's 年内新增… is what the year brought).
_THIS_YEAR = re.compile(r"^(?:今年|本年度?)?(?:年底前|年底以前)")
#: A share of units before what they are to do, with no verb before the number (年底前80%的县区开展某某服务,
#: 在10%的村卫生室开展某某角建设): the clause after the units is the subject.
_SHARE = re.compile(rf"(?:^|(?P<lead>在|完成|实现))(?P<value>{_NUMBER}%)的?(?P<rest>[^，,]{{2,40}})$")
_SHARE_TASK = re.compile(r"(?P<units>.{2,20}?)(?P<task>(?:开展|实现|完成|建成)(?P<object>.{2,20}))$")
#: A longer "subject" is a clause the rules could not cut (…统筹二、三级医院…等方式做到每周).
_MAX_SUBJECT = 30
_RELATIVE = re.compile(r"(\d+)(?:\s*[至\-~—－]\s*(\d+))?\s*年内")


@dataclass(frozen=True)
class ProseTarget:
    """One target read from a sentence."""

    start: int  # offsets of the quote (deadline or clause start → end of the value)
    end: int
    subject: str
    value: str | None  # None for a goal stated without a number
    deadline: str | None  # ISO date
    worded: bool = False  # the deadline is said in words (到2027年, …年底前, 3年内), not a bare year


@lru_cache(maxsize=1)
def _verb_word() -> re.Pattern[str]:
    return re.compile("|".join(re.escape(v) for v in sorted(lexicon.words("target_verbs"), key=len, reverse=True)))


@lru_cache(maxsize=1)
def _verb_pattern() -> re.Pattern[str]:
    verbs = "|".join(re.escape(v) for v in lexicon.words("target_verbs"))
    return re.compile(rf"(?P<verb>{verbs})\s*(?P<value>{_VALUE})")


def _iso(year: int, month: int | None) -> str:
    if month is None or not 1 <= month <= 12:
        return f"{year:04d}-12-31"
    following = date(year + (month == 12), month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1).isoformat()


def parse_deadline(clause: str, issued: str = "") -> str | None:
    """The ISO deadline a clause states (到2030年 → 2030-12-31; 3-6年内 from ``issued``)."""
    match = _DEADLINE.search(clause)
    if match and match.group(1) == "截至":
        return None  # 截至2022年底: "as of", the date of a value reached, not a deadline
    if match and 2000 <= int(match.group(2)) <= 2100:
        year = int(match.group(2))
        # A bare year (2022年本市…达到83.18岁) is a deadline only when it is not before the document's year.
        marked = match.group(1) or match.group(5) or match.group(6)
        if marked or (re.match(r"\d{4}", issued or "") and year >= int(issued[:4])):
            if match.group(4) and match.group(3):
                try:
                    return date(year, int(match.group(3)), int(match.group(4))).isoformat()
                except ValueError:
                    pass
            return _iso(year, int(match.group(3)) if match.group(3) else None)
        return None
    if _THIS_YEAR.search(clause.strip()) and re.match(r"\d{4}", issued or ""):
        return _iso(int(issued[:4]), None)  # 年底前70%统筹地区…: the end of the document's year
    relative = _RELATIVE.search(clause)
    if relative and re.fullmatch(r"\d{4}-\d{2}-\d{2}", issued or ""):
        years = int(relative.group(2) or relative.group(1))
        year, month, day = (int(p) for p in issued.split("-"))
        return date(year + years, month, min(day, 28) if month == 2 else day).isoformat()
    return None


def says_deadline(quote: str) -> bool:
    """True when a target's quote states its deadline in words (到2027年, 2026年底前, 力争2026年, 3年内),
    not by a bare year, which a report also writes of the values it reached (2023年，…达到91.2%)."""
    match = _DEADLINE.search(quote)
    if match and (match.group(1) not in (None, "截至") or match.group(6)):
        return True
    return bool(_RELATIVE.search(quote) or _THIS_YEAR.search(quote))


_ENUMERATOR = re.compile(r"^(?:[一二三四五六七八九十]+是|其中|同时)[，,]?")


def _strip_subject(text: str) -> str:
    text = _ENUMERATOR.sub("", text.strip("，,、：: "))
    # 人均财政补助标准达到每人每年不低于640元: the subject ends where a first target verb stands
    inner = _verb_word().search(text)
    if inner and inner.start() >= 2:
        text = text[:inner.start()]
    changed = True
    while changed:
        changed = False
        for filler in lexicon.words("target_fillers"):
            if text.startswith(filler):
                text, changed = text[len(filler):].lstrip("，,、 "), True
    return text


def _ends_with_verb(subject: str) -> bool:
    """True when jieba reads a verb (not a verbal noun) as the subject's last word (各市遴选, 药店配备):
    what the value counts is the verb's object after it."""
    tokens = lexicon.tagged(subject) if subject else []
    return bool(tokens) and tokens[-1].flag == "v" and len(tokens[-1].word) >= 2


def find_targets(text: str, issued: str = "") -> list[ProseTarget]:
    """Every quantified target of ``text`` (``issued``: the document's ISO date, for 3年内)."""
    out: list[ProseTarget] = []
    deadline: str | None = None
    worded = False
    line_end = -1
    cues = lexicon.words("target_cues")
    for sentence in re.finditer(r"[^。；;！？\n]+", text):
        body, base = sentence.group(0), sentence.start()
        if base > line_end:  # a deadline holds to the end of its paragraph
            deadline = None
            line_end = text.find("\n", base)
            line_end = len(text) if line_end < 0 else line_end
        clause_start = 0
        in_sentence = False  # the sentence itself states the deadline (not an earlier one of its paragraph)
        for clause in re.finditer(r"[^，,]+", body):
            piece = clause.group(0)
            stated = parse_deadline(piece, issued)
            in_sentence = in_sentence or stated is not None
            if stated is not None:
                deadline, worded = stated, says_deadline(piece)
            for match in _verb_pattern().finditer(piece):
                before = piece[:match.start()]
                if re.search(r"已|了$|已经", before[-3:]) or piece[match.end():match.end() + 1] == "了":
                    continue  # 已达到: an achievement, not a target
                head = _DEADLINE.search(before) or _RELATIVE.search(before)
                subject_text = before[head.end():] if head else before
                verb, value = match.group("verb"), match.group("value").strip()
                said = body[:clause.start() + match.start()]
                if deadline is None and verb not in lexicon.words("target_bound_verbs") \
                        and not any(c in said for c in cues):
                    continue  # 超重率超过30%: a number with no deadline and no target word is a fact
                if verb in lexicon.words("target_bound_verbs") or verb in lexicon.words("target_comparator_verbs"):
                    value = verb + value
                quote_start = base + clause.start() + (head.start() if head else 0)
                if stated is None and clause.start() > clause_start and deadline is not None:
                    quote_start = base + clause.start()
                quote_end = base + clause.start() + match.end()
                split = _respectively(subject_text, piece[match.end():], value)
                if split:
                    for subject, each in split:
                        out.append(ProseTarget(quote_start, quote_end + len(split[-1][1]) - len(value),
                                               subject, each, deadline, worded))
                    break
                subject = _strip_subject(subject_text)
                frequency = _frequency(subject, value, piece[match.end():])
                if frequency is not None:
                    # 每周至少3个工作日有一名医师在机构值守门诊服务: a quota of days in a period; what is
                    # done on them is the subject
                    subject, value, tail = frequency
                    out.append(ProseTarget(quote_start, quote_end + tail, subject, value, deadline, worded))
                    continue
                if verb in lexicon.words("target_object_verbs") or _ends_with_verb(subject):
                    # 至少建立1家危重儿童救治中心, 建成2至3个省级重点专科, 各市遴选不少于100种…药品品种:
                    # the subject is the object. With nothing after the value (定向委托培养不少于4500人),
                    # the value's unit is the object and the subject stays.
                    rest = re.match(r"[^，,、]*", piece[match.end():])
                    object_ = rest.group(0).removeprefix("的").strip("“”") if rest else ""
                    if object_ or verb in lexicon.words("target_object_verbs"):
                        subject = object_
                        quote_end += len(rest.group(0)) if rest else 0
                # 村医高职（专科）学历提升: a bracketed qualifier inside the subject is part of it
                if 2 <= len(subject) <= _MAX_SUBJECT and not re.search(r"[：:]", subject) \
                        and not re.search(r"[（(]", re.sub(r"[（(][^（）()、，,]{1,8}[）)]", "", subject)):
                    out.append(ProseTarget(quote_start, quote_end, subject, value, deadline, worded))
            share = _share(piece) if not _verb_pattern().search(piece) else None
            cue_said = share is not None and any(
                c in text[_sentence_start(text, base):base + clause.start() + share[0]] for c in cues)
            if share is not None and (deadline is not None or cue_said):
                at, subject, value = share
                out.append(ProseTarget(base + clause.start() + at, base + clause.end(), subject, value, deadline,
                                       worded))
            elif deadline is not None and not _verb_pattern().search(piece):
                qualitative = _qualitative(piece, base + clause.start(), in_sentence)
                if qualitative is not None:
                    start, end, subject = qualitative
                    out.append(ProseTarget(start, end, subject, None, deadline, worded))
    return out


_PERIOD = re.compile(r"每(?:周|月|年|日|天|季度|半年)$")
_PERIOD_UNIT = re.compile(r"(?:个)?(?:工作日|天|日|小时|个月|次)")


def _frequency(subject: str, value: str, after: str) -> tuple[str, str, int] | None:
    """(subject, value, characters taken after the value) of a quota per period (每周至少3个工作日…):
    the value is the period and its count; the subject is what the rest of the clause says is done
    then, from its last verb (…人员在机构值守门诊服务 → 值守门诊服务). None for any other target."""
    period = _PERIOD.search(subject)
    unit = _PERIOD_UNIT.match(after) or (re.match("", after) if re.search(r"(?:次|小时|天|日)(?:以上)?$", value) else None)
    if period is None or unit is None:
        return None  # (每月不少于2次: the unit is already in the value)
    rest = re.match(r"[^，,、]*", after[unit.end():]).group(0)
    position, start = 0, 0
    for token in lexicon.tagged(rest):
        if token.flag == "v" and len(token.word) >= 2:
            start = position
        position += len(token.word)
    action = rest[start:].strip()
    if not 2 <= len(action) <= _MAX_SUBJECT:
        return None
    return action, period.group(0) + value + unit.group(0), unit.end() + len(rest)


def _share(piece: str) -> tuple[int, str, str] | None:
    """(start, subject, value) of a target set as a share of units, with no verb before the number:
    完成15%的X建设 (X建设), 在10%的村卫生室开展某某角建设 (某某角建设), 年底前80%的县区开展某某服务
    (县区开展某某服务: the units and their task). None for anything else, and for a share
    reached (…开展了…, 已…)."""
    body = _THIS_YEAR.sub("", piece.strip())
    offset = piece.find(body) if body else 0
    match = _SHARE.search(body)
    if match is None or re.search(r"已|了", match.group("rest")):
        return None
    lead, rest = match.group("lead"), match.group("rest")
    if lead in ("完成", "实现"):
        subject = rest
    else:
        task = _SHARE_TASK.match(rest)
        if task is None:
            return None
        subject = task.group("object") if lead == "在" else rest
    return offset + match.start(), _strip_subject(subject), match.group("value")


def _sentence_start(text: str, position: int) -> int:
    """Where the sentence holding ``position`` starts: a cue (确保, 鼓励 …) at its head governs
    the parts after its semicolons too."""
    return max(text.rfind("。", 0, position), text.rfind("\n", 0, position)) + 1


def _qualitative(piece: str, offset: int, in_sentence: bool = True) -> tuple[int, int, str] | None:
    """(start, end, subject) of a clause that states an unquantified goal under a deadline
    (儿童发生溺水事故得到有效遏制, 全面落实…评估工作), or None."""
    head = _DEADLINE.search(piece)
    body_start = head.end() if head and head.start() <= 2 else 0
    body = piece[body_start:].strip("，, ")
    outcomes = lexicon.words("target_outcomes")
    if in_sentence:
        # 到2026年，…，同时解决X问题: a verb of intent is a goal only in the sentence that dates it
        # (a later 通过多种方式解决X is a measure)
        outcomes = (*outcomes, *lexicon.words("target_sentence_outcomes"))
    for outcome in outcomes:
        at = body.find(outcome)
        if at < 0:
            continue
        if at == 0 or len(_strip_subject(body[:at])) < 2 < len(body) - at - len(outcome):
            subject = body[at + len(outcome):]  # 全面落实X, 同时解决X: the outcome's object
        elif body.endswith(outcome) or at + len(outcome) < len(body):
            subject = body[:at]
        else:
            continue
        subject = _strip_subject(re.sub(r"(?:能够|得到|进一步|基本|全面)$", "", subject))
        if len(subject) >= 3:
            start = offset + piece.find(body)
            return start, start + len(body), subject
    return None


def _respectively(subjects: str, after: str, first_value: str) -> list[tuple[str, str]] | None:
    """``A和B分别控制在X和Y以下``: [(A, X), (B, Y以下)], or None."""
    if not subjects.rstrip().endswith("分别"):
        return None
    names = [s for s in re.split(r"和|、|及", _strip_subject(subjects.rstrip()[:-2])) if s]
    more = re.match(rf"(?:(?:和|、|及)\s*{_VALUE})+", after)
    values = [first_value] + (re.findall(_VALUE, more.group(0)) if more else [])
    if len(names) < 2 or len(names) != len(values):
        return None
    return list(zip(names, values))
