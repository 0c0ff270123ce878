"""``makemore compare``: your model beside PyTorch's, from the same weights, on the same minibatch.

The last step of the course's learning path: see what the framework does for you. For an assignment's model
(grader/models/), build *your* model at the lecture's sizes in float64, copy its very weights (and running
statistics) into the PyTorch twin, run one minibatch through both, and compare, stage by stage in the order the
computation runs: the logits, the loss, the running statistics, then the gradients from the output back
(dlogits, then every parameter in reverse order of ``model.params``). Each row gives the largest absolute and
relative difference, where it is, and what PyTorch calls that operation; the first row that differs beyond
float64 rounding is where to look. ``--steps N`` then trains both side by side (the same minibatches, the same
update) and draws the two loss curves on one plot.

Your code runs in this process, as ``makemore train`` runs it: it is your own code on your own machine, not
sandboxed. torch is optional: without it, the command says how to install its CPU build.
"""
from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass

import numpy as np

SAME_RTOL = 1e-7  # float64 rounding through a few hundred operations stays orders of magnitude below this
SAME_ATOL = 1e-10


@dataclass
class Row:
    stage: str  # "forward", "buffers" or "backward"
    name: str  # "logits", "loss", "dlogits", "grads['W1']", "buffers['running_var1']"
    max_abs: float
    max_rel: float
    where: str  # the index of the largest difference
    same: bool
    pytorch: str  # what PyTorch calls it


def difference(name: str, stage: str, yours, theirs, pytorch: str) -> Row:
    yours, theirs = np.asarray(yours, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
    if yours.shape != theirs.shape:
        return Row(stage, name, float("inf"), float("inf"), f"shape {yours.shape} vs PyTorch's {theirs.shape}",
                   False, pytorch)
    diff = np.abs(yours - theirs)
    if not np.all(np.isfinite(yours)):
        return Row(stage, name, float("nan"), float("nan"), "yours holds NaN or inf", False, pytorch)
    worst = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.size else ()
    max_abs = float(diff.max()) if diff.size else 0.0
    rel = diff / np.maximum(np.abs(theirs), SAME_ATOL)
    max_rel = float(rel.max()) if rel.size else 0.0
    same = bool(np.allclose(yours, theirs, rtol=SAME_RTOL, atol=SAME_ATOL))
    return Row(stage, name, max_abs, max_rel, str(tuple(int(i) for i in worst)) if worst else "()", same, pytorch)


def resolve_model(name: str, model: str | None = None):
    """An assignment key ("a2", "2", "a2_mlp") or a model name ("gru") -> the registry's Model; ``model`` picks
    one of an assignment's several (a6: rnn, gru, lstm; the first by default)."""
    from grader import models

    if model:
        return models.get(model)
    try:
        return models.get(name)
    except KeyError:
        pass
    from grader.specs import resolve

    key = resolve(name).key
    found = [m for m in models.for_assignment(key) if m.twin is not None]
    if not found:
        raise KeyError(f"{key} has no model with a PyTorch twin; models with one: "
                       f"{', '.join(m.name for m in models.all_models() if m.twin)}")
    return found[0]


def setup(entry, impl, batch_size: int, seed: int):
    """(model, loss object, dims, X, Y, splits) for ``entry``: your model at the lecture's sizes in float64,
    drawn with ``seed``, and one training minibatch of the names."""
    from grader.data import load_sequence_splits, load_splits
    from grader.training import cast_params

    if entry.data == "sequences":
        splits = load_sequence_splits()
        dims = entry.dims(len(splits.vocab), splits.block_size)
    else:
        splits = load_splits(block_size=entry.sizes.get("block_size", 1))
        dims = entry.dims(len(splits.vocab))
    model = cast_params(entry.build(impl(entry.target), dims, np.random.default_rng(seed), np.float64), np.float64)
    rows = np.random.default_rng(seed + 1).integers(0, len(splits.train[0]), size=batch_size)
    return model, impl(entry.loss)(), dims, splits.train[0][rows], splits.train[1][rows], splits


def compare_once(entry, model, loss_fn, dims, X, Y, torch) -> list[Row]:
    """One minibatch through your model and the twin (built here from your model's weights), row by row."""
    from grader.models import twin_loss
    from grader.training import set_mode

    set_mode(model, True)
    twin = entry.twin(model, dims, torch.float64)  # copies the weights and running statistics before forward
    logits = model.forward(X)
    loss = loss_fn.forward(logits, Y)
    tlogits = twin.forward(X)
    tlogits.retain_grad()
    tloss = twin_loss(entry)(torch, tlogits, Y)
    tloss.backward()
    dlogits = loss_fn.backward()
    model.backward(dlogits)
    say = lambda key, default: entry.pytorch.get(key, default)  # noqa: E731
    rows = [difference("logits", "forward", logits, tlogits.detach().numpy(),
                       say("logits", "the same operations, recorded by autograd for the backward")),
            difference("loss", "forward", loss, tloss.item(), say("loss", "F.cross_entropy"))]
    for name, value in twin.buffers.items():
        if name in getattr(model, "buffers", {}):
            rows.append(difference(f"buffers[{name!r}]", "buffers", model.buffers[name], value.numpy(),
                                   say(name, "updated in place by F.batch_norm in training mode")))
    rows.append(difference("dlogits", "backward", dlogits, tlogits.grad.numpy(),
                           "logits.grad: autograd's backward of the loss, the gradient you derived by hand"))
    for name in reversed(list(model.params)):
        tensor = twin.params.get(name)
        if tensor is None or tensor.grad is None:
            continue
        rows.append(difference(f"grads[{name!r}]", "backward", model.grads.get(name, np.full(1, np.nan)),
                               twin.to_kit(name, tensor.grad.numpy()), say(name, "autograd: .grad of the leaf tensor")))
    return rows


def first_divergence(rows: list[Row]) -> Row | None:
    return next((row for row in rows if not row.same), None)


def format_table(entry, rows: list[Row], source: str) -> str:
    head = (f"makemore compare: {entry.name} ({entry.assignment}), {source} vs PyTorch, the same weights, one "
            f"minibatch, float64\n")
    lines = [f"{'stage':9s} {'value':30s} {'max abs diff':>12s} {'max rel diff':>12s}  {'where':10s} verdict"]
    for r in rows:
        lines.append(f"{r.stage:9s} {r.name:30s} {r.max_abs:12.3g} {r.max_rel:12.3g}  {r.where:10s} "
                     f"{'same' if r.same else 'DIFFERS'}")
    notes = [f"  {r.name}: {r.pytorch}" for r in rows if r.pytorch]
    first = first_divergence(rows)
    verdict = ("every value equal to float64 rounding: your code computes what PyTorch computes" if first is None
               else f"first divergence: {first.name} ({first.stage}), max abs diff {first.max_abs:.3g} at {first.where}: "
                    "the values before it agree, so the mistake is in the code that computes it")
    return head + "\n".join(lines) + "\n\n" + verdict + "\n\nwhat PyTorch does at each:\n" + "\n".join(notes)


def train_side_by_side(entry, model, loss_fn, dims, splits, steps: int, batch_size: int, seed: int, torch, impl):
    """Both models from the same weights, the same minibatches and the same update (SGD with the lecture's lr,
    or AdamW with makemore.py's settings, torch.optim.AdamW on the twin): (your losses, PyTorch's, your
    seconds, PyTorch's seconds)."""
    from grader.models import twin_loss
    from grader.training import AdamW, set_mode, sgd_step

    set_mode(model, True)
    twin = entry.twin(model, dims, torch.float64)
    tparams = list(twin.params.values())
    lr = entry.lr
    if entry.optimizer == "sgd":
        update = lambda: sgd_step(model.params, model.grads, lr)  # noqa: E731
        topt = torch.optim.SGD(tparams, lr=lr)
    else:
        if entry.optimizer == "adamw":
            kit = AdamW(model.params, (0.9, 0.99), 1e-8, entry.weight_decay)
            update = lambda: kit.step(model.grads, lr)  # noqa: E731
        else:  # the student's own AdamW (a7)
            own = impl(entry.optimizer)(model.params, lr=lr, weight_decay=entry.weight_decay)
            update = lambda: own.step(model.grads)  # noqa: E731
        topt = torch.optim.AdamW(tparams, lr=lr, betas=(0.9, 0.99), eps=1e-8, weight_decay=entry.weight_decay)
    rng = np.random.default_rng(seed + 2)
    Xtr, Ytr = splits.train
    ours, theirs, t_ours, t_theirs = [], [], 0.0, 0.0
    loss_of = twin_loss(entry)
    for _ in range(steps):
        rows = rng.integers(0, len(Xtr), size=batch_size)
        X, Y = Xtr[rows], Ytr[rows]
        started = time.perf_counter()
        loss = loss_fn.forward(model.forward(X), Y)
        model.backward(loss_fn.backward())
        update()
        t_ours += time.perf_counter() - started
        started = time.perf_counter()
        topt.zero_grad()
        tloss = loss_of(torch, twin.forward(X), Y)
        tloss.backward()
        topt.step()
        t_theirs += time.perf_counter() - started
        ours.append(float(loss))
        theirs.append(float(tloss.item()))
    return ours, theirs, t_ours, t_theirs


def plot_curves(ours, theirs, path, title):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(ours, label="yours (NumPy)")
    ax.plot(theirs, label="PyTorch", linestyle="--")
    ax.set_xlabel("step")
    ax.set_ylabel("minibatch loss")
    ax.set_title(title)
    ax.legend()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def run(args, impl) -> int:
    try:
        import torch
    except ImportError:
        print("makemore compare needs PyTorch, which the kit never depends on; its CPU build is enough:\n"
              "  pip install torch --index-url https://download.pytorch.org/whl/cpu", file=sys.stderr)
        return 2
    torch.manual_seed(0)
    try:
        entry = resolve_model(args.assignment, args.model)
    except KeyError as err:
        print(err.args[0], file=sys.stderr)
        return 2
    if entry.twin is None:
        print(f"{entry.name} has no PyTorch twin in grader/models/{entry.assignment}.py", file=sys.stderr)
        return 2
    model, loss_fn, dims, X, Y, splits = setup(entry, impl, args.batch_size, args.seed)
    rows = compare_once(entry, model, loss_fn, dims, X, Y, torch)
    source = "the reference" if args.reference else "your code"
    result = {"model": entry.name, "assignment": entry.assignment, "rows": [asdict(r) for r in rows],
              "first_divergence": (first_divergence(rows).name if first_divergence(rows) else None)}
    if not args.json_only:
        print(format_table(entry, rows, source))
    if args.steps:
        model, loss_fn, dims, X, Y, splits = setup(entry, impl, args.batch_size, args.seed)
        ours, theirs, t_ours, t_theirs = train_side_by_side(entry, model, loss_fn, dims, splits, args.steps,
                                                            args.batch_size, args.seed, torch, impl)
        result["training"] = {"yours": ours, "pytorch": theirs, "seconds_yours": t_ours, "seconds_pytorch": t_theirs,
                              "step_time_ratio": t_ours / t_theirs if t_theirs else None}
        if not args.json_only:
            print(f"\n{args.steps} steps side by side (float64, the same minibatches): final minibatch loss "
                  f"{ours[-1]:.4f} yours, {theirs[-1]:.4f} PyTorch's; step time {1e3 * t_ours / args.steps:.2f} ms "
                  f"vs {1e3 * t_theirs / args.steps:.2f} ms (ratio {t_ours / max(t_theirs, 1e-12):.2f}, this "
                  "machine's load included)")
        if args.plot:
            try:
                print(f"wrote {plot_curves(ours, theirs, args.plot, f'{entry.name}: yours vs PyTorch')}")
            except ImportError:
                print("--plot needs matplotlib: pip install matplotlib", file=sys.stderr)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(result, handle, indent=1)
    return 0 if first_divergence(rows) is None else 1
