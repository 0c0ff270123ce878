"""RNN cell whose caches live on a stack: forward pushes, backward pops."""
import numpy as np


class RNNCell:
    def __init__(self, n_embd, n_embd2, rng=None, dtype=np.float64):
        rng = np.random.default_rng(0) if rng is None else rng
        k = (n_embd + n_embd2) ** -0.5
        self.params = {"W": rng.uniform(-k, k, size=(n_embd + n_embd2, n_embd2)).astype(dtype),
                       "b": rng.uniform(-k, k, size=n_embd2).astype(dtype)}
        self.grads = {}
        self.stack = []

    def forward(self, x, h_prev):
        xh = np.concatenate([x, h_prev], axis=1)
        h = np.tanh(xh @ self.params["W"] + self.params["b"])
        self.stack.append((x.shape[1], xh, h))
        return h

    def backward(self, dh):
        D, xh, h = self.stack.pop()
        da = (1.0 - h**2) * dh
        self.grads = {"W": xh.T @ da, "b": da.sum(axis=0)}
        dxh = da @ self.params["W"].T
        return dxh[:, :D], dxh[:, D:]
