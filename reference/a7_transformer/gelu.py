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
        ### HINT 1: The module docstring's formula.
        ### HINT 2: Compute u from x, keep x and tanh(u) for backward.
        ### HINT 3: self.x = x; self.tanh_u = tanh(sqrt(2/pi) * (x + 0.044715 x**3)); return 0.5 * x * (1 + tanh_u).
        ### BEGIN SOLUTION: out = 0.5 * x * (1 + tanh(u)); keep x and tanh(u) for backward
        self.x = x
        self.tanh_u = np.tanh(GELU_SCALE * (x + GELU_CUBIC * x * x * x))
        return 0.5 * x * (1.0 + self.tanh_u)
        ### END SOLUTION

    def backward(self, dout):
        """Inputs:
        - dout: upstream gradient, the shape of x.

        Returns:
        - dx: the shape of x, float64: dout times the derivative of the formula above (the tanh
          approximation's own derivative, not that of x * Phi(x)).
        """
        ### HINT 1: out = 0.5 * x * (1 + tanh(u(x))) is a product of two functions of x: product rule, then the chain
        ###   rule through tanh and through u.
        ### HINT 2: d/dx of 0.5 * x is 0.5; d tanh(u)/du = 1 - tanh(u)**2; du/dx = sqrt(2/pi) * (1 + 3 * 0.044715 *
        ###   x**2).
        ### HINT 3: dx = dout * (0.5 * (1 + tanh_u) + 0.5 * x * (1 - tanh_u**2) * sqrt(2/pi) * (1 + 3 * 0.044715 *
        ###   x**2)).
        ### ANSWER: 0.5 * (1 + tanh(u)) + 0.5 * x * (1 - tanh(u)**2)
        ### BEGIN SOLUTION: return dx: dout times the derivative of the tanh-approximation formula, elementwise
        x, th = self.x, self.tanh_u
        du_dx = GELU_SCALE * (1.0 + 3.0 * GELU_CUBIC * x * x)
        return dout * (0.5 * (1.0 + th) + 0.5 * x * (1.0 - th * th) * du_dx)
        ### END SOLUTION
