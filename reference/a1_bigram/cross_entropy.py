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
        ### HINT 1: log softmax(z)[y] = z[y] - log sum exp(z); shifting a row by a constant changes nothing, so shift
        ###   by the row max.
        ### HINT 2: shifted = logits - max per row (keepdims); log_probs = shifted - log(sum(exp(shifted))) per row;
        ###   keep exp(log_probs) for backward.
        ### HINT 3: loss = -log_probs[arange(N), targets].mean(); cache probs = exp(log_probs) and targets.
        ### BEGIN SOLUTION: subtract each row's max before exp (stability), then loss = mean(logsumexp - logit of target)
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        log_probs = shifted - log_norm
        self.probs = np.exp(log_probs)
        self.targets = targets
        n = logits.shape[0]
        return float(-log_probs[np.arange(n), targets].sum() / n)  # the mean; .mean() costs more on small arrays
        ### END SOLUTION

    def backward(self, dloss=1.0):
        """Inputs:
        - dloss: float, the upstream gradient of whatever the loss feeds (1.0 when it is the final loss).

        Returns:
        - dlogits: (N, V) float64, dloss * d(loss)/d(logits).
        """
        ### HINT 1: Differentiate log softmax(z)[y] = z[y] - log sum_j exp(z_j) with respect to every z_k of the row,
        ###   then remember the mean over N rows.
        ### HINT 2: d/dz_k of log sum_j exp(z_j) is softmax(z)_k; d/dz_k of z[y] is 1 when k == y, else 0. The mean
        ###   contributes a factor 1/N to every row.
        ### HINT 3: dlogits = (probs - onehot(targets)) / N * dloss (copy probs, subtract 1 at [arange(N), targets]).
        ### ANSWER: (softmax(logits) - onehot(targets)) / N
        ### ANSWER: probs - onehot
        ### BEGIN SOLUTION: return dloss * d(loss)/d(logits), shape (N, V); do not modify the cached probabilities
        n = self.probs.shape[0]
        dlogits = self.probs.copy()
        dlogits[np.arange(n), self.targets] -= 1.0
        return dlogits * (dloss / n)
        ### END SOLUTION
