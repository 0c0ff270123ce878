"""Tanh nonlinearity, elementwise."""
import numpy as np


class Tanh:
    """No parameters: ``params`` and ``grads`` are empty dicts."""

    def __init__(self):
        self.params = {}
        self.grads = {}

    def forward(self, x):
        """Inputs:
        - x: float64 array of any shape; not modified.

        Returns:
        - out: tanh(x), same shape, float64.

        Caches out (its derivative needs only the output).
        """
        ### BEGIN SOLUTION: np.tanh, and keep the output for backward
        self.out = np.tanh(x)
        return self.out
        ### END SOLUTION

    def backward(self, dout):
        """Inputs:
        - dout: upstream gradient, the shape of x.

        Returns:
        - dx: the shape of x, float64; d tanh(x)/dx = 1 - tanh(x)**2.
        """
        ### BEGIN SOLUTION: multiply by the local derivative 1 - out**2
        return dout * (1.0 - self.out**2)
        ### END SOLUTION
