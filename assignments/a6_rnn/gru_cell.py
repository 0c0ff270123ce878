"""The GRU cell of makemore.py: a reset gate r, a candidate hbar, an update gate z."""
import numpy as np

from .rnn_cell import linear_init


def sigmoid(x):
    """1 / (1 + exp(-x)), elementwise, without overflow for large |x|. Same shape and dtype as x."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


class GRUCell:
    """One time step of makemore.py's GRU, D = n_embd, H = n_embd2:

        xh     = [x, h_prev]                          (B, D + H)
        r      = sigmoid(xh @ W_r + b_r)              (B, H)   reset gate
        xhr    = [x, r * h_prev]                      (B, D + H)
        hbar   = tanh(xhr @ W_hbar + b_hbar)          (B, H)   candidate state
        z      = sigmoid(xh @ W_z + b_z)              (B, H)   update gate
        h      = (1 - z) * h_prev + z * hbar          (B, H)

    params = {"W_r", "W_z", "W_hbar": (D + H, H); "b_r", "b_z", "b_hbar": (H,)}, float64 while grading.
    h_prev reaches h by four paths: directly through (1 - z), and through r, hbar and z.
    """

    def __init__(self, n_embd, n_embd2, rng=None, dtype=np.float64):
        rng = np.random.default_rng(0) if rng is None else rng
        self.params = {}
        for gate in ("z", "r", "hbar"):  # makemore.py's order of creation
            self.params[f"W_{gate}"], self.params[f"b_{gate}"] = linear_init(n_embd + n_embd2, n_embd2, rng, dtype)
        self.grads = {}

    def forward(self, x, h_prev):
        """Inputs:
        - x: (B, D) float64, this step's input; not modified.
        - h_prev: (B, H) float64, h_{t-1}; not modified.

        Returns:
        - h: (B, H) float64, h_t.

        Caches xh, xhr (B, D + H) and h_prev, r, z, hbar (B, H): the gates' derivatives need their outputs.
        """
        # YOUR CODE HERE (GRUCell.forward): follow the equations top to bottom; cache the gates' outputs (not their pre-activations)
        raise NotImplementedError("GRUCell.forward: follow the equations top to bottom; cache the gates' outputs (not their pre-activations)")

    def backward(self, dh):
        """Inputs:
        - dh: (B, H) float64, dL/dh_t (output head at this step plus the gradient from step t+1).

        Returns:
        - dx: (B, D) float64, dL/dx_t.
        - dh_prev: (B, H) float64, dL/dh_{t-1}, the sum over its four paths.

        Sets self.grads with the six keys of params, this step's gradients (summed over B).
        """
        # YOUR CODE HERE (GRUCell.backward): return (dx (B, D), dh_prev (B, H)), dh_prev the sum over its paths; set the six grads
        raise NotImplementedError('GRUCell.backward: return (dx (B, D), dh_prev (B, H)), dh_prev the sum over its paths; set the six grads')
