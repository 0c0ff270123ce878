"""The MLP as a list of layers, params and grads as properties that name the layers' arrays."""
import numpy as np

from a2_mlp.embedding import Embedding
from a2_mlp.linear import Linear
from a2_mlp.tanh import Tanh

NAMES = {"C": ("embedding", "weight"), "W1": ("hidden", "weight"), "b1": ("hidden", "bias"),
         "W2": ("output", "weight"), "b2": ("output", "bias")}


class MLP:
    def __init__(self, vocab_size=27, block_size=3, n_embd=10, n_hidden=200, rng=None):
        rng = np.random.default_rng(0) if rng is None else rng
        self.block_size, self.n_embd = block_size, n_embd
        self.embedding = Embedding(vocab_size, n_embd, rng)
        self.hidden = Linear(block_size * n_embd, n_hidden, rng)
        self.output = Linear(n_hidden, vocab_size, rng)
        self.hidden.weight *= 5 / 3
        self.hidden.bias += rng.standard_normal(n_hidden) * 0.01
        self.output.weight *= 0.01
        self.layers = [self.hidden, Tanh(), self.output]

    @property
    def params(self):
        return {name: getattr(self, layer).params[key] for name, (layer, key) in NAMES.items()}

    @property
    def grads(self):
        return {name: getattr(self, layer).grads[key] for name, (layer, key) in NAMES.items()}

    def forward(self, idx):
        x = self.embedding.forward(idx).reshape(len(idx), self.block_size * self.n_embd)
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dlogits):
        d = dlogits
        for layer in reversed(self.layers):
            d = layer.backward(d)
        self.embedding.backward(d.reshape(len(d), self.block_size, self.n_embd))
