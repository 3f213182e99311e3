"""Policy entities of the corpus: the entry points the build calls.

:func:`extract_entities` runs the per-type extractors over every document — 专栏 boxes
(:mod:`~kg.extract.columns`), institutions, programmes, pilot zones, practices, cited
documents and places — settles overlaps between their names, links them (memberOf,
locatedIn, partOfItem, belongsToProgramme, cites) and resolves them into entities
(:mod:`~kg.extract.resolve`). :func:`entity_quads` writes the result as RDF;
:mod:`kg.evaluate.extraction` scores it against a hand-made gold folder.

Indicators, targets and observations are extracted by :mod:`kg.extract.indicators`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.extract import (
    citations,
    columns,
    institution_sources,
    institutions,
    lexicon,
    pilots,
    practices,
    programmes,
    responsibilities,
    targets,
)
from kg.extract.base import Entity, Mention
from kg.extract.context import Candidate, DocContext, EntityRef
from kg.extract.gazetteer import short_forms_of
from kg.extract.places import ENTITY_TYPE as PLACE
from kg.extract.resolve import LinkKey, place_entity, resolve
from kg.extract.spans import squeeze
from kg.rdf.write import (
    QuadWriter,
    doc_iri,
    graph_iri,
    literal,
    node,
    passage_iri,
    section_iri,
    zh,
)
from kg.records import Document, Passage, Section, stable_id
from kg.rdf.vocab import DCTERMS, ID, POL, PROV, RDF, RDFS, SKOS, XSD

Prepared = tuple[Document, list[Section], list[Passage]]

#: When two names of these types overlap, the longer wins; on a tie, the earlier type.
_SPAN_TYPES = (pilots.ENTITY_TYPE, practices.ENTITY_TYPE, programmes.ENTITY_TYPE)


@dataclass
class EntityExtraction:
    """Entities of the corpus, their mentions, and where each link and entity comes from."""

    entities: dict[EntityRef, Entity] = field(default_factory=dict)
    mentions: list[Mention] = field(default_factory=list)
    cites: list[tuple[str, str]] = field(default_factory=list)  # (citing doc id, cited key)
    link_sources: dict[LinkKey, set[str]] = field(default_factory=dict)  # link → docs that state it
    derived: dict[EntityRef, set[tuple[str, str]]] = field(default_factory=dict)  # entity → (doc, section)
    cited_in_corpus: dict[str, str] = field(default_factory=dict)  # cited key → corpus doc id
    topic_items: set[EntityRef] = field(default_factory=set)  # 专栏 items whose title names no programme
    goals: list[Goal] = field(default_factory=list)  # targets stated in running text


@dataclass(frozen=True)
class Goal:
    """A target a document states in running text (:mod:`kg.extract.targets`), with the task whose
    paragraph states it."""

    doc_id: str
    passage_id: str
    target: targets.ProseTarget
    task: EntityRef | None

    @property
    def id(self) -> str:
        """Stable id: document and span."""
        return stable_id(self.doc_id, self.target.start, self.target.end, self.target.subject)


def _settle_overlaps(candidates: list[Candidate]) -> list[Candidate]:
    """Keep one reading where names overlap (see module docstrings of the extractors).

    Programmes, pilot zones and practices: the longer name wins (智慧医养产业试点工程 over
    智慧医养产业试点). An institution inside a programme or practice stays when it is
    anchored (云南省医学科学院 in 云南省医学科学院建设工程) and goes otherwise (区域食品检测实验室 in
    区域食品检测实验室能力提升工程); inside a pilot's name it always goes, as it names the kind
    of pilot. A programme inside an institution's name goes (健康某省行动 in
    健康某省行动推进委员会). A programme a pilot's name is made of, a pilot word added
    (某某防治项目 of 某某防治项目试点单位), stays beside the pilot, which belongs to it.
    """
    spans = sorted((c for c in candidates if c.entity_type in _SPAN_TYPES),
                   key=lambda c: (-(c.end - c.start), _SPAN_TYPES.index(c.entity_type), c.start))
    kept: list[Candidate] = []
    for candidate in spans:
        overlapping = [k for k in kept if k.start < candidate.end and candidate.start < k.end]
        if overlapping and not all(_pilot_of_programme(k, candidate) for k in overlapping):
            continue
        for pilot in overlapping:
            pilot.links.append(("belongsToProgramme", candidate.ref))
        kept.append(candidate)
    bodies = [c for c in candidates if c.entity_type == institutions.ENTITY_TYPE]
    out: list[Candidate] = []
    for body in bodies:
        outer = [k for k in kept if k.start <= body.start and body.end <= k.end and (k.end - k.start) > (body.end - body.start)]
        if outer and (not body.anchored or any(k.entity_type == pilots.ENTITY_TYPE for k in outer)):
            continue  # in a pilot's name a body names the kind of pilot (国家紧密型城市医疗集团建设试点)
        out.append(body)
    named_bodies = list(out)
    for candidate in kept:
        if any(b.start <= candidate.start and candidate.end <= b.end and (b.end - b.start) > (candidate.end - candidate.start)
               for b in named_bodies):
            continue
        out.append(candidate)
    return sorted(out, key=lambda c: (c.start, c.end))


def _pilot_of_programme(pilot: Candidate, programme: Candidate) -> bool:
    """True when ``pilot``'s name is ``programme``'s and a pilot word (某某防治项目试点单位: the units
    the programme's pilot is held by)."""
    return pilot.entity_type == pilots.ENTITY_TYPE and programme.entity_type == programmes.ENTITY_TYPE \
        and pilot.start <= programme.start and programme.end < pilot.end \
        and any(pilot.label.endswith(programme.label + word) for word in lexicon.words("pilot_suffixes"))


def _goals(ctx: DocContext, tasks: list[Candidate]) -> list[Goal]:
    """The document's prose targets, each with the task read from the same paragraph (line)."""
    text = ctx.text
    out = []
    for target in targets.find_targets(text, ctx.document.meta.date):
        passage = next((p for p in ctx.passages if p.start <= target.start < p.end), None)
        if passage is None:
            continue
        line_start = text.rfind("\n", 0, target.start) + 1
        line_end = text.find("\n", target.start)
        line_end = len(text) if line_end < 0 else line_end
        task = next((t.ref for t in tasks if line_start <= t.start < line_end), None)
        out.append(Goal(ctx.document.id, passage.id, target, task))
    return out


def _place_candidates(ctx: DocContext) -> list[Candidate]:
    return [Candidate(PLACE, hit.start, hit.end, hit.passage, hit.name, hit.name) for hit in ctx.places]


@dataclass
class DocumentFinds:
    """What the extractors find in one document on their own, before anything is resolved
    across documents (what :class:`kg.build.finds_cache.FindsCache` keeps between builds)."""

    boxes: columns.ColumnResult
    named: list[Candidate]
    cited: list[Candidate]


def find_in_document(ctx: DocContext) -> DocumentFinds:
    """Boxes, named entities and citations of one document (county short forms read as places only
    for the counties the document names, see :func:`kg.extract.gazetteer.short_forms_of`)."""
    with short_forms_of(ctx.document.text):
        named = [*institution_sources.find_institutions(ctx), *programmes.find_programmes(ctx), *pilots.find_pilots(ctx),
                 *practices.find_practices(ctx)]
        return DocumentFinds(columns.find_columns(ctx), named, citations.find_citations(ctx))


def extract_entities(prepared: Sequence[Prepared],
                     finds: Callable[[DocContext], DocumentFinds] = find_in_document) -> EntityExtraction:
    """Every policy entity (not indicators) of the given documents, resolved across documents.

    ``finds`` gives a document's own finds (:func:`find_in_document`, or a cache of it: the
    result must be fresh objects, since the links of candidates are filled in here)."""
    contexts = [DocContext.build(document, sections, passages) for document, sections, passages in prepared]
    documents = {ctx.document.id: ctx.document for ctx in contexts}
    found: dict[str, list[Candidate]] = {}
    cited: list[Candidate] = []
    seeds: list[tuple[Entity, str, str]] = []
    topic_items: set[EntityRef] = set()
    goals: list[Goal] = []
    for ctx in contexts:
        own = finds(ctx)
        boxes = own.boxes
        seeds.extend((entity, ctx.document.id, section_id) for entity, section_id in boxes.seeds)
        topic_items |= boxes.topic_items
        named = _settle_overlaps(own.named)
        tasks = responsibilities.find_tasks(ctx, named)
        named.extend(tasks)
        goals.extend(_goals(ctx, tasks))
        for candidate in named:
            item = ctx.item_of(candidate.passage)
            ref = boxes.item_refs.get(item.id) if item is not None else None
            if ref is None or ref == candidate.ref:
                continue
            if candidate.entity_type == programmes.ENTITY_TYPE:
                candidate.links.append(("partOfItem", ref))
            elif candidate.entity_type == pilots.ENTITY_TYPE:
                candidate.links.append(("belongsToProgramme", ref))
        found[ctx.document.id] = [*named, *boxes.candidates, *_place_candidates(ctx)]
        cited.extend(own.cited)

    known = institution_sources.known_short_forms([c for cands in found.values() for c in cands])
    for ctx in contexts:
        taken = [c for c in found[ctx.document.id] if c.entity_type != PLACE]
        found[ctx.document.id].extend(institution_sources.short_form_candidates(ctx, known, taken))
        institution_sources.member_links(ctx, found[ctx.document.id])

    all_candidates = [c for cands in found.values() for c in cands] + cited
    resolution = resolve(documents, all_candidates, seeds)
    _nest_bodies(resolution.entities, resolution.link_sources, resolution.mentions)

    extraction = EntityExtraction(resolution.entities, resolution.mentions, [], resolution.link_sources,
                                  resolution.derived, topic_items=topic_items, goals=goals)
    seen: set[tuple[str, str]] = set()
    for candidate in cited:
        pair = (candidate.passage.doc_id, candidate.key)
        if pair not in seen:
            seen.add(pair)
            extraction.cites.append(pair)
        corpus_doc = citations.resolve_to_corpus(candidate.key, list(documents.values()))
        if corpus_doc is not None:
            extraction.cited_in_corpus[candidate.key] = corpus_doc
    return extraction


def _nest_bodies(entities: dict[EntityRef, Entity], link_sources: dict[LinkKey, set[str]],
                 mentions: list[Mention]) -> None:
    """A body whose name extends another body's name is part of it (自治区党委改革办 ⊂ 自治区党委)."""
    bodies = [e for e in entities.values() if e.entity_type == institutions.ENTITY_TYPE]
    docs_of: dict[str, set[str]] = {}
    for mention in mentions:
        if mention.entity_type == institutions.ENTITY_TYPE:
            docs_of.setdefault(mention.key, set()).add(mention.doc_id)
    for body in bodies:
        parents = [p for p in bodies if p.key != body.key and body.key.startswith(p.key) and len(body.key) - len(p.key) >= 2]
        if not parents:
            continue
        parent = max(parents, key=lambda p: len(p.key))  # the nearest enclosing body
        ref, target = (body.entity_type, body.key), (parent.entity_type, parent.key)
        # 某某医疗集团总院, 某某医共体牵头医院: a group's lead named by its role leads the group, it is
        # not one of its members (the graph and the member card tell the two apart).
        leads = body.key[len(parent.key):] in lexicon.words("group_lead_roles")
        relation = "leadsGroup" if leads else "memberOf"
        body.links.setdefault(relation, set()).add(target)
        link_sources.setdefault((ref, relation, target), set()).update(docs_of.get(body.key, set()))


# ---------------------------------------------------------------------------
# RDF
# ---------------------------------------------------------------------------

def entity_iri(ref: EntityRef) -> ox.NamedNode:
    """``id/entity/{type}/{hash}`` (type in lower case, the ontology's scheme); ``id/cited/{hash}``
    for a cited document."""
    entity_type, key = ref
    entity = Entity(entity_type, key, key)
    if entity_type == citations.ENTITY_TYPE:
        return node(ID[f"cited/{entity.id}"])
    return node(ID[f"entity/{entity_type.lower()}/{entity.id}"])


def _typed(name: str, value: object) -> ox.Literal:
    """Literals for entity properties: dates typed by their precision, the rest by Python type."""
    if name == "approvalDate":
        text = str(value)
        datatype = XSD.date if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else XSD.gYearMonth
        return ox.Literal(text, datatype=node(datatype))
    return literal(value)


def _describe(out: QuadWriter, entity: Entity) -> None:
    subject = entity_iri((entity.entity_type, entity.key))
    out.add(subject, RDF.type, node(getattr(POL, entity.entity_type)))
    out.add(subject, RDFS.label, zh(entity.label))
    if entity.entity_type == citations.ENTITY_TYPE:
        out.add(subject, DCTERMS.title, zh(entity.label))
    for alias in sorted(entity.aliases):
        out.add(subject, SKOS.altLabel, zh(alias))
    for name, value in sorted(entity.properties.items()):
        out.add(subject, getattr(POL, name), _typed(name, value))


#: The named graph that holds what is known about entities across documents.
ENTITY_GRAPH = node(ID["graph/entities"])


def entity_quads(extraction: EntityExtraction, documents: Sequence[Document]) -> list[ox.Quad]:
    """The extraction as quads: entity facts in ``id/graph/entities``, document facts in each
    document's own graph (``kg.rdf.write.graph_iri``).

    Entities are resolved across the corpus, so what is known about one — its type, label,
    altLabels, properties, its links (memberOf, locatedIn, partOfItem, hasItem …) and the
    专栏 section a box derives from — is a corpus-level fact, written once into the shared
    graph. What a document says lives in that document's graph: each mention (the passage
    it is in, its surface and offsets), each citation (``pol:cites``) and the passages a
    cited document was read from. Replacing or deleting one document's graph therefore
    removes exactly its mentions and citations and never leaves another document's mention
    pointing at an undescribed node; the shared graph is rewritten with it from the new
    extraction (this function is deterministic). The alternatives are worse: entity nodes in
    the graph of the first document that mentions them vanish with that document while other
    documents still point at them, and a copy in every mentioning graph shows each label and
    link once per copy in a query over the union of the graphs.

    Given only some of the documents, the shared graph holds the entities those documents
    reach; pass every document to get the whole shared graph.
    """
    known = {d.id for d in documents}
    documents_by_id = {d.id: d for d in documents}
    shared = QuadWriter(ENTITY_GRAPH)
    writers = {d.id: QuadWriter(graph_iri(d.id)) for d in documents}
    entities = extraction.entities

    # Entities any of these documents mention or derive, the entities their links reach,
    # and the areas enclosing every place among them.
    wanted: set[EntityRef] = {(m.entity_type, m.key) for m in extraction.mentions if m.doc_id in known}
    wanted |= {ref for ref, origins in extraction.derived.items() if any(doc in known for doc, _ in origins)}
    links = sorted(link for link, doc_ids in extraction.link_sources.items() if doc_ids & known)
    wanted |= {link[2] for link in links if link[0] in wanted}
    gazetteer = lexicon.gazetteer()
    for ref in [r for r in wanted if r[0] == PLACE]:
        chain = gazetteer.ancestors(ref[1])
        for inner, outer in itertools.pairwise(chain):
            wanted.add((PLACE, outer.name))
            links.append(((PLACE, inner.name), "locatedIn", (PLACE, outer.name)))

    for ref in sorted(wanted):
        entity = entities.get(ref) or (place_entity(ref[1]) if ref[0] == PLACE else None)
        if entity is None or ref[0] == citations.ENTITY_TYPE:
            continue
        _describe(shared, entity)
        for doc_id, section_id in sorted(extraction.derived.get(ref, set())):
            if doc_id in known:
                shared.add(entity_iri(ref), PROV.wasDerivedFrom, section_iri(section_id))
    for source, name, target in sorted(set(links)):
        if source in wanted:
            shared.add(entity_iri(source), getattr(POL, name), entity_iri(target))

    for mention in extraction.mentions:
        if mention.doc_id not in known:
            continue
        out = writers[mention.doc_id]
        if mention.entity_type == citations.ENTITY_TYPE:
            # pol:CitedDocument is not a pol:Entity (ontology), so it has no pol:Mention: the
            # passage it is cited in is its provenance instead.
            out.add(entity_iri((mention.entity_type, mention.key)), PROV.wasDerivedFrom, passage_iri(mention.passage_id))
            continue
        subject = node(ID[f"mention/{mention.id}"])
        out.add(subject, RDF.type, node(POL.Mention))
        out.add(subject, POL.inPassage, passage_iri(mention.passage_id))
        out.add(subject, POL.mentionOf, entity_iri((mention.entity_type, mention.key)))
        out.add_value(subject, POL.surface, mention.surface)
        out.add_value(subject, POL.start, mention.start)
        out.add_value(subject, POL.end, mention.end)

    for goal in extraction.goals:
        if goal.doc_id not in known:
            continue
        out = writers[goal.doc_id]
        subject = node(ID[f"goal/{goal.id}"])
        out.add(subject, RDF.type, node(POL.Goal))
        out.add(subject, POL.statedIn, doc_iri(goal.doc_id))
        out.add(subject, PROV.wasDerivedFrom, passage_iri(goal.passage_id))
        out.add(subject, POL.goalSubject, zh(goal.target.subject))
        out.add(subject, POL.goalText, zh(squeeze(documents_by_id[goal.doc_id].text[goal.target.start:goal.target.end])))
        if goal.target.value is not None:
            out.add(subject, POL.goalValue, zh(goal.target.value))
        if goal.target.deadline is not None:
            out.add(subject, POL.deadline, ox.Literal(goal.target.deadline, datatype=node(XSD.date)))
        if goal.task is not None and goal.task in extraction.entities:
            out.add(subject, POL.goalOf, entity_iri(goal.task))

    cited: set[str] = set()
    for doc_id, key in extraction.cites:
        if doc_id not in known:
            continue
        target_doc = extraction.cited_in_corpus.get(key)
        if target_doc is not None:
            if target_doc != doc_id:  # a notice that publishes its own plan does not cite itself
                writers[doc_id].add(doc_iri(doc_id), POL.cites, doc_iri(target_doc))
            continue
        writers[doc_id].add(doc_iri(doc_id), POL.cites, entity_iri((citations.ENTITY_TYPE, key)))
        if key not in cited:
            cited.add(key)
            _describe(shared, extraction.entities[(citations.ENTITY_TYPE, key)])
    quads = [*shared.quads, *(q for writer in writers.values() for q in writer.quads)]
    return list(dict.fromkeys(quads))
