"""Places: China's provinces, cities and counties, found through the national gazetteer.

A place is written in full (宾川县, 西藏自治区) or in a short form the gazetteer
lists (宾川, 三江县, 西藏); the longest form at a position wins, so 大理州宾川县 is two
places and 西藏自治区 is not also 西藏. Each place entity is ``pol:locatedIn`` its
enclosing area. A document's *home* province (the one most of its places lie in) and its
*focus* places (the city or county it keeps coming back to) let the other extractors
complete elliptical names: 县人民医院 in a story about 祥云县 is 祥云县人民医院.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from kg.extract import lexicon
from kg.extract.gazetteer import short_forms_of
from kg.records import Document, Passage

ENTITY_TYPE = "Place"


@dataclass(frozen=True)
class PlaceHit:
    """One occurrence of a place name."""

    start: int
    end: int
    surface: str
    name: str  # full gazetteer name
    passage: Passage


def find_places(document: Document, passages: list[Passage]) -> list[PlaceHit]:
    """Every gazetteer place named in the document's passages, in text order."""
    gazetteer = lexicon.gazetteer()
    hits: list[PlaceHit] = []
    with short_forms_of(document.text):
        for passage in passages:
            for start, end, surface, name in gazetteer.find_all(document.text, passage.start, passage.end):
                hits.append(PlaceHit(start, end, surface, name, passage))
    return hits


def home_province(document: Document, hits: list[PlaceHit]) -> str | None:
    """The province-level area a document is about: the one named in its title or issuer, else
    the one most of its places lie in (when it holds at least half of them)."""
    gazetteer = lexicon.gazetteer()
    meta = f"{document.meta.title} {document.meta.issuer}"
    named = [lexicon.place_at(meta, i) for i in range(len(meta))]
    provinces = Counter(gazetteer.province_of(p[1]) for p in named if p)
    provinces.pop(None, None)
    if provinces:
        return provinces.most_common(1)[0][0]
    counts = Counter(gazetteer.province_of(hit.name) for hit in hits)
    counts.pop(None, None)
    if not counts:
        return None
    province, count = counts.most_common(1)[0]
    return province if count * 2 >= sum(counts.values()) else None


def focus_places(hits: list[PlaceHit], title: str = "") -> dict[str, str]:
    """{level: place} for the city and the county a document is mostly about.

    A place is the focus of its level when it is named at least three times and more
    often than all other places of that level together, or when it is the only place of its
    level in the document's title (积石山县健康促进工作方案) and named in the text too.
    """
    gazetteer = lexicon.gazetteer()
    in_title = {name for _, _, _, name in gazetteer.find_all(title)}
    out: dict[str, str] = {}
    for level in ("city", "county"):
        counts = Counter(hit.name for hit in hits if gazetteer.places[hit.name].level == level)
        if not counts:
            continue
        name, count = counts.most_common(1)[0]
        titled = [n for n in in_title if gazetteer.places[n].level == level and n in counts]
        if count >= 3 and count * 2 > sum(counts.values()):
            out[level] = name
        elif len(titled) == 1:
            out[level] = titled[0]
    if "county" in out and "city" not in out:
        parent = gazetteer.places.get(gazetteer.places[out["county"]].parent)
        if parent is not None and parent.level == "city":
            out["city"] = parent.name
    return out
