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
        ### HINT 1: The docstring's equations, with one product for all four gates.
        ### HINT 2: Slice the (B, 4H) pre-activations into i, f, g, o in PyTorch's order; cache the gates' outputs,
        ###   c_prev and tanh(c).
        ### HINT 3: a = xh @ W + b; i, f, o = sigmoid of their slices, g = tanh of its slice; c = f * c_prev + i * g;
        ###   h = o * tanh(c); return h, c.
        ### BEGIN SOLUTION: one product for all four gates, slice the columns i, f, g, o; cache the gates' outputs
        H = h_prev.shape[1]
        self.xh = np.concatenate([x, h_prev], axis=1)
        a = self.xh @ self.params["W"] + self.params["b"]
        self.i = sigmoid(a[:, :H])
        self.f = sigmoid(a[:, H:2 * H])
        self.g = np.tanh(a[:, 2 * H:3 * H])
        self.o = sigmoid(a[:, 3 * H:])
        self.c_prev = c_prev
        c = self.f * c_prev + self.i * self.g
        self.tanh_c = np.tanh(c)
        return self.o * self.tanh_c, c
        ### END SOLUTION

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
        ### HINT 1: c_t is used twice: by h_t = o * tanh(c_t) and by the next step (dc). It receives the sum of both
        ###   before anything else.
        ### HINT 2: From the total dc: the gradients of f, i, g (the other factors) and of c_prev; o from h. Each
        ###   gate's local derivative from its output; concatenate the four pre-activation gradients in i, f, g, o
        ###   order, then a Linear on xh as in a2, split at column D.
        ### HINT 3: dc_total = dc + dh * o * (1 - tanh_c**2); do = dh * tanh_c; di = dc_total * g; df = dc_total *
        ###   c_prev; dg = dc_total * i; da = [di*i*(1-i), df*f*(1-f), dg*(1-g**2), do*o*(1-o)]; dW = xh.T @ da; dxh =
        ###   da @ W.T; return dxh[:, :D], dxh[:, D:], dc_total * f.
        ### ANSWER: dc_prev = dc_t * f
        ### BEGIN SOLUTION: return (dx, dh_prev, dc_prev); set grads['W'] (D + H, 4H) and grads['b'] (4H,)
        dc_total = dc + dh * self.o * (1.0 - self.tanh_c**2)
        do = dh * self.tanh_c
        di = dc_total * self.g
        df = dc_total * self.c_prev
        dg = dc_total * self.i
        da = np.concatenate([di * self.i * (1.0 - self.i), df * self.f * (1.0 - self.f),
                             dg * (1.0 - self.g**2), do * self.o * (1.0 - self.o)], axis=1)
        self.grads["W"] = self.xh.T @ da
        self.grads["b"] = da.sum(axis=0)
        dxh = da @ self.params["W"].T
        D = self.xh.shape[1] - dh.shape[1]
        return dxh[:, :D], dxh[:, D:], dc_total * self.f
        ### END SOLUTION
