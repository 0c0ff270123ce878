"""a5's layers with einsum, slicing and a BatchNorm1d written from scratch over axes (0, 1)."""
import numpy as np

try:
    from ..a3_batchnorm.batchnorm import BatchNorm1d as Base
except ImportError:
    from a3_batchnorm.batchnorm import BatchNorm1d as Base


class Linear:
    def __init__(self, fan_in, fan_out, bias=True, rng=None):
        rng = np.random.default_rng(0) if rng is None else rng
        self.params = {"weight": rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)}
        if bias:
            self.params["bias"] = np.zeros(fan_out)
        self.grads = {}

    def forward(self, x):
        self.x = x
        out = np.einsum("...i,io->...o", x, self.params["weight"])
        return out + self.params["bias"] if "bias" in self.params else out

    def backward(self, dout):
        rows_x, rows_d = self.x.reshape(-1, self.x.shape[-1]), dout.reshape(-1, dout.shape[-1])
        self.grads = {"weight": np.einsum("ni,no->io", rows_x, rows_d)}
        if "bias" in self.params:
            self.grads["bias"] = np.einsum("no->o", rows_d)
        return np.einsum("...o,io->...i", dout, self.params["weight"])


class FlattenConsecutive:
    def __init__(self, n):
        self.n, self.params, self.grads = n, {}, {}

    def forward(self, x):
        self.shape = x.shape
        out = np.concatenate([x[:, k::self.n] for k in range(self.n)], axis=-1)
        return out[:, 0] if out.shape[1] == 1 else out

    def backward(self, dout):
        B, T, C = self.shape
        dout = dout.reshape(B, T // self.n, C * self.n)
        dx = np.empty(self.shape)
        for k in range(self.n):
            dx[:, k::self.n] = dout[..., k * C:(k + 1) * C]
        return dx


class BatchNorm1d(Base):
    def forward(self, x):
        axes = tuple(range(x.ndim - 1))
        n = x.size // x.shape[-1]
        if self.training:
            if n < 2:
                raise ValueError("need more than one value per channel")
            mean, var = x.mean(axis=axes), x.var(axis=axes)
            for name, value in (("running_mean", mean), ("running_var", var * n / (n - 1))):
                self.buffers[name][...] = 0.9 * self.buffers[name] + 0.1 * value
        else:
            mean, var = self.buffers["running_mean"], self.buffers["running_var"]
        self.mode_training, self.axes, self.count = self.training, axes, n
        self.rstd = 1 / np.sqrt(var + self.eps)
        self.xhat = (x - mean) * self.rstd
        return self.xhat * self.params["gamma"] + self.params["beta"]

    def backward(self, dout):
        axes, n = self.axes, self.count
        self.grads = {"gamma": (dout * self.xhat).sum(axis=axes), "beta": dout.sum(axis=axes)}
        dxhat = dout * self.params["gamma"]
        if not self.mode_training:
            return dxhat * self.rstd
        return self.rstd * (dxhat - dxhat.mean(axis=axes) - self.xhat * (dxhat * self.xhat).mean(axis=axes))


class Sequential:
    def __init__(self, layers):
        self.layers = layers
        self.grads = {}

    @property
    def params(self):
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.params.items()}

    @property
    def buffers(self):
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in getattr(layer, "buffers", {}).items()}

    def train(self):
        for layer in self.layers:
            getattr(layer, "train", lambda: None)()
        return self

    def eval(self):
        for layer in self.layers:
            getattr(layer, "eval", lambda: None)()
        return self

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout):
        for i in range(len(self.layers) - 1, -1, -1):
            dout = self.layers[i].backward(dout)
        self.grads = {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.grads.items()}
        return dout
