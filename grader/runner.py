"""Grade one submission: run every check of each assignment against the student's process, score it."""
from __future__ import annotations

import re
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from grader.checks import StudentError, reference_available
from grader.fixtures import Fixtures
from grader.sandbox import Child, Limits, UnsupportedPlatform
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


class SandboxBlocked(Exception):
    """The confinement, not the student's code, broke a check (a library or file legitimate code needs was
    refused): an internal grader error, never scored as the student's mistake (grader/SECURITY.md)."""


@dataclass
class Runtime:
    """What a check mechanism may use: the student's process, the fixtures, the mode, and the clocks: the
    submission's total budget and the current check's limit, both derived from when they started."""

    child: Child
    assignment: Assignment
    public_only: bool
    fixtures: Fixtures | None = None
    budget_seconds: float | None = None  # the whole submission's wall-clock budget
    check_timeout: float | None = None  # caps every check's own limit (batch runs, tests)
    started: float = field(default_factory=time.monotonic)  # when the submission's clock started
    check: object = None  # the check running now
    check_started: float = 0.0
    facts: dict = field(default_factory=dict)  # check name -> what its mechanism learned ({"forward": bool})

    def record(self, check, **facts) -> None:
        """A mechanism's finding beyond its verdict (an agreement check: whether the forward agreed)."""
        self.facts.setdefault(check.name, {}).update(facts)

    def start_check(self, check) -> None:
        self.check, self.check_started = check, time.monotonic()

    @property
    def check_seconds(self) -> float | None:
        """The current check's own limit: Check.timeout, capped by check_timeout."""
        if self.check is None:
            return None
        return self.check.timeout if self.check_timeout is None else min(self.check.timeout, self.check_timeout)

    def time_left(self, timeout: float) -> tuple[float, str | None]:
        """(seconds, which limit): the tightest of the request's own timeout, the check's and the budget's."""
        now = time.monotonic()
        limits = [(timeout, None)]
        if self.check is not None:
            limits.append((self.check_started + self.check_seconds - now, "check"))
        if self.budget_seconds:
            limits.append((self.started + self.budget_seconds - now, "budget"))
        return min(limits, key=lambda limit: limit[0])

    def request(self, op: str, header: dict, arrays: dict | None = None, timeout: float = 10.0):
        """One request to the student's process, within the check's and the submission's time limits: the
        first one to run out ends the request (and kills the process, restarted for the next request).
        Raises SandboxBlocked when the confinement, not the student, made the request fail."""
        left, which = self.time_left(timeout)
        if left <= 0:
            if which == "budget":
                raise StudentError("timeout", f"the submission used up its total time budget of "
                                              f"{self.budget_seconds:g} s before this check")
            raise StudentError("timeout", f"timed out after {self.check_seconds:g} s")
        reply = self.child.request(op, header, arrays, left)
        if reply.status == "blocked":
            raise SandboxBlocked(reply.message)
        if reply.status == "timeout" and not reply.repeated:
            place = f" in {reply.where}" if reply.where else ""
            at = reply.message.find(" (your code was at ")
            place += reply.message[at:] if at >= 0 else ""
            if which == "budget":
                reply.message = (f"timed out{place}: the submission used up its total time budget of "
                                 f"{self.budget_seconds:g} s")
            else:
                reply.message = f"timed out after {self.check_seconds if which == 'check' else timeout:g} s{place}"
        return reply

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
                     on_outcome=None, checks=None, check_timeout: float | None = None) -> AssignmentResult:
    """Run all of ``assignment``'s checks on the student code under ``submission`` (the folder holding
    a1_bigram/, a2_mlp/, ...). Hidden checks run only where the reference is installed and not public_only.

    limits: the student's process's limits and isolation (grader/sandbox/parent.py). budget_seconds: the whole
    submission's wall-clock budget; each check also has its own limit (Check.timeout, capped by check_timeout for
    all). A check that runs out loses its points with a message; the other checks still run.
    checks: run only these (check names, or a predicate on a Check); the others are left out of the result."""
    public_only = public_only or not reference_available()
    started = time.monotonic()
    outcomes: list[Outcome] = []
    selected = assignment.checks
    if checks is not None:
        if not callable(checks):
            names = frozenset([checks] if isinstance(checks, str) else checks)
            unknown = names - {check.name for check in assignment.checks}
            if unknown:
                raise ValueError(f"{assignment.key} has no check {', '.join(sorted(unknown))}")
        keep = checks if callable(checks) else (lambda check: check.name in names)
        selected = [check for check in assignment.checks if keep(check)]
    with Child(str(submission), limits) as child:
        runtime = Runtime(child, assignment, public_only, budget_seconds=budget_seconds,
                          check_timeout=check_timeout, started=started)
        done: dict[str, Outcome] = {}  # every check run so far, those run only as prerequisites included
        for check in selected:
            if check.name in done:  # run already, as another check's gate
                outcome = done[check.name]
            elif check.kind == "training" or check.options.get("requires"):
                outcome = run_training_check(check, runtime, done)
            else:
                outcome = run_check(check, runtime)
            done[check.name] = outcome
            apply_gates(check, outcome, done, runtime)
            outcomes.append(outcome)
            if on_outcome:
                on_outcome(outcome)
        output = child.output()
    add_dependency_notes(assignment, outcomes)
    say_not_implemented_once(outcomes)
    say_top_level_hang_once(outcomes)
    return AssignmentResult(assignment.key, assignment.title, outcomes, "public" if public_only else "full",
                            time.monotonic() - started, output)


def unrunnable(assignment: Assignment, message: str, public_only: bool = False) -> AssignmentResult:
    """The result for a submission that cannot run at all (an unreadable notebook, a zip too large, the
    grader's own failure): zero on every check, each saying why, with the hidden checks skipped by the same
    rule as ``grade_assignment`` (so ``makemore grade --submission`` and ``makemore batch`` agree)."""
    public_only = public_only or not reference_available()
    outcomes = [skipped_hidden(check) if check.visibility == "hidden" and public_only else
                Outcome(check.name, 0, check.points, "error", f"not graded: {message}", check.visibility,
                        getattr(check.unit, "label", None))
                for check in assignment.checks]
    return AssignmentResult(assignment.key, assignment.title, outcomes, "public" if public_only else "full", 0.0, "")


def skipped_hidden(check) -> Outcome:
    return Outcome(check.name, 0, check.points, "skipped", "hidden check: run by your instructor's grader",
                   check.visibility, getattr(check.unit, "label", None))


def run_check(check, runtime: Runtime) -> Outcome:
    unit_label = getattr(check.unit, "label", None)
    if check.visibility == "hidden" and runtime.public_only:
        return skipped_hidden(check)
    started = time.monotonic()
    runtime.start_check(check)
    try:
        status, message = check.mechanism(check, runtime)
    except StudentError as err:
        status, message = err.status, err.message
    except UnsupportedPlatform:  # no check can run here: one message for the whole run (grader/cli.py)
        raise
    except SandboxBlocked as err:  # the confinement's fault: said so, and marked for a regrade
        return Outcome(check.name, 0, check.points, "error", str(err), check.visibility, unit_label,
                       time.monotonic() - started, internal=True)
    except Exception as err:  # a bug in the grader must cost the student nothing but this check, and say so
        blocked = next((e for e in _chain(err) if isinstance(e, SandboxBlocked)), None)
        message = str(blocked) if blocked else (f"internal grader error ({type(err).__name__}: {err}); please "
                                                "report it\n" + traceback.format_exc(limit=3))
        return Outcome(check.name, 0, check.points, "error", message, check.visibility, unit_label,
                       time.monotonic() - started, internal=True)
    points = check.points if status == "passed" else 0
    facts = getattr(runtime, "facts", {}).get(check.name, {})
    return Outcome(check.name, points, check.points, status, message, check.visibility, unit_label,
                   time.monotonic() - started, forward_ok=True if status == "passed" else facts.get("forward"))


def run_training_check(check, runtime: Runtime, done: dict[str, Outcome]) -> Outcome:
    """A training check runs only once the gradients it uses pass their public checks (Assignment.prerequisites):
    a training loop tolerates many wrong gradients (a bias gradient averaged, an embedding gradient assigned,
    dloss ignored), and the largest check's points must not reward them. Prerequisites that did not run yet
    (left out by ``checks``, or another assignment's, such as a2's loss from a1) run now, unreported. Public
    checks only, so a student's local verdict is the instructor's."""
    from grader.specs import ASSIGNMENTS

    if check.visibility == "hidden" and runtime.public_only:
        return run_check(check, runtime)
    every_check = [c for a in ASSIGNMENTS.values() for c in a.checks]
    failing = []
    for needed in runtime.assignment.prerequisites(check, every_check):
        if needed.visibility == "hidden" and runtime.public_only:
            continue
        if needed.name not in done:
            done[needed.name] = run_check(needed, runtime)
        if done[needed.name].status != "passed":
            failing.append(done[needed.name])
    if not failing:
        return run_check(check, runtime)
    names = ", ".join(o.name for o in failing)
    own = {c.name for c in runtime.assignment.checks}
    if not any(o.name in own for o in failing):  # only an earlier assignment's work is missing: not lost here
        earlier = sorted({a.key for a in ASSIGNMENTS.values() for c in a.checks if c.name in {o.name for o in failing}}
                         - {runtime.assignment.key})
        state = "not implemented yet" if all(o.status == "not implemented" for o in failing) else "failing"
        status, message = "pending", (
            f"pending: training needs {', '.join(earlier) or 'an earlier assignment'}'s {names} ({state} in your "
            f"copy). Not lost points: your instructor's grader uses the reference's version of what "
            f"{runtime.assignment.key} borrows; finish {', '.join(earlier) or 'it'} to see this check run here")
    elif all(o.status == "not implemented" for o in failing):
        status, message = "not implemented", f"not run yet: training needs {names} (not implemented yet)"
    else:
        status = "failed"
        message = (f"not run: training is graded once every gradient it uses passes its checks, and {names} "
                   f"{'fails' if len(failing) == 1 else 'fail'} (see {'its' if len(failing) == 1 else 'their'} "
                   "message). A training loop can seem to learn with a wrong gradient; fix it first")
    return Outcome(check.name, 0, check.points, status, message, check.visibility, getattr(check.unit, "label", None))


def apply_gates(check, outcome: Outcome, done: dict[str, Outcome], runtime) -> None:
    """A check that passed is paid only when its gates pass (Assignment.gates: the agreement of its unit's
    forward, and of the units it is built from); otherwise it says it is not graded until they pass, never
    a silent 0. Gates that did not run yet run now (and are reported at their own place, or not at all when
    ``checks`` leaves them out); hidden gates count where hidden checks run (the instructor's grader)."""
    if outcome.status != "passed":
        return
    unmet = []
    for gate in runtime.assignment.gates(check):
        if gate.visibility == "hidden" and runtime.public_only:
            continue
        if gate.name not in done:
            done[gate.name] = run_check(gate, runtime)
        result = done[gate.name]
        facts = runtime.facts.get(gate.name, {})
        if gate.kind != "agreement":
            met = result.passed
        elif check.kind == "gradcheck" and gate.visibility == "hidden" and gate.unit is check.unit:
            # finite differences of the student's own forward certify a derivation only where the hidden
            # agreement, exact enough to tell one from finite differences, did not find their accuracy
            met = facts.get("derived") is not False
        else:
            met = bool(result.forward_ok)
        if not met:
            unmet.append((gate, result))
    if not unmet:
        return
    names = ", ".join(gate.name for gate, _ in unmet)
    units = sorted({gate.unit.label for gate, _ in unmet})
    what = "forward" if all(gate.kind == "agreement" and r.forward_ok is not True for gate, r in unmet) \
        else "gradients" if all(gate.kind == "agreement" for gate, _ in unmet) else "forward and gradients"
    outcome.points = 0
    outcome.status = "not implemented" if all(r.status == "not implemented" for _, r in unmet) else "failed"
    outcome.message = (f"not graded until {names} {'passes' if len(unmet) == 1 else 'pass'}: this check passed, "
                       "but it compares your code with itself or with a property (zeros of the right shape, or "
                       "gradients by finite differences, pass it too), so it counts only once "
                       f"{' and '.join(units)}'s {what} {'agrees' if len(units) == 1 else 'agree'} with the kit's "
                       f"answers (see {'its' if len(unmet) == 1 else 'their'} message)")


def say_not_implemented_once(outcomes: list[Outcome]) -> None:
    """A stub's "not implemented yet" is said once, on the first check that met it; later checks that met the
    same stub point there (an empty submission gave 17 identical lines)."""
    first: dict[str, str] = {}
    for outcome in outcomes:
        if outcome.status != "not implemented":
            continue
        stub = re.search(r"(\S+) is not implemented yet( \([^)]*\))?", outcome.message)
        if not stub:
            continue
        if stub.group(1) in first:
            said = f"{stub.group(1)}: as {first[stub.group(1)]}"
            outcome.message = outcome.message.replace(stub.group(0), said) if outcome.message != stub.group(0) \
                else f"(as {first[stub.group(1)]})"
        else:
            first[stub.group(1)] = outcome.name


def say_top_level_hang_once(outcomes: list[Outcome]) -> None:
    """Top-level code that timed out when its module was imported is named once, by the check whose import ran
    it (with where it was stuck and how to keep it out of grading); every later check, whose import was refused
    at once, points there."""
    first = next((o for o in outcomes if o.status == "timeout" and "code at the top level of a module" in o.message
                  and not o.message.startswith("not run: importing")), None)
    for outcome in outcomes:
        if outcome.status == "timeout" and outcome.message.startswith("not run: importing your code runs"):
            place = outcome.message.removeprefix("not run: importing your code runs ").partition(" (the top-level")[0]
            outcome.message = (f"(as {first.name}: importing your code runs {place} again)" if first is not None
                               else outcome.message)


def _chain(err: BaseException):
    """err and the exceptions it was raised from or during (hypothesis re-raises what a test raised)."""
    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        yield err
        err = err.__cause__ or err.__context__


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
