"""A student's first `makemore grade` and `makemore list` in a fresh checkout: a short overview of every
assignment (what is left, where to start), the full report of the one being worked on, and a list that keeps
each assignment's last grade; the kit's tests write nothing into the checkout."""
from __future__ import annotations

from grader import KIT_ROOT, report
from grader.runner import grade_assignment
from grader.specs import ASSIGNMENTS
from tests.submission import copy_submission


def test_the_overview_is_a_line_per_untouched_or_finished_assignment_and_the_report_of_the_rest(tmp_path):
    a1, a2 = ASSIGNMENTS["a1"], ASSIGNMENTS["a2"]
    stubs = KIT_ROOT / "assignments"
    untouched = grade_assignment(a1, stubs, public_only=True)
    done = grade_assignment(a2, KIT_ROOT / "reference", public_only=True,
                            checks=lambda c: c.name.startswith("tanh."))
    started = copy_submission(tmp_path / "started", ("a2_mlp/tanh.py", "(1.0 - self.out**2)", "(1.0 - self.out)"))
    working = grade_assignment(a2, started, public_only=True, checks=lambda c: c.name.startswith(("tanh.", "linear.")))
    text = report.overview([untouched, done, working])
    lines = text.splitlines()
    first = lines.index(next(line for line in lines if line.startswith("a1 ·")))
    assert lines[first + 1].strip() == (f"not started: {len(untouched.outcomes) - sum(o.status == 'skipped' for o in untouched.outcomes)}"
                                        " checks to go; start with a1_bigram/counts.py (count_bigrams)")
    assert "✓ every check passes" in text
    assert "✗ tanh.gradcheck" in text and "✓ linear.gradcheck" in text  # the full report of the started one
    assert "not implemented" not in text  # not one stub's row
    assert lines[-1] == "every check of one assignment: makemore grade a1 (or a2, ...)"
    assert len(lines) < 30


def test_makemore_list_keeps_every_assignments_last_grade_outside_the_checkout(capsys):
    from grader import cli

    for key in ("a1", "a2"):
        assert cli.main(["grade", key, "--public-only"]) == 0
    capsys.readouterr()
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    rows = {}
    for line in out.splitlines():  # the first table's rows (a progress table follows with the same keys)
        if line.startswith(("a1 ", "a2 ")):
            rows.setdefault(line.split()[0], line)
    assert "last grade 0/" in rows["a1"] and "last grade 0/" in rows["a2"], out
    state = cli.last_grade_file(KIT_ROOT / "assignments")
    assert state.exists() and KIT_ROOT not in state.parents  # the tests write beside no checkout they test


def test_the_training_eta_leaves_out_the_first_steps_warm_up_and_the_dev_evaluations(monkeypatch):
    """A 50 s run whose first step (with its warm-up) and dev evaluation took 6 s said "ETA 468:10" on its first
    line: the rate of the steps after it, without evaluations, is what the rest of the run goes at."""
    import io

    from grader import trainlog

    clock = [0.0]
    monkeypatch.setattr(trainlog.time, "monotonic", lambda: clock[0])

    def dev_loss():
        clock[0] += 5.0  # an evaluation of the dev split
        return 2.0

    out = io.StringIO()
    log = trainlog.TrainingLog(1000, 100, dev_loss=dev_loss, stream=out)
    clock[0] += 1.0  # the first step, warming up
    log(0, 3.0, 0.1)
    for step in range(1, 200):
        clock[0] += 0.01
        log(step, 2.5, 0.1)
    first, second, third = out.getvalue().splitlines()[:3]
    assert "ETA --:--" in first, first
    # after step 200: 800 steps at 100 steps/s (8 s) and 8 evaluations of 5 s: 48 s
    assert "100 steps/s  ETA 0:48" in third, third
