"""Part 3: the lecture's network as a model the kit can train, with nothing but your gradients.

forward is forward.py's chain without the loss (given). backward is yours: the output layer and tanh from
manual_backward.py, BatchNorm with your fused batchnorm_backward, then the first layer and the embedding.
The loss (fused.CrossEntropy) uses your cross_entropy_backward.
"""
import numpy as np

from . import manual_backward as mb
from .forward import EPS, init_params
from .fused import batchnorm_backward


class BackpropNinjaMLP:
    """Embedding -> Linear -> BatchNorm (variance over N-1, as forward.py) -> tanh -> Linear.

    params = {"C": (V, D), "W1": (T*D, H), "b1": (H,), "W2": (H, V), "b2": (V,), "bngain": (1, H),
    "bnbias": (1, H)} float64, initialised as the lecture (forward.init_params); grads has the same keys.
    n_hidden defaults to 200, the lecture's exercise 4 (12,297 parameters); its exercises 1-3 use 64.
    In training mode (the default) BatchNorm uses the batch's statistics, so N >= 2. After calibrate(X) it uses
    the statistics of all of X instead (the lecture's "calibrate the batch norm at the end of training"), for
    evaluation and sampling; train() switches back.
    """

    def __init__(self, vocab_size=27, block_size=3, n_embd=10, n_hidden=200, rng=None):
        self.block_size = block_size
        self.params = init_params(vocab_size, block_size, n_embd, n_hidden, rng)
        self.grads = {}
        self.training = True
        self.bnmean = self.bnvar = None

    def hprebn(self, X):
        """X (N, T) int64 -> (C[X], embcat, hprebn): (N, T, D), (N, T*D), (N, H)."""
        p = self.params
        emb = p["C"][X]
        embcat = emb.reshape(len(X), -1)
        return emb, embcat, embcat @ p["W1"] + p["b1"]

    def forward(self, X):
        """X (N, T) int64 contexts -> logits (N, V) float64. Caches the intermediates backward needs."""
        p = self.params
        emb, embcat, hprebn = self.hprebn(X)
        if self.training:
            n = len(X)
            bnmeani = 1 / n * hprebn.sum(0, keepdims=True)
            bnvar = 1 / (n - 1) * ((hprebn - bnmeani) ** 2).sum(0, keepdims=True)
        else:
            bnmeani, bnvar = self.bnmean, self.bnvar
        bnvar_inv = (bnvar + EPS) ** -0.5
        bnraw = (hprebn - bnmeani) * bnvar_inv
        hpreact = p["bngain"] * bnraw + p["bnbias"]
        h = np.tanh(hpreact)
        self.cache = {"X": X, "emb": emb, "embcat": embcat, "bnvar_inv": bnvar_inv, "bnraw": bnraw, "h": h}
        return h @ p["W2"] + p["b2"]

    def backward(self, dlogits):
        """dlogits (N, V) -> None; sets self.grads (every key of params, each its parameter's shape).

        Training mode only: the BatchNorm gradient assumes the batch statistics of forward.
        """
        # YOUR CODE HERE (BackpropNinjaMLP.backward): fill self.grads (every key of self.params, each its parameter's shape); return None
        raise NotImplementedError("BackpropNinjaMLP.backward: fill self.grads (every key of self.params, each its parameter's shape); return None")

    def calibrate(self, X, chunk=32768):
        """Fix BatchNorm's statistics to those of all of X (N, T) (mean, and variance over N-1), and switch
        to evaluation mode."""
        hprebn = np.concatenate([self.hprebn(X[i:i + chunk])[2] for i in range(0, len(X), chunk)])
        self.bnmean = hprebn.mean(0, keepdims=True)
        self.bnvar = hprebn.var(0, ddof=1, keepdims=True)
        self.training = False

    def train(self):
        """Back to training mode (batch statistics)."""
        self.training = True
