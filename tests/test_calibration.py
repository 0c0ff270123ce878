"""The training checks' thresholds match what the reference reaches under the same budget."""
import pytest

from grader.behaviour import calibrate
from grader.specs import ASSIGNMENTS

TRAINING_CHECKS = [c for a in ASSIGNMENTS.values() for c in a.checks if c.kind == "training"]


@pytest.mark.parametrize("check", TRAINING_CHECKS, ids=lambda c: c.name)
def test_stored_reference_loss_is_what_the_reference_reaches(check):
    reached = calibrate(check)
    assert reached == pytest.approx(check.options["reference_loss"], abs=2e-3)
    assert check.options["threshold"] > reached
    assert check.options["threshold"] - reached < 0.05  # the margin is stated, not a blanket pass


def test_every_assignment_is_worth_100_points():
    for assignment in ASSIGNMENTS.values():
        assert assignment.max_points == 100
        names = [c.name for c in assignment.checks]
        assert len(names) == len(set(names))
