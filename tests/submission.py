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
STUBS = REPO / "assignments"
PACKAGES = tuple(sorted({assignment.package for assignment in ASSIGNMENTS.values()}))


HINT_LINE = ("### HINT", "###   ", "### ANSWER")


def mask_hints(text: str) -> tuple[str, dict[str, str]]:
    """``text`` with each ``### HINT``/``### ANSWER`` line replaced by a placeholder, and the lines to put back:
    a hint may quote the code it is about, and a substitution is meant for the code."""
    lines, kept = text.splitlines(keepends=True), {}
    for i, line in enumerate(lines):
        if line.lstrip().startswith(HINT_LINE):
            kept[f"\x00hint {i}\x00"] = line
            lines[i] = f"\x00hint {i}\x00"
    return "".join(lines), kept


def replace_in_code(text: str, old: str, new: str, count: int = -1) -> str:
    masked, kept = mask_hints(text)
    masked = masked.replace(old, new, count)
    for placeholder, line in kept.items():
        masked = masked.replace(placeholder, line)
    return masked


def substitute(root: Path, file: str, old: str, new: str, name: str = "") -> None:
    """Replace ``old`` by ``new`` in ``root/file``; ``old`` must occur exactly once in the code (the reference
    may change; its hint lines do not count)."""
    path = Path(root) / file
    text = path.read_text()
    count = mask_hints(text)[0].count(old)
    if count != 1:
        raise AssertionError(f"{name or 'a substitution'}: the text to replace occurs {count} times in {file} "
                             f"(expected exactly once); the reference changed, update the test:\n{old}")
    path.write_text(replace_in_code(text, old, new))


def copy_submission(dest: Path, *changes: tuple[str, str, str], source: Path = REFERENCE,
                    packages: tuple[str, ...] = PACKAGES) -> Path:
    """``source``'s packages copied under ``dest`` (those it has), then each (file, old, new) change applied.

    Another source than the reference (a correct alternative) holds only what a student writes: it is laid
    over the stubs of its package, as a student's work is, so the given files (a4's forward chain, a7's
    init.py) come from the kit rather than from copies kept in tests/corpus."""
    dest = Path(dest)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
    for package in packages:
        if (Path(source) / package).is_dir():
            if Path(source) != REFERENCE:
                shutil.copytree(STUBS / package, dest / package, ignore=ignore)
            shutil.copytree(Path(source) / package, dest / package, ignore=ignore, dirs_exist_ok=True)
    for file, old, new in changes:
        substitute(dest, file, old, new)
    return dest
