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
        ### HINT 1: Elementwise: np.tanh.
        ### HINT 2: The derivative of tanh can be written with tanh's output alone, so keep the output, not the input.
        ### HINT 3: keep np.tanh of x on self (as out) and return it.
        ### BEGIN SOLUTION: np.tanh, and keep the output for backward
        self.out = np.tanh(x)
        return self.out
        ### END SOLUTION

    def backward(self, dout):
        """Inputs:
        - dout: upstream gradient, the shape of x.

        Returns:
        - dx: the shape of x, float64: dout times the local derivative of tanh at x.
        """
        ### HINT 1: Chain rule, elementwise: dx = dout * (d tanh(x) / dx).
        ### HINT 2: tanh = sinh / cosh; differentiate the quotient and write the result with tanh itself, which
        ###   forward cached.
        ### HINT 3: dx = dout * (1 - out**2).
        ### ANSWER: 1 - tanh(x)**2
        ### ANSWER: 1 - out**2
        ### ANSWER: 1 - h**2
        ### BEGIN SOLUTION: return dx: dout times tanh's local derivative, elementwise, the shape of x
        return dout * (1.0 - self.out**2)
        ### END SOLUTION
