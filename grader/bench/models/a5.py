"""Assignment 5's model: the hierarchical WaveNet-like network of makemore part 5."""
import numpy as np

from grader.bench.registry import BenchModel, kit_step, matmul_flops, torch_params, torch_sgd_step


def reference_wavenet(dims, dtype):
    from grader.training import cast_params
    from reference.a5_wavenet.wavenet import WaveNet

    return cast_params(WaveNet(**dims, rng=np.random.default_rng(0)), dtype)


def numpy_wavenet(dims, dtype, lr):
    from reference.a1_bigram.cross_entropy import SoftmaxCrossEntropy

    return kit_step(reference_wavenet(dims, dtype), SoftmaxCrossEntropy(), lr)


def torch_wavenet(dims, dtype, lr):
    """The lecture's layers in PyTorch, from the reference's initial weights (keys "{layer}.{name}" of its
    Sequential): per level, fuse two consecutive positions, Linear without bias, BatchNorm over the batch and
    the positions (F.batch_norm on (-1, C): the same statistics), Tanh; then the output Linear."""
    import torch
    import torch.nn.functional as F

    model = reference_wavenet(dims, np.float64)
    p = torch_params(model.params, dtype)
    running = {k: torch.tensor(v, dtype=dtype) for k, v in model.buffers.items()}
    levels = int(np.log2(dims["block_size"]))

    def step(X, Y):
        x = p["0.weight"][torch.from_numpy(X)]  # (B, T, C)
        for level in range(levels):
            linear, bn = 2 + 4 * level, 3 + 4 * level
            B, T, C = x.shape
            x = x.reshape(B, T // 2, 2 * C) @ p[f"{linear}.weight"]
            x = F.batch_norm(x.reshape(-1, x.shape[-1]), running[f"{bn}.running_mean"], running[f"{bn}.running_var"],
                             p[f"{bn}.gamma"], p[f"{bn}.beta"], training=True, momentum=0.1, eps=1e-5)
            x = torch.tanh(x).view(B, T // 2, -1)
        out = 1 + 4 * levels
        logits = x[:, 0] @ p[f"{out}.weight"] + p[f"{out}.bias"]
        return torch_sgd_step(list(p.values()), F.cross_entropy(logits, torch.from_numpy(Y)), lr)

    return step


def wavenet_flops(d, n):
    V, T, D, H = d["vocab_size"], d["block_size"], d["n_embd"], d["n_hidden"]
    shapes, width, positions = [], D, T
    while positions > 1:
        positions //= 2
        rows = n * positions
        shapes += [(rows, 2 * width, H), (2 * width, rows, H), (rows, H, 2 * width)]  # forward, dW, dx
        width = H
    return matmul_flops(*shapes, (n, H, V), (H, n, V), (n, V, H))


MODELS = [
    BenchModel(name="wavenet", assignment="a5",
               dims={"vocab_size": 27, "block_size": 8, "n_embd": 24, "n_hidden": 128},
               numpy=numpy_wavenet, torch=torch_wavenet, flops=wavenet_flops,
               scaling={"embedding width": "n_embd", "context length": "block_size"}),
]
