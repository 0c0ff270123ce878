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
        # YOUR CODE HERE (CausalSelfAttention.forward): project, split heads, scaled scores, -inf above the diagonal, softmax, @ v, merge heads, project
        raise NotImplementedError('CausalSelfAttention.forward: project, split heads, scaled scores, -inf above the diagonal, softmax, @ v, merge heads, project')

    def backward(self, dout):
        """Inputs:
        - dout: (B, T, C) float64, upstream gradient.

        Returns:
        - dx: (B, T, C) float64.

        Sets self.grads for the four keys of params, each summed over batch and time. Masked positions (s > t)
        receive exactly zero gradient (their probability is 0), never NaN.
        """
        # YOUR CODE HERE (CausalSelfAttention.backward): return dx (B, T, C); set the four grads, each summed over batch and time; masked positions get exactly 0
        raise NotImplementedError('CausalSelfAttention.backward: return dx (B, T, C); set the four grads, each summed over batch and time; masked positions get exactly 0')
