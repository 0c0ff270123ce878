"""The matrix smoke test: every Python >= 3.10 this machine has, each in a fresh virtual environment with the
newest NumPy pip offers for it (NumPy 1.26 on the oldest), the kit installed editable; then a wheel built
and installed into a fresh environment of the newest Python, run from a folder outside the checkout.
In each: ``makemore doctor`` must say grading works and ``makemore grade --reference`` must give full marks;
from the wheel, ``makemore init`` must start a folder that ``makemore list`` then reads and in which
``makemore grade a2 linear`` grades that unit alone.

    python tests/matrix/smoke.py [--pythons PY ...] [--workdir DIR] [--keep]

Pythons are found on PATH (python3.10, python3.11, ...) and under pyenv (~/.pyenv/versions/*/bin/python);
the newest patch release of each minor version is used. Wheels come from pip's cache when it has them.
Prints one line per environment and a table at the end; exits 1 if any environment fails. Run by .ci/run
after the kit's own tests.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent.parent
OLDEST_NUMPY = "numpy==1.26.*"  # the oldest NumPy pyproject.toml allows, tested on the oldest Python
MIN_PYTHON = (3, 10)
DEPS = ["numpy", "hypothesis>=6.80", "nbformat>=5.7", "regex>=2022.1"]  # regex: a8's extra (tokenizer), for full marks


def python_version(python: str) -> tuple[int, int, int] | None:
    try:
        out = subprocess.run([python, "-c", "import sys; print(*sys.version_info[:3])"], capture_output=True,
                             text=True, timeout=60, stdin=subprocess.DEVNULL)
        return tuple(int(x) for x in out.stdout.split()) if out.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return None


def find_pythons() -> dict[tuple[int, int], str]:
    """(major, minor) -> an interpreter, the newest patch release of each minor version >= 3.10."""
    candidates = [shutil.which(f"python3.{minor}") for minor in range(MIN_PYTHON[1], 20)]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/*/bin/python")))
    best: dict[tuple[int, int], tuple[tuple[int, int, int], str]] = {}
    for python in filter(None, candidates):
        version = python_version(python)
        if version is None or version[:2] < MIN_PYTHON:
            continue
        if version[:2] not in best or version > best[version[:2]][0]:
            best[version[:2]] = (version, os.path.realpath(python))
    return {minor: python for minor, (_, python) in sorted(best.items())}


def run(cmd: list[str], cwd: Path | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONPATH", None)  # the environment under test, nothing else
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def must(result: subprocess.CompletedProcess, what: str) -> subprocess.CompletedProcess:
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def outer_pip_can_target() -> bool:
    """This Python's pip can install into another environment (``pip --python``, pip >= 22.3)."""
    try:
        from pip import __version__
    except ImportError:
        return False
    return tuple(int(x) for x in __version__.split(".")[:2] if x.isdigit()) >= (22, 3)


def pip(venv_python: Path, *args: str) -> list[str]:
    """The pip command for ``venv_python``: this Python's pip aimed at it when it can (a venv made without
    pip starts in a second instead of the half minute ensurepip takes), else the venv's own."""
    if outer_pip_can_target():
        return [sys.executable, "-m", "pip", "--python", str(venv_python), *args]
    return [str(venv_python), "-m", "pip", *args]


def make_venv(python: str, folder: Path, numpy_spec: str) -> Path:
    """A fresh environment with NumPy, hypothesis, nbformat and setuptools (to install the kit without
    another isolated build environment). Returns its python."""
    shutil.rmtree(folder, ignore_errors=True)
    without_pip = ["--without-pip"] if outer_pip_can_target() else []
    must(run([python, "-m", "venv", *without_pip, str(folder)]), f"{python} -m venv")
    venv_python = folder / "bin" / "python"
    must(run(pip(venv_python, "install", "-q", numpy_spec, *DEPS[1:], "setuptools>=64")),
         "pip install the dependencies")
    return venv_python


def smoke(venv_python: Path, cwd: Path, label: str, install: str) -> dict:
    """makemore doctor and makemore grade --reference in the environment; the row of the table."""
    bin_dir = venv_python.parent
    numpy = must(run([str(venv_python), "-c", "import numpy; print(numpy.__version__)"]), "import numpy").stdout.strip()
    row = {"python": label, "numpy": numpy, "install": install, "doctor": "?", "score": "?", "ok": False}
    doctor = run([str(bin_dir / "makemore"), "doctor"], cwd=cwd)
    row["doctor"] = "works" if doctor.returncode == 0 and "verdict: grading works here." in doctor.stdout else "FAILS"
    results = Path(tempfile.mkdtemp(prefix="makemore-matrix-")) / "grade.json"
    grade = run([str(bin_dir / "makemore"), "grade", "--reference", "--json", str(results)], cwd=cwd)
    if grade.returncode == 0 and results.exists():
        graded = json.loads(results.read_text())["assignments"]
        score = sum(r["score"] for r in graded)
        maximum = sum(r["max_score"] for r in graded)
        row["score"] = f"{score:g}/{maximum:g}"
        row["ok"] = row["doctor"] == "works" and score == maximum and maximum > 0
    if not row["ok"]:
        row["log"] = (doctor.stdout[-4000:] + doctor.stderr[-2000:] + "\n" + grade.stdout[-6000:] + grade.stderr[-3000:])
    return row


def editable(python: str, label: str, workdir: Path, numpy_spec: str) -> dict:
    venv_python = make_venv(python, workdir / f"venv-{label}", numpy_spec)
    must(run(pip(venv_python, "install", "-q", "--no-build-isolation", "--no-deps", "-e", str(KIT))),
         "pip install -e the kit")
    return smoke(venv_python, KIT, label, "editable")


def wheel(python: str, label: str, workdir: Path, numpy_spec: str) -> dict:
    """Build the wheel from the checkout, install it into a fresh environment, and smoke-test it from a
    folder outside the checkout (so nothing can be read from the checkout by accident)."""
    venv_python = make_venv(python, workdir / f"venv-{label}-wheel", numpy_spec)
    dist = workdir / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    # A copy of the checkout without build leftovers: the wheel holds only what pyproject/setup.py ship.
    source = workdir / "source"
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(KIT, source, ignore=shutil.ignore_patterns(".git", "build", "*.egg-info", "__pycache__",
                                                                ".pytest_cache", ".hypothesis", ".makemore"))
    must(run(pip(venv_python, "wheel", "-q", "--no-build-isolation", "--no-deps", "-w", str(dist), str(source))),
         "pip wheel")
    built = sorted(dist.glob("makemore_numpy-*.whl"))
    must(run(pip(venv_python, "install", "-q", "--no-deps", str(built[-1]))), "pip install the wheel")
    shutil.rmtree(source)
    outside = workdir / "student"
    shutil.rmtree(outside, ignore_errors=True)
    outside.mkdir()
    row = smoke(venv_python, outside, label, "wheel")
    # A student's own folder: init, then list and grade run inside it (the stubs: nothing implemented yet).
    init = run([str(venv_python.parent / "makemore"), "init", "work"], cwd=outside)
    listing = run([str(venv_python.parent / "makemore"), "list"], cwd=outside / "work")
    names = run([str(venv_python), "-c", "from grader.data import load_words; print(len(load_words()))"], cwd=outside)
    # One unit graded alone in the folder: only its checks, each saying the stub is not implemented yet.
    unit = run([str(venv_python.parent / "makemore"), "grade", "a2", "linear"], cwd=outside / "work")
    unit_ok = unit.returncode == 0 and "linear.gradcheck" in unit.stdout and "tanh." not in unit.stdout \
        and "not implemented" in unit.stdout
    init_ok = init.returncode == 0 and listing.returncode == 0 and "stubs left" in listing.stdout \
        and names.returncode == 0 and int(names.stdout.strip() or 0) > 1000 and unit_ok
    row["init"] = "works" if init_ok else "FAILS"
    if not init_ok:
        row["ok"] = False
        row["log"] = row.get("log", "") + init.stdout + init.stderr + listing.stdout + listing.stderr + names.stderr \
            + unit.stdout[-3000:] + unit.stderr[-2000:]
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pythons", nargs="*", help="interpreters to test (default: every Python >= 3.10 found)")
    parser.add_argument("--workdir", help="where the environments go (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the environments")
    parser.add_argument("--no-wheel", action="store_true", help="skip the wheel")
    args = parser.parse_args(argv)
    if args.pythons:
        pythons = {}
        for python in args.pythons:
            version = python_version(python)
            if version is None:
                print(f"cannot run {python}", file=sys.stderr)
                return 2
            pythons[version[:2]] = python
    else:
        pythons = find_pythons()
    if not pythons:
        print("no Python >= 3.10 found", file=sys.stderr)
        return 2
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="makemore-matrix-"))
    workdir.mkdir(parents=True, exist_ok=True)
    oldest, newest = min(pythons), max(pythons)
    rows = []
    started = time.monotonic()
    jobs = [(version, python, "editable") for version, python in pythons.items()]
    if not args.no_wheel:
        jobs.append((newest, pythons[newest], "wheel"))
    for version, python, install in jobs:
        label = f"{version[0]}.{version[1]}"
        numpy_spec = OLDEST_NUMPY if version == oldest and len(pythons) > 1 else "numpy"
        t0 = time.monotonic()
        try:
            row = (editable if install == "editable" else wheel)(python, label, workdir, numpy_spec)
        except (RuntimeError, subprocess.TimeoutExpired) as err:
            row = {"python": label, "numpy": "?", "install": install, "doctor": "?", "score": "?", "ok": False,
                   "log": str(err)}
        row["seconds"] = round(time.monotonic() - t0)
        rows.append(row)
        print(f"{'ok  ' if row['ok'] else 'FAIL'} Python {label} NumPy {row['numpy']} {install}: doctor "
              f"{row['doctor']}, grade --reference {row['score']}" + (f", init {row['init']}" if "init" in row else "")
              + f" ({row['seconds']} s)", flush=True)
        if not row["ok"]:
            print(row.get("log", ""), flush=True)
    if not args.keep and not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\n| Python | NumPy | install | doctor | makemore grade --reference |\n|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['python']} | {row['numpy']} | {row['install']} | {row['doctor']} | {row['score']} |")
    print(f"\n{sum(r['ok'] for r in rows)}/{len(rows)} environments pass ({time.monotonic() - started:.0f} s)")
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
