"""makemore.py's recurrent language model, with the cell of your choice and backpropagation through time:

    emb    = wte[idx]                                (B, T, D)    D = n_embd
    h_0    = start (broadcast over the batch)        (B, H)       H = n_embd2, a learned parameter
    h_t    = cell(emb[:, t], h_{t-1})                (B, H)       t = 1..T  (LSTM: also c_t, from c_0 = start_c)
    logits = stack(h_1..h_T) @ lm_head_W + lm_head_b (B, T, V)
"""
import copy

import numpy as np

from .gru_cell import GRUCell
from .lstm_cell import LSTMCell
from .rnn_cell import RNNCell, linear_init

CELLS = {"rnn": RNNCell, "gru": GRUCell, "lstm": LSTMCell}


class RNN:
    """Embedding -> a cell over time from a learned start state -> a linear head at every position.

    params = {"wte": (V, D), "start": (1, H), ["start_c": (1, H), LSTM only], "cell.NAME": the cell's params,
              "lm_head_W": (H, V), "lm_head_b": (V,)}, float64 while grading (``dtype`` for training only).
    The "cell.NAME" entries are the very arrays of self.cell.params, so an in-place update reaches the cell.
    consumes = "sequence": the kit's loop feeds it makemore.py's (B, T) sequences, not context windows.
    """

    consumes = "sequence"

    def __init__(self, vocab_size=27, n_embd=64, n_embd2=64, cell_type="rnn", block_size=16, rng=None,
                 dtype=np.float64):
        rng = np.random.default_rng(0) if rng is None else rng
        self.block_size, self.cell_type = block_size, cell_type
        self.cell = CELLS[cell_type](n_embd, n_embd2, rng, dtype)
        head_W, head_b = linear_init(n_embd2, vocab_size, rng, dtype)
        self.params = {"wte": rng.standard_normal((vocab_size, n_embd)).astype(dtype),  # nn.Embedding: N(0, 1)
                       "start": np.zeros((1, n_embd2), dtype=dtype)}                    # makemore.py: zeros
        if cell_type == "lstm":
            self.params["start_c"] = np.zeros((1, n_embd2), dtype=dtype)
        self.params.update({f"cell.{k}": v for k, v in self.cell.params.items()})
        self.params.update({"lm_head_W": head_W, "lm_head_b": head_b})
        self.grads = {}

    def cell_for_step(self):
        """A new cell for one time step: it shares self.cell's parameter arrays but has its own cache and
        grads (deep-learning-from-scratch-2's Time layers keep one such cell per step)."""
        step = copy.copy(self.cell)
        step.grads = {}
        return step

    def forward(self, idx):
        """Inputs:
        - idx: (B, T) int64 token ids, T <= block_size; not modified.

        Returns:
        - logits: (B, T, V) float64; logits[:, t] depends on idx[:, :t + 1] only.

        Caches idx, the list of step cells self.cells (T of them) and the hidden states hs (B, T, H).
        """
        ### HINT 1: The module docstring's equations: embed, loop over time from the learned start state, a head at
        ###   every position.
        ### HINT 2: One fresh cell_for_step() per time step (shared parameters, its own cache); the start state (1, H)
        ###   broadcasts over the batch; keep every h in hs (B, T, H).
        ### HINT 3: emb = wte[idx]; h = broadcast(start); for t: cell = cell_for_step(); h from the step cell's
        ###   forward of emb[:, t] and the previous h (LSTM: h and c); hs[:, t] = h; return hs @ lm_head_W +
        ###   lm_head_b.
        ### BEGIN SOLUTION: embed, run one cell_for_step() per time step from start (and start_c), apply the head
        B, T = idx.shape
        p = self.params
        self.idx = idx
        emb = p["wte"][idx]
        H = p["start"].shape[1]
        h = np.broadcast_to(p["start"], (B, H))
        c = np.broadcast_to(p["start_c"], (B, H)) if self.cell_type == "lstm" else None
        self.hs = np.empty((B, T, H), dtype=p["start"].dtype)
        self.cells = []
        for t in range(T):
            cell = self.cell_for_step()
            if c is None:
                h = cell.forward(emb[:, t], h)
            else:
                h, c = cell.forward(emb[:, t], h, c)
            self.hs[:, t] = h
            self.cells.append(cell)
        return self.hs @ p["lm_head_W"] + p["lm_head_b"]
        ### END SOLUTION

    def backward(self, dlogits):
        """Inputs:
        - dlogits: (B, T, V) float64, upstream gradient.

        Returns None. Sets self.grads with the keys of self.params, each the shape of its parameter: the
        cell's gradients summed over the T steps, "start" (and "start_c") from the gradient reaching h_0
        (and c_0) summed over the batch, "wte" scatter-added over every (b, t).
        """
        ### HINT 1: Backpropagation through time: the head first, then the steps in reverse. h_t is used twice (by the
        ###   head at t and by step t+1), and the cell's parameters and the start state are used at every step or by
        ###   every example: each receives the sum of its gradients.
        ### HINT 2: Walk t = T-1 .. 0 carrying dh_prev (and dc) from step t+1: the cell at t gets its head gradient
        ###   plus that; sum every step's parameter gradients; start gets what reaches h_0 summed over the batch; wte
        ###   accumulates every dx at its token.
        ### HINT 3: dhs = dlogits @ lm_head_W.T; dh = 0; for t reversed: demb[:, t], dh = cells[t].backward(dhs[:, t]
        ###   + dh) (LSTM with dc); cell grads summed; dstart = dh.sum(0, keepdims=True); dwte: scatter-add demb at
        ###   idx; dlm_head_W = hs.reshape(-1, H).T @ dlogits.reshape(-1, V), dlm_head_b = dlogits.sum((0, 1)).
        ### BEGIN SOLUTION: fill self.grads (the keys of self.params); return None
        p, g = self.params, {}
        B, T, V = dlogits.shape
        H = p["start"].shape[1]
        g["lm_head_W"] = self.hs.reshape(B * T, H).T @ dlogits.reshape(B * T, V)
        g["lm_head_b"] = dlogits.sum(axis=(0, 1))
        dhs = dlogits @ p["lm_head_W"].T
        cell_grads = {k: np.zeros_like(v) for k, v in self.cell.params.items()}
        demb = np.empty((B, T, p["wte"].shape[1]), dtype=dlogits.dtype)
        dh = np.zeros((B, H), dtype=dlogits.dtype)
        dc = np.zeros((B, H), dtype=dlogits.dtype) if self.cell_type == "lstm" else None
        for t in reversed(range(T)):
            if dc is None:
                demb[:, t], dh = self.cells[t].backward(dhs[:, t] + dh)
            else:
                demb[:, t], dh, dc = self.cells[t].backward(dhs[:, t] + dh, dc)
            for k, v in self.cells[t].grads.items():
                cell_grads[k] += v
        g["start"] = dh.sum(axis=0, keepdims=True)
        if dc is not None:
            g["start_c"] = dc.sum(axis=0, keepdims=True)
        # scatter-add without np.add.at (slow): a one-hot matrix product sums the rows of each token
        V_in = p["wte"].shape[0]
        onehot = (self.idx.reshape(-1)[:, None] == np.arange(V_in)).astype(demb.dtype)
        g["wte"] = onehot.T @ demb.reshape(B * T, -1)
        g.update({f"cell.{k}": v for k, v in cell_grads.items()})
        self.grads = {k: g[k] for k in p}
        return None
        ### END SOLUTION
