"""TimeSoftmaxWithLoss-style masked cross-entropy: one-hot targets times a mask, divided by the mask's sum."""
import numpy as np


class SequenceCrossEntropy:
    def __init__(self):
        self.params = {}
        self.grads = {}

    def forward(self, logits, targets):
        V = logits.shape[-1]
        mask = (targets != -1).astype(np.float64)
        onehot = np.eye(V)[np.where(targets == -1, 0, targets)] * mask[..., None]
        shifted = logits - np.max(logits, axis=-1, keepdims=True)
        e = np.exp(shifted)
        probs = e / e.sum(axis=-1, keepdims=True)
        self.cache = (probs, onehot, mask)
        log_probs = shifted - np.log(e.sum(axis=-1, keepdims=True))
        return float(-(onehot * log_probs).sum() / mask.sum())

    def backward(self, dloss=1.0):
        probs, onehot, mask = self.cache
        return (probs - onehot) * mask[..., None] * dloss / mask.sum()
