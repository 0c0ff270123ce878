"""a6's known mistakes that need a correct backward to compute (hidden: used by the instructor's grader only).

The cells' and the time loop's forward and backward in plain NumPy, each with a ``mistake`` flag that does one
thing wrong, and the masked loss with its mask forgotten; grader/specs/a6.py names what each flag means and
compares a student's array with what the flag produces, on the check's own inputs. Lives in reference/ (never
generated into assignments/, never in the student bundle) because with every flag at its default it is the
solution of a6; grader/specs/a6.py loads it only where the reference is. A student's local grader still names
these mistakes on the public fixture checks: ``makemore fixtures`` stores what each gives on the stored
examples (grader/fixtures.py).
"""
from __future__ import annotations

import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# -- the masked loss, with the mask forgotten ------------------------------------------------------------

def loss_without_mask(logits, targets):
    """(mean of the per-position losses over all B * T positions, dlogits of their sum), with the target -1
    read as the last class, as numpy indexing does: the loss of a student who forgot the mask."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    onehot = np.eye(logits.shape[-1])[targets]  # targets == -1 picks the last row of eye: numpy's wrap-around
    return -(log_probs * onehot).sum(axis=-1).mean(), np.exp(log_probs) - onehot


# -- cells: forward and backward, with the mistakes a student makes ----------------------------------------
# Each *_cell returns (outputs, backward) where backward(dh[, dc]) -> {key: array}; ``mistake`` is a key of
# grader/specs/a6.py's CELL_MISTAKES.

def rnn_cell(p, x, h_prev, mistake=None):
    xh = np.concatenate([x, h_prev], axis=1)
    a = xh @ p["W"] + p["b"]
    h = np.tanh(a)

    def backward(dh):
        local = 1 - a**2 if mistake == "preact" else 1 - h**2
        da = dh * local
        dxh = da @ p["W"].T
        D = x.shape[1]
        return {"dx": dxh[:, :D], "dh_prev": dxh[:, D:], "grad:W": xh.T @ da, "grad:b": da.sum(axis=0)}
    return h, backward


def gru_cell(p, x, h_prev, mistake=None):
    D = x.shape[1]
    xh = np.concatenate([x, h_prev], axis=1)
    r_pre = xh @ p["W_r"] + p["b_r"]
    r = sigmoid(r_pre)
    xhr = np.concatenate([x, r * h_prev], axis=1)
    hbar_pre = xhr @ p["W_hbar"] + p["b_hbar"]
    hbar = np.tanh(hbar_pre)
    z_pre = xh @ p["W_z"] + p["b_z"]
    z = sigmoid(z_pre)
    h = (1 - z) * h_prev + z * hbar

    def backward(dh):
        dr_local = r_pre * (1 - r_pre) if mistake in ("preact", "preact_r") else r * (1 - r)
        dz_local = z_pre * (1 - z_pre) if mistake in ("preact", "preact_z") else z * (1 - z)
        dhbar_local = 1 - hbar_pre**2 if mistake in ("preact", "preact_hbar") else 1 - hbar**2
        dz = {"z_one_path_hbar": dh * hbar, "z_one_path_hprev": -dh * h_prev}.get(mistake, dh * (hbar - h_prev))
        dz_pre = dz * dz_local
        dhbar_pre = dh * z * dhbar_local
        dxhr = dhbar_pre @ p["W_hbar"].T
        dr_pre = dxhr[:, D:] * h_prev * dr_local
        dxh = dz_pre @ p["W_z"].T + dr_pre @ p["W_r"].T
        direct = dh * (1 - z)
        through_reset = dxhr[:, D:] * r
        through_gates = dxh[:, D:]
        dh_prev = {"no_direct": through_reset + through_gates,
                   "no_reset_path": direct + through_gates,
                   "no_gate_paths": direct}.get(mistake, direct + through_reset + through_gates)
        return {"dx": dxh[:, :D] + dxhr[:, :D], "dh_prev": dh_prev,
                "grad:W_z": xh.T @ dz_pre, "grad:b_z": dz_pre.sum(axis=0),
                "grad:W_r": xh.T @ dr_pre, "grad:b_r": dr_pre.sum(axis=0),
                "grad:W_hbar": xhr.T @ dhbar_pre, "grad:b_hbar": dhbar_pre.sum(axis=0)}
    return h, backward


def lstm_cell(p, x, h_prev, c_prev, mistake=None):
    D, H = x.shape[1], h_prev.shape[1]
    xh = np.concatenate([x, h_prev], axis=1)
    a = xh @ p["W"] + p["b"]
    i, f, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), sigmoid(a[:, 3 * H:])
    g = np.tanh(a[:, 2 * H:3 * H])
    c = f * c_prev + i * g
    tc = np.tanh(c)
    h = o * tc

    def backward(dh, dc):
        through_h = dh * o * ((1 - c**2) if mistake == "tanh_c_preact" else (1 - tc**2))
        dc_total = {"dc_no_h_path": dc, "dc_ignored": through_h}.get(mistake, dc + through_h)
        di, df, dg, do = dc_total * g, dc_total * c_prev, dc_total * i, dh * tc
        if mistake == "preact":
            ai, af, ag, ao = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
            da = np.concatenate([di * ai * (1 - ai), df * af * (1 - af), dg * (1 - ag**2), do * ao * (1 - ao)], axis=1)
        else:
            da = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - g**2), do * o * (1 - o)], axis=1)
        dxh = da @ p["W"].T
        dc_prev = {"no_forget_path": np.zeros_like(c), "forget_path_without_f": dc_total}.get(mistake, dc_total * f)
        return {"dx": dxh[:, :D], "dh_prev": dxh[:, D:], "dc_prev": dc_prev,
                "grad:W": xh.T @ da, "grad:b": da.sum(axis=0)}
    return (h, c), backward


def cell_backward(kind, params, inputs, dout, mistake):
    """{key: array} of one cell's backward (kind "rnn", "gru" or "lstm") under ``mistake``, on the check's
    inputs ([x, h_prev] or [x, h_prev, c_prev]) and upstream gradient (dh, or (dh, dc) for the LSTM)."""
    if kind == "lstm":
        _, backward = lstm_cell(params, *inputs, mistake=mistake)
        return backward(*dout)
    _, backward = (rnn_cell if kind == "rnn" else gru_cell)(params, *inputs, mistake=mistake)
    return backward(dout)


# -- the sequence model and backpropagation through time -------------------------------------------------

def run_model(kind, params, idx, dlogits, time_loop=None, cell_mistake=None):
    """Forward and backward of the sequence model, with one mistake in the time loop (or none).

    time_loop: None, "reversed_forward", "truncated", "overwrite_first", "overwrite_last", "forward_order",
    "no_dc_carry". Returns {key: array} with "out" and "grad:NAME"."""
    B, T = idx.shape
    cp = {k[5:]: v for k, v in params.items() if k.startswith("cell.")}
    H = params["start"].shape[1]
    order = list(range(T))[::-1] if time_loop == "reversed_forward" else list(range(T))
    emb = params["wte"][idx]
    h = np.broadcast_to(params["start"], (B, H))
    c = np.broadcast_to(params["start_c"], (B, H)) if kind == "lstm" else None
    hs, steps = np.empty((B, T, H)), {}
    for t in order:
        if kind == "lstm":
            (h, c), steps[t] = lstm_cell(cp, emb[:, t], h, c, cell_mistake)
        else:
            h, steps[t] = (rnn_cell if kind == "rnn" else gru_cell)(cp, emb[:, t], h, cell_mistake)
        hs[:, t] = h
    result = {"out": hs @ params["lm_head_W"] + params["lm_head_b"]}
    grads = {"lm_head_W": hs.reshape(B * T, H).T @ dlogits.reshape(B * T, -1), "lm_head_b": dlogits.sum(axis=(0, 1))}
    dhs = dlogits @ params["lm_head_W"].T
    cell_grads = {k: np.zeros_like(v) for k, v in cp.items()}
    demb = np.zeros_like(emb)
    dh, dc = np.zeros((B, H)), np.zeros((B, H))
    backward_order = order if time_loop == "forward_order" else order[::-1]
    for n, t in enumerate(backward_order):
        upstream = dhs[:, t] if time_loop == "truncated" else dhs[:, t] + dh
        if kind == "lstm":
            g = steps[t](upstream, np.zeros((B, H)) if time_loop in ("truncated", "no_dc_carry") else dc)
            dc = g["dc_prev"]
        else:
            g = steps[t](upstream)
        demb[:, t], dh = g["dx"], g["dh_prev"]
        for k in cell_grads:
            if time_loop == "overwrite_first" and n < T - 1 or time_loop == "overwrite_last" and n > 0:
                continue  # a plain assignment keeps only one step: the last one written (t = 0) or the first
            cell_grads[k] = cell_grads[k] + g["grad:" + k] if time_loop not in ("overwrite_first", "overwrite_last") \
                else g["grad:" + k]
    grads["start"] = dh.sum(axis=0, keepdims=True)
    if kind == "lstm":
        grads["start_c"] = dc.sum(axis=0, keepdims=True)
    dwte = np.zeros_like(params["wte"])
    np.add.at(dwte, idx, demb)
    grads["wte"] = dwte
    grads.update({f"cell.{k}": v for k, v in cell_grads.items()})
    result.update({f"grad:{k}": v for k, v in grads.items()})
    result["demb"] = demb
    return result
