"""Assignment 2's model: the MLP of Bengio et al. (2003) at the lecture's sizes."""
import numpy as np

from grader.bench.registry import BenchModel, kit_step, matmul_flops, torch_params, torch_sgd_step


def reference_mlp(dims, dtype):
    from grader.training import cast_params
    from reference.a2_mlp.mlp import MLP

    return cast_params(MLP(**dims, rng=np.random.default_rng(0)), dtype)


def numpy_mlp(dims, dtype, lr):
    from reference.a1_bigram.cross_entropy import SoftmaxCrossEntropy

    return kit_step(reference_mlp(dims, dtype), SoftmaxCrossEntropy(), lr)


def torch_mlp(dims, dtype, lr):
    """The lecture's PyTorch code, from the reference's initial weights."""
    import torch
    import torch.nn.functional as F

    p = torch_params(reference_mlp(dims, np.float64).params, dtype)
    C, W1, b1, W2, b2 = (p[k] for k in ("C", "W1", "b1", "W2", "b2"))
    params = [C, W1, b1, W2, b2]

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
