"""Global-norm clipping with np.linalg.norm over one concatenated vector (another style)."""
import numpy as np


def clip_grad_norm(grads, max_norm):
    total = float(np.linalg.norm(np.concatenate([g.ravel() for g in grads.values()])))
    if total > max_norm:
        for key in grads:
            np.multiply(grads[key], max_norm / (total + 1e-6), out=grads[key])
    return total
