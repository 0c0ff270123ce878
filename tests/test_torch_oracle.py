"""The reference against an independent oracle: PyTorch's autograd (skipped where torch is not installed, failed there in CI)."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.checks import make_example, reference_layer
from grader.strategies import seeds
from tests.extras import import_or_skip
from tests.units import all_units

torch = import_or_skip("torch")  # pip install torch==2.13.0 (CPU build); CI: MAKEMORE_REQUIRE_EXTRAS=1
F = torch.nn.functional


def torch_forward(label, p, inputs):
    """The same computation written with torch, from the lecture."""
    if label == "SoftmaxCrossEntropy":
        return F.cross_entropy(inputs[0], inputs[1])
    if label == "BigramNet":
        return p["W"][inputs[0][:, 0]]
    if label == "Embedding":
        return p["weight"][inputs[0]]
    if label == "Linear":
        return inputs[0] @ p["weight"] + p["bias"]
    if label == "Tanh":
        return torch.tanh(inputs[0])
    if label == "MLP":
        emb = p["C"][inputs[0]]
        h = torch.tanh(emb.view(emb.shape[0], -1) @ p["W1"] + p["b1"])
        return h @ p["W2"] + p["b2"]
    raise KeyError(label)


@pytest.mark.parametrize("unit", all_units(), ids=lambda u: u.label)
def test_reference_matches_torch_autograd(unit):
    @given(st.tuples(unit.dims, seeds()))
    def check(example):
        dims, seed = example
        params, inputs, dout = make_example(unit, dims, seed)
        expected = reference_layer(unit, dims, params, inputs, dout)
        p = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
        t_inputs = [torch.tensor(a, requires_grad=(i in unit.differentiable)) for i, a in enumerate(inputs)]
        out = torch_forward(unit.label, p, t_inputs)
        out.backward(torch.tensor(dout, dtype=torch.float64))
        np.testing.assert_allclose(expected["out"], out.detach().numpy(), rtol=1e-10, atol=1e-12)
        for name in params:
            np.testing.assert_allclose(expected[f"grad:{name}"], p[name].grad.numpy(), rtol=1e-9, atol=1e-12)
        if unit.differentiable:
            i = unit.differentiable[0]
            np.testing.assert_allclose(expected["dx"], t_inputs[i].grad.numpy(), rtol=1e-9, atol=1e-12)

    check()
