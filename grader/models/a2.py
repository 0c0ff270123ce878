"""Assignment 2's model: the MLP of Bengio et al. (2003) at the lecture's sizes (makemore part 2)."""
from grader.models import Model, Twin, matmul_flops, torch_params
from grader.models.a1 import WINDOW_LOSS


def twin(model, dims, dtype):
    """The lecture's PyTorch code: emb = C[X]; h = tanh(emb.view(N, -1) @ W1 + b1); logits = h @ W2 + b2."""
    import torch

    p = torch_params(model.params, dtype)

    def forward(X):
        emb = p["C"][torch.from_numpy(X)]
        h = torch.tanh(emb.view(emb.shape[0], -1) @ p["W1"] + p["b1"])
        return h @ p["W2"] + p["b2"]

    return Twin(p, forward)


def flops(d, n):
    V, T, D, H = d["vocab_size"], d["block_size"], d["n_embd"], d["n_hidden"]
    return matmul_flops((n, T * D, H), (T * D, n, H), (n, H, T * D),   # hidden: forward, dW1, dembcat
                        (n, H, V), (H, n, V), (n, V, H))                # output: forward, dW2, dh


PYTORCH = {
    "C": "C[X] is an index: autograd's backward of it is index_put_ with accumulate=True",
    "W1": "emb.view(N, -1) @ W1: autograd records the matmul and its two backward products",
    "b1": "a broadcast add: autograd sums the gradient over the broadcast axis for you",
    "loss": "F.cross_entropy: log_softmax + nll_loss, the mean over the batch, in one fused call",
}

MODELS = [
    Model(name="mlp", assignment="a2", target="a2_mlp.mlp:MLP",
          summary="the MLP of Bengio et al. (2003)", sizes={"block_size": 3, "n_embd": 10, "n_hidden": 200},
          loss=WINDOW_LOSS, goal="dev about 2.11 (lecture 2.17)", twin=twin, pytorch=PYTORCH, flops=flops,
          scaling={"embedding width": "n_embd", "context length": "block_size"}),
]
