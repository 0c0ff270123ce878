"""Masked cross-entropy written with boolean indexing on the flattened positions (another style)."""
import numpy as np


class SequenceCrossEntropy:
    def __init__(self):
        self.params = {}
        self.grads = {}

    def forward(self, logits, targets):
        B, T, V = logits.shape
        flat = logits.reshape(B * T, V)
        self.keep = np.flatnonzero(targets.reshape(-1) >= 0)
        self.shape = logits.shape
        rows = flat[self.keep]
        m = rows.max(axis=1)
        lse = m + np.log(np.sum(np.exp(rows - m[:, None]), axis=1))
        self.kept_targets = targets.reshape(-1)[self.keep]
        self.rows = rows
        self.lse = lse
        return float(np.mean(lse - rows[np.arange(len(rows)), self.kept_targets]))

    def backward(self, dloss=1.0):
        p = np.exp(self.rows - self.lse[:, None])
        p[np.arange(len(p)), self.kept_targets] -= 1.0
        out = np.zeros((self.shape[0] * self.shape[1], self.shape[2]))
        out[self.keep] = p * (dloss / len(p))
        return out.reshape(self.shape)
