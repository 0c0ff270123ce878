"""Softmax and cross-entropy fused into one numerically stable layer.

Fusing them makes the backward pass short: derive d(loss)/d(logits) for one row on paper (the lecture's
exercise), and it is a one-line expression of the cached probabilities and the targets.
"""
import numpy as np


class SoftmaxCrossEntropy:
    """loss = -mean_i log softmax(logits_i)[targets_i], safe for any finite logits (even 1e4).

    No parameters: ``params`` and ``grads`` are empty dicts.
    """

    def __init__(self):
        self.params = {}
        self.grads = {}

    def forward(self, logits, targets):
        """Inputs:
        - logits: (N, V) float64, unnormalised scores; not modified.
        - targets: (N,) int64, the correct class of each row, 0 <= targets[i] < V.

        Returns:
        - loss: float, the mean over the N rows (not the sum).

        Caches what backward needs (the probabilities and the targets).
        """
        # YOUR CODE HERE (SoftmaxCrossEntropy.forward): subtract each row's max before exp (stability), then loss = mean(logsumexp - logit of target)
        raise NotImplementedError("SoftmaxCrossEntropy.forward: subtract each row's max before exp (stability), then loss = mean(logsumexp - logit of target)")

    def backward(self, dloss=1.0):
        """Inputs:
        - dloss: float, the upstream gradient of whatever the loss feeds (1.0 when it is the final loss).

        Returns:
        - dlogits: (N, V) float64, dloss * d(loss)/d(logits).
        """
        # YOUR CODE HERE (SoftmaxCrossEntropy.backward): return dloss * d(loss)/d(logits), shape (N, V); do not modify the cached probabilities
        raise NotImplementedError('SoftmaxCrossEntropy.backward: return dloss * d(loss)/d(logits), shape (N, V); do not modify the cached probabilities')
