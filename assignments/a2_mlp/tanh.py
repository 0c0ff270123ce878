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
        - dx: the shape of x, float64; d tanh(x)/dx = 1 - tanh(x)**2.
        """
        # YOUR CODE HERE (Tanh.backward): multiply by the local derivative 1 - out**2
        raise NotImplementedError('Tanh.backward: multiply by the local derivative 1 - out**2')
