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
        # YOUR CODE HERE (BatchNorm1d.forward): batch statistics over axis 0 (biased variance) in training, running ones in eval
        raise NotImplementedError('BatchNorm1d.forward: batch statistics over axis 0 (biased variance) in training, running ones in eval')

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
        # YOUR CODE HERE (BatchNorm1d.backward): return dx (N, C) and set grads['gamma'], grads['beta'] (C,), summed over the batch; follow the mode of the last forward
        raise NotImplementedError("BatchNorm1d.backward: return dx (N, C) and set grads['gamma'], grads['beta'] (C,), summed over the batch; follow the mode of the last forward")
