"""Assignment 7's model: makemore.py's Transformer (GPT-2's shape), trained with the student's AdamW."""
import math

import numpy as np

from grader.models import Model, Twin, matmul_flops


def torch_model(torch, vocab_size, block_size, n_layer, n_head, n_embd):
    """makemore.py's Transformer as a torch.nn.Module, written from the architecture (not copied): token and
    position embeddings, n_layer pre-LayerNorm blocks (causal self-attention, MLP with tanh GELU), a final
    LayerNorm and a head without bias. Used by the twin and by tests/bench/a7_transformer_vs_torch.py."""
    nn = torch.nn

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.c_attn, self.c_proj = nn.Linear(n_embd, 3 * n_embd), nn.Linear(n_embd, n_embd)
            self.register_buffer("causal", torch.tril(torch.ones(block_size, block_size, dtype=torch.bool)))

        def forward(self, x):
            B, T, C = x.shape
            heads = self.c_attn(x).view(B, T, 3, n_head, C // n_head).permute(2, 0, 3, 1, 4)
            q, k, v = heads[0], heads[1], heads[2]
            scores = (q @ k.transpose(-1, -2)) / math.sqrt(C // n_head)
            scores = scores.masked_fill(~self.causal[:T, :T], float("-inf"))
            y = (scores.softmax(dim=-1) @ v).transpose(1, 2).reshape(B, T, C)
            return self.c_proj(y)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1, self.attn, self.ln_2 = nn.LayerNorm(n_embd), Attention(), nn.LayerNorm(n_embd)
            self.c_fc, self.c_proj = nn.Linear(n_embd, 4 * n_embd), nn.Linear(4 * n_embd, n_embd)

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            h = self.c_fc(self.ln_2(x))
            h = 0.5 * h * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (h + 0.044715 * h ** 3)))
            return x + self.c_proj(h)

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte, self.wpe = nn.Embedding(vocab_size, n_embd), nn.Embedding(block_size, n_embd)
            self.h = nn.ModuleList([Block() for _ in range(n_layer)])
            self.ln_f = nn.LayerNorm(n_embd)
            self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)

        def forward(self, idx):
            T = idx.shape[1]
            x = self.wte(idx) + self.wpe(torch.arange(T))
            for block in self.h:
                x = block(x)
            return self.lm_head(self.ln_f(x))

    return GPT()


def kit_key(torch_key: str) -> str:
    """The kit's name of a torch state-dict entry: the block's MLP layers sit under "mlp." in the kit."""
    parts = torch_key.split(".")
    if parts[0] == "h" and parts[2] in ("c_fc", "c_proj"):
        parts[2] = "mlp." + parts[2]
    return ".".join(parts)


def transposed(torch_key: str, array):
    """A Linear weight is (fan_out, fan_in) in torch and (fan_in, fan_out) in the kit; embeddings are not."""
    linear = array.ndim == 2 and torch_key.endswith("weight") and not torch_key.startswith(("wte", "wpe"))
    return array.T if linear else array


def copy_weights(tmodel, model):
    """torch's weights into the NumPy model, in place."""
    for name, value in tmodel.state_dict().items():
        if not name.endswith("causal"):
            model.params[kit_key(name)][...] = transposed(name, value.detach().numpy())


def load_kit_weights(tmodel, model):
    """The NumPy model's weights into the torch model, in place (the inverse of ``copy_weights``)."""
    import torch

    with torch.no_grad():
        for name, value in tmodel.state_dict().items():
            if not name.endswith("causal"):
                value.copy_(torch.from_numpy(np.ascontiguousarray(transposed(name, model.params[kit_key(name)]))))


def twin(model, dims, dtype):
    """torch_model on the kit model's weights: parameters by the kit's keys, Linear weights transposed back."""
    import torch

    tmodel = torch_model(torch, **dims).to(dtype)
    load_kit_weights(tmodel, model)
    params = {kit_key(name): p for name, p in tmodel.named_parameters()}
    torch_names = {kit_key(name): name for name, _ in tmodel.named_parameters()}
    return Twin(params, lambda X: tmodel(torch.from_numpy(X)),
                to_kit=lambda name, array: transposed(torch_names[name], array))


def transformer_flops(d, n):
    V, T, L, nh, C = d["vocab_size"], d["block_size"], d["n_layer"], d["n_head"], d["n_embd"]
    rows, hs = n * T, C // nh

    def with_backward(m, k, p):  # forward, dW, dx
        return [(m, k, p), (k, m, p), (m, p, k)]

    per_layer = [*with_backward(rows, C, 3 * C), *with_backward(rows, C, C), *with_backward(rows, C, 4 * C),
                 *with_backward(rows, 4 * C, C)]
    attention = n * nh * matmul_flops(*with_backward(T, hs, T), *with_backward(T, T, hs))  # q @ k.T, att @ v
    return L * (matmul_flops(*per_layer) + attention) + matmul_flops(*with_backward(rows, C, V))


PYTORCH = {
    "loss": "F.cross_entropy(..., ignore_index=-1): the mean over the valid positions only",
    "h.0.attn.c_attn.weight": "F.scaled_dot_product_attention fuses scores, mask, softmax and the weighted sum "
                              "(flash attention) and never stores the (T, T) probabilities you cached",
    "h.0.ln_1.weight": "nn.LayerNorm: one fused kernel; it caches mean and rstd as you did",
    "h.0.mlp.c_fc.weight": "nn.GELU(approximate='tanh'): the tanh form of GELU, as GPT-2",
    "optimizer": "torch.optim.AdamW: the decay lr * wd * p is applied to the weights apart from Adam's step",
}

MODELS = [
    Model(name="transformer", assignment="a7", target="a7_transformer.transformer:Transformer",
          summary="makemore.py's Transformer, with your AdamW", sizes={"n_layer": 4, "n_head": 4, "n_embd": 64},
          loss="a6_rnn.sequence_loss:SequenceCrossEntropy", data="sequences",
          optimizer="a7_transformer.adamw:AdamW", steps=15_000, lr=5e-4, decay_at=None,
          goal="PyTorch's test loss on the same draws, to 0.02 (1.9748 both at 15k)", twin=twin, pytorch=PYTORCH,
          flops=transformer_flops, takes_dtype=True, bench_lr=0.01,
          scaling={"embedding width": "n_embd", "context length": "block_size"}),
]
