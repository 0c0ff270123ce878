"""The grader on wrong code: every mistake of tests/corpus/bugs.py loses points on its check, the message says
what the mistake is, and the units the mistake is not in keep their points.

Each bug is one substitution in a copy of the reference; only the assignment the bug lives in is graded.
"""
from __future__ import annotations

import pytest

from grader.runner import grade_assignment
from grader.specs import ASSIGNMENTS
from tests.corpus.bugs import BUGS, REFERENCE, Bug, apply, build_submission
from tests.submission import mask_hints


def affected_units(bug: Bug) -> set[str]:
    """The unit the bug is in, the units built from it, and the units trained with it (a loss)."""
    assignment = ASSIGNMENTS[bug.assignment]
    unit = next(c.unit for c in assignment.checks if c.name == bug.failing_check)
    affected = {unit.label}
    for check in assignment.checks:
        uses = set(getattr(check.unit, "depends_on", ()))
        trained_with = check.options.get("loss") if check.kind == "training" else None
        if unit.label in uses or trained_with == unit.target:
            affected.add(check.unit.label)
    return affected


def test_the_corpus_is_well_formed(tmp_path):
    assert len(BUGS) >= 18
    assert len({bug.name for bug in BUGS}) == len(BUGS), "bug names must be unique"
    for bug in BUGS:
        assert bug.old != bug.new and bug.diagnosis, bug.name
        assert bug.failing_check in {c.name for c in ASSIGNMENTS[bug.assignment].checks}, bug.name
        assert mask_hints((REFERENCE / bug.file).read_text())[0].count(bug.old) == 1, \
            f"{bug.name}: `old` must occur exactly once (in the code: hint lines do not count)"
    # apply refuses text that is not there exactly once, so the corpus cannot rot silently
    build_submission(None, tmp_path)
    with pytest.raises(AssertionError, match="exactly once"):
        apply(Bug("rotten", "a2_mlp/linear.py", "no such text", "x", "linear.contract", "x"), tmp_path)


EVERY_CHECK = [c for a in ASSIGNMENTS.values() for c in a.checks]
# Checks that cost seconds each (finite differences of a whole model, training): left out where the bug's own
# unit is under them, since they are expected to fail there anyway; they still run for every other unit. A
# training check of a unit the bug is not in cannot lose points to it: it is not run either.
SLOW_CHECKS = {"block.gradcheck", "transformer.gradcheck", "transformer.training"}


def checks_to_run(bug: Bug):
    affected = affected_units(bug)

    def run(check):
        label = getattr(check.unit, "label", None)
        if check.name == bug.failing_check:
            return True
        if check.kind == "training" and label not in affected:
            return False
        return check.name not in SLOW_CHECKS or label not in affected
    return run


@pytest.mark.parametrize("bug", BUGS, ids=[bug.name for bug in BUGS])
def test_the_grader_catches_the_bug(bug: Bug, tmp_path):
    assignment = ASSIGNMENTS[bug.assignment]
    affected = affected_units(bug)
    result = grade_assignment(assignment, build_submission(bug, tmp_path), checks=checks_to_run(bug))
    outcomes = {o.name: o for o in result.outcomes}
    target = outcomes[bug.failing_check]
    assert target.status in ("failed", "error"), f"{bug.failing_check}: {target.status} {target.message}"
    assert target.points == 0 < target.max_points
    assert bug.diagnosis in target.message, (
        f"{bug.failing_check} lost its points, but the message lacks {bug.diagnosis!r}:\n{target.message}")
    assert result.score < result.max_score
    # a wrong gradient never earns training points, however well the loop tolerates it
    for check in assignment.checks:
        needed = {c.name for c in assignment.prerequisites(check, EVERY_CHECK)} if check.kind == "training" else ()
        if bug.failing_check in needed and check.name in outcomes:  # (SLOW_CHECKS are not run for their unit)
            assert outcomes[check.name].status == "failed", outcomes[check.name].message
            message = outcomes[check.name].message
            assert message.startswith("not run: training is graded once every gradient it uses passes its "
                                      "checks, and ") and bug.failing_check in message.split(" fail")[0], message
    collateral = [f"{o.name} [{o.status}] {o.message}" for o in result.outcomes
                  if o.unit not in affected and o.status != "passed"]
    assert not collateral, f"a bug in {sorted(affected)} cost other units points:\n" + "\n".join(collateral)
    # the bug's unit is the one the student is sent to: failing checks of units built from it say so
    for o in result.outcomes:
        if o.unit in affected and o.unit != target.unit and o.status in ("failed", "error"):
            depends = next(c.unit for c in ASSIGNMENTS[bug.assignment].checks if c.name == o.name).depends_on
            if target.unit in depends:
                assert f"uses your {target.unit}" in o.message, o.message


def test_a_wrong_adamw_leaves_a7s_training_unrun_and_names_it(tmp_path, monkeypatch):
    """a7 trains with the student's AdamW: a wrong update the loop tolerates (weight decay in the gradient, at
    makemore.py's decay of 0.01) must not earn the training points. The entry is a7 alone, as a student hands
    it in: a6's loss is the reference's (grader/instructor/submissions.py), so only AdamW is named. The whole
    Block's and model's contract and finite differences (8 s of the prerequisites; they pass on this code, whose
    only change is in adamw.py) are taken as passed; every other prerequisite runs."""
    from grader import runner
    from grader.instructor.submissions import prepare
    from grader.spec import Outcome
    from tests.submission import copy_submission

    slow = {"block.contract", "block.gradcheck", "transformer.contract", "transformer.gradcheck"}
    ran = []

    def run_check(check, runtime):
        ran.append(check.name)
        if check.name in slow:
            return Outcome(check.name, check.points, check.points, "passed", "(taken as passed)")
        return real_run_check(check, runtime)

    real_run_check = runner.run_check
    monkeypatch.setattr(runner, "run_check", run_check)
    bug = next(bug for bug in BUGS if bug.name == "adamw_weight_decay_in_gradient")
    entry = copy_submission(tmp_path / "entry", packages=("a7_transformer",))
    apply(bug, entry)
    prepared = prepare(entry, ASSIGNMENTS["a7"], tmp_path / "work")
    assert prepared.fatal is None and not (entry / "a6_rnn").exists()
    [outcome] = grade_assignment(ASSIGNMENTS["a7"], prepared.folder, checks=["transformer.training"]).outcomes
    assert outcome.status == "failed" and outcome.points == 0, outcome.message
    # the instructor's side: the hidden agreement is a prerequisite too, and fails on the same update
    assert outcome.message.startswith("not run: training is graded once every gradient it uses passes its checks, "
                                      "and adamw.fixture, adamw.reference fail"), outcome.message
    assert {"sequence_loss.gradcheck", "attention.gradcheck", "adamw.fixture"} <= set(ran)  # a6's loss passed
