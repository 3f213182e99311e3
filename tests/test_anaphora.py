"""kg.query.anaphora: passages that refer to a named entity by its type word alone."""

from __future__ import annotations

from kg.query.anaphora import Named, Span, referring_passages, type_word
from kg.query.service import Service

GROUP = "https://example.org/e/group"
OTHER = "https://example.org/e/other-group"
HOSPITAL = "https://example.org/e/hospital"


def _document() -> tuple[str, list[Span], list[Named]]:
    parts = [
        "2023年，临江县成立临江县健康医疗集团，统筹全县医疗资源。",  # p0 names the group
        "集团内各成员单位实行人事、财务统一管理。",  # p1 refers to it
        "临江县人民医院开展远程会诊。",  # p2 another entity, different type word
        "集团总院牵头建立检查结果互认。",  # p3 still the group
        "邻县组建了河口县医疗服务集团。",  # p4 names another group
        "该集团推行绩效改革。",  # p5 now refers to the other group
        "全县卫生院设备更新。",  # p6 no type word
    ]
    text, spans, start = "", [], 0
    for i, part in enumerate(parts):
        spans.append(Span(f"p{i}", start, start + len(part)))
        text += part
        start += len(part)

    def named(surface: str, iri: str, label: str) -> Named:
        at = text.index(surface)
        return Named(at, at + len(surface), iri, label)

    mentions = [named("临江县健康医疗集团", GROUP, "临江县健康医疗集团"),
                named("临江县人民医院", HOSPITAL, "临江县人民医院"),
                named("河口县医疗服务集团", OTHER, "河口县医疗服务集团")]
    return text, spans, mentions


def test_type_word_is_the_head_noun() -> None:
    assert type_word("临江县健康医疗集团") == "集团"
    assert type_word("集团") is None  # a bare type word names nothing


def test_a_bare_type_word_refers_to_the_nearest_named_entity_before_it() -> None:
    text, spans, mentions = _document()
    assert referring_passages(text, spans, mentions, GROUP) == ["p1", "p3"]
    assert referring_passages(text, spans, mentions, OTHER) == ["p5"]
    assert referring_passages(text, spans, mentions, HOSPITAL) == []  # 医院 never appears bare
    assert referring_passages(text, spans, [], GROUP) == []  # not named in the document


def _referring(service: Service, iri: str) -> list[str]:
    """The passages of the build that call entity ``iri`` by its type word alone, read through the
    service's public answers (its documents' mentions, texts and passages)."""
    out: list[str] = []
    for doc_id in service.documents:
        mentions = [Named(m.start, m.end, m.entity, m.label) for m in service.document_mentions(doc_id)]
        spans = sorted((Span(i.passage.id, i.passage.start, i.passage.end) for i in service.index.items
                        if i.passage.doc_id == doc_id), key=lambda span: span.start)
        out += referring_passages(service.document_text(doc_id), spans, mentions, iri)
    return out


def test_searching_a_name_lifts_the_passages_that_call_it_by_its_type_word(service: Service) -> None:
    # Searching 上思县国家基层卫生健康综合试验区 should also bring up "…试验区…" passages that name it by
    # its type word alone: with the graph boost each ranks at least as high as without, and some higher.
    from kg.query.recognise import recognise

    lifted = 0
    for label in sorted(service.lexicon.names, key=len, reverse=True):
        found = recognise(label, service.lexicon)
        if found is None or type_word(found.entity.label) is None:
            continue
        referring = _referring(service, found.entity.iri)
        if not referring:
            continue
        boosted = [h.passage_id for h in service.search(label, k=50)]
        plain = [h.passage_id for h in service.search(label, k=50, boost=False)]
        for passage_id in referring:
            if passage_id in plain:
                assert passage_id in boosted and boosted.index(passage_id) <= plain.index(passage_id), label
                lifted += boosted.index(passage_id) < plain.index(passage_id)
                assert type_word(found.entity.label) in service.passage(passage_id).text
    assert lifted, "no passage that calls an entity by its type word ranks higher with the graph boost"
