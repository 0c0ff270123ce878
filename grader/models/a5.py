"""Assignment 5's model: the hierarchical WaveNet-like network of makemore part 5."""
from grader.models import Model, Twin, matmul_flops, torch_buffers, torch_params
from grader.models.a1 import WINDOW_LOSS


def twin(model, dims, dtype):
    """The lecture's layers in PyTorch, by the keys "{layer}.{name}" of the kit's Sequential: per level, fuse two
    consecutive positions, Linear without bias, BatchNorm over the batch and the positions (F.batch_norm on
    (-1, C): the same statistics), Tanh; then the output Linear."""
    import torch
    import torch.nn.functional as F

    p, running = torch_params(model.params, dtype), torch_buffers(model, dtype)
    levels = sum(1 for k in p if k.endswith(".gamma"))

    def forward(X):
        x = p["0.weight"][torch.from_numpy(X)]  # (B, T, C)
        for level in range(levels):
            linear, bn = 2 + 4 * level, 3 + 4 * level
            B, T, C = x.shape
            x = x.reshape(B, T // 2, 2 * C) @ p[f"{linear}.weight"]
            x = F.batch_norm(x.reshape(-1, x.shape[-1]), running[f"{bn}.running_mean"], running[f"{bn}.running_var"],
                             p[f"{bn}.gamma"], p[f"{bn}.beta"], training=True, momentum=0.1, eps=1e-5)
            x = torch.tanh(x).view(B, T // 2, -1)
        out = 1 + 4 * levels
        return x[:, 0] @ p[f"{out}.weight"] + p[f"{out}.bias"]

    return Twin(p, forward, buffers=running)


def flops(d, n):
    V, T, D, H = d["vocab_size"], d["block_size"], d["n_embd"], d["n_hidden"]
    shapes, width, positions = [], D, T
    while positions > 1:
        positions //= 2
        rows = n * positions
        shapes += [(rows, 2 * width, H), (2 * width, rows, H), (rows, H, 2 * width)]  # forward, dW, dx
        width = H
    return matmul_flops(*shapes, (n, H, V), (H, n, V), (n, V, H))


MODELS = [
    Model(name="wavenet", assignment="a5", target="a5_wavenet.wavenet:WaveNet",
          summary="the WaveNet of makemore part 5", sizes={"block_size": 8, "n_embd": 24, "n_hidden": 128},
          loss=WINDOW_LOSS, decay_at=0.75, goal="dev about 1.99 (lecture 1.9937)", twin=twin, flops=flops,
          pytorch={"3.gamma": "BatchNorm1d over (B, T, C): PyTorch's BatchNorm1d wants (N, C, L) and would "
                              "normalise over the wrong axis; F.batch_norm on (-1, C) gives the lecture's statistics",
                   "loss": "F.cross_entropy: log_softmax + nll_loss, the mean over the batch"},
          scaling={"embedding width": "n_embd", "context length": "block_size"}),
]
