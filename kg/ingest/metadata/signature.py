"""The issuer and date of a signature block (an issuing body, then a date), and a copyright holder."""

from __future__ import annotations

import re

from kg.ingest.metadata.dates import DATE, iso
from kg.ingest.metadata.fields import Collector, Line
from kg.ingest.metadata.words import words

def _is_org(text: str) -> bool:
    bare = text.strip()
    if not (3 <= len(bare) <= 40) or re.search(r"[，。；：:“”《》（）()]", bare):
        return False
    return bare.endswith(words().issuer_endings)


def is_signature(org: str, date_line: str) -> bool:
    """True for a signature block: an issuing body's name, then a date alone on its line."""
    date_text = date_line.strip()
    return _is_org(org) and bool(DATE.fullmatch(date_text) or (DATE.match(date_text) and len(date_text) <= 16))


def read_signature(lines: list[Line], found: Collector) -> None:
    """An organisation line directly above a date line: the issuer and the 成文日期."""
    for k in range(len(lines) - 1):
        org, date_line = lines[k], lines[k + 1]
        date_text = date_line.text.strip()
        match = DATE.fullmatch(date_text) or (DATE.match(date_text) if len(date_text) <= 16 else None)
        if not match or not _is_org(org.text):
            continue
        if k > 0 and _is_org(lines[k - 1].text) and len(lines[k - 1].text) <= 40:
            pass  # several issuers sign: the first line is named
        begin = org.start + org.text.find(org.text.strip())
        found.put("issuer", org.text.strip(), begin, begin + len(org.text.strip()))
        date = iso(match)
        if date:
            start = date_line.start + date_line.text.find(match.group(0))
            found.put("date", date, start, start + len(match.group(0)))
        return


def read_copyright(lines: list[Line], found: Collector) -> None:
    """© 世界卫生组织，2018年: the holder of a publication's copyright published it."""
    for line in lines:
        match = re.match(r"\s*(?:©|版权所有\s*[:：]?)\s*(?P<name>[\u4e00-\u9fff]{3,20}?)\s*[，,\s]\s*(?:19|20)\d{2}",
                         line.text)
        if match:
            start = line.start + match.start("name")
            found.put("issuer", match.group("name"), start, start + len(match.group("name")))
            return
