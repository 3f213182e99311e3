"""Dates as documents write them (2025年4月3日, 2025-04-03, 二〇二五年四月三日) → YYYY-MM-DD."""

from __future__ import annotations

import re

_CN_DIGIT = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6,
             "七": 7, "八": 8, "九": 9}
_CN_YEAR = "〇○零Ｏ一二三四五六七八九"
DATE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*(?:年|[-/.．－])\s*(?P<m>\d{1,2})\s*(?:月|[-/.．－])\s*(?P<d>\d{1,2})(?!\d)\s*日?"
    rf"|(?P<cy>[{_CN_YEAR}]{{4}})年(?P<cm>[一二三四五六七八九十]{{1,3}})月(?P<cd>[一二三四五六七八九十]{{1,3}})日")
TIME = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?")
# The weekday a dated line may go on with (2026年1月21日 星期三): a newspaper's masthead, a page's date.
WEEKDAY = re.compile(r"\s*(?:星期|周)[一二三四五六日天]")


def parse_date(text: str) -> str:
    """The first full date in ``text`` as YYYY-MM-DD (二〇二五年四月三日 too); "" if none or invalid."""
    match = DATE.search(text)
    return iso(match) if match else ""


def iso(match: re.Match[str]) -> str:
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
