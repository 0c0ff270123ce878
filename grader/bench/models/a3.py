"""Assignment 3's model: the lecture's MLP with BatchNorm (Linear without bias -> BatchNorm1d -> Tanh)."""
import numpy as np

from grader.bench.registry import BenchModel, kit_step, matmul_flops, torch_params, torch_sgd_step


def reference_mlp_bn(dims, dtype):
    from grader.training import cast_params
    from reference.a3_batchnorm.mlp_bn import BatchNormMLP

    return cast_params(BatchNormMLP(**dims, rng=np.random.default_rng(0)), dtype)


def numpy_mlp_bn(dims, dtype, lr):
    from reference.a1_bigram.cross_entropy import SoftmaxCrossEntropy

    return kit_step(reference_mlp_bn(dims, dtype), SoftmaxCrossEntropy(), lr)


def torch_mlp_bn(dims, dtype, lr):
    """The lecture's PyTorch network (F.batch_norm in training mode: batch statistics, running ones updated
    with momentum 0.1, eps 1e-5) from the reference's initial weights."""
    import torch
    import torch.nn.functional as F

    model = reference_mlp_bn(dims, np.float64)
    p = torch_params(model.params, dtype)
    running = {k: torch.tensor(v, dtype=dtype) for k, v in model.buffers.items()}
    L = dims["n_layers"]

    def step(X, Y):
        x = p["C"][torch.from_numpy(X)].view(len(X), -1)
        for i in range(1, L + 1):
            x = torch.tanh(F.batch_norm(x @ p[f"W{i}"], running[f"bnmean_running{i}"], running[f"bnvar_running{i}"],
                                        p[f"bngain{i}"], p[f"bnbias{i}"], training=True, momentum=0.1, eps=1e-5))
        logits = x @ p[f"W{L + 1}"] + p[f"b{L + 1}"]
        return torch_sgd_step(list(p.values()), F.cross_entropy(logits, torch.from_numpy(Y)), lr)

    return step


def mlp_bn_flops(d, n):
    V, T, D, H, L = d["vocab_size"], d["block_size"], d["n_embd"], d["n_hidden"], d["n_layers"]
    fan_ins = [T * D] + [H] * (L - 1)
    hidden = [shape for k in fan_ins for shape in ((n, k, H), (k, n, H), (n, H, k))]  # forward, dW, dx
    return matmul_flops(*hidden, (n, H, V), (H, n, V), (n, V, H))


MODELS = [
    BenchModel(name="mlp_bn", assignment="a3",
               dims={"vocab_size": 27, "block_size": 3, "n_embd": 10, "n_hidden": 200, "n_layers": 1},
               numpy=numpy_mlp_bn, torch=torch_mlp_bn, flops=mlp_bn_flops,
               scaling={"embedding width": "n_embd", "context length": "block_size"}),
]
