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
        ### HINT 1: The docstring's two equations.
        ### HINT 2: Concatenate along axis 1, one product, tanh; cache what backward needs (tanh's derivative uses its
        ###   output).
        ### HINT 3: xh = concatenate([x, h_prev], 1); h = tanh(xh @ W + b); cache xh, h.
        ### BEGIN SOLUTION: concatenate x and h_prev along axis 1, one matrix product, tanh; cache xh and h
        self.xh = np.concatenate([x, h_prev], axis=1)
        self.h = np.tanh(self.xh @ self.params["W"] + self.params["b"])
        return self.h
        ### END SOLUTION

    def backward(self, dh):
        """Inputs:
        - dh: (B, H) float64, dL/dh_t: everything that reaches h_t (the output head's gradient at this step
          plus the gradient from step t+1).

        Returns:
        - dx: (B, D) float64, dL/dx_t.
        - dh_prev: (B, H) float64, dL/dh_{t-1}.

        Sets self.grads["W"]: (D + H, H) and self.grads["b"]: (H,), this step's gradients (summed over B).
        """
        ### HINT 1: Two stages: tanh, then a Linear on the concatenation [x, h_prev]. A concatenation in forward is a
        ###   split in backward.
        ### HINT 2: Through tanh with its cached output, then the rules of a2's Linear on xh; split the gradient of xh
        ###   at column D into dx and dh_prev.
        ### HINT 3: dhpreact = dh * (1 - h**2); dW = xh.T @ dhpreact; db = dhpreact.sum(0); dxh = dhpreact @ W.T;
        ###   return its first D columns as dx and the rest as dh_prev.
        ### BEGIN SOLUTION: return (dx (B, D), dh_prev (B, H)); set grads['W'], grads['b'] (this step's, summed over B)
        dhpreact = dh * (1.0 - self.h**2)
        self.grads["W"] = self.xh.T @ dhpreact
        self.grads["b"] = dhpreact.sum(axis=0)
        dxh = dhpreact @ self.params["W"].T
        D = self.xh.shape[1] - self.h.shape[1]
        return dxh[:, :D], dxh[:, D:]
        ### END SOLUTION
