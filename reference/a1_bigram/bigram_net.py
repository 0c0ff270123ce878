"""The bigram model as a neural network: one weight matrix, logits = onehot(previous char) @ W.

Trained with SoftmaxCrossEntropy, W converges to log-counts: the network rediscovers the counting model.
"""
import numpy as np


class BigramNet:
    """params = {"W": (V, V) float64}; logits for context token a are row W[a].

    Inputs to forward are contexts of one token, shape (N, 1), as the kit's data module builds them with
    block_size=1.
    """

    block_size = 1

    def __init__(self, vocab_size=27, rng=None):
        rng = np.random.default_rng(0) if rng is None else rng
        self.params = {"W": rng.standard_normal((vocab_size, vocab_size))}
        self.grads = {}

    def forward(self, idx):
        """Inputs:
        - idx: (N, 1) int64, the previous token of each example; not modified.

        Returns:
        - logits: (N, V) float64, logits[i] = W[idx[i, 0]] (the same as onehot(idx[:, 0]) @ W).

        Caches idx.
        """
        ### BEGIN SOLUTION: pick the row of W of each example's previous token
        self.idx = idx[:, 0]
        return self.params["W"][self.idx]
        ### END SOLUTION

    def backward(self, dlogits):
        """Inputs:
        - dlogits: (N, V) float64, upstream gradient.

        Returns None (token ids have no gradient). Sets self.grads["W"]: (V, V) float64; a row used by several
        examples receives the sum of their gradients.
        """
        ### BEGIN SOLUTION: scatter-add each dlogits row into the row of W it came from (np.add.at or a one-hot matmul, not W[idx] = ...)
        # logits = onehot(idx) @ W, so dW = onehot(idx).T @ dlogits: the sum over the examples of each token
        onehot = np.eye(self.params["W"].shape[0], dtype=dlogits.dtype)[self.idx]  # (N, V)
        dW = onehot.T @ dlogits
        self.grads["W"] = dW
        return None
        ### END SOLUTION
