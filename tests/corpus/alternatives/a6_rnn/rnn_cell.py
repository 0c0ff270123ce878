"""RNN cell with W split into its x and h blocks instead of a concatenation, and einsum."""
import numpy as np


class RNNCell:
    def __init__(self, n_embd, n_embd2, rng=None, dtype=np.float64):
        rng = np.random.default_rng(0) if rng is None else rng
        k = 1.0 / np.sqrt(n_embd + n_embd2)
        self.params = {"W": rng.uniform(-k, k, (n_embd + n_embd2, n_embd2)).astype(dtype),
                       "b": rng.uniform(-k, k, n_embd2).astype(dtype)}
        self.grads = {}

    def forward(self, x, h_prev):
        D = x.shape[1]
        W = self.params["W"]
        self.x, self.h_prev = x, h_prev
        self.out = np.tanh(np.einsum("bd,dh->bh", x, W[:D]) + np.einsum("bk,kh->bh", h_prev, W[D:]) + self.params["b"])
        return self.out

    def backward(self, dh):
        D = self.x.shape[1]
        W = self.params["W"]
        da = dh * (1 - self.out * self.out)
        self.grads["W"] = np.vstack([np.einsum("bd,bh->dh", self.x, da), np.einsum("bk,bh->kh", self.h_prev, da)])
        self.grads["b"] = np.einsum("bh->h", da)
        return np.einsum("bh,dh->bd", da, W[:D]), np.einsum("bh,kh->bk", da, W[D:])
