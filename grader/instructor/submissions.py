"""Turn one student's entry (a folder of .py files, a .zip, an .ipynb) into a folder the grader can run.

The result is a fresh folder holding the packages an assignment needs (a1_bigram/, a2_mlp/, ...):

- files inside a package folder (``a2_mlp/linear.py``, at any depth) keep their place;
- flat .py files (``linear.py``) go into the graded assignment's package, or into a required package when only
  that one has a module of this name (``cross_entropy.py`` for a2 goes to a1_bigram/);
- every module the assignment needs that the student did not submit comes from the unmodified stubs in
  assignments/, so the report says "not implemented" rather than "import error";
- a .py file that is not UTF-8 and has no coding declaration is read as cp1252/latin-1 and re-encoded, with a note.

Zip files are read member by member with limits: no absolute or ``..`` paths, no symlinks, at most
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

import io
import json
import re
import shutil
import stat
import tokenize
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader import KIT_ROOT

STUBS = KIT_ROOT / "assignments"
MAX_FILES = 300
MAX_TOTAL_BYTES = 20 << 20
MAX_FILE_BYTES = 5 << 20
MARKER = re.compile(r"^#\s*%%\s+(?P<path>[A-Za-z0-9_./-]+\.py)\s*$")
KIT_ROLES = ("setup", "check", "plot")
IGNORED_PARTS = {"__pycache__", "__MACOSX", ".ipynb_checkpoints", ".git"}


class BadSubmission(Exception):
    """Nothing of this entry can be graded; the message is for the student."""


@dataclass
class Prepared:
    student: str
    entry: Path
    folder: Path | None
    notes: list[str] = field(default_factory=list)
    fatal: str | None = None


def student_id(entry: Path) -> str:
    """The folder's name, or the file's name without its extension (alice.zip, alice.ipynb -> alice)."""
    entry = Path(entry)
    if entry.is_dir() or not entry.suffix or not entry.stem:
        return entry.name
    return entry.stem


def list_entries(folder: Path) -> list[Path]:
    """Every student entry of a submissions folder, sorted; hidden files are not students."""
    return sorted(p for p in Path(folder).iterdir() if not p.name.startswith((".", "~")))


def known_packages() -> dict[str, set[str]]:
    """Package -> its module file names, from the stubs (what a submission may contain)."""
    from grader.specs import ASSIGNMENTS

    packages = {}
    for assignment in ASSIGNMENTS.values():
        folder = STUBS / assignment.package
        packages[assignment.package] = {p.name for p in folder.glob("*.py")} if folder.is_dir() else set()
    return packages


# -- reading the entry into (relative path, bytes) pairs --------------------------------------------------

def safe_member(name: str) -> PurePosixPath:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or re.match(r"^[A-Za-z]:", name) or ".." in path.parts:
        raise BadSubmission(f"the zip file contains {name!r}, a path outside its own folder; it was not opened "
                            "(zip the folder again from inside it)")
    return path


def read_zip(data: bytes, label: str) -> list[tuple[str, bytes]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise BadSubmission(f"{label} is not a valid zip file (is it a .rar or .7z, or truncated?)") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        for m in members:
            safe_member(m.filename)
            if stat.S_ISLNK(m.external_attr >> 16):
                raise BadSubmission(f"the zip file contains a symbolic link ({m.filename}); it was not opened")
        if len(members) > MAX_FILES:
            raise BadSubmission(f"{label} holds {len(members)} files, more than the limit of {MAX_FILES}")
        total = sum(m.file_size for m in members)
        if total > MAX_TOTAL_BYTES:
            raise BadSubmission(f"{label} would expand to {total / 2**20:.0f} MB, over the limit of "
                                f"{MAX_TOTAL_BYTES >> 20} MB; submit only your .py files or notebook")
        files, read = [], 0
        for m in members:
            path = safe_member(m.filename)
            if IGNORED_PARTS & set(path.parts) or any(p.startswith(".") for p in path.parts):
                continue
            if path.suffix not in (".py", ".ipynb"):
                continue
            try:
                with archive.open(m) as f:
                    blob = f.read(MAX_FILE_BYTES + 1)
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError) as err:
                raise BadSubmission(f"{label} is damaged ({m.filename}: {err})") from None
            read += len(blob)
            if len(blob) > MAX_FILE_BYTES or read > MAX_TOTAL_BYTES:
                raise BadSubmission(f"{label} expands to more than the limit of {MAX_TOTAL_BYTES >> 20} MB")
            files.append((str(path), blob))
        return files


def read_folder(folder: Path, notes: list[str], depth: int = 0) -> list[tuple[str, bytes]]:
    files, total, count = [], 0, 0
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if IGNORED_PARTS & set(relative.parts) or any(p.startswith(".") for p in relative.parts):
            continue
        if path.is_symlink():
            notes.append(f"{relative} is a symbolic link: ignored")
            continue
        if not path.is_file() or path.suffix not in (".py", ".ipynb", ".zip"):
            continue
        count += 1
        size = path.stat().st_size
        total += size
        if count > MAX_FILES or total > MAX_TOTAL_BYTES:
            raise BadSubmission(f"the submission holds more than {MAX_FILES} files or {MAX_TOTAL_BYTES >> 20} MB")
        if path.suffix == ".zip":
            if depth:
                notes.append(f"{relative}: a zip inside a zip is not opened")
                continue
            files += [(str(PurePosixPath(*relative.parts[:-1], name)), blob)
                      for name, blob in read_zip(path.read_bytes(), str(relative))]
        else:
            files.append((relative.as_posix(), path.read_bytes()))
    return files


# -- notebooks --------------------------------------------------------------------------------------------

def read_notebook(data: bytes, label: str):
    import nbformat

    try:
        text = data.decode("utf-16") if data.startswith((b"\xff\xfe", b"\xfe\xff")) else data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadSubmission(f"{label} is not a valid notebook: it is not UTF-8 text (a notebook is a JSON file; "
                            "download it again from Jupyter with File > Download)") from None
    try:
        json.loads(text)
    except ValueError as err:
        raise BadSubmission(f"{label} is not a valid notebook: it is not valid JSON ({err}). Was it saved "
                            "completely? Download it again with File > Download") from None
    try:
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except Exception as err:  # nbformat raises several types (ValidationError, NotJSONError, KeyError...)
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise BadSubmission(f"{label} is not a valid Jupyter notebook ({first[:200]})") from None
    return notebook


def cell_role(cell) -> str | None:
    meta = cell.get("metadata", {}).get("makemore", {})
    return meta.get("role") if isinstance(meta, dict) else None


def cell_module(cell) -> str | None:
    """The file a code cell belongs to: its first line ``# %% pkg/module.py``, else metadata makemore.module."""
    for line in cell.source.splitlines():
        if line.strip():
            match = MARKER.match(line.strip())
            if match:
                return match["path"]
            break
    meta = cell.get("metadata", {}).get("makemore", {})
    module = meta.get("module") if isinstance(meta, dict) else None
    return module if isinstance(module, str) and module.endswith(".py") else None


def code_lines(source: str) -> str:
    """Magics and shell lines become blank lines, so line numbers in messages match the cell's."""
    kept = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    return "\n".join(kept)


def notebook_files(data: bytes, label: str, package: str, notes: list[str]) -> list[tuple[str, bytes]]:
    notebook = read_notebook(data, label)
    modules: dict[str, list[str]] = {}
    loose: list[str] = []
    for cell in notebook.cells:
        if cell.cell_type != "code" or cell_role(cell) in KIT_ROLES:
            continue
        module = cell_module(cell)
        if module:
            path = PurePosixPath(module)
            if path.is_absolute() or ".." in path.parts:
                notes.append(f"{label}: a cell is marked {module!r}, a path outside the submission: ignored")
                continue
            modules.setdefault(str(path), []).append(code_lines(cell.source))
        elif cell.source.strip():
            loose.append(code_lines(cell.source))
    if not modules and not loose:
        raise BadSubmission(f"{label} has no code cells")
    if not modules:
        notes.append(f"{label} has no cell marked '# %% {package}/<module>.py': all its code cells were run "
                     f"in order as one module")
        return [(f"{package}/_notebook.py", "\n\n".join(loose).encode())]
    if loose:
        notes.append(f"{label}: {len(loose)} code cell(s) without a '# %% <package>/<module>.py' first line "
                     "were not graded (they are scratch cells)")
    return [(path, ("\n\n".join(parts) + "\n").encode()) for path, parts in modules.items()]


# -- encodings --------------------------------------------------------------------------------------------

def as_utf8(blob: bytes, label: str, notes: list[str]) -> bytes:
    """Source Python can import: kept as is when valid in its declared (or default UTF-8) encoding."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(blob).readline)
        blob.decode(encoding)
        return blob
    except (SyntaxError, UnicodeDecodeError, LookupError):
        pass
    if blob.startswith((b"\xff\xfe", b"\xfe\xff")):
        text, used = blob.decode("utf-16"), "UTF-16"
    else:
        try:
            text, used = blob.decode("cp1252"), "Windows-1252"
        except UnicodeDecodeError:
            text, used = blob.decode("latin-1"), "Latin-1"
    text = re.sub(r"^(#.*)coding[:=]\s*[-\w.]+", r"\1", text, count=1, flags=re.M)  # a wrong declaration
    notes.append(f"{label} is not UTF-8: it was read as {used}; save your files as UTF-8")
    return text.encode("utf-8")


# -- putting it together ----------------------------------------------------------------------------------

def place(files: list[tuple[str, bytes]], graded: str, required: tuple[str, ...],
          notes: list[str]) -> dict[str, bytes]:
    """Relative path in the graded folder -> contents, from whatever layout the student used."""
    packages = known_packages()
    targets: dict[str, bytes] = {}
    for name, blob in files:
        parts = PurePosixPath(name).parts
        in_package = [i for i, part in enumerate(parts[:-1]) if part in packages]
        if in_package:
            i = in_package[-1]
            target = "/".join(parts[i:])
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
    return targets


def collect(entry: Path, package: str, notes: list[str]) -> list[tuple[str, bytes]]:
    label = entry.name
    if entry.is_symlink():
        raise BadSubmission(f"{label} is a symbolic link, not a submission")
    if entry.is_dir():
        raw = read_folder(entry, notes)
    elif entry.suffix.lower() == ".zip":
        raw = read_zip(entry.read_bytes(), label)
    elif entry.suffix.lower() in (".ipynb", ".py"):
        raw = [(entry.name, entry.read_bytes())]
    else:
        raise BadSubmission(f"{label} is not a folder, a .zip, a .py file or a notebook (.ipynb): cannot grade it")
    files = []
    for name, blob in raw:
        if name.endswith(".ipynb"):
            files += notebook_files(blob, name, package, notes)
        else:
            files.append((name, blob))
    if not files:
        raise BadSubmission(f"{label} is empty: no .py file and no notebook found in it")
    return files


def prepare(entry: str | Path, assignment, workdir: str | Path, stubs: Path = STUBS) -> Prepared:
    """Normalise ``entry`` into ``workdir/submission`` for ``assignment``; never raises for bad input."""
    entry, workdir = Path(entry), Path(workdir)
    prepared = Prepared(student_id(entry), entry, None)
    notes = prepared.notes
    needed = (assignment.package, *assignment.requires)
    try:
        files = collect(entry, assignment.package, notes)
        targets = place(files, assignment.package, assignment.requires, notes)
    except BadSubmission as err:
        prepared.fatal = str(err)
        return prepared
    except (OSError, MemoryError) as err:
        prepared.fatal = f"could not read the submission ({type(err).__name__}: {err})"
        return prepared
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
    shim_notebook(folder, assignment.package, stubs)
    for package in needed:
        (folder / package).mkdir(parents=True, exist_ok=True)
        submitted = any(t.startswith(package + "/") for t in targets)
        missing = []
        for stub in sorted((stubs / package).glob("*.py")):
            path = folder / package / stub.name
            if not path.exists():
                shutil.copyfile(stub, path)
                if stub.name != "__init__.py":
                    missing.append(stub.name)
        if package != assignment.package:  # only what the assignment's checks use is worth a note
            used = {path.partition("/")[2] for path in assignment.borrowed_modules() if path.startswith(package + "/")}
            missing = [m for m in missing if m in used]
            submitted = submitted or not missing
        if not submitted:
            notes.append(f"{package}/ was not in the submission: graded with the unmodified stubs "
                         "(checks that use it say \"not implemented\")")
        elif missing:
            notes.append("not in the submission, graded as the unmodified stubs: "
                         + ", ".join(f"{package}/{m}" for m in missing))
    prepared.folder = folder
    return prepared


def shim_notebook(folder: Path, package: str, stubs: Path) -> None:
    """A notebook without markers became PACKAGE/_notebook.py: every module of the package re-exports it."""
    if not (folder / package / "_notebook.py").exists():
        return
    for stub in sorted((stubs / package).glob("*.py")):
        path = folder / package / stub.name
        if stub.name != "__init__.py" and not path.exists():
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
