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
        ### HINT 1: logits = onehot(idx[:, 0]) @ W picks one row of W per example.
        ### HINT 2: Index W with the (N,) vector of previous tokens; keep that vector for backward.
        ### HINT 3: keep idx[:, 0] on self, return the rows of W it picks.
        ### BEGIN SOLUTION: logits[i] = W[idx[i, 0]]; cache what backward needs
        self.idx = idx[:, 0]
        return self.params["W"][self.idx]
        ### END SOLUTION

    def backward(self, dlogits):
        """Inputs:
        - dlogits: (N, V) float64, upstream gradient.

        Returns None (token ids have no gradient). Sets self.grads["W"]: (V, V) float64; a row used by several
        examples receives the sum of their gradients.
        """
        ### HINT 1: Write the forward as a matrix product, logits = onehot(idx) @ W, and use the rule of a matrix
        ###   product.
        ### HINT 2: Each example's dlogits row belongs to the row of W it was read from; rows read several times add
        ###   up, rows never read get 0. Assignment W[idx] = ... keeps only one of the repeats.
        ### HINT 3: dW = onehot(idx).T @ dlogits, or dW = zeros; np.add.at(dW, idx, dlogits).
        ### ANSWER: np.add.at(dW, idx, dlogits)
        ### ANSWER: onehot(idx).T @ dlogits
        ### BEGIN SOLUTION: set self.grads['W'] (V, V); a row of W used by several examples receives the sum of their gradients
        # logits = onehot(idx) @ W, so dW = onehot(idx).T @ dlogits: the sum over the examples of each token
        onehot = np.eye(self.params["W"].shape[0], dtype=dlogits.dtype)[self.idx]  # (N, V)
        dW = onehot.T @ dlogits
        self.grads["W"] = dW
        return None
        ### END SOLUTION
