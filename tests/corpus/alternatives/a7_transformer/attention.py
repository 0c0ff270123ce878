"""Causal self-attention with an explicit loop over the heads, each head its own slice of q, k, v."""
import numpy as np

from .init import linear_params


class CausalSelfAttention:
    def __init__(self, n_embd, n_head, rng=None, dtype=np.float64):
        rng = np.random.default_rng(0) if rng is None else rng
        self.n_head = n_head
        a, p = linear_params(rng, n_embd, 3 * n_embd, dtype), linear_params(rng, n_embd, n_embd, dtype)
        self.params = {"c_attn.weight": a["weight"], "c_attn.bias": a["bias"],
                       "c_proj.weight": p["weight"], "c_proj.bias": p["bias"]}
        self.grads = {}

    def forward(self, x):
        B, T, C = x.shape
        hs = C // self.n_head
        qkv = np.matmul(x, self.params["c_attn.weight"]) + self.params["c_attn.bias"]
        allowed = np.tril(np.ones((T, T))) > 0
        self.cache = []
        y = np.empty((B, T, C))
        for h in range(self.n_head):
            q = qkv[:, :, h * hs:(h + 1) * hs]
            k = qkv[:, :, C + h * hs:C + (h + 1) * hs]
            v = qkv[:, :, 2 * C + h * hs:2 * C + (h + 1) * hs]
            scores = np.where(allowed, np.matmul(q, k.transpose(0, 2, 1)) / np.sqrt(hs), -np.inf)
            probs = np.exp(scores - scores.max(axis=2, keepdims=True))
            probs = probs / probs.sum(axis=2, keepdims=True)
            y[:, :, h * hs:(h + 1) * hs] = np.matmul(probs, v)
            self.cache.append((q, k, v, probs))
        self.x, self.y = x, y
        return np.matmul(y, self.params["c_proj.weight"]) + self.params["c_proj.bias"]

    def backward(self, dout):
        B, T, C = dout.shape
        hs = C // self.n_head
        dy = np.matmul(dout, self.params["c_proj.weight"].T)
        dqkv = np.zeros((B, T, 3 * C))
        for h, (q, k, v, probs) in enumerate(self.cache):
            dyh = dy[:, :, h * hs:(h + 1) * hs]
            dprobs = np.matmul(dyh, v.transpose(0, 2, 1))
            dv = np.matmul(probs.transpose(0, 2, 1), dyh)
            # the softmax Jacobian of every row, built whole: diag(p) - p p^T, (B, T, T, T)
            jacobian = probs[..., :, None] * np.eye(T) - probs[..., :, None] * probs[..., None, :]
            dscores = np.matmul(jacobian, dprobs[..., None])[..., 0] / np.sqrt(hs)
            dqkv[:, :, h * hs:(h + 1) * hs] = np.matmul(dscores, k)
            dqkv[:, :, C + h * hs:C + (h + 1) * hs] = np.matmul(dscores.transpose(0, 2, 1), q)
            dqkv[:, :, 2 * C + h * hs:2 * C + (h + 1) * hs] = dv
        self.grads = {
            "c_attn.weight": np.tensordot(self.x, dqkv, axes=([0, 1], [0, 1])),
            "c_attn.bias": dqkv.sum(axis=(0, 1)),
            "c_proj.weight": np.tensordot(self.y, dout, axes=([0, 1], [0, 1])),
            "c_proj.bias": dout.sum(axis=(0, 1)),
        }
        return np.matmul(dqkv, self.params["c_attn.weight"].T)
