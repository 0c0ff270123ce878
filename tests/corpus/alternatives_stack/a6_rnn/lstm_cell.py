"""LSTM cell (PyTorch's gate order) with a stack of caches (forward pushes, backward pops)."""
import numpy as np


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


class LSTMCell:
    def __init__(self, n_embd, n_embd2, rng=None, dtype=np.float64):
        rng = np.random.default_rng(0) if rng is None else rng
        k = n_embd2 ** -0.5
        self.params = {"W": rng.uniform(-k, k, size=(n_embd + n_embd2, 4 * n_embd2)).astype(dtype),
                       "b": rng.uniform(-k, k, size=4 * n_embd2).astype(dtype)}
        self.grads = {}
        self.stack = []

    def forward(self, x, h_prev, c_prev):
        xh = np.concatenate([x, h_prev], axis=1)
        i, f, g, o = np.split(xh @ self.params["W"] + self.params["b"], 4, axis=1)
        i, f, g, o = sigmoid(i), sigmoid(f), np.tanh(g), sigmoid(o)
        c = f * c_prev + i * g
        self.stack.append((x.shape[1], xh, c_prev, i, f, g, o, np.tanh(c)))
        return o * np.tanh(c), c

    def backward(self, dh, dc):
        D, xh, c_prev, i, f, g, o, tc = self.stack.pop()
        dc = dc + dh * o * (1.0 - tc * tc)
        da = np.hstack([dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g * g), dh * tc * o * (1 - o)])
        self.grads = {"W": xh.T @ da, "b": da.sum(axis=0)}
        dxh = da @ self.params["W"].T
        return dxh[:, :D], dxh[:, D:], f * dc
