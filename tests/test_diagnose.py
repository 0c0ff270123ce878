"""The diagnosis names the mistake: each common error shape gets its own message, and agreement gets none."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.diagnose import Context, check_array_type, compare_arrays
from grader.strategies import rng_for, seeds


@given(st.integers(2, 7), st.integers(2, 7), seeds())
def test_identical_arrays_pass_and_any_change_fails(rows, cols, seed):
    expected = rng_for(seed).standard_normal((rows, cols))
    assert compare_arrays("dW", expected, expected.copy()) is None
    wrong = expected.copy()
    wrong[0, 0] += 1e-3 + abs(wrong[0, 0]) * 1e-3
    assert "worst element at [0, 0]" in compare_arrays("dW", expected, wrong)


@pytest.mark.parametrize("mistake, expected_words", [
    (lambda e: e.T.copy(), "looks transposed: your (5, 3) vs expected (3, 5)"),
    (lambda e: e / 32, "1/32 of the expected value, 32 being the batch size"),
    (lambda e: e * 32, "32 times the expected value"),
    (lambda e: -e, "wrong sign"),
    (lambda e: np.zeros_like(e), "all zeros"),
    (lambda e: e * 0.37, "constant factor"),
    (lambda e: np.where(np.arange(5) == 2, np.nan, e), "NaN"),
    (lambda e: e[None], "extra or missing axis of size 1"),
    (lambda e: e.reshape(15), "reshape"),
    (lambda e: np.vstack([e[:1], e[1:] + 1]), "right on 5 of 15 entries"),
])
def test_each_mistake_shape_is_named(mistake, expected_words):
    expected = np.arange(1.0, 16.0).reshape(3, 5) / 7
    message = compare_arrays("dW", expected, mistake(expected), Context(batch_size=32))
    assert message is not None and expected_words in message, message


def test_square_transpose_and_known_mistakes_and_regions():
    e = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert "transpose" in compare_arrays("dW", e, e.T.copy())
    context = Context(known_mistakes=[("you forgot the tanh derivative", e + 1)])
    assert "forgot the tanh derivative" in compare_arrays("dx", e, e + 1, context)
    mask = np.array([[True, True], [False, False]])
    context = Context(regions=[(mask, "wrong only on repeated rows")])
    assert "repeated rows" in compare_arrays("dC", e, e + mask * 5.0, context)


def test_the_contract_comes_before_values():
    meta = {"kind": "array", "exact": True, "dtype": "float32", "shape": [2, 3]}
    assert "float32" in check_array_type("out", meta, (2, 3))
    assert "subclass" in check_array_type("out", dict(meta, dtype="float64", exact=False, type="matrix"), (2, 3))
    assert "returned None" in check_array_type("out", {"kind": "none"}, (2, 3))
    assert check_array_type("out", dict(meta, dtype="float64"), (2, 3)) is None


def test_a_units_known_mistakes_are_computed_only_when_a_diagnosis_asks():
    """They can cost whole forward and backward passes (a6's time loop, a7's Block) and most comparisons pass:
    computed for every key of every comparison they took a quarter of a6's grading time."""
    from types import SimpleNamespace

    from grader.checks import diagnosis_context

    calls = []
    wrong = np.full(3, 2.0)

    def mistakes(dims, inputs, params, dout, expected):
        calls.append(1)
        return {"out": [("doubled", wrong)]}

    unit = SimpleNamespace(mistakes=mistakes, regions=None, batch_size=lambda dims: 1)
    context = diagnosis_context(unit, {}, [], {}, None, {"out": np.ones(3)}, "out")
    assert compare_arrays("out", np.ones(3), np.ones(3), context) is None and calls == []
    assert "doubled" in compare_arrays("out", np.ones(3), wrong, context) and calls == [1]
