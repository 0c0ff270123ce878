"""The model registry: everything about each trained model of the course, said once.

One module per assignment (``a1.py`` ... ``a7.py``) defines ``MODELS = [Model(...)]``; ``all_models()`` finds
them in module-name order. ``makemore train``, ``makemore bench`` and ``makemore compare`` read this registry,
and so do their ``--help`` texts: a model's lecture sizes, schedule and PyTorch twin appear nowhere else
(``tests/test_models.py`` checks it). Adding a model is one entry here.

A ``Model`` says:

- ``name``: what ``makemore train NAME`` and ``makemore compare`` call it; ``assignment``: "a2".
- ``target``: the class, "a2_mlp.mlp:MLP", looked up in the student's folder (or the reference).
- ``sizes``: the lecture's (or makemore.py's) constructor sizes; each is a ``--NAME`` option of ``train``.
- ``data``: "windows" (a context of ``block_size`` tokens predicts the next: grader/data.py ``load_splits``) or
  "sequences" (makemore.py's whole words, (B, T) with -1 past the end: ``load_sequence_splits``).
- ``loss``: the loss class ("a1_bigram.cross_entropy:SoftmaxCrossEntropy"): borrowed from an earlier
  assignment where the model's own does not define one.
- ``optimizer``: "sgd" (the lectures' ``p -= lr * grad``), "adamw" (the kit's AdamW, makemore.py's settings), or a
  "module:Class" the student writes (a7's AdamW), built as ``Class(model.params, lr=, weight_decay=)``.
- ``steps``, ``batch_size``, ``lr``, ``decay_at`` (the fraction of the steps after which SGD's lr is divided by
  10; None: constant), ``weight_decay``: the lecture's schedule.
- ``goal``: the loss the lecture (or PyTorch on the same budget) reaches, as text for ``--help``.
- ``twin(model, dims, dtype) -> Twin``: the same architecture in PyTorch (autograd) on copies of a kit model's weights
  (and running statistics): ``Twin.params`` the leaf tensors by the kit's keys, ``Twin.forward(X)`` the logits of
  a NumPy batch, ``Twin.to_kit(name, array)`` a tensor's gradient in the kit's layout (torch's Linear weight is
  (fan_out, fan_in), the kit's (fan_in, fan_out)). torch is imported only when a twin is built; the kit never
  depends on it.
- ``pytorch``: what PyTorch calls the model's operations, by the kit's parameter or stage name, for the
  ``compare`` table ({"loss": "F.cross_entropy: log_softmax + nll_loss, mean over the batch", ...}).
- ``flops(dims, batch)``, ``scaling``, ``bench_lr``: for ``makemore bench`` (grader/bench/registry.py), which
  times every model that has a FLOP count.
- ``command(args, impl)``: for a model the kit's minibatch loop cannot train (a0's scalar engine), its own
  ``makemore train`` loop; ``data`` then names what it trains on ("moons").
- ``fixed``: constructor arguments that are not sizes (a6's ``cell_type``); ``takes_dtype``: the constructor
  has a ``dtype`` argument (a6, a7 build float32 models directly).
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

SEQUENCE_BLOCK = 16  # a stand-in for makemore.py's block_size (the longest name + 1) where no data is loaded


@dataclass(frozen=True)
class Model:
    name: str
    assignment: str
    target: str
    summary: str
    sizes: dict
    loss: str
    data: str = "windows"
    optimizer: str = "sgd"
    steps: int = 200_000
    batch_size: int = 32
    lr: float = 0.1
    decay_at: float | None = 0.5
    weight_decay: float = 0.01
    goal: str = ""
    twin: Callable | None = None
    pytorch: dict = field(default_factory=dict)
    flops: Callable[[dict, int], float] | None = None
    scaling: dict = field(default_factory=dict)
    fixed: dict = field(default_factory=dict)
    takes_dtype: bool = False
    bench_lr: float | None = None  # the bench's SGD lr where the model trains with AdamW
    command: Callable | None = None  # (args, impl) -> exit code: a model the kit's minibatch loop cannot train

    def dims(self, vocab_size: int = 27, block_size: int | None = None, **overrides) -> dict:
        """The constructor's sizes: vocab_size, the block size (the lecture's, or ``block_size`` for sequence
        data), then every size of ``sizes`` unless ``overrides`` gives it (None values are ignored)."""
        dims = {"vocab_size": vocab_size}
        if self.data == "sequences":
            dims["block_size"] = block_size or SEQUENCE_BLOCK
        dims.update(self.sizes)
        dims.update({k: v for k, v in overrides.items() if v is not None and k in dims})
        return dims

    def build(self, cls, dims: dict, rng: np.random.Generator, dtype=np.float64):
        """An instance of ``cls`` (the student's class or the reference's) with ``dims``."""
        kwargs = dict(dims, **self.fixed, rng=rng)
        if self.takes_dtype:
            kwargs["dtype"] = np.dtype(dtype)
        return cls(**kwargs)

    def schedule(self, steps=None, batch_size=None, lr=None, seed=42):
        """The lecture's schedule (grader/training.py ``Schedule``), each part overridable."""
        from grader.training import Schedule

        steps = steps or self.steps
        lr = lr or self.lr
        decayed = self.optimizer == "sgd" and self.decay_at is not None
        extra = {"optimizer": "adamw", "weight_decay": self.weight_decay} if self.optimizer == "adamw" else {}
        return Schedule(steps=steps, batch_size=batch_size or self.batch_size, lr=lr,
                        lr_after_decay=lr / 10 if decayed else lr,
                        **({"decay_at": int(steps * self.decay_at)} if decayed else {}), seed=seed, **extra)

    def help_line(self) -> str:
        sizes = ", ".join(f"{k} {v}" for k, v in self.sizes.items())
        budget = f"{self.steps:,} steps of {'AdamW' if self.optimizer != 'sgd' else 'SGD'}, lr {self.lr:g}"
        return "; ".join(part for part in (f"{self.name} ({self.assignment}): {self.summary}", sizes, budget, self.goal)
                         if part)


@dataclass
class Twin:
    """A PyTorch model on copies of a kit model's weights (see ``Model.twin``)."""

    params: dict
    forward: Callable
    to_kit: Callable = staticmethod(lambda name, array: array)
    buffers: dict = field(default_factory=dict)  # running statistics by the kit's keys, updated by forward


def sequence_loss(torch, logits, Y):
    """makemore.py's loss: F.cross_entropy over (B * T, V) with ignore_index=-1 (the mean over valid positions)."""
    import torch.nn.functional as F

    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), torch.from_numpy(Y).reshape(-1), ignore_index=-1)


def window_loss(torch, logits, Y):
    """The lectures' loss: F.cross_entropy(logits, Y), the mean over the batch."""
    import torch.nn.functional as F

    return F.cross_entropy(logits, torch.from_numpy(Y))


def twin_loss(model: Model):
    return sequence_loss if model.data == "sequences" else window_loss


def all_models() -> list[Model]:
    """Every ``MODELS`` entry of this folder's modules, in module-name order (a1, a2, ...)."""
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("a"):
            found.extend(importlib.import_module(f"{__name__}.{info.name}").MODELS)
    return found


def get(name: str) -> Model:
    """The model called ``name``; KeyError naming the choices otherwise."""
    for model in all_models():
        if model.name == name:
            return model
    raise KeyError(f"unknown model {name!r}; choose from {', '.join(m.name for m in all_models())}")


def for_assignment(key: str) -> list[Model]:
    return [m for m in all_models() if m.assignment == key]


def torch_params(params: dict, dtype) -> dict:
    """The kit's parameters (a dict of NumPy arrays) as leaf torch tensors of ``dtype`` that require grad,
    copies under the same keys: a twin that starts from the kit model's very weights."""
    import torch

    return {k: torch.tensor(np.asarray(v, dtype=np.float64), dtype=dtype).requires_grad_() for k, v in params.items()}


def torch_buffers(model, dtype) -> dict:
    """A kit model's running statistics (``model.buffers``) as torch tensors (updated in place by F.batch_norm)."""
    import torch

    return {k: torch.tensor(np.asarray(v, dtype=np.float64), dtype=dtype) for k, v in getattr(model, "buffers", {}).items()}


def matmul_flops(*shapes: tuple[int, int, int]) -> float:
    """2 m k n for each (m, k, n) product."""
    return float(sum(2 * m * k * n for m, k, n in shapes))
