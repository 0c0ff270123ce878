"""BatchNorm1d caching x and its statistics, with the backward written in terms of x - mean."""
import numpy as np


class BatchNorm1d:
    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        self.eps = eps
        self.momentum = momentum
        self.params = dict(gamma=np.full(num_features, 1.0), beta=np.full(num_features, 0.0))
        self.buffers = dict(running_mean=np.full(num_features, 0.0), running_var=np.full(num_features, 1.0))
        self.grads = {}
        self.train()

    def train(self):
        self.training = True
        return self

    def eval(self):
        self.training = False
        return self

    def forward(self, x):
        if self.training and len(x) < 2:
            raise ValueError(f"batch of {len(x)}: BatchNorm1d needs at least 2 examples to train")
        if self.training:
            mu = np.mean(x, axis=0)
            sigma2 = np.mean((x - mu) ** 2, axis=0)
            m = len(x)
            np.multiply(self.buffers["running_mean"], 1 - self.momentum, out=self.buffers["running_mean"])
            np.add(self.buffers["running_mean"], self.momentum * mu, out=self.buffers["running_mean"])
            np.multiply(self.buffers["running_var"], 1 - self.momentum, out=self.buffers["running_var"])
            np.add(self.buffers["running_var"], self.momentum * sigma2 * m / (m - 1), out=self.buffers["running_var"])
        else:
            mu, sigma2 = self.buffers["running_mean"].copy(), self.buffers["running_var"].copy()
        self.saved = dict(x=x.copy(), mu=mu, sigma2=sigma2, batch=self.training)
        return self.params["gamma"] * (x - mu) / np.sqrt(sigma2 + self.eps) + self.params["beta"]

    def backward(self, dout):
        s = self.saved
        centred = s["x"] - s["mu"]
        inv = 1.0 / np.sqrt(s["sigma2"] + self.eps)
        self.grads["beta"] = np.sum(dout, axis=0)
        self.grads["gamma"] = np.sum(dout * centred * inv, axis=0)
        g = self.params["gamma"]
        if not s["batch"]:
            return g * inv * dout
        m = len(dout)
        dvar = np.sum(dout * g * centred, axis=0) * -0.5 * inv**3
        dmu = -np.sum(dout * g * inv, axis=0) - 2.0 * dvar * np.mean(centred, axis=0)
        return dout * g * inv + dvar * 2.0 * centred / m + dmu / m
