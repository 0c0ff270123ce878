"""Gradient clipping by global norm (torch.nn.utils.clip_grad_norm_), often used to tame exploding BPTT gradients."""
import numpy as np


def clip_grad_norm(grads, max_norm):
    """Scale every gradient by the same factor so that their global norm is at most ``max_norm``.

    Inputs:
    - grads: dict name -> float64 array of any shape (a model's grads); modified in place.
    - max_norm: float > 0.

    The global norm is sqrt(sum over all arrays and entries of g**2). When it exceeds max_norm, every array
    is multiplied by max_norm / (norm + 1e-6) (PyTorch's clip_grad_norm_, including its 1e-6); otherwise
    nothing changes.

    Returns:
    - norm: float, the global norm before clipping.
    """
    ### HINT 1: One norm over all arrays together, as if they were one long vector.
    ### HINT 2: Sum the squares of every entry of every array, take the square root; the scale factor is max_norm /
    ###   (norm + 1e-6) and applies only when it is below 1.
    ### HINT 3: norm = sqrt(sum((g * g).sum() for g in grads.values())); when max_norm / (norm + 1e-6) is below 1,
    ###   multiply every g in place by it; return the norm.
    ### BEGIN SOLUTION: one norm over all arrays together (not per array); scale in place with g *= coef
    norm = float(np.sqrt(sum(float((g * g).sum()) for g in grads.values())))
    coef = max_norm / (norm + 1e-6)
    if coef < 1.0:
        for g in grads.values():
            g *= coef
    return norm
    ### END SOLUTION
