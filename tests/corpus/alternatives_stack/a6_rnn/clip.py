"""Global-norm clipping with a plain loop over the arrays."""
import math


def clip_grad_norm(grads, max_norm):
    squares = 0.0
    for g in grads.values():
        squares += float((g ** 2).sum())
    norm = math.sqrt(squares)
    if norm > max_norm:
        scale = max_norm / (norm + 1e-6)
        for name in grads:
            grads[name] *= scale
    return norm
