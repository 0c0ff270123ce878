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
        ### HINT 1: The module docstring's four lines.
        ### HINT 2: Refuse T > block_size (ValueError); wpe[:T] broadcasts over the batch; cache idx and ln_f's
        ###   output.
        ### HINT 3: x = wte[idx] + wpe[:T]; each block's forward in turn; xf = ln_f.forward(x); return xf @ lm_head.
        ### BEGIN SOLUTION: check T, add the embeddings (wpe[:T] broadcasts over the batch), the blocks, ln_f, the head
        T = idx.shape[1]
        if T > self.block_size:
            raise ValueError(f"sequence of length {T} is longer than block_size {self.block_size}")
        self.idx = idx
        x = self.wte[idx] + self.wpe[:T]
        for block in self.h:
            x = block.forward(x)
        self.xf = self.ln_f.forward(x)
        return self.xf @ self.lm_head
        ### END SOLUTION

    def backward(self, dlogits):
        """Inputs:
        - dlogits: (B, T, V) float64, upstream gradient.

        Returns None (token ids have no gradient). Sets self.grads with the keys of self.params, each the
        shape of its parameter (a row of an embedding used several times accumulates; rows of wpe past T
        are 0).
        """
        ### HINT 1: The forward's stages in reverse: the head (a product), ln_f, the blocks from last to first, the
        ###   two embeddings. wte's rows and wpe's rows are each used several times: each receives the sum of all its
        ###   gradients.
        ### HINT 2: A token appearing at several (b, t) accumulates at its row of wte (assignment keeps only one);
        ###   wpe[:T] was broadcast over the batch, so its gradient sums over the batch; rows of wpe past T get 0.
        ### HINT 3: dlm_head = xf.T @ dlogits (as rows); dx = ln_f.backward(dlogits @ lm_head.T); blocks in reverse;
        ###   dwte = zeros; np.add.at(dwte, idx, dx); dwpe[:T] = dx.sum(0).
        ### ANSWER: np.add.at(dwte, idx, dx)
        ### BEGIN SOLUTION: fill self.grads (the keys of self.params); return None
        B, T, V = dlogits.shape
        C = self.xf.shape[-1]
        grads = {"lm_head.weight": self.xf.reshape(-1, C).T @ dlogits.reshape(-1, V)}
        dx = self.ln_f.backward(dlogits @ self.lm_head.T)
        grads.update({"ln_f.weight": self.ln_f.grads["weight"], "ln_f.bias": self.ln_f.grads["bias"]})
        for i in reversed(range(len(self.h))):
            dx = self.h[i].backward(dx)
            grads.update({f"h.{i}.{key}": value for key, value in self.h[i].grads.items()})
        dwte = np.zeros_like(self.wte)
        np.add.at(dwte, self.idx, dx)
        dwpe = np.zeros_like(self.wpe)
        dwpe[:T] = dx.sum(axis=0)
        grads.update({"wte.weight": dwte, "wpe.weight": dwpe})
        self.grads = grads
        return None
        ### END SOLUTION
