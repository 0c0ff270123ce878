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
        ### HINT 1: The docstring's equations, top to bottom.
        ### HINT 2: Cache the gates' outputs (r, z, hbar), not their pre-activations, and both concatenations xh and
        ###   xhr.
        ### HINT 3: As the equations: xh, r, xhr = [x, r * h_prev], hbar, z, h = (1 - z) * h_prev + z * hbar.
        ### BEGIN SOLUTION: follow the equations top to bottom; cache the gates' outputs (not their pre-activations)
        p = self.params
        self.h_prev = h_prev
        self.xh = np.concatenate([x, h_prev], axis=1)
        self.r = sigmoid(self.xh @ p["W_r"] + p["b_r"])
        self.xhr = np.concatenate([x, self.r * h_prev], axis=1)
        self.hbar = np.tanh(self.xhr @ p["W_hbar"] + p["b_hbar"])
        self.z = sigmoid(self.xh @ p["W_z"] + p["b_z"])
        return (1.0 - self.z) * h_prev + self.z * self.hbar
        ### END SOLUTION

    def backward(self, dh):
        """Inputs:
        - dh: (B, H) float64, dL/dh_t (output head at this step plus the gradient from step t+1).

        Returns:
        - dx: (B, D) float64, dL/dx_t.
        - dh_prev: (B, H) float64, dL/dh_{t-1}, the sum over its four paths.

        Sets self.grads with the six keys of params, this step's gradients (summed over B).
        """
        ### HINT 1: Draw the graph: z appears twice in h, h_prev reaches h by four paths (directly, through r *
        ###   h_prev, and through the gates r and z, via xh). Each of those variables receives the sum of its paths.
        ### HINT 2: From h = (1 - z) * h_prev + z * hbar take dhbar, dz and the direct dh_prev; each gate's local
        ###   derivative comes from its output (sigmoid: s * (1 - s); tanh: 1 - t**2); each gate's product is a Linear
        ###   as in a2; split xh and xhr at column D.
        ### HINT 3: dhbar = dh * z; dz = dh * (hbar - h_prev); dh_prev = dh * (1 - z); dzpre = dz * z * (1 - z);
        ###   dhbarpre = dhbar * (1 - hbar**2); dxhr = dhbarpre @ W_hbar.T; dh_prev += dxhr[:, D:] * r; drpre =
        ###   dxhr[:, D:] * h_prev * r * (1 - r); dxh = dzpre @ W_z.T + drpre @ W_r.T; dx = dxh[:, :D] + dxhr[:, :D];
        ###   dh_prev += dxh[:, D:]; weight grads as xh.T @ dzpre etc.
        ### ANSWER: dz = dh * (hbar - h_prev)
        ### BEGIN SOLUTION: return (dx (B, D), dh_prev (B, H)), dh_prev the sum over its paths; set the six grads
        p, g = self.params, self.grads
        D = self.xh.shape[1] - self.h_prev.shape[1]
        dhbar = dh * self.z
        dz = dh * (self.hbar - self.h_prev)
        dh_prev = dh * (1.0 - self.z)
        dzpre = dz * self.z * (1.0 - self.z)
        g["W_z"], g["b_z"] = self.xh.T @ dzpre, dzpre.sum(axis=0)
        dhbarpre = dhbar * (1.0 - self.hbar**2)
        g["W_hbar"], g["b_hbar"] = self.xhr.T @ dhbarpre, dhbarpre.sum(axis=0)
        dxhr = dhbarpre @ p["W_hbar"].T
        dh_reset = dxhr[:, D:]
        dh_prev = dh_prev + dh_reset * self.r
        drpre = dh_reset * self.h_prev * self.r * (1.0 - self.r)
        g["W_r"], g["b_r"] = self.xh.T @ drpre, drpre.sum(axis=0)
        dxh = dzpre @ p["W_z"].T + drpre @ p["W_r"].T
        return dxh[:, :D] + dxhr[:, :D], dh_prev + dxh[:, D:]
        ### END SOLUTION
