"""Assignment 2's model: the MLP of Bengio et al. (2003) at the lecture's sizes."""
import numpy as np

from grader.bench.registry import BenchModel, kit_step, matmul_flops, torch_sgd_step


def numpy_mlp(dims, dtype, lr):
    from grader.training import cast_params
    from reference.a1_bigram.cross_entropy import SoftmaxCrossEntropy
    from reference.a2_mlp.mlp import MLP

    model = cast_params(MLP(**dims, rng=np.random.default_rng(0)), dtype)
    return kit_step(model, SoftmaxCrossEntropy(), lr)


def torch_mlp(dims, dtype, lr):
    """The lecture's PyTorch code, with the reference's initialisation scales."""
    import torch
    import torch.nn.functional as F

    V, T, D, H = dims["vocab_size"], dims["block_size"], dims["n_embd"], dims["n_hidden"]
    g = torch.Generator().manual_seed(0)
    C = torch.randn((V, D), generator=g, dtype=dtype)
    W1 = torch.randn((T * D, H), generator=g, dtype=dtype) * (5 / 3) / (T * D) ** 0.5
    b1 = torch.randn(H, generator=g, dtype=dtype) * 0.01
    W2 = torch.randn((H, V), generator=g, dtype=dtype) * 0.01
    b2 = torch.zeros(V, dtype=dtype)
    params = [C, W1, b1, W2, b2]
    for p in params:
        p.requires_grad_()

    def step(X, Y):
        emb = C[torch.from_numpy(X)]
        h = torch.tanh(emb.view(emb.shape[0], -1) @ W1 + b1)
        logits = h @ W2 + b2
        return torch_sgd_step(params, F.cross_entropy(logits, torch.from_numpy(Y)), lr)

    return step


def mlp_flops(d, n):
    V, T, D, H = d["vocab_size"], d["block_size"], d["n_embd"], d["n_hidden"]
    return matmul_flops((n, T * D, H), (T * D, n, H), (n, H, T * D),   # hidden: forward, dW1, dembcat
                        (n, H, V), (H, n, V), (n, V, H))                # output: forward, dW2, dh


MODELS = [
    BenchModel(name="mlp", assignment="a2", dims={"vocab_size": 27, "block_size": 3, "n_embd": 10, "n_hidden": 200},
               numpy=numpy_mlp, torch=torch_mlp, flops=mlp_flops,
               scaling={"embedding width": "n_embd", "context length": "block_size"}),
]
