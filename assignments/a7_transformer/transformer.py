"""The Transformer language model of makemore.py (GPT-2's shape):

    x = wte[idx] + wpe[:T]                 (B, T, C)    token and position embeddings
    x = h[i](x)  for each of n_layer Blocks (B, T, C)
    x = ln_f(x)                            (B, T, C)
    logits = x @ lm_head.weight            (B, T, V)    no bias

logits[:, t] predicts the token after idx[:, t] and depends on idx[:, :t+1] only.
"""
import numpy as np

from .block import Block
from .init import linear_params
from .layernorm import LayerNorm


class Transformer:
    """params = {"wte.weight": (V, C), "wpe.weight": (block_size, C), "h.{i}.<Block key>" for each block i,
    "ln_f.weight", "ln_f.bias": (C,), "lm_head.weight": (C, V)}: the very arrays the layers hold.

    Initialised as PyTorch does for makemore.py's model: embeddings N(0, 1), Linear U(+-1/sqrt(fan_in)),
    LayerNorm ones and zeros. dtype float64 for grading; float32 trains faster (gradients stay in that dtype).
    """

    consumes = "sequence"  # the kit's loop feeds (B, T) sequences in makemore.py's format (grader/training.py)

    def __init__(self, vocab_size=27, block_size=16, n_layer=4, n_head=4, n_embd=64, rng=None, dtype=np.float64):
        rng = np.random.default_rng(0) if rng is None else rng
        self.block_size = block_size
        self.wte = rng.standard_normal((vocab_size, n_embd)).astype(dtype)
        self.wpe = rng.standard_normal((block_size, n_embd)).astype(dtype)
        self.h = [Block(n_embd, n_head, rng, dtype) for _ in range(n_layer)]
        self.ln_f = LayerNorm(n_embd, dtype=dtype)
        self.lm_head = linear_params(rng, n_embd, vocab_size, dtype, bias=False)["weight"]
        self.params = {"wte.weight": self.wte, "wpe.weight": self.wpe}
        for i, block in enumerate(self.h):
            self.params.update({f"h.{i}.{key}": value for key, value in block.params.items()})
        self.params.update({"ln_f.weight": self.ln_f.params["weight"], "ln_f.bias": self.ln_f.params["bias"],
                            "lm_head.weight": self.lm_head})
        self.grads = {}

    def forward(self, idx):
        """Inputs:
        - idx: (B, T) int64 token ids, 0 <= idx < vocab_size, T <= block_size; not modified.

        Returns:
        - logits: (B, T, V) float64.

        Caches idx and the final LayerNorm's output (B, T, C); each layer caches its own. Raises ValueError
        when T > block_size (there is no position embedding for it).
        """
        # YOUR CODE HERE (Transformer.forward): check T, add the embeddings (wpe[:T] broadcasts over the batch), the blocks, ln_f, the head
        raise NotImplementedError('Transformer.forward: check T, add the embeddings (wpe[:T] broadcasts over the batch), the blocks, ln_f, the head')

    def backward(self, dlogits):
        """Inputs:
        - dlogits: (B, T, V) float64, upstream gradient.

        Returns None (token ids have no gradient). Sets self.grads with the keys of self.params, each the
        shape of its parameter (a row of an embedding used several times accumulates; rows of wpe past T
        are 0).
        """
        # YOUR CODE HERE (Transformer.backward): fill self.grads (the keys of self.params); return None
        raise NotImplementedError('Transformer.backward: fill self.grads (the keys of self.params); return None')
