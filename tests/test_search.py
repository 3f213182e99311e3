"""Search over the real build: the right passages, the hit shape, filters, hostile input."""

from __future__ import annotations

import pytest

from kg.errors import QueryError
from kg.evaluate.retrieval import answers, load_queries
from kg.query.service import Service
from tests.helpers import DEV_QUERIES

# A handful of development questions of different kinds, each with the words its answer must contain.
CASES = [
    ("每千人口注册护士数2025年目标", "每千人口注册护士数"),
    ("全区建成了多少家社区医院", "204家社区医院"),
    ("面向东盟的跨境医疗服务", "中国—东盟跨境医疗服务中心"),
    ("试验区建设投入了多少资金", "4.5亿元"),
    ("县级疾控局挂牌成立情况", "疾控局"),
]


@pytest.mark.parametrize(("query", "needle"), CASES)
def test_finds_the_answering_passage_in_top_5(service: Service, query: str, needle: str) -> None:
    hits = service.search(query, k=5)
    assert any(answers(hit.text, [needle]) for hit in hits), [h.text[:40] for h in hits]


def test_hit_carries_offsets_into_the_document_text(service: Service) -> None:
    hits = service.search("孕产妇死亡率", k=10)
    assert hits
    for rank, hit in enumerate(hits, 1):
        assert hit.rank == rank
        assert service.document_text(hit.doc_id)[hit.start:hit.end] == hit.text
        for span in hit.spans:
            assert hit.start <= span.start < span.end <= hit.end
    top = hits[0]
    assert any(service.document_text(top.doc_id)[s.start:s.end] == "孕产妇死亡率" for s in top.spans)
    assert set(top.to_json()) == {"rank", "score", "doc_id", "doc_title", "doc_date", "doc_kind", "section_path",
                                  "passage_id", "text", "start", "end", "spans"}


def test_each_mode_returns_ranked_hits(service: Service) -> None:
    for mode in ("hybrid", "bm25", "dense"):
        hits = service.search("家庭医生签约服务", k=5, mode=mode)
        assert len(hits) == 5
        assert [h.rank for h in hits] == [1, 2, 3, 4, 5]


def test_filters_by_document_kind_and_year(service: Service) -> None:
    plan_only = service.search("县域医共体", k=20, kinds=["plan"])
    assert plan_only and {h.doc_kind for h in plan_only} == {"plan"}
    news_2026 = service.search("县域医共体", k=20, years=[2026])
    assert news_2026 and all(h.doc_date.startswith("2026") for h in news_2026)


@pytest.mark.parametrize("query", ["", "   ", "。，、！？", "\x00\x07"])
def test_a_query_with_no_word_finds_nothing(service: Service, query: str) -> None:
    assert service.search(query, k=5) == []


@pytest.mark.parametrize("query", ["<script>alert(1)</script>", "\x00\x07控制字符", "医" * 10_000])
def test_hostile_queries_give_ranked_corpus_passages(service: Service, query: str) -> None:
    hits = service.search(query, k=5)
    assert [h.rank for h in hits] == [1, 2, 3, 4, 5]
    for hit in hits:  # each is a passage of the build, shown as stored
        stored = service.passage(hit.passage_id)
        assert stored is not None and stored.text == hit.text
    if query.startswith("医"):  # a long run of one word: BM25 still finds passages with it
        assert all("医" in h.text for h in hits)


def test_traditional_characters_find_simplified_text(service: Service) -> None:
    hits = service.search("孕產婦死亡率", k=3)
    assert any("孕产妇死亡率" in h.text for h in hits)


def test_dev_set_figures_do_not_regress(service: Service) -> None:
    from kg.evaluate.retrieval import score

    queries = load_queries(DEV_QUERIES)
    bm25 = score(queries, lambda q: [h.text for h in service.search(q, k=10, mode="bm25")])
    hybrid = score(queries, lambda q: [h.text for h in service.search(q, k=10)])
    assert bm25["R@5"] >= 0.9
    assert hybrid["R@5"] >= 0.9


def test_serving_encodes_and_searches_with_the_query_threads_setting(service: Service) -> None:
    """One thread per query by default: concurrent requests, not one query, share the cores."""
    import faiss

    encoder = service.encoder
    assert service.settings.query_threads == 1
    assert encoder.model[0].threads == 1  # the USE-v3 module's BLAS threads
    assert faiss.omp_get_max_threads() == 1
    assert service.search("孕产妇死亡率", k=3)


# --- the fusion (kg.query.search) ---------------------------------------------------


def test_hybrid_is_at_least_the_better_of_its_parts_on_the_dev_set(service: Service) -> None:
    from kg.evaluate.retrieval import score

    queries = load_queries(DEV_QUERIES)
    results = {mode: score(queries, lambda q, mode=mode: [h.text for h in service.search(q, k=10, mode=mode)])
               for mode in ("hybrid", "bm25", "dense")}
    for metric in ("R@5", "MRR@10"):
        assert results["hybrid"][metric] >= max(results["bm25"][metric], results["dense"][metric]), results


def test_bm25_confidence_is_high_for_the_documents_words_and_low_for_a_paraphrase(service: Service) -> None:
    from kg.query.search import bm25_scores

    def confidence(query: str) -> float:
        scores = bm25_scores(service.index, query)
        return service.index.bm25_coverage(query, int(scores.argmax()))

    verbatim = confidence("每千人口注册护士数2025年目标")
    paraphrase = confidence("村里看病的大夫上了年纪以后生活来源有没有着落")
    assert 0.5 < verbatim <= 1.0
    assert 0.0 <= paraphrase < 0.25


def test_bm25_coverage_weighs_each_query_token_by_its_idf(service: Service) -> None:
    index = service.index
    row = int(index.bm25_scores("孕产妇死亡率").argmax())
    assert index.bm25_coverage("孕产妇死亡率", row) == 1.0  # every token of the query is in its best passage
    assert index.bm25_coverage("孕产妇死亡率 龘龘", row) < 1.0  # a word no document has counts against it
    assert index.bm25_coverage("", row) == 0.0


@pytest.mark.parametrize("query", ["全区建成了多少家社区医院", "每万人口全科医生数目标", "上思县医疗健康集团有哪些成员",
                                   "远程医疗覆盖了多少家医疗机构"])
def test_extra_signals_reorder_the_results_but_never_change_which_they_are(service: Service, query: str) -> None:
    for k in (5, 10):
        plain = service.search(query, k=k, boost=False)
        boosted = service.search(query, k=k)
        assert {h.passage_id for h in boosted} == {h.passage_id for h in plain}
        # ... nor which are in the first five (the extras re-order within a tier of five).
        assert {h.passage_id for h in boosted[:5]} == {h.passage_id for h in plain[:5]}


@pytest.mark.parametrize("query", ["每万人口全科医生数目标", "县级疾控局挂牌成立情况", "家庭医生签约服务"])
def test_an_extra_signal_breaks_near_ties_but_cannot_put_the_last_result_first(service: Service, query: str) -> None:
    """However much an extra signal (the graph boost, "how many") prefers a passage, a passage the
    two retrievers put last among the results is not shown first; the agreed best stays in the top 2."""
    from kg.query.search import search
    from kg.text import clean_query

    def run(extras):  # type: ignore[no-untyped-def]
        return [r.row for r in search(service.index, clean_query(query), mode="hybrid", k=10, candidates=50,
                                      rrf_k=20, encode_query=service.encoder.encode_query, extras=extras)]

    plain = run(())
    last = plain[-1]
    favoured = run([lambda _, rows: [last], lambda _, rows: [last]])  # both extras want the last one
    assert favoured[0] == plain[0]
    assert favoured.index(last) > 0
    contrary = run([lambda _, rows: list(reversed(rows)), lambda _, rows: list(reversed(rows))])
    assert plain[0] in contrary[:2]


def test_dense_scores_of_any_passage_agree_with_the_nearest_neighbour_search(service: Service) -> None:
    import numpy as np

    vector = service.encoder.encode_query(["家庭医生签约服务"])[0]
    rows, cosines = service.index.dense_search(vector, 10)
    np.testing.assert_allclose(service.index.dense_scores(vector, rows), cosines, atol=1e-5)
    others = [r for r in range(len(service.index)) if r not in rows][:20]
    assert (service.index.dense_scores(vector, others) <= min(cosines) + 1e-5).all()
    assert service.index.dense_scores(vector, []).shape == (0,)


def test_fuse_sums_weighted_reciprocal_ranks_and_skips_zero_weights() -> None:
    from kg.query.search import fuse

    fused = fuse([([3, 1], 1.0), ([1, 2], 0.5), ([7], 0.0)], k=10)
    assert fused == pytest.approx({3: 1 / 11, 1: 1 / 12 + 0.5 / 11, 2: 0.5 / 12})


def test_seats_share_the_places_in_proportion_to_the_weights() -> None:
    from kg.query.search import seats

    assert seats([0.4, 0.6], 5) == [2, 3]
    assert seats([0.5, 0.5], 5) == [3, 2]  # a tie goes to the first
    assert seats([0.1, 0.9], 5) == [0, 5]  # under a sixth of the weight: no place of five
    assert seats([0.25, 0.75], 5) == [1, 4]
    assert seats([0.0, 1.0], 10) == [0, 10]


def test_a_retriever_of_lesser_weight_keeps_its_first_choices_in_each_tier_of_five() -> None:
    """Two rankings that share nothing, weighted 0.4 / 0.6: reciprocal-rank fusion alone puts the
    lighter one's first choice below the other's first ten; apportioned, its first two are in the
    first five and its next two in the next five, each tier in fused order."""
    from kg.query.search import apportion, fuse

    lexical, semantic = list(range(100, 150)), list(range(50))
    rankings = [(lexical, 0.4), (semantic, 0.6)]
    fused = fuse(rankings, 20)
    assert sorted(fused, key=lambda row: -fused[row]).index(100) > 10
    top = apportion(rankings, fused, 10)
    rows = [row for row, _, _ in top]
    assert rows[:5] == [0, 1, 2, 100, 101]  # 2 + 2 by right, the fifth by fused score
    assert rows[5:] == [3, 4, 5, 102, 103]
    assert [tier for _, _, tier in top] == [0] * 5 + [1] * 5


def test_a_paraphrase_s_bm25_wins_no_place_and_agreement_fills_the_rest() -> None:
    from kg.query.search import apportion, fuse

    lexical, semantic = [100, 101, 102, 3], [0, 1, 2, 3, 4, 5]
    weak = [(lexical, 0.1), (semantic, 0.9)]  # under a sixth of the weight: no place of five by right
    assert [row for row, _, _ in apportion(weak, fuse(weak, 20), 5)] == [0, 3, 1, 2, 4]
    # At 0.45 each keeps its first two; the fifth place goes to the row both rank fourth (3), whose
    # fused score beats the encoder's third (2) and BM25's third (102), and puts it first.
    even = [([100, 101, 102, 3], 0.45), ([0, 1, 2, 3, 4, 5], 0.55)]
    assert [row for row, _, _ in apportion(even, fuse(even, 20), 5)] == [3, 0, 1, 100, 101]


def test_normalised_scales_a_retriever_s_scores_to_its_own_range() -> None:
    from kg.query.search import normalised

    assert normalised([5, 6, 7], [10.0, 8.0, 6.0]) == pytest.approx({5: 1.0, 6: 0.5, 7: 0.0})
    assert normalised([5, 6], [0.9, 0.9]) == {5: 1.0, 6: 1.0}  # no spread: all equally good
    assert normalised([5], [3.0]) == {5: 1.0}
    assert normalised([], []) == {}


def test_a_clear_bm25_lead_beats_an_unsure_encoder_s_near_tie() -> None:
    """BM25 holds the query's words far better in row 1 (44.6 against 30.0); the encoder ranks row 2
    first by a hair (0.9414 against 0.9378). Over ranks, at even weights, the encoder's first wins
    (row 2 is second for BM25 too); over normalised scores BM25's clear lead does."""
    from kg.query.search import combine, fuse

    filler = list(range(10, 58))  # the rest of each retriever's 50 candidates
    lexical, bm25 = [1, 2, 3, *filler], [44.6, 30.0, 28.6, *[20.0 - i * 0.1 for i in range(48)]]
    semantic, cosines = [2, 3, 1, *filler], [0.9414, 0.9409, 0.9378, *[0.93 - i * 0.001 for i in range(48)]]
    ranked = fuse([(lexical, 0.5), (semantic, 0.5)], 20)
    assert max(ranked, key=ranked.get) == 2
    scored = combine([(lexical, bm25, 0.5), (semantic, cosines, 0.5)])
    assert max(scored, key=scored.get) == 1
    assert combine([(lexical, bm25, 0.0), (semantic, cosines, 1.0)]).keys() == set(semantic)


def test_a_paraphrase_s_hybrid_ranking_is_the_encoder_s(service: Service) -> None:
    """BM25's confidence under the floor is no vote: the hybrid's order is the encoder's own."""
    from kg.query.search import CONFIDENCE_FLOOR, bm25_scores

    query = "村里看病的大夫上了年纪以后生活来源有没有着落"
    scores = bm25_scores(service.index, query)
    assert service.index.bm25_coverage(query, int(scores.argmax())) < CONFIDENCE_FLOOR
    hybrid = [h.passage_id for h in service.search(query, k=10, boost=False)]
    dense = [h.passage_id for h in service.search(query, k=10, mode="dense")]
    assert hybrid == dense


def test_search_refuses_an_unknown_mode(service: Service) -> None:
    from kg.query.search import search

    with pytest.raises(ValueError, match="unknown search mode 'fuzzy'; use one of hybrid, bm25, dense"):
        search(service.index, "医院", mode="fuzzy", k=5, candidates=50, rrf_k=20,
               encode_query=service.encoder.encode_query)


def test_synonyms_search_finds_a_passage_in_the_documents_words(service: Service) -> None:
    """抽烟 is not in the documents; its synonym 吸烟 is (…15岁以上人群吸烟率…)."""
    plain = service.search("抽烟", k=5, mode="bm25")
    expanded = service.search("抽烟", k=5, mode="bm25", synonyms=True)
    assert not any("吸烟" in h.text for h in plain)
    assert any("吸烟" in h.text for h in expanded)


def test_kg_eval_reports_the_paraphrase_questions_on_their_own_rows(real_settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from click.testing import CliRunner

    from kg.cli import main

    questions = tmp_path / "questions.jsonl"
    questions.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in [
        {"id": "a", "kind": "target", "query": "每千人口注册护士数2025年目标", "needles": ["每千人口注册护士数"]},
        {"id": "b", "kind": "paraphrase", "query": "成年人里抽烟的要压到几成以下", "needles": ["15岁以上人群吸烟率"]},
    ]), encoding="utf-8")
    env = {"KG_BUILD_DIR": real_settings.build_dir, "KG_CORPUS_DIR": real_settings.corpus_dir}
    result = CliRunner().invoke(main, ["eval", str(questions), "--json", "--synonyms"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {"hybrid", "bm25", "dense", "hybrid+synonyms", "bm25+synonyms"} <= set(rows)
    assert rows["bm25 [paraphrase]"]["n"] == 1 and set(rows["bm25 [paraphrase]"]["first_rank"]) == {"b"}
    assert rows["hybrid"]["n"] == 2


@pytest.mark.model
def test_hybrid_search_with_e5_finds_a_paraphrase_that_shares_no_word_with_its_passage(service: Service) -> None:
    """村里看病的大夫上了年纪以后… has no content word of 落实在职乡村医生参加基本养老保险政策; over real
    passages of the plan, BM25 alone does not put that passage in its top 5, the hybrid with the
    default encoder does (BM25's confidence is low, so the encoder carries the query)."""
    from kg.index.embed import E5_MODEL, load_encoder
    from kg.index.search_index import SearchIndex
    from kg.query.search import search
    from kg.text import clean_query

    needle = "在职乡村医生参加基本养老保险政策"
    items = service.index.items
    answer = next(item for item in items if answers(item.passage.text, [needle]))
    chosen = [answer, *[item for item in items if item is not answer][:60]]
    e5 = load_encoder(E5_MODEL, threads=1)
    index = SearchIndex.build(chosen, e5.encode, e5.model_id, e5.dimension)
    query = clean_query("村里看病的大夫上了年纪以后生活来源有没有着落")

    def top5(mode: str) -> list[str]:
        return [index.items[r.row].passage.text for r in search(index, query, mode=mode, k=5, candidates=50,
                                                                  rrf_k=20, encode_query=e5.encode_query)]

    assert not any(answers(text, [needle]) for text in top5("bm25"))
    assert any(answers(text, [needle]) for text in top5("hybrid"))


def test_with_the_view_on_hybrid_also_encodes_a_paraphrase_with_its_synonyms_but_not_a_query_in_the_documents_words(
        service: Service) -> None:
    """The synonym view (kg.query.synonyms.view, the synonym_view setting, off by default) costs a
    second encoding only where BM25 found little of the query, and only in hybrid search; the dense
    mode stays the encoder alone, and with the view off every query is encoded once."""
    from kg.query.search import search
    from kg.text import clean_query

    asked: list[str] = []

    def encode(texts: list[str]):  # type: ignore[no-untyped-def]
        asked.extend(texts)
        return service.encoder.encode_query(texts)

    def run(query: str, mode: str, view: bool = True) -> list[int]:
        asked.clear()
        return [r.row for r in search(service.index, clean_query(query), mode=mode, k=10, candidates=50, rrf_k=20,
                                      encode_query=encode, view=view)]

    paraphrase = "村里看病的大夫上了年纪以后生活来源有没有着落"
    assert service.settings.synonym_view is False
    run(paraphrase, "hybrid", view=False)
    assert asked == [paraphrase]
    run(paraphrase, "hybrid")
    assert len(asked) == 2 and paraphrase in asked  # the view is encoded on another thread
    viewed = next(text for text in asked if text != paraphrase)
    assert viewed.startswith(paraphrase) and "医生" in viewed and "就医" in viewed
    run(paraphrase, "dense")
    assert asked == [paraphrase]
    run("每千人口注册护士数2025年目标", "hybrid")
    assert asked == ["每千人口注册护士数2025年目标"]


def test_matched_spans_mark_every_query_word_case_blind_and_merge_overlaps() -> None:
    from kg.index.search_index import matched_spans

    text = "某某县PHC试点：每万人口全科医生数达到3.5人，全科医生数逐年增加，phc覆盖全县。"
    spans = matched_spans(text, ["全科医生", "医生数", "PHC"], "每万人口全科医生数 PHC")
    assert [text[s:e] for s, e in spans] == ["PHC", "每万人口全科医生数", "全科医生数", "phc"]


def test_a_document_s_remembered_mentions_equal_those_the_graph_query_finds(service: Service) -> None:
    # The service reads a document's mentions from its named graph once and remembers them; a walk
    # from every passage up to the document (dcterms:isPartOf+) must find the same, and asking
    # twice gives the same list.
    from kg.query.graph_queries import entity_type_of, select
    from kg.rdf.write import doc_iri

    walk = """SELECT ?doc ?e ?label ?start ?end WHERE { ?p dcterms:isPartOf+ ?doc .
      ?m pol:inPassage ?p ; pol:mentionOf ?e ; pol:start ?start ; pol:end ?end . ?e rdfs:label ?label . }"""
    total = 0
    for doc_id in service.documents:
        asked = sorted((r["e"], r["label"], entity_type_of(r["e"]).lower(), int(r["start"]), int(r["end"]))
                       for r in select(service.store, walk, doc=doc_iri(doc_id)))
        cached = [(m.entity, m.label, m.type, m.start, m.end) for m in service.document_mentions(doc_id)]
        assert sorted(cached) == asked
        assert [m[3] for m in cached] == sorted(m[3] for m in cached)  # by offset, as the reader shows them
        assert service.document_mentions(doc_id) == service.document_mentions(doc_id)
        total += len(cached)
    assert total > 100
    with pytest.raises(QueryError, match="no document 'nope'; known: "):
        service.document_mentions("nope")
