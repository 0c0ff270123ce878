"""GRU cell with a stack of caches (forward pushes, backward pops)."""
import numpy as np


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


class GRUCell:
    def __init__(self, n_embd, n_embd2, rng=None, dtype=np.float64):
        rng = np.random.default_rng(0) if rng is None else rng
        k = (n_embd + n_embd2) ** -0.5
        self.params = {}
        for gate in ("z", "r", "hbar"):
            self.params[f"W_{gate}"] = rng.uniform(-k, k, size=(n_embd + n_embd2, n_embd2)).astype(dtype)
            self.params[f"b_{gate}"] = rng.uniform(-k, k, size=n_embd2).astype(dtype)
        self.grads = {}
        self.stack = []

    def forward(self, x, h_prev):
        P = self.params
        xh = np.concatenate([x, h_prev], axis=1)
        r = sigmoid(xh @ P["W_r"] + P["b_r"])
        z = sigmoid(xh @ P["W_z"] + P["b_z"])
        xhr = np.concatenate([x, r * h_prev], axis=1)
        hbar = np.tanh(xhr @ P["W_hbar"] + P["b_hbar"])
        self.stack.append((x.shape[1], h_prev, xh, xhr, r, z, hbar))
        return z * hbar + (1.0 - z) * h_prev

    def backward(self, dh):
        D, h_prev, xh, xhr, r, z, hbar = self.stack.pop()
        P = self.params
        d_zpre = dh * (hbar - h_prev) * z * (1.0 - z)
        d_hpre = dh * z * (1.0 - hbar**2)
        dxhr = d_hpre @ P["W_hbar"].T
        d_rpre = dxhr[:, D:] * h_prev * r * (1.0 - r)
        self.grads = {"W_r": xh.T @ d_rpre, "b_r": d_rpre.sum(0), "W_z": xh.T @ d_zpre, "b_z": d_zpre.sum(0),
                      "W_hbar": xhr.T @ d_hpre, "b_hbar": d_hpre.sum(0)}
        dxh = d_rpre @ P["W_r"].T + d_zpre @ P["W_z"].T
        return dxh[:, :D] + dxhr[:, :D], dxh[:, D:] + dxhr[:, D:] * r + dh * (1.0 - z)
