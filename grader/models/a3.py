"""Assignment 3's model: the lecture's MLP with BatchNorm (Linear without bias -> BatchNorm1d -> Tanh)."""
from grader.models import Model, Twin, matmul_flops, torch_buffers, torch_params
from grader.models.a1 import WINDOW_LOSS


def twin(model, dims, dtype):
    """The lecture's PyTorch network: F.batch_norm in training mode (batch statistics; running ones updated with
    momentum 0.1, eps 1e-5), from the kit model's weights and running statistics."""
    import torch
    import torch.nn.functional as F

    p, running = torch_params(model.params, dtype), torch_buffers(model, dtype)
    L = sum(1 for k in p if k.startswith("bngain"))

    def forward(X):
        x = p["C"][torch.from_numpy(X)].view(len(X), -1)
        for i in range(1, L + 1):
            x = torch.tanh(F.batch_norm(x @ p[f"W{i}"], running[f"bnmean_running{i}"], running[f"bnvar_running{i}"],
                                        p[f"bngain{i}"], p[f"bnbias{i}"], training=True, momentum=0.1, eps=1e-5))
        return x @ p[f"W{L + 1}"] + p[f"b{L + 1}"]

    return Twin(p, forward, buffers=running)


def flops(d, n):
    V, T, D, H, L = d["vocab_size"], d["block_size"], d["n_embd"], d["n_hidden"], d["n_layers"]
    fan_ins = [T * D] + [H] * (L - 1)
    hidden = [shape for k in fan_ins for shape in ((n, k, H), (k, n, H), (n, H, k))]  # forward, dW, dx
    return matmul_flops(*hidden, (n, H, V), (H, n, V), (n, V, H))


PYTORCH = {
    "bngain1": "F.batch_norm (nn.BatchNorm1d): normalises with the biased variance, stores the unbiased one in "
               "running_var; one fused kernel forward and backward",
    "loss": "F.cross_entropy: log_softmax + nll_loss, the mean over the batch",
}

MODELS = [
    Model(name="mlp_bn", assignment="a3", target="a3_batchnorm.mlp_bn:BatchNormMLP",
          summary="the MLP with BatchNorm of makemore part 3",
          sizes={"block_size": 3, "n_embd": 10, "n_hidden": 200, "n_layers": 1}, loss=WINDOW_LOSS,
          goal="dev about 2.11 (lecture 2.1057)", twin=twin, pytorch=PYTORCH, flops=flops,
          scaling={"embedding width": "n_embd", "context length": "block_size"}),
]
