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
        # YOUR CODE HERE (RNN.forward): embed, run one cell_for_step() per time step from start (and start_c), apply the head
        raise NotImplementedError('RNN.forward: embed, run one cell_for_step() per time step from start (and start_c), apply the head')

    def backward(self, dlogits):
        """Inputs:
        - dlogits: (B, T, V) float64, upstream gradient.

        Returns None. Sets self.grads with the keys of self.params, each the shape of its parameter: the
        cell's gradients summed over the T steps, "start" (and "start_c") from the gradient reaching h_0
        (and c_0) summed over the batch, "wte" scatter-added over every (b, t).
        """
        # YOUR CODE HERE (RNN.backward): fill self.grads (the keys of self.params); return None
        raise NotImplementedError('RNN.backward: fill self.grads (the keys of self.params); return None')
