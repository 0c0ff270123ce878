"""One module per assignment, each with ``MODELS = [BenchModel(...)]`` (see grader/bench/registry.py)."""
from __future__ import annotations

import importlib
import pkgutil


def discover() -> list:
    """Every ``MODELS`` list of the modules in this folder, in module-name order (a1, a2, ...)."""
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        found.extend(importlib.import_module(f"{__name__}.{info.name}").MODELS)
    return found
