"""The one loader of "module:attr" targets ("a2_mlp.linear:Linear", "a4_backprop_ninja.manual_backward:dprobs").

A target names a module inside an assignments folder and an attribute of it (dotted for a nested one). The
engine loads the reference's (``reference=True``), ``makemore train`` and the notebooks' trainer the student's
(the folder ``root`` first on sys.path). The sandbox's child has its own loader (grader/sandbox/child.py
``Runner.load``): it may import nothing of the engine, and it reports a missing module as the student's mistake.
"""
from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

ASSIGNMENT_PACKAGE = re.compile(r"^a\d+_\w+$")  # a1_bigram, a2_mlp, ...: the packages of an assignments folder


def load(target: str, reference: bool = False, root: str | Path | None = None):
    """The object ``target`` names.

    reference: import from the ``reference`` package (the instructor's kit; ModuleNotFoundError elsewhere).
    root: a folder put first on sys.path before importing (the student's assignments folder); neither: the
    current sys.path. Raises ModuleNotFoundError or AttributeError naming what is missing."""
    module_name, _, attr = target.partition(":")
    if reference:
        module_name = "reference." + module_name
    elif root is not None:
        if str(root) not in sys.path:
            sys.path.insert(0, str(root))
        forget_other_copies(Path(root))
    obj = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def forget_other_copies(root: Path) -> None:
    """Drop from sys.modules every assignment package (a1_bigram, a2_mlp, ...) imported from another folder than
    ``root``: a process that imported one folder's a2_mlp (the stubs, another submission) would otherwise hand
    its modules back for this folder's."""
    root = root.resolve()
    for name, module in list(sys.modules.items()):
        if not ASSIGNMENT_PACKAGE.match(name.partition(".")[0]):
            continue
        where = getattr(module, "__file__", None)
        if where is None or root not in Path(where).resolve().parents:
            del sys.modules[name]
