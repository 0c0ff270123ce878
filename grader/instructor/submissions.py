"""Turn one student's entry (a folder of .py files, a .zip, an .ipynb) into a folder the grader can run.

The result is a fresh folder holding the packages an assignment needs (a1_bigram/, a2_mlp/, ...):

- files inside a package folder (``a2_mlp/linear.py``, at any depth) keep their place;
- flat .py files (``linear.py``) go into the graded assignment's package, or into a required package when only
  that one has a module of this name (``cross_entropy.py`` for a2 goes to a1_bigram/);
- every module of the graded assignment that the student did not submit is its unmodified stub, generated
  from reference/ at grading time (``stub_sources``; never the working assignments/ folder, where an
  instructor may have solved the exercises), so the report says "not implemented" rather than "import error";
- a module the assignment borrows from an earlier one (a2's checks train with a1's loss) is the reference's
  version on the instructor's side, so one assignment's grade never depends on another's work; in a student
  bundle (no reference) it is the student's own, else the stub; either way the feedback says which;
- a .py file that is not UTF-8 and has no coding declaration is read as cp1252/latin-1 and re-encoded, with a note.

Reading the entry (grader/instructor/entries.py): zip files are read member by member with limits: no absolute or ``..`` paths, no symlinks, at most
``MAX_FILES`` files and ``MAX_TOTAL_BYTES`` once uncompressed. Notebooks are read with nbformat and validated;
a code cell whose first line is ``# %% a2_mlp/linear.py`` (the convention of the generated notebooks, see
grader/instructor/notebooks.py) is that file, several cells for one file are concatenated in order; lines starting with
``%`` or ``!`` (IPython magics, shell) are dropped; cells the kit marks as its own (metadata
``makemore.role``: setup, check, plot) are skipped. A notebook without any marker is run as one module,
``PACKAGE/_notebook.py``, which the package's modules re-export.

Anything wrong with the entry becomes a note (graded anyway) or ``fatal`` (nothing can run: zero points,
with the message in the student's feedback). Nothing here executes student code.
"""
from __future__ import annotations

import difflib
import functools
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader import KIT_ROOT
from grader.instructor.entries import (  # noqa: F401 - re-exported: notebooks.py, batch.py and the tests use them
    CELL_MAGIC, IGNORED_PARTS, KIT_ROLES, LINE_MAGIC, MARKER, MAX_FILE_BYTES, MAX_FILES, MAX_NOTEBOOK_BYTES,
    MAX_TOTAL_BYTES, BadSubmission, as_utf8, cell_module, cell_role, ipython_only, notebook_files, read_folder,
    read_notebook, read_zip, safe_member, without_outputs)

WORKING_COPY = KIT_ROOT / "assignments"  # the student's (or instructor's) working folder: never a source of stubs
PRISTINE_STUBS = KIT_ROOT / "grader" / "stubs.json"  # written by `makemore release` into the student bundle
REFERENCE = KIT_ROOT / "reference"
FILE_LINE = re.compile(r'(?:File ")?(?:[^\s"]*/)?(?P<path>[A-Za-z0-9_]+/[A-Za-z0-9_]+\.py)"?,? line (?P<line>\d+)')


@dataclass
class Prepared:
    student: str
    entry: Path
    folder: Path | None
    notes: list[str] = field(default_factory=list)
    fatal: str | None = None
    # 'pkg/module.py' made from notebook cells -> per line of that file, (cell number, line in the cell)
    cells: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    def in_notebook_terms(self, text: str) -> str:
        """'a2_mlp/tanh.py, line 32' -> 'cell 7, line 3' where that file came from the student's notebook:
        the student never saw the file, only the cell."""
        if not self.cells or not text:
            return text

        def replace(match):
            lines = self.cells.get(match["path"])
            number = int(match["line"])
            if not lines or not 1 <= number <= len(lines):
                return match[0]
            cell, line = lines[number - 1]
            return f"cell {cell}, line {line}"

        return FILE_LINE.sub(replace, text)


def student_id(entry: Path) -> str:
    """The folder's name, or the file's name without its extension (alice.zip, alice.ipynb -> alice)."""
    entry = Path(entry)
    if entry.is_dir() or not entry.suffix or not entry.stem:
        return entry.name
    return entry.stem


def list_entries(folder: Path) -> list[Path]:
    """Every student entry of a submissions folder, sorted; hidden files are not students."""
    return sorted(p for p in Path(folder).iterdir() if not p.name.startswith((".", "~")))


def stub_sources() -> dict[str, str]:
    """'pkg/module.py' -> the unmodified stub, for every module of every assignment.

    Generated from reference/ now where it is installed (the instructor's kit, the Gradescope autograder); in a
    student bundle, read from grader/stubs.json, the pristine copy ``makemore release`` writes. Never read
    from the working assignments/ folder: it may hold someone's solutions."""
    return dict(_stub_sources(REFERENCE.is_dir()))


@functools.lru_cache(maxsize=2)
def _stub_sources(from_reference: bool) -> tuple[tuple[str, str], ...]:
    from grader.specs import ASSIGNMENTS

    packages = {a.package for a in ASSIGNMENTS.values()}
    if from_reference:
        from grader import generate

        files = {p.as_posix(): text for p, text in generate.student_files(REFERENCE).items()}
    elif PRISTINE_STUBS.is_file():
        files = json.loads(PRISTINE_STUBS.read_text(encoding="utf-8"))
    else:
        raise FileNotFoundError(f"no pristine stubs: neither {REFERENCE} nor {PRISTINE_STUBS} exists; "
                                "reinstall the kit or rebuild the bundle with `makemore release`")
    return tuple(sorted((path, text) for path, text in files.items() if path.partition("/")[0] in packages))


def known_packages() -> dict[str, set[str]]:
    """Package -> its module file names, from the stubs (what a submission may contain)."""
    from grader.specs import ASSIGNMENTS

    packages: dict[str, set[str]] = {a.package: set() for a in ASSIGNMENTS.values()}
    for path in stub_sources():
        package, _, module = path.partition("/")
        packages[package].add(module)
    return packages


def borrowed_source(path: str) -> str | None:
    """The reference's version of a module borrowed from an earlier assignment, where the reference is
    installed (the instructor's side); None in a student bundle."""
    source = REFERENCE / path
    return source.read_text(encoding="utf-8") if source.is_file() else None


# -- putting it together ----------------------------------------------------------------------------------

def place(files: list[tuple[str, bytes]], graded: str, required: tuple[str, ...],
          notes: list[str]) -> dict[str, bytes]:
    """Relative path in the graded folder -> contents, from whatever layout the student used."""
    packages = known_packages()
    targets: dict[str, bytes] = {}
    # the folders that hold assignment packages (the submission's root, however deep it is in a zip)
    roots = {PurePosixPath(name).parts[:i] for name, _ in files
             for i, part in enumerate(PurePosixPath(name).parts[:-1]) if part in packages}
    for name, blob in files:
        parts = PurePosixPath(name).parts
        in_package = [i for i, part in enumerate(parts[:-1]) if part in packages]
        helper = helper_package(parts, roots)
        if in_package:
            i = in_package[-1]
            target = "/".join(parts[i:])
        elif helper:
            # a package of the student's own beside the assignment folders (common/utils.py), which their
            # modules import as such: kept where it is, never flattened into the graded package
            target = helper
            folder = target.partition("/")[0]
            if not any(t.startswith(folder + "/") for t in targets):
                notes.append(f"your own package {folder}/ beside the assignment folders is kept as it is, for "
                             "your modules to import")
        else:
            module = parts[-1]
            owner = graded
            if module not in packages.get(graded, ()):
                owners = [p for p in required if module in packages.get(p, ())]
                owner = owners[0] if owners else graded
            target = f"{owner}/{module}"
        if target in targets:
            notes.append(f"{name}: a second file for {target}, ignored (the first one found is graded)")
            continue
        targets[target] = blob
    notes += unmatched_notes(targets, (graded, *required), packages)
    return targets


def helper_package(parts: tuple, roots: set) -> str | None:
    """The path of a .py file inside a folder of the student's own that sits beside the assignment folders
    (ROOT/common/utils.py -> "common/utils.py"), or None. The folder must be a Python identifier that names no
    module already importable (the standard library, numpy, the kit): a folder named numpy would shadow it."""
    import importlib.util
    import sys

    if not parts or not parts[-1].endswith(".py"):
        return None
    for root in roots:
        rest = parts[len(root):]
        if parts[:len(root)] == root and len(rest) >= 2 and all(p.isidentifier() for p in rest[:-1]):
            top = rest[0]
            if top in sys.stdlib_module_names or top in sys.modules or importlib.util.find_spec(top) is not None:
                return None
            return "/".join(rest)
    return None


def unmatched_notes(targets: dict[str, bytes], needed: tuple[str, ...], packages: dict[str, set[str]]) -> list[str]:
    """A note for every submitted file that is no module of the kit, with the module it probably is: a
    ``Linear.py``, ``linear (1).py`` or ``linear_v2.py`` is never graded, and the student should know why."""
    notes = []
    for target in sorted(targets):
        package, _, module = target.partition("/")
        if package not in packages or module in packages[package] or module.startswith("_notebook") \
                or "/" in module or not module.endswith(".py"):
            continue
        missing = sorted(m for m in packages[package] - {"__init__.py"} if f"{package}/{m}" not in targets)
        guess = likely_module(module, missing)
        if guess:
            notes.append(f"{target} is not a module of {package}/, so nothing grades it: did you mean {guess}? "
                         f"(rename the file; {package}/{guess} was graded as the unmodified stub)")
        elif package in needed:
            notes.append(f"{target} is not a module of {package}/ (those are "
                         f"{', '.join(sorted(packages[package] - {'__init__.py'}))}): nothing grades it, though "
                         "your modules may import it")
    return notes


def likely_module(name: str, candidates: list[str]) -> str | None:
    """The module a misnamed file probably is: same name but for case, copy suffixes or a close spelling."""
    stem = re.sub(r"(\s*\(\d+\)|[\s_-]*(copy|v\d+|final|old|new|\d+))+$", "", name[:-3].lower()).strip()
    for candidate in candidates:
        if stem == candidate[:-3]:
            return candidate
    close = difflib.get_close_matches(stem, [c[:-3] for c in candidates], n=1, cutoff=0.75)
    return close[0] + ".py" if close else None


def collect(entry: Path, package: str, notes: list[str],
            cells: dict[str, list[tuple[int, int]]] | None = None) -> list[tuple[str, bytes]]:
    label = entry.name
    if entry.is_symlink():
        raise BadSubmission(f"{label} is a symbolic link, not a submission")
    if entry.is_dir():
        raw = read_folder(entry, notes)
    elif entry.suffix.lower() == ".zip":
        raw = read_zip(entry.read_bytes(), label)
    elif entry.suffix.lower() in (".ipynb", ".py"):
        limit = MAX_NOTEBOOK_BYTES if entry.suffix.lower() == ".ipynb" else MAX_FILE_BYTES
        with open(entry, "rb") as f:
            blob = f.read(limit + 1)
        if len(blob) > limit:
            raise BadSubmission(f"{label} is larger than {limit >> 20} MB; clear its outputs "
                                "(Edit > Clear All Outputs) and submit it again")
        raw = [(entry.name, without_outputs(blob) if entry.suffix.lower() == ".ipynb" else blob)]
    else:
        raise BadSubmission(f"{label} is not a folder, a .zip, a .py file or a notebook (.ipynb): cannot grade it")
    files = []
    for name, blob in raw:
        if name.endswith(".ipynb"):
            files += notebook_files(blob, name, package, notes, cells)
        else:
            files.append((name, blob))
    if not files:
        raise BadSubmission(f"{label} is empty: no .py file and no notebook found in it")
    return files


def prepare(entry: str | Path, assignment, workdir: str | Path, stubs: dict[str, str] | None = None) -> Prepared:
    """Normalise ``entry`` into ``workdir/submission`` for ``assignment``; never raises for bad input.

    stubs: 'pkg/module.py' -> source of the unmodified stubs (default: ``stub_sources()``)."""
    entry, workdir = Path(entry), Path(workdir)
    prepared = Prepared(student_id(entry), entry, None)
    notes = prepared.notes
    try:
        files = collect(entry, assignment.package, notes, prepared.cells)
        targets = place(files, assignment.package, assignment.requires, notes)
    except BadSubmission as err:
        prepared.fatal = str(err)
        return prepared
    except (OSError, MemoryError, RecursionError) as err:
        prepared.fatal = f"could not read the submission ({type(err).__name__}: {err})"
        return prepared
    stubs = stub_sources() if stubs is None else stubs
    folder = workdir / "submission"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for target, blob in targets.items():
        path = folder / target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(as_utf8(blob, target, notes) if target.endswith(".py") else blob)
        if target.endswith(".py"):
            problem = syntax_problem(path, target)
            if problem:
                notes.append(problem)
    prepared.notes[:] = [prepared.in_notebook_terms(note) for note in notes]
    shim_notebook(folder, assignment.package, stubs)
    fill_missing(folder, assignment.package, targets, stubs, notes)
    for package in assignment.requires:
        fill_borrowed(folder, assignment, package, targets, stubs, notes)
    prepared.folder = folder
    return prepared


def grade(entry: str | Path, assignment, workdir: str | Path, public_only: bool = False, **grade_options):
    """Prepare ``entry`` and grade it: the one path ``makemore batch``, ``makemore grade --submission``, the
    Gradescope autograder and a notebook's check cell all take. Returns (Prepared, AssignmentResult); messages
    about a notebook's code say "cell 7, line 3". grade_options go to grader.runner.grade_assignment."""
    from grader.runner import grade_assignment, unrunnable

    prepared = prepare(entry, assignment, workdir)
    if prepared.fatal:
        return prepared, unrunnable(assignment, prepared.fatal, public_only)
    result = grade_assignment(assignment, prepared.folder, public_only=public_only, **grade_options)
    for outcome in result.outcomes:
        outcome.message = prepared.in_notebook_terms(outcome.message)
    return prepared, result


def package_stubs(stubs: dict[str, str], package: str) -> dict[str, str]:
    """module file name -> stub source, for one package."""
    return {path.partition("/")[2]: text for path, text in sorted(stubs.items()) if path.startswith(package + "/")}


def fill_missing(folder: Path, package: str, targets: dict[str, bytes], stubs: dict[str, str],
                 notes: list[str]) -> None:
    """Every module of the graded package the student did not submit becomes its unmodified stub, named."""
    (folder / package).mkdir(parents=True, exist_ok=True)
    missing = []
    for name, text in package_stubs(stubs, package).items():
        path = folder / package / name
        if not path.exists():
            path.write_text(text, encoding="utf-8")
            if name != "__init__.py":
                missing.append(name)
    if not any(t.startswith(package + "/") for t in targets):
        notes.append(f"{package}/ was not in the submission: graded with the unmodified stubs "
                     "(checks that use it say \"not implemented\")")
    elif missing:
        notes.append("not in the submission, graded as the unmodified stubs: "
                     + ", ".join(f"{package}/{m}" for m in missing))


def fill_borrowed(folder: Path, assignment, package: str, targets: dict[str, bytes], stubs: dict[str, str],
                  notes: list[str]) -> None:
    """A package of an earlier assignment: the modules this assignment's checks borrow from it are the
    reference's (instructor's side) or the student's own (student bundle); the rest are stubs."""
    (folder / package).mkdir(parents=True, exist_ok=True)
    borrowed = {path.partition("/")[2] for path in assignment.borrowed_modules() if path.startswith(package + "/")}
    if borrowed_source(f"{package}/__init__.py") is not None:
        # the instructor's side: the package's __init__.py runs whenever a borrowed module is imported, so it
        # is the reference's too: a student's own (one that imports an unfinished module, or patches a borrowed
        # class) never runs while a later assignment is graded
        borrowed.add("__init__.py")
    notebook = (folder / assignment.package / "_notebook.py").exists()
    for name, text in package_stubs(stubs, package).items():
        path, relative = folder / package / name, f"{package}/{name}"
        submitted = relative in targets
        reference = borrowed_source(relative) if name in borrowed else None
        if reference is not None:
            if submitted and targets[relative] == reference.encode():
                continue
            path.write_text(reference, encoding="utf-8")
            # said only to a student who sent code of their own for it: left out, or the untouched stub (a
            # notebook's cell for it), is what the READMEs ask, and a note would say nothing new
            if submitted and not same_code(targets[relative], text):
                notes.append(f"{relative} belongs to an earlier assignment: {assignment.key}'s checks use the "
                             "reference's version (your version is graded in that assignment, not here)")
        elif not submitted:
            if name in borrowed and notebook:  # a notebook that defines the class itself uses its own
                text += (f"\ntry:  # the notebook defines it: use the notebook's\n"
                         f"    from {assignment.package}._notebook import *  # noqa: F401,F403\n"
                         f"except ImportError:\n    pass\n")
                notes.append(f"{relative} was not in the submission: the notebook's own definitions are used "
                             "where it has them, the unmodified stub otherwise")
            elif name in borrowed:
                notes.append(f"{relative} (from an earlier assignment) was not in the submission: graded with "
                             "the unmodified stub (checks that use it say \"not implemented\"); include your version")
            path.write_text(text, encoding="utf-8")


def same_code(blob: bytes, source: str) -> bool:
    """The submitted file is ``source`` but for a notebook cell's ``# %% pkg/module.py`` line and blank ends."""
    lines = blob.decode("utf-8", "replace").strip().splitlines()
    if lines and MARKER.match(lines[0].strip()):
        lines = lines[1:]
    return "\n".join(lines).strip() == source.strip()


def shim_notebook(folder: Path, package: str, stubs: dict[str, str]) -> None:
    """A notebook without markers became PACKAGE/_notebook.py: every module of the package re-exports it."""
    if not (folder / package / "_notebook.py").exists():
        return
    for name in package_stubs(stubs, package):
        path = folder / package / name
        if name != "__init__.py" and not path.exists():
            path.write_text("from ._notebook import *  # noqa: F401,F403 (the notebook's code cells)\n")


# The parent never compiles more than this: compiling costs memory in proportion to the source (a 12 MB list
# literal took 4.5 GB), and the student's process, under its memory limit, reports any SyntaxError anyway.
MAX_CHECKED_SOURCE = 256 << 10


def syntax_problem(path: Path, label: str) -> str | None:
    """A note for a file that does not compile, checked here only for files up to MAX_CHECKED_SOURCE bytes."""
    try:
        if path.stat().st_size > MAX_CHECKED_SOURCE:
            return None
        compile(path.read_bytes(), label, "exec", dont_inherit=True)
    except SyntaxError as err:
        line = f", line {err.lineno}" if err.lineno else ""
        return f"{label}{line}: {type(err).__name__}: {err.msg} (every check that imports this file fails)"
    except ValueError as err:  # e.g. null bytes
        return f"{label}: cannot be compiled ({err})"
    return None
