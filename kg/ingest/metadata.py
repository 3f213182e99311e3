"""Document metadata read from the document itself: title, 文号, issuer, date, validity, kind, region.

Government documents state their metadata plainly — an information block (索引号 / 发文机关 /
文号 / 成文日期 / 有效性), a title line ending in 的通知 / 方案 / 规划 …, the 文号 on its own
line, a signature block (the issuing body, then the date) — and news pages their outlet and
dateline. Each value is taken from the strongest of these sources and keeps the span of the
normalised text it came from (``MetaField``); a value from a line that was dropped as web chrome
(a 来源 or 发布日期 line) has no span. File properties (DOCX core properties, PDF info, HTML
<meta>) are a weak source, used only when the text says nothing. ``metadata.json`` overrides any
field it gives (:func:`merge`).

Word lists (genres, organisation endings, label words) are in ``kg/data/doc_genres.txt``; places
come from the gazetteer ``kg/data/gazetteer_cn.tsv``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from kg.ingest.normalise import Cleaned
from kg.records import DocumentMeta, MetaField

_DATA = "data/doc_genres.txt"
_GAZETTEER = "data/gazetteer_cn.tsv"

#: Metadata fields in the order ``kg add`` shows them.
FIELDS = ("title", "doc_number", "issuer", "date", "validity", "genre", "kind", "region")

_CN_DIGIT = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6,
             "七": 7, "八": 8, "九": 9}
_CN_YEAR = "〇○零Ｏ一二三四五六七八九"
_DATE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*(?:年|[-/.．－])\s*(?P<m>\d{1,2})\s*(?:月|[-/.．－])\s*(?P<d>\d{1,2})(?!\d)\s*日?"
    rf"|(?P<cy>[{_CN_YEAR}]{{4}})年(?P<cm>[一二三四五六七八九十]{{1,3}})月(?P<cd>[一二三四五六七八九十]{{1,3}})日")
_TIME = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?")
# 赣府厅发〔2025〕6号, 阜蒙健促办发[2020] 3 号, 国办发〔2016〕77号
_DOC_NUMBER = re.compile(
    r"[\u4e00-\u9fff]{1,14}\s*[〔\[［【（(]\s*(?:19|20)\d{2}\s*[〕\]］】）)]\s*第?\s*\d{1,4}\s*号")
# WHO/CED/PHE/SDH/18.1: a report code alone on its line.
_REPORT_CODE = re.compile(r"^[A-Z]{2,}(?:/[A-Z0-9.\-]+){2,}$")
_ATTACHMENT_LINE = re.compile(r"^附\s*件\s*[\d一二三四五六七八九十]*\s*[:：]?$")
_PAPER_MARKS = re.compile(r"摘\s*要|关键词|中图分类号|文献标识码|文章编号|DOI[:：]")
_SENTENCE_END = "。！？!?；;"
# Datelines of news text: 深圳新闻网2023年8月14日讯, 新华社北京7月22日电, 新京报讯, 7月21日上午
_DATELINE = re.compile(
    r"(?:(?:19|20)\d{2}年)?\d{1,2}月\d{1,2}日(?:电|讯|[上下]午|晚间?|早间?|凌晨|\s*[，,])"
    r"|[\u4e00-\u9fff]{2,8}讯(?=[\s，,（(]|$)")
_OUTLET_DATELINE = re.compile(
    r"^\s*(?:本文转自[:：]\s*\S+?\s*)?(?P<name>[\u4e00-\u9fffA-Za-z·]{2,12}?)"
    r"(?:(?:19|20)\d{2}年)?\d{1,2}月\d{1,2}日(?:电|讯)")
_OUTLET_XUN = re.compile(r"^\s*(?P<name>[\u4e00-\u9fff]{2,8}?)(?:本报)?讯(?=[\s，,（(])")
_OUTLET_REPORTER = re.compile(r"^\s*[（(]?(?P<name>[\u4e00-\u9fffA-Za-z]{2,12}?)(?:融媒体)?(?:记者|特约作者|客户端\s)")
_OUTLET_PAREN = re.compile(r"^\s*[（(](?P<name>[\u4e00-\u9fff]{2,14}?(?:客户端|日报|晚报|网|报|新闻|社|台))\s+\S{2,4}[）)]")
_SOURCE = re.compile(r"(?:^|\s|[。！？）)])(?:文章|稿件|信息|新闻)?来源\s*[:：|｜]\s*(?P<name>[^\s|｜:：，。]{2,20})")
_OUTLET_ENDING = re.compile(r"^.{2,12}?(?:客户端|日报|晚报|早报|商报|时报|新闻网|网|通讯社|社|电视台|广播电台|发布|新闻)")
# 扬子晚报/紫牛新闻 记者 季娜娜 …, 湖南医聊特约作者：… at the end of a news text.
_TAIL_REPORTER = re.compile(r"(?:^|[。！？”）)]\s*)(?P<name>[\u4e00-\u9fffA-Za-z/]{2,16}?)\s*(?:特约作者|记者)\s*[:：]?\s*"
                            r"[\u4e00-\u9fff]{2,}")
_TRANSFER = re.compile(r"(?:本文转自|转自|本文来源于|转载请注明来自|转载自)\s*[:：]?\s*(?P<name>[\u4e00-\u9fffA-Za-z]{2,16}?)"
                       r"(?:官方微信|官方微博|公众号|官微|[，,。\s]|$)")


@dataclass(frozen=True)
class Inference:
    """What was read from one document: field name → MetaField (absent: nothing found)."""

    fields: dict[str, MetaField] = field(default_factory=dict)

    def value(self, name: str) -> str:
        """The inferred value of a field, or ""."""
        found = self.fields.get(name)
        return found.value if found else ""


@dataclass(frozen=True)
class _Words:
    genres: tuple[tuple[str, str, str], ...]  # (ending, fine kind, graph kind), longest ending first
    issuer_endings: tuple[str, ...]
    labels: dict[str, str]


@lru_cache(maxsize=1)
def _words() -> _Words:
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for number, raw in enumerate(resources.files("kg").joinpath(_DATA).read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        header = re.fullmatch(r"\[(\w+)\]", line)
        if header:
            current = sections.setdefault(header.group(1), [])
            continue
        if current is None:
            raise ValueError(f"kg/{_DATA}:{number}: a line before the first [section]")
        current.append([c.strip() for c in line.split("\t")])
    genres = tuple(sorted(((r[0], r[1], r[2]) for r in sections.get("genre", [])), key=lambda g: -len(g[0])))
    endings = tuple(sorted((r[0] for r in sections.get("issuer", [])), key=len, reverse=True))
    labels = {r[0]: r[1] for r in sections.get("label", [])}
    return _Words(genres, endings, labels)


@lru_cache(maxsize=1)
def _places() -> tuple[tuple[str, str], ...]:
    """(written form, full name) of every gazetteer place, longest form first; () without the file."""
    try:
        text = resources.files("kg").joinpath(_GAZETTEER).read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        return ()
    forms: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        columns = line.split("\t")
        if len(columns) < 2:
            continue
        name = columns[0].strip()
        forms.setdefault(name, name)
        for short in (columns[3].split(",") if len(columns) > 3 else []):
            if len(short.strip()) >= 2:
                forms.setdefault(short.strip(), name)
    return tuple(sorted(forms.items(), key=lambda kv: -len(kv[0])))


def genre_of(title: str) -> tuple[str, str] | None:
    """(fine kind, graph kind) from a title's ending (``…的实施方案`` → 方案, plan); None if none."""
    bare = re.sub(r"[\s”\"'→>]+$", "", title)
    for ending, fine, kind in _words().genres:
        if bare.endswith(ending):
            return fine, kind
    return None


def parse_date(text: str) -> str:
    """The first full date in ``text`` as YYYY-MM-DD (二〇二五年四月三日 too); "" if none or invalid."""
    match = _DATE.search(text)
    return _iso(match) if match else ""


def _iso(match: re.Match[str]) -> str:
    if match.group("y"):
        year, month, day = int(match.group("y")), int(match.group("m")), int(match.group("d"))
    else:
        year = int("".join(str(_CN_DIGIT[c]) for c in match.group("cy")))
        month, day = _cn_small(match.group("cm")), _cn_small(match.group("cd"))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return ""
    return f"{year:04d}-{month:02d}-{day:02d}"


def _cn_small(text: str) -> int:
    """一 … 三十一 → 1 … 31."""
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + _CN_DIGIT.get(text[1], 0)
    if "十" in text:
        head, _, tail = text.partition("十")
        return _CN_DIGIT.get(head, 0) * 10 + (_CN_DIGIT.get(tail, 0) if tail else 0)
    return _CN_DIGIT.get(text, 0)


@dataclass
class _Line:
    text: str
    start: int  # offset in Cleaned.full
    kept: bool  # survived chrome removal


def _lines(cleaned: Cleaned) -> list[_Line]:
    out, offset = [], 0
    for line in cleaned.full.split("\n"):
        # A line whose tail was cut as residue is still kept: its start survives.
        kept = cleaned.to_text(offset, offset + 1) is not None if line else False
        out.append(_Line(line, offset, kept))
        offset += len(line) + 1
    return [line for line in out if line.text.strip()]


class _Collector:
    """Fields found so far; the first source to give a field wins."""

    def __init__(self, cleaned: Cleaned) -> None:
        self.cleaned = cleaned
        self.fields: dict[str, MetaField] = {}

    def put(self, name: str, value: str, start: int | None = None, end: int | None = None,
            source: str = "text", mapped: bool = False) -> None:
        """Record a field; ``start``/``end`` are offsets in ``cleaned.full`` (in ``cleaned.text`` if ``mapped``)."""
        value = value.strip()
        if not value or name in self.fields:
            return
        if mapped:
            span = (start, end) if start is not None and end is not None else None
        else:
            span = self.cleaned.to_text(start, end) if start is not None and end is not None else None
        self.fields[name] = MetaField(name, value, source, span[0] if span else None, span[1] if span else None)


def infer(path: Path, cleaned: Cleaned, properties: dict[str, str] | None = None) -> Inference:
    """Read title, 文号, issuer, date, validity, kind and region from a document's text."""
    lines = _lines(cleaned)
    found = _Collector(cleaned)
    head = lines[:40]
    _labelled(head, found)
    paper = bool(_PAPER_MARKS.search(cleaned.full[:3000])) and "摘" in cleaned.full[:3000]
    if paper:
        _paper(lines, found)
    _doc_number(lines[:20], found)
    _title(lines, found, paper)
    if not paper:
        _signature(lines, found)
        _news_header(lines, found)
        _copyright(lines[:30], found)
    props = properties or {}
    if props.get("title") and not _bad_property_title(props["title"]):
        found.put("title", props["title"], source="properties")
    if props.get("published"):
        date = parse_date(props["published"])
        if date:
            found.put("date", date, source="properties")
    if props.get("author") and props.get("source") == "html":
        found.put("issuer", props["author"], source="properties")
    _kind(cleaned, found, paper)
    _region(found)
    return Inference(found.fields)


def _bad_property_title(title: str) -> bool:
    """Word fills the title property with template names or the first words typed."""
    return len(title) < 4 or title.lower() in {"untitled", "document", "microsoft word"} or \
        not re.search(r"[\u4e00-\u9fff]", title)


# --- the information block ---------------------------------------------------------


def _labelled(lines: list[_Line], found: _Collector) -> None:
    """索引号：… 发文机关：… 文号：… 成文日期：… on one line or several, or label\\tvalue rows."""
    labels = _words().labels
    pattern = re.compile(r"(?P<label>" + "|".join(sorted(map(re.escape, labels), key=len, reverse=True))
                         + r")\s*[:：\t]\s*")
    for index, line in enumerate(lines):
        matches = list(pattern.finditer(line.text))
        matches = [m for m in matches if m.start() == 0 or line.text[m.start() - 1] in " \t|｜　"]
        for k, match in enumerate(matches):
            stop = matches[k + 1].start() if k + 1 < len(matches) else len(line.text)
            raw_value = line.text[match.end():stop]
            value = raw_value.strip(" \t|｜")
            begin = line.start + match.end() + (len(raw_value) - len(raw_value.lstrip(" \t|｜")))
            if not value and k == len(matches) - 1 and index + 1 < len(lines) \
                    and not pattern.match(lines[index + 1].text):
                nxt = lines[index + 1]
                value = nxt.text.strip()
                begin = nxt.start + nxt.text.find(value)
            if not value:
                continue
            name = labels[match.group("label")]
            if name in ("date", "published"):
                date = parse_date(value)
                if date:
                    found.put("date" if name == "date" else "published", date, begin, begin + len(value))
            elif name in ("title", "issuer", "doc_number", "validity"):
                if name == "doc_number":
                    number = _DOC_NUMBER.search(value)
                    if not number:
                        continue
                    value = _tidy_number(number.group(0))
                found.put(name, value, begin, begin + len(raw_value.strip(" \t|｜")))
    # 成文日期 wins over 发布日期; a page that gives only the publication date uses it.
    published = found.fields.pop("published", None)
    if published is not None and "date" not in found.fields:
        found.fields["date"] = MetaField("date", published.value, published.source, published.start, published.end)


# --- 文号 ----------------------------------------------------------------------------


def _doc_number(lines: list[_Line], found: _Collector) -> None:
    """The document's own 文号: alone on a line near the top (a 文号 inside a sentence is a citation)."""
    for line in lines:
        bare = line.text.strip()
        match = _DOC_NUMBER.search(bare)
        if match and len(bare) - len(match.group(0)) <= 6 and not re.search(r"[《》“”，。]", bare):
            start = line.start + line.text.find(match.group(0))
            found.put("doc_number", _tidy_number(match.group(0)), start, start + len(match.group(0)))
            return
        if _REPORT_CODE.match(bare):
            start = line.start + line.text.find(bare)
            found.put("doc_number", bare, start, start + len(bare))
            return


def _tidy_number(number: str) -> str:
    return re.sub(r"\s+", "", number)


# --- title -----------------------------------------------------------------------------


def _skippable(text: str) -> bool:
    """Lines above a title that are not the title: 附件N, 文号, dates, codes, very short bits."""
    bare = text.strip()
    return (len(re.sub(r"\s", "", bare)) < 4 or bool(_ATTACHMENT_LINE.match(bare))
            or bool(_DOC_NUMBER.fullmatch(bare)) or bool(_REPORT_CODE.match(bare))
            or (bool(_DATE.search(bare)) and len(bare) <= 30) or bare.startswith(("索引号", "©"))
            or bool(re.fullmatch(r"[\dA-Za-z\s.\-/·•]+", bare)))


def _title_like(text: str) -> bool:
    bare = text.strip()
    if not bare or len(bare) > 100 or "\t" in bare:
        return False
    if any(ch in bare[:-1] for ch in "。！？") and genre_of(bare) is None:
        return False
    return not bare.endswith(("：", ":", "，", ",", "、", "。"))


def _title(lines: list[_Line], found: _Collector, paper: bool) -> None:
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


def _put_title(lines: list[_Line], line: _Line, found: _Collector) -> None:
    """The title line, joined with the lines that finish it (a title printed over several lines)."""
    index = lines.index(line)
    parts = [line]
    text = line.text.strip()
    while index + 1 < len(lines) and len(parts) < 5:
        nxt = lines[index + 1]
        nxt_text = nxt.text.strip()
        if not nxt.kept or _skippable(nxt_text) or not _title_like(nxt_text) or genre_of(text):
            break
        label = _words_genre_label(nxt_text)
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
    found.put("title", title, start, end)


# A title line ending in one of these goes on on the next line.
_UNFINISHED = ("的", "和", "与", "及", "之", "对", "在", "把", "将", "等", "、")


def _words_genre_label(text: str) -> tuple[str, str] | None:
    """(fine kind, graph kind) when ``text`` is nothing but a genre word (信息手册, 实施方案)."""
    bare = text.strip()
    for ending, fine, kind in _words().genres:
        if bare == ending:
            return fine, kind
    return None


def _open(text: str) -> bool:
    return text.count("《") > text.count("》") or text.count("“") > text.count("”")


def _run_in_title(line: _Line, found: _Collector) -> None:
    """A headline run into the text (one-line news): before its dateline, or after 原标题：."""
    text = line.text
    original = re.match(r"\s*原标题\s*[:：]\s*", text)
    begin = original.end() if original else 0
    rest = text[begin:begin + 120]
    if original:
        end = _headline_end(rest)
    else:
        dateline = _DATELINE.search(rest)
        if not dateline or dateline.start() < 6:
            return
        end = dateline.start()
        head = rest[:end]
        if "。" in head and len(head) - head.rindex("。") - 1 <= 12:
            outlet = head[head.rindex("。") + 1:]
            if re.fullmatch(r"[\u4e00-\u9fffA-Za-z]{2,12}", outlet):
                start = line.start + begin + head.rindex("。") + 1
                found.put("issuer", _strip_place(outlet), start, start + len(_strip_place(outlet)))
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


def _headline_end(rest: str) -> int:
    """Where a 原标题 headline stops: at its repetition, a dateline, a quote, a run of spaces."""
    ends = [len(rest)]
    for size in range(8, min(60, len(rest) // 2) + 1):
        if rest[size:size + size] == rest[:size] or rest[size:].lstrip().startswith(rest[:size]):
            ends.append(size)
            break
    for pattern in (_DATELINE, re.compile(r"\s{2,}|关注我们|“(?![^”]{1,10}”)|新华社|中新网|记者")):
        match = pattern.search(rest, 6)
        if match:
            ends.append(match.start())
    sentence = re.search(r"[。！？]", rest)
    if sentence:
        ends.append(sentence.start() + (1 if rest[sentence.start()] in "！？" else 0))
    return min(ends)


# --- academic papers ---------------------------------------------------------------


def _paper(lines: list[_Line], found: _Collector) -> None:
    """Journal article: the title lines sit between the journal header and the authors line."""
    abstract = next((k for k, line in enumerate(lines[:40]) if re.match(r"\s*摘\s*要", line.text)), None)
    if abstract is None:  # the abstract run onto the affiliation line above it
        abstract = next((k for k, line in enumerate(lines[:40]) if re.search(r"\d{6}\s*摘\s*要", line.text)), None)
        if abstract is not None:
            abstract += 1
    if abstract is None or abstract < 2:
        return
    header = lines[:abstract]
    journal = None
    for line in header:
        text = re.sub(r"第\s*\d+\s*[卷期]|\d{4}\s*年(?:\s*\d{1,2}\s*月)?|第\s*\d+\s*期", " ", line.text)
        if re.search(r"[·•]\s*\S+\s*[·•]", line.text):
            continue
        run = re.search(r"[\u4e00-\u9fff]{2,10}", text)
        if run and len(run.group(0)) <= 10 and not re.search(r"[“”《》]", line.text) and len(line.text) <= 60:
            start = line.start + line.text.find(run.group(0))
            journal = (run.group(0), start)
            break
    authors = abstract - 1
    # Footnote marks and affiliation lines (北京大学…，北京，100191) come between authors and abstract.
    while authors > 0 and (re.fullmatch(r"[\d\s,，;；*①-⑩]+", lines[authors].text)
                           or re.search(r"\d{6}|大学|学院|研究所|研究院|医院", lines[authors].text)
                           or re.match(r"\s*[，,、]", lines[authors].text)):  # the author list goes on
        authors -= 1
    glued_author = re.match(r"\s*[，,、]", lines[authors + 1].text) if authors + 1 < abstract else None
    title_lines = []
    k = authors - 1
    if glued_author and re.search(r"[\u4e00-\u9fff]{2,3}\s*[\d①-⑩*]+$", lines[authors].text) \
            and len(lines[authors].text) > 12:
        title_lines.append(lines[authors])  # the title line, with the first author joined onto it
    while k >= 0 and len(title_lines) < 3 and not (title_lines and glued_author):
        text = lines[k].text.strip()
        if journal and lines[k].start <= journal[1] <= lines[k].start + len(lines[k].text):
            break
        if re.search(r"[·•]\s*\S+\s*[·•]|Vol|No\.|卷|期", text) or len(text) > 60:
            break
        title_lines.insert(0, lines[k])
        k -= 1
    if title_lines:
        title = "".join(line.text.strip() for line in title_lines)
        if glued_author or re.search(r"[\u4e00-\u9fff]{2,3}\s*[\d①-⑩*]+$", title):
            # The first author's name (with its affiliation mark) was joined onto the title line.
            cut = re.search(r"(?<=[”》\u4e00-\u9fff])[\u4e00-\u9fff]{2,3}\s*[\d①-⑩*]+$", title)
            if cut and len(title) - len(cut.group(0)) >= 8:
                title = title[:cut.start()]
        found.put("title", re.sub(r"\s+", "", title), title_lines[0].start,
                  title_lines[-1].start + len(title_lines[-1].text))
    if journal:
        found.put("issuer", journal[0], journal[1], journal[1] + len(journal[0]))


# --- signature block -----------------------------------------------------------------


def _is_org(text: str) -> bool:
    bare = text.strip()
    if not (3 <= len(bare) <= 40) or re.search(r"[，。；：:“”《》（）()]", bare):
        return False
    return bare.endswith(_words().issuer_endings)


def is_signature(org: str, date_line: str) -> bool:
    """True for a signature block: an issuing body's name, then a date alone on its line."""
    date_text = date_line.strip()
    return _is_org(org) and bool(_DATE.fullmatch(date_text) or (_DATE.match(date_text) and len(date_text) <= 16))


def _signature(lines: list[_Line], found: _Collector) -> None:
    """An organisation line directly above a date line: the issuer and the 成文日期."""
    for k in range(len(lines) - 1):
        org, date_line = lines[k], lines[k + 1]
        date_text = date_line.text.strip()
        match = _DATE.fullmatch(date_text) or (_DATE.match(date_text) if len(date_text) <= 16 else None)
        if not match or not _is_org(org.text):
            continue
        if k > 0 and _is_org(lines[k - 1].text) and len(lines[k - 1].text) <= 40:
            pass  # several issuers sign: the first line is named
        begin = org.start + org.text.find(org.text.strip())
        found.put("issuer", org.text.strip(), begin, begin + len(org.text.strip()))
        date = _iso(match)
        if date:
            start = date_line.start + date_line.text.find(match.group(0))
            found.put("date", date, start, start + len(match.group(0)))
        return


def _copyright(lines: list[_Line], found: _Collector) -> None:
    """© 世界卫生组织，2018年: the holder of a publication's copyright published it."""
    for line in lines:
        match = re.match(r"\s*(?:©|版权所有\s*[:：]?)\s*(?P<name>[\u4e00-\u9fff]{3,20}?)\s*[，,\s]\s*(?:19|20)\d{2}",
                         line.text)
        if match:
            start = line.start + match.start("name")
            found.put("issuer", match.group("name"), start, start + len(match.group("name")))
            return


# --- news ----------------------------------------------------------------------------


def _strip_place(name: str) -> str:
    """新华社北京 → 新华社, 中新网长春 → 中新网: an outlet's dateline place is not its name."""
    for form, _ in _places():
        if len(form) >= 2 and name.endswith(form) and len(name) - len(form) >= 2:
            return name[: -len(form)]
    for city in ("北京", "上海", "天津", "重庆"):
        if name.endswith(city) and len(name) - len(city) >= 2:
            return name[: -len(city)]
    return name


def _news_header(lines: list[_Line], found: _Collector) -> None:
    head = lines[:8]
    for k, line in enumerate(head):
        text = line.text.strip()
        date = _DATE.search(text)
        if not date or len(text) > 80:
            continue
        has_time = bool(_TIME.search(text[date.end():date.end() + 12]))
        before = text[: date.start()].strip()
        after = text[date.end():]
        source = re.search(r"来源\s*[:：|｜]\s*(?P<name>[^\s|｜]{2,20})", after)
        if has_time or source or re.search(r"发布|来源", after):
            begin = line.start + line.text.find(date.group(0))
            found.put("date", _iso(date), begin, begin + len(date.group(0)))
            if before and re.fullmatch(r"[\u4e00-\u9fffA-Za-z·]{2,16}", before):
                start = line.start + line.text.find(before)
                found.put("issuer", before, start, start + len(before))
            elif source:
                start = line.start + line.text.find(source.group("name"), date.end())
                found.put("issuer", source.group("name"), start, start + len(source.group("name")))
            elif k > 0 and re.fullmatch(r"[\u4e00-\u9fffA-Za-z·]{2,12}", lines[k - 1].text.strip()) \
                    and k - 1 > 0:
                prev = lines[k - 1]
                start = prev.start + prev.text.find(prev.text.strip())
                found.put("issuer", prev.text.strip(), start, start + len(prev.text.strip()))
            break
    for line in head:
        source = _SOURCE.search(line.text)
        if source and len(line.text) <= 60:
            _put_outlet(found, line, source)
            break
    if len(lines) and "issuer" not in found.fields:
        _run_in_outlet(lines, found)
    if "issuer" not in found.fields:
        for line in reversed(lines[-12:]):
            tail_start = max(0, len(line.text) - 300)
            tail = line.text[tail_start:]
            match = _last(_SOURCE, tail) or _last(_TRANSFER, tail) or _last(_TAIL_REPORTER, tail)
            if match:
                _put_outlet(found, _Line(tail, line.start + tail_start, line.kept), match)
                break
    if "date" not in found.fields:
        first = lines[0].text[:200] if lines else ""
        dateline = re.search(r"(?:(?:19|20)\d{2})年\d{1,2}月\d{1,2}日(?=电|讯)", first)
        if dateline:
            found.put("date", parse_date(dateline.group(0)), lines[0].start + dateline.start(),
                      lines[0].start + dateline.end())
        else:
            for line in lines[-5:]:
                bare = line.text.strip()
                match = _DATE.fullmatch(bare) or _DATE.fullmatch(bare.strip("（）()"))
                if match:
                    begin = line.start + line.text.find(match.group(0))
                    found.put("date", _iso(match), begin, begin + len(match.group(0)))
                    break


def _last(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    found = None
    for found in pattern.finditer(text):
        pass
    return found


def _put_outlet(found: _Collector, line: _Line, match: re.Match[str]) -> None:
    name = re.sub(r"(?:记者|通讯员|编辑|责任编辑|作者|融媒体).*$", "", match.group("name")).strip()
    name = re.sub(r"(?:返回搜狐.*)$", "", name)
    ending = _OUTLET_ENDING.match(name)
    if ending and "/" not in name:
        name = ending.group(0)
    if len(name) >= 2:
        start = line.start + line.text.find(name, match.start())
        found.put("issuer", name, start, start + len(name))


_WIRE = re.compile(r"(?:^|(?<=[\s。！？：:，,]))(?P<name>[\u4e00-\u9fff]{1,8}(?:社|网|报|台))(?:[\u4e00-\u9fff]{2,4})?\d{1,2}月\d{1,2}日电")


def _run_in_outlet(lines: list[_Line], found: _Collector) -> None:
    """新华社北京7月22日电, 新京报讯, 本文转自：人民网, （人民日报健康客户端 侯佳欣）, 大众网记者 张砚."""
    for line in lines[:2]:
        text = line.text[:120]
        repeated = re.match(r"\s*(?:本文转自|转自|转载自)\s*[:：]\s*", text)
        if repeated:
            rest = text[repeated.end():]
            for size in range(2, 11):
                if rest[size:].startswith(rest[:size]):
                    found.put("issuer", rest[:size], line.start + repeated.end(), line.start + repeated.end() + size)
                    return
        transfer = re.match(r"\s*(?:本文转自|转自)\s*[:：]\s*(?P<name>[\u4e00-\u9fffA-Za-z]{2,10}?)(?=\1|[\u4e00-\u9fff]{2}\d)",
                            text)
        for pattern in (_OUTLET_PAREN, _OUTLET_DATELINE, _OUTLET_XUN, _OUTLET_REPORTER):
            match = pattern.match(text)
            if match and match.group("name") not in ("记者", "本报", "通讯员", "日前", "近日"):
                name = _strip_place(match.group("name")) if pattern is _OUTLET_DATELINE else match.group("name")
                name = re.sub(r"^(?:本文转自[:：])", "", name)
                start = line.start + line.text.find(name)
                found.put("issuer", name, start, start + len(name))
                return
        if transfer:
            name = transfer.group("name")
            start = line.start + line.text.find(name)
            found.put("issuer", name, start, start + len(name))
            return
        wire = _WIRE.search(line.text[:300])
        if wire:
            name = _strip_place(wire.group("name"))
            start = line.start + wire.start("name")
            found.put("issuer", name, start, start + len(name))
            return


# --- kind and region -----------------------------------------------------------------


def _kind(cleaned: Cleaned, found: _Collector, paper: bool) -> None:
    title = found.fields.get("title")
    text = cleaned.full
    if paper:
        found.put("genre", "论文", source="text")
        found.put("kind", "news", source="text")
        return
    if title and re.search(r"实录", title.value) or len(re.findall(r"(?:^|\n)\s*(?:主持人|记者|答)\s*[:：]",
                                                                  text)) >= 3:
        found.put("genre", "发布会实录", title.start if title else None, title.end if title else None, mapped=True)
        found.put("kind", "news")
        return
    if title:
        genre = genre_of(title.value)
        if genre:
            found.put("genre", genre[0], title.start, title.end, mapped=True)
            found.put("kind", genre[1], title.start, title.end, mapped=True)
            return
    news = bool(_DATELINE.search(text[:300]) or re.search(r"记者|通讯员|来源\s*[:：|｜]|原标题|编辑\s*[:：|｜]",
                                                         text) or "发布于" in text[:400])
    if news or len(text) < 6000:
        found.put("genre", "新闻", source="default")
        found.put("kind", "news", source="default")
    else:
        found.put("genre", "其他", source="default")
        found.put("kind", "news", source="default")


def _region(found: _Collector) -> None:
    issuer = found.fields.get("issuer")
    if issuer is None:
        return
    for form, name in _places():
        if issuer.value.startswith(form):
            found.put("region", name, issuer.start, issuer.start + len(form) if issuer.start is not None else None,
                      mapped=True)
            return


# --- merging with metadata.json ------------------------------------------------------


def default_id(path: Path) -> str:
    """A document id from the file name: ASCII letters/digits kept, plus a short hash of the name.

    Two files that differ only by suffix (good.pdf, good.docx) get different ids: a plain-text
    file keeps its bare stem, any other format adds its suffix (good-pdf).
    """
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", unicodedata.normalize("NFKC", path.stem))
    slug = re.sub(r"-{2,}", "-", slug).strip("-._")[:60] or "doc"
    if slug != path.stem:
        return f"{slug}-{hashlib.sha256(path.name.encode('utf-8')).hexdigest()[:6]}"
    suffix = path.suffix.lower().lstrip(".")
    return slug if suffix in ("txt", "md", "") else f"{slug}-{suffix}"


def merge(path: Path, inferred: Inference, given: DocumentMeta | None) -> tuple[DocumentMeta, tuple[MetaField, ...]]:
    """The document's metadata: each field from metadata.json where given, else as inferred.

    Returns the metadata and the provenance of every field that has a value.
    """
    provenance: dict[str, MetaField] = dict(inferred.fields)
    values = {name: inferred.value(name) for name in FIELDS}
    if not values["title"]:
        values["title"] = path.stem
        provenance["title"] = MetaField("title", path.stem, "file name")
    if not values["kind"]:
        values["kind"] = "news"
        provenance["kind"] = MetaField("kind", "news", "default")
    doc_id = default_id(path)
    note = "metadata inferred from the text: the file is not listed in metadata.json"
    extra: dict[str, object] = {}
    if given is not None:
        doc_id = given.id or doc_id
        note = given.note
        extra = {"as_of": given.as_of, "report_year": given.report_year}
        for name in FIELDS:
            value = getattr(given, name, "")
            if value:
                values[name] = value
                provenance[name] = MetaField(name, value, "metadata.json")
    meta = DocumentMeta(id=doc_id, file=path.name, title=values["title"], issuer=values["issuer"],
                        date=values["date"], kind=values["kind"], note=note, doc_number=values["doc_number"],
                        genre=values["genre"], validity=values["validity"], region=values["region"],
                        **extra)  # type: ignore[arg-type]
    return meta, tuple(provenance[name] for name in FIELDS if name in provenance)


def describe(provenance: tuple[MetaField, ...]) -> list[str]:
    """One line per field for ``kg add``: name, value, and where it came from."""
    out = []
    for item in provenance:
        where = item.source
        if item.start is not None:
            where += f" @{item.start}–{item.end}"
        out.append(f"{item.name}: {item.value}  ({where})")
    return out


def infer_metadata(path: Path, text: str) -> DocumentMeta:
    """Metadata for a file metadata.json does not describe, from its normalised ``text`` alone.

    The shorthand for callers that hold only the text (the app's upload preview, id checks):
    no file properties, no chrome information. A ``text`` of "" gives the id from the file name.
    """
    cleaned = Cleaned(text, text)
    meta, _ = merge(path, infer(path, cleaned) if text else Inference(), None)
    return meta


_ATTACHMENT_FILE = re.compile(r"^(?P<prefix>.*?)[\s\-_、.．]*附\s*件\s*(?P<number>\d{1,2}|[一二三四五六七八九十]{1,3})")


def attachment_links(documents: list[tuple[str, str, str, str]]) -> dict[str, tuple[str, str]]:
    """Which documents are attachments of which notice: {attachment id: (notice id, 附件N)}.

    ``documents`` holds (id, file name, title, text). An attachment shipped as a file of its own is
    named like ``11-附件3：…`` or opens with ``附件3``; its notice is the document whose file name
    has the same prefix (``11``) and is no attachment itself, or whose attachment list (附件：1．…)
    names the attachment's title.
    """
    links: dict[str, tuple[str, str]] = {}
    attachments = {}
    for doc_id, name, title, text in documents:
        match = _ATTACHMENT_FILE.match(Path(name).stem)
        opening = re.match(r"\s*附\s*件\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*(?:\n|$)", text)
        if match or opening:
            number = match.group("number") if match else opening.group(1)
            attachments[doc_id] = (match.group("prefix").strip() if match else "", f"附件{number}", title)
    for doc_id, (prefix, label, title) in attachments.items():
        bare_title = re.sub(r"\s", "", title)
        for other_id, name, _, text in documents:
            if other_id == doc_id or other_id in attachments:
                continue
            same_prefix = bool(prefix) and re.match(re.escape(prefix) + r"(?![\d])", Path(name).stem) is not None
            listed = bool(bare_title) and re.search(r"附\s*件\s*[:：]", text) is not None and \
                bare_title in re.sub(r"\s", "", text[text.rfind("附件"):][:2000] if "附件" in text else "")
            if same_prefix or listed:
                links[doc_id] = (other_id, label)
                break
    return links
