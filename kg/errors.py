"""One exception family for the whole package.

The library raises these; only the CLI turns them into messages and exit codes.
Every message says what went wrong, with which file or value, and how to fix it.
"""

from __future__ import annotations


class KGError(Exception):
    """Base class of every error policy-kg raises on purpose."""

    exit_code = 1


class ConfigError(KGError):
    """A setting has a value the product cannot use."""

    exit_code = 2


class CorpusError(KGError):
    """A corpus file cannot be read or is not a usable document."""

    exit_code = 3

    def __init__(self, path: object, problem: str, fix: str) -> None:
        self.path = str(path)
        self.problem = problem
        self.fix = fix
        super().__init__(f"{self.path}: {problem} — {fix}")


class MetadataError(KGError):
    """The corpus metadata file is missing, malformed or inconsistent."""

    exit_code = 3


class BuildError(KGError):
    """A build could not be completed (validation failure, lock held, ...)."""

    exit_code = 4


class RejectedFilesError(BuildError):
    """A strict build stopped because corpus files were rejected (a corpus problem: exit code 3)."""

    exit_code = 3


class StaleBuildError(KGError):
    """The build on disk is missing, stale or was made with other settings."""

    exit_code = 5


class MissingDependencyError(KGError):
    """An optional dependency is not installed."""

    exit_code = 6


class QueryError(KGError):
    """A query was refused or failed (bad SPARQL, forbidden operation, time limit)."""

    exit_code = 7
