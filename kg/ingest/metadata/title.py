"""The title: the title line(s) at the top, a headline run into news text, or after 原标题：."""

from __future__ import annotations

import re

from kg.ingest.metadata.block import DOC_NUMBER, REPORT_CODE
from kg.ingest.metadata.dates import DATE
from kg.ingest.metadata.fields import Collector, Line
from kg.ingest.metadata.news import DATELINE, strip_place
from kg.ingest.metadata.words import TRAILING_MARKS, genre_label, genre_of, words

_ATTACHMENT_LINE = re.compile(r"^附\s*件\s*[\d一二三四五六七八九十]*\s*[:：]?$")
_SENTENCE_END = "。！？!?；;"


def bad_property_title(title: str) -> bool:
    """Word fills the title property with template names or the first words typed."""
    return len(title) < 4 or title.lower() in {"untitled", "document", "microsoft word"} or \
        not re.search(r"[\u4e00-\u9fff]", title)


def _skippable(text: str) -> bool:
    """Lines above a title that are not the title: 附件N, 文号, dates, codes, very short bits."""
    bare = text.strip()
    return (len(re.sub(r"\s", "", bare)) < 4 or bool(_ATTACHMENT_LINE.match(bare))
            or bool(DOC_NUMBER.fullmatch(bare)) or bool(REPORT_CODE.match(bare))
            or (bool(DATE.search(bare)) and len(bare) <= 30) or bare.startswith(("索引号", "©"))
            or bool(re.fullmatch(r"[\dA-Za-z\s.\-/·•]+", bare))
            or (len(bare) <= 24 and bool(_NUMBER_TAIL.search(bare)))
            or re.sub(r"[\s()（）【】\[\]★]", "", bare) in words().markings
            or bool(_MASTHEAD.fullmatch(bare)))


# A 红头文件's masthead (某县卫生健康局文件, 某省人民政府办公厅文件): the issuer printed in red above the
# 文号, not the title, which is the 关于…的通知 line below it.
_MASTHEAD = re.compile(r"[\u4e00-\u9fff（）()]{2,30}文\s*件")


# A 文号 whose issuer code OCR misread (某卫发〔2025〕3号 → ETA (2025) 3号) still ends so.
_NUMBER_TAIL = re.compile(r"[〔\[［【（(]\s*(?:19|20)\d{2}\s*[〕\]］】）)]\s*第?\s*\d{1,4}\s*号$")


def _title_like(text: str) -> bool:
    bare = text.strip()
    if not bare or len(bare) > 100 or "\t" in bare:
        return False
    if any(ch in bare[:-1] for ch in "。！？") and genre_of(bare) is None:
        return False
    return not bare.endswith(("：", ":", "，", ",", "、", "。"))


def read_title(lines: list[Line], found: Collector, paper: bool) -> None:
    if "title" in found.fields:
        return
    if len(lines) <= 2 and lines and len(lines[0].text) > 200:
        _run_in_title(lines[0], found)
        return
    candidates = [line for line in lines[:12] if line.kept and not _skippable(line.text)]
    if not candidates:
        return
    first = candidates[0]
    if len(first.text) > 100 or (len(lines) == 1 and re.search(r"[。！？]", first.text[:-1])):
        _run_in_title(first, found)
        return
    if not _title_like(first.text):
        # A body sentence first: look a little further for a title line ending in a genre word.
        for line in candidates[1:6]:
            if _title_like(line.text) and genre_of(line.text):
                _put_title(lines, line, found)
                return
        return
    _put_title(lines, first, found)


def _put_title(lines: list[Line], line: Line, found: Collector) -> None:
    """The title line, joined with the lines that finish it (a title printed over several lines)."""
    index = lines.index(line)
    parts = [line]
    text = line.text.strip()
    while index + 1 < len(lines) and len(parts) < 5:
        nxt = lines[index + 1]
        nxt_text = nxt.text.strip()
        if not nxt.kept or _skippable(nxt_text) or not _title_like(nxt_text) or genre_of(text):
            break
        label = genre_label(nxt_text)
        if label and len(parts) > 1 and not text.endswith("》"):
            # A bare genre label under a cover title (信息手册) is not part of the title: it is the kind.
            found.put("genre", label[0], nxt.start, nxt.start + len(nxt_text))
            found.put("kind", label[1], nxt.start, nxt.start + len(nxt_text))
            break
        short = len(nxt_text) <= 14 or (len(text) <= 16 and len(nxt_text) <= 30)
        unfinished = len(text) <= 12 or _open(text) or text.endswith(_UNFINISHED)
        if not short or not (genre_of(text + nxt_text) or unfinished):
            break
        text += nxt_text
        parts.append(nxt)
        index += 1
    start = line.start + line.text.find(line.text.strip())
    end = parts[-1].start + len(parts[-1].text.rstrip())
    title = re.sub(r"\s+", " ", text).strip()
    issued = _issued_document(lines, index, title)
    if issued is not None:
        begin = issued.start + issued.text.find(issued.text.strip())
        found.put("title", issued.text.strip(), begin, begin + len(issued.text.strip()))
        return
    if _ISSUE_TAIL.search(title):
        title = _issue_title(lines, index, title)
    marks = TRAILING_MARKS.search(title)
    if marks and marks.start() > 0:
        end -= len(title) - marks.start()
        title = title[:marks.start()]
    found.put("title", title, start, end)


# A cover notice's title cut at its head (…规划的通知, its 某政府关于印发 lost): the file is the
# document it issues (现将《X》印发给你们), whose own title stands later on a line of its own.
def _issued_document(lines: list[Line], index: int, title: str) -> Line | None:
    if not title.endswith("的通知") or re.search(r"关于|印发|转发", title):
        return None
    issued = title[: -len("的通知")].strip("《》")
    if len(issued) < 6 or not any(f"《{issued}》" in line.text and re.search(r"印发|下发|发给", line.text)
                                  for line in lines[index + 1:index + 8]):
        return None
    return next((line for line in lines[index + 1:] if line.text.strip() == issued), None)


_ISSUE_TAIL = re.compile(r"[（(]\s*第\s*\d{1,4}\s*期\s*[）)]$")
# A numbered issue's column line (体制改革工作专刊 (第1期)): its issue number repeats the masthead's.
_COLUMN = re.compile(r"^(?P<name>[\u4e00-\u9fff]{2,20}(?:专刊|专辑|增刊|特刊|专版|专题))\s*(?:[（(]\s*第\s*\d{1,4}\s*期\s*[）)])?$")


def _issue_title(lines: list[Line], index: int, title: str) -> str:
    """A numbered issue (广西卫生健康工作（第1期）) named with its column and its one article's headline.

    Below the masthead a bulletin prints its column (…专刊), the issuing body and the date; an issue
    that carries one article then gives its headline, and the body runs on to the end with
    numbered parts (一、…) but no second headline. An issue with a contents list (本期要目) or with
    several such headlines keeps the masthead title.
    """
    n = index + 1
    column = _COLUMN.match(lines[n].text.strip()) if n < len(lines) else None
    if column:
        title += column.group("name")
        n += 1
    # Issuer and date lines (a signature block at the top) come before the headline.
    while n < len(lines) and n <= index + 8 and (_skippable(lines[n].text)
                                                  or (len(lines[n].text.strip()) <= 30 and n + 1 < len(lines)
                                                      and _skippable(lines[n + 1].text))):
        n += 1
    if n + 1 >= len(lines) or any(re.match(r"\s*(?:本期要目|本期目录|目\s*录)", line.text) for line in lines[index:n + 1]):
        return title
    if not _headline_at(lines, n) or any(_headline_at(lines, k) for k in range(n + 2, len(lines) - 1)):
        return title
    return f"{title}：{lines[n].text.strip()}"


_NUMBERED = re.compile(r"\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+[、.．])")


def _headline_at(lines: list[Line], n: int) -> bool:
    """An article's headline: a short unnumbered line with no sentence punctuation, over a paragraph."""
    text = lines[n].text.strip()
    return (4 <= len(text) <= 40 and _title_like(text) and not re.search(r"[。！？，,：:]", text)
            and not _NUMBERED.match(text) and len(lines[n + 1].text.strip()) >= 60)


# A title line ending in one of these goes on on the next line.


_UNFINISHED = ("的", "和", "与", "及", "之", "对", "在", "把", "将", "等", "、")


def _open(text: str) -> bool:
    return text.count("《") > text.count("》") or text.count("“") > text.count("”")


# A headline cut short with an ellipsis and run into the text (…4家“重大疫情医疗应急类……湖南省…):
# no sentence ends before it, and the text after it starts afresh (not 等, 的 or a comma).
_ELIDED_HEADLINE = re.compile(r"[^。！？\n]{10,78}?(?:……|…)(?=[^\s…等的，,。、])")


def _run_in_title(line: Line, found: Collector) -> None:
    """A headline run into the text (one-line news): before its dateline, or after 原标题：."""
    text = line.text
    crumbs = _BREADCRUMB.match(text)
    if crumbs:
        # A web page's title ends its breadcrumb and stands again as its heading.
        rest = text[crumbs.end():crumbs.end() + 200]
        size = _repeated_prefix(rest)
        if size:
            start = line.start + crumbs.end()
            found.put("title", rest[:size], start, start + size)
            return
    original = re.match(r"\s*原标题\s*[:：]\s*", text)
    begin = original.end() if original else 0
    rest = text[begin:begin + 120]
    elided = None if original else _ELIDED_HEADLINE.match(rest)
    if original:
        end = _headline_end(rest)
        _body_outlet(line, begin + end, found)
    elif elided:
        end = elided.end()
    else:
        dateline = DATELINE.search(rest)
        if not dateline:
            end = _headline_before_opener(rest)
            if not end:
                return
            title = rest[:end].strip()
            start = line.start + begin
            found.put("title", title, start, start + len(title))
            return
        if dateline.start() < 6:
            return
        end = dateline.start()
        head = rest[:end]
        if "。" in head and len(head) - head.rindex("。") - 1 <= 12:
            outlet = head[head.rindex("。") + 1:]
            if re.fullmatch(r"[\u4e00-\u9fffA-Za-z]{2,12}", outlet):
                start = line.start + begin + head.rindex("。") + 1
                found.put("issuer", strip_place(outlet), start, start + len(strip_place(outlet)))
            end = head.rindex("。") + 1
            head = head[:end]
        if len(head.rstrip("。")) < 10:
            return
        if not head.endswith(tuple(_SENTENCE_END + "”")) and re.search(r"[，,、]$", head):
            return
        if re.search(r"记者|通讯员|本报|转自|[:：]", head) or head.count("。") > 1:
            return
        if len(head.rstrip("。")) > 60 or any(ch in head.rstrip("。！？") for ch in "。"):
            return
    title = rest[:end].rstrip("。 ").strip()
    if 6 <= len(title) <= 80:
        start = line.start + begin
        found.put("title", title, start, start + len(title))


# The first words of a news report's body (记者从X获悉, 据X消息, 日前，), where a run-in headline stops.
_BODY_OPENER = re.compile(r"记者(?:\d{1,2}日)?从|据[^，。]{2,16}消息|(?:日前|近日|近期|昨[天日]|今[天日])[，,]")


def _headline_before_opener(rest: str) -> int:
    """End of a headline 'S：…' run into its sub-head and body with no punctuation between them.

    The body starts at a reporter's opener (记者从X了解到); the sub-head before it starts by naming
    the headline's subject S again (国家卫健委：… → 国家卫生健康委发布…), in its long or short form —
    it shares S's first two characters. Without a subject, or with sentence punctuation in the
    head, nothing is taken: the sub-head cannot be told from the headline.
    """
    opener = _BODY_OPENER.search(rest)
    if not opener or opener.start() < 12:
        return 0
    head = rest[:opener.start()]
    colon = re.search(r"[:：]", head)
    if not colon or not 2 <= colon.start() <= 10 or re.search(r"[。！？；，,]", head):
        return 0
    subject = head[:colon.start()]
    again = head.find(subject[:2], colon.end() + 8)
    return again if 10 <= again <= 60 else 0


_BREADCRUMB = re.compile(r"\s*(?:[^>»›＞\n]{1,30}?\s*[>»›＞]\s*){2,}")


def _repeated_prefix(text: str) -> int:
    """Length of the longest start of ``text`` (8 to 80 characters) that occurs again after itself; 0 if none."""
    size = 0
    for n in range(8, min(80, len(text) // 2) + 1):
        if text[:n] not in text[n:]:
            break
        size = n
    return size


# A news body that opens with its purpose: 为进一步推动…，, 为弘扬…， (为 not inside a word: 成为, 作为,
# 认为, 因为 …; the clause ends at a comma before any sentence end).
_PURPOSE_OPENER = re.compile(r"(?<![成作认因以称行更最较尤极视评列定改分变化转确广难为])为了?"
                             r"(?:[^，,。！？；“”\s]|“[^“”，。]{1,12}”){2,30}[，,]")
# The outlet's name before its reporter credit (某某新闻记者, 某某日报记者, 某某网记者): the credit's, not
# the headline's. The shortest such tail is taken: the headline's own words stand before it.
_OUTLET_TAIL = re.compile(r"[\u4e00-\u9fff]{2}(?:日报|晚报|晨报|早报|都市报|商报|时报)?"
                          r"(?:新闻|日报|晚报|晨报|早报|商报|时报|报|网|客户端|电视台)$")


# The body after a 原标题 headline opens with its outlet: a wire's dateline (某某网某省新闻8月18日电, 某某社
# 某地7月2日电) or a reporter credit (某某新闻记者 张三).
_BODY_WIRE = re.compile(r"(?P<name>[\u4e00-\u9fff]{1,8}?(?:社|网|报|台))(?:[\u4e00-\u9fff]{2,6}?)?"
                        r"(?:(?:19|20)\d{2}年)?\d{1,2}月\d{1,2}日电")
_BODY_REPORTER = re.compile(r"(?P<name>[\u4e00-\u9fff]{3,10}?)(?:融媒体)?记者")


def _body_outlet(line: Line, at: int, found: Collector) -> None:
    """The issuer of a one-line news text from the outlet its body opens with (``at``: offset in the line)."""
    body = line.text[at:at + 40]
    wire = _BODY_WIRE.match(body)
    if wire:
        name = strip_place(wire.group("name"))
    else:
        reporter = _BODY_REPORTER.match(body)
        name = reporter.group("name") if reporter and _OUTLET_TAIL.search(reporter.group("name")) else ""
    if len(name) >= 2:
        start = line.start + at
        found.put("issuer", name, start, start + len(name))


def _before_reporter(rest: str, at: int) -> int:
    """``at`` is where 记者 stands; step back over an outlet's name written just before it."""
    for size in range(3, min(at, 9) + 1):
        if _OUTLET_TAIL.fullmatch(rest[at - size:at]):
            return at - size
    return at


def _headline_end(rest: str) -> int:
    """Where a 原标题 headline stops: at its repetition, a dateline, a quote, a run of spaces, the
    body's opener (近日，, its purpose clause 为进一步…，), or the reporter credit (with the outlet's
    name before it)."""
    ends = [len(rest)]
    for size in range(8, min(60, len(rest) // 2) + 1):
        if rest[size:size + size] == rest[:size] or rest[size:].lstrip().startswith(rest[:size]):
            ends.append(size)
            break
    for pattern in (DATELINE, re.compile(r"\s{2,}|关注我们|“(?![^”]{1,10}”)|新华社|中新网|记者"), _PURPOSE_OPENER,
                    _BODY_OPENER):
        match = pattern.search(rest, 6 if pattern is not _PURPOSE_OPENER else 8)
        if match:
            ends.append(_before_reporter(rest, match.start()) if match.group(0) == "记者" else match.start())
    cry = 0
    for sentence in re.finditer(r"[。！？]", rest):
        if rest[sentence.start()] in "！？" and sentence.start() < _SHORT_CRY and not cry:
            cry = sentence.start() + 1  # 好消息！…, 重磅！…: a short cry leads the headline, which goes on
            continue
        ends.append(sentence.start() + (1 if rest[sentence.start()] in "！？" else 0))
        break
    end = min(ends)
    if cry and re.search(r"[，,]", rest[cry:end]):
        return cry  # no end after the cry but the body's first sentence: where the headline stops is not known
    return end


#: A headline's words before ！ or ？ shorter than this are a cry leading it (院士带队！, 重磅！), not all of it.
_SHORT_CRY = 10

