"""The grader on right code written another way, on the same code twice, and on the untouched stubs.

- tests/corpus/alternatives/ is a correct submission in another style (loops, einsum, one-hot products,
  log-softmax caching the logits, a Tanh caching its input, params as a property; for a6 split weight blocks,
  gates from pre-activations, boolean-indexed masking): full marks. tests/corpus/alternatives_stack/ is a
  second a6 (one cell object reused over time with a stack of caches, DLFS2-style loss): full marks too.
- Grading is deterministic: the same submission twice gives the same statuses, points and messages.
- The stubs in assignments/ score 0 with status "not implemented" on every check, without crashing.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from grader.runner import grade_assignment
from grader.specs import ASSIGNMENTS
from tests.corpus.bugs import BUGS, apply, build_submission
from tests.submission import PACKAGES, REFERENCE, copy_submission

ALTERNATIVES = Path(__file__).parent / "corpus" / "alternatives"
SECOND_A6 = Path(__file__).parent / "corpus" / "alternatives_stack"  # a6 again, one cell with a stack of caches
SECOND_ALTERNATIVES = Path(__file__).parent / "corpus" / "alternatives_b"  # a3 and a5 in a third style


def copy_packages(source: Path, dest: Path) -> Path:
    """The packages of ``source`` as a student would hand them in (outside the kit's tests folder)."""
    return copy_submission(dest, source=source)


def summary(result) -> list[tuple]:
    return [(o.name, o.status, o.points, o.max_points, o.message) for o in result.outcomes]


@pytest.mark.parametrize("key, source", [("a1", ALTERNATIVES), ("a2", ALTERNATIVES), ("a3", ALTERNATIVES),
                                         ("a5", ALTERNATIVES), ("a6", ALTERNATIVES), ("a6", SECOND_A6),
                                         ("a7", ALTERNATIVES)],
                         ids=["a1", "a2", "a3", "a5", "a6", "a6-stack", "a7"])
def test_a_correct_submission_in_another_style_gets_full_marks(key, source, tmp_path):
    if source is SECOND_A6:  # only a6_rnn differs; the other packages are the first alternative's
        copy_packages(ALTERNATIVES, tmp_path)
        shutil.rmtree(tmp_path / "a6_rnn")
        shutil.copytree(SECOND_A6 / "a6_rnn", tmp_path / "a6_rnn", ignore=shutil.ignore_patterns("__pycache__"))
        submission = tmp_path
    else:
        submission = copy_packages(source, tmp_path)
    result = grade_assignment(ASSIGNMENTS[key], submission)
    assert result.mode == "full"  # the hidden checks ran too
    lost = [f"{o.name} [{o.status}] {o.message}" for o in result.outcomes if o.status != "passed"]
    assert not lost, "a correct alternative lost points:\n" + "\n".join(lost)
    assert result.score == result.max_score == ASSIGNMENTS[key].max_points


def test_attention_written_with_einsum_gets_full_marks(tmp_path):
    """a7's second alternative: the reference with its attention replaced by an all-einsum one (the first
    alternative, in alternatives/a7_transformer, loops over the heads)."""
    submission = build_submission(None, tmp_path)
    shutil.copy(ALTERNATIVES / "a7_attention_einsum.py", submission / "a7_transformer" / "attention.py")
    result = grade_assignment(ASSIGNMENTS["a7"], submission)
    lost = [f"{o.name} [{o.status}] {o.message}" for o in result.outcomes if o.status != "passed"]
    assert not lost, "a correct attention written with einsum lost points:\n" + "\n".join(lost)
    assert result.score == result.max_score == 100


@pytest.mark.parametrize("key", ["a3", "a5"])
def test_a_second_correct_style_gets_full_marks(key, tmp_path):
    """alternatives_b holds a3 and a5 only: the reference's a1 and a2 complete the submission."""
    submission = build_submission(None, tmp_path)
    for package in ("a3_batchnorm", "a5_wavenet"):
        shutil.rmtree(submission / package)
        shutil.copytree(SECOND_ALTERNATIVES / package, submission / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    result = grade_assignment(ASSIGNMENTS[key], submission)
    lost = [f"{o.name} [{o.status}] {o.message}" for o in result.outcomes if o.status != "passed"]
    assert not lost, "a correct alternative lost points:\n" + "\n".join(lost)
    assert result.score == result.max_score == 100


def test_the_alternative_really_is_written_differently():
    """Guard against the alternative drifting back into a copy of the reference."""
    for package in PACKAGES:
        for path in (ALTERNATIVES / package).glob("*.py"):
            reference = (REFERENCE / package / path.name).read_text()
            if "### BEGIN SOLUTION" in reference:  # given files (no solution to write) are copied as they are
                assert path.read_text() != reference, path
    for path in SECOND_ALTERNATIVES.glob("*/*.py"):
        if path.name not in ("__init__.py", "wavenet.py"):
            assert path.read_text() != (ALTERNATIVES / path.relative_to(SECOND_ALTERNATIVES)).read_text(), path
    text = "".join(p.read_text() for p in ALTERNATIVES.glob("*/*.py"))
    for style in ("np.einsum", "np.add.at", "@property", "onehot.T @ dlogits", "for n in range",
                  "for h in range(self.n_head)"):
        assert style in text, style
    stack = "".join(p.read_text() for p in SECOND_A6.glob("*/*.py"))
    assert "self.stack.pop()" in stack and "cell_for_step()" not in stack


@pytest.mark.parametrize("key, bug_names", [
    ("a1", ("cross_entropy_ignores_dloss", "bigram_probs_no_keepdims")),
    ("a2", ("linear_bias_grad_mean", "tanh_sign_flipped")),
])
def test_grading_the_same_submission_twice_gives_the_same_outcomes(key, bug_names, tmp_path):
    submission = build_submission(None, tmp_path)
    for bug in (b for b in BUGS if b.name in bug_names):
        apply(bug, submission)
    first = grade_assignment(ASSIGNMENTS[key], submission)
    second = grade_assignment(ASSIGNMENTS[key], submission)
    assert 0 < first.score < first.max_score  # a mix of passed and failed checks, with messages
    assert summary(first) == summary(second)


@pytest.mark.parametrize("bug_name", ["bn_unbiased_variance", "flatten_strided", "bptt_truncated_to_one_step",
                                      "attention_scale_missing_in_backward"])
def test_grading_a_later_assignment_twice_gives_the_same_outcomes(bug_name, tmp_path):
    """a3-a7 the same way, on the bug's own unit (every check of it: hypothesis examples, fixtures, the
    reference with injected parameters), which keeps the cost of grading twice down."""
    bug = next(b for b in BUGS if b.name == bug_name)
    assignment = ASSIGNMENTS[bug.assignment]
    unit = next(c.unit for c in assignment.checks if c.name == bug.failing_check)
    submission = build_submission(bug, tmp_path)
    only_its_unit = lambda check: check.unit is unit
    first = grade_assignment(assignment, submission, checks=only_its_unit)
    second = grade_assignment(assignment, submission, checks=only_its_unit)
    # a wrong forward leaves the unit's other checks ungraded (Assignment.gates), with their own message
    assert any(o.status == "failed" for o in first.outcomes) and any(
        o.status == "passed" or o.message.startswith("not graded until") for o in first.outcomes)
    assert summary(first) == summary(second)


@pytest.mark.parametrize("key", ["a0", "a1", "a2", "a3", "a5", "a6", "a7"])
def test_the_stubs_score_zero_as_not_implemented(key, tmp_path):
    result = grade_assignment(ASSIGNMENTS[key], copy_packages(REFERENCE.parent / "assignments", tmp_path))
    assert len(result.outcomes) == len(ASSIGNMENTS[key].checks)
    seen = []
    for o in result.outcomes:
        assert (o.status, o.points) == ("not implemented", 0), f"{o.name}: {o.status} {o.message}"
        assert "not implemented" in o.message or o.message.removeprefix("(as ").removesuffix(")") in seen, o.message
        seen.append(o.name)
    # each stub is said once: an empty submission gave 17 identical lines
    stubs = re.findall(r"(\S+) is not implemented yet", "\n".join(o.message for o in result.outcomes))
    assert stubs and len(stubs) == len(set(stubs)), stubs
    assert result.score == 0 and result.max_score == ASSIGNMENTS[key].max_points
