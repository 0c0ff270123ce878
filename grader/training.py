"""The kit's training loop, split evaluation and sampling, shared by ``makemore train`` and the grader.

Works with any model that follows the kit's convention (assignments/README.md): ``model.params`` and
``model.grads`` are dicts of float arrays with the same keys, ``model.forward(X)`` returns logits,
``model.backward(dlogits)`` fills ``model.grads``. The loss is any object with ``forward(logits, targets) ->
float`` and ``backward() -> dlogits`` (SoftmaxCrossEntropy, SequenceCrossEntropy).

A model says what input it consumes with the attribute ``consumes`` (``model_input(model)``):
- "context" (the default, a1/a2): X (N, block_size) context windows -> logits (N, V), targets Y (N,).
- "sequence" (a6 recurrent nets, a7 Transformer): X (B, T) makemore.py sequences -> logits (B, T, V),
  targets Y (B, T) with -1 where nothing is predicted (grader/data.py build_sequences).
The loop, ``evaluate`` (a mean over the targets that are not -1) and ``sample`` treat both alike; only
``sample`` needs to know which input to build.

A model with BatchNorm has ``train()``/``eval()`` (assignments/README.md): ``train`` puts it in training mode,
``evaluate``, ``dev_loss`` and ``sample`` run it in eval mode (running statistics) and restore the mode it was in.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np


@dataclass
class Schedule:
    """Minibatch settings; the defaults are the lecture's SGD (lr 0.1, then 0.01 after half the steps).

    optimizer: "sgd" (params -= lr * grads) or "adamw" (``AdamW`` with betas, eps and weight_decay; makemore.py
    trains its recurrent nets and Transformer with AdamW lr 5e-4, weight_decay 0.01, betas (0.9, 0.99),
    eps 1e-8 at a constant rate: set lr_after_decay = lr).
    """

    steps: int = 200_000
    batch_size: int = 32
    lr: float = 0.1
    lr_after_decay: float = 0.01
    decay_at: int | None = None  # None: half of steps
    seed: int = 2147483647
    optimizer: str = "sgd"
    weight_decay: float = 0.0
    betas: tuple = (0.9, 0.99)
    eps: float = 1e-8

    def lr_at(self, step: int) -> float:
        decay_at = self.steps // 2 if self.decay_at is None else self.decay_at
        return self.lr if step < decay_at else self.lr_after_decay


MINIBATCH_BLOCK = 1024  # steps whose indices are drawn with one call (one call per step cost ~5 us of ~80)


def minibatch_blocks(n_examples: int, schedule: Schedule) -> Iterator[np.ndarray]:
    """Yield (k, batch_size) arrays of example indices, k <= MINIBATCH_BLOCK, ``schedule.steps`` rows in all:
    the very indices of ``minibatches`` (a Generator's draws do not depend on how they are grouped into
    calls), drawn a block at a time."""
    rng = np.random.default_rng(schedule.seed)
    for start in range(0, schedule.steps, MINIBATCH_BLOCK):
        yield rng.integers(0, n_examples, size=(min(MINIBATCH_BLOCK, schedule.steps - start), schedule.batch_size))


def minibatches(n_examples: int, schedule: Schedule) -> Iterator[np.ndarray]:
    """Yield ``schedule.steps`` arrays of ``batch_size`` example indices, drawn with replacement from a
    generator seeded with ``schedule.seed`` (the same sequence on every machine)."""
    for block in minibatch_blocks(n_examples, schedule):
        yield from block


@dataclass
class History:
    steps: list[int] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)


def sgd_step(params: dict, grads: dict, lr: float) -> None:
    """params[k] -= lr * grads[k], in place, so layers that share these arrays see the update."""
    for name, value in params.items():
        value -= lr * grads[name]


class AdamW:
    """The kit's AdamW (Loshchilov & Hutter 2019) with torch.optim.AdamW's update, in place:

        p -= lr * weight_decay * p                       (decoupled weight decay, on every parameter)
        m = beta1 * m + (1 - beta1) * g,   v = beta2 * v + (1 - beta2) * g**2
        p -= lr * (m / (1 - beta1**t)) / (sqrt(v / (1 - beta2**t)) + eps)

    params: dict of arrays (updated in place; m and v take their dtype). ``step(grads, lr)`` applies one
    update with the grads dict (same keys). Used by the loop for makemore.py's recurrent nets; a7 has the
    student write the same update.
    """

    def __init__(self, params: dict, betas=(0.9, 0.99), eps: float = 1e-8, weight_decay: float = 0.0):
        self.params, self.betas, self.eps, self.weight_decay = params, tuple(betas), eps, weight_decay
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.t = 0

    def step(self, grads: dict, lr: float) -> None:
        self.t += 1
        beta1, beta2 = self.betas
        # the bias corrections folded into two scalars, as torch does
        step_size = lr / (1 - beta1**self.t)
        denom_scale = 1.0 / (1 - beta2**self.t) ** 0.5
        for name, p in self.params.items():
            g, m, v = grads[name], self.m[name], self.v[name]
            if self.weight_decay:
                p *= 1 - lr * self.weight_decay
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * (g * g)
            p -= step_size * m / (np.sqrt(v) * denom_scale + self.eps)


def make_optimizer(params: dict, schedule: Schedule):
    """A function (grads, lr) -> None that updates params in place as the schedule says."""
    if schedule.optimizer == "sgd":
        return lambda grads, lr: sgd_step(params, grads, lr)
    if schedule.optimizer == "adamw":
        return AdamW(params, schedule.betas, schedule.eps, schedule.weight_decay).step
    raise ValueError(f"unknown optimizer {schedule.optimizer!r}: 'sgd' or 'adamw'")


def model_input(model) -> str:
    """What the model consumes: "context" (windows, the default) or "sequence" (see the module docstring)."""
    return getattr(model, "consumes", "context")


def set_mode(model, training: bool) -> bool:
    """Call ``model.train()`` or ``model.eval()`` where the model has them; returns the mode it was in before
    (True for a model without modes, which always behaves the same)."""
    was = getattr(model, "training", True)
    switch = getattr(model, "train" if training else "eval", None)
    if callable(switch):
        switch()
    return was is not False


_MALLOC_TUNED = []


def reuse_freed_memory() -> bool:
    """Have glibc's malloc serve blocks up to 32 MiB from its heap and keep freed memory for the next step
    (mallopt M_MMAP_THRESHOLD 32 MiB, M_TRIM_THRESHOLD 1 GiB), once per process; False where there is no
    glibc (macOS, Windows, musl: nothing changes).

    Why: a training step allocates and frees the same large temporaries every step (a Transformer's (B, T, 4C)
    activations are 0.5 MiB at batch 32). By default glibc maps such blocks fresh from the kernel and returns
    them on free, so every step pays a page fault per 4 KiB of every temporary: measured here, a7's GELU
    backward took 2.5 ms instead of 0.4 ms. The cost: the process keeps its peak heap instead of returning
    it, which does not grow with the number of steps."""
    if _MALLOC_TUNED:
        return _MALLOC_TUNED[0]
    ok = False
    try:
        import ctypes
        import sys

        if sys.platform.startswith("linux"):
            libc = ctypes.CDLL(None)
            M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h
            ok = bool(libc.mallopt(M_MMAP_THRESHOLD, 32 << 20)) and bool(libc.mallopt(M_TRIM_THRESHOLD, 1 << 30))
    except (OSError, AttributeError):  # no mallopt in this libc
        ok = False
    _MALLOC_TUNED.append(ok)
    return ok


def train(model, loss_fn, X: np.ndarray, Y: np.ndarray, schedule: Schedule,
          log: Callable[[int, float, float], None] | None = None, log_every: int = 10_000,
          optimizer=None) -> History:
    """Minibatch training on (X, Y) rows (contexts or sequences alike) with the schedule's optimizer.
    Returns the minibatch loss every ``log_every`` steps (and the last).

    optimizer: an object with ``step(grads)`` that updates ``model.params`` in place (a7's AdamW, written by
    the student and holding its own learning rate), used instead of the schedule's; the schedule then only
    sets the steps, batch size and seed."""
    reuse_freed_memory()
    history = History()
    update = make_optimizer(model.params, schedule) if optimizer is None else lambda grads, lr: optimizer.step(grads)
    set_mode(model, True)
    step = 0
    for block in minibatch_blocks(len(X), schedule):
        # the rows of a block's minibatches gathered at once: each step then takes a view, not a copy
        Xb, Yb = X[block], Y[block]
        for i in range(len(block)):
            loss = loss_fn.forward(model.forward(Xb[i]), Yb[i])
            model.backward(loss_fn.backward())
            lr = schedule.lr_at(step)
            update(model.grads, lr)
            if step % log_every == 0 or step == schedule.steps - 1:
                history.steps.append(step)
                history.losses.append(float(loss))
                if log is not None:
                    log(step, float(loss), lr)
            step += 1
    return history


def evaluate(model, loss_fn, X: np.ndarray, Y: np.ndarray, chunk: int = 8192) -> float:
    """Mean loss over every counted target of (X, Y) (targets of -1 are not counted: the loss of a chunk is
    a mean over its counted targets, so chunks are weighted by how many they hold), in chunks of rows."""
    was_training = set_mode(model, False)
    total, counted = 0.0, 0
    for start in range(0, len(X), chunk):
        targets = Y[start:start + chunk]
        n = int(np.count_nonzero(targets != -1))
        if n == 0:
            continue
        total += float(loss_fn.forward(model.forward(X[start:start + chunk]), targets)) * n
        counted += n
    if was_training:
        set_mode(model, True)
    return total / counted


def dev_loss(model, X: np.ndarray, Y: np.ndarray, chunk: int = 8192) -> float:
    """The mean cross-entropy of ``model`` on all of (X, Y), computed by the kit (``softmax`` below), never by
    the student's loss: the dev loss of a training check is the same number on a student's machine and on
    the instructor's, whatever the student's loss forward returns.

    Context models: X (n, block_size) int64, Y (n,) int64, logits (n, V). Sequence models: X (n, T), Y (n, T)
    with -1 where there is no target, logits (n, T, V); the mean is over the positions with a target (PyTorch's
    ``cross_entropy(..., ignore_index=-1)``)."""
    was_training = set_mode(model, False)
    total, count = 0.0, 0
    for start in range(0, len(X), chunk):
        logits = np.asarray(model.forward(X[start:start + chunk]), dtype=np.float64)
        logits = logits.reshape(-1, logits.shape[-1])
        targets = Y[start:start + chunk].reshape(-1)
        valid = targets != -1
        probs = softmax(logits[valid])
        with np.errstate(divide="ignore", invalid="ignore"):
            total -= float(np.log(probs[np.arange(len(probs)), targets[valid]]).sum())
        count += int(valid.sum())
    if was_training:
        set_mode(model, True)
    return total / max(1, count)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, stable for large logits. logits (N, V) -> probabilities (N, V)."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def sample(model, itos, num: int, seed: int = 2147483647, max_len: int = 50) -> list[str]:
    """Sample ``num`` words from a trained model, one character at a time until '.' (or max_len).

    A "context" model sees the last block_size tokens, starting from '.' * block_size; a "sequence" model sees
    the whole word so far after a leading '.' (cropped to its last block_size tokens, as makemore.py's
    generate does) and the logits of its last position are used.
    """
    rng = np.random.default_rng(seed)
    block_size = getattr(model, "block_size", 1)
    sequence = model_input(model) == "sequence"
    max_len = min(max_len, block_size - 1) if sequence else max_len
    was_training = set_mode(model, False)
    words = []
    for _ in range(num):
        context = [0] if sequence else [0] * block_size
        out = []
        for _ in range(max_len):
            logits = model.forward(np.array([context], dtype=np.int64))
            probs = softmax(np.asarray(logits[:, -1] if sequence else logits, dtype=np.float64))[0]
            ix = int(rng.choice(len(probs), p=probs))
            if ix == 0:
                break
            out.append(itos[ix])
            context = (context + [ix])[-block_size:] if sequence else context[1:] + [ix]
        words.append("".join(out))
    if was_training:
        set_mode(model, True)
    return words


def cast_params(model, dtype):
    """Give every parameter of ``model`` the floating dtype ``dtype`` (e.g. np.float32 for a faster
    ``makemore train``), keeping the kit's convention that ``model.params`` and its layers' ``params`` hold the
    very same arrays: each array is converted once and replaced everywhere it is held (any object reachable
    from ``model`` through attributes, lists, tuples and dicts that has a ``params`` dict). Returns ``model``.

    Grading never calls this: gradient checks and the training check run in float64 (assignments/README.md).
    The layers must keep their input's dtype (``x @ W + b`` does; ``np.zeros(shape)`` would bring float64
    back, which still trains, only slower).
    """
    dtype = np.dtype(dtype)
    converted: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # id -> (original kept alive, converted)
    seen: set[int] = set()

    def convert(array):
        if id(array) not in converted:
            converted[id(array)] = (array, array if array.dtype == dtype else array.astype(dtype))
        return converted[id(array)][1]

    def visit(obj):
        if id(obj) in seen:
            return
        seen.add(id(obj))
        if isinstance(obj, (list, tuple)):
            children = obj
        elif isinstance(obj, dict):
            children = obj.values()
        elif hasattr(obj, "__dict__") and not isinstance(obj, type):
            params = getattr(obj, "params", None)
            if isinstance(params, dict):
                for name, value in params.items():
                    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
                        params[name] = convert(value)
            children = vars(obj).values()
        else:
            return
        for child in children:
            if not isinstance(child, np.ndarray):
                visit(child)

    visit(model)
    return model
