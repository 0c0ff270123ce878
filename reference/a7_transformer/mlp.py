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
        ### HINT 1: The module docstring's three lines.
        ### HINT 2: Do each product on (B * T, C) rows; keep x and the GELU's output a for backward.
        ### HINT 3: h = x @ c_fc.weight + c_fc.bias; a = gelu.forward(h); out = a @ c_proj.weight + c_proj.bias.
        ### BEGIN SOLUTION: c_fc, GELU, c_proj
        # each product on (B * T, C) rows: one 2-D product is faster than NumPy's batched one over B
        self.x = x
        B, T, C = x.shape
        h = x.reshape(B * T, C) @ self.params["c_fc.weight"] + self.params["c_fc.bias"]
        self.a = self.act.forward(h.reshape(B, T, -1))
        return (self.a.reshape(B * T, -1) @ self.params["c_proj.weight"] + self.params["c_proj.bias"]).reshape(B, T, C)
        ### END SOLUTION

    def backward(self, dout):
        """Inputs:
        - dout: (B, T, C) float64, upstream gradient.

        Returns:
        - dx: (B, T, C) float64.

        Sets self.grads for the four keys of params, each summed over batch and time.
        """
        ### HINT 1: Three stages in reverse: c_proj (a Linear), your GELU's backward, c_fc (a Linear). Each Linear's
        ###   weight is used at every (b, t): its gradient sums over them.
        ### HINT 2: View (B, T, features) as (B * T, features) rows: each Linear is then a2's 2-D Linear.
        ### HINT 3: dc_proj.weight = a.T @ dout (as rows); dh = gelu.backward(dout @ c_proj.weight.T); dc_fc.weight =
        ###   x.T @ dh (as rows); biases: sums over (0, 1); dx = dh @ c_fc.weight.T.
        ### BEGIN SOLUTION: return dx (B, T, C); set the four grads, each summed over batch and time
        C = dout.shape[-1]
        H = self.a.shape[-1]
        self.grads["c_proj.weight"] = self.a.reshape(-1, H).T @ dout.reshape(-1, C)
        self.grads["c_proj.bias"] = dout.sum(axis=(0, 1))
        dh = self.act.backward((dout.reshape(-1, C) @ self.params["c_proj.weight"].T).reshape(self.a.shape))
        self.grads["c_fc.weight"] = self.x.reshape(-1, C).T @ dh.reshape(-1, H)
        self.grads["c_fc.bias"] = dh.sum(axis=(0, 1))
        return (dh.reshape(-1, H) @ self.params["c_fc.weight"].T).reshape(self.x.shape)
        ### END SOLUTION
