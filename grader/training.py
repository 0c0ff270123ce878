"""The kit's training loop, split evaluation and sampling, shared by ``makemore train`` and the grader.

Works with any model that follows the kit's convention (assignments/README.md): ``model.params`` and
``model.grads`` are dicts of float64 arrays with the same keys, ``model.forward(X)`` returns logits (N, V) for
contexts X (N, block_size), ``model.backward(dlogits)`` fills ``model.grads``. The loss is any object with
``forward(logits, targets) -> float`` and ``backward() -> dlogits`` (SoftmaxCrossEntropy).

A model with BatchNorm has ``train()``/``eval()`` (assignments/README.md): ``train`` puts it in training mode,
``evaluate`` and ``sample`` run it in eval mode (running statistics) and restore the mode it was in.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np


@dataclass
class Schedule:
    """Minibatch SGD settings; the defaults are the lecture's (lr 0.1, then 0.01 after half the steps)."""

    steps: int = 200_000
    batch_size: int = 32
    lr: float = 0.1
    lr_after_decay: float = 0.01
    decay_at: int | None = None  # None: half of steps
    seed: int = 2147483647

    def lr_at(self, step: int) -> float:
        decay_at = self.steps // 2 if self.decay_at is None else self.decay_at
        return self.lr if step < decay_at else self.lr_after_decay


def minibatches(n_examples: int, schedule: Schedule) -> Iterator[np.ndarray]:
    """Yield ``schedule.steps`` arrays of ``batch_size`` example indices, drawn with replacement from a
    generator seeded with ``schedule.seed`` (the same sequence on every machine)."""
    rng = np.random.default_rng(schedule.seed)
    for _ in range(schedule.steps):
        yield rng.integers(0, n_examples, size=schedule.batch_size)


@dataclass
class History:
    steps: list[int] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)


def sgd_step(params: dict, grads: dict, lr: float) -> None:
    """params[k] -= lr * grads[k], in place, so layers that share these arrays see the update."""
    for name, value in params.items():
        value -= lr * grads[name]


def set_mode(model, training: bool) -> bool:
    """Call ``model.train()`` or ``model.eval()`` where the model has them; returns the mode it was in before
    (True for a model without modes, which always behaves the same)."""
    was = getattr(model, "training", True)
    switch = getattr(model, "train" if training else "eval", None)
    if callable(switch):
        switch()
    return was is not False


def train(model, loss_fn, X: np.ndarray, Y: np.ndarray, schedule: Schedule,
          log: Callable[[int, float, float], None] | None = None, log_every: int = 10_000) -> History:
    """Minibatch SGD on (X, Y). Returns the minibatch loss every ``log_every`` steps (and the last)."""
    history = History()
    set_mode(model, True)
    for step, ix in enumerate(minibatches(len(X), schedule)):
        logits = model.forward(X[ix])
        loss = loss_fn.forward(logits, Y[ix])
        model.backward(loss_fn.backward())
        lr = schedule.lr_at(step)
        sgd_step(model.params, model.grads, lr)
        if step % log_every == 0 or step == schedule.steps - 1:
            history.steps.append(step)
            history.losses.append(float(loss))
            if log is not None:
                log(step, float(loss), lr)
    return history


def evaluate(model, loss_fn, X: np.ndarray, Y: np.ndarray, chunk: int = 8192) -> float:
    """Mean loss over all of (X, Y), computed in chunks to bound memory, in eval mode."""
    was_training = set_mode(model, False)
    total = 0.0
    for start in range(0, len(X), chunk):
        logits = model.forward(X[start:start + chunk])
        total += loss_fn.forward(logits, Y[start:start + chunk]) * len(logits)
    if was_training:
        set_mode(model, True)
    return total / len(X)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, stable for large logits. logits (N, V) -> probabilities (N, V)."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def sample(model, itos, num: int, seed: int = 2147483647, max_len: int = 50) -> list[str]:
    """Sample ``num`` words from a trained model, one character at a time from a context of '.' tokens."""
    rng = np.random.default_rng(seed)
    block_size = getattr(model, "block_size", 1)
    was_training = set_mode(model, False)
    words = []
    for _ in range(num):
        context = [0] * block_size
        out = []
        for _ in range(max_len):
            probs = softmax(model.forward(np.array([context], dtype=np.int64)))[0]
            ix = int(rng.choice(len(probs), p=probs))
            if ix == 0:
                break
            out.append(itos[ix])
            context = context[1:] + [ix]
        words.append("".join(out))
    if was_training:
        set_mode(model, True)
    return words
