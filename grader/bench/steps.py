"""The timed part of ``makemore bench``, run in a subprocess per thread count (``python -m grader.bench.steps
CONFIG_JSON``) so that the BLAS thread count is set before NumPy loads (OPENBLAS_NUM_THREADS and the like, set
by the parent) and torch.set_num_threads matches it. Prints one JSON object.

Every NumPy/PyTorch pair is timed interleaved: rounds alternate a block of NumPy steps and a block of PyTorch
steps on the same minibatches, so both see the same machine load; a figure is the median over rounds of the
time per step, after warm-up steps that are not timed.
"""
from __future__ import annotations

import json
import statistics
import sys
import time

import numpy as np

DTYPES = {"float32": np.float32, "float64": np.float64}


def torch_or_none():
    try:
        import torch
    except ImportError:
        return None
    return torch


def clock_for(threads: int):
    """CPU time of this process with one thread (robust to other processes on a shared machine), else wall."""
    return time.process_time if threads == 1 else time.perf_counter


def gemm_rate(dtype, clock=time.perf_counter, n: int = 512, repeats: int = 7) -> float:
    """FLOP/s of NumPy's BLAS on an (n, n) @ (n, n) product (2 n^3 operations), median of ``repeats``."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n)).astype(dtype), rng.standard_normal((n, n)).astype(dtype)
    out = np.empty((n, n), dtype)
    np.matmul(a, b, out=out)
    times = []
    for _ in range(repeats):
        started = clock()
        np.matmul(a, b, out=out)
        times.append(clock() - started)
    return 2 * n**3 / statistics.median(times)


def time_steps(steps: list, batches: list, rounds: int, clock=time.perf_counter,
               target_seconds: float = 0.003, min_per_round: int = 3, budget_seconds: float = 20.0,
               warmup_seconds: float = 0.5) -> list[float]:
    """Median seconds per step of each stepper in ``steps``, interleaved round by round.

    ``batches``: the minibatches, shared by every stepper, or one list of minibatches per stepper (when their
    sizes differ). Each stepper first runs its minibatches as warm-up (all of them, or as many as
    ``warmup_seconds`` allows, at least two); a round then runs ``per_round`` steps of each in turn (sized so
    that the slowest block takes about ``target_seconds``: short blocks are rarely preempted, and at least
    ``min_per_round``). Slow models get fewer rounds (at least 7), so that one figure takes about
    ``budget_seconds``. ``clock`` is the wall clock, or the process's CPU time (``time.process_time``) when one
    thread does all the work: then another process taking the core does not count as our time."""
    own = batches if isinstance(batches[0], list) else [batches] * len(steps)
    estimate = []
    for step, mine in zip(steps, own):
        started, done = clock(), 0
        for X, Y in mine:
            step(X, Y)
            done += 1
            if done >= 2 and clock() - started > warmup_seconds:
                break
        estimate.append((clock() - started) / done)
    per_round = max(min_per_round, min(min(len(b) for b in own), int(target_seconds / max(max(estimate), 1e-7))))
    rounds = min(rounds, max(7, int(budget_seconds / (per_round * sum(estimate)))))
    samples = [[] for _ in steps]
    for _ in range(rounds):
        for i, (step, mine) in enumerate(zip(steps, own)):
            started = clock()
            for X, Y in mine[:per_round]:
                step(X, Y)
            samples[i].append((clock() - started) / per_round)
    return [statistics.median(s) for s in samples]


def timing(config) -> dict:
    """time_steps' settings: --quick takes one step per block, rounds as given, little warm-up."""
    if config.get("quick"):
        return {"min_per_round": 1, "budget_seconds": 0.0, "warmup_seconds": 0.0}
    return {}


def step_rows(models, config, torch) -> list[dict]:
    rows = []
    for model in models:
        for dtype_name in config["dtypes"]:
            for batch_size in config["batch_sizes"]:
                rng = np.random.default_rng(1)
                batches = [model.batch(model.dims, batch_size, rng) for _ in range(config["pool"])]
                steps = [model.numpy(model.dims, DTYPES[dtype_name], model.lr)]
                has_twin = torch is not None and model.torch is not None
                if has_twin:
                    steps.append(model.torch(model.dims, getattr(torch, dtype_name), model.lr))
                seconds = time_steps(steps, batches, config["rounds"], clock_for(config["threads"]), **timing(config))
                flops = model.flops(model.dims, batch_size)
                rows.append({"model": model.name, "assignment": model.assignment, "dtype": dtype_name,
                             "batch": batch_size, "threads": config["threads"], "numpy_s": seconds[0],
                             "torch_s": seconds[1] if has_twin else None,
                             "ratio": seconds[0] / seconds[1] if has_twin else None,
                             "flops": flops, "numpy_flop_rate": flops / seconds[0],
                             "torch_flop_rate": flops / seconds[1] if has_twin else None})
    return rows


def scaling_rows(models, config) -> list[dict]:
    """NumPy step time as one size doubles twice (batch, and each size a model names in ``scaling``); the three
    sizes of one axis are timed interleaved, like NumPy and PyTorch. A doubling is flagged when the time grows
    more than 10 % beyond both linear (2x) and the growth of the model's FLOP count (a Transformer's products
    grow 4x with its width; attention's 4x with the context), i.e. when the code, not the arithmetic, grows."""
    rows = []
    dtype = DTYPES[config["scaling_dtype"]]
    for model in models:
        axes = {"batch": None, **model.scaling}
        for axis, key in axes.items():
            base = config["scaling_batch"] if key is None else model.dims[key]
            sizes = [base, base * 2, base * 4]
            steps, batches = [], []
            for size in sizes:
                dims = dict(model.dims) if key is None else {**model.dims, key: size}
                batch_size = size if key is None else config["scaling_batch"]
                rng = np.random.default_rng(1)
                batches.append([model.batch(dims, batch_size, rng) for _ in range(config["pool"])])
                steps.append(model.numpy(dims, dtype, model.lr))
            times = time_steps(steps, batches, config["rounds"], clock_for(config["threads"]), **timing(config))
            growth = [b / a for a, b in zip(times, times[1:])]
            flops = [model.flops(dims, config["scaling_batch"] if key else size) for dims, size in
                     (({**model.dims, key: size} if key else model.dims, size) for size in sizes)]
            flop_growth = [b / a for a, b in zip(flops, flops[1:])]
            rows.append({"model": model.name, "axis": axis, "key": key or "batch", "sizes": sizes,
                         "numpy_s": times, "growth": growth, "flop_growth": flop_growth,
                         "worse_than_linear": any(g > 1.1 * max(2.0, f) for g, f in zip(growth, flop_growth))})
    return rows


def main(argv=None) -> int:
    from grader.bench.models import discover

    from grader.training import reuse_freed_memory

    config = json.loads((argv or sys.argv[1:])[0])
    reuse_freed_memory()  # as grader/training.py's train() does, for NumPy and PyTorch alike
    torch = None if config["no_torch"] else torch_or_none()
    if torch is not None:
        torch.set_num_threads(config["threads"])
    models = [m for m in discover() if not config["models"] or m.name in config["models"]]
    result = {"threads": config["threads"], "torch": torch.__version__ if torch is not None else None,
              "clock": "cpu" if config["threads"] == 1 else "wall",
              "gemm": {name: gemm_rate(DTYPES[name], clock_for(config["threads"]), config["gemm_size"]) for name in config["dtypes"]}}
    result["steps"] = step_rows(models, config, torch)
    result["scaling"] = scaling_rows(models, config) if config["scaling"] else []
    result["gemm_after"] = {name: gemm_rate(DTYPES[name], clock_for(config["threads"]), config["gemm_size"]) for name in config["dtypes"]}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
