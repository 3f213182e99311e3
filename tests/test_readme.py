"""The README's command-line examples run as written."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.config import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_examples() -> list[str]:
    """The `kg …` lines of the README's 'Command line' section, without comments."""
    section = README.read_text(encoding="utf-8").split("## Command line", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "the README's Command line section has no bash block"
    return [line.split("  #", 1)[0].strip() for line in block.group(1).splitlines() if line.startswith("kg ")]


def test_readme_has_examples() -> None:
    assert len(readme_examples()) >= 4


@pytest.mark.parametrize("command", readme_examples())
def test_readme_example_runs(command: str, real_settings: Settings, tmp_path: Path) -> None:
    args = shlex.split(command)[1:]
    build_dir = str(tmp_path / "build") if args[0] == "build" else real_settings.build_dir
    env = {"KG_BUILD_DIR": build_dir, "KG_CORPUS_DIR": real_settings.corpus_dir}
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip()
