"""Each assignment as a Jupyter notebook, built with nbformat from the very files in assignments/.

A notebook is: the narrative (the package docstring and the list of checks), then one code cell per module
whose first line is ``# %% PACKAGE/MODULE.py`` followed by exactly the text of the generated stub, then a cell
that grades the notebook with the local (public) checks and a cell that trains the model and plots the loss.
The stub cells are generated from the same source as the .py stubs, at release time, so the two cannot drift;
grader/instructor/submissions.py reads a notebook back into files with the same convention (a test round-trips it).

The kit's own cells carry metadata ``{"makemore": {"role": "setup" | "check" | "plot"}}`` and are never
graded; module cells also carry ``{"makemore": {"module": "PACKAGE/MODULE.py"}}``.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
from nbformat import v4

from grader import KIT_ROOT


def narrative(assignment, package_doc: str) -> str:
    public = [c for c in assignment.checks if c.visibility == "public"]
    hidden = [c for c in assignment.checks if c.visibility != "public"]
    lines = [f"# {assignment.key.upper()}: {assignment.title}", "", package_doc.strip(), "",
             "## How this notebook works", "",
             f"Each code cell that starts with `# %% {assignment.package}/<module>.py` **is** that file of your "
             "package: write your code in it, in place of each `raise NotImplementedError(...)`. Keep that first "
             "line as it is. Other cells are scratch space and are not graded.",
             "",
             "To check your work, **save the notebook** and run the *Check* cell at the end: it reads the saved "
             "notebook exactly as your instructor's grader does and runs the local checks (finite differences, "
             "shapes, and stored answers). Lines starting with `%` or `!` are ignored by the grader.", ""]
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


RELATIVE_IMPORT = re.compile(r"^from \.(\w+) import (.+)$", re.M)


def notebook_friendly(source: str) -> str:
    """Let a module cell run in Jupyter too: there a relative import has no package, and the classes it
    imports were defined by the cells above. As a file (how the grader reads the notebook) the import works."""
    return RELATIVE_IMPORT.sub(lambda m: (f"try:\n    from .{m[1]} import {m[2]}\n"
                                          f"except ImportError:  # running in the notebook: a cell above defines it\n"
                                          f"    pass"), source)


def build(assignment, files: dict[str, str], package_doc: str = "") -> nbformat.NotebookNode:
    """The notebook of ``assignment``; files: 'pkg/module.py' -> source (the stubs, or any other version)."""
    nb = v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["makemore"] = {"assignment": assignment.key, "package": assignment.package}
    cells = [v4.new_markdown_cell(narrative(assignment, package_doc))]
    setup = v4.new_code_cell("# Setup: lets the check and plot cells find the kit (run it first).\n"
                             "import os, sys\n"
                             "sys.path.insert(0, os.path.abspath('..'))")
    setup.metadata["makemore"] = {"role": "setup"}
    cells.append(setup)
    own = sorted(p for p in files if p.startswith(assignment.package + "/") and not p.endswith("__init__.py"))
    others = [p for p in assignment.borrowed_modules() if p in files]
    for path in own + others:
        doc = module_doc(files[path])
        title = f"## `{path}`" if path in own else f"## `{path}` (from an earlier assignment: paste your version)"
        cells.append(v4.new_markdown_cell(title + ("\n\n" + doc.split("\n\n")[0] if doc else "")))
        cell = v4.new_code_cell(f"# %% {path}\n" + notebook_friendly(files[path]).rstrip("\n"))
        cell.metadata["makemore"] = {"module": path}
        cells.append(cell)
    name = notebook_name(assignment)
    check = v4.new_code_cell("# Check: save the notebook first (Ctrl-S), then run this cell.\n"
                             "from grader.instructor.notebooks import check\n"
                             f"check({name!r}, {assignment.key!r})")
    check.metadata["makemore"] = {"role": "check"}
    plot = v4.new_code_cell("# Train the model written above and plot its loss (needs matplotlib to draw).\n"
                            "from grader.instructor.notebooks import plot_training\n"
                            f"plot_training({name!r}, {assignment.key!r})")
    plot.metadata["makemore"] = {"role": "plot"}
    cells += [v4.new_markdown_cell("## Check your work"), check,
              v4.new_markdown_cell("## Train and plot"), plot]
    nb.cells = cells
    nbformat.validate(nb)
    return nb


def notebook_name(assignment) -> str:
    return f"{assignment.package}.ipynb"


def stub_sources() -> dict[str, str]:
    from grader import generate

    return {p.as_posix(): text for p, text in generate.student_files().items()}


def package_doc(assignment, files: dict[str, str]) -> str:
    return module_doc(files.get(f"{assignment.package}/__init__.py", ""))


def write_all(target: Path, files: dict[str, str] | None = None) -> list[Path]:
    from grader.specs import ASSIGNMENTS

    files = stub_sources() if files is None else files
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for assignment in ASSIGNMENTS.values():
        path = target / notebook_name(assignment)
        nbformat.write(build(assignment, files, package_doc(assignment, files)), str(path))
        written.append(path)
    return written


# -- used from inside the notebook ------------------------------------------------------------------------

def _export(notebook: str, key: str, workdir: str):
    from grader.specs import resolve
    from grader.instructor.submissions import prepare

    assignment = resolve(key)
    prepared = prepare(Path(notebook), assignment, workdir)
    for note in prepared.notes:
        print("note:", note)
    if prepared.fatal:
        print(prepared.fatal)
    return assignment, prepared


def check(notebook: str, key: str, verbose: bool = False) -> None:
    """Grade the saved notebook with the local checks, as the instructor's grader reads it."""
    import tempfile

    from grader import report
    from grader.runner import grade_assignment

    with tempfile.TemporaryDirectory(prefix="makemore-nb-") as tmp:
        assignment, prepared = _export(notebook, key, tmp)
        if prepared.folder is None:
            return
        print(report.render([grade_assignment(assignment, prepared.folder)], verbose=verbose))


def plot_training(notebook: str, key: str, steps: int = 20_000) -> None:
    """Train the notebook's model with the kit's loop (your own code, in a subprocess) and plot the loss."""
    import subprocess
    import sys
    import tempfile

    model = {"a1": "bigram-net", "a2": "mlp", "a3": "mlp_bn", "a5": "wavenet"}.get(key)
    if model is None:
        print(f"no training for {key}")
        return
    with tempfile.TemporaryDirectory(prefix="makemore-nb-") as tmp:
        _, prepared = _export(notebook, key, tmp)
        if prepared.folder is None:
            return
        # a3 also writes the lecture's diagnostics (a 5-layer network, as the lecture's plots), shown below
        plots = ["--plots", str(Path(tmp) / "plots"), "--n-layers", "5", "--n-hidden", "100"] if key == "a3" else []
        run = subprocess.run([sys.executable, "-m", "grader.cli", "train", model, "--submission",
                              str(prepared.folder), "--steps", str(steps), "--log-every", str(max(1, steps // 50)),
                              *plots], capture_output=True, text=True, cwd=str(KIT_ROOT))
        images = [Path(tmp) / "plots" / name for name in ("activations.png", "gradients.png", "update_ratios.png")]
        images = [path.read_bytes() for path in images if path.exists()]
    steps_seen, losses = [], []
    for line in run.stdout.splitlines():
        head, _, tail = line.partition(": loss ")
        if tail and "/" in head:
            steps_seen.append(int(head.split("/")[0]))
            losses.append(float(tail.split()[0]))
        else:
            print(line)
    print(run.stderr[-3000:], end="")
    if images:
        from IPython.display import Image, display

        for data in images:
            display(Image(data=data))
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        return
    if losses:
        plt.plot(steps_seen, losses)
        plt.xlabel("step")
        plt.ylabel("minibatch loss")
        plt.show()
