"""Assignment 1's trained model: the bigram net (logits = W[previous token])."""
import numpy as np

from grader.bench.registry import BenchModel, kit_step, matmul_flops, torch_params, torch_sgd_step


def reference_bigram(dims, dtype):
    from grader.training import cast_params
    from reference.a1_bigram.bigram_net import BigramNet

    return cast_params(BigramNet(dims["vocab_size"], rng=np.random.default_rng(0)), dtype)


def numpy_bigram(dims, dtype, lr):
    from reference.a1_bigram.cross_entropy import SoftmaxCrossEntropy

    return kit_step(reference_bigram(dims, dtype), SoftmaxCrossEntropy(), lr)


def torch_bigram(dims, dtype, lr):
    """The lecture's W[xs] (a row lookup; its one-hot product in the lecture) from the reference's weights."""
    import torch
    import torch.nn.functional as F

    W = torch_params(reference_bigram(dims, np.float64).params, dtype)["W"]

    def step(X, Y):
        logits = W[torch.from_numpy(X[:, 0])]
        return torch_sgd_step([W], F.cross_entropy(logits, torch.from_numpy(Y)), lr)

    return step


MODELS = [
    BenchModel(name="bigram", assignment="a1", dims={"vocab_size": 27, "block_size": 1},
               numpy=numpy_bigram, torch=torch_bigram, lr=10.0,
               # a row lookup, no product: as a one-hot matmul its backward is (V, N) @ (N, V)
               flops=lambda d, n: matmul_flops((d["vocab_size"], n, d["vocab_size"]))),
]
