"""China's administrative divisions (``kg/data/gazetteer_cn.tsv``) and a fast longest-form matcher.

The data file is made by ``tools/make_gazetteer.py`` from JioNLP's division table (Apache License
2.0): 34 provinces, 333 prefecture-level and ~2,900 county-level divisions with their short forms.
Matching is a dictionary lookup by first character (the longest form at a position wins), not one
regular expression of several thousand alternatives.

A county's short form (宾川 for 宾川县) is read as that county only inside a document that names the
county in full or names its city (:func:`short_forms_of`): two-character county short forms are
also pieces of other words (南溪 in an invented 南溪湖医院 is not 宜宾市南溪区 in a text of another province). Full names and
the short forms of provinces and cities are always read. Inside such a document, the abbreviations
it makes of the places it names (前郭县 for 前郭尔罗斯蒙古族自治县, :func:`abbreviations_in`) are read too.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

GAZETTEER_FILE = "data/gazetteer_cn.tsv"


@dataclass(frozen=True)
class Place:
    """An administrative area of the gazetteer."""

    name: str  # full official name, e.g. 三江侗族自治县 (parent+name when two places share it)
    level: str  # province | city | county
    parent: str  # full name of the enclosing area, "" for a province (or a name two places share)
    short_forms: tuple[str, ...]  # other ways the texts write it, e.g. 三江县, 三江
    code: str = ""  # GB/T 2260 division code

    @property
    def level_word(self) -> str:
        """The generic word a text uses for an area of this kind (省, 自治区, 市, 县, 区)."""
        for ending in ("特别行政区", "自治区", "自治县", "自治州", "自治旗", "省", "市", "县", "区", "州", "盟", "旗"):
            if self.name.endswith(ending):
                return {"自治县": "县", "特别行政区": "区", "自治州": "州", "自治旗": "旗"}.get(ending, ending)
        return ""


@dataclass(frozen=True)
class Gazetteer:
    """Places by name, and every surface form (full name or short form) → place."""

    places: dict[str, Place]
    forms: dict[str, str]  # surface form → full name
    by_first: dict[str, tuple[str, ...]]  # first character → forms starting with it, longest first
    county_shorts: frozenset[str] = frozenset()  # forms that are a county's short form
    children: dict[str, tuple[str, ...]] = field(default_factory=dict)  # parent → places directly in it

    def _active(self, form: str) -> bool:
        if form not in self.county_shorts:
            return True
        active = _ACTIVE_COUNTIES.get()
        return active is None or self.forms[form] in active

    def ancestors(self, name: str) -> list[Place]:
        """The place itself and the areas enclosing it, innermost first."""
        out: list[Place] = []
        while name in self.places and len(out) < 5:
            out.append(self.places[name])
            name = self.places[name].parent
        return out

    def province_of(self, name: str) -> str | None:
        """Full name of the province-level area a place lies in."""
        chain = self.ancestors(name)
        return chain[-1].name if chain and chain[-1].level == "province" else None

    def _forms_at(self, text: str, start: int, end: int | None = None) -> Iterator[tuple[str, str]]:
        """(form, full name) of the forms written at ``text[start:end]``, longest first: the
        gazetteer's and the abbreviations the current document uses (:func:`short_forms_of`)."""
        end = len(text) if end is None else end
        found = ((f, self.forms[f]) for f in self.by_first.get(text[start], ())
                 if text.startswith(f, start) and start + len(f) <= end and self._active(f))
        extra = _DOC_FORMS.get()
        if not extra:
            return found  # forms are tried lazily: this runs at every character of every passage
        more = [(f, name) for f, name in extra.items() if text.startswith(f, start) and start + len(f) <= end]
        return iter(sorted([*found, *more], key=lambda pair: len(pair[0]), reverse=True))

    def at(self, text: str, start: int = 0) -> tuple[str, str] | None:
        """(surface form, full name) of the longest form at ``text[start:]``."""
        if start >= len(text):
            return None
        return next(((f, name) for f, name in self._forms_at(text, start) if not _glued(text, start, f)), None)

    def find_all(self, text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int, str, str]]:
        """(start, end, surface, full name) of every place in ``text[start:end]``, left to right, not
        overlapping (the longest form at the leftmost position wins, as a regex alternation would)."""
        end = len(text) if end is None else end
        extra = _DOC_FORMS.get()
        position = start
        while position < end:
            forms = self.by_first.get(text[position])
            if extra:
                found = next(((f, name) for f, name in self._forms_at(text, position, end)
                              if not _glued(text, position, f)), None)
            elif forms:  # the common case, kept a plain loop: this runs at every character
                found = next(((f, self.forms[f]) for f in forms if text.startswith(f, position)
                              and position + len(f) <= end and self._active(f) and not _glued(text, position, f)),
                             None)
            else:
                found = None
            if found is not None:
                yield position, position + len(found[0]), found[0], found[1]
                position += len(found[0])
                continue
            position += 1


@lru_cache(maxsize=1)
def _words() -> dict[str, int]:
    """jieba's dictionary (word → frequency), loaded once."""
    import jieba

    jieba.setLogLevel(60)  # jieba prints its dictionary loading to stderr otherwise
    jieba.dt.check_initialized()
    return jieba.dt.FREQ


def _glued(text: str, start: int, form: str) -> bool:
    """True when a two-character county name (康县, 和县, 成县) starts inside a word: its first character
    and the one before it are a word (健康 of 健康县区, 建成 of 建成县域), so the county is not written
    there; or when its first character is a conjunction after a noun (乡镇卫生院和县妇幼保健院: 和 joins
    two bodies, the second the county's) rather than after a place that holds the county (某市和县).
    Short forms (河池 after 广西) are not checked: they are read as written."""
    if len(form) != 2 or form[-1] not in "县区市旗" or start == 0:
        return False
    before = text[start - 1]
    if form[0] in _JOINING and "\u4e00" <= before <= "\u9fff" and before not in _PLACE_ENDS:
        return True
    return _words().get(text[start - 1:start + 1], 0) > 0


#: Characters that join two nouns (和, 与, 及, 同) and the last characters of a place's name, after which
#: a county named with one of them is that county.
_JOINING = "和与及同"
_PLACE_ENDS = "省市州盟区县旗"


def parse(text: str, source: str = GAZETTEER_FILE) -> Gazetteer:
    """A gazetteer from the lines of a gazetteer file (columns: name, level, parent, short forms, code)."""
    places: dict[str, Place] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        columns = raw.split("\t") + ["", "", "", ""]
        name, level, parent, shorts, code = (c.strip() for c in columns[:5])
        if level not in ("province", "city", "county"):
            raise ValueError(f"kg/{source}:{number}: level {level!r} is not province, city or county — "
                             "run tools/make_gazetteer.py again")
        places[name] = Place(name, level, parent, tuple(s for s in shorts.split(",") if s), code)
    forms: dict[str, str] = {}
    for place in places.values():
        forms.setdefault(place.name, place.name)
    for place in places.values():
        for form in place.short_forms:
            forms.setdefault(form, place.name)
    by_first: dict[str, list[str]] = {}
    for form in forms:
        by_first.setdefault(form[0], []).append(form)
    # The 县/旗 form of an autonomous county (巍山县 for 巍山彝族回族自治县) is as plain as a full name
    # when no other place has it; only the other short forms (巍山, 上林) wait for the county's name.
    listed = Counter(form for place in places.values() for form in {place.name, *place.short_forms})
    county_shorts = frozenset(f for f, name in forms.items() if f != name and places[name].level == "county"
                              and not (len(f) >= 3 and f.endswith(("县", "旗")) and listed[f] == 1))
    children: dict[str, list[str]] = {}
    for place in places.values():
        children.setdefault(place.parent, []).append(place.name)
    return Gazetteer(places, forms, {k: tuple(sorted(v, key=len, reverse=True)) for k, v in by_first.items()},
                     county_shorts, {k: tuple(v) for k, v in children.items()})


#: The counties whose short forms are read (None: all, outside a document).
_ACTIVE_COUNTIES: ContextVar[frozenset[str] | None] = ContextVar("active_counties", default=None)


def places_named(text: str) -> set[str]:
    """The places a text names by a full name or a province's or city's short form (no county
    short forms: those are read only for the places found here)."""
    token = _ACTIVE_COUNTIES.set(frozenset())
    try:
        return {name for _, _, _, name in gazetteer().find_all(text)}
    finally:
        _ACTIVE_COUNTIES.reset(token)


def counties_named(text: str, named: set[str] | None = None) -> frozenset[str]:
    """Counties a text names in full, and the counties of the cities it names (``named``: its
    :func:`places_named`, when already known)."""
    places = gazetteer()
    named = places_named(text) if named is None else named
    out = {n for n in named if places.places[n].level == "county"}
    for name in named:
        if places.places[name].level == "city":
            out.update(places.children.get(name, ()))
    return frozenset(out)


#: Abbreviations of places that the current document uses (see :func:`abbreviations_in`).
_DOC_FORMS: ContextVar[dict[str, str]] = ContextVar("document_forms", default={})


def _subsequence(short: str, full: str) -> bool:
    characters = iter(full)
    return all(ch in characters for ch in short)


def abbreviations_in(text: str, named: set[str] | None = None) -> dict[str, str]:
    """Abbreviations of the places a text names in full, as the text writes them: 前郭县 for
    前郭尔罗斯蒙古族自治县 in a document that names 前郭尔罗斯蒙古族自治县.

    An abbreviation keeps the first character of the name and its ending (县, 市, 区, 旗) and takes
    its other characters, in order, from the name; only places of at least five characters are
    abbreviated so (a shorter name has its short forms in the gazetteer), and a form the gazetteer
    knows as another place is left to it.
    """
    places = gazetteer()
    out: dict[str, str] = {}
    for name in places_named(text) if named is None else named:
        level_word = places.places[name].level_word
        if len(name) < 5 or places.places[name].level == "province" or not level_word:
            continue
        for match in re.finditer(re.escape(name[0]) + r"[\u4e00-\u9fff]{1,2}" + re.escape(level_word), text):
            form = match.group(0)
            if form not in places.forms and form != name and _subsequence(form, name):
                out.setdefault(form, name)
    return out


def document_abbreviation(form: str) -> str | None:
    """The full name of a place the current document abbreviates as ``form``, or None."""
    return _DOC_FORMS.get().get(form)


@contextmanager
def short_forms_of(text: str) -> Iterator[None]:
    """Within the block, county short forms are read only for the counties ``text`` names, and the
    abbreviations it uses of the places it names (:func:`abbreviations_in`) are read as those places."""
    named = places_named(text)
    token = _ACTIVE_COUNTIES.set(counties_named(text, named))
    forms = _DOC_FORMS.set(abbreviations_in(text, named))
    try:
        yield
    finally:
        _ACTIVE_COUNTIES.reset(token)
        _DOC_FORMS.reset(forms)


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """China's provinces, cities and counties with their short forms."""
    return parse(resources.files("kg").joinpath(GAZETTEER_FILE).read_text(encoding="utf-8"))
