"""Answer cards (`kg search --json` → answer) and the graph boost of search."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.query.cards import Card
from kg.query.recognise import recognise
from kg.cli import main
from kg.config import Settings
from kg.evaluate.retrieval import load_queries, score
from kg.query.graph_queries import select
from kg.query.service import Service
from tests.helpers import DEV_QUERIES

PLAN_TITLE = "广西卫生健康发展“十四五”规划"


def _env(settings: Settings) -> dict[str, str]:
    """The settings of the build the command opens, the encoder included: the build was made with
    ``settings.embedding_model`` whatever KG_EMBEDDING_MODEL the shell running the tests sets."""
    return {"KG_BUILD_DIR": settings.build_dir, "KG_CORPUS_DIR": settings.corpus_dir,
            "KG_EMBEDDING_MODEL": settings.embedding_model}


def _check_citations(service: Service, card: Card) -> None:
    assert card.citations, "a card always cites its evidence"
    for citation in card.citations:
        text = service.document_text(citation.doc_id)
        assert text[citation.start:citation.end] == citation.quote
        assert citation.doc_title == service.documents[citation.doc_id].title


def _has_type(service: Service, local_name: str) -> bool:
    return any(ref.type == local_name for refs in service.lexicon.names.values() for ref in refs)


def _require(service: Service, local_name: str) -> None:
    if not _has_type(service, local_name):
        pytest.skip(f"the build has no pol:{local_name} entities yet (entity extraction not in this build)")


# ---------------------------------------------------------------------------
# Indicators: a bare name and 哪个文件设定了…目标
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["每万人口全科医生数", "哪个文件设定了每万人口全科医生数目标",
                                   "每万人口全科医生数的目标是多少？"])
def test_indicator_card_names_the_setting_document(service: Service, query: str) -> None:
    card = service.answer(query)
    assert card is not None
    assert (card.entity.label, card.entity.type) == ("每万人口全科医生数", "Indicator")
    assert card.text.startswith(f"《{PLAN_TITLE}》设定：每万人口全科医生数 2025年 4人（约束性），2020年 2.62人")
    _check_citations(service, card)
    assert any("每万人口全科医生数" in c.quote for c in card.citations)


def test_indicator_card_gives_the_newest_observation_and_status(service: Service) -> None:
    card = service.answer("孕产妇死亡率")
    assert card is not None and card.entity.label == "孕产妇死亡率"
    assert "2025年 ≤14/10万（预期性），2020年 8.37/10万" in card.text
    assert "最新观测：2024年 6.93/10万（截至2024-12-31" in card.text and card.text.endswith("已达成")
    _check_citations(service, card)
    assert {c.doc_id for c in card.citations} == {"gx-plan-2022", "gx-review-2024"}


@pytest.mark.parametrize(("query", "label"), [
    ("老年医学科比例", "二级及以上综合性医院设置老年医学科的比例"),
    ("托位数", "每千人口拥有3岁以下婴幼儿托位数"),
    ("慢性病过早死亡率要降到多少", "重大慢性病过早死亡率"),
])
def test_close_indicator_names_get_a_card(service: Service, query: str, label: str) -> None:
    card = service.answer(query)
    assert card is not None and card.entity.label == label
    _check_citations(service, card)


# ---------------------------------------------------------------------------
# Entities: 专栏 items, groups, pilot zones, practices
# ---------------------------------------------------------------------------

COLUMN_ITEMS = """
SELECT DISTINCT ?item ?label ?column ?columnLabel WHERE {
  ?item pol:inColumn ?column ; rdfs:label ?label . ?column rdfs:label ?columnLabel
}
"""


def test_column_question_names_the_column(service: Service) -> None:
    _require(service, "SpecialColumn")
    rows = select(service.store, COLUMN_ITEMS)
    assert rows
    checked = 0
    for row in rows:
        query = f"{row['label']}属于哪个专栏"
        found = recognise(query, service.lexicon)
        if found is None or found.entity.iri != row["item"]:
            continue  # an item whose name is also another entity's: the card is about that one
        card = service.answer(query)
        assert card is not None and card.entity.iri == row["item"], query
        assert row["columnLabel"] in card.text and card.intent == "column"
        _check_citations(service, card)
        checked += 1
    assert checked >= len(rows) // 2


def test_column_question_on_the_plan(service: Service) -> None:
    _require(service, "SpecialColumn")
    card = service.answer("区域医疗中心建设工程属于哪个专栏？")
    assert card is not None and card.entity.label == "区域医疗中心建设工程"
    assert card.text.startswith("区域医疗中心建设工程属于专栏6 优质高效医疗卫生服务体系建设")
    card = service.answer("专栏6")
    assert card is not None and card.entity.type == "SpecialColumn" and "区域医疗中心建设工程" in card.text


MEMBERS = "SELECT DISTINCT ?group ?label WHERE { ?m pol:memberOf ?group . ?group rdfs:label ?label }"


def test_members_question_lists_the_members(service: Service) -> None:
    rows = select(service.store, MEMBERS)
    if not rows:
        pytest.skip("the build has no pol:memberOf links yet")
    for row in rows:
        card = service.answer(f"{row['label']}由哪些单位组成")
        if card is None or card.entity.iri != row["group"]:
            continue
        members = select(service.store, "SELECT DISTINCT ?g ?label WHERE { ?m pol:memberOf ?g ; rdfs:label ?label }",
                         g=ox.NamedNode(row["group"]))
        assert all(m["label"] in card.text for m in members)
        _check_citations(service, card)


def test_members_of_the_shangsi_health_group(service: Service) -> None:
    _require(service, "Institution")
    card = service.answer("上思县医疗健康集团由哪些单位组成")
    if card is None:
        pytest.skip("上思县医疗健康集团 has no members in this build")
    assert card.entity.label == "上思县医疗健康集团" and card.intent == "members"
    assert "上思县人民医院" in card.text
    _check_citations(service, card)


def test_pilot_zone_questions(service: Service) -> None:
    _require(service, "PilotZone")
    card = service.answer("上思县是什么试验区")
    assert card is not None and card.entity.type == "PilotZone"
    assert "国家基层卫生健康综合试验区" in card.text and "国家级" in card.text
    _check_citations(service, card)
    card = service.answer("上思县国家基层卫生健康综合试验区是什么试验区")
    assert card is not None and card.entity.label == "上思县国家基层卫生健康综合试验区"
    assert card.text.startswith("上思县国家基层卫生健康综合试验区：国家级试点示范区，2022-11获批")


def test_practice_card(service: Service) -> None:
    _require(service, "Practice")
    card = service.answer("三江模式")
    assert card is not None and (card.entity.label, card.entity.type) == ("三江模式", "Practice")
    assert card.text.startswith("三江模式：经验做法")
    _check_citations(service, card)


# ---------------------------------------------------------------------------
# No card, rather than a wrong one
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("query", [
    "天气怎么样", "如何提高工作效率", "今天吃什么", "", "   ", "？？", "医" * 600, "<script>alert(1)</script>",
    "健康",  # too short and too general
    "死亡率",  # several indicators fit equally
    "全区建成了多少家社区医院",  # the name is a small part of the question
    "上思县医疗健康集团实行哪些统一管理",  # a question a card cannot answer
    "上思县医疗健康集团属于哪个专栏",  # asked for a 专栏 it is in none of
])
def test_queries_without_a_card(service: Service, query: str) -> None:
    assert service.answer(query) is None


def test_no_card_for_an_entity_the_corpus_does_not_have(service: Service) -> None:
    named = [form for form, refs in service.lexicon.names.items() if "山东" in form and
             any(r.type != "Place" for r in refs)]
    if named:
        pytest.skip(f"the build has an entity named {named[0]}")
    assert service.answer("山东省的专项行动") is None
    assert service.answer("山东省十五五期间统筹实施的专项行动") is None


# ---------------------------------------------------------------------------
# kg search --json, the graph boost and the dev set
# ---------------------------------------------------------------------------

def test_search_json_puts_the_answer_before_the_hits(real_settings: Settings) -> None:
    result = CliRunner().invoke(main, ["search", "哪个文件设定了每万人口全科医生数目标", "--json", "--k", "3"],
                                env=_env(real_settings), catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["query", "answer", "hits"]
    answer = data["answer"]
    assert answer["entity"]["label"] == "每万人口全科医生数" and answer["entity"]["type"] == "Indicator"
    assert answer["entity"]["iri"].startswith("https://w3id.org/policy-kg/id/entity/indicator/")
    assert answer["text"].startswith(f"《{PLAN_TITLE}》设定：每万人口全科医生数 2025年 4人（约束性）")
    assert {"doc_id", "doc_title", "start", "end", "quote"} <= set(answer["citations"][0])
    assert len(data["hits"]) == 3

    result = CliRunner().invoke(main, ["search", "天气怎么样", "--json"], env=_env(real_settings))
    assert json.loads(result.stdout)["answer"] is None


def _mentioning(service: Service, iri: str) -> set[str]:
    rows = select(service.store, "SELECT DISTINCT ?e ?p WHERE { ?m pol:mentionOf ?e ; pol:inPassage ?p }",
                  e=ox.NamedNode(iri))
    return {row["p"].rsplit("/", 1)[-1] for row in rows}


def test_boost_lifts_passages_that_mention_the_entity(service: Service) -> None:
    query = "每千人口注册护士数2025年目标"
    found = recognise(query, service.lexicon)
    assert found is not None and found.entity.label == "每千人口注册护士数"
    mentioning = _mentioning(service, found.entity.iri)
    boosted = service.search(query, k=5)
    plain = service.search(query, k=5, boost=False)
    assert sum(h.passage_id in mentioning for h in boosted) >= sum(h.passage_id in mentioning for h in plain)
    assert boosted[0].passage_id in mentioning
    # nothing recognised: the boost changes nothing
    assert [h.passage_id for h in service.search("试验区建设投入了多少资金", k=10)] == \
        [h.passage_id for h in service.search("试验区建设投入了多少资金", k=10, boost=False)]
    # single-retriever modes are never boosted
    assert [h.passage_id for h in service.search(query, k=10, mode="bm25")] == \
        [h.passage_id for h in service.search(query, k=10, mode="bm25", boost=False)]


def test_boost_respects_filters(service: Service) -> None:
    hits = service.search("孕产妇死亡率", k=10, kinds=["news"])
    assert hits and {h.doc_kind for h in hits} == {"news"}


def test_dev_set_does_not_drop_with_boost_or_cards(service: Service) -> None:
    queries = load_queries(DEV_QUERIES)
    plain = score(queries, lambda q: [h.text for h in service.search(q, k=10, boost=False)])
    boosted = score(queries, lambda q: [h.text for h in service.search(q, k=10)])

    def with_card(q: str) -> list[str]:
        card = service.answer(q)
        first = [" ".join(c.quote for c in card.citations)] if card else []
        return first + [h.text for h in service.search(q, k=10)]

    carded = score(queries, with_card)
    assert boosted["R@5"] >= plain["R@5"] and boosted["MRR@10"] >= plain["MRR@10"]
    assert carded["R@5"] >= boosted["R@5"] and carded["MRR@10"] >= boosted["MRR@10"]


def test_eval_no_boost_reports_both(real_settings: Settings) -> None:
    result = CliRunner().invoke(main, ["eval", str(DEV_QUERIES), "--no-boost"], env=_env(real_settings),
                                catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["method", "R@5", "MRR@10"]
    assert [line.split()[0] for line in lines[1:6]] == ["hybrid", "bm25", "dense", "hybrid-noboost", "hybrid+card"]
