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
        ### HINT 1: One matrix product and a bias added to every row.
        ### HINT 2: x (N, fan_in) @ weight (fan_in, fan_out) is (N, fan_out); bias (fan_out,) broadcasts over the
        ###   rows.
        ### HINT 3: self.x = x; return x @ weight + bias.
        ### BEGIN SOLUTION: out = x @ weight + bias (bias broadcasts over the rows)
        self.x = x
        return x @ self.params["weight"] + self.params["bias"]
        ### END SOLUTION

    def backward(self, dout):
        """Inputs:
        - dout: (N, fan_out) float64, upstream gradient.

        Returns:
        - dx: (N, fan_in) float64.

        Sets self.grads["weight"]: (fan_in, fan_out) and self.grads["bias"]: (fan_out,), each summed (not
        averaged) over the N rows.
        """
        ### HINT 1: Write out[i, k] = sum_j x[i, j] * weight[j, k] + bias[k] and differentiate one entry at a time; a
        ###   bias broadcast over the rows in forward is a sum over the rows in backward.
        ### HINT 2: d out[i, k] / d x[i, j] = weight[j, k] and d out[i, k] / d weight[j, k] = x[i, j]: each result is
        ###   a matrix product of dout with the other factor, arranged so that the shapes come out as (N, fan_in) and
        ###   (fan_in, fan_out).
        ### HINT 3: dx = dout @ weight.T; dweight = x.T @ dout; dbias = dout.sum(axis=0).
        ### ANSWER: dx = dout @ weight.T
        ### ANSWER: dW = x.T @ dout
        ### BEGIN SOLUTION: return dx (N, fan_in); set grads['weight'] (fan_in, fan_out) and grads['bias'] (fan_out,), summed over the rows
        self.grads["weight"] = self.x.T @ dout
        self.grads["bias"] = dout.sum(axis=0)
        return dout @ self.params["weight"].T
        ### END SOLUTION
