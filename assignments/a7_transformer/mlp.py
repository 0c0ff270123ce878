"""The Transformer block's MLP (makemore.py's mlpf): a 4x expansion, GELU, a projection back.

    h = x @ c_fc.weight + c_fc.bias        (B, T, 4C)
    a = gelu(h)                            (B, T, 4C)
    out = a @ c_proj.weight + c_proj.bias  (B, T, C)
"""
import numpy as np

from .gelu import GELU
from .init import linear_params


class MLP:
    """params = {"c_fc.weight": (C, 4C), "c_fc.bias": (4C,), "c_proj.weight": (4C, C), "c_proj.bias": (C,)}.

    Uses this assignment's GELU.
    """

    def __init__(self, n_embd, rng=None, dtype=np.float64):
        rng = np.random.default_rng(0) if rng is None else rng
        fc, proj = linear_params(rng, n_embd, 4 * n_embd, dtype), linear_params(rng, 4 * n_embd, n_embd, dtype)
        self.act = GELU()
        self.params = {"c_fc.weight": fc["weight"], "c_fc.bias": fc["bias"],
                       "c_proj.weight": proj["weight"], "c_proj.bias": proj["bias"]}
        self.grads = {}

    def forward(self, x):
        """Inputs:
        - x: (B, T, C) float64; not modified.

        Returns:
        - out: (B, T, C) float64.

        Caches x and the GELU's output a (B, T, 4C); the GELU caches its own input.
        """
        # YOUR CODE HERE (MLP.forward): c_fc, GELU, c_proj
        raise NotImplementedError('MLP.forward: c_fc, GELU, c_proj')

    def backward(self, dout):
        """Inputs:
        - dout: (B, T, C) float64, upstream gradient.

        Returns:
        - dx: (B, T, C) float64.

        Sets self.grads for the four keys of params, each summed over batch and time.
        """
        # YOUR CODE HERE (MLP.backward): return dx (B, T, C); set the four grads, each summed over batch and time
        raise NotImplementedError('MLP.backward: return dx (B, T, C); set the four grads, each summed over batch and time')
