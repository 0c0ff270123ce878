"""The bigram net as a one-hot matrix product: logits = onehot @ W, dW = onehot.T @ dlogits."""
import numpy as np


class BigramNet:
    block_size = 1

    def __init__(self, vocab_size=27, rng=None):
        rng = np.random.default_rng(0) if rng is None else rng
        self.W = rng.standard_normal((vocab_size, vocab_size))
        self.grads = {}

    @property
    def params(self):
        return {"W": self.W}

    def forward(self, idx):
        self.onehot = np.eye(self.W.shape[0])[idx[:, 0]]
        return self.onehot @ self.W

    def backward(self, dlogits):
        self.grads["W"] = self.onehot.T @ dlogits
