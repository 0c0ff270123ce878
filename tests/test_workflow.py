"""The instructor's and the notebook student's workflow as people use it (issue 11): grades that do not depend
on the instructor's working folder, commands that say what they do, notebooks that grade themselves."""
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader import KIT_ROOT
from grader.instructor import gradebook
from grader.specs import resolve
from tests.make_submissions import reference_files, stub_files, write_folder

A2 = resolve("a2")


def copy_kit(target: Path) -> Path:
    """A kit of our own (grader, reference, assignments) whose assignments/ we may overwrite."""
    for part in ("grader", "reference", "assignments"):
        shutil.copytree(KIT_ROOT / part, target / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(KIT_ROOT / "pyproject.toml", target / "pyproject.toml")
    return target


def test_a_class_is_graded_with_clean_stubs_while_assignments_holds_solutions(tmp_path):
    """The instructor solved the exercises in the working assignments/: a student who forgot tanh.py
    must still get "not implemented" for it, in batch and in grade --submission."""
    kit = copy_kit(tmp_path / "kit")
    for path, text in reference_files().items():  # the instructor's solutions, in the working folder
        (kit / "assignments" / path).write_text(text)
    files = {k: v for k, v in reference_files().items() if k != "a2_mlp/tanh.py"}
    write_folder(tmp_path / "class" / "forgot_tanh", files)
    env = dict(os.environ, PYTHONPATH=str(kit))
    run = subprocess.run([sys.executable, "-m", "grader.cli", "batch", str(tmp_path / "class"), "--out",
                          str(tmp_path / "out"), "-a", "a2", "--public-only", "-q", "--check-timeout", "8"],
                         cwd=kit, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    record = json.loads((tmp_path / "out" / "results.jsonl").read_text().splitlines()[0])
    checks = {c["name"]: c for c in record["result"]["checks"]}
    assert checks["tanh.gradcheck"]["status"] == "not implemented", checks["tanh.gradcheck"]
    assert any("a2_mlp/tanh.py" in note for note in record["notes"])
    grade = subprocess.run([sys.executable, "-m", "grader.cli", "grade", "a2", "--public-only", "--submission",
                            str(tmp_path / "class" / "forgot_tanh"), "--json", str(tmp_path / "g.json"),
                            "--json-only"], cwd=kit, env=env, capture_output=True, text=True, timeout=300)
    assert grade.returncode == 0, grade.stderr
    graded = {c["name"]: c for c in json.loads((tmp_path / "g.json").read_text())["assignments"][0]["checks"]}
    assert graded["tanh.gradcheck"]["status"] == "not implemented"


def test_the_gradescope_zip_carries_no_working_assignments_folder(tmp_path):
    from grader.instructor import gradescope

    path = gradescope.build_autograder(tmp_path / "ag.zip", "a2")
    names = zipfile.ZipFile(path).namelist()
    assert not [n for n in names if n.startswith("kit/assignments/")]
    assert "kit/reference/a2_mlp/linear.py" in names
