"""The lecture's forward pass, one elementary operation per line (given: nothing to write here).

This is the network of "Building makemore Part 4: Becoming a Backprop Ninja": an embedding table C, a hidden
layer with BatchNorm and tanh, an output layer and the cross-entropy loss, every intermediate named as in the
lecture so that each has a gradient of the same name with a leading d (probs -> dprobs).

Shapes, with N the batch size, T the block size, D the embedding size, H the hidden size, V the vocabulary:

    emb            (N, T, D)   C[Xb]
    embcat         (N, T*D)    emb.reshape(N, -1)
    hprebn         (N, H)      embcat @ W1 + b1
    bnmeani        (1, H)      1/N * hprebn.sum(0, keepdims=True)
    bndiff         (N, H)      hprebn - bnmeani
    bndiff2        (N, H)      bndiff**2
    bnvar          (1, H)      1/(N-1) * bndiff2.sum(0, keepdims=True)    (Bessel's correction, as the lecture)
    bnvar_inv      (1, H)      (bnvar + 1e-5)**-0.5
    bnraw          (N, H)      bndiff * bnvar_inv
    hpreact        (N, H)      bngain * bnraw + bnbias
    h              (N, H)      tanh(hpreact)
    logits         (N, V)      h @ W2 + b2
    logit_maxes    (N, 1)      logits.max(1, keepdims=True)
    norm_logits    (N, V)      logits - logit_maxes
    counts         (N, V)      exp(norm_logits)
    counts_sum     (N, 1)      counts.sum(1, keepdims=True)
    counts_sum_inv (N, 1)      counts_sum**-1
    probs          (N, V)      counts * counts_sum_inv
    logprobs       (N, V)      log(probs)
    loss           ()          -logprobs[range(N), Yb].mean()

bnvar divides by N-1, not N: the lecture's choice (it argues for the unbiased estimate in training too), which
differs from PyTorch's training-mode BatchNorm1d (biased, divide by N) and from a3. Every array is float64.
"""
import numpy as np

EPS = 1e-5  # added to the variance before the square root, as the lecture and PyTorch


def init_params(vocab_size=27, block_size=3, n_embd=10, n_hidden=64, rng=None):
    """The lecture's parameters, with its deliberately non-zero biases and gains (so that a wrong gradient
    cannot hide behind a zero).

    Returns {"C": (V, D), "W1": (T*D, H), "b1": (H,), "W2": (H, V), "b2": (V,), "bngain": (1, H),
    "bnbias": (1, H)}, float64, drawn from ``rng`` (default np.random.default_rng(2147483647)).
    """
    rng = np.random.default_rng(2147483647) if rng is None else rng
    fan_in = n_embd * block_size
    return {
        "C": rng.standard_normal((vocab_size, n_embd)),
        "W1": rng.standard_normal((fan_in, n_hidden)) * (5 / 3) / fan_in**0.5,
        "b1": rng.standard_normal(n_hidden) * 0.1,  # useless because of BatchNorm, kept as in the lecture
        "W2": rng.standard_normal((n_hidden, vocab_size)) * 0.1,
        "b2": rng.standard_normal(vocab_size) * 0.1,
        "bngain": rng.standard_normal((1, n_hidden)) * 0.1 + 1.0,
        "bnbias": rng.standard_normal((1, n_hidden)) * 0.1,
    }


def forward(params, Xb, Yb):
    """The forward pass, step by step, as in the lecture.

    Inputs:
    - params: the dict of init_params (shapes above), float64; not modified.
    - Xb: (N, T) int64 contexts; Yb: (N,) int64 targets, 0 <= Yb < V. N >= 2 (the variance divides by N-1).

    Returns a dict with every intermediate of the table above by its name (float64 arrays; "loss" a float).
    """
    C, W1, b1, W2, b2 = params["C"], params["W1"], params["b1"], params["W2"], params["b2"]
    bngain, bnbias = params["bngain"], params["bnbias"]
    n = Xb.shape[0]
    # embedding and the first linear layer
    emb = C[Xb]
    embcat = emb.reshape(n, -1)
    hprebn = embcat @ W1 + b1
    # BatchNorm, one operation at a time
    bnmeani = 1 / n * hprebn.sum(0, keepdims=True)
    bndiff = hprebn - bnmeani
    bndiff2 = bndiff**2
    bnvar = 1 / (n - 1) * bndiff2.sum(0, keepdims=True)
    bnvar_inv = (bnvar + EPS) ** -0.5
    bnraw = bndiff * bnvar_inv
    hpreact = bngain * bnraw + bnbias
    # non-linearity and the output layer
    h = np.tanh(hpreact)
    logits = h @ W2 + b2
    # cross-entropy, one operation at a time
    logit_maxes = logits.max(1, keepdims=True)
    norm_logits = logits - logit_maxes  # subtract the max for numerical stability
    counts = np.exp(norm_logits)
    counts_sum = counts.sum(1, keepdims=True)
    counts_sum_inv = counts_sum**-1
    probs = counts * counts_sum_inv
    logprobs = np.log(probs)
    loss = -logprobs[np.arange(n), Yb].mean()
    return {
        "emb": emb, "embcat": embcat, "hprebn": hprebn, "bnmeani": bnmeani, "bndiff": bndiff,
        "bndiff2": bndiff2, "bnvar": bnvar, "bnvar_inv": bnvar_inv, "bnraw": bnraw, "hpreact": hpreact,
        "h": h, "logits": logits, "logit_maxes": logit_maxes, "norm_logits": norm_logits, "counts": counts,
        "counts_sum": counts_sum, "counts_sum_inv": counts_sum_inv, "probs": probs, "logprobs": logprobs,
        "loss": float(loss),
    }
