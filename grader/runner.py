"""Grade one submission: run every check of each assignment against the student's process, score it."""
from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from grader.checks import StudentError, reference_available
from grader.fixtures import Fixtures
from grader.sandbox import Child, Limits
from grader.spec import Assignment, Outcome


@dataclass
class AssignmentResult:
    key: str
    title: str
    outcomes: list[Outcome]
    mode: str  # "full" (hidden checks ran) or "public"
    seconds: float = 0.0
    output: str = ""  # the tail of what the student's code printed

    @property
    def score(self) -> float:
        return sum(o.points for o in self.outcomes if o.status != "skipped")

    @property
    def max_score(self) -> float:
        return sum(o.max_points for o in self.outcomes if o.status != "skipped")

    def to_dict(self) -> dict:
        return {"assignment": self.key, "title": self.title, "mode": self.mode, "score": self.score,
                "max_score": self.max_score, "seconds": round(self.seconds, 3),
                "checks": [o.__dict__ | {"seconds": round(o.seconds, 3)} for o in self.outcomes]}


@dataclass
class Runtime:
    """What a check mechanism may use: the student's process, the fixtures, the mode."""

    child: Child
    assignment: Assignment
    public_only: bool
    fixtures: Fixtures | None = None
    deadline: float | None = None

    def request(self, op: str, header: dict, arrays: dict | None = None, timeout: float = 10.0):
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise StudentError("timeout", "the submission used up its total time budget before this check")
            timeout = min(timeout, left)
        return self.child.request(op, header, arrays, timeout)

    def _fixtures(self) -> Fixtures:
        if self.fixtures is None:
            self.fixtures = Fixtures(self.assignment)
        return self.fixtures

    def fixture_examples(self, label: str):
        unit = next(c.unit for c in self.assignment.checks if c.unit is not None and c.unit.label == label)
        return list(self._fixtures().layer_examples(label, unit))

    def fixture_calls(self, label: str):
        return list(self._fixtures().function_calls(label))


def grade_assignment(assignment: Assignment, submission: str | Path, public_only: bool = False,
                     limits: Limits | None = None, budget_seconds: float | None = None,
                     on_outcome=None) -> AssignmentResult:
    """Run all of ``assignment``'s checks on the student code under ``submission`` (the folder holding
    a1_bigram/, a2_mlp/, ...). Hidden checks run only where the reference is installed and not public_only."""
    public_only = public_only or not reference_available()
    started = time.monotonic()
    outcomes: list[Outcome] = []
    with Child(str(submission), limits) as child:
        runtime = Runtime(child, assignment, public_only,
                          deadline=started + budget_seconds if budget_seconds else None)
        for check in assignment.checks:
            outcome = run_check(check, runtime)
            outcomes.append(outcome)
            if on_outcome:
                on_outcome(outcome)
        output = child.output()
    add_dependency_notes(assignment, outcomes)
    return AssignmentResult(assignment.key, assignment.title, outcomes, "public" if public_only else "full",
                            time.monotonic() - started, output)


def run_check(check, runtime: Runtime) -> Outcome:
    unit_label = getattr(check.unit, "label", None)
    if check.visibility == "hidden" and runtime.public_only:
        return Outcome(check.name, 0, check.points, "skipped", "hidden check: run by your instructor's grader",
                       check.visibility, unit_label)
    started = time.monotonic()
    try:
        status, message = check.mechanism(check, runtime)
    except StudentError as err:
        status, message = err.status, err.message
    except Exception as err:  # a bug in the grader must cost the student nothing but this check, and say so
        status = "error"
        message = f"internal grader error ({type(err).__name__}: {err}); please report it\n" + traceback.format_exc(limit=3)
    points = check.points if status == "passed" else 0
    return Outcome(check.name, points, check.points, status, message, check.visibility, unit_label,
                   time.monotonic() - started)


def add_dependency_notes(assignment: Assignment, outcomes: list[Outcome]) -> None:
    """A model built from failing layers fails too: point at the layer, which is where to look first."""
    failing_units = {o.unit for o in outcomes if o.unit and o.status not in ("passed", "skipped")}
    units = {c.name: c.unit for c in assignment.checks}
    for outcome in outcomes:
        unit = units.get(outcome.name)
        if outcome.status not in ("failed", "error") or unit is None:
            continue
        broken = [dep for dep in getattr(unit, "depends_on", ()) if dep in failing_units]
        if broken:
            one = len(broken) == 1
            outcome.message += (f"\n    note: {unit.label} uses your {', '.join(broken)}, which "
                                f"{'fails its' if one else 'fail their'} own checks: fix {'that' if one else 'those'} first")
