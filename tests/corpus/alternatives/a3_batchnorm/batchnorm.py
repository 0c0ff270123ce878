"""BatchNorm1d as the Backprop Ninja chain: every intermediate named, backward step by step."""
import numpy as np


class BatchNorm1d:
    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        self.eps, self.momentum = eps, momentum
        self.training = True
        self.params = {"gamma": np.ones(num_features), "beta": np.zeros(num_features)}
        self.buffers = {"running_mean": np.zeros(num_features), "running_var": np.ones(num_features)}
        self.grads = {}

    def train(self):
        self.training = True
        return self

    def eval(self):
        self.training = False
        return self

    def forward(self, x):
        n = x.shape[0]
        if self.training:
            if n == 1:
                raise ValueError("Expected more than 1 value per channel when training")
            bnmeani = 1 / n * x.sum(0, keepdims=True)
            bndiff = x - bnmeani
            bndiff2 = bndiff**2
            bnvar = 1 / n * bndiff2.sum(0, keepdims=True)
            running_mean, running_var = self.buffers["running_mean"], self.buffers["running_var"]
            running_mean *= 1 - self.momentum
            running_mean += self.momentum * bnmeani[0]
            running_var *= 1 - self.momentum
            running_var += self.momentum * bnvar[0] * (n / (n - 1))
        else:
            bndiff = x - self.buffers["running_mean"]
            bnvar = self.buffers["running_var"][None, :]
        bnvar_inv = (bnvar + self.eps) ** -0.5
        bnraw = bndiff * bnvar_inv
        self.cache = (self.training, bndiff, bnvar_inv, bnraw)
        return self.params["gamma"] * bnraw + self.params["beta"]

    def backward(self, dout):
        training, bndiff, bnvar_inv, bnraw = self.cache
        n = dout.shape[0]
        self.grads = {"gamma": (bnraw * dout).sum(0), "beta": dout.sum(0)}
        dbnraw = self.params["gamma"] * dout
        if not training:
            return dbnraw * bnvar_inv
        dbnvar_inv = (bndiff * dbnraw).sum(0, keepdims=True)
        dbndiff = bnvar_inv * dbnraw
        dbnvar = -0.5 * bnvar_inv**3 * dbnvar_inv
        dbndiff2 = 1 / n * np.ones_like(bndiff) * dbnvar
        dbndiff = dbndiff + 2 * bndiff * dbndiff2
        dbnmeani = -dbndiff.sum(0, keepdims=True)
        return dbndiff + 1 / n * np.ones_like(dout) * dbnmeani
