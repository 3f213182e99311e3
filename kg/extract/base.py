"""Records every extractor produces, and the checks they all share.

Offsets are always offsets into the document's normalised text, so for every
mention ``document.text[start:end] == surface`` holds; :func:`make_mention` enforces it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.records import Document, Passage, stable_id

ENTITY_TYPES = ("SpecialColumn", "Programme", "Institution", "Indicator", "PilotZone", "Place", "Practice",
                "CitedDocument")


@dataclass(frozen=True)
class Mention:
    """One occurrence of an entity's name in a passage."""

    entity_type: str  # one of ENTITY_TYPES
    key: str  # canonical key of the entity (resolution merges mentions with equal type and key)
    surface: str  # == document.text[start:end]
    doc_id: str
    passage_id: str
    start: int
    end: int

    @property
    def id(self) -> str:
        """Stable id of this mention."""
        return stable_id(self.doc_id, self.entity_type, self.key, self.start, self.end)


@dataclass
class Entity:
    """A resolved entity: canonical label, other surface forms, properties and links."""

    entity_type: str
    key: str
    label: str
    aliases: set[str] = field(default_factory=set)
    properties: dict[str, object] = field(default_factory=dict)  # pol: local name → literal value
    links: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # pol: local name → {(type, key)}

    @property
    def id(self) -> str:
        """Stable id: the same type and key give the same IRI in every build."""
        return stable_id(self.entity_type, self.key)


def make_mention(document: Document, passage: Passage, entity_type: str, key: str, start: int,
                 end: int) -> Mention:
    """A mention of ``document.text[start:end]``; the span must lie inside ``passage``."""
    if not passage.start <= start < end <= passage.end:
        raise ValueError(f"span {start}:{end} is outside passage {passage.id} [{passage.start}:{passage.end}]")
    return Mention(entity_type, key, document.text[start:end], document.id, passage.id, start, end)
