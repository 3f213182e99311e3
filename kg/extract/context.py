"""What every name extractor needs to know about a document, and the candidate it returns.

:class:`DocContext` is computed once per document (places, home province, focus places,
book-title spans, 专栏 items); :class:`Candidate` is one name found in one passage, before
entity resolution (:mod:`kg.extract.resolve`) merges candidates into entities.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.extract import lexicon
from kg.extract.places import PlaceHit, find_places, focus_places, home_province
from kg.extract.spans import Span, protected_spans
from kg.records import Document, Passage, Section

EntityRef = tuple[str, str]  # (entity type, key)


@dataclass
class Candidate:
    """One occurrence of a name, with what its context says about the entity it names."""

    entity_type: str
    start: int
    end: int
    passage: Passage
    label: str  # the name as the entity's label would read (completed, normalised)
    key: str  # resolution key: candidates with equal type and key are one entity
    place: str | None = None  # full gazetteer name of the place the entity is in
    properties: dict[str, object] = field(default_factory=dict)
    links: list[tuple[str, EntityRef]] = field(default_factory=list)
    anchored: bool = False  # the name starts with a level word, place or known body
    aliases: tuple[str, ...] = ()  # other names the text gives it here (skos:altLabel), never its label

    @property
    def ref(self) -> EntityRef:
        """(type, key) of the entity this candidate names."""
        return self.entity_type, self.key


@dataclass
class DocContext:
    """Per-document facts the extractors share."""

    document: Document
    sections: list[Section]
    passages: list[Passage]
    places: list[PlaceHit]
    home: str | None  # full name of the home province-level area
    focus: dict[str, str]  # level → full place name
    titles: list[Span]  # 《…》 spans
    item_titles: dict[str, Span]  # box item section id → span of its title
    section_by_id: dict[str, Section]

    @classmethod
    def build(cls, document: Document, sections: list[Section], passages: list[Passage]) -> DocContext:
        """Compute the context of one document."""
        places = find_places(document, passages)
        item_titles: dict[str, Span] = {}
        for section in sections:
            if section.kind == "box_item" and section.title:
                at = document.text.find(section.title, section.start, section.body_start + 1)
                if at >= 0:
                    item_titles[section.id] = (at, at + len(section.title))
        return cls(document, sections, passages, places, home_province(document, places),
                   focus_places(places, document.meta.title),
                   protected_spans(document.text), item_titles, {s.id: s for s in sections})

    @property
    def text(self) -> str:
        """The document's normalised text."""
        return self.document.text

    def item_of(self, passage: Passage) -> Section | None:
        """The 专栏 item section a passage lies in, if any."""
        section = self.section_by_id.get(passage.section_id)
        while section is not None:
            if section.kind == "box_item":
                return section
            section = self.section_by_id.get(section.parent_id or "")
        return None

    def place_before(self, passage: Passage, position: int, level: str) -> tuple[str, str] | None:
        """(surface, full name) of the nearest place of ``level`` named before ``position`` in the
        same passage, else of the document's focus place of that level."""
        gazetteer = lexicon.gazetteer()
        best = None
        for hit in self.places:
            if hit.passage.id == passage.id and hit.end <= position and gazetteer.places[hit.name].level == level:
                best = (hit.surface, hit.name)
        if best is None and level in self.focus:
            name = self.focus[level]
            surfaces = [hit.surface for hit in self.places if hit.name == name]
            # The most frequent surface; on a tie the fuller one, then the first written (a
            # set here would make the choice depend on string hashing).
            best = (max(surfaces, key=lambda s: (surfaces.count(s), len(s))) if surfaces else name, name)
        return best

    def province_word(self) -> str | None:
        """The generic word for the home area (自治区, 省, 市), or None without a home."""
        if self.home is None:
            return None
        return lexicon.gazetteer().places[self.home].level_word
