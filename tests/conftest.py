"""Shared pytest configuration."""

from __future__ import annotations

import os

import pytest

# policy-kg never downloads at run time; tests make any attempt fail instead of
# silently fetching. Set here, before any test module imports huggingface_hub,
# which reads these variables once at import.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

