"""One student's entry read into (relative path, bytes) pairs, before grader/instructor/submissions.py places
them: a zip read member by member with limits (no absolute or ``..`` paths, no symlinks, at most ``MAX_FILES``
files and ``MAX_TOTAL_BYTES`` once uncompressed), a folder walked, a notebook read with nbformat and validated
(a code cell whose first line is ``# %% a2_mlp/linear.py`` is that file; IPython magics and shell lines are
dropped; the kit's own cells, metadata ``makemore.role``, are skipped), a .py file's encoding made UTF-8.
``BadSubmission`` says why nothing of an entry can be graded. submissions.py re-exports these names. Nothing
here executes student code.
"""
from __future__ import annotations

import io
import json
import re
import stat
import tokenize
import zipfile
from pathlib import Path, PurePosixPath

MAX_FILES = 300
MAX_TOTAL_BYTES = 20 << 20
MAX_FILE_BYTES = 5 << 20
MARKER = re.compile(r"^#\s*%%\s+(?P<path>[A-Za-z0-9_./-]+\.py)\s*$")
KIT_ROLES = ("setup", "check", "plot")
MAX_NOTEBOOK_BYTES = 64 << 20  # a notebook's outputs are dropped before the limits apply, up to this size
IGNORED_PARTS = {"__pycache__", "__MACOSX", ".ipynb_checkpoints", ".git"}


class BadSubmission(Exception):
    """Nothing of this entry can be graded; the message is for the student."""


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
        notebooks = [m for m in members if m.filename.lower().endswith(".ipynb")]
        for m in notebooks:  # outputs are dropped on reading: only a notebook's own size is bounded here
            if m.file_size > MAX_NOTEBOOK_BYTES:
                raise BadSubmission(f"{m.filename} in {label} is larger than {MAX_NOTEBOOK_BYTES >> 20} MB; clear "
                                    "its outputs (Edit > Clear All Outputs) and submit it again")
        total = sum(m.file_size for m in members if m not in notebooks)
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
            notebook = path.suffix == ".ipynb"
            try:
                with archive.open(m) as f:
                    blob = f.read((MAX_NOTEBOOK_BYTES if notebook else MAX_FILE_BYTES) + 1)
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError) as err:
                raise BadSubmission(f"{label} is damaged ({m.filename}: {err})") from None
            if notebook and len(blob) <= MAX_NOTEBOOK_BYTES:
                blob = without_outputs(blob)
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
        if path.suffix == ".ipynb" and size <= MAX_NOTEBOOK_BYTES:  # outputs are not code: not counted
            blob = without_outputs(path.read_bytes())
            size = len(blob)
        total += size
        if count > MAX_FILES or total > MAX_TOTAL_BYTES:
            raise BadSubmission(f"the submission holds more than {MAX_FILES} files or {MAX_TOTAL_BYTES >> 20} MB")
        if path.suffix == ".zip":
            if depth:
                notes.append(f"{relative}: a zip inside a zip is not opened")
                continue
            files += [(str(PurePosixPath(*relative.parts[:-1], name)), blob)
                      for name, blob in read_zip(path.read_bytes(), str(relative))]
        elif path.suffix == ".ipynb" and size <= MAX_NOTEBOOK_BYTES:
            files.append((relative.as_posix(), blob))
        else:
            files.append((relative.as_posix(), path.read_bytes()))
    return files


def read_notebook(data: bytes, label: str):
    import nbformat

    try:
        text = data.decode("utf-16") if data.startswith((b"\xff\xfe", b"\xfe\xff")) else data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadSubmission(f"{label} is not a valid notebook: it is not UTF-8 text (a notebook is a JSON file; "
                            "download it again from Jupyter with File > Download)") from None
    try:
        json.loads(text)
    except RecursionError:
        raise BadSubmission(f"{label} is not a notebook Jupyter writes: its JSON is nested too deeply to read. "
                            "Download it again with File > Download") from None
    except ValueError as err:
        raise BadSubmission(f"{label} is not a valid notebook: it is not valid JSON ({err}). Was it saved "
                            "completely? Download it again with File > Download") from None
    try:
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except Exception as err:  # nbformat raises several types (ValidationError, NotJSONError, KeyError...)
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise BadSubmission(f"{label} is not a valid Jupyter notebook ({first[:200]})") from None
    except RecursionError:
        raise BadSubmission(f"{label} is not a notebook Jupyter writes: it is nested too deeply to read") from None
    return notebook


def without_outputs(blob: bytes) -> bytes:
    """A notebook without its cells' outputs (printed losses, images): outputs are not code, and must not
    count against the size limits. Anything unreadable is returned as it is, for read_notebook to explain."""
    try:
        data = json.loads(blob.decode("utf-8-sig"))
        for cell in data.get("cells", []) if isinstance(data, dict) else []:
            if isinstance(cell, dict) and "outputs" in cell:
                cell["outputs"] = []
        return json.dumps(data).encode()
    except (ValueError, RecursionError, AttributeError, TypeError):
        return blob


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


CELL_MAGIC = re.compile(r"^\s*%%")


# IPython-only lines: magics (%time), shell (!ls, x = !ls), help (np.tanh?, ?np.tanh), auto-call (/f 1, ,f a b, ;f a)
LINE_MAGIC = re.compile(r"^\s*([%!?]|[/,;][A-Za-z_])|^\s*[\w.]+\s*=\s*[%!]|^[^#'\"]*[\w)\]]\?\??\s*$")


def ipython_only(source: str) -> tuple[str, list[tuple[int, str]]]:
    """The cell's Python with IPython-only syntax blanked (so line numbers stay the cell's), and the dropped
    (line number, text). A cell magic (%%bash, %%timeit) makes the whole cell non-Python; a cell that compiles
    as it is keeps every line (a '!' or '?' inside a string is not a magic)."""
    lines = source.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and CELL_MAGIC.match(lines[first]):
        return "\n".join("" for _ in lines), [(first + 1, lines[first].strip() + " (the whole cell)")]
    try:
        compile(source, "<cell>", "exec", dont_inherit=True)
        return source, []
    except (SyntaxError, ValueError):
        pass
    dropped = [(i + 1, line.strip()) for i, line in enumerate(lines) if LINE_MAGIC.match(line)]
    drop = {i for i, _ in dropped}
    return "\n".join("" if i + 1 in drop else line for i, line in enumerate(lines)), dropped


def notebook_files(data: bytes, label: str, package: str, notes: list[str],
                   cells: dict[str, list[tuple[int, int]]] | None = None) -> list[tuple[str, bytes]]:
    """The files a notebook's code cells make; ``cells`` gets, per file, where each line came from."""
    notebook = read_notebook(data, label)
    modules: dict[str, list[tuple[int, str]]] = {}
    loose: list[tuple[int, str]] = []
    meta = notebook.metadata.get("makemore", {})
    by_run = isinstance(meta, dict) and meta.get("cells") == "kernel"  # the cells a kernel ran (notebooks.py)
    for position, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type != "code" or cell_role(cell) in KIT_ROLES:
            continue
        number = f"[{cell.execution_count}]" if by_run and cell.get("execution_count") else position
        module = cell_module(cell)
        source, dropped = ipython_only(cell.source)
        for line, text in dropped:
            notes.append(f"{label}: cell {number}, line {line}: `{text[:80]}` is IPython-only syntax, not Python: "
                         "not graded")
        if module:
            path = PurePosixPath(module)
            if path.is_absolute() or ".." in path.parts:
                notes.append(f"{label}: a cell is marked {module!r}, a path outside the submission: ignored")
                continue
            modules.setdefault(str(path), []).append((number, source))
        elif cell.source.strip():
            loose.append((number, source))
    if not modules and not loose:
        raise BadSubmission(f"{label} has no code cells")
    if not modules:
        notes.append(f"{label} has no cell marked '# %% {package}/<module>.py': all its code cells were run "
                     f"in order as one module")
        modules = {f"{package}/_notebook.py": loose}
    elif loose:
        notes.append(f"{label}: {len(loose)} code cell(s) without a '# %% <package>/<module>.py' first line "
                     "were not graded (they are scratch cells)")
    files = []
    for path, parts in modules.items():
        text, where = "", []
        for number, source in parts:
            if where:
                text += "\n\n"
                where.append(where[-1])  # the blank line between two cells
            text += source
            where += [(number, i + 1) for i in range(source.count("\n") + 1)]  # a last newline ends a line too
        if cells is not None:
            cells[path] = where
        files.append((path, (text + "\n").encode()))
    return files


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
