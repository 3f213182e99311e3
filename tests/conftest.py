"""Shared pytest configuration."""

from __future__ import annotations

import os

# policy-kg never downloads at run time; tests make any attempt fail instead of
# silently fetching. Set here, before any test module imports huggingface_hub,
# which reads these variables once at import.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
# The suite's real builds use USE-v3 (~1,000 clauses/s), not the default e5 (~50-80/s on 2 cores),
# so that it stays fast; commands run from tests (CliRunner, subprocesses given os.environ) then
# open those builds with the model they were made with. Tests of e5 load it by name.
os.environ.setdefault("KG_EMBEDDING_MODEL", "usem3")

import pytest  # noqa: E402

from kg.build.pipeline import build  # noqa: E402
from kg.config import Settings  # noqa: E402
from kg.query.service import Service  # noqa: E402
from tests.helpers import settings_for  # noqa: E402


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The bundled corpus built once with the default encoder (USE-v3)."""
    settings = settings_for(tmp_path_factory.mktemp("build") / "build")
    build(settings)
    return settings


@pytest.fixture(scope="session")
def service(real_settings: Settings) -> Service:
    """A service over the session's real build."""
    return Service.open(real_settings)
