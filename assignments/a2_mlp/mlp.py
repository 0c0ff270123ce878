"""The MLP language model of Bengio et al. (2003), as in the lecture:

    emb = C[X]                      (N, block_size, n_embd)
    embcat = emb.reshape(N, -1)     (N, block_size * n_embd)
    hpreact = embcat @ W1 + b1      (N, n_hidden)
    h = tanh(hpreact)               (N, n_hidden)
    logits = h @ W2 + b2            (N, vocab_size)
"""
import numpy as np

from .embedding import Embedding
from .linear import Linear
from .tanh import Tanh


class MLP:
    """Embedding -> flatten -> Linear -> Tanh -> Linear, built from this assignment's layers.

    params = {"C": (vocab_size, n_embd), "W1": (block_size * n_embd, n_hidden), "b1": (n_hidden,),
              "W2": (n_hidden, vocab_size), "b2": (vocab_size,)}, float64, the very arrays the layers hold
    (so updating params in place updates the layers). The initial scales are the lecture's fixes: a tanh gain
    of 5/3 on W1, small b1, and W2 * 0.01, b2 = 0 so the first logits are near uniform.
    """

    def __init__(self, vocab_size=27, block_size=3, n_embd=10, n_hidden=200, rng=None):
        rng = np.random.default_rng(0) if rng is None else rng
        self.block_size = block_size
        self.embedding = Embedding(vocab_size, n_embd, rng)
        self.hidden = Linear(block_size * n_embd, n_hidden, rng)
        self.tanh = Tanh()
        self.output = Linear(n_hidden, vocab_size, rng)
        self.hidden.params["weight"] *= 5 / 3
        self.hidden.params["bias"][:] = rng.standard_normal(n_hidden) * 0.01
        self.output.params["weight"] *= 0.01
        self.params = {
            "C": self.embedding.params["weight"],
            "W1": self.hidden.params["weight"],
            "b1": self.hidden.params["bias"],
            "W2": self.output.params["weight"],
            "b2": self.output.params["bias"],
        }
        self.grads = {}

    def forward(self, idx):
        """Inputs:
        - idx: (N, block_size) int64 contexts; not modified.

        Returns:
        - logits: (N, vocab_size) float64.

        Caches what backward needs (each layer caches its own input or output).
        """
        # YOUR CODE HERE (MLP.forward): chain embedding, reshape to (N, block_size * n_embd), hidden, tanh, output
        raise NotImplementedError('MLP.forward: chain embedding, reshape to (N, block_size * n_embd), hidden, tanh, output')

    def backward(self, dlogits):
        """Inputs:
        - dlogits: (N, vocab_size) float64, upstream gradient.

        Returns None. Sets self.grads with the keys of self.params, each the shape of its parameter.
        """
        # YOUR CODE HERE (MLP.backward): call each layer's backward in reverse order and collect self.grads under the keys of self.params
        raise NotImplementedError("MLP.backward: call each layer's backward in reverse order and collect self.grads under the keys of self.params")
