"""The bench's models, derived from the model registry (grader/models/): every model with a PyTorch twin and a
FLOP count is timed, the reference against its twin from the same initial weights."""
from __future__ import annotations

import numpy as np

from grader.bench.registry import BenchModel, context_batch, kit_step, sequence_batch, torch_sgd_step


def reference_model(entry, dims: dict, dtype):
    """The reference's model of ``entry`` at ``dims``, its weights drawn with seed 0, cast to ``dtype``."""
    from grader.targets import load
    from grader.training import cast_params

    model = entry.build(load(entry.target, reference=True), dims, np.random.default_rng(0), dtype)
    return model if entry.takes_dtype else cast_params(model, dtype)


def bench_model(entry) -> BenchModel:
    from grader.models import twin_loss
    from grader.targets import load

    def numpy_step(dims, dtype, lr):
        return kit_step(reference_model(entry, dims, dtype), load(entry.loss, reference=True)(), lr)

    def torch_step(dims, dtype, lr):
        import torch

        twin = entry.twin(reference_model(entry, dims, np.float64), dims, dtype)
        params, loss = list(twin.params.values()), twin_loss(entry)

        def step(X, Y):
            return torch_sgd_step(params, loss(torch, twin.forward(X), Y), lr)

        return step

    return BenchModel(name=entry.name, assignment=entry.assignment, dims=entry.dims(), numpy=numpy_step,
                      torch=torch_step if entry.twin else None, flops=entry.flops,
                      batch=sequence_batch if entry.data == "sequences" else context_batch, scaling=entry.scaling,
                      lr=entry.bench_lr or entry.lr)


def discover() -> list:
    """Every registered model that has a FLOP count (and so a place in the tables), in assignment order."""
    from grader.models import all_models

    return [bench_model(m) for m in all_models() if m.flops is not None]
