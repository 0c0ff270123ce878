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
        # YOUR CODE HERE (Tanh.forward): np.tanh, and keep the output for backward
        raise NotImplementedError('Tanh.forward: np.tanh, and keep the output for backward')

    def backward(self, dout):
        """Inputs:
        - dout: upstream gradient, the shape of x.

        Returns:
        - dx: the shape of x, float64: dout times the local derivative of tanh at x.
        """
        # YOUR CODE HERE (Tanh.backward): return dx: dout times tanh's local derivative, elementwise, the shape of x
        raise NotImplementedError("Tanh.backward: return dx: dout times tanh's local derivative, elementwise, the shape of x")
