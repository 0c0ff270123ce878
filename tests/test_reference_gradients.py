"""Every reference gradient agrees with central finite differences in float64, on hypothesis-chosen sizes."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.checks import FD_ATOL, FD_RTOL, central_differences, make_example, perturbation_targets, reference_layer
from grader.diagnose import compare_arrays
from grader.strategies import seeds
from tests.units import all_units, reference_outputs_under_perturbations

UNITS = all_units()


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: f"{u.target.partition('.')[0]}:{u.label}")
def test_reference_backward_matches_finite_differences(unit):
    @given(st.tuples(unit.grad_dims, seeds()))
    def check(example):
        dims, seed = example
        params, inputs, dout = make_example(unit, dims, seed)
        analytic = reference_layer(unit, dims, params, inputs, dout)
        outs = reference_outputs_under_perturbations(unit, dims, params, inputs)
        numeric = central_differences(perturbation_targets(unit, params, inputs), outs, dout)
        assert set(numeric) <= set(analytic)
        for key, expected in numeric.items():
            got = analytic[key]
            assert type(got) is np.ndarray and got.dtype == np.float64, key
            problem = compare_arrays(key, expected, got, rtol=FD_RTOL, atol=FD_ATOL)
            assert problem is None, f"{unit.label} {dims}: {problem}"

    check()


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: f"{u.target.partition('.')[0]}:{u.label}")
def test_reference_outputs_have_the_documented_shapes(unit):
    @given(st.tuples(unit.dims, seeds()))
    def check(example):
        dims, seed = example
        params, inputs, dout = make_example(unit, dims, seed)
        before = [a.copy() for a in inputs]
        result = reference_layer(unit, dims, params, inputs, dout)
        assert result["out"].shape == (() if unit.scalar_output else unit.out_shape(dims))
        for name, value in params.items():
            assert result[f"grad:{name}"].shape == value.shape
        if unit.differentiable:
            assert result["dx"].shape == inputs[unit.differentiable[0]].shape
        assert all(np.array_equal(a, b) for a, b in zip(inputs, before))

    check()


def test_finite_differences_catch_a_wrong_gradient():
    """The check above can fail: a reference Linear with a halved bias gradient must be caught."""
    from reference.a2_mlp.linear import Linear

    unit = next(u for u in UNITS if u.label == "Linear")
    dims = {"N": 3, "fan_in": 4, "fan_out": 5}
    params, inputs, dout = make_example(unit, dims, 0)
    analytic = reference_layer(unit, dims, params, inputs, dout)
    outs = reference_outputs_under_perturbations(unit, dims, params, inputs)
    numeric = central_differences(perturbation_targets(unit, params, inputs), outs, dout)
    message = compare_arrays("db", numeric["grad:bias"], analytic["grad:bias"] / 2)
    assert message is not None and "constant factor" in message
    assert Linear  # imported from the reference, the code under test


def test_cross_entropy_is_stable_for_huge_logits():
    from reference.a1_bigram.cross_entropy import SoftmaxCrossEntropy

    ce = SoftmaxCrossEntropy()
    logits = np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 1e4]])
    loss = ce.forward(logits, np.array([0, 1]))
    dlogits = ce.backward()
    assert np.isfinite(loss) and np.all(np.isfinite(dlogits))
    assert loss == pytest.approx(np.log(2) / 2)
    np.testing.assert_allclose(dlogits.sum(axis=1), 0.0, atol=1e-12)
