"""The recurrent language model with lists of per-step states and np.add.at (another style)."""
import copy

import numpy as np

from .gru_cell import GRUCell
from .lstm_cell import LSTMCell
from .rnn_cell import RNNCell

CELLS = {"rnn": RNNCell, "gru": GRUCell, "lstm": LSTMCell}


class RNN:
    consumes = "sequence"

    def __init__(self, vocab_size=27, n_embd=64, n_embd2=64, cell_type="rnn", block_size=16, rng=None,
                 dtype=np.float64):
        rng = np.random.default_rng(0) if rng is None else rng
        self.block_size, self.cell_type = block_size, cell_type
        self.cell = CELLS[cell_type](n_embd, n_embd2, rng, dtype)
        k = 1 / np.sqrt(n_embd2)
        self.params = {"wte": rng.standard_normal((vocab_size, n_embd)).astype(dtype),
                       "start": np.zeros((1, n_embd2), dtype=dtype)}
        if cell_type == "lstm":
            self.params["start_c"] = np.zeros((1, n_embd2), dtype=dtype)
        for name, value in self.cell.params.items():
            self.params["cell." + name] = value
        self.params["lm_head_W"] = rng.uniform(-k, k, (n_embd2, vocab_size)).astype(dtype)
        self.params["lm_head_b"] = rng.uniform(-k, k, vocab_size).astype(dtype)
        self.grads = {}

    def cell_for_step(self):
        step = copy.copy(self.cell)
        step.grads = {}
        return step

    def forward(self, idx):
        self.idx = idx
        lstm = self.cell_type == "lstm"
        n = idx.shape[0]
        state = [np.repeat(self.params["start"], n, axis=0)]
        if lstm:
            state.append(np.repeat(self.params["start_c"], n, axis=0))
        self.steps, hidden = [], []
        t = 0
        while t < idx.shape[1]:
            cell = self.cell_for_step()
            result = cell.forward(self.params["wte"][idx[:, t]], *state)
            state = list(result) if lstm else [result]
            hidden.append(state[0])
            self.steps.append(cell)
            t += 1
        self.hidden = np.stack(hidden, axis=1)
        return np.einsum("bth,hv->btv", self.hidden, self.params["lm_head_W"]) + self.params["lm_head_b"]

    def backward(self, dlogits):
        lstm = self.cell_type == "lstm"
        grads = {"lm_head_W": np.einsum("bth,btv->hv", self.hidden, dlogits),
                 "lm_head_b": np.einsum("btv->v", dlogits)}
        dhidden = np.einsum("btv,hv->bth", dlogits, self.params["lm_head_W"])
        carried = [np.zeros_like(dhidden[:, 0])] * (2 if lstm else 1)
        per_step = []
        dwte = np.zeros_like(self.params["wte"])
        for t in range(len(self.steps) - 1, -1, -1):
            upstream = [dhidden[:, t] + carried[0]] + carried[1:]
            dx, *carried = self.steps[t].backward(*upstream)
            np.add.at(dwte, self.idx[:, t], dx)
            per_step.append(self.steps[t].grads)
        grads["wte"] = dwte
        grads["start"] = carried[0].sum(axis=0)[None, :]
        if lstm:
            grads["start_c"] = carried[1].sum(axis=0)[None, :]
        for name in self.cell.params:
            grads["cell." + name] = sum(g[name] for g in per_step)
        self.grads = grads

