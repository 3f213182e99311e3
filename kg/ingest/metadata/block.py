"""The information block (索引号 / 发文机关 / 文号 / 成文日期 / 有效性) and the 文号 under the title."""

from __future__ import annotations

import re

from kg.ingest.metadata.dates import parse_date
from kg.ingest.metadata.fields import Collector, Line
from kg.ingest.metadata.words import words
from kg.ingest.normalise import DOC_NUMBER
from kg.records import MetaField

# WHO/CED/PHE/SDH/18.1: a report code alone on its line.
REPORT_CODE = re.compile(r"^[A-Z]{2,}(?:/[A-Z0-9.\-]+){2,}$")


def read_block(lines: list[Line], found: Collector) -> None:
    """索引号：… 发文机关：… 文号：… 成文日期：… on one line or several, or label\\tvalue rows."""
    labels = words().labels
    pattern = re.compile(r"(?P<label>" + "|".join(sorted(map(re.escape, labels), key=len, reverse=True))
                         + r")\s*[:：\t]\s*")
    for index, line in enumerate(lines):
        matches = list(pattern.finditer(line.text))
        # A label starts the line or follows a blank or a separator; or a Latin letter or digit, where
        # normalising closed the blank after a number (索引号：…-00021 发布机构：… → …00021发布机构：…).
        matches = [m for m in matches if m.start() == 0 or line.text[m.start() - 1] in " \t|｜　"
                   or line.text[m.start() - 1].isascii() and line.text[m.start() - 1].isalnum()]
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
                    number = DOC_NUMBER.search(value)
                    if not number:
                        continue
                    value = tidy_number(number.group(0))
                found.put(name, value, begin, begin + len(raw_value.strip(" \t|｜")))
    # 成文日期 wins over 发布日期; a page that gives only the publication date uses it.
    published = found.fields.pop("published", None)
    if published is not None and "date" not in found.fields:
        found.fields["date"] = MetaField("date", published.value, published.source, published.start, published.end)


def read_doc_number(lines: list[Line], found: Collector) -> None:
    """The document's own 文号: alone on a line near the top (a 文号 inside a sentence is a citation)."""
    for line in lines:
        bare = line.text.strip()
        match = DOC_NUMBER.search(bare)
        if match and len(bare) - len(match.group(0)) <= 6 and not re.search(r"[《》“”，。]", bare):
            start = line.start + line.text.find(match.group(0))
            found.put("doc_number", tidy_number(match.group(0)), start, start + len(match.group(0)))
            return
        if REPORT_CODE.match(bare):
            start = line.start + line.text.find(bare)
            found.put("doc_number", bare, start, start + len(bare))
            return


def tidy_number(number: str) -> str:
    return re.sub(r"\s+", "", number)
