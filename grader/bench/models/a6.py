"""Assignment 6's models: makemore.py's recurrent language model with an RNN, GRU or LSTM cell."""
import numpy as np

from grader.bench.registry import BenchModel, kit_step, matmul_flops, sequence_batch, torch_params, torch_sgd_step

DIMS = {"vocab_size": 27, "block_size": 16, "n_embd": 64, "n_embd2": 64}  # makemore.py's defaults
GATES = {"rnn": 1, "gru": 3, "lstm": 4}  # (D + H, H) weight blocks per cell


def reference_rnn(dims, dtype, cell):
    from reference.a6_rnn.rnn import RNN

    return RNN(**dims, cell_type=cell, rng=np.random.default_rng(0), dtype=dtype)


def numpy_recurrent(cell):
    def build(dims, dtype, lr):
        from reference.a6_rnn.sequence_loss import SequenceCrossEntropy

        return kit_step(reference_rnn(dims, dtype, cell), SequenceCrossEntropy(), lr)

    return build


def torch_model(kit_params: dict, cell: str, dtype=None):
    """makemore.py's RNN/GRU/LSTM language model in torch on copies of the kit's weights (the kit's layout,
    x @ W + b with W (fan_in, fan_out); the LSTM's W holds the gates i, f, g, o as column blocks).
    Returns (params, forward): params a dict of leaf tensors under the kit's keys, forward(idx: (B, T) int64
    tensor) -> logits (B, T, V). dtype: torch.float32 by default. Used by the bench and by
    tests/bench/rnn_vs_torch.py."""
    import torch

    p = torch_params(kit_params, torch.float32 if dtype is None else dtype)

    def forward(idx):
        emb = p["wte"][idx]
        h = p["start"].expand(idx.shape[0], -1)
        c = p["start_c"].expand(idx.shape[0], -1) if cell == "lstm" else None
        hs = []
        for t in range(idx.shape[1]):
            xh = torch.cat([emb[:, t], h], dim=1)
            if cell == "rnn":
                h = torch.tanh(xh @ p["cell.W"] + p["cell.b"])
            elif cell == "gru":
                r = torch.sigmoid(xh @ p["cell.W_r"] + p["cell.b_r"])
                hbar = torch.tanh(torch.cat([emb[:, t], r * h], dim=1) @ p["cell.W_hbar"] + p["cell.b_hbar"])
                z = torch.sigmoid(xh @ p["cell.W_z"] + p["cell.b_z"])
                h = (1 - z) * h + z * hbar
            else:
                i, f, g, o = (xh @ p["cell.W"] + p["cell.b"]).chunk(4, dim=1)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = torch.sigmoid(o) * torch.tanh(c)
            hs.append(h)
        return torch.stack(hs, 1) @ p["lm_head_W"] + p["lm_head_b"]

    return p, forward


def torch_recurrent(cell):
    def build(dims, dtype, lr):
        import torch
        import torch.nn.functional as F

        p, forward = torch_model(reference_rnn(dims, np.float64, cell).params, cell, dtype)

        def step(X, Y):
            logits = forward(torch.from_numpy(X))
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), torch.from_numpy(Y).reshape(-1),
                                   ignore_index=-1)
            return torch_sgd_step(list(p.values()), loss, lr)

        return step

    return build


def recurrent_flops(cell):
    def flops(d, n):
        V, T, D, H = d["vocab_size"], d["block_size"], d["n_embd"], d["n_embd2"]
        G = GATES[cell] * H
        return T * matmul_flops((n, D + H, G), (D + H, n, G), (n, G, D + H)) + \
            matmul_flops((n * T, H, V), (H, n * T, V), (n * T, V, H))

    return flops


MODELS = [
    BenchModel(name=cell, assignment="a6", dims=DIMS, numpy=numpy_recurrent(cell), torch=torch_recurrent(cell),
               flops=recurrent_flops(cell), batch=sequence_batch, lr=0.1,
               scaling={"embedding width": "n_embd", "context length": "block_size"})
    for cell in ("rnn", "gru", "lstm")
]
