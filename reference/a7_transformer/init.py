"""Initial values as PyTorch gives them (makemore.py keeps PyTorch's defaults), so training starts alike.

nn.Linear: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)); nn.Embedding: N(0, 1). The kit stores a
Linear weight as (fan_in, fan_out), the transpose of PyTorch's, so that out = x @ weight + bias.
"""
import numpy as np


def linear_params(rng, fan_in, fan_out, dtype=np.float64, bias=True):
    """{"weight": (fan_in, fan_out)[, "bias": (fan_out,)]} drawn as nn.Linear draws them (in distribution)."""
    bound = 1.0 / np.sqrt(fan_in)
    params = {"weight": rng.uniform(-bound, bound, size=(fan_in, fan_out)).astype(dtype)}
    if bias:
        params["bias"] = rng.uniform(-bound, bound, size=fan_out).astype(dtype)
    return params
