"""The build's layout on disk, owned here alone: file names, format number, manifest load and check.

Both sides read it: the pipeline writes a build in this layout, the query service and the remote
store open one. It imports nothing of the builder (no readers, extractors or encoders), so opening
a build for queries stays light.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Protocol

from kg.config import Settings
from kg.errors import StaleBuildError
from kg.ingest.files import corpus_fingerprint

#: Bumped whenever the layout or meaning of a build changes, so old builds are refused.
BUILD_FORMAT = 4
MANIFEST = "manifest.json"
GRAPH_FILE = "graph.nq"
TEXT_DIR = "text"
INDEX_DIR = "index"
CACHE_DIR = ".cache"  # beside the build folder, so swapping builds keeps it
REBUILD_HINT = "run `kg build` (or `make app`) to rebuild"


class Progress(Protocol):
    """What a build reports progress to (the CLI passes tqdm bars)."""

    def update(self, n: int = 1) -> object: ...

    def close(self) -> object: ...


ProgressFactory = Callable[[str, int], Progress]


class _Silent:
    def update(self, n: int = 1) -> None:
        return None

    def close(self) -> None:
        return None


def silent(desc: str, total: int) -> Progress:
    """A progress factory that reports nothing (the library default)."""
    return _Silent()


def read_manifest(build_dir: Path) -> dict[str, Any]:
    """The manifest of the build in `build_dir`, or StaleBuildError saying what is wrong."""
    path = build_dir / MANIFEST
    if not path.exists():
        raise StaleBuildError(f"no build found in {build_dir} — {REBUILD_HINT}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise StaleBuildError(f"the build manifest {path} is unreadable ({exc}) — {REBUILD_HINT}") from None


def check_build(settings: Settings, check_corpus: bool = True) -> dict[str, Any]:
    """Return the build's manifest, or raise StaleBuildError saying what is wrong and the fix."""
    folder = settings.build_path
    manifest = read_manifest(folder)
    if manifest.get("format") != BUILD_FORMAT:
        raise StaleBuildError(f"the build in {folder} has format {manifest.get('format')}, this version reads "
                              f"{BUILD_FORMAT} — {REBUILD_HINT}")
    built_with = manifest.get("settings", {})
    for name, value in settings.build_affecting().items():
        if built_with.get(name) != value:
            raise StaleBuildError(f"the build was made with {name} = {built_with.get(name)!r} but the setting is now "
                                  f"{value!r} — {REBUILD_HINT}, or set {name} back")
    if check_corpus and settings.corpus_path.is_dir():
        now = corpus_fingerprint(settings.corpus_path)
        then = manifest.get("corpus", {})
        changed = sorted(k for k in set(now) | set(then) if now.get(k) != then.get(k))
        if changed and _mid_update(settings, then):
            changed = []  # a kg add/remove is committing, or was killed while it did: this build stands
        if changed:
            shown = ", ".join(changed[:5]) + (" …" if len(changed) > 5 else "")
            raise StaleBuildError(f"the corpus changed since the last build ({shown}) — {REBUILD_HINT}")
    return manifest


#: The journal `kg add` / `kg remove` keep in the corpus folder while they commit (kg.build.pipeline).
UPDATE_JOURNAL = ".kg-update.json"


def _mid_update(settings: Settings, built: dict[str, Any]) -> bool:
    """True when a corpus update journal says the corpus is between this build's state and the next.

    The journal holds the corpus fingerprints before and after the update; the next build,
    add or remove finishes or undoes it. Until then the build that matches either side serves.
    """
    path = settings.corpus_path / UPDATE_JOURNAL
    try:
        journal = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(journal, dict) and built in (journal.get("before"), journal.get("after"))
