"""Write the student version of the code from the reference, nbgrader-style.

In reference/, each solution is framed by ``### BEGIN SOLUTION[: hint]`` and ``### END SOLUTION``. The student
copy keeps everything else (signatures, docstrings, initialisation) and replaces each region with

    # YOUR CODE HERE (Linear.backward): hint
    raise NotImplementedError("Linear.backward: hint")

so a stub fails loudly and never returns something that could pass a check. ``makemore generate`` writes
assignments/; ``makemore generate --check`` (and a kit test) fails when assignments/ is out of date.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

from grader import KIT_ROOT

BEGIN = re.compile(r"^(?P<indent>\s*)### BEGIN SOLUTION(?::\s*(?P<hint>.*))?$")
END = re.compile(r"^\s*### END SOLUTION\s*$")
REFERENCE = KIT_ROOT / "reference"
ASSIGNMENTS = KIT_ROOT / "assignments"
HANDWRITTEN = {"__init__.py"}  # assignments/__init__.py speaks to students, reference/__init__.py does not


class MarkerError(ValueError):
    pass


def enclosing_names(source: str) -> dict[int, str]:
    """Line number -> qualified name of the innermost function around it ("Linear.backward")."""
    names: dict[int, str] = {}

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    for line in range(child.lineno, child.end_lineno + 1):
                        names[line] = name
                visit(child, name + ".")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return names


def strip_solutions(source: str, filename: str = "<reference>") -> str:
    lines = source.splitlines()
    names = enclosing_names(source)
    out, inside = [], None
    for number, line in enumerate(lines, start=1):
        begin = BEGIN.match(line)
        if begin:
            if inside:
                raise MarkerError(f"{filename}:{number}: BEGIN SOLUTION inside another solution")
            inside = number
            indent, hint = begin["indent"], (begin["hint"] or "").strip()
            where = names.get(number, "this function")
            message = f"{where}: {hint}" if hint else f"{where} is not written yet"
            out.append(f"{indent}# YOUR CODE HERE ({where})" + (f": {hint}" if hint else ""))
            out.append(f"{indent}raise NotImplementedError({message!r})")
        elif END.match(line):
            if not inside:
                raise MarkerError(f"{filename}:{number}: END SOLUTION without BEGIN")
            inside = None
        elif not inside:
            out.append(line)
    if inside:
        raise MarkerError(f"{filename}:{inside}: BEGIN SOLUTION is never closed")
    return "\n".join(out) + "\n"


def solution_regions(source: str) -> list[list[str]]:
    """The lines inside each solution region (to prove none of them survive in the student copy)."""
    regions, current = [], None
    for line in source.splitlines():
        if BEGIN.match(line):
            current = []
        elif END.match(line):
            regions.append(current)
            current = None
        elif current is not None:
            current.append(line)
    return regions


def student_files(reference: Path = REFERENCE) -> dict[Path, str]:
    """Relative path -> the student version, for every .py file of the reference's assignment folders. Files
    at the top of reference/ are not an assignment's: __init__.py, and hidden helpers of the grader (such as
    a7_mistakes.py, known mistakes whose computation needs a correct backward)."""
    files = {}
    for path in sorted(reference.rglob("*.py")):
        relative = path.relative_to(reference)
        if "__pycache__" in relative.parts or len(relative.parts) == 1:
            continue
        files[relative] = strip_solutions(path.read_text(), str(path))
    return files


def write(target: Path = ASSIGNMENTS, reference: Path = REFERENCE) -> list[Path]:
    written = []
    for relative, text in student_files(reference).items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            written.append(path)
    return written


def stale(target: Path = ASSIGNMENTS, reference: Path = REFERENCE) -> list[str]:
    """What differs between target and a fresh generation (empty when up to date)."""
    problems = []
    expected = student_files(reference)
    for relative, text in expected.items():
        path = target / relative
        if not path.exists():
            problems.append(f"{relative} is missing")
        elif path.read_text() != text:
            problems.append(f"{relative} differs from the generated version")
    for path in sorted(target.rglob("*.py")):
        relative = path.relative_to(target)
        if relative not in expected and not (len(relative.parts) == 1 and relative.name in HANDWRITTEN) \
                and "__pycache__" not in relative.parts:
            problems.append(f"{relative} has no counterpart in reference/")
    return problems
