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
        ### HINT 1: Chain the layers this MLP built in __init__, in the order of the module docstring's equations.
        ### HINT 2: The embedding gives (N, block_size, n_embd); flatten it to (N, block_size * n_embd) before the
        ###   hidden Linear, and remember the 3-D shape for backward.
        ### HINT 3: emb = embedding.forward(idx); embcat = emb.reshape(N, -1); return
        ###   output.forward(tanh.forward(hidden.forward(embcat))).
        ### BEGIN SOLUTION: chain embedding, reshape to (N, block_size * n_embd), hidden, tanh, output
        emb = self.embedding.forward(idx)
        self.emb_shape = emb.shape
        embcat = emb.reshape(emb.shape[0], -1)
        hpreact = self.hidden.forward(embcat)
        h = self.tanh.forward(hpreact)
        return self.output.forward(h)
        ### END SOLUTION

    def backward(self, dlogits):
        """Inputs:
        - dlogits: (N, vocab_size) float64, upstream gradient.

        Returns None. Sets self.grads with the keys of self.params, each the shape of its parameter.
        """
        ### HINT 1: Backpropagation through a chain is each layer's backward in the reverse order of forward, each
        ###   receiving the gradient of its own output.
        ### HINT 2: A reshape moves no value: its backward is the opposite reshape. The embedding's backward returns
        ###   None (token ids); its weight gradient is grads['C'].
        ### HINT 3: dh = output.backward(dlogits); dhpreact = tanh.backward(dh); dembcat = hidden.backward(dhpreact);
        ###   embedding.backward(dembcat.reshape(emb_shape)); then grads C, W1, b1, W2, b2 from the layers.
        ### BEGIN SOLUTION: call each layer's backward in reverse order and collect self.grads under the keys of self.params
        dh = self.output.backward(dlogits)
        dhpreact = self.tanh.backward(dh)
        dembcat = self.hidden.backward(dhpreact)
        self.embedding.backward(dembcat.reshape(self.emb_shape))
        self.grads = {
            "C": self.embedding.grads["weight"],
            "W1": self.hidden.grads["weight"],
            "b1": self.hidden.grads["bias"],
            "W2": self.output.grads["weight"],
            "b2": self.output.grads["bias"],
        }
        return None
        ### END SOLUTION
