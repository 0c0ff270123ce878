"""Assignment 1's trained model: the bigram net (logits = W[previous token]), trained by gradient descent."""
from grader.models import Model, Twin, matmul_flops, torch_params

WINDOW_LOSS = "a1_bigram.cross_entropy:SoftmaxCrossEntropy"


def twin(model, dims, dtype):
    """The lecture's ``W[xs]`` (its one-hot product ``xenc @ W`` selects the same rows)."""
    import torch

    p = torch_params(model.params, dtype)
    return Twin(p, lambda X: p["W"][torch.from_numpy(X[:, 0])])


MODELS = [
    Model(name="bigram-net", assignment="a1", target="a1_bigram.bigram_net:BigramNet",
          summary="the bigram model as a one-layer net trained by gradient descent", sizes={},
          loss=WINDOW_LOSS, steps=20_000, batch_size=128, lr=10.0, decay_at=0.5,
          goal="the counts' NLL, about 2.45", twin=twin,
          pytorch={"W": "the lecture's xenc @ W is W[xs]: torch's backward of an index is index_put_ with "
                        "accumulate=True (a scatter-add)",
                   "loss": "F.cross_entropy: log_softmax + nll_loss, the mean over the batch, in one fused call"},
          # a row lookup, no product: as a one-hot matmul its backward is (V, N) @ (N, V)
          flops=lambda d, n: matmul_flops((d["vocab_size"], n, d["vocab_size"]))),
]
