"""The model, with the token-embedding gradient as a one-hot product and params as a property."""
import numpy as np

from .block import Block
from .init import linear_params
from .layernorm import LayerNorm


class Transformer:
    def __init__(self, vocab_size=27, block_size=16, n_layer=4, n_head=4, n_embd=64, rng=None, dtype=np.float64):
        rng = np.random.default_rng(0) if rng is None else rng
        self.vocab_size, self.block_size = vocab_size, block_size
        self.tables = {"wte.weight": rng.standard_normal((vocab_size, n_embd)).astype(dtype),
                       "wpe.weight": rng.standard_normal((block_size, n_embd)).astype(dtype)}
        self.blocks = [Block(n_embd, n_head, rng, dtype) for _ in range(n_layer)]
        self.ln_f = LayerNorm(n_embd, dtype=dtype)
        self.head = linear_params(rng, n_embd, vocab_size, dtype, bias=False)["weight"]
        self.grads = {}

    @property
    def params(self):
        params = dict(self.tables)
        for i, block in enumerate(self.blocks):
            params.update({f"h.{i}.{k}": v for k, v in block.params.items()})
        params["ln_f.weight"], params["ln_f.bias"] = self.ln_f.params["weight"], self.ln_f.params["bias"]
        params["lm_head.weight"] = self.head
        return params

    def forward(self, idx):
        B, T = idx.shape
        self.onehot = np.eye(self.vocab_size)[idx.reshape(-1)]  # (B*T, V)
        x = (self.onehot @ self.tables["wte.weight"]).reshape(B, T, -1) + self.tables["wpe.weight"][None, :T]
        for block in self.blocks:
            x = block.forward(x)
        self.final = self.ln_f.forward(x)
        return np.einsum("btc,cv->btv", self.final, self.head)

    def backward(self, dlogits):
        B, T, V = dlogits.shape
        grads = {"lm_head.weight": np.einsum("btc,btv->cv", self.final, dlogits)}
        dx = self.ln_f.backward(np.einsum("btv,cv->btc", dlogits, self.head))
        grads["ln_f.weight"], grads["ln_f.bias"] = self.ln_f.grads["weight"], self.ln_f.grads["bias"]
        for i in range(len(self.blocks) - 1, -1, -1):
            dx = self.blocks[i].backward(dx)
            for k, v in self.blocks[i].grads.items():
                grads[f"h.{i}.{k}"] = v
        grads["wte.weight"] = self.onehot.T @ dx.reshape(B * T, -1)
        dwpe = np.zeros_like(self.tables["wpe.weight"])
        for b in range(B):
            dwpe[:T] += dx[b]
        grads["wpe.weight"] = dwpe
        self.grads = grads
        return None
