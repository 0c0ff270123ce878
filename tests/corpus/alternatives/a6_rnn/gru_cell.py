"""GRU cell caching the pre-activations and recomputing the gates' derivatives from them (another style)."""
import numpy as np


def _sig(a):
    return np.exp(-np.logaddexp(0.0, -a))


class GRUCell:
    def __init__(self, n_embd, n_embd2, rng=None, dtype=np.float64):
        rng = np.random.default_rng(0) if rng is None else rng
        k = 1.0 / np.sqrt(n_embd + n_embd2)
        self.params = {}
        for name in ("z", "r", "hbar"):
            self.params["W_" + name] = rng.uniform(-k, k, (n_embd + n_embd2, n_embd2)).astype(dtype)
            self.params["b_" + name] = rng.uniform(-k, k, n_embd2).astype(dtype)
        self.grads = {}

    def forward(self, x, h_prev):
        P = self.params
        xh = np.hstack([x, h_prev])
        self.a_r = xh @ P["W_r"] + P["b_r"]
        self.a_z = xh @ P["W_z"] + P["b_z"]
        xhr = np.hstack([x, _sig(self.a_r) * h_prev])
        self.a_hbar = xhr @ P["W_hbar"] + P["b_hbar"]
        self.cache = (x, h_prev, xh, xhr)
        z = _sig(self.a_z)
        return h_prev + z * (np.tanh(self.a_hbar) - h_prev)

    def backward(self, dh):
        P = self.params
        x, h_prev, xh, xhr = self.cache
        D = x.shape[1]
        r, z, hbar = _sig(self.a_r), _sig(self.a_z), np.tanh(self.a_hbar)
        # derivatives of sigmoid and tanh written from the pre-activations: sigmoid'(a) = sigmoid(a) sigmoid(-a)
        # (exp(-a) * sigmoid(a)**2 is the same number, but inf * 0 = NaN once a < -709)
        dsig_z = _sig(self.a_z) * _sig(-self.a_z)
        dsig_r = _sig(self.a_r) * _sig(-self.a_r)
        dtanh = 1 / np.cosh(self.a_hbar) ** 2
        da_z = dh * (hbar - h_prev) * dsig_z
        da_hbar = dh * z * dtanh
        dxhr = da_hbar @ P["W_hbar"].T
        da_r = dxhr[:, D:] * h_prev * dsig_r
        self.grads = {"W_z": xh.T @ da_z, "b_z": da_z.sum(0), "W_r": xh.T @ da_r, "b_r": da_r.sum(0),
                      "W_hbar": xhr.T @ da_hbar, "b_hbar": da_hbar.sum(0)}
        dxh = da_z @ P["W_z"].T + da_r @ P["W_r"].T
        dx = dxh[:, :D] + dxhr[:, :D]
        dh_prev = dh * (1 - z) + dxhr[:, D:] * r + dxh[:, D:]
        return dx, dh_prev
