"""`makemore solution`: the reference's unit beside the student's once its public checks pass; refused before,
shown after `--give-up` and a confirmation, remembered; never in a course bundle (grader/solution.py)."""
import json
import shutil
from pathlib import Path

import pytest

from grader import KIT_ROOT, progress, solution
from grader.cli import main
from grader.specs import ASSIGNMENTS
from tests.submission import STUBS, copy_submission


@pytest.fixture
def work(tmp_path, monkeypatch):
    """A student's work folder: the stubs of a1 and a2, with the reference's Linear written in."""
    import shutil

    folder = tmp_path / "work"
    for package in ("a1_bigram", "a2_mlp"):
        shutil.copytree(STUBS / package, folder / "assignments" / package)
    shutil.copyfile(KIT_ROOT / "reference" / "a2_mlp" / "linear.py", folder / "assignments" / "a2_mlp" / "linear.py")
    monkeypatch.chdir(folder)
    return folder


def test_a_passing_unit_shows_the_reference_then_yours_and_is_remembered(work, capsys):
    assert main(["solution", "a2", "linear"]) == 0
    out = capsys.readouterr().out
    assert "every public check passes" in out
    assert out.index("the reference: a2_mlp/linear.py, Linear") < out.index("yours: ")
    assert "self.x.T @ dout" in out and "### " not in out  # the code, without the kit's markers
    assert max(map(len, out.splitlines())) <= 140  # long lines are the code's own, never two columns of it
    assert progress.load(work)["a2"]["solutions"] == {"Linear": "after passing"}
    assert "Linear" in progress.load(work)["a2"]["units_passed"]


def test_a_unit_not_passing_yet_is_refused_with_the_checks_that_fail(work, capsys):
    assert main(["solution", "a2", "Tanh"]) == 1
    out = capsys.readouterr().out
    assert "not yet" in out and "tanh.gradcheck (not implemented)" in out and "--give-up" in out
    assert "np.tanh(x)" not in out
    assert "solutions" not in progress.load(work).get("a2", {})


def test_give_up_asks_first_and_is_remembered(work, capsys, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    assert main(["solution", "a2", "tanh", "--give-up"]) == 1
    assert "np.tanh(x)" not in capsys.readouterr().out
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    assert main(["solution", "a2", "tanh", "--give-up"]) == 0
    assert "np.tanh(x)" in capsys.readouterr().out
    assert progress.load(work)["a2"]["solutions"] == {"Tanh": "gave up"}
    assert main(["solution", "a2", "embedding", "--give-up", "--yes"]) == 0  # scripts: no question
    assert progress.load(work)["a2"]["solutions"]["Embedding"] == "gave up"


def test_an_unknown_unit_lists_the_choices(work, capsys):
    assert main(["solution", "a2", "lineer"]) == 2
    assert "did you mean" in capsys.readouterr().err


@pytest.mark.parametrize("policy, said", [("never", "holds no reference solutions"),
                                          ("after-deadline", "after the deadline")])
def test_a_course_bundle_says_what_the_instructor_decided_and_shows_nothing(work, tmp_path, policy, said):
    policy_file = tmp_path / "solutions.json"
    policy_file.write_text(json.dumps({"policy": policy}))
    graded = []
    status, text = solution.run("a2", "linear", work / "assignments", policy_file=policy_file,
                                grade=lambda *args: graded.append(args))
    assert status == 1 and said in text and "self.x.T" not in text and not graded
    status, text = solution.run("a2", "linear", work / "assignments", policy_file=tmp_path / "absent.json",
                                reference=tmp_path / "no-reference")
    assert status == 1 and "no reference solutions" in text


def test_the_source_is_the_unit_alone_side_by_side_only_when_it_fits(tmp_path):
    path = tmp_path / "m.py"
    path.write_text('import numpy as np\n\n\ndef f(x):\n    """Doc."""\n    ### HINT 1: idea\n'
                    '    ### BEGIN SOLUTION: contract\n    return 2 * x\n    ### END SOLUTION\n\n\ndef g():\n    pass\n')
    assert solution.source_of(path, "f") == "def f(x):\n    return 2 * x"
    assert solution.source_of(path, "h") is None
    narrow = solution.beside(("ref", "a = 1"), ("yours", "a = 2"))
    assert narrow.splitlines()[2].startswith("a = 1") and "| a = 2" in narrow.splitlines()[2]
    wide = solution.beside(("ref", "x" * 60), ("yours", "y" * 60))
    assert wide.index("== ref ==") < wide.index("== yours ==") and max(map(len, wide.splitlines())) == 60


def test_the_notebook_call_prints_the_same(work, capsys):
    solution.solution("a2", "linear", folder=work / "assignments")
    assert "the reference: a2_mlp/linear.py, Linear" in capsys.readouterr().out


def test_the_notebook_call_reads_the_saved_notebook_and_remembers_in_the_work_folder(work, capsys):
    import nbformat

    from grader.instructor import notebooks

    files = notebooks.stub_sources()
    files["a2_mlp/linear.py"] = (KIT_ROOT / "reference" / "a2_mlp" / "linear.py").read_text()
    (work / "notebooks").mkdir()
    nbformat.write(notebooks.build(ASSIGNMENTS["a2"], files), str(work / "notebooks" / "a2_mlp.ipynb"))
    shutil.copyfile(STUBS / "a2_mlp" / "linear.py", work / "assignments" / "a2_mlp" / "linear.py")  # files: stubs
    solution.solution("a2", "linear", notebook=work / "notebooks" / "a2_mlp.ipynb")
    out = capsys.readouterr().out
    assert "the saved notebook a2_mlp.ipynb" in out and "the reference: a2_mlp/linear.py, Linear" in out, out
    assert progress.load(work)["a2"]["solutions"] == {"Linear": "after passing"}
    solution.solution("a2", "linear")  # the work folder's files hold the stub: not yet
    assert "not yet" in capsys.readouterr().out


def test_a_unit_grade_that_passes_offers_the_reference(work, capsys):
    assert main(["grade", "a2", "linear", "tanh"]) == 0
    out = capsys.readouterr().out
    assert "a2 linear passes: `makemore solution a2 linear`" in out
    assert "makemore solution a2 tanh" not in out  # Tanh is still a stub
