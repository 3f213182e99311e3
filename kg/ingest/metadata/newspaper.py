"""A newspaper page: its masthead (name, date with weekday, issue number) and its lead headline.

A printed page has no title of its own: it is named by the paper, the day and the issue
(健康报 2026年1月21日（第12687期）), and what it is about by its lead story, the headline above the
first byline (□本报记者 …). The masthead lines between the name and the headline (the supervising
body …主管, the English name, the lunar date, 第N期 今日8版, serial and postal codes, the site's
address — ``[masthead]`` in kg/data/doc_genres.txt) are never the title.
"""

from __future__ import annotations

import re

from kg.ingest.metadata.dates import DATE, WEEKDAY, iso
from kg.ingest.metadata.fields import Collector, Line
from kg.ingest.metadata.words import words

_ISSUE = re.compile(r"第\s*(\d{1,6})\s*期")
_BYLINE = re.compile(r"^\s*[□■◇◆●○]?\s*(?:本报(?:记者|讯|通讯员)|记者\s|通讯员\s|特约记者)")
_NAME = re.compile(r"[\u4e00-\u9fff·]{2,12}")


def masthead_line(text: str) -> bool:
    """A line of a masthead: an English name, a link, or a masthead word (主管, 邮发代号 …)."""
    bare = text.strip()
    return (bool(re.fullmatch(r"[A-Za-z\s.&]+|<?https?://\S+>?|www\.\S+", bare))
            or bool(words().masthead.search(bare)))


def read_newspaper(lines: list[Line], found: Collector) -> bool:
    """Title, issuer and date of a newspaper page; False when the text does not open on a masthead."""
    head = lines[:12]
    for k, line in enumerate(head):
        date = DATE.search(line.text)
        # A masthead's date line holds the date and weekday only (2026年1月21日 星期三).
        # ``date`` and ``line`` stay that line's match and line for the rest of the function.
        if date and WEEKDAY.match(line.text[date.end():]) and len(line.text.strip()) <= 24:
            break
    else:
        return False
    # The paper's name: the first line above the date that is no masthead line.
    above = [n for n in range(k) if not masthead_line(head[n].text)]
    # A line straight above a dated line is an article's title (a WeChat post, a web page) unless
    # masthead lines stand around the date.
    if not above or not any(masthead_line(h.text) for h in head[:k + 4]):
        return False
    name_line = head[above[0]]
    name = name_line.text.strip()
    if not _NAME.fullmatch(name):
        return False
    # The masthead goes on below the date (lunar date, issue, codes); the first other line ends it.
    end, issue = k + 1, None
    for n in range(k, min(len(lines), k + 8)):
        text = lines[n].text
        number = _ISSUE.search(text)
        if number and issue is None:
            issue = number.group(1)
        if n > k and not masthead_line(text) and not (number and len(text.strip()) <= 16):
            end = n
            break
    headline = None
    for n in range(end, min(len(lines) - 1, end + 6)):
        if _BYLINE.match(lines[n + 1].text) and len(lines[n].text.strip()) <= 40 \
                and not re.search(r"[。！？]$", lines[n].text.strip()):
            headline = lines[n]
            break
    title = f"{name} {date.group(0).strip()}" + (f"（第{issue}期）" if issue else "")
    if headline is not None:
        title += "：" + headline.text.strip()
        start = headline.start + headline.text.find(headline.text.strip())
        found.put("title", title, start, start + len(headline.text.strip()))
    else:
        found.put("title", title, name_line.start, line.start + date.end())
    start = name_line.start + name_line.text.find(name)
    found.put("issuer", name, start, start + len(name))
    begin = line.start + date.start()
    found.put("date", iso(date), begin, begin + len(date.group(0)))
    return True
