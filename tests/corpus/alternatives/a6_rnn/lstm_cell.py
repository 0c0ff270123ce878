"""LSTM cell with the four gates computed from four column blocks, one at a time (another style)."""
import numpy as np


class LSTMCell:
    def __init__(self, n_embd, n_embd2, rng=None, dtype=np.float64):
        rng = np.random.default_rng(0) if rng is None else rng
        k = 1.0 / np.sqrt(n_embd2)
        self.params = {"W": rng.uniform(-k, k, (n_embd + n_embd2, 4 * n_embd2)).astype(dtype),
                       "b": rng.uniform(-k, k, 4 * n_embd2).astype(dtype)}
        self.grads = {}

    def forward(self, x, h_prev, c_prev):
        H = h_prev.shape[1]
        xh = np.concatenate((x, h_prev), axis=1)
        gate = {}
        for n, name in enumerate("ifgo"):
            a = xh @ self.params["W"][:, n * H:(n + 1) * H] + self.params["b"][n * H:(n + 1) * H]
            gate[name] = np.tanh(a) if name == "g" else 1 / (1 + np.exp(-a))
        c = gate["f"] * c_prev + gate["i"] * gate["g"]
        h = gate["o"] * np.tanh(c)
        self.saved = dict(gate, xh=xh, c_prev=c_prev, c=c)
        return h, c

    def backward(self, dh, dc):
        s = self.saved
        H = dh.shape[1]
        tc = np.tanh(s["c"])
        dc = dc + dh * s["o"] * (1 - tc ** 2)
        grads_a = []
        for name in "ifgo":
            upstream = {"i": dc * s["g"], "f": dc * s["c_prev"], "g": dc * s["i"], "o": dh * tc}[name]
            y = s[name]
            grads_a.append(upstream * ((1 - y ** 2) if name == "g" else y * (1 - y)))
        da = np.concatenate(grads_a, axis=1)
        self.grads = {"W": s["xh"].T @ da, "b": da.sum(axis=0)}
        dxh = da @ self.params["W"].T
        D = dxh.shape[1] - H
        return dxh[:, :D], dxh[:, D:], dc * s["f"]
