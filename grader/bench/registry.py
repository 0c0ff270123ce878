"""What ``makemore bench`` times: a ``BenchModel`` per registered model (grader/models/, derived by
``grader.bench.models.discover()``), the reference against its PyTorch twin.

A ``BenchModel`` says:

- ``numpy(dims, dtype, lr)``: build the reference model at ``dtype`` and return ``step(X, Y) -> loss``, one
  training step (forward, loss, backward, SGD update) on one minibatch; ``kit_step`` makes it from a model and
  a loss that follow the kit's convention (assignments/README.md).
- ``torch(dims, dtype, lr)``: the twin's step (autograd, the same update) on the same NumPy arrays, starting
  from the reference's initial weights, so the two steps compute the same loss up to rounding
  (tests/test_bench.py checks it) and the timing compares the same arithmetic; ``None`` if there is none.
- ``flops(dims, batch)``: the floating-point operations of one step's matrix products (2 m k n each:
  forward, and the two products of each backward), the work a GEMM-bound step cannot avoid.
- ``batch(dims, batch_size, rng)``: a minibatch (X, Y) as the kit's loop feeds it; ``context_batch`` (contexts
  (N, block_size) and next-token targets (N,)) by default; ``sequence_batch`` for the models that consume
  makemore.py's (B, T) sequences (a6, a7).
- ``scaling``: which size to double for "embedding width" and "context length" (keys of ``dims``).

Dims are plain ints (the registry's lecture sizes by default); the builder honours every key named in ``scaling``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np


Step = Callable[[np.ndarray, np.ndarray], object]  # one training step on (X, Y); returns the loss before it


def context_batch(dims: dict, batch_size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Random contexts X: (batch_size, block_size) int64 and targets Y: (batch_size,) int64 in [0, vocab_size)."""
    X = rng.integers(0, dims["vocab_size"], size=(batch_size, dims.get("block_size", 1)), dtype=np.int64)
    Y = rng.integers(0, dims["vocab_size"], size=batch_size, dtype=np.int64)
    return X, Y


def sequence_batch(dims: dict, batch_size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Random words in makemore.py's sequence format (grader/data.py build_sequences), T = block_size:
    X (batch_size, T) int64 starts with the boundary token 0, then the word, then 0-padding; Y (batch_size, T)
    int64 is the word, 0, then -1 (no target). Word lengths are uniform in [1, T - 1]."""
    T, V = dims["block_size"], dims["vocab_size"]
    X = np.zeros((batch_size, T), dtype=np.int64)
    Y = np.full((batch_size, T), -1, dtype=np.int64)
    for row, length in enumerate(rng.integers(1, T, size=batch_size)):
        word = rng.integers(1, V, size=length)
        X[row, 1:1 + length] = word
        Y[row, :length] = word
        Y[row, length] = 0
    return X, Y


@dataclass(frozen=True)
class BenchModel:
    name: str
    assignment: str
    dims: dict
    numpy: Callable[[dict, type, float], Step]
    flops: Callable[[dict, int], float]
    torch: Callable[[dict, object, float], Step] | None = None
    batch: Callable[[dict, int, np.random.Generator], tuple] = context_batch
    scaling: dict = field(default_factory=dict)  # e.g. {"embedding width": "n_embd", "context length": "block_size"}
    lr: float = 0.1


def kit_step(model, loss_fn, lr: float) -> Step:
    """One step of the kit's training loop (grader/training.py) on a model and loss of the kit's convention."""
    from grader.training import sgd_step

    def step(X, Y):
        logits = model.forward(X)
        loss = loss_fn.forward(logits, Y)
        model.backward(loss_fn.backward())
        sgd_step(model.params, model.grads, lr)
        return loss

    return step


def torch_sgd_step(params, loss, lr: float):
    """The lecture's update: zero the grads, backward, p -= lr * p.grad without recording it. Returns loss."""
    import torch

    for p in params:
        p.grad = None
    loss.backward()
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
    return loss.detach()

