"""Every assignment's notebook, run top to bottom as a student runs it: in a real Jupyter kernel (nbclient and
ipykernel, headless, so no front end names the notebook's file, as on Colab), as shipped (the stubs) and with
every solution region filled from the reference.

As shipped, no cell raises and every check cell says what is not implemented yet. Solved, every check cell
gives full marks and every plot cell draws (the loss curve; the three diagnostics plots of a3 and a5).
Running a notebook trains its model: as shipped the seven take 35 s in one process, solved 7 to 15 s each (68 s
for all but a2's at load average 2 to 3; four times that at load 12). The default suite runs every notebook as
shipped and a2's solved; the other six solved runs and the Colab path are behind the ``slow`` marker, which
.ci/run runs right after the suite. The module cells alone are also run in one plain namespace
(no kernel, a second), for every notebook.
"""
from __future__ import annotations

import os
import re
import sys
import types

import pytest

from grader import KIT_ROOT
from grader.instructor import notebooks
from grader.specs import ASSIGNMENTS

QUICK_SOLVED = {"a2"}  # the solved notebook the default suite runs; the others: pytest -m slow


def reference_sources() -> dict[str, str]:
    root = KIT_ROOT / "reference"
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8") for p in sorted(root.glob("a*_*/*.py"))}


def module_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and "module" in c.metadata.get("makemore", {})]


def kit_cells(nb, role):
    return [c for c in nb.cells if c.cell_type == "code" and c.metadata.get("makemore", {}).get("role") == role]


# -- the module cells alone, in one namespace: every import form the kit's modules use ----------------------

@pytest.mark.parametrize("key", list(ASSIGNMENTS))
@pytest.mark.parametrize("version", ["stubs", "reference"])
def test_module_cells_run_top_to_bottom_in_one_namespace(key, version, monkeypatch):
    """What a kernel does with the module cells: one ``__main__`` namespace, no package, so no relative or
    kit-package import can work; each cell must find what it imports defined by a cell above it."""
    files = notebooks.stub_sources() if version == "stubs" else reference_sources()
    nb = notebooks.build(ASSIGNMENTS[key], files)
    main = types.ModuleType("__main__")
    monkeypatch.setitem(sys.modules, "__main__", main)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(KIT_ROOT), os.getcwd())]
                        + [str(KIT_ROOT)])  # the kit importable, as after the setup cell; its packages not top-level
    for cell in module_cells(nb):
        path = cell.metadata["makemore"]["module"]
        try:
            exec(compile(cell.source, path, "exec"), main.__dict__)
        except Exception as err:  # noqa: BLE001 - the failure names the cell
            pytest.fail(f"{key}: the cell of {path} raised {type(err).__name__}: {err}")
    if key == "a4":  # `from . import manual_backward as mb`: the notebook's namespace, where its functions are
        assert main.mb.dh is main.dh
    if key == "a5":  # `from ..a3_batchnorm.batchnorm import BatchNorm1d as BatchNorm1d2d`: a3's, the cell above
        assert main.BatchNorm1d2d is not main.BatchNorm1d and main.BatchNorm1d2d.__name__ == "BatchNorm1d"


def test_every_kit_import_form_is_rewritten_and_only_the_last_attempt_of_a_try():
    """The forms, each alone: relative, relative of a module with ``as``, two levels up, absolute; as a file in
    a package (how the grader reads the notebook) the first attempt works, which the solved runs below check."""
    forms = {
        "from .a import x": ["pass"],
        "from . import a as m": ["import sys", "m = sys.modules[__name__]"],
        "from .a import x as y, z": ["y = x"],
        "from ..a1_p.a import x as y": ["y = x"],
        "from a1_p.a import x": ["pass"],
        "import a1_p.a as m": ["import sys", "m = sys.modules[__name__]"],
    }
    for source, fallback in forms.items():
        text = notebooks.notebook_friendly(source + "\n", {"a"}, "a2_q")
        lines = [line.strip().split("  #")[0] for line in text.splitlines()]
        assert lines[:2] == ["try:", source] and lines[2] == "except ImportError:", text
        assert lines[3:] == fallback, text
    nested = ("try:\n    from ..a1_p.a import x as y\nexcept ImportError:\n    from a1_p.a import x as y\n")
    text = notebooks.notebook_friendly(nested, {"a"}, "a2_q")
    assert text.startswith(nested.rsplit("    from a1_p", 1)[0]) and text.count("try:") == 2, text
    assert "from ..a1_p.a import x as y\nexcept ImportError:\n    try:" in text  # only the last attempt wrapped
    assert notebooks.notebook_friendly("import numpy as np\nfrom math import pi\n") == \
        "import numpy as np\nfrom math import pi\n"


def test_cells_come_after_the_cells_they_import_and_their_checks_use():
    for key, assignment in ASSIGNMENTS.items():
        nb = notebooks.build(assignment, notebooks.stub_sources())
        order = [c.metadata["makemore"]["module"] for c in module_cells(nb)]
        for i, path in enumerate(order):
            source = notebooks.stub_sources()[path]
            needs = notebooks.module_imports(source, path.partition("/")[0])
            needs |= {m for c in assignment.checks if notebooks.module_of(c) == path
                      for m in notebooks.named_modules(c.options)}
            assert not needs & set(order[i + 1:]), f"{key}: {path} comes before {needs & set(order[i + 1:])}"
    a4 = [c.metadata["makemore"]["module"] for c in module_cells(notebooks.build(ASSIGNMENTS["a4"],
                                                                                  notebooks.stub_sources()))]
    assert a4.index("a4_backprop_ninja/network.py") > a4.index("a4_backprop_ninja/forward.py")


# -- the notebooks in a real kernel ---------------------------------------------------------------------------

def execute(nb, folder, monkeypatch):
    """Run every cell of ``nb`` in a fresh python3 kernel whose working folder is ``folder``; the kernel sees the
    kit (PYTHONPATH) and no front end (no JPY_SESSION_NAME): the check and plot cells read the kernel's cells."""
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend draws into the notebook
    monkeypatch.setenv("PYTHONPATH", str(KIT_ROOT))
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(folder)}}).execute()
    return nb


def text_of(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")


def errors_of(nb) -> list[str]:
    return [f"cell {i}: {o.ename}: {o.evalue}" for i, c in enumerate(nb.cells, 1) if c.cell_type == "code"
            for o in c.outputs if o.output_type == "error"]


def images_of(cell) -> int:
    return sum("image/png" in o.get("data", {}) for o in cell.outputs)


@pytest.mark.parametrize("key", list(ASSIGNMENTS))
def test_the_notebook_as_shipped_runs_without_an_error_and_says_what_is_left(key, tmp_path, monkeypatch):
    nb = execute(notebooks.build(ASSIGNMENTS[key], notebooks.stub_sources()), tmp_path, monkeypatch)
    assert errors_of(nb) == []
    for cell in kit_cells(nb, "check"):
        out = text_of(cell)
        assert "[not implemented]" in out and "Traceback" not in out, out
    for cell in kit_cells(nb, "plot"):
        assert "save the notebook first" not in text_of(cell), text_of(cell)
    for cell in kit_cells(nb, "compare"):  # the stubs: compare says what is left, or how to install torch
        assert "not implemented yet" in text_of(cell) or "pip install torch" in text_of(cell), text_of(cell)
    assert bool(kit_cells(nb, "compare")) == notebooks.has_twin(ASSIGNMENTS[key])


SLOW = [pytest.param(key, marks=() if key in QUICK_SOLVED else pytest.mark.slow) for key in ASSIGNMENTS]


@pytest.mark.parametrize("key", SLOW)
def test_the_solved_notebook_gets_full_marks_in_every_check_cell_and_draws_every_plot(key, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    assignment = ASSIGNMENTS[key]
    nb = execute(notebooks.build(assignment, reference_sources()), tmp_path, monkeypatch)
    assert errors_of(nb) == []
    checks = kit_cells(nb, "check")
    assert checks
    for cell in checks:
        out = text_of(cell)
        score = re.search(r"(\d+(?:\.\d+)?)/(\d+(?:\.\d+)?)\n", out)
        assert score and score[1] == score[2] and "✗" not in out, out
    plots = kit_cells(nb, "plot")
    assert bool(plots) == notebooks.has_training(assignment)  # a8's tokenizer has no model to train
    for cell in plots:
        wanted = len(notebooks.PLOT_ORDER) if cell.metadata["makemore"].get("shows") == "diagnostics" else 1
        assert images_of(cell) == wanted, text_of(cell)
        assert "trains the model of the cells this kernel ran" in text_of(cell)
    for cell in kit_cells(nb, "compare"):  # the reference beside PyTorch: equal, where torch is installed
        out = text_of(cell)
        assert "every value equal to float64 rounding" in out or "pip install torch" in out, out


# -- Colab, as far as an offline machine goes -------------------------------------------------------------------

@pytest.mark.slow
def test_on_a_fresh_kernel_with_only_numpy_matplotlib_and_ipykernel_the_setup_cell_installs_the_kit(tmp_path):
    """Colab: the notebook alone, a kernel whose Python has numpy, matplotlib and ipykernel but not the kit. The
    setup cell pip-installs KIT (here a wheel built from this checkout, as `makemore release --kit URL` sets it);
    every cell then runs, and the check cells grade the kernel's cells with the kit it installed. A few minutes
    (a venv and pip), so behind the slow marker."""
    import subprocess

    nbclient = pytest.importorskip("nbclient")
    wheel_dir, venv, jupyter = tmp_path / "wheel", tmp_path / "venv", tmp_path / "jupyter"
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "JPY_SESSION_NAME", "MPLBACKEND")}
    run = lambda *cmd: subprocess.run(cmd, capture_output=True, text=True, timeout=1200, env=clean, cwd=tmp_path)
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheel_dir),
                str(KIT_ROOT))
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = wheel_dir.glob("*.whl")
    assert run(sys.executable, "-m", "venv", str(venv)).returncode == 0
    python = venv / "bin" / "python"
    installed = run(str(python), "-m", "pip", "install", "numpy", "matplotlib", "ipykernel")
    if installed.returncode != 0:
        pytest.skip(f"pip cannot install numpy, matplotlib and ipykernel here: {installed.stderr[-300:]}")
    assert run(str(python), "-c", "import importlib.util as u; assert u.find_spec('grader') is None").returncode == 0
    assert run(str(python), "-m", "ipykernel", "install", "--prefix", str(jupyter), "--name", "colab").returncode == 0
    nb = notebooks.build(ASSIGNMENTS["a2"], notebooks.stub_sources(), kit=str(wheel))
    work = tmp_path / "content"  # Colab's folder: no kit beside the notebook
    work.mkdir()
    old = dict(os.environ)
    os.environ.clear()
    os.environ.update(clean, JUPYTER_PATH=str(jupyter / "share" / "jupyter"))
    try:
        nbclient.NotebookClient(nb, timeout=900, kernel_name="colab", allow_errors=True,
                                resources={"metadata": {"path": str(work)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    assert errors_of(nb) == []
    for cell in kit_cells(nb, "check"):
        assert "[not implemented]" in text_of(cell), text_of(cell)
    where = run(str(python), "-c", "import grader; print(grader.__file__)").stdout
    assert str(venv) in where  # the kit the setup cell installed, not this checkout
