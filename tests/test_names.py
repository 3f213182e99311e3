"""One name resolver: ``kg show``, ``kg related``, ``kg timeline``, ``kg trace`` and the entity page
resolve a label, an alias or an IRI to the same entity — checked over every entity of the build."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.config import Settings
from kg.errors import QueryError
from kg.query.service import Service
from kg.query.indicator_names import name_form


def _resolved(service: Service, text: str, indicator: bool) -> dict[str, str]:
    """The entity IRI each command resolves ``text`` to."""
    out = {"show": service.entity(text).iri,
           "related": service.related(text, k=1, embeddings=False).entity.iri,
           "timeline": service.timeline(text).entity.iri}
    if indicator:
        out["trace"] = service.trace(text).indicator.iri
    return out


def test_every_entity_resolves_by_iri_and_label_the_same_everywhere(service: Service) -> None:
    everything = service.entities()
    assert len(everything) > 100
    sharing: dict[str, set[str]] = {}
    for entity in everything:
        for name in (entity.label, *entity.aliases):
            sharing.setdefault(name_form(name), set()).add(entity.iri)
    for entity in everything:
        indicator = entity.type == "indicator"
        by_iri = _resolved(service, entity.iri, indicator)
        assert set(by_iri.values()) == {entity.iri}, (entity.label, by_iri)
        for name in (entity.label, *entity.aliases):
            by_name = _resolved(service, name, indicator)
            assert len(set(by_name.values())) == 1, (name, by_name)
            # A name several entities share means one of them (the same one everywhere); an own name, itself.
            assert by_name["show"] in sharing[name_form(name)], (name, by_name)
            if sharing[name_form(name)] == {entity.iri}:
                assert by_name["show"] == entity.iri, (name, by_name)


@pytest.mark.parametrize("empty", ["", "   ", "\u200b", "\u202e", "\x00\x01\x1f", "\u200b\u202e \u200d"])
def test_a_name_that_cleans_to_nothing_matches_nothing(service: Service, empty: str) -> None:
    for ask in (service.entity, service.related, service.timeline, service.trace):
        with pytest.raises(QueryError, match="nothing matched"):
            ask(empty)


def test_a_name_nothing_has_matches_nothing(service: Service) -> None:
    for ask in (service.entity, service.related, service.timeline):
        with pytest.raises(QueryError, match="nothing matched '天气预报xyz'"):
            ask("天气预报xyz")
    with pytest.raises(QueryError, match="nothing matched"):
        service.entity("https://w3id.org/policy-kg/id/entity/programme/no-such-thing")


def test_invisible_characters_around_a_name_do_not_change_the_entity(service: Service) -> None:
    plain = service.entity("孕产妇死亡率").iri
    assert service.entity("\u202e孕产妇\u200b死亡率\u200d").iri == plain
    assert service.trace("\u202e孕产妇\u200b死亡率").indicator.iri == plain


def test_trace_refuses_an_entity_that_is_not_an_indicator(service: Service) -> None:
    institution = next(e for e in service.entities("institution"))
    with pytest.raises(QueryError, match="not an indicator"):
        service.trace(institution.label)
    with pytest.raises(QueryError, match="not an indicator"):
        service.trace(institution.iri)


def test_kg_related_and_timeline_accept_an_iri(real_settings: Settings, service: Service) -> None:
    entity = service.entity("上思县医疗健康集团")
    env = {"KG_BUILD_DIR": real_settings.build_dir, "KG_CORPUS_DIR": real_settings.corpus_dir}
    for command in ("related", "timeline"):
        result = CliRunner().invoke(main, [command, entity.iri, "--json"], env=env)
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["entity"]["label"] == entity.label
    result = CliRunner().invoke(main, ["related", "\u200b"], env=env)
    assert result.exit_code == QueryError.exit_code
    assert "nothing matched" in result.output


def test_every_entity_lists_the_documents_it_comes_from(service: Service) -> None:
    """`kg entities` and the entity page's 见于 N 份文档: a 专栏 box is printed in no passage (it
    has no mention) yet comes from its plan; only gazetteer places may stand in no document."""
    everything = service.entities()
    plan = next(d.id for d in service.documents.values() if d.kind == "plan")
    columns = [e for e in everything if e.type == "specialcolumn"]
    assert len(columns) == 13
    assert all(e.documents == [plan] and e.mentions == 0 for e in columns)
    assert [e.label for e in everything if not e.documents and e.type != "place"] == []
