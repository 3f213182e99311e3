"""`kg related` and `kg timeline`: related entities with reasons, and where an entity appears."""

from __future__ import annotations

import json
from typing import Any

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.config import Settings
from kg.errors import QueryError, StaleBuildError
from kg.query.graph_queries import select
from kg.query.related import RANKED_TYPES, WEIGHTS, Related
from kg.query.service import Service


def _env(settings: Settings) -> dict[str, str]:
    return {"KG_BUILD_DIR": settings.build_dir, "KG_CORPUS_DIR": settings.corpus_dir}


def _check_ranking(data: Related) -> None:
    related = data.related
    assert related, f"nothing related to {data.entity.label}"
    assert [r.score for r in related] == sorted((r.score for r in related), reverse=True)
    for item in related:
        assert item.type in RANKED_TYPES and item.iri != data.entity.iri
        assert item.reasons, item
        for reason in item.reasons:
            assert reason.kind in WEIGHTS and reason.text and reason.weight > 0
        assert item.score == pytest.approx(sum(r.weight for r in item.reasons), abs=1e-3)


def _names_containing(service: Service, word: str, types: tuple[str, ...]) -> list[str]:
    return [form for form, refs in service.lexicon.names.items() if word in form and any(r.type in types for r in refs)]


def test_related_for_a_county_medical_community(service: Service) -> None:
    """县域医共体 is no entity of its own; any entity named for it (a pilot, an institution, a
    programme) is what a user means, and its related entities come with reasons."""
    if not _names_containing(service, "医共体", ("PilotZone", "Institution", "Programme", "Practice")):
        pytest.skip("the build has no entity named for 县域医共体 (entity extraction not in this build)")
    data = service.related("县域医共体", k=8)
    assert "医共体" in data.entity.label
    _check_ranking(data)


def test_related_members_of_a_group_come_first(service: Service) -> None:
    rows = select(service.store, "SELECT DISTINCT ?g ?label WHERE { ?m pol:memberOf ?g . ?g rdfs:label ?label }")
    if not rows:
        pytest.skip("the build has no pol:memberOf links yet")
    row = rows[0]
    data = service.related(row["label"], k=5, embeddings=False)
    _check_ranking(data)
    members = {r["m"] for r in select(service.store, "SELECT DISTINCT ?g ?m WHERE { ?m pol:memberOf ?g }",
                                      g=ox.NamedNode(row["g"]))}
    top = data.related[0]
    assert top.iri in members
    assert top.reasons[0].kind == "link" and "成员单位" in top.reasons[0].text


def test_related_lead_of_a_group_says_it_leads(service: Service) -> None:
    rows = select(service.store, """
        SELECT DISTINCT ?g ?label ?lead ?leadLabel WHERE {
          ?lead pol:leadsGroup ?g . ?g rdfs:label ?label . ?lead rdfs:label ?leadLabel }""")
    if not rows:
        pytest.skip("the build has no pol:leadsGroup links yet")
    row = rows[0]
    data = service.related(row["label"], k=10, embeddings=False)
    _check_ranking(data)
    lead = next(item for item in data.related if item.iri == row["lead"])
    assert f"{row['label']}的牵头单位为{row['leadLabel']}" in [reason.text for reason in lead.reasons]
    back = service.related(row["leadLabel"], k=10, embeddings=False)
    group = next(item for item in back.related if item.iri == row["g"])
    assert f"{row['leadLabel']}牵头{row['label']}" in [reason.text for reason in group.reasons]


def test_related_items_of_the_same_column(service: Service) -> None:
    rows = select(service.store, """
        SELECT DISTINCT ?item ?label ?column ?columnLabel WHERE {
          ?item pol:inColumn ?column ; rdfs:label ?label . ?column rdfs:label ?columnLabel .
          ?other pol:inColumn ?column . FILTER(?other != ?item) }""")
    if not rows:
        pytest.skip("the build has no 专栏 items yet")
    row = next((r for r in rows if r["label"] == "区域医疗中心建设工程"), rows[0])
    data = service.related(row["label"], k=10, embeddings=False)
    _check_ranking(data)
    reasons = [reason.text for item in data.related for reason in item.reasons]
    assert f"同属{row['columnLabel']}" in reasons


def test_related_indicators_without_entity_extraction(service: Service) -> None:
    data = service.related("孕产妇死亡率", k=5, embeddings=False)
    assert data.entity.type == "Indicator" and data.embedding == "off"
    _check_ranking(data)
    infant = next(r for r in data.related if r.label == "婴儿死亡率")
    assert any(reason.kind == "passage" for reason in infant.reasons)


def test_related_uses_label_similarity_when_the_encoder_loads(service: Service) -> None:
    data = service.related("孕产妇死亡率", k=5)
    assert data.embedding == "used"
    infant = next(r for r in data.related if r.label == "婴儿死亡率")
    similar = [reason for reason in infant.reasons if reason.kind == "similar"]
    # Said in plain words: a policy officer reads no cosine score (it said 余弦相似度 0.83).
    assert similar and all(reason.text == "名称相近" for reason in similar)


def test_related_falls_back_when_the_encoder_cannot_load(service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: Service) -> Any:
        raise StaleBuildError("the index was built with model 'x' but embedding_model now loads 'y'")

    monkeypatch.setattr(Service, "encoder", property(broken))
    data = service.related("孕产妇死亡率", k=5)
    assert data.embedding.startswith("unavailable: the index was built with model 'x'")
    _check_ranking(data)


def test_related_refuses_unknown_names(service: Service) -> None:
    with pytest.raises(QueryError, match="nothing matched '天气预报': no entity is named so; list them with `kg entities`"):
        service.related("天气预报")


def test_timeline_of_an_indicator(service: Service) -> None:
    data = service.timeline("孕产妇死亡率")
    rows = data.documents
    assert data.entity.label == "孕产妇死亡率"
    assert [r.date for r in rows] == sorted(r.date for r in rows)
    assert {"gx-plan-2022", "gx-review-2024"} <= {r.doc_id for r in rows}
    for row in rows:
        assert row.mentions > 0 and row.kind in ("plan", "news", "bulletin")
        quote = row.first_quote
        assert quote is not None and service.document_text(row.doc_id)[quote.start:quote.end] == quote.quote
        assert "孕产妇死亡率" in quote.quote


def test_timeline_of_a_pilot_zone_across_news(service: Service) -> None:
    if not _names_containing(service, "上思县国家基层卫生健康综合试验区", ("PilotZone",)):
        pytest.skip("the build has no pilot zones yet")
    rows = service.timeline("上思县国家基层卫生健康综合试验区").documents
    assert len(rows) >= 2 and all(r.kind == "news" for r in rows)
    assert [r.date for r in rows] == sorted(r.date for r in rows)


def test_related_and_timeline_commands(real_settings: Settings) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["related", "孕产妇死亡率", "--no-embeddings", "-k", "3"], env=_env(real_settings),
                           catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("孕产妇死亡率（Indicator）")
    assert lines[1].startswith(" 1. [") and lines[2].startswith("      - ")
    result = runner.invoke(main, ["timeline", "孕产妇死亡率", "--json"], env=_env(real_settings),
                           catch_exceptions=False)
    assert json.loads(result.stdout)["documents"][0]["doc_id"] == "gx-plan-2022"
    result = runner.invoke(main, ["related", "天气预报"], env=_env(real_settings))
    assert result.exit_code == 7 and "no entity is named" in result.stderr
