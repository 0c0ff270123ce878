"""a3 and a5 (BatchNorm, the BatchNorm MLP, WaveNet's layers) against PyTorch's autograd and torch's own
BatchNorm, running statistics included (skipped where torch is not installed, failed there in CI)."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.checks import make_example, reference_layer
from grader.spec import buffers_of
from grader.strategies import seeds
from tests.extras import import_or_skip
from tests.units import all_units

A3_A5 = [u for u in all_units() if u.target.startswith(("a3_", "a5_"))]

torch = import_or_skip("torch")  # pip install torch==2.13.0 (CPU build); under CI (CI=true) a missing torch fails
F = torch.nn.functional


def batch_norm(x, gamma, beta, buffers, training):
    """torch's BatchNorm1d on (N, C) or, channels last, on (B, T, C); updates ``buffers`` in place."""
    channels_first = x.permute(0, 2, 1) if x.dim() == 3 else x
    out = F.batch_norm(channels_first, buffers["running_mean"], buffers["running_var"], gamma, beta,
                       training=training, momentum=0.1, eps=1e-5)
    return out.permute(0, 2, 1) if x.dim() == 3 else out


def wavenet(p, idx, buffers):
    x = p["0.weight"][idx]
    i = 1
    while f"{i + 1}.weight" in p and f"{i + 2}.gamma" in p:
        B, T, C = x.shape
        x = x.reshape(B, T // 2, 2 * C)
        if x.shape[1] == 1:
            x = x[:, 0]
        x = x @ p[f"{i + 1}.weight"]
        bn = {"running_mean": buffers[f"{i + 2}.running_mean"], "running_var": buffers[f"{i + 2}.running_var"]}
        x = torch.tanh(batch_norm(x, p[f"{i + 2}.gamma"], p[f"{i + 2}.beta"], bn, True))
        i += 4
    return x @ p[f"{i}.weight"] + p[f"{i}.bias"]


def mlp_bn(p, idx):
    x = p["C"][idx].reshape(len(idx), -1)
    i = 1
    while f"bngain{i}" in p:
        stats = {"running_mean": torch.zeros(p[f"bngain{i}"].shape, dtype=torch.float64),
                 "running_var": torch.ones(p[f"bngain{i}"].shape, dtype=torch.float64)}
        x = torch.tanh(batch_norm(x @ p[f"W{i}"], p[f"bngain{i}"], p[f"bnbias{i}"], stats, True))
        i += 1
    return x @ p[f"W{i}"] + p[f"b{i}"]


def torch_forward(unit, p, inputs, buffers):
    """The same computation written with torch, from the lectures (and torch's own BatchNorm)."""
    label = unit.label
    if label.startswith("BatchNorm1d"):
        return batch_norm(inputs[0], p["gamma"], p["beta"], buffers, unit.mode == "train")
    if label == "BatchNormMLP":
        return mlp_bn(p, inputs[0])
    if label == "WaveNet":
        model_buffers = {f"{i}.{k}": torch.zeros(p[f"{i}.gamma"].shape, dtype=torch.float64) if k == "running_mean"
                         else torch.ones(p[f"{i}.gamma"].shape, dtype=torch.float64)
                         for i in range(100) if f"{i}.gamma" in p for k in ("running_mean", "running_var")}
        return wavenet(p, inputs[0], model_buffers)
    if label == "Linear":  # a5's Linear over (..., fan_in), with or without a bias
        out = inputs[0] @ p["weight"]
        return out + p["bias"] if "bias" in p else out
    if label == "Tanh":
        return torch.tanh(inputs[0])
    raise KeyError(label)


@pytest.mark.parametrize("unit", A3_A5, ids=lambda u: f"{u.target}:{u.label}")
def test_reference_matches_torch_autograd(unit):
    @given(st.tuples(unit.dims, seeds()))
    def check(example):
        dims, seed = example
        params, inputs, dout = make_example(unit, dims, seed)
        expected = reference_layer(unit, dims, params, inputs, dout)
        p = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
        t_inputs = [torch.tensor(a, requires_grad=(i in unit.differentiable)) for i, a in enumerate(inputs)]
        buffers = {k: torch.tensor(v) for k, v in buffers_of(params).items()}
        if unit.label == "FlattenConsecutive":
            x = t_inputs[0]
            out = x.reshape(x.shape[0], -1, x.shape[2] * dims["n"])
            out = out[:, 0] if out.shape[1] == 1 else out
        else:
            out = torch_forward(unit, p, t_inputs, buffers)
        out.backward(torch.tensor(dout, dtype=torch.float64))
        np.testing.assert_allclose(expected["out"], out.detach().numpy(), rtol=1e-10, atol=1e-12)
        for name, value in buffers.items():  # running statistics after forward, against torch's
            np.testing.assert_allclose(expected[f"buffer:{name}"], value.numpy(), rtol=1e-10, atol=1e-12)
        for name in params:
            np.testing.assert_allclose(expected[f"grad:{name}"], p[name].grad.numpy(), rtol=1e-9, atol=1e-10)
        if unit.differentiable:
            i = unit.differentiable[0]
            np.testing.assert_allclose(expected["dx"], t_inputs[i].grad.numpy(), rtol=1e-9, atol=1e-12)

    check()
