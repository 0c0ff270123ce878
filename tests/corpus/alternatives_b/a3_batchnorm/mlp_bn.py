"""The deeper MLP with einsum products, a one-hot embedding and per-layer lists."""
import numpy as np

from .batchnorm import BatchNorm1d


class BatchNormMLP:
    def __init__(self, vocab_size=27, block_size=3, n_embd=10, n_hidden=200, n_layers=1, rng=None):
        rng = rng if rng is not None else np.random.default_rng(0)
        self.block_size, self.L, self.V = block_size, n_layers, vocab_size
        self.params = {"C": rng.standard_normal((vocab_size, n_embd))}
        self.norms = [BatchNorm1d(n_hidden) for _ in range(n_layers)]
        self.buffers = {}
        width = block_size * n_embd
        for k, bn in enumerate(self.norms, start=1):
            self.params[f"W{k}"] = rng.standard_normal((width, n_hidden)) * (5 / 3) * width**-0.5
            self.params[f"bngain{k}"], self.params[f"bnbias{k}"] = bn.params["gamma"], bn.params["beta"]
            self.buffers[f"bnmean_running{k}"] = bn.buffers["running_mean"]
            self.buffers[f"bnvar_running{k}"] = bn.buffers["running_var"]
            width = n_hidden
        self.params[f"W{n_layers + 1}"] = 0.01 * rng.standard_normal((width, vocab_size)) * width**-0.5
        self.params[f"b{n_layers + 1}"] = np.zeros(vocab_size)
        self.grads = {}

    def train(self):
        [bn.train() for bn in self.norms]
        return self

    def eval(self):
        [bn.eval() for bn in self.norms]
        return self

    def forward(self, idx):
        N = idx.shape[0]
        self.onehot = np.eye(self.V)[idx.reshape(-1)]  # (N * T, V)
        inputs = [(self.onehot @ self.params["C"]).reshape(N, -1)]
        self.tanhs = []
        for k, bn in enumerate(self.norms, start=1):
            t = np.tanh(bn.forward(np.einsum("ni,ih->nh", inputs[-1], self.params[f"W{k}"])))
            self.tanhs.append(t)
            inputs.append(t)
        self.inputs = inputs
        last = self.L + 1
        return np.einsum("nh,hv->nv", inputs[-1], self.params[f"W{last}"]) + self.params[f"b{last}"]

    def backward(self, dlogits):
        last = self.L + 1
        grads = {f"W{last}": np.einsum("nh,nv->hv", self.inputs[-1], dlogits), f"b{last}": dlogits.sum(axis=0)}
        d = np.einsum("nv,hv->nh", dlogits, self.params[f"W{last}"])
        for k in range(self.L, 0, -1):
            bn = self.norms[k - 1]
            d = bn.backward(d * (1 - self.tanhs[k - 1] ** 2))
            grads[f"bngain{k}"], grads[f"bnbias{k}"] = bn.grads["gamma"], bn.grads["beta"]
            grads[f"W{k}"] = np.einsum("ni,nh->ih", self.inputs[k - 1], d)
            d = np.einsum("nh,ih->ni", d, self.params[f"W{k}"])
        grads["C"] = self.onehot.T @ d.reshape(self.onehot.shape[0], -1)
        self.grads = grads
