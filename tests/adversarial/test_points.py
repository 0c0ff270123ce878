"""Points only for the student's own working code: submissions that do none of the work (tests/adversarial/
do_nothing.py) score what their genuine work deserves, locally and on the instructor's side, and say why.

The default run grades a representative few (a2 in full, a4's finite differences, a5's borrowed package, a
late hang); the whole matrix (every kind of do-nothing submission for every assignment, both sides) is
behind ``-m slow``.
"""
from __future__ import annotations

import pytest

from grader.runner import grade_assignment
from grader.spec import AGREEMENT_KINDS
from grader.specs import ASSIGNMENTS
from tests.adversarial.do_nothing import FD_TARGET, build
from tests.submission import copy_submission, substitute

# Mechanisms that compare the student's answer with one they compute themselves (so zeros fail them) and need
# no gate: the sampling check's chi-square against P, the clipping check's norm.
SELF_ANSWERING = {"sampling", "clipping"}


def training_check(key: str):
    return next(c for c in ASSIGNMENTS[key].checks if c.kind == "training")


def test_every_check_that_zeros_could_pass_is_gated_on_its_units_forward():
    """Kinds, not instances: every check of every unit of every assignment that compares the student's code
    with itself or with a property (contract, finite differences, stability, causality, a refused input,
    a normalisation) is gated on the agreement of its unit's forward, and of the units it is built from."""
    ungated = []
    for assignment in ASSIGNMENTS.values():
        for check in assignment.checks:
            if check.unit is None or check.kind in AGREEMENT_KINDS or check.kind == "training":
                continue
            gates = assignment.gates(check)
            if not gates and check.kind not in SELF_ANSWERING:
                ungated.append(f"{assignment.key} {check.name}")
            for label in set(getattr(check.unit, "depends_on", ())):  # a model's check waits for its cells too
                has_agreement = any(c.kind in AGREEMENT_KINDS and c.unit.label == label for c in assignment.checks)
                assert not has_agreement or any(g.unit.label == label for g in gates), (check.name, label)
    assert not ungated, "checks that zeros of the right shape can pass, without a gate:\n" + "\n".join(ungated)


def test_training_waits_for_the_hidden_agreement_of_every_unit_it_uses():
    every = [c for a in ASSIGNMENTS.values() for c in a.checks]
    for assignment in ASSIGNMENTS.values():
        for check in (c for c in assignment.checks if c.kind == "training"):
            needed = assignment.prerequisites(check, every)
            hidden = {c.unit.label for c in needed if c.visibility == "hidden"}
            public = {c.unit.label for c in needed if c.visibility == "public" and c.kind in AGREEMENT_KINDS
                      and any(own is c for own in assignment.checks)}
            assert public <= hidden | {c.unit.label for c in needed if c.kind == "step"}, (check.name, public - hidden)


def grade(kind, key, tmp_path, public_only=False, **options):
    return grade_assignment(ASSIGNMENTS[key], build(kind, key, tmp_path), public_only=public_only,
                            check_timeout=60, **options)


def assert_nothing_earned(result):
    paid = [f"{o.name} {o.points}: {o.message[:120]}" for o in result.outcomes if o.points]
    assert not paid, "points for no work:\n" + "\n".join(paid)
    for outcome in result.outcomes:  # never a silent 0: every check says why
        assert outcome.status == "skipped" or outcome.message, outcome.name


@pytest.mark.parametrize("public_only", [False, True], ids=["instructor", "student"])
def test_zeros_of_the_right_shape_earn_nothing(tmp_path, public_only):
    result = grade("zeros", "a2", tmp_path, public_only)
    assert_nothing_earned(result)
    gated = {o.name: o.message for o in result.outcomes}
    assert gated["linear.gradcheck"].startswith("not graded until linear.fixture")
    assert "not graded until" in gated["mlp.gradcheck"] and "linear.fixture" in gated["mlp.gradcheck"]


def test_a_lookup_table_of_the_fixtures_with_injected_parameters_earns_nothing_on_the_instructors_side(tmp_path):
    """The attack that earned a2 78/100: zeros, fixture answers from a table, parameters trained elsewhere."""
    result = grade("lookup_inject", "a2", tmp_path)
    assert_nothing_earned(result)
    fixture = next(o for o in result.outcomes if o.name == "linear.fixture")
    assert "new inputs of the stored examples' sizes" in fixture.message, fixture.message


def test_parameters_handed_back_from_elsewhere_earn_no_training_points_and_say_why(tmp_path):
    """The reference's own code, whose parameters are replaced at evaluation: every prerequisite passes, the
    run does not prove itself."""
    check = training_check("a2")
    result = grade("inject", "a2", tmp_path, checks=[check.name])
    [outcome] = result.outcomes
    assert outcome.points == 0 and outcome.status == "failed"
    assert "not those training produced" in outcome.message and "changed after the last training step" in outcome.message


def test_an_honest_run_proves_itself(tmp_path):
    """The reference's code trained in the student's process: its checkpoints are the reference run's."""
    check = training_check("a2")
    result = grade("honest", "a2", tmp_path, checks=[check.name])
    [outcome] = result.outcomes
    assert outcome.passed, outcome.message


def test_parameters_written_during_training_are_caught_at_the_next_checkpoint(tmp_path):
    """Parameters replaced in the middle of the run (at the 1000th forward): the checkpoint after that step
    is not what the steps since the previous one lead to."""
    folder = build("honest", "a2", tmp_path)
    substitute(folder, "a2_mlp/mlp.py", "    def forward(self, idx):\n",
               "    def forward(self, idx):\n        self.calls = getattr(self, 'calls', 0) + 1\n"
               "        if self.calls == 1000:\n            self.params['W2'] *= 0.5\n")
    result = grade_assignment(ASSIGNMENTS["a2"], folder, checks=[training_check("a2").name], check_timeout=60)
    [outcome] = result.outcomes
    assert outcome.points == 0 and "the run does not prove itself" in outcome.message, outcome.message


def test_finite_difference_gradients_fail_the_hidden_agreement_saying_why(tmp_path):
    """a4's fused cross-entropy as central differences of the loss passes the public checks (their
    tolerance is that of finite differences) and fails the hidden one, which says why."""
    fused = lambda c: c.name.startswith("fused.cross_entropy")
    local = {o.name: o for o in grade("fd", "a4", tmp_path, public_only=True, checks=fused).outcomes}
    assert local["fused.cross_entropy.gradcheck"].passed and local["fused.cross_entropy.fixture"].passed
    full = {o.name: o for o in grade("fd", "a4", tmp_path, checks=fused).outcomes}
    hidden = full["fused.cross_entropy.stepwise"]
    assert hidden.points == 0 and "finite differences" in hidden.message and "Derive the gradient" in hidden.message


def test_a_students_earlier_package_never_runs_in_a_later_assignments_grading(tmp_path):
    """A correct a5 with the student's own a3_batchnorm whose __init__.py imports an unfinished module (and
    patches the borrowed BatchNorm1d): on the instructor's side a3's __init__.py is the reference's, as are the
    modules a5 borrows."""
    from grader.instructor.submissions import prepare

    entry = copy_submission(tmp_path / "entry", packages=("a3_batchnorm", "a5_wavenet"))
    (entry / "a3_batchnorm" / "__init__.py").write_text(
        "from .mlp_bn import *  # noqa\nfrom . import batchnorm\nbatchnorm.BatchNorm1d.forward = None\n")
    (entry / "a3_batchnorm" / "mlp_bn.py").write_text("raise NotImplementedError('not finished yet')\n")
    prepared = prepare(entry, ASSIGNMENTS["a5"], tmp_path / "work")
    assert prepared.fatal is None
    assert any("a3_batchnorm/__init__.py belongs to an earlier assignment: a5's checks use the reference's" in n
               for n in prepared.notes), prepared.notes
    result = grade_assignment(ASSIGNMENTS["a5"], prepared.folder, checks=lambda c: c.unit.label == "BatchNorm1d")
    lost = [f"{o.name}: {o.message}" for o in result.outcomes if not o.passed]
    assert not lost, lost


HANG_AFTER_FAST_STEPS = '''self.calls = getattr(self, "calls", 0) + (len(x) == 32)  # training's minibatches
        if self.calls > 300:
            while True:
                pass
        self.x = x
        return x @ self.params["weight"] + self.params["bias"]'''


def test_a_hang_after_fast_training_steps_is_called_a_hang_not_slow_code(tmp_path):
    """The progress a training timeout reports is the run's state when it was stopped: a hang after many
    fast steps says so, with the step that hung and where, not "the code is right but too slow"."""
    folder = copy_submission(tmp_path / "sub")
    substitute(folder, "a2_mlp/linear.py", 'self.x = x\n        return x @ self.params["weight"] + self.params["bias"]',
               HANG_AFTER_FAST_STEPS)
    result = grade_assignment(ASSIGNMENTS["a2"], folder, checks=[training_check("a2").name], check_timeout=6)
    [outcome] = result.outcomes
    assert outcome.status == "timeout", outcome.message
    assert "did not end in" in outcome.message and "a hang, not slow code" in outcome.message, outcome.message
    assert "too slow" not in outcome.message and "a2_mlp/linear.py" in outcome.message


# -- the whole matrix ---------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("public_only", [False, True], ids=["instructor", "student"])
@pytest.mark.parametrize("kind", ["zeros", "copy", "random"])
@pytest.mark.parametrize("key", sorted(ASSIGNMENTS))
def test_no_work_earns_nothing_in_any_assignment(key, kind, public_only, tmp_path):
    assert_nothing_earned(grade(kind, key, tmp_path, public_only))


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["lookup", "lookup_inject"])
@pytest.mark.parametrize("key", sorted(ASSIGNMENTS))
def test_memorised_answers_earn_nothing_on_the_instructors_side(key, kind, tmp_path):
    assert_nothing_earned(grade(kind, key, tmp_path))


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(ASSIGNMENTS))
def test_injected_parameters_lose_the_training_check_only(key, tmp_path):
    result = grade("inject", key, tmp_path)
    check = training_check(key)
    lost = {o.name: o.message for o in result.outcomes if not o.passed}
    assert set(lost) == {check.name}, lost
    assert "not those training produced" in lost[check.name] or "does not prove itself" in lost[check.name]


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(ASSIGNMENTS))
def test_finite_differences_lose_their_units_gradient_points_and_training(key, tmp_path):
    result = grade("fd", key, tmp_path)
    outcomes = {o.name: o for o in result.outcomes}
    assert outcomes[training_check(key).name].points == 0
    target = FD_TARGET[key][1]
    hidden = [o for o in result.outcomes if o.visibility == "hidden" and not o.passed]
    assert any("finite differences" in o.message for o in hidden), [(o.name, o.message) for o in hidden]
    assert result.score < result.max_score, target


def test_the_batch_path_gives_the_same_nothing(tmp_path):
    """``makemore batch``, Gradescope and ``grade --submission`` take grader/instructor/submissions.py's
    grade(): the do-nothing attack earns nothing there either (the earlier package is the reference's)."""
    from grader.instructor.submissions import grade as grade_entry

    entry = build("lookup_inject", "a2", tmp_path)
    prepared, result = grade_entry(entry, ASSIGNMENTS["a2"], tmp_path / "work")
    assert prepared.fatal is None
    assert_nothing_earned(result)


@pytest.mark.parametrize("key", sorted(k for k, a in ASSIGNMENTS.items() if a.requires))
def test_every_earlier_package_a_later_assignment_imports_is_the_references_init_included(key, tmp_path):
    """Every assignment that borrows: a student's broken __init__.py in each earlier package it requires is
    replaced by the reference's on the instructor's side, and the notes say so."""
    from grader.instructor.submissions import REFERENCE as KIT_REFERENCE, prepare

    assignment = ASSIGNMENTS[key]
    entry = copy_submission(tmp_path / "entry", packages=(assignment.package, *assignment.requires))
    for package in assignment.requires:
        (entry / package / "__init__.py").write_text("raise ImportError('my earlier package is broken')\n")
    prepared = prepare(entry, assignment, tmp_path / "work")
    for package in assignment.requires:
        init = f"{package}/__init__.py"
        assert (prepared.folder / init).read_text() == (KIT_REFERENCE / init).read_text(), init
        assert any(n.startswith(f"{init} belongs to an earlier assignment") for n in prepared.notes), prepared.notes
