"""Responsibilities: measures with the units that lead them or take part (pol:Task).

Plans assign each measure to units in two ways, both read here:

* **a responsibility note** in brackets after the measure's paragraph —
  ``（省卫生健康委牵头，省教育厅、省妇联按职责分工负责）``, ``（…负责）``, ``（…配合）``. The units
  before a lead word (``[responsibility_lead_words]``: 牵头, 负责 …) lead; those before a
  co-operation word (按职责分工负责, 配合, 参与 …) take part. A note with no lead word names joint
  leads: every unit is a lead (``（省卫生健康委、省民政厅按职责分工负责）``);
* **a duty table** — a header row whose cells name a unit column (部门, 责任单位, 牵头单位 …) and a
  task column (职责, 主要任务 …), and rows of tab-separated cells below it (how
  :mod:`kg.ingest.sections` lays a table out). Each row is a task of the units in its unit cell
  (``宣传部（融媒体中心）`` and ``工会、团委、妇联等`` name several); a co-operation column
  (配合单位) gives co units.

* **unit lines** under a measure's paragraph — ``牵头单位：X、Y`` (or 责任单位, 牵头部门 …) and
  ``配合单位：Z``;
* **running text**, only where the owner is beyond doubt: the clause's subject is nothing but
  recognised institutions (joined by 、 和 与 及) right before a prose lead word
  (``[responsibility_prose_words]``: 负责, 牵头负责 …; never 负责人) — ``X、Y负责组织实施…``, the
  measure being the rest of the clause (or, for ``X负责。`` alone, the sentence before it);
  ``…工作由X负责``, the measure being what stands before 由; and ``成立X，负责…``, a clause that starts
  with the lead word right after a clause ending with an institution's name. In a plan, a
  sentence whose subject is only institutions followed by 要 (``X要加强…``) is X's task too; in
  news that is reported speech, not an assignment.

The measure of a task is the first sentence of its paragraph or task cell, without its
numbering (``1.强化体重管理科学指导。…`` → 强化体重管理科学指导). Units are the institutions the
institution extractor found inside the note or cell, so every link points at a resolved body; a
unit the extractor did not recognise is left out rather than guessed.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kg.extract import institutions, lexicon
from kg.extract.context import Candidate, DocContext
from kg.extract.spans import squeeze

ENTITY_TYPE = "Task"
_NUMBERING = re.compile(r"^\s*(?:[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、]|[一二三四五六七八九十]+、)\s*")
_NOTE = re.compile(r"[（(]([^（）()]{2,300}(?:[（(][^（）()]{1,30}[）)][^（）()]{0,300})*)[）)]\s*$")


@lru_cache(maxsize=1)
def _words() -> tuple[tuple[str, ...], tuple[str, ...]]:
    return lexicon.words("responsibility_lead_words"), lexicon.words("responsibility_co_words")


def measure_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Where the measure of the paragraph or cell ``text[start:end]`` is: its first sentence, without
    numbering and responsibility note."""
    piece = text[start:end]
    note = _NOTE.search(piece)
    if note is not None:
        piece = piece[:note.start()]
    numbering = _NUMBERING.match(piece)
    offset = numbering.end() if numbering else 0
    first = re.split(r"[。；;]", piece[offset:], maxsplit=1)[0].rstrip("，,：: ")
    return start + offset, start + offset + len(first)


def measure_of(text: str) -> str:
    """The measure a paragraph or cell states (see :func:`measure_span`)."""
    a, b = measure_span(text, 0, len(text))
    return squeeze(text[a:b])


def _segments(note: str) -> list[tuple[str, int, int]]:
    """A note split into (role, start, end) segments: each clause ending in a lead or co word."""
    lead_words, co_words = _words()
    out = []
    position = 0
    for clause in re.split(r"([，,；;])", note):
        if clause in "，,；;":
            position += len(clause)
            continue
        stripped = clause.rstrip()
        role = None
        for word in co_words:
            if stripped.endswith(word):
                role = "co"
                break
        if role is None and any(stripped.endswith(w) for w in lead_words):
            role = "lead"
        if role is not None:
            out.append((role, position, position + len(clause)))
        position += len(clause)
    return out


def _units_in(bodies: list[Candidate], start: int, end: int) -> list[Candidate]:
    return [b for b in bodies if start <= b.start and b.end <= end]


def _task(ctx: DocContext, passage, start: int, end: int,  # type: ignore[no-untyped-def]
          lead: list[Candidate], co: list[Candidate]) -> Candidate | None:
    start, end = measure_span(ctx.text, start, end)
    passage = next((p for p in ctx.passages if p.start <= start < p.end), passage)
    end = min(end, passage.end)
    measure = squeeze(ctx.text[start:end])
    if len(measure) < 4 or not (lead or co):
        return None
    task = Candidate(ENTITY_TYPE, start, end, passage, measure, f"{ctx.document.id}:{start}")
    seen: set[tuple[str, str]] = set()
    for role, units in (("leadUnit", lead), ("coUnit", co)):
        for unit in units:
            if unit.ref in seen:
                continue
            seen.add(unit.ref)
            task.links.append((role, unit.ref))
    return task


def _lines(ctx: DocContext):  # type: ignore[no-untyped-def]
    """(start, line, passage) of every line of the document inside a passage (a passage may start
    or end inside a line: the line's passage is the one its end lies in)."""
    text = ctx.text
    passages = sorted(ctx.passages, key=lambda p: p.start)
    for match in re.finditer(r"[^\n]*", text):
        if not match.group(0):
            continue
        end = match.end() - 1
        passage = next((p for p in passages if p.start <= end < p.end), None)
        if passage is not None:
            yield match.start(), match.group(0), passage


def _from_notes(ctx: DocContext, bodies: list[Candidate]) -> list[Candidate]:
    out = []
    for line_start, line, passage in _lines(ctx):
        note = _NOTE.search(line.rstrip("。；; "))
        if note is None or "\t" in line:
            continue
        note_start = line_start + note.start(1)
        segments = _segments(note.group(1))
        if not segments:
            continue
        joint = all(role == "co" for role, _, _ in segments)
        lead: list[Candidate] = []
        co: list[Candidate] = []
        for role, a, b in segments:
            units = _units_in(bodies, note_start + a, note_start + b)
            (lead if role == "lead" or joint else co).extend(units)
        task = _task(ctx, passage, line_start, line_start + len(line), lead, co)
        if task is not None:
            out.append(task)
    return out


def _column(cells: list[str], section: str) -> int | None:
    heads = lexicon.words(section)
    for index, cell in enumerate(cells):
        if squeeze(cell) in heads:
            return index
    return None


def _from_tables(ctx: DocContext, bodies: list[Candidate]) -> list[Candidate]:
    out = []
    columns: tuple[int, int, int | None] | None = None
    for start, row, passage in _lines(ctx):
        if "\t" not in row:
            columns = None
            continue
        cells = row.split("\t")
        unit = _column(cells, "duty_unit_columns")
        task_column = _column(cells, "duty_task_columns")
        if unit is not None and task_column is not None:
            columns = (unit, task_column, _column(cells, "duty_co_columns"))
            continue
        if columns is None or len(cells) <= max(c for c in columns if c is not None):
            continue
        offsets = [start]
        for cell in cells[:-1]:
            offsets.append(offsets[-1] + len(cell) + 1)

        def units(index: int | None) -> list[Candidate]:
            if index is None:
                return []
            return _units_in(bodies, offsets[index], offsets[index] + len(cells[index]))

        unit_index, task_index, co_index = columns
        begin = offsets[task_index]
        task = _task(ctx, passage, begin, begin + len(cells[task_index]), units(unit_index), units(co_index))
        if task is not None:
            out.append(task)
    return out


_JOINERS = re.compile(r"[、和与及\s]*")
_SENTENCE = re.compile(r"[^。；;！？!?\n]+")
#: What follows 负责 when it is a person's title or a noun, not an assignment (负责人, 负责同志).
_NOT_ASSIGNING = ("人", "同志", "任")


@lru_cache(maxsize=1)
def _time_words() -> tuple[str, ...]:
    return tuple(w for w in lexicon.words("time_words") + lexicon.words("leading_fillers") if len(w) > 1)


def _ends_with_time(clause: str) -> bool:
    """The clause is a time adverbial (…近日, 今年以来), the lead-in of a news sentence, not a task."""
    return clause.endswith(_time_words())


def _only_units(text: str, bodies: list[Candidate], start: int, end: int) -> list[Candidate] | None:
    """The institutions that make up ``text[start:end]`` with nothing but joining words between
    them, or None when anything else is there (then the subject is not just units)."""
    units = sorted((b for b in bodies if start <= b.start and b.end <= end), key=lambda b: b.start)
    position = start
    covering: list[Candidate] = []
    for unit in units:
        if unit.start < position:
            continue  # a body inside another (alias in brackets) adds no text to cover
        if _JOINERS.fullmatch(text, position, unit.start) is None:
            return None
        covering.append(unit)
        position = unit.end
        bracket = re.match(r"[（(][^（）()]{1,20}[）)]", text[position:end])
        if bracket:  # 领导小组办公室（健康促进办）: the other name in brackets
            position += bracket.end()
    if not covering or _JOINERS.fullmatch(text, position, end) is None:
        return None
    seen: set[tuple[str, str]] = set()
    return [u for u in covering if not (u.ref in seen or seen.add(u.ref))]


def _clause_start(text: str, low: int, position: int) -> int:
    """Where the clause holding ``position`` starts (after a comma or colon), not before ``low``."""
    return max(low, *(text.rfind(mark, low, position) + 1 for mark in "，,：:"))


def _clause_end(text: str, position: int, high: int) -> int:
    ends = [i for i in (text.find(mark, position, high) for mark in "，,：:") if i >= 0]
    return min(ends, default=high)


def _bracketed(text: str, low: int, position: int) -> bool:
    """True when ``position`` lies inside brackets opened after ``low`` (a note, read elsewhere)."""
    depth = 0
    for char in text[low:position]:
        depth += char in "（("
        depth -= char in "）)" and depth > 0
    return depth > 0


#: A co clause whose units are not recognised (各乡镇卫生院、社区卫生服务中心共同落实) is still a co
#: clause, and the measure follows it, when it is short and states no more than its subject.
_GENERIC_CO = re.compile(r"[^，,：:。；;要将应需]{2,30}")


def _co_clause(text: str, bodies: list[Candidate], position: int, high: int) -> tuple[list[Candidate], int] | None:
    """(units, end) of a clause right after ``position`` that names units before a co-operation
    word (X牵头，Y、Z配合), or None. The units are those recognised; a clause of units of a kind
    (各乡镇卫生院共同落实) gives none, but is a co clause all the same."""
    if not text.startswith(("，", ","), position):
        return None
    start = position + 1
    end = _clause_end(text, start, high)
    for word in sorted(_words()[1], key=len, reverse=True):
        if not text.endswith(word, start, end):
            continue
        if units := _only_units(text, bodies, start, end - len(word)):
            return units, end
        if _GENERIC_CO.fullmatch(text, start, end - len(word)):
            return [], end
    return None


def _prose_task(ctx: DocContext, passage, start: int, end: int,  # type: ignore[no-untyped-def]
                lead: list[Candidate], co: list[Candidate] | None = None) -> Candidate | None:
    text = ctx.text
    while start < end and text[start] in "，,：: ":
        start += 1
    start += len(re.match(r"(?:牵头|组织|统筹)?", text[start:end]).group(0))
    measure = squeeze(text[start:end])
    if not 4 <= len(measure) <= 80 or not lead:
        return None
    task = Candidate(ENTITY_TYPE, start, end, passage, measure, f"{ctx.document.id}:{start}")
    task.links.extend(("leadUnit", unit.ref) for unit in lead)
    task.links.extend(("coUnit", unit.ref) for unit in co or () if unit.ref not in {u.ref for u in lead})
    return task


def _from_prose(ctx: DocContext, bodies: list[Candidate]) -> list[Candidate]:
    text = ctx.text
    words = tuple(sorted(lexicon.words("responsibility_prose_words"), key=len, reverse=True))
    pattern = re.compile("|".join(re.escape(w) for w in words))
    plan = ctx.document.meta.kind == "plan"
    out = []
    for passage in ctx.passages:
        for sentence in _SENTENCE.finditer(text, passage.start, passage.end):
            low, high = sentence.start(), sentence.end()
            if "\t" in sentence.group(0):
                continue  # a table row: read as a duty table
            done = False
            for match in pattern.finditer(text, low, high):
                if text.startswith(_NOT_ASSIGNING, match.end()) or _bracketed(text, low, match.start()):
                    continue
                clause = _clause_start(text, low, match.start())
                after_end = _clause_end(text, match.end(), high)
                by = text.rfind("由", clause, match.start())
                # X牵头，Y、Z配合，做好… / X负责A，Y、Z配合: the co units (and the measure after them)
                co = _co_clause(text, bodies, after_end, high)
                co_units, co_end = co if co else ([], after_end)
                following = (co_end + 1, _clause_end(text, co_end + 1, high)) \
                    if co and co_end < high and after_end == match.end() else None
                if by >= 0 and (units := _only_units(text, bodies, by + 1, match.start())):
                    # 由X负责统筹…: the measure follows; …工作由X负责: it stands before 由 (or in the
                    # clause before it).
                    measure_start, measure_end = clause, by
                    if after_end - match.end() >= 4:
                        measure_start, measure_end = match.end(), after_end
                    elif by - clause < 6 and following:
                        # 由X牵头，Y配合，<measure> (or with a bare subject: 此项工作由X牵头，…)
                        measure_start, measure_end = following
                    elif by == clause and clause > low and not _ends_with_time(text[low:clause - 1]):
                        # …工作，由X负责 — but 近日，由X牵头…: a time word is no measure
                        measure_start, measure_end = _clause_start(text, low, clause - 1), clause - 1
                    task = _prose_task(ctx, passage, measure_start, measure_end, units, co_units)
                elif units := _only_units(text, bodies, clause, match.start()):
                    if after_end - match.end() >= 4:
                        task = _prose_task(ctx, passage, match.end(), after_end, units, co_units)
                    elif following:
                        task = _prose_task(ctx, passage, *following, units, co_units)
                    elif after_end == high and clause == low and low > passage.start:
                        # （一）加强宣传。X、Y负责。: the task is the sentence before
                        before = _SENTENCE_BEFORE.search(text, passage.start, low)
                        task = _prose_task(ctx, passage, *measure_span(text, before.start(), before.end())
                                           if before else (low, low), units)
                    else:
                        task = None
                elif clause == match.start() and clause > low:
                    # 成立X，负责…: the subject is the body the clause before ends with.
                    previous = [b for b in bodies if low <= b.start and b.end <= clause - 1 and re.fullmatch(
                        r"(?:[（(][^（）()]{0,20}[）)])?", text[b.end:clause - 1])]
                    task = _prose_task(ctx, passage, match.end(), after_end, previous[-1:]) if previous else None
                else:
                    task = None
                if task is not None:
                    out.append(task)
                    done = True
            if plan and not done:
                found = re.match(r"(.{2,60}?)要(?!求|点|素|闻)", text[low:high])
                if found and (units := _only_units(text, bodies, low, low + found.end(1))):
                    end = _clause_end(text, low + found.end(), high)
                    # 县卫生健康局要…，…: the task runs to the end of the sentence's first clause pair
                    task = _prose_task(ctx, passage, low + found.end(), end, units)
                    if task is not None:
                        out.append(task)
    return out


_SENTENCE_BEFORE = re.compile(r"[^。；;！？!?\n]+[。；;！？!?]\s*$")


def _from_unit_lines(ctx: DocContext, bodies: list[Candidate]) -> list[Candidate]:
    """``牵头单位：X、Y`` / ``配合单位：Z`` lines under a measure's paragraph: the units of that measure."""
    lead_heads = tuple(w for w in lexicon.words("duty_unit_columns") if len(w) > 2)
    co_heads = lexicon.words("duty_co_columns")
    out: list[Candidate] = []
    measure: tuple[int, int, object] | None = None  # the paragraph the unit lines belong to
    lead: list[Candidate] = []
    co: list[Candidate] = []

    def close() -> None:
        if measure is not None and (lead or co):
            task = _task(ctx, measure[2], measure[0], measure[1], lead or co, co if lead else [])
            if task is not None:
                out.append(task)

    for start, line, passage in _lines(ctx):
        head = re.match(r"\s*([^：:]{2,8})[：:]", line)
        word = head.group(1).strip() if head else ""
        if word in lead_heads or word in co_heads:
            units = _units_in(bodies, start + head.end(), start + len(line))
            (lead if word in lead_heads else co).extend(units)
            continue
        close()
        measure, lead, co = (start, start + len(line), passage), [], []
    close()
    return out


def find_tasks(ctx: DocContext, named: list[Candidate]) -> list[Candidate]:
    """Every task of the document with its lead and co units (``named``: the document's settled
    candidates; its institutions are the units a task can link to)."""
    bodies = [c for c in named if c.entity_type == institutions.ENTITY_TYPE]
    return [*_from_notes(ctx, bodies), *_from_tables(ctx, bodies), *_from_unit_lines(ctx, bodies),
            *_from_prose(ctx, bodies)]
