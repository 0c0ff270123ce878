"""a7's known mistakes that can be computed without a correct backward (shipped with the public grader).

The ones that need a correct attention, Block or AdamW (the scale forgotten in backward, the residual dropped,
AdamW without bias correction...) live in reference/a7_mistakes.py: they would give the solution away, so
only the instructor's grader names them; a student's local grader still fails those checks, with the
generic diagnosis (which entries, how far, a constant factor).
"""
from __future__ import annotations

import math

import numpy as np

GELU_SCALE, GELU_CUBIC = math.sqrt(2.0 / math.pi), 0.044715
erf = np.vectorize(math.erf, otypes=[float])


def layernorm_wrong_axes(x, w, b, axes, eps=1e-5):
    """LayerNorm's formula with the statistics over the given (wrong) axes, e.g. the batch axis."""
    mean = x.mean(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(x.var(axis=axes, keepdims=True) + eps) * w + b


def layernorm_unbiased(x, w, b, eps=1e-5):
    """LayerNorm with the unbiased variance (divided by C - 1)."""
    centred = x - np.mean(x, axis=-1, keepdims=True)
    n = max(x.shape[-1] - 1, 1)
    return centred / np.sqrt((centred**2).sum(axis=-1, keepdims=True) / n + eps) * w + b


def gelu_erf(x):
    """The exact GELU, x * Phi(x)."""
    return 0.5 * x * (1 + erf(x / math.sqrt(2)))


def gelu_erf_grad(x):
    """The exact GELU's derivative, Phi(x) + x * phi(x): wrong for the tanh approximation."""
    return 0.5 * (1 + erf(x / math.sqrt(2))) + x * np.exp(-x**2 / 2) / math.sqrt(2 * math.pi)
