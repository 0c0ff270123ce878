"""Tests that need an optional extra (torch for the autograd oracle, the data extra to rebuild names.txt) skip
where it is missing, except where MAKEMORE_REQUIRE_EXTRAS=1 or CI=true (CI sets it, and installs `.[test]`):
there a missing extra fails, so the oracle can never be skipped silently where it must run."""
from __future__ import annotations

import importlib
import importlib.util
import os

import pytest

REQUIRED = os.environ.get("MAKEMORE_REQUIRE_EXTRAS") == "1" or os.environ.get("CI", "").lower() == "true"


def import_or_skip(name: str):
    """The module, or a skip (a failure when extras are required)."""
    if REQUIRED:
        return importlib.import_module(name)
    return pytest.importorskip(name)


def missing(*names: str) -> bool:
    """True when one of the modules is not installed and extras are not required (then: skip)."""
    return not REQUIRED and any(importlib.util.find_spec(name) is None for name in names)
