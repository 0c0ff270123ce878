"""The deeper MLP as a list of layer objects (the lecture's part-3 style); params and buffers are properties."""
import numpy as np

from .batchnorm import BatchNorm1d


class Linear:
    def __init__(self, fan_in, fan_out, bias, rng):
        self.params = {"weight": rng.standard_normal((fan_in, fan_out)) / fan_in**0.5}
        if bias:
            self.params["bias"] = np.zeros(fan_out)

    def forward(self, x):
        self.x = x
        out = x @ self.params["weight"]
        return out + self.params["bias"] if "bias" in self.params else out

    def backward(self, dout):
        self.grads = {"weight": self.x.T @ dout}
        if "bias" in self.params:
            self.grads["bias"] = dout.sum(0)
        return dout @ self.params["weight"].T


class Tanh:
    params = {}

    def forward(self, x):
        self.out = np.tanh(x)
        return self.out

    def backward(self, dout):
        self.grads = {}
        return (1 - self.out**2) * dout


class BatchNormMLP:
    def __init__(self, vocab_size=27, block_size=3, n_embd=10, n_hidden=200, n_layers=1, rng=None):
        rng = np.random.default_rng(0) if rng is None else rng
        self.block_size = block_size
        self.C = rng.standard_normal((vocab_size, n_embd))
        self.layers = []
        sizes = [block_size * n_embd] + [n_hidden] * n_layers
        for fan_in, fan_out in zip(sizes, sizes[1:]):
            linear = Linear(fan_in, fan_out, False, rng)
            linear.params["weight"] *= 5 / 3
            self.layers += [linear, BatchNorm1d(fan_out), Tanh()]
        self.layers.append(Linear(n_hidden, vocab_size, True, rng))
        self.layers[-1].params["weight"] *= 0.01
        self.names = {"C": (None, None)}
        for i in range(n_layers):
            self.names[f"W{i + 1}"] = (3 * i, "weight")
            self.names[f"bngain{i + 1}"] = (3 * i + 1, "gamma")
            self.names[f"bnbias{i + 1}"] = (3 * i + 1, "beta")
        self.names[f"W{n_layers + 1}"] = (3 * n_layers, "weight")
        self.names[f"b{n_layers + 1}"] = (3 * n_layers, "bias")
        self.grads = {}

    @property
    def params(self):
        return {name: self.C if i is None else self.layers[i].params[key] for name, (i, key) in self.names.items()}

    @property
    def buffers(self):
        bns = [layer for layer in self.layers if isinstance(layer, BatchNorm1d)]
        out = {}
        for i, bn in enumerate(bns, start=1):
            out[f"bnmean_running{i}"] = bn.buffers["running_mean"]
            out[f"bnvar_running{i}"] = bn.buffers["running_var"]
        return out

    def train(self):
        for layer in self.layers:
            if isinstance(layer, BatchNorm1d):
                layer.train()
        return self

    def eval(self):
        for layer in self.layers:
            if isinstance(layer, BatchNorm1d):
                layer.eval()
        return self

    def forward(self, idx):
        self.idx = idx
        x = self.C[idx].reshape(idx.shape[0], -1)
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dlogits):
        d = dlogits
        for layer in reversed(self.layers):
            d = layer.backward(d)
        dC = np.zeros_like(self.C)
        flat = self.idx.reshape(-1)
        demb = d.reshape(len(flat), -1)
        for n in range(len(flat)):
            dC[flat[n]] += demb[n]
        grads = {"C": dC}
        for name, (i, key) in self.names.items():
            if i is not None:
                grads[name] = self.layers[i].grads[key]
        self.grads = grads
