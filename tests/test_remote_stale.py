"""A stale remote copy is refused (issue 12 item 10): after a metadata change and a rebuild, the
server's graphs differ from the build's although no document file changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kg.build.pipeline import build
from kg.errors import StaleBuildError
from kg.query.service import Service
from kg.remote.push import push
from tests.helpers import CORPUS, settings_for
from tests.oxigraph_server import start, stop


def test_a_server_holding_graphs_of_an_older_build_is_refused_until_pushed(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = settings_for(tmp_path / "build", model="hashing", corpus=corpus)
    build(settings)
    server = start()
    try:
        remote = settings.with_overrides(sparql_endpoint=server.query)
        push(settings.build_path, server.query)
        Service.open(remote)  # current: opens
        metadata = json.loads((corpus / "metadata.json").read_text(encoding="utf-8"))
        metadata["documents"][0]["title"] = "改过的标题"
        (corpus / "metadata.json").write_text(json.dumps(metadata, ensure_ascii=False), encoding="utf-8")
        build(settings)
        # Before the fix: served without warning (the file hashes on the server still matched).
        with pytest.raises(StaleBuildError, match=r"holds another version of the graphs .* run `kg push"):
            Service.open(remote)
        push(settings.build_path, server.query)
        Service.open(remote)  # pushed again: current
    finally:
        stop(server)
