"""Shared pytest configuration."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# Let `import kg` work when pytest is run from a checkout without installing the
# package (plain `pytest` does not put the repository root on sys.path). Redundant,
# and removable, once pyproject.toml sets `pythonpath = ["."]` or kg is installed.
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

# policy-kg never downloads at run time; tests make any attempt fail instead of
# silently fetching. Set here, before any test module imports huggingface_hub,
# which reads these variables once at import.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers used in this test suite."""
    config.addinivalue_line(
        "markers",
        "model: loads a real embedding model (slower); runs by default, "
        "deselect with -m 'not model'",
    )
