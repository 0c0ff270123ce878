"""The block's MLP with einsum."""
import numpy as np

from .gelu import GELU
from .init import linear_params


class MLP:
    def __init__(self, n_embd, rng=None, dtype=np.float64):
        rng = np.random.default_rng(0) if rng is None else rng
        fc, proj = linear_params(rng, n_embd, 4 * n_embd, dtype), linear_params(rng, 4 * n_embd, n_embd, dtype)
        self.gelu = GELU()
        self.params = {"c_fc.weight": fc["weight"], "c_fc.bias": fc["bias"],
                       "c_proj.weight": proj["weight"], "c_proj.bias": proj["bias"]}
        self.grads = {}

    def forward(self, x):
        self.x = x
        self.h = self.gelu.forward(np.einsum("btc,ch->bth", x, self.params["c_fc.weight"]) + self.params["c_fc.bias"])
        return np.einsum("bth,hc->btc", self.h, self.params["c_proj.weight"]) + self.params["c_proj.bias"]

    def backward(self, dout):
        dpre = self.gelu.backward(np.einsum("btc,hc->bth", dout, self.params["c_proj.weight"]))
        self.grads = {"c_proj.weight": np.einsum("bth,btc->hc", self.h, dout), "c_proj.bias": np.einsum("btc->c", dout),
                      "c_fc.weight": np.einsum("btc,bth->ch", self.x, dpre), "c_fc.bias": np.einsum("bth->h", dpre)}
        return np.einsum("bth,ch->btc", dpre, self.params["c_fc.weight"])
