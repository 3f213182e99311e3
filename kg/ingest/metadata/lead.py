"""A label for a text that states no title: its first sentence, without byline, dateline or time opener."""

from __future__ import annotations

import re

from kg.ingest.metadata.fields import Collector, Line


# What a report opens with before saying what happened, taken off its first sentence one after
# another: who credits it (本文转自：X, 新华社北京7月22日电, 新京报讯, （记者 X）, 记者 A B 通讯员 C
# 枣庄报道, 据X消息，, 记者日前从X获悉，) and when (8月18日上午，近日，今年以来，).
_LEAD_OPENERS = [re.compile(pattern) for pattern in (
    r"^本文转自\s*[:：]\s*[\u4e00-\u9fffA-Za-z]{2,10}?(?=[\u4e00-\u9fff]{2,10}\d{1,2}月)",
    r"^[\u4e00-\u9fffA-Za-z·]{2,12}?(?:(?:19|20)\d{2}年)?\d{1,2}月\d{1,2}日(?:电|讯)",
    r"^[\u4e00-\u9fff]{1,8}?讯(?=[\s，,])",
    r"^[（(][^）)]{1,20}[）)]",
    # A byline's names are 2-3 characters apart; the last may be glued to the text, told by its first
    # word (…于玲为扩大… → 为扩大…).
    r"^[\u4e00-\u9fff]{0,8}?(?:记者|通讯员)(?:\s*(?:[\u4e00-\u9fff]{2,3}(?=\s|\d|[\u4e00-\u9fff]{0,4}报道)"
    r"|[\u4e00-\u9fff]{2}(?=为|在|近日|日前|据|今年|随着|截至)))+"
    r"(?:\s*[\u4e00-\u9fff]{0,4}报道)?",
    r"^据[^，。]{2,16}消息",
    r"^(?:记者(?:日前|近日|\d{1,2}日)?)?从[^，。]{2,30}?(?:获悉|了解到|得知)",
    r"^(?:(?:(?:19|20)\d{2}年)?\d{1,2}月\d{1,2}日[上下]?午?|(?:19|20)\d{2}年(?:以来)?|近日|日前|近期|昨[天日]|今[天日]|今年(?:以来)?|近年来|"
    r"目前|当前)(?=\s*[，,])",
)]
_LEAD_CHARS = 40


def read_lead(lines: list[Line], found: Collector) -> None:
    """A label for a text that states no title: its first sentence, as the app and `kg add` show it.

    Kept with source "lead" (not "text") so that it is never taken for a title the document
    states: metadata.json or the user corrects it; the file name was the label before.
    """
    if "title" in found.fields:
        return
    first = next((line for line in lines[:3] if line.kept and re.search(r"[\u4e00-\u9fff]{6}", line.text)), None)
    if first is None:
        return
    text = first.text
    sentence = re.match(r"[^。！？!?]{6,}", text.strip())
    if not sentence:
        return
    begin = text.find(sentence.group(0))
    stop = begin + len(sentence.group(0))
    for _ in range(6):
        rest = text[begin:stop]
        opener = next((m for m in (p.match(rest) for p in _LEAD_OPENERS) if m and m.end()), None)
        if opener is None:
            break
        begin += opener.end()
        begin += len(text[begin:stop]) - len(text[begin:stop].lstrip(" \t，,：:"))
    label = text[begin:stop].strip()
    if len(label) < 6:
        return
    end = begin + min(len(label), _LEAD_CHARS)
    shown = label if len(label) <= _LEAD_CHARS else label[:_LEAD_CHARS] + "…"
    found.put("title", shown, first.start + begin, first.start + end, source="lead")
