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
        ### HINT 1: The same matrix acts on the last axis at every leading position.
        ### HINT 2: Flatten the leading axes into rows, (-1, fan_in), do one 2-D product, add the bias if present,
        ###   reshape back to (..., fan_out).
        ### HINT 3: out = x.reshape(-1, fan_in) @ weight (+ bias), reshaped to (*x.shape[:-1], fan_out); cache x.
        ### BEGIN SOLUTION: the matrix product acts on the last axis; add the bias if there is one
        self.x = x
        out = x.reshape(-1, x.shape[-1]) @ self.params["weight"]  # one 2-D product: faster than a batched one
        if "bias" in self.params:
            out = out + self.params["bias"]
        return out.reshape(*x.shape[:-1], out.shape[-1])
        ### END SOLUTION

    def backward(self, dout):
        """Inputs:
        - dout: (..., fan_out) float64, upstream gradient.

        Returns:
        - dx: (..., fan_in) float64.

        Sets self.grads["weight"]: (fan_in, fan_out) and, with a bias, self.grads["bias"]: (fan_out,), summed
        over every leading axis (batch and positions).
        """
        ### HINT 1: The same weight is used at every batch element and every position: a reused parameter receives the
        ###   sum of all its gradients.
        ### HINT 2: Viewed as rows (-1, fan_in) and (-1, fan_out), this is a2's Linear: derive the 2-D case, then
        ###   reshape dx back to x's shape.
        ### HINT 3: x2 = x.reshape(-1, fan_in); d2 = dout.reshape(-1, fan_out); dweight = x2.T @ d2; dbias =
        ###   d2.sum(0); dx = (d2 @ weight.T).reshape(x.shape).
        ### BEGIN SOLUTION: return dx (..., fan_in); set grads['weight'] (and grads['bias']), summed over every leading axis
        x2 = self.x.reshape(-1, self.x.shape[-1])
        dout2 = dout.reshape(-1, dout.shape[-1])
        self.grads["weight"] = x2.T @ dout2
        if "bias" in self.params:
            self.grads["bias"] = dout2.sum(axis=0)
        return (dout2 @ self.params["weight"].T).reshape(self.x.shape)
        ### END SOLUTION


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
        ### HINT 1: Positions n*t .. n*t + n - 1 are neighbours in memory, their channels one after the other.
        ### HINT 2: A single reshape (B, T, C) -> (B, T // n, C * n) does the concatenation; drop the position axis
        ###   when it has size 1.
        ### HINT 3: out = x.reshape(B, T // n, C * n); return out[:, 0] if T // n == 1 else out; cache x.shape.
        ### BEGIN SOLUTION: one reshape (positions n*t..n*t+n-1 are contiguous), then drop an axis of size 1
        B, T, C = x.shape
        self.x_shape = x.shape
        out = x.reshape(B, T // self.n, C * self.n)
        return out[:, 0, :] if out.shape[1] == 1 else out
        ### END SOLUTION

    def backward(self, dout):
        """Inputs:
        - dout: the shape of forward's output.

        Returns:
        - dx: (B, T, C), dout reshaped back (a reshape moves no value).
        """
        ### HINT 1: A reshape moves no value.
        ### HINT 2: Its backward is the opposite reshape, to the input's shape.
        ### HINT 3: dx = dout.reshape(x_shape).
        ### BEGIN SOLUTION: return dx with the cached input shape
        return dout.reshape(self.x_shape)
        ### END SOLUTION


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
        ### HINT 1: Statistics per channel over every batch element and position: B * T values each.
        ### HINT 2: Viewed as x.reshape(B * T, C), this is exactly a3's 2-D layer (super().forward); reshape the
        ###   result back.
        ### HINT 3: cache x.shape; return super().forward(x.reshape(-1, C)).reshape(x.shape).
        ### BEGIN SOLUTION: view (B, T, C) as B * T rows of C channels and use a3's forward
        self.x_shape = x.shape
        return super().forward(x.reshape(-1, x.shape[-1])).reshape(x.shape)
        ### END SOLUTION

    def backward(self, dout):
        """Inputs:
        - dout: the shape of x.

        Returns:
        - dx: the shape of x. Sets self.grads["gamma"], self.grads["beta"]: (C,), summed over batch and positions.
        """
        ### HINT 1: The forward was a3's layer between two reshapes.
        ### HINT 2: So is the backward: reshape dout to (B * T, C), a3's backward, reshape back.
        ### HINT 3: return super().backward(dout.reshape(-1, C)).reshape(x_shape).
        ### BEGIN SOLUTION: return dx with the shape of x; set grads['gamma'], grads['beta'] (C,)
        return super().backward(dout.reshape(-1, dout.shape[-1])).reshape(self.x_shape)
        ### END SOLUTION


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
        ### HINT 1: Feed each layer's output to the next.
        ### HINT 2: A loop over self.layers.
        ### HINT 3: loop over self.layers, each layer's forward taking the previous output; return the last.
        ### BEGIN SOLUTION: feed each layer's output to the next
        for layer in self.layers:
            x = layer.forward(x)
        return x
        ### END SOLUTION

    def backward(self, dout):
        """Inputs:
        - dout: the gradient of the last layer's output.

        Returns what the first layer's backward returns (None for an Embedding). Sets self.grads with the
        keys of self.params.
        """
        ### HINT 1: Backward is forward's chain in reverse order.
        ### HINT 2: Each layer's backward returns the gradient for the layer before it; collect every layer's grads
        ###   under its index, as params are keyed.
        ### HINT 3: loop over reversed(self.layers), each backward taking the gradient the later layer returned; grads
        ###   = {f'{i}.{k}': v for each layer's grads}; return dout.
        ### BEGIN SOLUTION: call the layers' backward in reverse order; set self.grads under '{i}.{name}'; return the first layer's result
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        self.grads = {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.grads.items()}
        return dout
        ### END SOLUTION
