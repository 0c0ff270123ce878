"""Known mistakes stored in the golden fixtures (grader/fixtures.py): a student's local grader, which has no
reference, still names the mistakes that need a correct backward to compute, and the grader a student gets
holds no code that computes a right answer.

"Student side" here is this process with every ``reference_available`` answering False, as in the bundle
(tests/test_release.py runs the bundle itself)."""
from __future__ import annotations

import sys

import numpy as np
import pytest

from grader import checks, fixtures
from grader.diagnose import close, compare_arrays
from grader.runner import grade_assignment
from grader.spec import Unit
from grader.specs import ASSIGNMENTS
from tests.corpus.bugs import BUGS, build_submission


@pytest.fixture
def student_side(monkeypatch):
    """Every module of the grader sees no reference, as a student's copy does."""
    original = checks.reference_available
    for name, module in list(sys.modules.items()):
        if name.startswith("grader") and getattr(module, "reference_available", None) is original:
            monkeypatch.setattr(module, "reference_available", lambda: False)
    assert not checks.reference_available()


def bug(name):
    return next(b for b in BUGS if b.name == name)


@pytest.mark.parametrize("name, check, says", [
    ("bptt_truncated_to_one_step", "rnn.fixture", "backpropagation truncated to one step"),
    ("rnn_cell_tanh_derivative_of_preactivation", "rnn_cell.fixture", "uses the pre-activation"),
    ("gru_direct_path_missing", "gru_cell.fixture", "misses the direct path"),
    ("attention_scale_missing_in_backward", "attention.fixture", "scaling is missing in backward"),
    ("adamw_without_bias_correction", "adamw.fixture", "bias correction is missing"),
])
def test_the_student_s_grader_names_a_hidden_mistake_from_the_fixtures(student_side, tmp_path, name, check, says):
    mistake = bug(name)
    assignment = ASSIGNMENTS[mistake.assignment]
    (outcome,) = grade_assignment(assignment, build_submission(mistake, tmp_path), checks=(check,)).outcomes
    assert outcome.status == "failed" and says in outcome.message, outcome.message


def test_without_the_stored_mistakes_the_student_s_grader_cannot_name_it(student_side, tmp_path, monkeypatch):
    """The diagnosis above comes from the fixtures: the spec a student has cannot compute it."""
    monkeypatch.setattr(fixtures.Fixtures, "mistakes", lambda self, key: {})
    mistake = bug("bptt_truncated_to_one_step")
    submission = build_submission(mistake, tmp_path)
    (outcome,) = grade_assignment(ASSIGNMENTS["a6"], submission, checks=("rnn.fixture",)).outcomes
    assert outcome.status == "failed" and "truncated" not in outcome.message, outcome.message


FIXTURE_LAYERS = [(a, label, unit) for a in ASSIGNMENTS.values() for label, unit in fixtures.fixture_units(a).items()
                  if unit.mistakes and isinstance(unit, Unit)]  # arrays; a ScriptUnit's stored mistakes: test_a8


@pytest.mark.parametrize("assignment, label, unit", FIXTURE_LAYERS,
                         ids=[f"{a.key}-{label}" for a, label, _ in FIXTURE_LAYERS])
def test_no_mistake_the_student_s_grader_computes_is_a_right_gradient(student_side, assignment, label, unit):
    """A mistakes function that returns the right gradient is code that computes the solution (a6's full BPTT
    with one flag changed gave every gradient that flag leaves alone): such code lives in reference/aN_mistakes.py,
    and the student's grader has its results only through the fixtures. (Gradients only: a forward mistake or a
    function's may coincide with the answer on one example, a1's smoothing forgotten where the smoothing is 0.)"""
    for dims, params, inputs, dout, expected in fixtures.Fixtures(assignment).layer_examples(label, unit):
        for key, pairs in unit.mistakes(dims, inputs, params, dout, dict(expected)).items():
            if key == "out" or key.startswith(("out:", "buffer:")):
                continue
            for description, wrong in pairs:
                if wrong is not None and np.shape(wrong) == np.shape(expected[key]):
                    right, wrong = (np.asarray(a, dtype=np.float64) for a in (expected[key], wrong))
                    assert not close(right, wrong), f"{label}'s mistake {description[:60]!r} computes the right {key}"


def test_stored_mistakes_differ_from_the_answers_and_come_with_their_descriptions():
    stored = fixtures.Fixtures(ASSIGNMENTS["a6"])
    (example,) = stored.layer_examples("GRUCell", fixtures.fixture_units(ASSIGNMENTS["a6"])["GRUCell"])
    answers = example[4]
    assert {"dh_prev", "dx", "grad:W_z"} <= set(answers.mistakes)
    for key, pairs in answers.mistakes.items():
        arrays = [wrong for _, wrong in pairs]
        assert all(not close(answers[key], wrong) for wrong in arrays), key
        assert all(not close(a, b) for i, a in enumerate(arrays) for b in arrays[i + 1:]), f"{key}: stored twice"
    assert any("misses the direct path" in text for text, _ in answers.mistakes["dh_prev"])


def test_a_stored_mistake_is_named_before_the_unit_s_own_and_the_generic_diagnosis():
    """The mechanism alone, on a2's Linear: a fixture example's stored mistake reaches the diagnosis of its key."""
    unit, dims = fixtures.fixture_units(ASSIGNMENTS["a2"])["Linear"], {"N": 3, "fan_in": 2, "fan_out": 4}
    params, inputs, dout = checks.make_example(unit, dims, 0)
    right = checks.reference_layer(unit, dims, params, inputs, dout)
    got = right["grad:bias"] / 3  # a2's own diagnosis of this: "the bias gradient is the sum ..."
    answers = fixtures.Answers(right, {"grad:bias": [("a planted mistake", got)]})

    def message(expected):
        context = checks.diagnosis_context(unit, dims, inputs, params, dout, expected, "grad:bias")
        return compare_arrays("dbias", right["grad:bias"], got, context)

    assert "a planted mistake" in message(answers)
    assert "a planted mistake" not in message(dict(right)) and "the bias gradient is the sum" in message(dict(right))


def test_stale_fixtures_include_a_changed_mistake(monkeypatch):
    """`makemore fixtures --check` (and tests/test_generate.py) see a known mistake reworded or recomputed."""
    assignment = ASSIGNMENTS["a2"]
    unit = fixtures.fixture_units(assignment)["Linear"]
    own = unit.mistakes

    def reworded(*args):
        return {key: [("reworded: " + text, wrong * 1.5) for text, wrong in pairs] for key, pairs in own(*args).items()}

    assert fixtures.stale(assignment) == []
    monkeypatch.setattr(unit, "mistakes", reworded)
    assert {"Linear|0|mistakes", "Linear|0|mistake:grad:bias|0"} <= set(fixtures.stale(assignment))
