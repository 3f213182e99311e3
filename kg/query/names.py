"""THE name resolver: what entity a name, an alias or an IRI means — one answer for every command
and page (``kg show``, ``kg related``, ``kg timeline``, ``kg trace``, the app's entity page).

:meth:`NameResolver.entity` tries, in order:

1. a full entity IRI: that entity;
2. a label or alternative label, compared in :func:`kg.query.indicator_names.name_form` (no white space,
   quotes or book-title marks): when several entities share the name, the one it is the label
   of, then the most specific type (:data:`kg.query.recognise.TYPE_PREFERENCE`), then the most
   mentioned, then the IRI;
3. the entity :func:`kg.query.recognise.recognise` finds in the text (a name with question words
   around it, or a close indicator name);
4. entities whose names contain the text (县域医共体 → 紧密型县域医共体试点): most mentioned,
   then shortest name.

:meth:`NameResolver.indicator` is the same resolver for ``kg trace``: an IRI or exact name goes
through steps 1–2 (so a label means the same entity there as everywhere), and only then does the
indicator-specific close-name match (:meth:`kg.query.indicator_names.IndicatorNames.candidates`) apply.

Text that cleans to nothing (control characters, zero-width or direction marks only) or matches
nothing raises :class:`~kg.errors.QueryError` ("nothing matched") — never an arbitrary entity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from kg.errors import QueryError
from kg.query.indicator_names import Candidate, IndicatorInfo, name_form
from kg.query.recognise import MIN_COVERAGE, TYPE_PREFERENCE, EntityRef, Lexicon, Recognition, recognise
from kg.text import clean_query

#: Longest name a resolver reads (a longer text is cut).
MAX_NAME_CHARS = 500
#: How many recognitions a resolver remembers before it starts again.
MAX_REMEMBERED = 4096
#: An alternative indicator is listed when it scores within this much of the chosen one.
ALTERNATIVE_MARGIN = 0.15
_IRI_SCHEMES = ("https://", "http://")


@dataclass(frozen=True)
class IndicatorMatch:
    """The indicator a name resolved to, how it matched, and the indicators that came close."""

    indicator: IndicatorInfo
    match: Candidate
    alternatives: tuple[Candidate, ...] = ()


@dataclass
class NameResolver:
    """Resolves names against one build's :class:`~kg.query.recognise.Lexicon` (its owner, the
    service, keeps one per build) and remembers what :func:`~kg.query.recognise.recognise` read from
    each query: search asks once for the graph boost and once for the answer card, and the app
    reruns the same query on every interaction."""

    lexicon: Lexicon
    #: Entities ``kg entities`` lists that queries do not recognise (cited documents), with their names.
    others: Sequence[tuple[EntityRef, Sequence[str]]] = ()
    _recognised: dict[tuple[str, float], Recognition | None] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.names: dict[str, list[EntityRef]] = {form: list(refs) for form, refs in self.lexicon.names.items()}
        for ref, names in self.others:
            for form in {name_form(n) for n in names} - {""}:
                if ref not in self.names.setdefault(form, []):
                    self.names[form].append(ref)
        self.by_iri: dict[str, EntityRef] = {ref.iri: ref for refs in self.names.values() for ref in refs}

    def recognise(self, query: str, min_coverage: float = MIN_COVERAGE) -> Recognition | None:
        """:func:`kg.query.recognise.recognise`, remembered per query."""
        key = (query, min_coverage)
        if key not in self._recognised:
            if len(self._recognised) >= MAX_REMEMBERED:
                self._recognised.clear()
            self._recognised[key] = recognise(query, self.lexicon, min_coverage)
        return self._recognised[key]

    def _order(self, form: str, refs: list[EntityRef]) -> list[EntityRef]:
        """Entities sharing the name ``form``: those it is the label of first (a 专栏 is also known by
        its title, which may be a programme's own label), then by type, mentions and IRI."""
        mentions = self.lexicon.mentions
        return sorted(refs, key=lambda r: (name_form(r.label) != form, TYPE_PREFERENCE.get(r.type, 99),
                                           -mentions.get(r.iri, 0), r.iri))

    def _iri_or_name(self, text: str) -> tuple[str, list[EntityRef]]:
        """(cleaned text, entities the IRI or the exact name means); raises on an empty text."""
        raw = text.strip()
        if raw in self.by_iri:
            return raw, [self.by_iri[raw]]
        cleaned = clean_query(text)[:MAX_NAME_CHARS].strip()
        if not name_form(cleaned):
            raise QueryError("nothing matched: the name is empty once control and invisible characters are "
                             "removed — give an entity name or IRI, e.g. 每万人口全科医生数")
        if cleaned.startswith(_IRI_SCHEMES):
            if cleaned in self.by_iri:
                return cleaned, [self.by_iri[cleaned]]
            raise QueryError(f"nothing matched {cleaned!r}: no entity has this IRI; list them with `kg entities`")
        form = name_form(cleaned)
        return cleaned, self._order(form, list(self.names.get(form, [])))

    def candidates(self, text: str) -> list[EntityRef]:
        """Every entity ``text`` may name, best first (see the module docstring); [] for none."""
        cleaned, exact = self._iri_or_name(text)
        if exact:
            return exact
        found = self.recognise(cleaned)
        if found is not None:
            return [found.entity, *found.others]
        typed = name_form(cleaned)
        mentions = self.lexicon.mentions
        containing = {ref: len(form) for form, refs in self.names.items() if typed in form for ref in refs}
        return sorted(containing, key=lambda r: (-mentions.get(r.iri, 0), containing[r], r.label, r.iri))

    def entity(self, text: str) -> EntityRef:
        """The entity ``text`` (a label, an alias, an IRI or a close name) means."""
        found = self.candidates(text)
        if not found:
            raise QueryError(f"nothing matched {text.strip()!r}: no entity is named so; list them with `kg entities`")
        return found[0]

    def indicator(self, text: str) -> IndicatorMatch:
        """The indicator ``text`` means (for ``kg trace``): an IRI or exact name as :meth:`entity`
        reads it, else the closest indicator name."""
        indicators = self.lexicon.indicators
        try:
            cleaned, exact = self._iri_or_name(text)
        except QueryError as exc:
            raise QueryError(f"{exc}; give an indicator name, e.g. 每万人口全科医生数") from None
        close = indicators.candidates(cleaned)
        if exact:
            chosen = exact[0]
            info = indicators.by_iri.get(chosen.iri)
            if info is None:
                raise QueryError(f"{cleaned!r} names {chosen.label} ({chosen.type}), which is not an indicator; "
                                 "list indicators with `kg entities --type indicator`")
            if chosen.iri == text.strip() or cleaned.startswith(_IRI_SCHEMES):
                return IndicatorMatch(info, Candidate(info.iri, info.label, 1.0, "iri"))
            match = next((c for c in close if c.iri == info.iri), Candidate(info.iri, info.label, 1.0, "label"))
        elif close:
            match = close[0]
            info = indicators.by_iri[match.iri]
        else:
            if not indicators.items:
                # Plans define indicators (a table, or value sentences naming one); a corpus of
                # news or of plans without numbers has none, though its targets in running text
                # (到2026年…达到92%) are in the graph as goals.
                raise QueryError(f"nothing matched: the build has no indicators — no plan of the corpus has an "
                                 f"indicator table or a value sentence that names one. Targets written in running "
                                 f"text (到2026年…达到…) are kept as goals, not traced: find them with "
                                 f"`kg search {cleaned}`")
            raise QueryError(f"nothing matched: no indicator matches {cleaned!r}; try a name from "
                             f"`kg entities --type indicator`, e.g. {indicators.items[0].label}")
        others = [c for c in close if c.iri != info.iri][:5]
        return IndicatorMatch(info, match, tuple(c for c in others if c.score >= match.score - ALTERNATIVE_MARGIN))


__all__ = ["IndicatorMatch", "NameResolver"]
