"""User text never changes a query: hostile strings through every user-facing lookup."""

from __future__ import annotations

import pytest

from kg.errors import KGError
from kg.query.service import Service

HOSTILE = [
    "'", '"', "}", "#", "\n", "\\u0022", '"}; DROP ALL; #', "<http://x>", "?s ?p ?o", "} UNION { ?s ?p ?o",
    '每万人口全科医生数" } #', "孕产妇死亡率\\", "\x00", "SERVICE <http://127.0.0.1:1/>", "医" * 5000,
]


@pytest.mark.parametrize("text", HOSTILE)
def test_lookups_treat_hostile_text_literally(service: Service, text: str) -> None:
    quads_before = len(service.store)
    for call in (service.entity, service.trace, service.answer, getattr(service, "related", None)):
        if call is None:
            continue
        try:
            result = call(text)
        except KGError:
            continue  # "not found" is the right answer for text that names nothing
        if call is service.answer:
            assert result is None or "每万人口全科医生数" in text or "孕产妇死亡率" in text
    assert isinstance(service.search(text, k=3), list)
    assert len(service.store) == quads_before


def test_a_quote_inside_a_name_does_not_widen_the_match(service: Service) -> None:
    with pytest.raises(KGError, match="no entity"):
        service.entity('x" || true || "')
