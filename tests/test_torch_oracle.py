"""The reference against an independent oracle: PyTorch's autograd, and torch's own BatchNorm for the running
statistics (skipped where torch is not installed, failed there in CI). One table: every unit of every assignment."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.checks import make_example, reference_layer
from grader.spec import buffers_of
from grader.strategies import seeds
from tests.extras import import_or_skip
from tests.units import all_units

torch = import_or_skip("torch")  # pip install torch==2.13.0 (CPU build); under CI (CI=true) a missing torch fails
F = torch.nn.functional


def torch_forward(label, p, inputs, dims=None):
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
    if label == "BackpropNinjaMLP":  # a4: BatchNorm with the batch's statistics and the lecture's unbiased variance
        emb = p["C"][inputs[0]]
        hprebn = emb.view(emb.shape[0], -1) @ p["W1"] + p["b1"]
        bnraw = (hprebn - hprebn.mean(0, keepdim=True)) * (hprebn.var(0, keepdim=True, unbiased=True) + 1e-5) ** -0.5
        return torch.tanh(p["bngain"] * bnraw + p["bnbias"]) @ p["W2"] + p["b2"]
    if label == "SequenceCrossEntropy":  # makemore.py's loss
        logits, targets = inputs
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1), ignore_index=-1)
    if label in ("RNNCell", "GRUCell", "LSTMCell"):
        return torch_cell(label, p, *inputs)
    if label.startswith("RNN"):
        kind = {"RNN": "RNNCell", "RNN[gru]": "GRUCell", "RNN[lstm]": "LSTMCell"}[label]
        cell = {k[5:]: v for k, v in p.items() if k.startswith("cell.")}
        idx = inputs[0]
        emb = p["wte"][idx]
        h = p["start"].expand(idx.shape[0], -1)
        c = p["start_c"].expand(idx.shape[0], -1) if kind == "LSTMCell" else None
        hs = []
        for t in range(idx.shape[1]):
            if c is None:
                h = torch_cell(kind, cell, emb[:, t], h)
            else:
                h, c = torch_cell(kind, cell, emb[:, t], h, c)
            hs.append(h)
        return torch.stack(hs, 1) @ p["lm_head_W"] + p["lm_head_b"]
    if label.startswith("a7."):  # a7's labels repeat earlier ones (its MLP block is not a2's MLP)
        return A7_LAYERS[label.removeprefix("a7.")](p, inputs[0], dims)
    raise KeyError(label)


def torch_cell(label, p, x, h, c=None):
    """makemore.py's RNN and GRU cells in torch; the LSTM is torch.nn.LSTMCell itself, with the kit's fused
    (D + H, 4H) weight mapped onto its weight_ih (4H, D) and weight_hh (4H, H)."""
    xh = torch.cat([x, h], dim=1)
    if label == "RNNCell":
        return torch.tanh(xh @ p["W"] + p["b"])
    if label == "GRUCell":
        r = torch.sigmoid(xh @ p["W_r"] + p["b_r"])
        hbar = torch.tanh(torch.cat([x, r * h], dim=1) @ p["W_hbar"] + p["b_hbar"])
        z = torch.sigmoid(xh @ p["W_z"] + p["b_z"])
        return (1 - z) * h + z * hbar
    D, H = x.shape[1], h.shape[1]
    lstm = torch.nn.LSTMCell(D, H).double()
    weights = {"weight_ih": p["W"][:D].T, "weight_hh": p["W"][D:].T, "bias_ih": p["b"],
               "bias_hh": torch.zeros(4 * H, dtype=torch.float64)}
    return torch.func.functional_call(lstm, weights, (x, (h, c)))


# -- a7: makemore.py's Transformer, written with torch as makemore.py writes it ---------------------------

def torch_layernorm(p, x, prefix=""):
    return F.layer_norm(x, (x.shape[-1],), p[prefix + "weight"], p[prefix + "bias"], eps=1e-5)


def torch_gelu(x):
    """makemore.py's NewGELU."""
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def torch_attention(p, x, n_head, prefix=""):
    """makemore.py's CausalSelfAttention.forward (weights stored (fan_in, fan_out), hence no .T)."""
    B, T, C = x.shape
    q, k, v = (x @ p[prefix + "c_attn.weight"] + p[prefix + "c_attn.bias"]).split(C, dim=2)
    k = k.view(B, T, n_head, C // n_head).transpose(1, 2)
    q = q.view(B, T, n_head, C // n_head).transpose(1, 2)
    v = v.view(B, T, n_head, C // n_head).transpose(1, 2)
    att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
    att = att.masked_fill(torch.tril(torch.ones(T, T)) == 0, float("-inf"))
    y = (F.softmax(att, dim=-1) @ v).transpose(1, 2).contiguous().view(B, T, C)
    return y @ p[prefix + "c_proj.weight"] + p[prefix + "c_proj.bias"]


def torch_mlp(p, x, prefix=""):
    h = torch_gelu(x @ p[prefix + "c_fc.weight"] + p[prefix + "c_fc.bias"])
    return h @ p[prefix + "c_proj.weight"] + p[prefix + "c_proj.bias"]


def torch_block(p, x, n_head, prefix=""):
    x = x + torch_attention(p, torch_layernorm(p, x, prefix + "ln_1."), n_head, prefix + "attn.")
    return x + torch_mlp(p, torch_layernorm(p, x, prefix + "ln_2."), prefix + "mlp.")


def torch_transformer(p, idx, dims):
    T = idx.shape[1]
    x = p["wte.weight"][idx] + p["wpe.weight"][:T]
    for i in range(dims["n_layer"]):
        x = torch_block(p, x, dims["nh"], f"h.{i}.")
    return torch_layernorm(p, x, "ln_f.") @ p["lm_head.weight"]


A7_LAYERS = {
    "LayerNorm": lambda p, x, d: torch_layernorm(p, x),
    "GELU": lambda p, x, d: torch_gelu(x),
    "CausalSelfAttention": lambda p, x, d: torch_attention(p, x, d["nh"]),
    "MLP": lambda p, x, d: torch_mlp(p, x),
    "Block": lambda p, x, d: torch_block(p, x, d["nh"]),
    "Transformer": torch_transformer,
}


# -- a3 and a5: BatchNorm (torch's own, running statistics included), the BatchNorm MLP, WaveNet -----------

def batch_norm(x, gamma, beta, buffers, training):
    """torch's BatchNorm1d on (N, C) or, channels last, on (B, T, C); updates ``buffers`` in place."""
    channels_first = x.permute(0, 2, 1) if x.dim() == 3 else x
    out = F.batch_norm(channels_first, buffers["running_mean"], buffers["running_var"], gamma, beta,
                       training=training, momentum=0.1, eps=1e-5)
    return out.permute(0, 2, 1) if x.dim() == 3 else out


def wavenet(p, idx, buffers, training=True):
    """The lecture's WaveNet in torch; ``buffers`` holds the model's running statistics ("{i}.running_mean"),
    updated in place in training mode and used in eval mode."""
    x = p["0.weight"][idx]
    i = 1
    while f"{i + 1}.weight" in p and f"{i + 2}.gamma" in p:
        B, T, C = x.shape
        x = x.reshape(B, T // 2, 2 * C)
        if x.shape[1] == 1:
            x = x[:, 0]
        x = x @ p[f"{i + 1}.weight"]
        bn = {"running_mean": buffers[f"{i + 2}.running_mean"], "running_var": buffers[f"{i + 2}.running_var"]}
        x = torch.tanh(batch_norm(x, p[f"{i + 2}.gamma"], p[f"{i + 2}.beta"], bn, training))
        i += 4
    return x @ p[f"{i}.weight"] + p[f"{i}.bias"]


def mlp_bn(p, idx, buffers, training=True):
    """The lecture's BatchNorm MLP in torch; ``buffers`` holds its running statistics ("bnmean_running1",
    "bnvar_running1", ...), updated in place in training mode and used in eval mode."""
    x = p["C"][idx].reshape(len(idx), -1)
    i = 1
    while f"bngain{i}" in p:
        stats = {"running_mean": buffers[f"bnmean_running{i}"], "running_var": buffers[f"bnvar_running{i}"]}
        x = torch.tanh(batch_norm(x @ p[f"W{i}"], p[f"bngain{i}"], p[f"bnbias{i}"], stats, training))
        i += 1
    return x @ p[f"W{i}"] + p[f"b{i}"]


def torch_forward_batchnorm(label, p, inputs, dims, buffers, training):
    """a3 and a5 written with torch, from the lectures (and torch's own BatchNorm, which updates ``buffers``)."""
    if label.startswith("BatchNorm1d"):
        return batch_norm(inputs[0], p["gamma"], p["beta"], buffers, training)
    if label == "FlattenConsecutive":
        x = inputs[0]
        out = x.reshape(x.shape[0], -1, x.shape[2] * dims["n"])
        return out[:, 0] if out.shape[1] == 1 else out
    if label.startswith("BatchNormMLP"):  # training mode, and "BatchNormMLP (eval mode)"
        return mlp_bn(p, inputs[0], buffers, training)
    if label.startswith("WaveNet"):
        return wavenet(p, inputs[0], buffers, training)
    if label == "Linear":  # a5's Linear over (..., fan_in), with or without a bias
        out = inputs[0] @ p["weight"]
        return out + p["bias"] if "bias" in p else out
    if label == "Tanh":
        return torch.tanh(inputs[0])
    raise KeyError(label)



A3_A5 = ("a3_", "a5_")


@pytest.mark.parametrize("unit", all_units(), ids=lambda u: f"{u.target}:{u.label}")
def test_reference_matches_torch_autograd(unit):
    @given(st.tuples(unit.dims, seeds()))
    def check(example):
        dims, seed = example
        params, inputs, dout = make_example(unit, dims, seed)
        expected = reference_layer(unit, dims, params, inputs, dout)
        p = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
        t_inputs = [torch.tensor(a, requires_grad=(i in unit.differentiable)) for i, a in enumerate(inputs)]
        buffers = {k: torch.tensor(v) for k, v in buffers_of(params).items()}
        if unit.target.startswith(A3_A5):
            out = torch_forward_batchnorm(unit.label, p, t_inputs, dims, buffers, unit.mode == "train")
        else:
            label = f"a7.{unit.label}" if unit.target.startswith("a7_") else unit.label
            out = torch_forward(label, p, t_inputs, dims)
        outs, douts = (out, dout) if unit.out_names else ((out,), (dout,))
        torch.autograd.backward(outs, [torch.tensor(d, dtype=torch.float64) for d in douts])
        for key, o in zip(unit.output_keys(), outs):
            np.testing.assert_allclose(expected[key], o.detach().numpy(), rtol=1e-10, atol=1e-12)
        for name, value in buffers.items():  # running statistics after forward, against torch's
            np.testing.assert_allclose(expected[f"buffer:{name}"], value.numpy(), rtol=1e-10, atol=1e-12)
        for name in params:
            np.testing.assert_allclose(expected[f"grad:{name}"], p[name].grad.numpy(), rtol=1e-9, atol=1e-12)
        for key, i in zip(unit.input_grad_keys(), unit.differentiable):
            np.testing.assert_allclose(expected[key], t_inputs[i].grad.numpy(), rtol=1e-9, atol=1e-12)

    check()
