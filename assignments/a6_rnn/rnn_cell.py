"""The vanilla RNN cell of makemore.py: h_t = tanh([x_t, h_{t-1}] @ W + b)."""
import numpy as np


def linear_init(fan_in, fan_out, rng, dtype):
    """PyTorch's nn.Linear initialisation, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), for weight and bias.
    Returns weight (fan_in, fan_out) and bias (fan_out,), both ``dtype``."""
    bound = 1.0 / fan_in**0.5
    weight = rng.uniform(-bound, bound, size=(fan_in, fan_out)).astype(dtype)
    bias = rng.uniform(-bound, bound, size=fan_out).astype(dtype)
    return weight, bias


class RNNCell:
    """One time step of a vanilla RNN (makemore.py's RNNCell), D = n_embd, H = n_embd2:

        xh  = concatenate([x, h_prev], axis=1)      (B, D + H)
        h   = tanh(xh @ W + b)                      (B, H)

    params = {"W": (D + H, H), "b": (H,)}, float64 while grading (``dtype`` for training only). A sequence
    model runs one cell object per time step, all sharing the same params dict, and sums their grads.
    """

    def __init__(self, n_embd, n_embd2, rng=None, dtype=np.float64):
        rng = np.random.default_rng(0) if rng is None else rng
        W, b = linear_init(n_embd + n_embd2, n_embd2, rng, dtype)
        self.params = {"W": W, "b": b}
        self.grads = {}

    def forward(self, x, h_prev):
        """Inputs:
        - x: (B, D) float64, this step's input (the token's embedding); not modified.
        - h_prev: (B, H) float64, the previous hidden state h_{t-1}; not modified.

        Returns:
        - h: (B, H) float64, the new hidden state h_t.

        Caches xh (B, D + H) and h (B, H): tanh's derivative needs only its output.
        """
        # YOUR CODE HERE (RNNCell.forward): concatenate x and h_prev along axis 1, one matrix product, tanh; cache xh and h
        raise NotImplementedError('RNNCell.forward: concatenate x and h_prev along axis 1, one matrix product, tanh; cache xh and h')

    def backward(self, dh):
        """Inputs:
        - dh: (B, H) float64, dL/dh_t: everything that reaches h_t (the output head's gradient at this step
          plus the gradient from step t+1).

        Returns:
        - dx: (B, D) float64, dL/dx_t.
        - dh_prev: (B, H) float64, dL/dh_{t-1}.

        Sets self.grads["W"]: (D + H, H) and self.grads["b"]: (H,), this step's gradients (summed over B).
        """
        # YOUR CODE HERE (RNNCell.backward): return (dx (B, D), dh_prev (B, H)); set grads['W'], grads['b'] (this step's, summed over B)
        raise NotImplementedError("RNNCell.backward: return (dx (B, D), dh_prev (B, H)); set grads['W'], grads['b'] (this step's, summed over B)")
