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
        # YOUR CODE HERE (LayerNorm.forward): mean and biased variance over the last axis (keepdims), rstd = 1/sqrt(var + eps)
        raise NotImplementedError('LayerNorm.forward: mean and biased variance over the last axis (keepdims), rstd = 1/sqrt(var + eps)')

    def backward(self, dout):
        """Inputs:
        - dout: (B, T, C) float64, upstream gradient.

        Returns:
        - dx: (B, T, C) float64 (derive it as a3's BatchNorm backward, with the statistics over C; llm.c's
          doc/layernorm walks through the same derivation).

        Sets self.grads["weight"] and self.grads["bias"], both (C,), summed over every leading axis (batch
        and time).
        """
        # YOUR CODE HERE (LayerNorm.backward): return dx (B, T, C); set grads['weight'], grads['bias'] (C,), summed over every leading axis
        raise NotImplementedError("LayerNorm.backward: return dx (B, T, C); set grads['weight'], grads['bias'] (C,), summed over every leading axis")
