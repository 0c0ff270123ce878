"""Assignment 4's model: the lecture's MLP with BatchNorm, every gradient written by the student (Backprop Ninja)."""
from grader.models import Model, Twin, torch_params


def twin(model, dims, dtype):
    """The lecture's forward, written out as its cells write it (the batch variance with Bessel's 1/(n-1)),
    where the lecture then calls loss.backward() to check the manual gradients."""
    import torch

    p = torch_params(model.params, dtype)

    def forward(X):
        emb = p["C"][torch.from_numpy(X)]
        hprebn = emb.view(emb.shape[0], -1) @ p["W1"] + p["b1"]
        n = hprebn.shape[0]
        bndiff = hprebn - hprebn.sum(0, keepdim=True) / n
        bnvar = (bndiff ** 2).sum(0, keepdim=True) / (n - 1)
        h = torch.tanh(p["bngain"] * bndiff * (bnvar + 1e-5) ** -0.5 + p["bnbias"])
        return h @ p["W2"] + p["b2"]

    return Twin(p, forward)


MODELS = [
    Model(name="backprop-ninja", assignment="a4", target="a4_backprop_ninja.network:BackpropNinjaMLP",
          summary="the lecture's MLP trained with your own gradients (makemore part 4)",
          sizes={"block_size": 3, "n_embd": 10, "n_hidden": 200}, loss="a4_backprop_ninja.fused:CrossEntropy",
          goal="train 2.07, dev 2.12 (the lecture's)", twin=twin,
          pytorch={"loss": "F.cross_entropy: the lecture's loss.backward() computes every gradient you wrote, "
                           "one line each, from the graph autograd recorded",
                   "bngain": "the lecture's BatchNorm uses 1/(n-1), Bessel's correction; nn.BatchNorm1d normalises "
                             "with 1/n in training and keeps 1/(n-1) for running_var only"}),
]
