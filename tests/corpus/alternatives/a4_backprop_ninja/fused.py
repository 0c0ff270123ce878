"""A correct Part 2 in another style: log-softmax and one-hot; BatchNorm backward from dbnraw."""
import numpy as np


def cross_entropy_backward(logits, Yb):
    shifted = logits - logits.max(axis=1, keepdims=True)
    logprobs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return (np.exp(logprobs) - np.eye(logits.shape[1])[Yb]) / logits.shape[0]


def batchnorm_backward(dhpreact, bngain, bnvar_inv, bnraw):
    n = dhpreact.shape[0]
    dxhat = bngain * dhpreact
    return bnvar_inv / n * (n * dxhat - dxhat.sum(0, keepdims=True)
                            - n / (n - 1) * bnraw * (dxhat * bnraw).sum(0, keepdims=True))


class CrossEntropy:
    def forward(self, logits, targets):
        self.logits, self.targets = logits, targets
        shifted = logits - logits.max(1, keepdims=True)
        logprobs = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
        return float(-logprobs[np.arange(len(targets)), targets].mean())

    def backward(self):
        return cross_entropy_backward(self.logits, self.targets)
