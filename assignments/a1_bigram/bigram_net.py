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
        # YOUR CODE HERE (BigramNet.forward): logits[i] = W[idx[i, 0]]; cache what backward needs
        raise NotImplementedError('BigramNet.forward: logits[i] = W[idx[i, 0]]; cache what backward needs')

    def backward(self, dlogits):
        """Inputs:
        - dlogits: (N, V) float64, upstream gradient.

        Returns None (token ids have no gradient). Sets self.grads["W"]: (V, V) float64; a row used by several
        examples receives the sum of their gradients.
        """
        # YOUR CODE HERE (BigramNet.backward): set self.grads['W'] (V, V); a row of W used by several examples receives the sum of their gradients
        raise NotImplementedError("BigramNet.backward: set self.grads['W'] (V, V); a row of W used by several examples receives the sum of their gradients")
