"""News pages: the outlet (来源：, the account above the dateline, 新华社北京7月22日电, a reporter line) and the date."""

from __future__ import annotations

import re

from kg.ingest.metadata.dates import DATE, TIME, WEEKDAY, iso, parse_date
from kg.ingest.metadata.fields import Collector, Line
from kg.ingest.metadata.words import places, words

# Datelines of news text: 深圳新闻网2023年8月14日讯, 新华社北京7月22日电, 新京报讯, 7月21日上午
DATELINE = re.compile(
    r"(?:(?:19|20)\d{2}年)?\d{1,2}月\d{1,2}日(?:电|讯|[上下]午|晚间?|早间?|凌晨|\s*[，,])"
    r"|[\u4e00-\u9fff]{2,8}讯(?=[\s，,（(]|$)")
_OUTLET_DATELINE = re.compile(
    r"^\s*(?:本文转自[:：]\s*\S+?\s*)?(?P<name>[\u4e00-\u9fffA-Za-z·]{2,12}?)"
    r"(?:(?:19|20)\d{2}年)?\d{1,2}月\d{1,2}日(?:电|讯)")
# 某某网（某某日报网）讯: the outlet, then its other name in brackets, then the cue.
_OUTLET_XUN = re.compile(r"^\s*(?P<name>[\u4e00-\u9fff]{2,8}?)(?:[（(][\u4e00-\u9fff]{2,10}[）)])?(?:本报)?讯(?=[\s，,（(])")
_OUTLET_REPORTER = re.compile(r"^\s*[（(]?(?P<name>[\u4e00-\u9fffA-Za-z]{2,12}?)(?:融媒体)?(?:记者|特约作者|客户端\s)")
_OUTLET_PAREN = re.compile(r"^\s*[（(](?P<name>[\u4e00-\u9fff]{2,14}?(?:客户端|日报|晚报|网|报|新闻|社|台))\s+\S{2,4}[）)]")
# A source given as a link (来源:http://…) names no outlet: its address may date the page (_url_date).
_SOURCE = re.compile(r"(?:^|\s|[。！？）)])(?:文章|稿件|信息|新闻)?来源\s*[:：|｜]\s*(?!https?\b|www\.)"
                     r"(?P<name>[^\s|｜:：，。]{2,20})")
_SOURCE_LINK = re.compile(r"(?:来源|原文|原文链接|本文链接|网址)\s*[:：]\s*(?P<url>https?://\S+)")
# News sites file a page under its date: /2026/0116/, /2023-08/14/, /20230814/.
_URL_DATE = re.compile(r"/(?P<y>20\d{2})[-/]?(?P<m>0[1-9]|1[0-2])[-/]?(?P<d>0[1-9]|[12]\d|3[01])(?=[/_.-])")
_OUTLET_ENDING = re.compile(r"^.{2,12}?(?:客户端|日报|晚报|早报|商报|时报|新闻网|网|通讯社|社|电视台|广播电台|发布|新闻)")
# 扬子晚报/紫牛新闻 记者 季娜娜 …, 湖南医聊特约作者：…, 采写：某某记者 … at the end of a news text.
_TAIL_REPORTER = re.compile(r"(?:^|[。！？”）)]\s*)(?:(?:采写|撰文|文字|文图|图文|采访|文)\s*[:：]\s*)?(?P<name>[\u4e00-\u9fffA-Za-z/]{2,16}?)\s*(?:特约作者|记者)\s*[:：]?\s*"
                            r"[\u4e00-\u9fff]{2,}")
# A page's footer that advertises its own app or account (下载“齐鲁壹点”APP, 关注微信公众号“X”).
_TAIL_APP = re.compile(r"(?:下载|搜索|关注)[^“”。，,]{0,8}“(?P<name>[\u4e00-\u9fffA-Za-z]{2,10})”\s*"
                       r"(?:APP|App|app|客户端|小程序|微信公众号|公众号)")
# A portal's disclaimer names the site: 请尽快与上海热线联系，本网将…
_TAIL_DISCLAIMER = re.compile(r"与(?P<name>(?!本)[\u4e00-\u9fffA-Za-z]{2,10}?)联系[，,]?\s*本(?:网|站)")
# A credit line of a page a body supplied: 本版文图由X提供, 本版稿件由X提供.
_CREDIT = re.compile(r"本(?:版|文|期)(?:文图|图文|文字|稿件|内容|图片|资料)?由(?P<name>[\u4e00-\u9fff]{2,30}?)(?:提供|供稿)")
_TRANSFER = re.compile(r"(?:本文转自|转自|本文来源于|转载请注明来自|转载自)\s*[:：]?\s*(?P<name>[\u4e00-\u9fffA-Za-z]{2,16}?)"
                       r"(?:官方微信|官方微博|公众号|官微|[，,。\s]|$)")


def strip_place(name: str) -> str:
    """新华社北京 → 新华社, 中新网长春 → 中新网: an outlet's dateline place is not its name."""
    for form, _ in places():
        if len(form) >= 2 and name.endswith(form) and len(name) - len(form) >= 2:
            return name[: -len(form)]
    for city in ("北京", "上海", "天津", "重庆"):
        if name.endswith(city) and len(name) - len(city) >= 2:
            return name[: -len(city)]
    return name


def read_news(lines: list[Line], found: Collector) -> None:
    head = lines[:8]
    for k, line in enumerate(head):
        text = line.text.strip()
        date = DATE.search(text)
        if not date or len(text) > 80:
            continue
        has_time = bool(TIME.search(text[date.end():date.end() + 12]))
        before = text[: date.start()].strip()
        after = text[date.end():]
        source = re.search(r"来源\s*[:：|｜]\s*(?!https?\b|www\.)(?P<name>[^\s|｜]{2,20})", after)
        # A time, a source or a weekday (a newspaper's masthead: 2026年1月21日 星期三) makes it the page's date.
        weekday = WEEKDAY.match(after)
        if has_time or source or weekday or re.search(r"发布|来源", after):
            begin = line.start + line.text.find(date.group(0))
            found.put("date", iso(date), begin, begin + len(date.group(0)))
            if before and re.fullmatch(r"[\u4e00-\u9fffA-Za-z·]{2,16}", before):
                start = line.start + line.text.find(before)
                found.put("issuer", before, start, start + len(before))
            elif source:
                start = line.start + line.text.find(source.group("name"), date.end())
                found.put("issuer", source.group("name"), start, start + len(source.group("name")))
            else:
                _masthead(head[:k], found)
            break
    for line in head:
        source = _SOURCE.search(line.text)
        if source and len(line.text) <= 60:
            _put_outlet(found, line, source)
            break
    if len(lines) and "issuer" not in found.fields:
        _run_in_outlet(lines, found)
    head_outlet = _head_outlet(lines)
    issuer_credit, outlet_credit = _closing_credits(lines, "issuer" not in found.fields, head_outlet is None)
    if issuer_credit:
        _put_outlet(found, *issuer_credit)
    if "date" not in found.fields:
        first = lines[0].text[:200] if lines else ""
        dateline = re.search(r"(?:(?:19|20)\d{2})年\d{1,2}月\d{1,2}日(?=电|讯)", first)
        if dateline:
            found.put("date", parse_date(dateline.group(0)), lines[0].start + dateline.start(),
                      lines[0].start + dateline.end())
        else:
            for line in lines[-5:]:
                bare = line.text.strip()
                match = DATE.fullmatch(bare) or DATE.fullmatch(bare.strip("（）()"))
                if match:
                    begin = line.start + line.text.find(match.group(0))
                    found.put("date", iso(match), begin, begin + len(match.group(0)))
                    break
    if "date" not in found.fields:
        _closing_date(lines, found)
    if "date" not in found.fields:
        _url_date(lines, found)
    # The outlet a text credits (来源：X, 转自X, 本版文图由X提供) is kept whatever the issuer, as the
    # field ``outlet``, with its span where the credit stands in the text (chrome removal keeps a
    # credit, moved to the text's end; a credit cut off a plain text's line has none).
    outlet = head_outlet or outlet_credit
    if outlet:
        _put_outlet(found, *outlet, "outlet")


def _head_outlet(lines: list[Line]) -> tuple[Line, re.Match[str]] | None:
    """A source or transfer line among the first eight (来源：X on a short line, 本文转自X)."""
    for line in lines[:8]:
        match = _SOURCE.search(line.text) if len(line.text) <= 60 else _TRANSFER.match(line.text[:120])
        if match:
            return line, match
    return None


Credit = tuple[Line, re.Match[str]]


def _closing_credits(lines: list[Line], issuer: bool, outlet: bool) -> tuple[Credit | None, Credit | None]:
    """The credits of the closing lines, read in one pass from the end: (issuer's, outlet's).

    The outlet is the last line with a source, transfer or credit (来源：X, 转自X, 本版文图由X提供);
    the issuer is the last line with one of those or a reporter, app or disclaimer line. Only the
    ones asked for are looked for. A credit glued to the last paragraph's end (…。来源：新华社返回搜狐…)
    is one too: the last 300 characters of each line are read.
    """
    issuer_credit = outlet_credit = None
    for line in reversed(lines[-12:]):
        if not issuer and not outlet:
            break
        tail_start = max(0, len(line.text) - 300)
        tail = line.text[tail_start:]
        match = _last(_SOURCE, tail) or _last(_TRANSFER, tail) or _last(_CREDIT, tail)
        if match and outlet:
            outlet_credit, outlet = (Line(tail, line.start + tail_start, line.kept), match), False
        if issuer:
            match = match or _last(_TAIL_REPORTER, tail) or _last(_TAIL_APP, tail) or _last(_TAIL_DISCLAIMER, tail)
            if match:
                issuer_credit, issuer = (Line(tail, line.start + tail_start, line.kept), match), False
    return issuer_credit, outlet_credit


# The edition a text credits at its end: 《光明日报》（2023年07月24日 10版）, （来源：健康报 2023-07-24）.
_CREDIT_DATE = re.compile(r"(?:《[^《》\n]{2,16}》|来源\s*[:：]\s*[^\s:：，,。（(]{2,16})\s*[（(，,]?\s*(?=(?:19|20)\d{2})")
_EDITION = re.compile(r"\s*(?:第\s*)?\d{1,3}\s*版|\s*[）)]")


def _closing_date(lines: list[Line], found: Collector) -> None:
    """A date the closing lines give the page: a labelled one (发布时间：…, from the [label] words of
    kg/data/doc_genres.txt) or the date of the edition a credit names (《X》（date N版）).

    Only the last 300 characters of the last five lines are read: a credit is often glued to the
    end of the last paragraph, and a date inside the body is an event's, not the page's.
    """
    labels = [label for label, name in words().labels.items() if name in ("date", "published")]
    labelled = re.compile("(?:" + "|".join(map(re.escape, sorted(labels, key=len, reverse=True)))
                          + r")\s*[:：]\s*(?=(?:19|20)\d{2})") if labels else None
    for line in reversed(lines[-5:]):
        tail_start = max(0, len(line.text) - 300)
        tail = line.text[tail_start:]
        for pattern in (labelled, _CREDIT_DATE):
            lead = _last(pattern, tail) if pattern is not None else None
            date = DATE.match(tail, lead.end()) if lead else None
            # A credit's date closes the bracket or is followed by the page (10版).
            if date and iso(date) and (pattern is labelled or _EDITION.match(tail, date.end())
                                       or date.end() == len(tail.rstrip())):
                begin = line.start + tail_start + date.start()
                found.put("date", iso(date), begin, begin + len(date.group(0).rstrip()))
                return


def _url_date(lines: list[Line], found: Collector) -> None:
    """The date in the address of the page the text was taken from (文章来源:http://…/2026/0116/…)."""
    for line in lines:
        link = _SOURCE_LINK.search(line.text)
        date = _URL_DATE.search(link.group("url")) if link else None
        if link and date:
            value = f"{date.group('y')}-{date.group('m')}-{date.group('d')}"
            start = line.start + link.start("url") + date.start() + 1
            found.put("date", value, start, line.start + link.start("url") + date.end())
            return


def _masthead(above: list[Line], found: Collector) -> None:
    """The account or paper named on the line above a page's date (not the first line of the text).

    A newspaper's masthead prints its supervising body (国家卫生健康委员会主管) and an English name
    between its name (健康报) and the date: those lines are passed over.
    """
    last = k = len(above) - 1
    while k > 0 and (re.fullmatch(r"[A-Za-z\s.&]+", above[k].text.strip())
                     or re.search(r"(?:主管|主办)$", above[k].text.strip())):
        k -= 1
    if k < 0 or k == 0 == last:
        return  # no line above, or the text's first line straight above: that is its title
    name = above[k].text.strip()
    if re.fullmatch(r"[\u4e00-\u9fffA-Za-z·]{2,12}", name) and not re.search(r"(?:主管|主办)$", name):
        start = above[k].start + above[k].text.find(name)
        found.put("issuer", name, start, start + len(name))


def _last(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    found = None
    for found in pattern.finditer(text):
        pass
    return found


def _put_outlet(found: Collector, line: Line, match: re.Match[str], field: str = "issuer") -> None:
    name = re.sub(r"(?:记者|通讯员|编辑|责任编辑|作者|融媒体).*$", "", match.group("name")).strip()
    name = re.sub(r"(?:返回搜狐.*)$", "", name)
    ending = _OUTLET_ENDING.match(name)
    # A body's name (海南省新闻办公室) is whole: an outlet ending inside it (新闻) does not cut it.
    if ending and "/" not in name and not name.endswith(words().issuer_endings):
        name = ending.group(0)
    if len(name) >= 2:
        start = line.start + line.text.find(name, match.start())
        found.put(field, name, start, start + len(name))


_WIRE = re.compile(r"(?:^|(?<=[\s。！？：:，,]))(?P<name>[\u4e00-\u9fff]{1,8}(?:社|网|报|台))(?:[\u4e00-\u9fff]{2,4})?\d{1,2}月\d{1,2}日电")


def _run_in_outlet(lines: list[Line], found: Collector) -> None:
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
                name = strip_place(match.group("name")) if pattern is _OUTLET_DATELINE else match.group("name")
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
            name = strip_place(wire.group("name"))
            start = line.start + wire.start("name")
            found.put("issuer", name, start, start + len(name))
            return
