"""The one loader of "module:attr" targets ("a2_mlp.linear:Linear", "a4_backprop_ninja.manual_backward:dprobs").

A target names a module inside an assignments folder and an attribute of it (dotted for a nested one). The
engine loads the reference's (``reference=True``), ``makemore train`` and the notebooks' trainer the student's
(the folder ``root`` first on sys.path). The sandbox's child has its own loader (grader/sandbox/child.py
``Runner.load``): it may import nothing of the engine, and it reports a missing module as the student's mistake.
"""
from __future__ import annotations

import importlib
import sys
from pathlib import Path


def load(target: str, reference: bool = False, root: str | Path | None = None):
    """The object ``target`` names.

    reference: import from the ``reference`` package (the instructor's kit; ModuleNotFoundError elsewhere).
    root: a folder put first on sys.path before importing (the student's assignments folder); neither: the
    current sys.path. Raises ModuleNotFoundError or AttributeError naming what is missing."""
    module_name, _, attr = target.partition(":")
    if reference:
        module_name = "reference." + module_name
    elif root is not None and str(root) not in sys.path:
        sys.path.insert(0, str(root))
    obj = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def is_target(value) -> bool:
    """A "module:attr" string."""
    return isinstance(value, str) and ":" in value and not value.startswith(":")
