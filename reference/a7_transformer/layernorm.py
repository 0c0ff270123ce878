"""LayerNorm over the last axis (Ba et al., 2016), as nn.LayerNorm and llm.c's layernorm_forward/backward.

    mean = x.mean(-1)            var = ((x - mean)**2).mean(-1)   (biased: divide by C)
    rstd = 1 / sqrt(var + eps)   xhat = (x - mean) * rstd         out = xhat * weight + bias
"""
import numpy as np


class LayerNorm:
    """params = {"weight": (C,), "bias": (C,)}, initialised to ones and zeros (as nn.LayerNorm).

    eps = 1e-5 (PyTorch's default). Each position is normalised on its own: the statistics are over the C
    features of one (b, t), never over the batch or the time axis.
    """

    def __init__(self, n_embd, eps=1e-5, dtype=np.float64):
        self.eps = eps
        self.params = {"weight": np.ones(n_embd, dtype=dtype), "bias": np.zeros(n_embd, dtype=dtype)}
        self.grads = {}

    def forward(self, x):
        """Inputs:
        - x: (B, T, C) float64 (any number of leading axes); not modified.

        Returns:
        - out: (B, T, C) float64.

        Caches xhat (B, T, C) and rstd (B, T, 1), as llm.c caches mean and rstd.
        """
        ### HINT 1: The module docstring's equations, over the last axis only.
        ### HINT 2: keepdims=True on the mean and the variance so they broadcast over C; cache xhat and rstd.
        ### HINT 3: mean = x.mean(-1, keepdims); var = ((x - mean)**2).mean(-1, keepdims); rstd = 1 / sqrt(var + eps);
        ###   xhat = (x - mean) * rstd; out = xhat * weight + bias.
        ### BEGIN SOLUTION: mean and biased variance over the last axis (keepdims), rstd = 1/sqrt(var + eps)
        mean = x.mean(axis=-1, keepdims=True)
        xmu = x - mean
        var = (xmu * xmu).mean(axis=-1, keepdims=True)
        self.rstd = 1.0 / np.sqrt(var + self.eps)
        self.xhat = xmu * self.rstd
        return self.xhat * self.params["weight"] + self.params["bias"]
        ### END SOLUTION

    def backward(self, dout):
        """Inputs:
        - dout: (B, T, C) float64, upstream gradient.

        Returns:
        - dx: (B, T, C) float64 (derive it as a3's BatchNorm backward, with the statistics over C; llm.c's
          doc/layernorm walks through the same derivation).

        Sets self.grads["weight"] and self.grads["bias"], both (C,), summed over every leading axis (batch
        and time).
        """
        ### HINT 1: a3's BatchNorm derivation turned sideways: the statistics are over the C features of one position,
        ###   so each position's dx depends on that position's C values only. weight and bias are broadcast over every
        ###   leading axis: their gradients sum over them.
        ### HINT 2: Name dxhat the gradient of xhat (the upstream times weight); go back through xhat = (x - mean) *
        ###   rstd with three paths (directly, through the mean, through the variance), each mean over C giving 1/C;
        ###   simplify with xhat and rstd (llm.c doc/layernorm walks it).
        ### HINT 3: dweight = (dout * xhat).sum(leading axes); dbias = dout.sum(leading axes); dx = rstd * (dxhat -
        ###   dxhat.mean(-1, keepdims) - xhat * (dxhat * xhat).mean(-1, keepdims)).
        ### ANSWER: dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)
        ### BEGIN SOLUTION: return dx (B, T, C); set grads['weight'], grads['bias'] (C,), summed over every leading axis
        lead = tuple(range(dout.ndim - 1))
        self.grads["weight"] = (dout * self.xhat).sum(axis=lead)
        self.grads["bias"] = dout.sum(axis=lead)
        dxhat = dout * self.params["weight"]
        return self.rstd * (dxhat - dxhat.mean(axis=-1, keepdims=True)
                            - self.xhat * (dxhat * self.xhat).mean(axis=-1, keepdims=True))
        ### END SOLUTION
