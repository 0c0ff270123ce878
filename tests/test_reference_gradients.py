"""Every reference gradient agrees with central finite differences in float64, on hypothesis-chosen sizes."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.checks import (FD_ATOL, FD_RTOL, central_differences, make_example, perturbation_targets, perturbations,
                           reference_layer, reference_object)
from grader.diagnose import compare_arrays
from grader.sandbox.perturb import outputs_under_perturbations
from grader.strategies import seeds
from tests.units import all_units

UNITS = all_units()
# Whole-model finite differences cost one forward per parameter entry (a7's Block ~500, Transformer ~1100):
# a few examples of those, the profile's number of every other unit.
FD_EXAMPLES = {"Block": 3, "Transformer": 2}


def finite_difference_problems(unit, dims: dict, seed: int) -> list[str]:
    """Every gradient of the reference's ``unit`` against central differences of its forward: the problems."""
    params, inputs, dout = make_example(unit, dims, seed)
    analytic = reference_layer(unit, dims, params, inputs, dout)
    targets = perturbation_targets(unit, params, inputs)
    obj = reference_object(unit, dims, params)  # the grader's own loop, the one the student's process runs
    outs = outputs_under_perturbations(obj.forward, obj.params, [a.copy() for a in inputs], perturbations(targets))
    numeric = central_differences(targets, outs, dout, unit)
    assert set(numeric) <= set(analytic)
    problems = []
    for key, expected in numeric.items():
        got = analytic[key]
        assert type(got) is np.ndarray and got.dtype == np.float64, key
        problem = compare_arrays(key, expected, got, rtol=FD_RTOL, atol=FD_ATOL)
        if problem:
            problems.append(f"{unit.label} {dims}: {problem}")
    return problems


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: f"{u.target.partition('.')[0]}:{u.label}")
def test_reference_backward_matches_finite_differences(unit):
    @settings(max_examples=FD_EXAMPLES.get(unit.label, settings().max_examples))
    @given(st.tuples(unit.grad_dims, seeds()))
    def check(example):
        assert finite_difference_problems(unit, *example) == []

    check()


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: f"{u.target.partition('.')[0]}:{u.label}")
def test_reference_outputs_have_the_documented_shapes(unit):
    @given(st.tuples(unit.dims, seeds()))
    def check(example):
        dims, seed = example
        params, inputs, dout = make_example(unit, dims, seed)
        before = [a.copy() for a in inputs]
        result = reference_layer(unit, dims, params, inputs, dout)
        shapes = [()] if unit.scalar_output else unit.output_shapes(dims)
        assert [result[key].shape for key in unit.output_keys()] == [tuple(s) for s in shapes]
        for name, value in params.items():
            assert result[f"grad:{name}"].shape == value.shape
        for key, i in zip(unit.input_grad_keys(), unit.differentiable):
            assert result[key].shape == inputs[i].shape
        assert all(np.array_equal(a, b) for a, b in zip(inputs, before))

    check()


def test_finite_differences_catch_a_wrong_gradient(monkeypatch):
    """The check above can fail: the same check on a reference Linear whose backward halves the bias gradient
    reports exactly that gradient."""
    from reference.a2_mlp.linear import Linear

    unit = next(u for u in UNITS if u.label == "Linear")
    dims = {"N": 3, "fan_in": 4, "fan_out": 5}
    assert finite_difference_problems(unit, dims, 0) == []
    right_backward = Linear.backward

    def halved_bias_gradient(self, dout):
        dx = right_backward(self, dout)
        self.grads["bias"] = self.grads["bias"] / 2
        return dx

    monkeypatch.setattr(Linear, "backward", halved_bias_gradient)
    (problem,) = finite_difference_problems(unit, dims, 0)
    assert "grad:bias is wrong: it is off by a constant factor: yours ≈ 0.5 × expected" in problem


def test_cross_entropy_is_stable_for_huge_logits():
    from reference.a1_bigram.cross_entropy import SoftmaxCrossEntropy

    ce = SoftmaxCrossEntropy()
    logits = np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 1e4]])
    loss = ce.forward(logits, np.array([0, 1]))
    dlogits = ce.backward()
    assert np.isfinite(loss) and np.all(np.isfinite(dlogits))
    assert loss == pytest.approx(np.log(2) / 2)
    np.testing.assert_allclose(dlogits.sum(axis=1), 0.0, atol=1e-12)
