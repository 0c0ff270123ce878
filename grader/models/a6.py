"""Assignment 6's models: makemore.py's recurrent language model with an RNN, GRU or LSTM cell."""

from grader.models import Model, Twin, matmul_flops, torch_params

GATES = {"rnn": 1, "gru": 3, "lstm": 4}  # (D + H, H) weight blocks per cell
STEPS = {"rnn": 60_000, "gru": 75_000, "lstm": 75_000}  # makemore.py's budgets of the runs compared with PyTorch


def torch_model(kit_params: dict, cell: str, dtype=None):
    """makemore.py's RNN/GRU/LSTM language model in torch on copies of the kit's weights (the kit's layout,
    x @ W + b with W (fan_in, fan_out); the LSTM's W holds the gates i, f, g, o as column blocks).
    Returns (params, forward): params a dict of leaf tensors under the kit's keys, forward(idx: (B, T) int64
    tensor) -> logits (B, T, V). dtype: torch.float32 by default. Used by the twin and by
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


def twin_of(cell):
    def twin(model, dims, dtype):
        import torch

        p, forward = torch_model(model.params, cell, dtype)
        return Twin(p, lambda X: forward(torch.from_numpy(X)))

    return twin


def recurrent_flops(cell):
    def flops(d, n):
        V, T, D, H = d["vocab_size"], d["block_size"], d["n_embd"], d["n_embd2"]
        G = GATES[cell] * H
        return T * matmul_flops((n, D + H, G), (D + H, n, G), (n, G, D + H)) + \
            matmul_flops((n * T, H, V), (H, n * T, V), (n * T, V, H))

    return flops


PYTORCH = {
    "gru": "nn.GRUCell is not makemore.py's GRU: torch applies the reset gate to W_hn @ h after the product "
           "and mixes h_new = (1 - z) * n + z * h (z and 1 - z swapped)",
    "loss": "F.cross_entropy(..., ignore_index=-1): the mean over the valid positions only",
    "wte": "wte[idx] is an index: its backward scatter-adds (index_put_ with accumulate=True)",
}

MODELS = [
    Model(name=cell, assignment="a6", target="a6_rnn.rnn:RNN",
          summary=f"makemore.py's {cell.upper()} language model", sizes={"n_embd": 64, "n_embd2": 64},
          loss="a6_rnn.sequence_loss:SequenceCrossEntropy", data="sequences", optimizer="adamw", steps=STEPS[cell],
          lr=5e-4, decay_at=None, goal="PyTorch's test loss on the same draws, to 0.02", twin=twin_of(cell),
          pytorch=PYTORCH, flops=recurrent_flops(cell), fixed={"cell_type": cell}, takes_dtype=True, bench_lr=0.1,
          scaling={"embedding width": "n_embd", "context length": "block_size"})
    for cell in ("rnn", "gru", "lstm")
]
