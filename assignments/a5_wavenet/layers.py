"""The layers WaveNet needs beyond a2 and a3: Linear over (..., fan_in), FlattenConsecutive, BatchNorm1d over
(B, T, C), and Sequential. Embedding and Tanh are a2's, BatchNorm1d's 2-D case is a3's (your own code)."""
import numpy as np

try:  # as part of the kit's packages (reference.*, assignments.*)
    from ..a3_batchnorm.batchnorm import BatchNorm1d as BatchNorm1d2d
except ImportError:  # as top-level packages (the grader, a notebook in assignments/)
    from a3_batchnorm.batchnorm import BatchNorm1d as BatchNorm1d2d


class Linear:
    """params = {"weight": (fan_in, fan_out)} and, if bias, {"bias": (fan_out,)}, float64.

    weight ~ N(0, 1) / sqrt(fan_in) (the lecture's Kaiming scale before the gain), bias = 0.
    """

    def __init__(self, fan_in, fan_out, bias=True, rng=None):
        rng = np.random.default_rng(0) if rng is None else rng
        self.params = {"weight": rng.standard_normal((fan_in, fan_out)) / fan_in**0.5}
        if bias:
            self.params["bias"] = np.zeros(fan_out)
        self.grads = {}

    def forward(self, x):
        """Inputs:
        - x: (..., fan_in) float64, e.g. (B, fan_in) or (B, T, fan_in); not modified.

        Returns:
        - out: (..., fan_out) float64, x @ weight (+ bias). Caches x.
        """
        # YOUR CODE HERE (Linear.forward): the matrix product acts on the last axis; add the bias if there is one
        raise NotImplementedError('Linear.forward: the matrix product acts on the last axis; add the bias if there is one')

    def backward(self, dout):
        """Inputs:
        - dout: (..., fan_out) float64, upstream gradient.

        Returns:
        - dx: (..., fan_in) float64.

        Sets self.grads["weight"]: (fan_in, fan_out) and, with a bias, self.grads["bias"]: (fan_out,), summed
        over every leading axis (batch and positions).
        """
        # YOUR CODE HERE (Linear.backward): return dx (..., fan_in); set grads['weight'] (and grads['bias']), summed over every leading axis
        raise NotImplementedError("Linear.backward: return dx (..., fan_in); set grads['weight'] (and grads['bias']), summed over every leading axis")


class FlattenConsecutive:
    """Concatenate every n consecutive positions: (B, T, C) -> (B, T // n, C * n); when T // n == 1 the
    position axis is dropped, (B, C * n), as in the lecture. No parameters. T must be a multiple of n."""

    def __init__(self, n):
        self.n = n
        self.params = {}
        self.grads = {}

    def forward(self, x):
        """Inputs:
        - x: (B, T, C) float64, T a multiple of n; not modified.

        Returns:
        - out: (B, T // n, C * n), or (B, C * n) when T == n. out[b, t] = concatenation of x[b, n*t],
          x[b, n*t + 1], ..., x[b, n*t + n - 1] (a view of x is fine). Caches x's shape.
        """
        # YOUR CODE HERE (FlattenConsecutive.forward): one reshape (positions n*t..n*t+n-1 are contiguous), then drop an axis of size 1
        raise NotImplementedError('FlattenConsecutive.forward: one reshape (positions n*t..n*t+n-1 are contiguous), then drop an axis of size 1')

    def backward(self, dout):
        """Inputs:
        - dout: the shape of forward's output.

        Returns:
        - dx: (B, T, C), dout reshaped back (a reshape moves no value).
        """
        # YOUR CODE HERE (FlattenConsecutive.backward): return dx with the cached input shape
        raise NotImplementedError('FlattenConsecutive.backward: return dx with the cached input shape')


class BatchNorm1d(BatchNorm1d2d):
    """a3's BatchNorm1d, also over (B, T, C): the statistics of each channel C are taken over every batch
    element *and* position (axes 0 and 1; B * T values), as PyTorch's BatchNorm1d does over (N, C, L).
    params, buffers, eps, momentum, train()/eval() and the 2-D case are a3's."""

    def forward(self, x):
        """Inputs:
        - x: (B, C) or (B, T, C) float64; not modified. B * T >= 2 in training mode.

        Returns:
        - out: the shape of x. For (B, T, C): a3's BatchNorm1d on x.reshape(B * T, C), reshaped back, so the
          mean, the (biased) variance and the running statistics are over all B * T rows (running_var gets the
          unbiased variance with n = B * T). Caches x's shape (and what a3's forward caches).
        """
        # YOUR CODE HERE (BatchNorm1d.forward): view (B, T, C) as B * T rows of C channels and use a3's forward
        raise NotImplementedError("BatchNorm1d.forward: view (B, T, C) as B * T rows of C channels and use a3's forward")

    def backward(self, dout):
        """Inputs:
        - dout: the shape of x.

        Returns:
        - dx: the shape of x. Sets self.grads["gamma"], self.grads["beta"]: (C,), summed over batch and positions.
        """
        # YOUR CODE HERE (BatchNorm1d.backward): return dx with the shape of x; set grads['gamma'], grads['beta'] (C,)
        raise NotImplementedError("BatchNorm1d.backward: return dx with the shape of x; set grads['gamma'], grads['beta'] (C,)")


class Sequential:
    """Layers applied in order. params = {"{i}.{name}": the i-th layer's params[name]} (PyTorch's names, the
    very arrays of the layers), buffers likewise; train()/eval() switch every layer that has them."""

    def __init__(self, layers):
        self.layers = list(layers)
        self.params = {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.params.items()}
        self.buffers = {f"{i}.{k}": v for i, layer in enumerate(self.layers)
                        for k, v in getattr(layer, "buffers", {}).items()}
        self.grads = {}
        self.training = True

    def train(self):
        self.training = True
        for child in self.layers:
            if hasattr(child, "train"):
                child.train()
        return self

    def eval(self):
        self.training = False
        for child in self.layers:
            if hasattr(child, "eval"):
                child.eval()
        return self

    def forward(self, x):
        """Inputs:
        - x: what the first layer takes. Returns what the last layer returns."""
        # YOUR CODE HERE (Sequential.forward): feed each layer's output to the next
        raise NotImplementedError("Sequential.forward: feed each layer's output to the next")

    def backward(self, dout):
        """Inputs:
        - dout: the gradient of the last layer's output.

        Returns what the first layer's backward returns (None for an Embedding). Sets self.grads with the
        keys of self.params.
        """
        # YOUR CODE HERE (Sequential.backward): call the layers' backward in reverse order; set self.grads under '{i}.{name}'; return the first layer's result
        raise NotImplementedError("Sequential.backward: call the layers' backward in reverse order; set self.grads under '{i}.{name}'; return the first layer's result")
