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
        ### HINT 1: a1's cross-entropy on every (b, t), masked: only positions with a target count, and the mean is
        ###   over them.
        ### HINT 2: A stable log-softmax over the last axis; replace -1 targets by a valid index (0) to gather, then
        ###   zero them with the mask; n_valid = the number of True entries.
        ### HINT 3: loss = -(picked log-probs * valid).sum() / n_valid; cache probs, the mask, the safe targets and
        ###   n_valid.
        ### BEGIN SOLUTION: a stable log-softmax over the last axis; pick the targets' log-probs where targets != -1; divide by the number of valid positions
        shifted = logits - np.max(logits, axis=-1, keepdims=True)
        log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
        self.probs = np.exp(log_probs)
        self.valid = targets != -1
        self.safe_targets = np.where(self.valid, targets, 0)
        picked = np.take_along_axis(log_probs, self.safe_targets[..., None], axis=-1)[..., 0]
        self.n_valid = int(self.valid.sum())
        return float(-(picked * self.valid).sum() / self.n_valid)
        ### END SOLUTION

    def backward(self, dloss=1.0):
        """Inputs:
        - dloss: float, the upstream gradient (1.0 when this is the final loss).

        Returns:
        - dlogits: (B, T, V) float64, dloss * d(loss)/d(logits): at each valid position a1's softmax
          cross-entropy gradient with this loss's mean, and exactly 0 at positions whose target is -1.
        """
        ### HINT 1: Per valid position this is a1's softmax cross-entropy; a position the loss never reads has
        ###   gradient 0.
        ### HINT 2: The mean is over n_valid positions, not B * T: that is the factor every valid row gets.
        ### HINT 3: dlogits = (probs - onehot(targets)) * valid[..., None] / n_valid * dloss.
        ### ANSWER: (softmax - onehot(targets)) / n_valid
        ### BEGIN SOLUTION: return dlogits (B, T, V), exactly 0 where the target is -1; do not modify the cache
        dlogits = self.probs.copy()
        np.put_along_axis(dlogits, self.safe_targets[..., None], np.take_along_axis(
            dlogits, self.safe_targets[..., None], axis=-1) - 1.0, axis=-1)
        dlogits *= self.valid[..., None] * (dloss / self.n_valid)
        return dlogits
        ### END SOLUTION
