"""Policy entities of the corpus: the entry points the build calls.

:func:`extract_entities` runs the per-type extractors over every document — 专栏 boxes
(:mod:`~kg.extract.columns`), institutions, programmes, pilot zones, practices, cited
documents and places — settles overlaps between their names, links them (memberOf,
locatedIn, partOfItem, belongsToProgramme, cites) and resolves them into entities
(:mod:`~kg.extract.resolve`). :func:`entity_quads` writes the result as RDF;
:func:`extraction_scores` measures it against the hand-made gold annotations.

Indicators, targets and observations are extracted by :mod:`kg.extract.indicators`.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.errors import KGError
from kg.extract import (
    citations,
    columns,
    institutions,
    lexicon,
    pilots,
    practices,
    programmes,
)
from kg.extract.base import Entity, Mention
from kg.extract.context import Candidate, DocContext, EntityRef
from kg.extract.places import ENTITY_TYPE as PLACE
from kg.extract.resolve import LinkKey, place_entity, resolve
from kg.extract.spans import squeeze, strip_enclosing_quotes
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
from kg.records import Document, Passage, Section
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


def _settle_overlaps(candidates: list[Candidate]) -> list[Candidate]:
    """Keep one reading where names overlap (see module docstrings of the extractors).

    Programmes, pilot zones and practices: the longer name wins (健康养老产业发展试点工程 over
    健康养老产业发展试点). An institution inside a programme or practice stays when it is
    anchored (广西医学科学院 in 广西医学科学院建设工程) and goes otherwise (区域水质实验室 in
    区域水质实验室检测能力提升工程); inside a pilot's name it always goes, as it names the kind
    of pilot. A programme inside an institution's name goes (健康广西行动 in
    健康广西行动推进委员会).
    """
    spans = sorted((c for c in candidates if c.entity_type in _SPAN_TYPES),
                   key=lambda c: (-(c.end - c.start), _SPAN_TYPES.index(c.entity_type), c.start))
    kept: list[Candidate] = []
    for candidate in spans:
        if not any(k.start < candidate.end and candidate.start < k.end for k in kept):
            kept.append(candidate)
    bodies = [c for c in candidates if c.entity_type == institutions.ENTITY_TYPE]
    out: list[Candidate] = []
    for body in bodies:
        outer = [k for k in kept if k.start <= body.start and body.end <= k.end and (k.end - k.start) > (body.end - body.start)]
        if outer and (not body.anchored or any(k.entity_type == pilots.ENTITY_TYPE for k in outer)):
            continue  # in a pilot's name a body names the kind of pilot (国家紧密型城市医疗集团建设试点)
        out.append(body)
    for candidate in kept:
        if any(b.start <= candidate.start and candidate.end <= b.end and (b.end - b.start) > (candidate.end - candidate.start)
               for b in out):
            continue
        out.append(candidate)
    return sorted(out, key=lambda c: (c.start, c.end))


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
    """Boxes, named entities and citations of one document."""
    named = [*institutions.find_institutions(ctx), *programmes.find_programmes(ctx), *pilots.find_pilots(ctx),
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
    for ctx in contexts:
        own = finds(ctx)
        boxes = own.boxes
        seeds.extend((entity, ctx.document.id, section_id) for entity, section_id in boxes.seeds)
        topic_items |= boxes.topic_items
        named = _settle_overlaps(own.named)
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

    known = institutions.known_short_forms([c for cands in found.values() for c in cands])
    for ctx in contexts:
        taken = [c for c in found[ctx.document.id] if c.entity_type != PLACE]
        found[ctx.document.id].extend(institutions.short_form_candidates(ctx, known, taken))
        institutions.member_links(ctx, found[ctx.document.id])

    all_candidates = [c for cands in found.values() for c in cands] + cited
    resolution = resolve(documents, all_candidates, seeds)
    _nest_bodies(resolution.entities, resolution.link_sources, resolution.mentions)

    extraction = EntityExtraction(resolution.entities, resolution.mentions, [], resolution.link_sources,
                                  resolution.derived, topic_items=topic_items)
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
        body.links.setdefault("memberOf", set()).add(target)
        link_sources.setdefault((ref, "memberOf", target), set()).update(docs_of.get(body.key, set()))


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


# ---------------------------------------------------------------------------
# Scores against the hand-made gold (tests/data/gold)
# ---------------------------------------------------------------------------

GOLD_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "gold"
GOLD_TYPES = {
    "institutions": institutions.ENTITY_TYPE,
    "programmes": programmes.ENTITY_TYPE,
    "pilot_zones": pilots.ENTITY_TYPE,
    "practices": practices.ENTITY_TYPE,
    "cited_documents": citations.ENTITY_TYPE,
}


def gold_form(name: str) -> str:
    """A name as the gold files compare it: no white space, half-width symbols, outer quotes off."""
    return strip_enclosing_quotes(squeeze(name))


def _align(gold: dict[str, dict], documents: Sequence[Document]) -> dict[str, Document]:
    """Gold file name → corpus document: the document in whose text most of the file's
    annotated names (and aliases) occur. The gold files are named after the source files,
    the corpus after descriptive names, so the text is what ties them together."""
    texts = {d.id: squeeze(d.text) for d in documents}
    out: dict[str, Document] = {}
    for file_name, annotated in gold.items():
        names = [gold_form(n) for entries in annotated.values() for e in entries for n in (e["name"], *e["aliases"])]
        best = max(documents, key=lambda d: sum(1 for n in names if n and n in texts[d.id]))
        out[file_name] = best
    return out


def extraction_scores(prepared: Sequence[Prepared], gold_dir: Path = GOLD_DIR) -> dict[str, object]:
    """Precision and recall per entity type, and for 专栏 boxes and items, against the gold files.

    Matching rule: an extracted entity *in a document* (one with a mention there, or derived
    from one of its sections) matches a gold entry of that document when one of its names —
    its label, any alternative label, any surface it is written with in that document —
    equals the entry's name or one of its aliases, both compared in the gold files' form (no
    white space, half-width ％＋＜＞ and letters/digits, quotes around a whole name dropped).
    Gold entries marked ``borderline`` are ignored both ways: missing them is no miss, and an
    extracted entity that matches only borderline entries is not counted at all. 专栏 items
    whose title names a topic rather than a programme (合理膳食) are scored as items, not as
    programmes. Boxes match on (number, title), items on (box number, item number, title).
    """
    documents = [d for d, _, _ in prepared]
    if not (gold_dir / "entities.json").is_file():
        raise KGError(f"gold annotations not found: {gold_dir / 'entities.json'} — scores need a source "
                      "checkout of policy-kg (tests/data/gold)")
    extraction = extract_entities(prepared)
    gold_all = json.loads((gold_dir / "entities.json").read_text(encoding="utf-8"))
    gold = {k: v for k, v in gold_all.items() if k != "coverage"}
    aligned = _align(gold, documents)

    in_doc: dict[str, dict[EntityRef, set[str]]] = {}
    for mention in extraction.mentions:
        in_doc.setdefault(mention.doc_id, {}).setdefault((mention.entity_type, mention.key), set()).add(mention.surface)
    for ref, origins in extraction.derived.items():
        for doc_id, _ in origins:
            in_doc.setdefault(doc_id, {}).setdefault(ref, set())

    scores: dict[str, object] = {}
    for gold_type, entity_type in GOLD_TYPES.items():
        tp = fp = found = total = 0
        false_positives: list[str] = []
        misses: list[str] = []
        for file_name, annotated in gold.items():
            document = aligned[file_name]
            entries = annotated.get(gold_type, [])
            entry_names = [{gold_form(n) for n in (e["name"], *e["aliases"])} for e in entries]
            predicted = [ref for ref in in_doc.get(document.id, {}) if ref[0] == entity_type
                         and ref not in extraction.topic_items]
            matched: set[int] = set()
            for ref in predicted:
                entity = extraction.entities[ref]
                names = {gold_form(n) for n in (entity.label, *entity.aliases, *in_doc[document.id][ref])}
                hits = [i for i, entry in enumerate(entry_names) if names & entry]
                matched.update(hits)
                if any(not entries[i].get("borderline") for i in hits):
                    tp += 1
                elif not hits:
                    fp += 1
                    false_positives.append(f"{document.id}: {entity.label}")
            for i, entry in enumerate(entries):
                if entry.get("borderline"):
                    continue
                total += 1
                if i in matched:
                    found += 1
                else:
                    misses.append(f"{document.id}: {entry['name']}")
        scores[gold_type] = {
            "precision": tp / (tp + fp) if tp + fp else 1.0,
            "recall": found / total if total else 1.0,
            "true_positives": tp, "false_positives": fp, "gold": total, "found": found,
            "false_positive_names": false_positives, "missed_names": misses,
        }
    scores.update(_box_scores(extraction, documents, gold_dir))
    return scores


def _box_scores(extraction: EntityExtraction, documents: Sequence[Document], gold_dir: Path) -> dict[str, object]:
    boxes = json.loads((gold_dir / "special_columns.json").read_text(encoding="utf-8"))
    gold_boxes = {(b["number"], squeeze(b["title"])) for b in boxes}
    gold_items = {(b["number"], i["ordinal"], squeeze(i["title"])) for b in boxes for i in b["items"]}
    plan_ids = {d.id for d in documents if d.meta.kind == "plan"}
    got_boxes: set[tuple[int, str]] = set()
    got_items: set[tuple[int, int, str]] = set()
    for ref, entity in extraction.entities.items():
        if ref[0] != columns.ENTITY_TYPE or not any(doc in plan_ids for doc, _ in extraction.derived.get(ref, ())):
            continue
        number = int(entity.properties["ordinal"])  # type: ignore[call-overload]
        got_boxes.add((number, squeeze(entity.label.split(" ", 1)[1] if " " in entity.label else "")))
        for item_ref in entity.links.get("hasItem", set()):
            item = extraction.entities[item_ref]
            got_items.add((number, int(item.properties["ordinal"]), squeeze(item.label)))  # type: ignore[call-overload]

    def pr(got: set, want: set) -> dict[str, object]:
        right = len(got & want)
        return {"precision": right / len(got) if got else 1.0, "recall": right / len(want) if want else 1.0,
                "found": right, "predicted": len(got), "gold": len(want)}

    return {"boxes": pr(got_boxes, gold_boxes), "items": pr(got_items, gold_items)}


def format_scores(scores: dict[str, object]) -> str:
    """The scores of :func:`extraction_scores` as a plain-text table (what ``kg eval`` prints)."""
    lines = [f"{'type':<16} {'precision':>9} {'recall':>7} {'found/gold':>11}"]
    for name, value in scores.items():
        if not isinstance(value, dict):
            continue
        lines.append(f"{name:<16} {value['precision']:>9.3f} {value['recall']:>7.3f} "
                     f"{value['found']:>5}/{value['gold']:<5}")
    return "\n".join(lines)
