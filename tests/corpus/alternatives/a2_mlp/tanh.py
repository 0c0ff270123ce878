"""Tanh that caches its input and recomputes tanh in backward."""
import numpy as np


class Tanh:
    def __init__(self):
        self.params = {}
        self.grads = {}

    def forward(self, x):
        self.x = x
        return np.tanh(x)

    def backward(self, dout):
        t = np.tanh(self.x)
        return dout * (1.0 - t * t)
