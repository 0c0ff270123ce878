"""The LSTM cell with PyTorch's gate order and equations (torch.nn.LSTMCell), weights fused into one matrix."""
import numpy as np

from .gru_cell import sigmoid


class LSTMCell:
    """One time step of an LSTM (torch.nn.LSTMCell's equations), D = n_embd, H = n_embd2:

        xh   = [x, h_prev]                                 (B, D + H)
        a    = xh @ W + b                                  (B, 4H)  columns: i, f, g, o (PyTorch's order)
        i, f, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2H]), sigmoid(a[:, 3H:])
        g    = tanh(a[:, 2H:3H])
        c    = f * c_prev + i * g                          (B, H)   cell state
        h    = o * tanh(c)                                 (B, H)

    params = {"W": (D + H, 4H), "b": (4H,)}, float64 while grading. torch.nn.LSTMCell's weights map as
    W = concatenate([weight_ih.T, weight_hh.T]), b = bias_ih + bias_hh.
    """

    def __init__(self, n_embd, n_embd2, rng=None, dtype=np.float64):
        rng = np.random.default_rng(0) if rng is None else rng
        bound = 1.0 / n_embd2**0.5  # torch.nn.LSTMCell: U(-1/sqrt(H), 1/sqrt(H)) for every weight and bias
        self.params = {"W": rng.uniform(-bound, bound, size=(n_embd + n_embd2, 4 * n_embd2)).astype(dtype),
                       "b": rng.uniform(-bound, bound, size=4 * n_embd2).astype(dtype)}
        self.grads = {}

    def forward(self, x, h_prev, c_prev):
        """Inputs:
        - x: (B, D) float64, this step's input; not modified.
        - h_prev: (B, H) float64, h_{t-1}; not modified.
        - c_prev: (B, H) float64, c_{t-1}; not modified.

        Returns (a tuple):
        - h: (B, H) float64, h_t.
        - c: (B, H) float64, c_t.

        Caches xh (B, D + H), c_prev, i, f, g, o and tanh(c) (B, H).
        """
        # YOUR CODE HERE (LSTMCell.forward): one product for all four gates, slice the columns i, f, g, o; cache the gates' outputs
        raise NotImplementedError("LSTMCell.forward: one product for all four gates, slice the columns i, f, g, o; cache the gates' outputs")

    def backward(self, dh, dc):
        """Inputs:
        - dh: (B, H) float64, dL/dh_t (output head at this step plus the gradient from step t+1).
        - dc: (B, H) float64, dL/dc_t from step t+1 (zeros at the last step).

        Returns (a tuple):
        - dx: (B, D) float64, dL/dx_t.
        - dh_prev: (B, H) float64, dL/dh_{t-1}.
        - dc_prev: (B, H) float64, dL/dc_{t-1}.

        Sets self.grads["W"]: (D + H, 4H) and self.grads["b"]: (4H,), this step's gradients (summed over B).
        """
        # YOUR CODE HERE (LSTMCell.backward): return (dx, dh_prev, dc_prev); set grads['W'] (D + H, 4H) and grads['b'] (4H,)
        raise NotImplementedError("LSTMCell.backward: return (dx, dh_prev, dc_prev); set grads['W'] (D + H, 4H) and grads['b'] (4H,)")
