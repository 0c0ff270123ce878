"""The pre-norm block, keeping the residual stream's intermediate gradient under its own name."""
import numpy as np

from .attention import CausalSelfAttention
from .layernorm import LayerNorm
from .mlp import MLP


class Block:
    def __init__(self, n_embd, n_head, rng=None, dtype=np.float64):
        rng = np.random.default_rng(0) if rng is None else rng
        self.parts = [("ln_1", LayerNorm(n_embd, dtype=dtype)), ("attn", CausalSelfAttention(n_embd, n_head, rng, dtype)),
                      ("ln_2", LayerNorm(n_embd, dtype=dtype)), ("mlp", MLP(n_embd, rng, dtype))]
        self.params = {}
        for name, layer in self.parts:
            for key, value in layer.params.items():
                self.params[name + "." + key] = value
        self.grads = {}

    def forward(self, x):
        (_, ln_1), (_, attn), (_, ln_2), (_, mlp) = self.parts
        residual = x + attn.forward(ln_1.forward(x))
        return residual + mlp.forward(ln_2.forward(residual))

    def backward(self, dout):
        (_, ln_1), (_, attn), (_, ln_2), (_, mlp) = self.parts
        dresidual = dout.copy()
        dresidual += ln_2.backward(mlp.backward(dout))
        dx = dresidual.copy()
        dx += ln_1.backward(attn.backward(dresidual))
        self.grads = {}
        for name, layer in self.parts:
            for key, value in layer.grads.items():
                self.grads[name + "." + key] = value
        return dx
