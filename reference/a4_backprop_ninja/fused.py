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
    ### HINT 1: Collapse the chain from logits to loss on paper for one row: loss_i = -log softmax(l)[y] = -l[y] + log
    ###   sum_j exp(l_j), then the mean over N rows.
    ### HINT 2: d/dl_k of log sum_j exp(l_j) is softmax(l)_k; d/dl_k of l[y] is 1 when k == y. The mean puts 1/N on
    ###   every row.
    ### HINT 3: dlogits = (softmax(logits) - one_hot(Yb)) / N.
    ### ANSWER: (softmax(logits) - one_hot(Yb)) / N
    ### ANSWER: softmax minus one-hot
    ### BEGIN SOLUTION: return dlogits (N, V) in one expression of logits and Yb
    n = logits.shape[0]
    exp = np.exp(logits - logits.max(1, keepdims=True))
    grad = exp / exp.sum(1, keepdims=True)
    grad[np.arange(n), Yb] -= 1.0
    return grad / n
    ### END SOLUTION


def batchnorm_backward(dhpreact, bngain, bnvar_inv, bnraw):
    """dhprebn of hpreact = bngain * (hprebn - mean) * (var + EPS)**-0.5 + bnbias, in one expression, where
    mean and var are hprebn's batch statistics over axis 0 and var divides by N-1 (forward.py's bnvar).

    Inputs: dhpreact (N, H), bngain (1, H), bnvar_inv (1, H), bnraw (N, H) (the cached forward values).
    Returns dhprebn (N, H). Every row depends on every row of the batch (through the mean and the variance);
    the variance divides by N-1, so your result carries that factor where the textbook's carries N.
    """
    ### HINT 1: Collapse the BatchNorm nodes of the table (bnmeani, bndiff, bndiff2, bnvar, bnvar_inv, bnraw) on
    ###   paper: hprebn reaches hpreact directly, through the mean and through the variance, each of which depends on
    ###   every row.
    ### HINT 2: Start from dbnraw (Part 1), then the three paths to one hprebn[i]: directly (times bnvar_inv), through
    ###   bnvar (its 1/(N-1) and the derivative of the power), through bnmeani (its 1/N). Express everything with
    ###   bnraw and bnvar_inv and factor out bngain * bnvar_inv / N.
    ### HINT 3: dhprebn = bngain * bnvar_inv / N * (N * dhpreact - dhpreact.sum(0) - N/(N-1) * bnraw * (dhpreact *
    ###   bnraw).sum(0)).
    ### ANSWER: N * dhpreact - dhpreact.sum(0) - N/(N-1) * bnraw * (dhpreact * bnraw).sum(0)
    ### BEGIN SOLUTION: return dhprebn (N, H) in one expression of the cached values
    n = dhpreact.shape[0]
    return bngain * bnvar_inv / n * (
        n * dhpreact - dhpreact.sum(0) - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0))
    ### END SOLUTION


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
