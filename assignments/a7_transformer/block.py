"""A pre-norm residual Transformer block, as makemore.py's Block (GPT-2):

    x = x + attn(ln_1(x))
    x = x + mlp(ln_2(x))

A variable used by both paths of a residual sum (the skip and the branch) receives the sum of their gradients.
"""
import numpy as np

from .attention import CausalSelfAttention
from .layernorm import LayerNorm
from .mlp import MLP


def prefixed(layers, attr):
    """{"ln_1.weight": ..., "attn.c_attn.weight": ...}: the layers' params or grads under dotted names (given)."""
    return {f"{name}.{key}": value for name, layer in layers.items() for key, value in getattr(layer, attr).items()}


class Block:
    """params: the layers' params under "ln_1.", "attn.", "ln_2." and "mlp." (the very arrays they hold):
    "ln_1.weight", "ln_1.bias" (C,), "attn.c_attn.weight" (C, 3C), "attn.c_attn.bias" (3C,),
    "attn.c_proj.weight" (C, C), "attn.c_proj.bias" (C,), "ln_2.weight", "ln_2.bias" (C,),
    "mlp.c_fc.weight" (C, 4C), "mlp.c_fc.bias" (4C,), "mlp.c_proj.weight" (4C, C), "mlp.c_proj.bias" (C,).
    """

    def __init__(self, n_embd, n_head, rng=None, dtype=np.float64):
        rng = np.random.default_rng(0) if rng is None else rng
        self.ln_1 = LayerNorm(n_embd, dtype=dtype)
        self.attn = CausalSelfAttention(n_embd, n_head, rng, dtype)
        self.ln_2 = LayerNorm(n_embd, dtype=dtype)
        self.mlp = MLP(n_embd, rng, dtype)
        self.layers = {"ln_1": self.ln_1, "attn": self.attn, "ln_2": self.ln_2, "mlp": self.mlp}
        self.params = prefixed(self.layers, "params")
        self.grads = {}

    def forward(self, x):
        """Inputs:
        - x: (B, T, C) float64; not modified.

        Returns:
        - out: (B, T, C) float64.

        Each layer caches what its own backward needs.
        """
        # YOUR CODE HERE (Block.forward): two residual sums, each around a LayerNorm and a branch (attention, then MLP)
        raise NotImplementedError('Block.forward: two residual sums, each around a LayerNorm and a branch (attention, then MLP)')

    def backward(self, dout):
        """Inputs:
        - dout: (B, T, C) float64, upstream gradient.

        Returns:
        - dx: (B, T, C) float64.

        Sets self.grads with the keys of self.params (prefixed(self.layers, "grads") collects them).
        """
        # YOUR CODE HERE (Block.backward): return dx (B, T, C); collect self.grads with prefixed(self.layers, 'grads')
        raise NotImplementedError("Block.backward: return dx (B, T, C); collect self.grads with prefixed(self.layers, 'grads')")
