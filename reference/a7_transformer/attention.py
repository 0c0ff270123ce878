"""Causal multi-head self-attention, as makemore.py's CausalSelfAttention (GPT-2):

    qkv = x @ c_attn.weight + c_attn.bias          (B, T, 3C)   split into q, k, v, each (B, T, C)
    q, k, v -> (B, nh, T, hs)                        hs = C // nh, the head size
    att = q @ k^T / sqrt(hs)                         (B, nh, T, T)
    att[..., s > t] = -inf                           the causal mask: position t sees positions s <= t
    att = softmax(att, axis=-1)                      each row sums to 1 over s <= t
    y = att @ v                                      (B, nh, T, hs)  -> heads side by side (B, T, C)
    out = y @ c_proj.weight + c_proj.bias            (B, T, C)

The backward is the forward's stages in reverse, as llm.c's attention_backward: the weighted sum of values,
the softmax (every probability of a row depends on every score of that row), the scaled dot product.
"""
import math

import numpy as np

from .init import linear_params


class CausalSelfAttention:
    """params = {"c_attn.weight": (C, 3C), "c_attn.bias": (3C,), "c_proj.weight": (C, C), "c_proj.bias": (C,)}.

    The columns of c_attn.weight are [query | key | value], each C wide; inside each, head h owns columns
    h*hs:(h+1)*hs. n_embd must be a multiple of n_head.
    """

    def __init__(self, n_embd, n_head, rng=None, dtype=np.float64):
        if n_embd % n_head:
            raise ValueError(f"n_embd ({n_embd}) must be a multiple of n_head ({n_head})")
        rng = np.random.default_rng(0) if rng is None else rng
        self.n_head = n_head
        attn, proj = linear_params(rng, n_embd, 3 * n_embd, dtype), linear_params(rng, n_embd, n_embd, dtype)
        self.params = {"c_attn.weight": attn["weight"], "c_attn.bias": attn["bias"],
                       "c_proj.weight": proj["weight"], "c_proj.bias": proj["bias"]}
        self.grads = {}

    def forward(self, x):
        """Inputs:
        - x: (B, T, C) float64; not modified.

        Returns:
        - out: (B, T, C) float64; out[:, t] depends on x[:, :t+1] only.

        Caches x, q, k, v (B, nh, T, hs), the attention probabilities att (B, nh, T, T) and y (B, T, C).
        """
        ### HINT 1: The module docstring's stages, top to bottom.
        ### HINT 2: One product for q, k, v; reshape to (B, T, 3, nh, hs) and transpose to heads; set the scores above
        ###   the diagonal to -inf before the softmax (shift by the row max); merge heads with a transpose then a
        ###   reshape.
        ### HINT 3: qkv = x @ Wattn + battn; q, k, v = heads; att = softmax(mask(q @ k^T / sqrt(hs))); y = merge(att @
        ###   v); out = y @ Wproj + bproj; cache x, q, k, v, att, y.
        ### BEGIN SOLUTION: project, split heads, scaled scores, -inf above the diagonal, softmax, @ v, merge heads, project
        B, T, C = x.shape
        nh = self.n_head
        hs = C // nh
        qkv = x.reshape(B * T, C) @ self.params["c_attn.weight"] + self.params["c_attn.bias"]  # one 2-D product
        q, k, v = qkv.reshape(B, T, 3, nh, hs).transpose(2, 0, 3, 1, 4)
        att = (q @ k.swapaxes(-1, -2)) * (1.0 / math.sqrt(hs))
        att[..., np.triu(np.ones((T, T), dtype=bool), k=1)] = -np.inf
        att = np.exp(att - att.max(axis=-1, keepdims=True))
        att /= att.sum(axis=-1, keepdims=True)
        y = (att @ v).transpose(0, 2, 1, 3).reshape(B, T, C)
        self.x, self.q, self.k, self.v, self.att, self.y = x, q, k, v, att, y
        return (y.reshape(B * T, C) @ self.params["c_proj.weight"] + self.params["c_proj.bias"]).reshape(B, T, C)
        ### END SOLUTION

    def backward(self, dout):
        """Inputs:
        - dout: (B, T, C) float64, upstream gradient.

        Returns:
        - dx: (B, T, C) float64.

        Sets self.grads for the four keys of params, each summed over batch and time. Masked positions (s > t)
        receive exactly zero gradient (their probability is 0), never NaN.
        """
        ### HINT 1: The forward's stages in reverse: the output projection (a Linear), the weighted sum att @ v (a
        ###   matrix product: two gradients), the softmax (each probability of a row depends on every score of that
        ###   row), the scaled product q @ k^T (the scale is a factor in backward too), the input projection. Split
        ###   and merge the heads as forward did, in reverse.
        ### HINT 2: For the softmax of one row p = softmax(s): dp_j/ds_k = p_j * (delta_jk - p_k), so ds is p times
        ###   (the upstream minus its p-weighted row sum). Masked entries have p = 0: their ds is 0 with no special
        ###   case (never multiply by the -inf scores).
        ### HINT 3: dy from c_proj; datt = dy @ v^T; dv = att^T @ dy; dscores = att * (datt - (datt * att).sum(-1,
        ###   keepdims=True)) / sqrt(hs); dq = dscores times k; dk = dscores transposed times q; merge dq, dk, dv into
        ###   dqkv (B, T, 3C); then c_attn's Linear backward.
        ### ANSWER: att * (datt - (datt * att).sum(-1, keepdims=True))
        ### BEGIN SOLUTION: return dx (B, T, C); set the four grads, each summed over batch and time; masked positions get exactly 0
        B, T, C = dout.shape
        nh = self.n_head
        hs = C // nh
        att, q, k, v = self.att, self.q, self.k, self.v
        self.grads["c_proj.weight"] = self.y.reshape(-1, C).T @ dout.reshape(-1, C)
        self.grads["c_proj.bias"] = dout.sum(axis=(0, 1))
        dy = (dout.reshape(-1, C) @ self.params["c_proj.weight"].T).reshape(B, T, nh, hs).transpose(0, 2, 1, 3)
        # y = att @ v
        datt = dy @ v.swapaxes(-1, -2)
        dv = att.swapaxes(-1, -2) @ dy
        # att = softmax(scores): dscores = att * (datt - sum_s datt * att), per row
        dscores = att * (datt - (datt * att).sum(axis=-1, keepdims=True))
        # scores = q @ k^T / sqrt(hs)
        dscores *= 1.0 / math.sqrt(hs)
        dq = dscores @ k
        dk = dscores.swapaxes(-1, -2) @ q
        dqkv = np.stack((dq, dk, dv)).transpose(1, 3, 0, 2, 4).reshape(B, T, 3 * C)
        self.grads["c_attn.weight"] = self.x.reshape(-1, C).T @ dqkv.reshape(-1, 3 * C)
        self.grads["c_attn.bias"] = dqkv.sum(axis=(0, 1))
        return (dqkv.reshape(-1, 3 * C) @ self.params["c_attn.weight"].T).reshape(B, T, C)
        ### END SOLUTION
