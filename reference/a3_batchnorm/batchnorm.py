"""BatchNorm1d (Ioffe & Szegedy, 2015), PyTorch's conventions, over a batch of feature vectors.

Training mode (``training`` is True, the default):
    mean = x.mean(axis=0)                         (C,)
    var = ((x - mean)**2).mean(axis=0)            (C,)   biased: divides by N, as torch.nn.BatchNorm1d
    xhat = (x - mean) / sqrt(var + eps)           (N, C)
    out = gamma * xhat + beta                     (N, C)
    running_mean = (1 - momentum) * running_mean + momentum * mean
    running_var = (1 - momentum) * running_var + momentum * var * N / (N - 1)   (unbiased, as PyTorch stores it)

Eval mode (after ``eval()``): the same with running_mean and running_var in place of the batch's statistics;
nothing is updated. eps = 1e-5 and momentum = 0.1 are PyTorch's defaults.
"""
import numpy as np


class BatchNorm1d:
    """params = {"gamma": (C,) ones, "beta": (C,) zeros} float64 (the lecture's bngain, bnbias).
    buffers = {"running_mean": (C,) zeros, "running_var": (C,) ones} float64: statistics, not trained by SGD.
    training: True after construction; ``train()`` / ``eval()`` switch it and return the layer.
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        self.eps = eps
        self.momentum = momentum
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
        """Inputs:
        - x: (N, C) float64, N >= 2 in training mode; not modified.

        Returns:
        - out: (N, C) float64, gamma * xhat + beta.

        In training mode, normalises with the batch's mean and biased variance and updates the running
        statistics in place (running_var receives the unbiased variance, var * N / (N - 1)); in eval mode,
        normalises with the running statistics and changes nothing. Caches xhat (N, C) and
        inv_std = 1 / sqrt(var + eps) (C,). Raises ValueError for N < 2 in training mode (one example has no
        variance; PyTorch raises "Expected more than 1 value per channel when training" too).
        """
        ### HINT 1: The module docstring's equations, top to bottom; the mode decides which mean and variance are
        ###   used.
        ### HINT 2: Training: x.mean(axis=0) and x.var(axis=0) (biased), update the running buffers in place with
        ###   [...] = (the unbiased variance goes into running_var); eval: the buffers. Refuse N < 2 in training.
        ### HINT 3: inv_std = 1 / sqrt(var + eps); xhat = (x - mean) * inv_std; cache xhat, inv_std and the mode;
        ###   return gamma * xhat + beta.
        ### BEGIN SOLUTION: batch statistics over axis 0 (biased variance) in training, running ones in eval
        if self.training:
            n = x.shape[0]
            if n < 2:
                raise ValueError(f"BatchNorm1d needs more than 1 value per channel in training mode, got a batch of {n}")
            mean = x.mean(axis=0)
            var = x.var(axis=0)  # biased (divides by n)
            momentum = self.momentum
            self.buffers["running_mean"][...] = (1 - momentum) * self.buffers["running_mean"] + momentum * mean
            self.buffers["running_var"][...] = (1 - momentum) * self.buffers["running_var"] + momentum * var * n / (n - 1)
        else:
            mean, var = self.buffers["running_mean"], self.buffers["running_var"]
        self.inv_std = 1.0 / np.sqrt(var + self.eps)
        self.xhat = (x - mean) * self.inv_std
        self.normalised_with_batch = self.training
        return self.params["gamma"] * self.xhat + self.params["beta"]
        ### END SOLUTION

    def backward(self, dout):
        """Inputs:
        - dout: (N, C) float64, upstream gradient.

        Returns:
        - dx: (N, C) float64. In training mode every output row depends on every input row (through the
          batch's mean and variance): derive the gradient through all three paths and simplify it on paper
          (CS231n's batchnorm_backward_alt), then write the result with the cached xhat and inv_std. In eval
          mode the statistics are constants.

        Sets self.grads["gamma"] and self.grads["beta"], both (C,), summed over the batch.
        """
        ### HINT 1: gamma and beta are broadcast over the N rows: their gradients are sums over the batch. For dx,
        ###   draw the graph: in training mode x reaches out directly through xhat and also through mean and var,
        ###   which depend on every row, so every row of dx depends on every row of dout. In eval mode mean and var
        ###   are constants.
        ### HINT 2: Name dxhat the gradient of xhat (the upstream times gamma) and go back one node at a time as in
        ###   a4: dvar from xhat = (x - mean) * (var + eps)**-0.5 (summed over the rows), dmean from xhat and from
        ###   var, then dx as the sum of three paths (through xhat, through var, through mean), each with its 1/N from
        ###   the means. Then simplify on paper using xhat and inv_std.
        ### HINT 3: dgamma = (dout * xhat).sum(0); dbeta = dout.sum(0); training: dx = inv_std / N * (N * dxhat -
        ###   dxhat.sum(0) - xhat * (dxhat * xhat).sum(0)); eval: dx = dxhat * inv_std.
        ### ANSWER: N * dxhat - dxhat.sum(0) - xhat * (dxhat * xhat).sum(0)
        ### ANSWER: (dout * xhat).sum(0)
        ### BEGIN SOLUTION: return dx (N, C) and set grads['gamma'], grads['beta'] (C,), summed over the batch; follow the mode of the last forward
        self.grads["gamma"] = (dout * self.xhat).sum(axis=0)
        self.grads["beta"] = dout.sum(axis=0)
        dxhat = dout * self.params["gamma"]
        if not self.normalised_with_batch:
            return dxhat * self.inv_std
        n = dout.shape[0]
        return self.inv_std / n * (n * dxhat - dxhat.sum(axis=0) - self.xhat * (dxhat * self.xhat).sum(axis=0))
        ### END SOLUTION
