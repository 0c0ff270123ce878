"""Linear (fully connected) layer: out = x @ weight + bias."""
import numpy as np


class Linear:
    """params = {"weight": (fan_in, fan_out), "bias": (fan_out,)} float64.

    weight is initialised N(0, 1) / sqrt(fan_in) (the lecture's "Kaiming" scale before the gain), bias with 0.
    """

    def __init__(self, fan_in, fan_out, rng=None):
        rng = np.random.default_rng(0) if rng is None else rng
        self.params = {
            "weight": rng.standard_normal((fan_in, fan_out)) / fan_in**0.5,
            "bias": np.zeros(fan_out),
        }
        self.grads = {}

    def forward(self, x):
        """Inputs:
        - x: (N, fan_in) float64; not modified.

        Returns:
        - out: (N, fan_out) float64.

        Caches x.
        """
        # YOUR CODE HERE (Linear.forward): out = x @ weight + bias (bias broadcasts over the rows)
        raise NotImplementedError('Linear.forward: out = x @ weight + bias (bias broadcasts over the rows)')

    def backward(self, dout):
        """Inputs:
        - dout: (N, fan_out) float64, upstream gradient.

        Returns:
        - dx: (N, fan_in) float64.

        Sets self.grads["weight"]: (fan_in, fan_out) and self.grads["bias"]: (fan_out,), each summed (not
        averaged) over the N rows.
        """
        # YOUR CODE HERE (Linear.backward): return dx (N, fan_in); set grads['weight'] (fan_in, fan_out) and grads['bias'] (fan_out,), summed over the rows
        raise NotImplementedError("Linear.backward: return dx (N, fan_in); set grads['weight'] (fan_in, fan_out) and grads['bias'] (fan_out,), summed over the rows")
