"""Cross-entropy over every position of a batch of sequences, ignoring the positions whose target is -1."""
import numpy as np


class SequenceCrossEntropy:
    """loss = mean over the valid positions (targets != -1) of -log softmax(logits[b, t])[targets[b, t]].

    PyTorch's F.cross_entropy(logits.view(-1, V), targets.view(-1), ignore_index=-1), as makemore.py
    computes it: the mean is over the valid positions only, not over all B * T positions nor over B.
    No parameters: ``params`` and ``grads`` are empty dicts.
    """

    def __init__(self):
        self.params = {}
        self.grads = {}

    def forward(self, logits, targets):
        """Inputs:
        - logits: (B, T, V) float64, unnormalised scores; not modified.
        - targets: (B, T) int64, the next token at each position, or -1 where nothing is to be predicted
          (past the end of a word); at least one target is not -1.

        Returns:
        - loss: float, the mean over the positions with targets != -1.

        Caches the probabilities (B, T, V), the targets and the mask of valid positions.
        """
        # YOUR CODE HERE (SequenceCrossEntropy.forward): a stable log-softmax over the last axis; pick the targets' log-probs where targets != -1; divide by the number of valid positions
        raise NotImplementedError("SequenceCrossEntropy.forward: a stable log-softmax over the last axis; pick the targets' log-probs where targets != -1; divide by the number of valid positions")

    def backward(self, dloss=1.0):
        """Inputs:
        - dloss: float, the upstream gradient (1.0 when this is the final loss).

        Returns:
        - dlogits: (B, T, V) float64, dloss * d(loss)/d(logits): at each valid position a1's softmax
          cross-entropy gradient with this loss's mean, and exactly 0 at positions whose target is -1.
        """
        # YOUR CODE HERE (SequenceCrossEntropy.backward): return dlogits (B, T, V), exactly 0 where the target is -1; do not modify the cache
        raise NotImplementedError('SequenceCrossEntropy.backward: return dlogits (B, T, V), exactly 0 where the target is -1; do not modify the cache')
