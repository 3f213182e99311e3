"""Journal articles: the title between the journal header and the authors, the journal as issuer."""

from __future__ import annotations

import re

from kg.ingest.metadata.fields import Collector, Line

PAPER_MARKS = re.compile(r"摘\s*要|关键词|中图分类号|文献标识码|文章编号|DOI[:：]")


def read_paper(lines: list[Line], found: Collector) -> None:
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
