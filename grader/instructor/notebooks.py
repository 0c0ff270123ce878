"""Each assignment as a Jupyter notebook, built with nbformat from the very files in assignments/.

A notebook is: the narrative (the package docstring and the list of checks), then one code cell per module
whose first line is ``# %% PACKAGE/MODULE.py`` followed by exactly the text of the generated stub, then a cell
that grades the notebook with the local (public) checks and a cell that trains the model and plots the loss.
The stub cells are generated from the same source as the .py stubs, at release time, so the two cannot drift;
grader/instructor/submissions.py reads a notebook back into files with the same convention (a test round-trips it).

An assignment whose training check asks for diagnostics (its option ``"diagnostics"``, grader/train_diagnostics.py)
gets a last cell that trains while watching the layers and shows the lecture's plots inline.

The kit's own cells carry metadata ``{"makemore": {"role": "setup" | "check" | "plot"}}`` and are never
graded; module cells also carry ``{"makemore": {"module": "PACKAGE/MODULE.py"}}``.
"""
from __future__ import annotations

import ast
import json
import os
import re
from pathlib import Path, PurePosixPath

import nbformat
from nbformat import v4

from grader import KIT_ROOT


def narrative(assignment, package_doc: str) -> str:
    public = [c for c in assignment.checks if c.visibility == "public"]
    hidden = [c for c in assignment.checks if c.visibility != "public"]
    from grader import lectures

    lecture = ([lectures.readme_block(assignment.key, lectures.units_of(assignment)), ""]
               if lectures.lecture(assignment.key) else [])
    lines = [f"# {assignment.key.upper()}: {assignment.title}", "", *lecture, package_doc.strip(), "",
             "## How this notebook works", "",
             f"Each code cell that starts with `# %% {assignment.package}/<module>.py` **is** that file of your "
             "package: write your code in it, in place of each `raise NotImplementedError(...)`. Keep that first "
             "line as it is. Other cells are scratch space and are not graded.",
             "",
             "Run the *Setup* cell first (on Colab or JupyterHub it installs the kit). After each part, **save the "
             "notebook** and run the check cell below it: it reads the saved notebook exactly as your instructor's "
             "grader does (whatever you named it) and runs that part's local checks (finite differences, shapes, "
             "stored answers); it warns you when the kernel runs code you have not saved. Errors point at "
             "\"cell N, line L\", counting every cell from the top; where the front end does not say which file the "
             "notebook is (Colab) the check grades the cells the kernel ran, and \"cell [N]\" is the cell run as [N]. "
             "Lines IPython understands but Python does not "
             "(`%magic`, `!shell`, `obj?`) are not graded, and a `%%` cell magic leaves out its whole cell.", "",
             f"Stuck? In a scratch cell, `from grader.hints import hint; hint(\"{assignment.key}\")` lists the functions "
             f"with hints, and `hint(\"{assignment.key}\", \"NAME\")` shows the next one: first the idea, then the first "
             "step, as far as your instructor allows.", "",
             f"Passed a part? `from grader.solution import solution; solution(\"{assignment.key}\", \"NAME\")` shows "
             "the reference's version beside yours, where the kit holds it.", ""]
    if hidden:
        lines += [f"Your instructor also runs {len(hidden)} hidden check(s) worth "
                  f"{sum(c.points for c in hidden):g} points (comparisons with the reference on generated inputs).", ""]
    lines += ["| check | points | what it checks |", "|---|---:|---|"]
    lines += [f"| `{c.name}` | {c.points:g} | {c.description} |" for c in public]
    return "\n".join(lines)


def module_doc(source: str) -> str:
    try:
        return ast.get_docstring(ast.parse(source)) or ""
    except SyntaxError:
        return ""


KIT_PACKAGE = re.compile(r"^a\d+_\w+$")  # the assignments' packages: a1_bigram, a3_batchnorm, ...
IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}


def kit_import(node, package: str) -> bool:
    """An import of one of the kit's packages: relative (``from .x``, ``from . import x``, ``from ..a3_x.y``) or
    absolute (``from a3_batchnorm.x import``, ``import a2_mlp.tanh``)."""
    if isinstance(node, ast.ImportFrom):
        return node.level > 0 or bool(KIT_PACKAGE.match((node.module or "").partition(".")[0]))
    if isinstance(node, ast.Import):
        return any(KIT_PACKAGE.match(alias.name.partition(".")[0]) for alias in node.names)
    return False


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return handler.type is None or any(isinstance(k, ast.Name) and k.id in IMPORT_ERRORS for k in kinds)


def _last_tries(tree: ast.AST, package: str) -> list:
    """The kit imports a notebook must rewrite: each one not already inside a ``try`` whose ``except
    ImportError`` has another attempt (there the fallback is the one rewritten)."""
    found = []

    def visit(body, guarded):
        for node in body:
            if kit_import(node, package):
                if not guarded:
                    found.append(node)
            elif isinstance(node, ast.Try):
                visit(node.body, guarded or any(_catches_import_error(h) for h in node.handlers))
                for handler in node.handlers:
                    visit(handler.body, guarded)
                visit(node.orelse, guarded)
                visit(node.finalbody, guarded)
            elif isinstance(node, (ast.If, ast.With, ast.For, ast.While)):
                visit(node.body, guarded)
                visit(getattr(node, "orelse", []), guarded)

    visit(tree.body, False)
    return found


def _in_the_notebook(node, modules: set[str]) -> list[str]:
    """What stands for ``node`` in a notebook, where every module of the kit is a cell run above: an imported
    name is already defined (``as`` renames it); an imported module is the notebook's own namespace."""
    lines = []
    for alias in node.names:
        bound = alias.asname or alias.name.partition(".")[0]
        is_module = isinstance(node, ast.Import) or node.module is None or alias.name in modules
        if is_module:
            lines.append(f"{bound} = sys.modules[__name__]  # {alias.name}'s cell ran in this notebook's namespace")
        elif alias.asname and alias.asname != alias.name:
            lines.append(f"{alias.asname} = {alias.name}")
    if any(" = sys.modules" in line for line in lines):
        lines.insert(0, "import sys")
    return lines or ["pass"]


def notebook_friendly(source: str, modules: set[str] = frozenset(), package: str = "") -> str:
    """Let a module cell run in Jupyter too: there no import of the kit's packages works (no package holds the
    cell; a relative import has no parent, and ``a3_batchnorm`` is no top-level module), and what it imports
    was defined by the cells above. Every such import, in whatever form (``from .x import y``, ``from . import
    x as y``, ``from ..a3_x.y import z as w``, ``from a3_x.y import z``), becomes a ``try`` whose fallback names
    the cells' definitions; where the source already tries several forms, its last fallback is the one wrapped.
    As a file (how the grader reads the notebook) the first attempt works, so the cell is still the module.
    modules: the kit's module names (``batchnorm``, ``manual_backward``): ``from pkg import batchnorm`` imports
    a module, not a name."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    lines = source.splitlines(keepends=True)
    runs: list[list] = []  # imports on consecutive lines at one indentation share one try
    for node in sorted(_last_tries(tree, package), key=lambda n: n.lineno):
        first = lines[node.lineno - 1]
        if len(first) - len(first.lstrip()) != node.col_offset or node.end_lineno is None:
            continue  # shares its line with another statement: left as it is
        if runs and runs[-1][-1].end_lineno + 1 == node.lineno and runs[-1][-1].col_offset == node.col_offset:
            runs[-1].append(node)
        else:
            runs.append([node])
    for run in reversed(runs):
        start, end = run[0].lineno, run[-1].end_lineno
        indent = " " * run[0].col_offset
        statements = "".join(lines[start - 1:end]).rstrip("\n")
        body = "".join(f"    {line}" if line.strip() else line for line in statements.splitlines(keepends=True))
        fallback = [line for node in run for line in _in_the_notebook(node, modules)]
        fallback = [line for line in fallback if line != "pass"] or ["pass"]
        fallback = list(dict.fromkeys(fallback))  # one ``import sys``
        lines[start - 1:end] = [f"{indent}try:\n{body}\n{indent}except ImportError:  # in the notebook: the cells "
                                f"above define what it imports\n" + "".join(f"{indent}    {line}\n" for line in fallback)]
    return "".join(lines)


def module_imports(source: str, package: str) -> set[str]:
    """'pkg/module.py' of every module of the kit ``source`` imports (for the cells' order)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and kit_import(node, package):
            if node.level == 1 and node.module:
                found.add(f"{package}/{node.module.partition('.')[0]}.py")
            elif node.level == 1:
                found.update(f"{package}/{alias.name}.py" for alias in node.names)
            else:
                parts = (node.module or "").split(".")
                if len(parts) >= 2:
                    found.add(f"{parts[0]}/{parts[1]}.py")
    return found


def named_modules(value) -> set[str]:
    """'pkg/module.py' of every ``"pkg.module:Name"`` in a check's options (its loss, optimiser, diagnostics)."""
    if isinstance(value, dict):
        return set().union(*map(named_modules, value.values())) if value else set()
    if isinstance(value, (list, tuple)):
        return set().union(*map(named_modules, value)) if value else set()
    if isinstance(value, str) and re.fullmatch(r"a\d+_\w+(\.\w+)+:\w+", value):
        return {value.partition(":")[0].replace(".", "/") + ".py"}
    return set()


def dependency_order(paths: list[str], files: dict[str, str], package: str, assignment=None) -> list[str]:
    """``paths`` (in the lecture's order) with each module after every module of the list it imports or its
    checks use (a7's transformer.py trains with adamw.py), so a notebook run top to bottom defines a name before
    a cell uses it (a4's network.py after forward.py) and each check cell finds all its checks need."""
    uses = {path: module_imports(files.get(path, ""), package) for path in paths}
    for check in getattr(assignment, "checks", ()):
        if module_of(check) in uses:
            uses[module_of(check)] |= named_modules(check.options)
    ordered: list[str] = []

    def place(path, seen):
        if path in ordered or path in seen:
            return
        for needed in sorted(uses[path], key=lambda p: paths.index(p) if p in paths else len(paths)):
            if needed in paths:
                place(needed, seen | {path})
        ordered.append(path)

    for path in paths:
        place(path, frozenset())
    return ordered


def module_of(check) -> str | None:
    """'pkg/module.py' of the unit a check grades (None for a check of no unit)."""
    target = getattr(check.unit, "target", None)
    return target.partition(":")[0].replace(".", "/") + ".py" if isinstance(target, str) else None


def lecture_order(assignment, paths: list[str]) -> list[str]:
    """The modules in the order the spec grades their units, which is the lecture's (counts before the net;
    Linear and Tanh before the MLP); modules no check names come last, alphabetically."""
    order = []
    for check in assignment.checks:
        path = module_of(check)
        if path and path not in order:
            order.append(path)
    return sorted(paths, key=lambda p: (order.index(p) if p in order else len(order), p))


DEFAULT_KIT = None  # the kit is not on PyPI: `makemore release --kit URL` sets what the setup cell installs

SETUP = """# Setup: run this cell first. Beside the kit (a checkout or the student bundle) it uses that kit; on Colab or
# JupyterHub, with the notebook alone, it installs the kit with pip from KIT (your instructor sets it).
import importlib.util, os, subprocess, sys
KIT = {kit!r}
if os.path.isdir(os.path.join(os.path.abspath('..'), 'grader')):
    sys.path.insert(0, os.path.abspath('..'))
elif importlib.util.find_spec('grader') is None:
    if not KIT:
        raise RuntimeError('The kit is not installed and KIT is not set: put the wheel or git URL your course gives '
                           'for the kit in KIT above (or open this notebook inside the unzipped student bundle).')
    subprocess.run([sys.executable, '-m', 'pip', 'install', '--quiet', KIT], check=True)
    importlib.invalidate_caches()"""


def kit_cell(source: str, role: str, **meta):
    cell = v4.new_code_cell(source)
    cell.metadata["makemore"] = {"role": role, **meta}
    return cell


def build(assignment, files: dict[str, str], package_doc: str = "", kit: str | None = DEFAULT_KIT) -> nbformat.NotebookNode:
    """The notebook of ``assignment``; files: 'pkg/module.py' -> source (the stubs, or any other version).
    kit: what the setup cell installs with pip where no kit is beside the notebook (a PyPI name, a URL)."""
    nb = v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["makemore"] = {"assignment": assignment.key, "package": assignment.package}
    cells = [v4.new_markdown_cell(narrative(assignment, package_doc)), kit_cell(SETUP.format(kit=kit), "setup")]
    own = lecture_order(assignment, [p for p in files if p.startswith(assignment.package + "/")
                                     and not p.endswith("__init__.py")])
    own = dependency_order(own, files, assignment.package, assignment)
    others = [p for p in assignment.borrowed_modules() if p in files]
    modules = {PurePosixPath(p).stem for p in files}
    for path in others + own:  # what is borrowed first: the modules below use it
        doc = module_doc(files[path])
        title = (f"## `{path}`" if path in own else
                 f"## `{path}` (from an earlier assignment: paste your version; until it works, the checks here "
                 "that need it are pending, not lost: your instructor's grader uses the reference's)")
        cells.append(v4.new_markdown_cell(title + ("\n\n" + doc.split("\n\n")[0] if doc else "")))
        cell = v4.new_code_cell(f"# %% {path}\n" + notebook_friendly(files[path], modules, path.partition("/")[0])
                                .rstrip("\n"))
        cell.metadata["makemore"] = {"module": path}
        cells.append(cell)
        if path in own and any(module_of(c) == path for c in assignment.checks):
            cells.append(kit_cell(f"# Check {path}: save the notebook first (Ctrl-S), then run this cell.\n"
                                  "from grader.instructor.notebooks import check\n"
                                  f"check(key={assignment.key!r}, module={path!r})", "check", grades=path))
    cells += [v4.new_markdown_cell("## Check everything"),
              kit_cell("# Save the notebook first (Ctrl-S), then run this cell: every local check, as your "
                       "instructor's grader runs them.\nfrom grader.instructor.notebooks import check\n"
                       f"check(key={assignment.key!r})", "check")]
    if has_training(assignment):  # an assignment with no model to train (a8's tokenizer) has no loss curve
        cells += [v4.new_markdown_cell("## Train and plot"),
                  kit_cell("# Train the model written above with the training check's setup and plot the loss curve\n"
                           "# (the mean minibatch loss over each interval, and the dev loss). Needs matplotlib to draw.\n"
                           "from grader.instructor.notebooks import plot_training\n"
                           f"plot_training(key={assignment.key!r})", "plot")]
    if has_twin(assignment):
        cells += [v4.new_markdown_cell(COMPARE_TEXT),
                  kit_cell("# Your model beside PyTorch's, from the same weights, on one minibatch (needs torch;\n"
                           "# steps=200 trains both side by side and plots the two loss curves).\n"
                           "from grader.instructor.notebooks import compare_with_pytorch\n"
                           f"compare_with_pytorch(key={assignment.key!r})", "compare")]
    if diagnostics_of(assignment) is not None:
        cells += [v4.new_markdown_cell(DIAGNOSTICS_TEXT),
                  kit_cell("# Train the model written above while watching its layers, then show the lecture's plots\n"
                           "# (a table of the same numbers without matplotlib).\n"
                           "from grader.instructor.notebooks import plot_diagnostics\n"
                           f"plot_diagnostics(key={assignment.key!r})", "plot", shows="diagnostics")]
    nb.cells = cells
    nbformat.validate(nb)
    return nb


DIAGNOSTICS_TEXT = """## Diagnostics

The lecture's health checks of a deep network while it trains (makemore part 3): per tanh layer, the
distribution of its outputs (saturated above |tanh| > 0.97) and of their gradients, and per weight matrix the
update-to-data ratio log10(std(lr * grad) / std(param)) at every step (about -3 is healthy)."""


COMPARE_TEXT = """## Compare with PyTorch

The last step of the lecture's path: your hand-written model and its PyTorch twin (autograd) from the very same
weights, value by value and gradient by gradient, the first place they differ named, and what PyTorch calls
each operation (`makemore compare`; grader/models/ holds the twins)."""


def has_twin(assignment) -> bool:
    """The assignment has a model with a PyTorch twin in the registry (grader/models/)."""
    from grader.models import for_assignment

    return any(m.twin is not None for m in for_assignment(assignment.key))


def compare_with_pytorch(notebook: str | None = None, key: str | None = None, steps: int = 0) -> None:
    """``makemore compare`` on the notebook's code (read as a check cell reads it, in a subprocess: your own code,
    as ``makemore train`` runs it); with ``steps``, both models train side by side and the two curves are drawn."""
    import subprocess
    import sys
    import tempfile

    from grader.instructor.submissions import prepare
    from grader.specs import resolve

    with tempfile.TemporaryDirectory(prefix="makemore-nb-") as tmp:
        path, key, lines = what_to_read(notebook, key, Path(tmp), verb="compares the model of")
        print("\n".join(lines))
        if path is None:
            return
        prepared = prepare(path, resolve(key), tmp)
        if prepared.folder is None:
            print(prepared.fatal)
            return
        png = Path(tmp) / "compare.png"
        command = [sys.executable, "-m", "grader.cli", "compare", key, "--submission", str(prepared.folder)]
        command += ["--steps", str(steps), "--plot", str(png)] if steps else []
        run = subprocess.run(command, capture_output=True, text=True, cwd=str(KIT_ROOT))
        print(run.stdout[-8000:], end="")
        print(prepared.in_notebook_terms(run.stderr[-3000:]), end="")
        if png.exists():
            try:
                from IPython.display import Image, display

                display(Image(filename=str(png)))
            except ImportError:
                pass


def has_training(assignment) -> bool:
    """A model to train and plot: a training check of the kit's loop, or a0's scalar engine on the moons."""
    from grader.trainlog import training_config

    return training_config(assignment) is not None or any(c.kind == "scalar_training" for c in assignment.checks)


def diagnostics_of(assignment) -> dict | None:
    """The ``"diagnostics"`` option of the assignment's training check (grader/train_diagnostics.py), or None:
    the notebook gets a Diagnostics cell exactly when its spec asks for one."""
    from grader.trainlog import training_config

    config = training_config(assignment)
    return config[1].get("diagnostics") if config else None


def notebook_name(assignment) -> str:
    return f"{assignment.package}.ipynb"


def stub_sources() -> dict[str, str]:
    from grader import generate

    return {p.as_posix(): text for p, text in generate.student_files().items()}


def package_doc(assignment, files: dict[str, str]) -> str:
    return module_doc(files.get(f"{assignment.package}/__init__.py", ""))


def write_all(target: Path, files: dict[str, str] | None = None, kit: str | None = DEFAULT_KIT) -> list[Path]:
    from grader.specs import ASSIGNMENTS

    files = stub_sources() if files is None else files
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for assignment in ASSIGNMENTS.values():
        path = target / notebook_name(assignment)
        nbformat.write(build(assignment, files, package_doc(assignment, files), kit), str(path))
        written.append(path)
    return written


# -- used from inside the notebook ------------------------------------------------------------------------

def _ipython():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def running_notebook() -> Path | None:
    """The .ipynb file this kernel belongs to, as its front end says: VS Code's ``__vsc_ipynb_file__``,
    Jupyter's ``JPY_SESSION_NAME``, or the sessions of the running Jupyter servers. None when nobody says
    (Colab, a plain Python): then the caller grades the live kernel's cells."""
    shell = _ipython()
    vscode = getattr(shell, "user_ns", {}).get("__vsc_ipynb_file__") if shell is not None else None
    if vscode and Path(vscode).is_file():
        return Path(vscode).resolve()
    session = os.environ.get("JPY_SESSION_NAME")
    if session:
        for candidate in (Path(session), Path.cwd() / session, Path.cwd() / Path(session).name):
            if candidate.suffix == ".ipynb" and candidate.is_file():
                return candidate.resolve()
    return _from_jupyter_server()


def _from_jupyter_server() -> Path | None:
    """Ask each running Jupyter server which notebook holds this kernel (the sessions API)."""
    try:
        import json as _json
        import urllib.request

        from ipykernel.connect import get_connection_file
        from jupyter_server.serverapp import list_running_servers

        kernel = Path(get_connection_file()).stem.removeprefix("kernel-")
        for server in list_running_servers():
            url = f"{server['url'].rstrip('/')}/api/sessions?token={server.get('token', '')}"
            with urllib.request.urlopen(url, timeout=2) as reply:  # noqa: S310 - the local server only
                for session in _json.load(reply):
                    if session.get("kernel", {}).get("id") == kernel:
                        relative = session.get("path") or session.get("notebook", {}).get("path", "")
                        path = Path(server.get("root_dir") or server.get("notebook_dir", "")) / relative
                        if path.is_file():
                            return path.resolve()
    except Exception:  # noqa: BLE001 - no server, no ipykernel, no network: nobody said
        return None
    return None


def kernel_history() -> list[tuple[int, str]]:
    """(execution count, code) of every cell this kernel ran, oldest first (IPython's ``In``, whose index is the
    ``[N]`` Jupyter and Colab show beside the cell); empty outside IPython."""
    shell = _ipython()
    history = getattr(shell, "user_ns", {}).get("In", []) if shell is not None else []
    return [(n, cell) for n, cell in enumerate(history) if isinstance(cell, str) and cell.strip()]


def kernel_cells() -> list[str]:
    """The code this kernel ran, cell by cell, oldest first; empty outside IPython."""
    return [cell for _, cell in kernel_history()]


def last_runs(cells: list[str]) -> dict[str, str]:
    """'pkg/module.py' -> the source of the last cell the kernel ran with that first line."""
    from grader.instructor.submissions import MARKER

    runs = {}
    for source in cells:
        first = next((line.strip() for line in source.splitlines() if line.strip()), "")
        match = MARKER.match(first)
        if match:
            runs[match["path"]] = source
    return runs


def unsaved_changes(notebook: Path, ran: dict[str, str]) -> list[str]:
    """The module cells whose last run in the kernel differs from the saved file (or is not in it)."""
    from grader.instructor.submissions import cell_module

    try:
        saved = nbformat.read(str(notebook), as_version=4)
    except Exception:  # noqa: BLE001 - the grader will say what is wrong with the file
        return []
    on_disk = {}
    for cell in saved.cells:
        module = cell_module(cell) if cell.cell_type == "code" else None
        if module:
            on_disk[module] = cell.source
    return sorted(path for path, source in ran.items() if on_disk.get(path, "").strip() != source.strip())


def kernel_notebook(key: str, cells: list[str], target: Path) -> Path:
    """A notebook of what the kernel ran: the last run of each module cell, or, with none, every cell but the
    kit's own, in order; for grading the live kernel where the saved file cannot be found."""
    from grader.specs import resolve

    counts = {source: n for n, source in kernel_history()}  # the [N] of each cell's last run, where known
    runs = last_runs(cells)
    sources = list(runs.values()) or [c for c in cells if "grader.instructor.notebooks" not in c]
    nb = v4.new_notebook()
    # "kernel": its cells are numbered as the kernel ran them, so messages say "cell [7]", what the student sees
    nb.metadata["makemore"] = {"assignment": resolve(key).key, "cells": "kernel"}
    nb.cells = [v4.new_code_cell(source, execution_count=counts.get(source)) for source in sources]
    nbformat.write(nb, str(target))
    return target


def notebook_assignment(path: Path) -> str | None:
    try:
        with open(path, encoding="utf-8") as f:
            meta = json.load(f).get("metadata", {}).get("makemore", {})
        return meta.get("assignment") if isinstance(meta, dict) else None
    except (OSError, ValueError, RecursionError, AttributeError):
        return None


def locate(notebook: str | None, key: str | None) -> tuple[Path | None, str, list[str]]:
    """(the saved notebook to grade or None for the live kernel, what to tell the student, warnings)."""
    running = running_notebook()
    said = []
    if running is not None:
        if notebook and Path(notebook).resolve() != running:
            said.append(f"this cell names {notebook!r}, but this kernel runs {running.name!r}: graded the one it runs")
        return running, "the notebook this kernel runs", said
    if notebook and Path(notebook).is_file():
        return Path(notebook).resolve(), "the file this cell names (Jupyter did not say which notebook this is)", said
    candidates = sorted(p for p in Path.cwd().glob("*.ipynb") if key is None or notebook_assignment(p) == key)
    if len(candidates) == 1 and not kernel_cells():
        return candidates[0].resolve(), "the only notebook of this assignment in this folder", said
    return None, "", said


def saved_when(path: Path) -> str:
    import time

    mtime = path.stat().st_mtime
    ago = max(0, int(time.time() - mtime))
    age = f"{ago} s ago" if ago < 120 else f"{ago // 60} min ago" if ago < 7200 else f"{ago // 3600} h ago"
    return f"{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(mtime))} ({age})"


def what_to_read(notebook: str | None, key: str | None, tmp: Path,
                 verb: str = "graded") -> tuple[Path | None, str | None, list[str]]:
    """(the notebook to read, the assignment's key, lines to print first) for a check, plot or diagnostics cell:
    the saved file when the front end names it (or the cell does), else a notebook of the cells this kernel ran
    (headless, Colab: no front end names the file), written into ``tmp``. The path is None when there is nothing
    to read; the lines then say why."""
    from grader.specs import ASSIGNMENTS

    path, how, said = locate(notebook, key)
    cells = kernel_cells()
    key = key or (notebook_assignment(path) if path else None) or _key_from_cells(cells)
    if key is None:
        return None, None, [f"cannot tell which assignment this is: call it with key=... (one of "
                            f"{', '.join(ASSIGNMENTS)})"]
    lines = []
    if path is None:
        if not cells:
            return None, key, ["could not find the saved notebook, and this kernel has run no cell: save it and "
                               "name it, e.g. check('YOUR NOTEBOOK.ipynb')"]
        path = kernel_notebook(key, cells, tmp / "kernel.ipynb")
        lines.append(f"{verb} the cells this kernel ran (the last run of each), because the front end did not say "
                     "which file this notebook is; on your instructor's grader the saved file counts: save it")
    else:
        lines.append(f"{verb} {path.name} ({how}: {path}), saved {saved_when(path)}")
        changed = unsaved_changes(path, last_runs(cells))
        if changed:
            lines.append("warning: the kernel ran a version of " + ", ".join(changed) + " that is not in the saved "
                         "file (unsaved changes?): save the notebook (Ctrl-S) and run this cell again")
    return path, key, lines + [f"note: {line}" for line in said]


def check(notebook: str | None = None, key: str | None = None, module: str | None = None,
          verbose: bool = False) -> None:
    """Grade the notebook this cell runs in, as the instructor's grader reads it: the saved file (whatever its
    name), or the cells the kernel ran where the front end does not say which file it is (Colab). Says which
    file it read and when it was saved, and warns when the kernel ran code that is not saved.
    module: 'pkg/module.py' grades only that module's units (the check cell under each part)."""
    import tempfile

    from grader import report
    from grader.specs import resolve
    from grader.instructor.submissions import grade

    with tempfile.TemporaryDirectory(prefix="makemore-nb-") as tmp:
        path, key, lines = what_to_read(notebook, key, Path(tmp))
        print("\n".join(lines))
        if path is None:
            return
        assignment = resolve(key)
        keep = (lambda c: module_of(c) == module) if module else None
        prepared, result = grade(path, assignment, tmp, checks=keep)
        for note in prepared.notes:
            print("note:", note)
        if prepared.fatal:
            print(prepared.fatal)
        if result.outcomes:
            print(report.render([result], verbose=verbose))


def _key_from_cells(cells: list[str]) -> str | None:
    from grader.specs import ASSIGNMENTS

    packages = {path.partition("/")[0] for path in last_runs(cells)}
    keys = [a.key for a in ASSIGNMENTS.values() if a.package in packages]
    return keys[0] if len(keys) == 1 else None


def plot_training(notebook: str | None = None, key: str | None = None, steps: int | None = None) -> None:
    """Train the notebook's model with its assignment's training check setup (your own code, in a subprocess,
    grader/trainlog.py) and plot the smoothed training loss and the dev loss against steps."""
    import subprocess
    import sys
    import tempfile

    from grader import trainlog
    from grader.instructor.submissions import prepare
    from grader.specs import resolve

    with tempfile.TemporaryDirectory(prefix="makemore-nb-") as tmp:
        path, key, lines = what_to_read(notebook, key, Path(tmp), verb="trains the model of")
        print("\n".join(lines))
        if path is None:
            return
        assignment = resolve(key)
        if any(c.kind == "scalar_training" for c in assignment.checks):
            return plot_moons(path, assignment, steps)  # a0: the moons, as `makemore train micrograd`
        if trainlog.training_config(assignment) is None:
            print(f"{assignment.key} has no training check: nothing to train")
            return
        prepared = prepare(path, assignment, tmp)
        if prepared.folder is None:
            print(prepared.fatal)
            return
        log = Path(tmp) / "log.csv"
        command = [sys.executable, "-m", "grader.trainlog", "--submission", str(prepared.folder),
                   "--assignment", assignment.key, "--csv", str(log)] + (["--steps", str(steps)] if steps else [])
        run = subprocess.run(command, capture_output=True, text=True, cwd=str(KIT_ROOT))
        print(run.stdout[-3000:], end="")
        print(prepared.in_notebook_terms(run.stderr[-3000:]), end="")
        rows = trainlog.read_csv(log) if log.exists() else []
    if not rows:
        return
    try:
        trainlog.plot(rows, title=f"{assignment.key}: {assignment.title}")
    except ImportError:
        print("pip install matplotlib to see the plot")


def plot_moons(path: Path | None, assignment, steps: int | None = None) -> None:
    """a0: train the notebook's Value and MLP on the two moons with the training check's setup (a second or
    two; ``python -m grader.micrograd``, in a subprocess) and show the loss curve and the decision boundary
    inline. ``makemore train micrograd`` runs the lecture's larger demo."""
    import subprocess
    import sys
    import tempfile

    from grader.instructor.submissions import prepare

    with tempfile.TemporaryDirectory(prefix="makemore-nb-") as tmp:
        if path is None:  # the front end did not say which file this is (Colab): the cells the kernel ran
            path = kernel_notebook(assignment.key, kernel_cells(), Path(tmp) / "kernel.ipynb")
        prepared = prepare(path, assignment, Path(tmp) / "work")
        if prepared.folder is None:
            print(prepared.fatal)
            return
        png = Path(tmp) / "moons.png"
        check = next(c for c in assignment.checks if c.kind == "scalar_training")
        options = {k: check.options[k] for k in ("n", "noise", "data_seed", "init_seed", "nouts", "steps", "lr", "alpha")}
        options["steps"] = steps or options["steps"]
        command = [sys.executable, "-m", "grader.micrograd", "--submission", str(prepared.folder),
                   "--options", json.dumps(options), "--plot", str(png)]
        run = subprocess.run(command, capture_output=True, text=True, cwd=str(KIT_ROOT))
        print(run.stdout[-3000:], end="")
        print(prepared.in_notebook_terms(run.stderr[-3000:]), end="")
        image = png.read_bytes() if png.exists() else None
    if image:
        try:
            from IPython.display import Image, display
        except ImportError:
            return
        display(Image(data=image))


def plot_diagnostics(notebook: str | None = None, key: str | None = None, steps: int | None = None) -> None:
    """Train the notebook's model as its assignment's training check says (its option ``"diagnostics"``: which
    statistics functions, which network sizes; your own code, in a subprocess, ``python -m grader.trainlog
    --plots``), print the per-layer table and show the PNGs inline (IPython's display; without matplotlib the
    table is all there is)."""
    import subprocess
    import sys
    import tempfile

    from grader.instructor.submissions import prepare
    from grader.specs import resolve

    with tempfile.TemporaryDirectory(prefix="makemore-nb-") as tmp:
        path, key, lines = what_to_read(notebook, key, Path(tmp), verb="trains the model of")
        print("\n".join(lines))
        if path is None:
            return
        assignment = resolve(key)
        if diagnostics_of(assignment) is None:
            print(f"{assignment.key} has no diagnostics")
            return
        prepared = prepare(path, assignment, tmp)
        if prepared.folder is None:
            print(prepared.fatal)
            return
        plots = Path(tmp) / "plots"
        command = [sys.executable, "-m", "grader.trainlog", "--submission", str(prepared.folder),
                   "--assignment", assignment.key, "--plots", str(plots)] + (["--steps", str(steps)] if steps else [])
        run = subprocess.run(command, capture_output=True, text=True, cwd=str(KIT_ROOT))
        print("\n".join(line for line in run.stdout[-4000:].splitlines() if not line.startswith("wrote ")))
        print(prepared.in_notebook_terms(run.stderr[-3000:]), end="")
        images = [p.read_bytes() for p in sorted(plots.glob("*.png"), key=lambda p: PLOT_ORDER.index(p.name)
                                                 if p.name in PLOT_ORDER else len(PLOT_ORDER))]
    if images:
        try:
            from IPython.display import Image, display
        except ImportError:
            print("IPython is not installed: run this in Jupyter to see the plots")
            return
        for data in images:
            display(Image(data=data))


PLOT_ORDER = ["activations.png", "gradients.png", "update_ratios.png"]  # the lecture's order
