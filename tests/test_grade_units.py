"""Feedback on the function a student is writing: ``makemore grade a2 linear`` grades one unit (with what it
depends on) and says what a full grade says about it; ``makemore grade --watch`` grades again on every save."""
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

import pytest

from grader import KIT_ROOT, selection, watch
from grader.cli import main
from grader.runner import grade_assignment
from grader.specs import ASSIGNMENTS, resolve
from tests.submission import copy_submission

A2 = ASSIGNMENTS["a2"]
BIAS_MEAN = ("a2_mlp/linear.py", 'self.grads["bias"] = dout.sum(axis=0)', 'self.grads["bias"] = dout.mean(axis=0)')


# -- every unit of every assignment can be named, and brings what it depends on ------------------------------

def names_of(assignment):
    """Every way to name a unit: its label, its file's stem, its checks' ids and their first part."""
    for check in assignment.checks:
        yield check.name
        yield check.name.split(".")[0]
        if check.unit is not None:
            yield check.unit.label
            yield os.path.splitext(os.path.basename(selection.file_of(check)))[0]


@pytest.mark.parametrize("key", list(ASSIGNMENTS))
def test_every_unit_file_and_check_of_every_assignment_selects_itself_and_its_dependencies(key):
    assignment = ASSIGNMENTS[key]
    by_name = {c.name: c for c in assignment.checks}
    for name in set(names_of(assignment)):
        for spelling in (name, name.upper()):
            picked = selection.pick(assignment, spelling)
            assert picked, f"{key}: {spelling!r} picks nothing"
            chosen = selection.select(assignment, [spelling])
            assert set(picked) <= set(chosen), (key, spelling)
            assert chosen == [c.name for c in assignment.checks if c.name in chosen]  # a full grade's order
            for check in map(by_name.get, chosen):
                built_from = selection.unit_closure(assignment, getattr(check.unit, "depends_on", ()))
                missing = [c.name for c in assignment.checks if c.unit is not None and c.unit.label in built_from
                           and c.name not in chosen]
                assert not missing, f"{key} {spelling}: {check.name} is built from units whose checks {missing} were left out"
                if check.kind == "training":
                    needed = {c.name for c in assignment.prerequisites(check, assignment.checks)}
                    assert needed <= set(chosen), (key, spelling, needed - set(chosen))
        assert selection.parse([key, name], ASSIGNMENTS, resolve)[0] == (assignment, [name])


def test_a_layer_alone_is_only_its_own_checks_and_a_model_brings_its_layers():
    assert selection.select(A2, ["linear"]) == ["linear.contract", "linear.gradcheck", "linear.fixture",
                                                "linear.reference"]
    assert selection.select(A2, ["Linear.GRADCHECK"]) == ["linear.gradcheck"]
    model = selection.select(A2, ["mlp.gradcheck"])
    assert model[-1] == "mlp.gradcheck" and {"linear.gradcheck", "embedding.gradcheck", "tanh.gradcheck"} <= set(model)
    assert "mlp.training" not in model and "mlp.contract" not in model
    assert selection.select(ASSIGNMENTS["a4"], ["dW2"]) == ["step.dW2", "step.dW2.reference"]
    assert set(selection.select(ASSIGNMENTS["a3"], ["batchnorm.py"])) >= {"batchnorm.gradcheck", "batchnorm_eval.gradcheck"}


@pytest.mark.parametrize("words, says", [
    (["a2", "lineer"], ["a2 has no unit, file or check 'lineer'", "did you mean linear?", "Embedding, Linear, Tanh, MLP"]),
    (["linear"], ["'linear' is in a2 and a5", "makemore grade a2 linear"]),
    (["a1", "linear"], ["a1 has no unit, file or check 'linear'", "a2, a5 have one", "SoftmaxCrossEntropy"]),
    (["nonsense"], ["unknown assignment, unit or check 'nonsense'", "a1, a2"]),
])
def test_an_unknown_name_is_refused_with_the_choices(words, says, capsys):
    assert main(["grade", *words]) == 2
    err = capsys.readouterr().err
    assert all(part in err for part in says), err


def test_assignment_names_keep_their_meaning():
    """'mlp' alone is still a2 (its package), 'a2 mlp' is a2's MLP, 'a1 mlp' is a1 then a2; a unique unit
    needs no assignment before it."""
    parse = lambda *words: [(a.key, names) for a, names in selection.parse(list(words), ASSIGNMENTS, resolve)]  # noqa: E731
    assert parse("mlp") == [("a2", [])]
    assert parse("a2", "mlp") == [("a2", ["mlp"])]
    assert parse("a1", "mlp") == [("a1", []), ("a2", [])]
    assert parse("a2", "linear", "tanh", "a5", "linear") == [("a2", ["linear", "tanh"]), ("a5", ["linear"])]
    assert parse("gelu") == [("a7", ["gelu"])]


# -- the same verdicts and messages as a full grade ---------------------------------------------------------

def test_a_unit_grade_says_what_the_full_grade_says_about_it(tmp_path, capsys):
    """A Linear that averages its bias gradient: graded alone (linear) and through the model (mlp.gradcheck,
    which brings the layers), every check says exactly what the full grade says, the model's note pointing at
    the layer included."""
    folder = copy_submission(tmp_path / "s", BIAS_MEAN, packages=("a1_bigram", "a2_mlp"))
    full = {o.name: o for o in grade_assignment(A2, folder, public_only=True).outcomes}
    assert main(["grade", "a2", "linear", "mlp.gradcheck", "--submission", str(folder), "--public-only",
                 "--json", str(tmp_path / "r.json")]) == 0
    out = capsys.readouterr().out
    (result,) = json.loads((tmp_path / "r.json").read_text())["assignments"]
    graded = {c["name"]: c for c in result["checks"]}
    assert list(graded) == selection.select(A2, ["linear", "mlp.gradcheck"])
    assert "mlp.training" not in graded and "mlp.contract" not in graded
    for name, check in graded.items():
        assert (check["status"], check["points"], check["message"]) == \
            (full[name].status, full[name].points, full[name].message), name
    assert graded["linear.gradcheck"]["status"] == "failed" and "mean of dout" in graded["linear.gradcheck"]["message"]
    assert "uses your Linear, which fails its own checks" in graded["mlp.gradcheck"]["message"]
    assert "a2: graded linear mlp.gradcheck and what they depend on" in out


def test_a_unit_of_an_unreadable_notebook_lists_only_that_unit(tmp_path, capsys):
    notebook = tmp_path / "bob.ipynb"
    notebook.write_text('{"cells": [')
    assert main(["grade", "a2", "tanh", "--submission", str(notebook), "--json", str(tmp_path / "r.json")]) == 0
    (result,) = json.loads((tmp_path / "r.json").read_text())["assignments"]
    assert [c["name"] for c in result["checks"]] == selection.select(A2, ["tanh"])
    assert all("not a valid notebook" in c["message"] for c in result["checks"] if c["status"] == "error")


def test_a_unit_grade_in_a_work_folder_as_from_a_wheel_is_not_the_assignments_grade(tmp_path, monkeypatch, capsys):
    """Installed from a wheel: `makemore init`, then a unit graded inside the folder; the assignment's last
    grade (what `makemore list` shows) is not replaced by the grade of a part of it."""
    from grader import cli

    monkeypatch.setattr(cli, "running_from_checkout", lambda: False)
    work = tmp_path / "work"
    assert main(["init", str(work)]) == 0
    capsys.readouterr()
    monkeypatch.chdir(work)
    assert main(["grade", "a1", "count_bigrams", "--json", str(tmp_path / "r.json")]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"graded {(work / 'assignments').resolve()}"
    (result,) = json.loads((tmp_path / "r.json").read_text())["assignments"]
    assert {c["name"].split(".")[0] for c in result["checks"]} == {"count_bigrams"}
    assert {c["status"] for c in result["checks"] if c["visibility"] == "public"} == {"not implemented"}
    assert not cli.last_grade_file(work / "assignments").exists()


# -- the watch loop ------------------------------------------------------------------------------------------

def save(path, text=None):
    """Write ``path`` (its own text if none given) with a modification time one second later than before."""
    before = os.stat(path).st_mtime_ns
    path.write_text(path.read_text() if text is None else text)
    os.utime(path, ns=(before + 10**9, before + 10**9))


def drive(targets, folder, saves: dict, polls: int):
    """Run the watch loop with a fake clock: ``saves`` maps a sleep's number to the file saved then."""
    graded, said, sleeps = [], [], []

    def sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) in saves:
            save(folder / saves[len(sleeps)])

    def grade(assignment, checks):
        graded.append((assignment.key, checks))
        return assignment.key

    status = watch.watch(targets, folder, grade, show=lambda results: None, sleep=sleep, polls=polls,
                         say=said.append)
    return status, graded, "\n".join(said)


def test_watch_grades_once_then_the_saved_unit_first_then_the_whole_assignment(tmp_path):
    folder = copy_submission(tmp_path / "s", packages=("a1_bigram", "a2_mlp"))
    status, graded, said = drive([(A2, [])], folder, {2: "a2_mlp/linear.py"}, polls=4)
    assert status == 0
    linear = selection.select(A2, ["linear"])
    # the start; poll 1 quiet; poll 2 sees the save, one more sleep to see it settled, then linear and all of a2
    assert graded == [("a2", None), ("a2", linear), ("a2", None)]
    assert "saved a2_mlp/linear.py" in said and "a2: Linear first" in said


def test_watch_of_one_unit_grades_only_it_and_a_save_elsewhere_in_the_assignment_regrades_it_too(tmp_path):
    folder = copy_submission(tmp_path / "s", packages=("a1_bigram", "a2_mlp"))
    tanh = selection.select(A2, ["tanh"])
    # a1's loss is a2's too (borrowed): saving it regrades what is watched of a2
    status, graded, _ = drive([(A2, ["tanh"])], folder, {1: "a2_mlp/tanh.py", 4: "a1_bigram/cross_entropy.py"},
                              polls=5)
    assert graded == [("a2", tanh)] * 3


def test_a_file_saved_in_several_steps_is_graded_once_settled(tmp_path):
    folder = copy_submission(tmp_path / "s", packages=("a1_bigram", "a2_mlp"))
    status, graded, _ = drive([(A2, ["linear"])], folder, {1: "a2_mlp/linear.py", 2: "a2_mlp/linear.py",
                                                          3: "a2_mlp/linear.py"}, polls=3)
    assert graded == [("a2", selection.select(A2, ["linear"]))] * 2


def test_ctrl_c_in_the_loop_stops_it_with_a_short_message(tmp_path):
    folder = copy_submission(tmp_path / "s", packages=("a1_bigram", "a2_mlp"))
    said = []

    def interrupted(seconds):
        raise KeyboardInterrupt

    assert watch.watch([(A2, ["tanh"])], folder, lambda a, c: a.key, lambda results: None, sleep=interrupted,
                       say=said.append) == 0
    assert said[-1].strip() == "stopped watching"


def line_reader(stream):
    """A queue that a thread fills with the lines of ``stream`` (None at its end), so reads can time out."""
    lines = queue.Queue()

    def pump():
        for line in stream:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def read_until(lines, text: str, limit: float) -> str:
    """Lines from ``lines`` up to one holding ``text``, or until ``limit`` seconds pass or the output ends."""
    seen, end = [], time.monotonic() + limit
    while time.monotonic() < end:
        try:
            line = lines.get(timeout=max(0.01, end - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            break
        seen.append(line)
        if text in line:
            break
    return "".join(seen)


def test_makemore_grade_watch_regrades_a_save_and_stops_on_ctrl_c(tmp_path):
    """The command as a student runs it, from the checkout: a save that breaks Linear's bias gradient shows up
    as a failing check; Ctrl-C (SIGINT) ends it with status 0 and a short message, no traceback."""
    folder = copy_submission(tmp_path / "s", packages=("a1_bigram", "a2_mlp"))
    env = dict(os.environ, PYTHONPATH=str(KIT_ROOT), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "grader.cli", "grade", "--watch", "a2", "linear", "--public-only",
                             "--submission", str(folder)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=tmp_path)
    lines = line_reader(proc.stdout)
    try:
        first = read_until(lines, "watching", 120)
        assert "✓ linear.gradcheck" in first, first
        path = folder / BIAS_MEAN[0]
        save(path, path.read_text().replace(BIAS_MEAN[1], BIAS_MEAN[2]))
        second = read_until(lines, "watching", 120)
        assert "saved a2_mlp/linear.py" in second and "✗ linear.gradcheck" in second, second
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        out, err = read_until(lines, "stopped watching", 10), proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode in (0, 130) and "stopped watching" in out and "Traceback" not in err, (out, err)


def test_watch_reads_a_folder_of_flat_files_like_a_package(tmp_path):
    """Some students hand in linear.py, tanh.py, ... with no a2_mlp/ folder: a save there is still seen, and
    still graded unit first."""
    folder = copy_submission(tmp_path / "s", packages=("a2_mlp",))
    for path in (folder / "a2_mlp").glob("*.py"):
        path.rename(folder / path.name)
    (folder / "a2_mlp").rmdir()
    assert folder / "linear.py" in watch.watched_files(folder, A2)
    status, graded, said = drive([(A2, [])], folder, {1: "linear.py"}, polls=2)
    assert graded == [("a2", None), ("a2", selection.select(A2, ["linear"])), ("a2", None)], graded
