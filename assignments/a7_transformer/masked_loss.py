"""Cross-entropy over a sequence of logits, ignoring the positions whose target is -1 (given).

TEMPORARY: to be replaced by a6's grader/data.py sequence examples and masked loss at merge. a7 then
imports a6's loss (makemore.py's F.cross_entropy(..., ignore_index=-1): the mean over the valid positions).
"""
import numpy as np


class MaskedCrossEntropy:
    """loss = mean over the positions (b, t) with targets[b, t] != -1 of -log softmax(logits[b, t])[target]."""

    def __init__(self):
        self.params = {}
        self.grads = {}

    def forward(self, logits, targets):
        """logits (B, T, V) float; targets (B, T) int64, -1 where ignored. Returns a float."""
        V = logits.shape[-1]
        flat_logits = logits.reshape(-1, V)
        flat_targets = targets.reshape(-1)
        valid = flat_targets != -1
        shifted = flat_logits - flat_logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        self.probs = exp / total
        self.valid, self.targets, self.shape = valid, np.where(valid, flat_targets, 0), logits.shape
        self.count = max(int(valid.sum()), 1)
        picked = shifted[np.arange(len(flat_targets)), self.targets] - np.log(total[:, 0])
        return float(-(picked * valid).sum() / self.count)

    def backward(self, dloss=1.0):
        """Returns dlogits (B, T, V): (softmax - onehot) * dloss / count at valid positions, 0 elsewhere."""
        dlogits = np.array(self.probs)  # a fresh array: backward may be called twice
        dlogits[np.arange(len(self.targets)), self.targets] -= 1.0
        dlogits *= (self.valid * (dloss / self.count))[:, None].astype(dlogits.dtype)
        return dlogits.reshape(self.shape)
