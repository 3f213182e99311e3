"""Search over the real build: the right passages, the hit shape, filters, hostile input."""

from __future__ import annotations

import pytest

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


@pytest.mark.parametrize("query", ["", "   ", "。，、！？", "<script>alert(1)</script>", "\x00\x07控制字符",
                                   "医" * 10_000])
def test_hostile_queries_do_not_fail(service: Service, query: str) -> None:
    hits = service.search(query, k=5)
    assert isinstance(hits, list)


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
