"""Linear with np.einsum, its parameters as attributes behind a params property."""
import numpy as np


class Linear:
    def __init__(self, fan_in, fan_out, rng=None):
        rng = np.random.default_rng(0) if rng is None else rng
        self.weight = rng.standard_normal((fan_in, fan_out)) * fan_in**-0.5
        self.bias = np.zeros(fan_out)
        self.grads = {}

    @property
    def params(self):
        return {"weight": self.weight, "bias": self.bias}

    def forward(self, x):
        self.x = x
        return np.einsum("ni,io->no", x, self.weight) + self.bias[None, :]

    def backward(self, dout):
        self.grads["weight"] = np.einsum("ni,no->io", self.x, dout)
        self.grads["bias"] = np.einsum("no->o", dout)
        return np.einsum("no,io->ni", dout, self.weight)
