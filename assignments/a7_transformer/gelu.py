"""GELU, the tanh approximation GPT-2 uses (makemore.py's NewGELU; Hendrycks and Gimpel, 2016):

    out = 0.5 * x * (1 + tanh(u)),   u = sqrt(2/pi) * (x + 0.044715 * x**3)

Its derivative is that of this formula, not of the exact x * Phi(x) (Phi with erf): the two differ by ~1e-3.
"""
import math

import numpy as np

GELU_SCALE = math.sqrt(2.0 / math.pi)
GELU_CUBIC = 0.044715


class GELU:
    """No parameters: ``params`` and ``grads`` are empty dicts."""

    def __init__(self):
        self.params = {}
        self.grads = {}

    def forward(self, x):
        """Inputs:
        - x: float64 array of any shape, e.g. (B, T, 4C); not modified.

        Returns:
        - out: the same shape, float64.

        Caches x and tanh(u).
        """
        # YOUR CODE HERE (GELU.forward): out = 0.5 * x * (1 + tanh(u)); keep x and tanh(u) for backward
        raise NotImplementedError('GELU.forward: out = 0.5 * x * (1 + tanh(u)); keep x and tanh(u) for backward')

    def backward(self, dout):
        """Inputs:
        - dout: upstream gradient, the shape of x.

        Returns:
        - dx: the shape of x, float64: dout times the derivative of the formula above (the tanh
          approximation's own derivative, not that of x * Phi(x)).
        """
        # YOUR CODE HERE (GELU.backward): return dx: dout times the derivative of the tanh-approximation formula, elementwise
        raise NotImplementedError('GELU.backward: return dx: dout times the derivative of the tanh-approximation formula, elementwise')
