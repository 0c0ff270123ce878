"""Write the student version of the code from the reference, nbgrader-style.

In reference/, each solution is framed by ``### BEGIN SOLUTION[: hint]`` and ``### END SOLUTION``. The student
copy keeps everything else (signatures, docstrings, initialisation) and replaces each region with

    # YOUR CODE HERE (Linear.backward): hint
    raise NotImplementedError("Linear.backward: hint")

so a stub fails loudly and never returns something that could pass a check. ``makemore generate`` writes
assignments/; ``makemore generate --check`` (and a kit test) fails when assignments/ is out of date.

Hints live beside the solution they are about, as lines ``### HINT n: text`` (n = 1, 2, 3, ...: the idea, the
first step of the derivation, the closed form) anywhere inside the function they belong to, usually just
above its ``### BEGIN SOLUTION``. A longer hint continues on lines ``###   more text`` (three spaces) right
below. The student copy never carries them: ``hint_ladders`` reads them for ``makemore hint``.

Answer forms that are not code (``### ANSWER: the result in words``, continued the same way) sit beside
the hints: the release audit (grader/instructor/answers.py) searches every student-facing text for them as it
does for the code of the backward passes; the student copy never carries them either.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

from grader import KIT_ROOT

BEGIN = re.compile(r"^(?P<indent>\s*)### BEGIN SOLUTION(?::\s*(?P<hint>.*))?$")
END = re.compile(r"^\s*### END SOLUTION\s*$")
HINT = re.compile(r"^\s*### HINT (?P<level>\d+):\s*(?P<text>.*)$")
HINT_MORE = re.compile(r"^\s*###   (?P<text>.*)$")
ANSWER = re.compile(r"^\s*### ANSWER:\s*(?P<text>.*)$")
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


def hint_ladders(source: str, filename: str = "<reference>") -> dict[str, list[str]]:
    """Qualified function name -> its hints in level order (["the idea", "the first step", "the closed form"]).

    Raises MarkerError when a function's levels are not 1, 2, ... in order, or a continuation line has no
    hint above it."""
    names = enclosing_names(source)
    ladders: dict[str, list[str]] = {}
    last, in_answer = None, False
    for number, line in enumerate(source.splitlines(), start=1):
        hint, more = HINT.match(line), HINT_MORE.match(line)
        if ANSWER.match(line) or (in_answer and more):  # an answer form and its continuation: not a hint
            last, in_answer = None, True
            continue
        in_answer = False
        if hint:
            where = names.get(number, "<module>")
            ladder = ladders.setdefault(where, [])
            if int(hint["level"]) != len(ladder) + 1:
                raise MarkerError(f"{filename}:{number}: HINT {hint['level']} of {where} follows level {len(ladder)}")
            ladder.append(hint["text"].strip())
            last = where
        elif more and last is not None:
            ladders[last][-1] += " " + more["text"].strip()
        elif more:
            raise MarkerError(f"{filename}:{number}: a hint's continuation line with no HINT above it")
        else:
            last = None
    return ladders


def answer_forms(source: str) -> dict[str, list[str]]:
    """Qualified function name -> the answer forms written beside its solution (``### ANSWER: ...``)."""
    names = enclosing_names(source)
    forms: dict[str, list[str]] = {}
    last = None
    for number, line in enumerate(source.splitlines(), start=1):
        answer, more = ANSWER.match(line), HINT_MORE.match(line)
        if answer:
            last = names.get(number, "<module>")
            forms.setdefault(last, []).append(answer["text"].strip())
        elif more and last is not None:
            forms[last][-1] += " " + more["text"].strip()
        else:
            last = None
    return forms


def strip_solutions(source: str, filename: str = "<reference>") -> str:
    lines = source.splitlines()
    names = enclosing_names(source)
    hint_ladders(source, filename)  # malformed hints are an error here too
    out, inside, in_hint = [], None, False
    for number, line in enumerate(lines, start=1):
        if HINT.match(line) or ANSWER.match(line) or (in_hint and HINT_MORE.match(line)):
            in_hint = True
            continue
        in_hint = False
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


class EditedFiles(Exception):
    """Files in the target differ from what generate wrote there: someone's work, not to be overwritten."""

    def __init__(self, paths: list[Path]):
        super().__init__(paths)
        self.paths = paths


def manifest_path(target: Path) -> Path:
    """Where generate remembers what it wrote into ``target`` (a hash per file), to tell stubs from work."""
    return target.parent / ".makemore" / f"generated-{target.name}.json"


def _digest(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


def is_untouched(path: Path, new_stub: str, written: dict[str, str], relative: str) -> bool:
    """The file is what generate wrote last time (its recorded hash), or, with no record, still all stubs:
    as many ``raise NotImplementedError(`` as the new stub and no line of code the new stub lacks but those."""
    text = path.read_text()
    if relative in written:
        return written[relative] == _digest(text)
    raises = "raise NotImplementedError("
    if text.count(raises) != new_stub.count(raises):
        return False
    code = lambda t: {line.strip() for line in t.splitlines()
                      if line.strip() and not line.strip().startswith(("#", raises))}
    return not code(text) - code(new_stub) - _docstring_lines(text)


def _docstring_lines(text: str) -> set[str]:
    """Lines inside docstrings and comments may change with the reference's wording: not someone's work."""
    lines = set()
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return lines
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            lines |= {line.strip() for line in text.splitlines()[node.lineno - 1:node.end_lineno]}
    return lines


def write(target: Path = ASSIGNMENTS, reference: Path = REFERENCE, force: bool = False) -> list[Path]:
    """Write the stubs into ``target``. A file that someone edited (it differs from what generate wrote
    there last, or, with no record, is no longer all stubs) is not overwritten: EditedFiles lists them all,
    and nothing is written. With ``force`` it is overwritten after a copy is kept under
    ``.makemore/backup/TIME/`` beside ``target`` (see ``backup_folder``)."""
    import json
    import shutil
    import time

    record = manifest_path(target)
    written_before = json.loads(record.read_text()) if record.exists() else {}
    files = student_files(reference)
    changes = {relative: text for relative, text in files.items()
               if not (target / relative).exists() or (target / relative).read_text() != text}
    edited = [target / relative for relative, text in changes.items() if (target / relative).exists()
              and not is_untouched(target / relative, text, written_before, relative.as_posix())]
    if edited and not force:
        raise EditedFiles(edited)
    if edited:
        backup = target.parent / ".makemore" / "backup" / time.strftime("%Y%m%d-%H%M%S")
        for path in edited:
            copy = backup / target.name / path.relative_to(target)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, copy)
    written = []
    for relative, text in changes.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps({r.as_posix(): _digest(t) for r, t in files.items()}, indent=1, sort_keys=True))
    return written


def backup_folders(target: Path = ASSIGNMENTS) -> list[Path]:
    """The backups ``write(force=True)`` kept, oldest first."""
    folder = target.parent / ".makemore" / "backup"
    return sorted(folder.iterdir()) if folder.is_dir() else []


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
