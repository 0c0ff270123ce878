"""Progress across the course: one file, .makemore/progress.json in the work folder, that grade, hint, solution
and train add to, and `makemore list` (--next) reads (grader/progress.py)."""
import re
import shutil
from types import SimpleNamespace

import pytest

from grader import KIT_ROOT, progress
from grader.cli import main
from grader.train_cli import record_trained
from grader.spec import Outcome
from grader.specs import ASSIGNMENTS
from tests.submission import STUBS


def result(outcomes):
    return SimpleNamespace(outcomes=outcomes)


def outcome(name, status, points=1.0, visibility="public"):
    return Outcome(name=name, points=points if status == "passed" else 0.0, max_points=points, status=status,
                   visibility=visibility)


def test_a_whole_grade_keeps_the_best_and_the_last_and_a_unit_grade_only_its_units(tmp_path):
    a2 = ASSIGNMENTS["a2"]
    everything = [c.name for c in a2.checks if c.visibility == "public"]
    good = result([outcome(n, "passed", c.points) for n, c in ((c.name, c) for c in a2.checks)
                   if n in everything])
    progress.record_grade(tmp_path, a2, good, whole=True)
    total = progress.public_points(a2)
    assert progress.load(tmp_path)["a2"]["best"] == [total, total]
    assert progress.load(tmp_path)["a2"]["units_passed"] == ["Embedding", "Linear", "Tanh", "MLP"]
    worse = result([outcome(n, "failed" if n.startswith("tanh.") else "passed") for n in everything])
    progress.record_grade(tmp_path, a2, worse, whole=True)
    entry = progress.load(tmp_path)["a2"]
    assert entry["best"] == [total, total] and entry["last"][0] < total  # a worse grade never hides the best
    assert "Tanh" not in entry["units_passed"]
    progress.record_grade(tmp_path, a2, result([outcome("tanh.contract", "passed"), outcome("tanh.gradcheck", "passed"),
                                                outcome("tanh.fixture", "passed"), outcome("tanh.stability", "passed")]),
                          whole=False)
    entry = progress.load(tmp_path)["a2"]
    assert entry["units_passed"] == ["Embedding", "Linear", "Tanh", "MLP"] and entry["last"][0] < total


def test_a_hidden_check_never_decides_a_unit_and_a_give_up_stays(tmp_path):
    a2 = ASSIGNMENTS["a2"]
    progress.record_grade(tmp_path, a2, result([outcome("linear.contract", "passed"),
                                                outcome("linear.reference", "failed", visibility="hidden")]), False)
    assert progress.load(tmp_path)["a2"]["units_passed"] == ["Linear"]
    progress.record_solution(tmp_path, "a2", "Linear", "gave up")
    progress.record_solution(tmp_path, "a2", "Linear", "after passing")
    assert progress.load(tmp_path)["a2"]["solutions"] == {"Linear": "gave up"}


@pytest.mark.parametrize("goal, loss", [("dev about 2.11 (lecture 2.17)", 2.11), ("train 2.07, dev 2.12 (the lecture's)", 2.12),
                                        ("the counts' NLL, about 2.45", 2.45),
                                        ("PyTorch's test loss on the same draws, to 0.02", None)])
def test_the_lecture_loss_is_read_from_the_registry_goal(goal, loss):
    assert progress.lecture_loss(goal) == loss


def test_list_shows_grades_hints_reveals_and_training_then_what_to_do_next(tmp_path, monkeypatch, capsys):
    work = tmp_path / "work"
    shutil.copytree(KIT_ROOT / "reference" / "a1_bigram", work / "assignments" / "a1_bigram")
    shutil.copytree(STUBS / "a2_mlp", work / "assignments" / "a2_mlp")
    shutil.copyfile(KIT_ROOT / "reference" / "a2_mlp" / "linear.py", work / "assignments" / "a2_mlp" / "linear.py")
    kit_record = KIT_ROOT / ".makemore" / "progress.json"
    before = kit_record.read_bytes() if kit_record.exists() else None
    monkeypatch.chdir(work)
    assert main(["grade", "a1", "--public-only"]) == 0
    assert main(["grade", "a2", "linear"]) == 0
    assert main(["hint", "a2", "tanh.backward"]) == 0
    assert main(["solution", "a2", "linear"]) == 0
    record_trained(SimpleNamespace(reference=False, submission=None, model="mlp",
                                   progress_folder=work / "assignments"),
                   {"train": 2.15, "dev": 2.2, "test": 2.21})
    capsys.readouterr()
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    a1_points = progress.public_points(ASSIGNMENTS["a1"])
    a1 = next(line for line in out.splitlines() if re.match(r"a1\s+\d+/\d+", line))
    a2 = next(line for line in out.splitlines() if re.match(r"a2\s+\d+/\d+", line))
    assert re.search(rf"6/6\s+0\s+0\s+{a1_points:g}/{a1_points:g}", a1), a1
    assert re.search(r"1/4\s+1\s+1\s+-\s+mlp dev 2\.200 vs 2\.11", a2), a2
    assert "next: a2" in out and "makemore grade a2 Embedding" in out
    assert main(["list", "--next"]) == 0
    nxt = capsys.readouterr().out
    assert nxt.startswith("next: a2") and "unit Embedding" in nxt and "TCH_1BHY58I" in nxt
    assert (kit_record.read_bytes() if kit_record.exists() else None) == before  # the kit's checkout untouched
    assert (work / ".makemore" / "progress.json").is_file()


def test_next_starts_with_the_first_assignment_and_ends_when_all_are_full(tmp_path):
    first = next(iter(ASSIGNMENTS.values()))
    unit = progress.units_of(first)[0]
    assert progress.next_step(tmp_path).startswith(f"next: {first.key}") and \
        f"makemore grade {first.key} {progress.unit_word(first, unit)}" in progress.next_step(tmp_path)
    (tmp_path / "assignments" / ASSIGNMENTS["a2"].package).mkdir(parents=True)  # a folder holding a2 only
    assert progress.next_step(tmp_path).startswith("next: a2")
    data = {key: {"best": [progress.public_points(a)] * 2} for key, a in ASSIGNMENTS.items()}
    progress.save(tmp_path, data)
    assert "every assignment is at full local marks" in progress.next_step(tmp_path)


def test_train_records_the_final_dev_loss_beside_the_goal(tmp_path, monkeypatch, capsys):
    from grader import models

    import sys

    work = tmp_path / "work"
    shutil.copytree(KIT_ROOT / "reference" / "a1_bigram", work / "assignments" / "a1_bigram")
    monkeypatch.chdir(work)
    for name in [m for m in sys.modules if m.split(".")[0] == "a1_bigram"]:  # train imports in this process:
        monkeypatch.delitem(sys.modules, name)                                # not the stubs another test loaded
    assert main(["train", "bigram-net", "--steps", "3", "--samples", "1"]) == 0
    dev = float(re.search(r"dev\s+loss (\d+\.\d+)", capsys.readouterr().out).group(1))
    run = progress.load(work)["a1"]["trained"]["bigram-net"]
    assert run["split"] == "dev" and abs(run["loss"] - dev) < 1e-3 and run["goal"] == models.get("bigram-net").goal
    assert main(["train", "bigram-net", "--steps", "9", "--samples", "1", "--reference"]) == 0  # not your model
    assert progress.load(work)["a1"]["trained"]["bigram-net"] == run
