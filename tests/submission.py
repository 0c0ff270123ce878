"""One way for the kit's tests to make a submission: a correct source (the reference by default) copied as a
student would hand it in, optionally with text substitutions (each must occur exactly once).

``PACKAGES`` and ``REFERENCE`` live here only; tests use ``copy_submission`` or the ``submission`` fixture
(tests/conftest.py)."""
from __future__ import annotations

import shutil
from pathlib import Path

from grader.specs import ASSIGNMENTS

REPO = Path(__file__).resolve().parent.parent
REFERENCE = REPO / "reference"
PACKAGES = tuple(sorted({assignment.package for assignment in ASSIGNMENTS.values()}))


def substitute(root: Path, file: str, old: str, new: str, name: str = "") -> None:
    """Replace ``old`` by ``new`` in ``root/file``; ``old`` must occur exactly once (the reference may change)."""
    path = Path(root) / file
    text = path.read_text()
    count = text.count(old)
    if count != 1:
        raise AssertionError(f"{name or 'a substitution'}: the text to replace occurs {count} times in {file} "
                             f"(expected exactly once); the reference changed, update the test:\n{old}")
    path.write_text(text.replace(old, new))


def copy_submission(dest: Path, *changes: tuple[str, str, str], source: Path = REFERENCE,
                    packages: tuple[str, ...] = PACKAGES) -> Path:
    """``source``'s packages copied under ``dest`` (those it has), then each (file, old, new) change applied."""
    dest = Path(dest)
    for package in packages:
        if (Path(source) / package).is_dir():
            shutil.copytree(Path(source) / package, dest / package,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis"))
    for file, old, new in changes:
        substitute(dest, file, old, new)
    return dest
