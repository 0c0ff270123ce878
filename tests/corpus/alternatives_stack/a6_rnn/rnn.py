"""The recurrent language model with ONE cell object reused at every step (its caches on a stack)."""
import numpy as np

from .gru_cell import GRUCell
from .lstm_cell import LSTMCell
from .rnn_cell import RNNCell


class RNN:
    consumes = "sequence"

    def __init__(self, vocab_size=27, n_embd=64, n_embd2=64, cell_type="rnn", block_size=16, rng=None,
                 dtype=np.float64):
        rng = np.random.default_rng(0) if rng is None else rng
        self.block_size, self.cell_type = block_size, cell_type
        self.cell = {"rnn": RNNCell, "gru": GRUCell, "lstm": LSTMCell}[cell_type](n_embd, n_embd2, rng, dtype)
        k = n_embd2 ** -0.5
        self.params = {"wte": rng.standard_normal((vocab_size, n_embd)).astype(dtype),
                       "start": np.zeros((1, n_embd2), dtype=dtype)}
        if cell_type == "lstm":
            self.params["start_c"] = np.zeros((1, n_embd2), dtype=dtype)
        self.params.update({"cell." + k_: v for k_, v in self.cell.params.items()})
        self.params["lm_head_W"] = rng.uniform(-k, k, size=(n_embd2, vocab_size)).astype(dtype)
        self.params["lm_head_b"] = rng.uniform(-k, k, size=vocab_size).astype(dtype)
        self.grads = {}

    def forward(self, idx):
        B, T = idx.shape
        self.cell.stack = []
        self.idx = idx
        h = np.tile(self.params["start"], (B, 1))
        c = np.tile(self.params["start_c"], (B, 1)) if self.cell_type == "lstm" else None
        hs = []
        for t in range(T):
            x = self.params["wte"][idx[:, t]]
            if c is None:
                h = self.cell.forward(x, h)
            else:
                h, c = self.cell.forward(x, h, c)
            hs.append(h)
        self.hs = np.stack(hs, axis=1)
        return self.hs @ self.params["lm_head_W"] + self.params["lm_head_b"]

    def backward(self, dlogits):
        B, T, V = dlogits.shape
        H = self.hs.shape[2]
        g = {"lm_head_W": self.hs.reshape(-1, H).T @ dlogits.reshape(-1, V),
             "lm_head_b": dlogits.reshape(-1, V).sum(axis=0)}
        dhs = dlogits @ self.params["lm_head_W"].T
        totals = {name: 0.0 for name in self.cell.params}
        dwte = np.zeros_like(self.params["wte"])
        dh_next, dc_next = np.zeros((B, H)), np.zeros((B, H))
        for t in reversed(range(T)):
            if self.cell_type == "lstm":
                dx, dh_next, dc_next = self.cell.backward(dhs[:, t] + dh_next, dc_next)
            else:
                dx, dh_next = self.cell.backward(dhs[:, t] + dh_next)
            for name, value in self.cell.grads.items():
                totals[name] = totals[name] + value
            for b in range(B):
                dwte[self.idx[b, t]] += dx[b]
        g["wte"] = dwte
        g["start"] = dh_next.sum(axis=0, keepdims=True)
        if self.cell_type == "lstm":
            g["start_c"] = dc_next.sum(axis=0, keepdims=True)
        g.update({"cell." + name: value for name, value in totals.items()})
        self.grads = g
