"""A correct Part 2 row by row (cross-entropy) and in CS231n's staged form (BatchNorm, with N-1)."""
import numpy as np


def cross_entropy_backward(logits, Yb):
    n = logits.shape[0]
    out = np.empty(logits.shape)
    for k in range(n):
        e = np.exp(logits[k] - logits[k].max())
        out[k] = e / e.sum()
        out[k, Yb[k]] -= 1
    return out / n


def batchnorm_backward(dhpreact, bngain, bnvar_inv, bnraw):
    n = dhpreact.shape[0]
    dxhat = dhpreact * bngain
    bndiff = bnraw / bnvar_inv
    dvar = np.sum(dxhat * bnraw, axis=0) * -0.5 * bnvar_inv**2  # through bnvar_inv = (var + eps)**-0.5
    dmean = -np.sum(dxhat * bnvar_inv, axis=0)  # the variance's path to the mean is 0: sum(bndiff) = 0
    return dxhat * bnvar_inv + dvar * 2 * bndiff / (n - 1) + dmean / n


class CrossEntropy:
    def forward(self, logits, targets):
        self.logits, self.targets = logits, targets
        shifted = logits - logits.max(1, keepdims=True)
        logprobs = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
        return float(-logprobs[np.arange(len(targets)), targets].mean())

    def backward(self):
        return cross_entropy_backward(self.logits, self.targets)
