"""Part 2: the same gradients in one expression each, as the lecture's exercises 2 and 3.

Derive them on paper from the forward pass (forward.py), then check them against your step-by-step chain
(manual_backward.backward computes every intermediate gradient with your Part 1 functions).
"""
import numpy as np


def cross_entropy_backward(logits, Yb):
    """dlogits of loss = -log(softmax(logits))[range(N), Yb].mean(), in one expression.

    Inputs: logits (N, V) float64; Yb (N,) int64.
    Returns dlogits (N, V) float64 (each row of it sums to 0: a check for your derivation).
    """
    # YOUR CODE HERE (cross_entropy_backward): return dlogits (N, V) in one expression of logits and Yb
    raise NotImplementedError('cross_entropy_backward: return dlogits (N, V) in one expression of logits and Yb')


def batchnorm_backward(dhpreact, bngain, bnvar_inv, bnraw):
    """dhprebn of hpreact = bngain * (hprebn - mean) * (var + EPS)**-0.5 + bnbias, in one expression, where
    mean and var are hprebn's batch statistics over axis 0 and var divides by N-1 (forward.py's bnvar).

    Inputs: dhpreact (N, H), bngain (1, H), bnvar_inv (1, H), bnraw (N, H) (the cached forward values).
    Returns dhprebn (N, H). Every row depends on every row of the batch (through the mean and the variance);
    the variance divides by N-1, so your result carries that factor where the textbook's carries N.
    """
    # YOUR CODE HERE (batchnorm_backward): return dhprebn (N, H) in one expression of the cached values
    raise NotImplementedError('batchnorm_backward: return dhprebn (N, H) in one expression of the cached values')


class CrossEntropy:
    """The loss for training (given): forward as F.cross_entropy, backward with your cross_entropy_backward.

    forward(logits (N, V), targets (N,) int64) -> float, the mean negative log-likelihood; caches both.
    backward() -> dlogits (N, V).
    """

    def forward(self, logits, targets):
        self.logits, self.targets = logits, targets
        shifted = logits - logits.max(1, keepdims=True)
        logprobs = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
        return float(-logprobs[np.arange(len(targets)), targets].mean())

    def backward(self):
        return cross_entropy_backward(self.logits, self.targets)
