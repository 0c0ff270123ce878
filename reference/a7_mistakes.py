"""a7's known mistakes that need a correct backward to compute (hidden: used by the instructor's grader only).

Each function runs a layer the way a student with one misconception would, in float64, on the check's own
inputs; a student's array that matches one is told which mistake it is. Written with explicit flags, one per
misconception. Lives in reference/ (never generated into assignments/, never in the student bundle) because
with every flag at its default it is the solution; grader/specs/a7.py loads it only where the reference is.
"""
from __future__ import annotations

import math

import numpy as np

GELU_SCALE, GELU_CUBIC = math.sqrt(2.0 / math.pi), 0.044715


def layernorm(x, w, b, axes=(-1,), ddof=0, eps=1e-5):
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True, ddof=ddof) if x.size > 1 else np.zeros_like(mean)
    return (x - mean) / np.sqrt(var + eps) * w + b


def layernorm_backward(x, w, dout, eps=1e-5):
    mean = x.mean(-1, keepdims=True)
    rstd = 1 / np.sqrt(x.var(-1, keepdims=True) + eps)
    xhat = (x - mean) * rstd
    dxhat = dout * w
    dx = rstd * (dxhat - dxhat.mean(-1, keepdims=True) - xhat * (dxhat * xhat).mean(-1, keepdims=True))
    lead = tuple(range(x.ndim - 1))
    return dx, {"weight": (dout * xhat).sum(lead), "bias": dout.sum(lead)}


def gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(GELU_SCALE * (x + GELU_CUBIC * x**3)))


def gelu_tanh_grad(x):
    th = np.tanh(GELU_SCALE * (x + GELU_CUBIC * x**3))
    return 0.5 * (1 + th) + 0.5 * x * (1 - th**2) * GELU_SCALE * (1 + 3 * GELU_CUBIC * x**2)


def attention(x, p, nh, dout, mask="before", scale_forward=True, scale_backward=True, merge_transposed=True,
              softmax_rowsum=True, prefix=""):
    """Forward and backward of causal self-attention under the given misconceptions.

    mask: "before" (right), "after" (zero the probabilities after softmax, no renormalisation) or "none".
    Returns (out, dx, grads) with grads keyed like the layer's params (with ``prefix``)."""
    B, T, C = x.shape
    hs = C // nh
    Wa, ba, Wp, bp = (p[prefix + k] for k in ("c_attn.weight", "c_attn.bias", "c_proj.weight", "c_proj.bias"))
    q, k, v = (x @ Wa + ba).reshape(B, T, 3, nh, hs).transpose(2, 0, 3, 1, 4)
    scale = 1 / math.sqrt(hs)
    scores = q @ k.swapaxes(-1, -2) * (scale if scale_forward else 1.0)
    future = np.triu(np.ones((T, T), dtype=bool), k=1)
    if mask == "before":
        scores = np.where(future, -np.inf, scores)
    att = np.exp(scores - scores.max(-1, keepdims=True))
    att /= att.sum(-1, keepdims=True)
    if mask == "after":
        att = np.where(future, 0.0, att)
    yh = att @ v
    y = yh.transpose(0, 2, 1, 3).reshape(B, T, C) if merge_transposed else yh.reshape(B, T, C)
    out = y @ Wp + bp
    grads = {"c_proj.weight": y.reshape(-1, C).T @ dout.reshape(-1, C), "c_proj.bias": dout.sum((0, 1))}
    dyc = dout @ Wp.T
    dy = dyc.reshape(B, T, nh, hs).transpose(0, 2, 1, 3) if merge_transposed else dyc.reshape(B, nh, T, hs)
    datt = dy @ v.swapaxes(-1, -2)
    dv = att.swapaxes(-1, -2) @ dy
    if mask == "after":
        datt = np.where(future, 0.0, datt)
        att_soft = np.exp(scores - scores.max(-1, keepdims=True))
        att_soft /= att_soft.sum(-1, keepdims=True)
    else:
        att_soft = att
    dscores = att_soft * (datt - ((datt * att_soft).sum(-1, keepdims=True) if softmax_rowsum else 0.0))
    if scale_forward and scale_backward:
        dscores = dscores * scale
    dq, dk = dscores @ k, dscores.swapaxes(-1, -2) @ q
    dqkv = np.stack((dq, dk, dv)).transpose(1, 3, 0, 2, 4).reshape(B, T, 3 * C)
    grads.update({"c_attn.weight": x.reshape(-1, C).T @ dqkv.reshape(-1, 3 * C), "c_attn.bias": dqkv.sum((0, 1))})
    return out, dqkv @ Wa.T, {prefix + k: g for k, g in grads.items()}


def mlp(x, p, dout, prefix=""):
    Wf, bf, Wp, bp = (p[prefix + k] for k in ("c_fc.weight", "c_fc.bias", "c_proj.weight", "c_proj.bias"))
    h = x @ Wf + bf
    a = gelu_tanh(h)
    dh = (dout @ Wp.T) * gelu_tanh_grad(h)
    C, H = x.shape[-1], h.shape[-1]
    grads = {"c_fc.weight": x.reshape(-1, C).T @ dh.reshape(-1, H), "c_fc.bias": dh.sum((0, 1)),
             "c_proj.weight": a.reshape(-1, H).T @ dout.reshape(-1, C), "c_proj.bias": dout.sum((0, 1))}
    return a @ Wp + bp, dh @ Wf.T, {prefix + k: g for k, g in grads.items()}


def block_dx(x, p, nh, dout, skip_attn=True, skip_mlp=True):
    """The Block's dx when the skip path's gradient is kept (True) or dropped (False) at each residual sum."""
    h1 = layernorm(x, p["ln_1.weight"], p["ln_1.bias"])
    a, _, _ = attention(h1, p, nh, np.zeros_like(x), prefix="attn.")
    x1 = x + a
    h2 = layernorm(x1, p["ln_2.weight"], p["ln_2.bias"])
    _, dh2, _ = mlp(h2, p, dout, prefix="mlp.")
    dx1 = layernorm_backward(x1, p["ln_2.weight"], dh2)[0] + (dout if skip_mlp else 0.0)
    _, dh1, _ = attention(h1, p, nh, dx1, prefix="attn.")
    return layernorm_backward(x, p["ln_1.weight"], dh1)[0] + (dx1 if skip_attn else 0.0)


def adamw(weight, bias, dweights, dbiases, lr, weight_decay, betas=(0.9, 0.99), eps=1e-8,
          bias_correction=True, decoupled=True, decay_times_lr=True, eps_inside=False, state_by_shape=False):
    """The trajectory adamw_steps returns, (K, R*C + C), under the given misconceptions. state_by_shape: m and v
    kept per shape, so adamw_steps' twin parameters (same shapes, stepped after weight and bias) share them."""
    if state_by_shape:
        return adamw_state_by_shape(weight, bias, dweights, dbiases, lr, weight_decay, betas, eps)
    p = np.concatenate([np.ravel(weight), np.ravel(bias)]).astype(np.float64)
    m, v, rows = np.zeros_like(p), np.zeros_like(p), []
    for t, (dw, db) in enumerate(zip(dweights, dbiases), start=1):
        g = np.concatenate([np.ravel(dw), np.ravel(db)])
        if decoupled:
            p = p - (lr * weight_decay if decay_times_lr else weight_decay) * p
        else:
            g = g + weight_decay * p  # Adam with L2: the decay goes through the moments
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        mhat, vhat = (m / (1 - betas[0]**t), v / (1 - betas[1]**t)) if bias_correction else (m, v)
        p = p - lr * mhat / (np.sqrt(vhat + eps) if eps_inside else np.sqrt(vhat) + eps)
        rows.append(p.copy())
    return np.stack(rows)


def adamw_state_by_shape(weight, bias, dweights, dbiases, lr, weight_decay, betas, eps):
    """AdamW whose moments are one pair per shape, run as adamw_steps runs it: weight, bias, then their twins
    (the same shapes, other gradients), each step updating the shared m and v in that order."""
    p = np.concatenate([np.ravel(weight), np.ravel(bias)]).astype(np.float64)
    twin = np.concatenate([np.ravel(np.asarray(weight)[::-1]), np.ravel(np.asarray(bias)[::-1])]).astype(np.float64)
    m, v, rows = np.zeros_like(p), np.zeros_like(p), []
    for t, (dw, db) in enumerate(zip(dweights, dbiases), start=1):
        grads = (np.concatenate([np.ravel(dw), np.ravel(db)]),
                 np.concatenate([np.ravel(-3.0 * dw[::-1]), np.ravel(0.5 * db[::-1] + 1.0)]))
        for which, g in enumerate(grads):
            q = p if which == 0 else twin
            q = q * (1 - lr * weight_decay)
            m = betas[0] * m + (1 - betas[0]) * g
            v = betas[1] * v + (1 - betas[1]) * g * g
            q = q - lr * (m / (1 - betas[0]**t)) / (np.sqrt(v / (1 - betas[1]**t)) + eps)
            p, twin = (q, twin) if which == 0 else (p, q)
        rows.append(p.copy())
    return np.stack(rows)
