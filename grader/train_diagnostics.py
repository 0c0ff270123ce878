"""The lecture's health checks of a deep network while it trains (makemore part 3), for ``makemore train
mlp_bn --plots DIR``: per layer, the activations' mean, std and saturation and their gradients' mean and std;
per weight matrix, the update-to-data ratio log10(std(lr * grad) / std(param)) at every step.

The statistics come from a3's diagnostics functions (a3_batchnorm/diagnostics.py: yours, or the reference's
with --reference; the kit keeps no copy of them, they are a3's exercise). With matplotlib installed (``pip install makemore-numpy[plot]``) they are written as PNG files;
without it, printed as a table.

Which tanh layers are looked at: a model that keeps them as ``model.h`` and ``model.dh`` (a3's BatchNormMLP,
lists of the tanh outputs and their gradients after backward), or else every layer of ``model.layers`` whose
class is named ``Tanh`` (a5's Sequential), whose output and upstream gradient are recorded as they pass.

An assignment's notebook shows these plots when its training check's options hold ``"diagnostics"`` (data,
grader/specs): a dict whose keys ``activation_stats``, ``gradient_stats``, ``update_ratio`` name the
student's functions ("module:function"; borrowed from a3 by a later assignment, as its loss is from a1) and the
optional ``dims`` the sizes of the network to look at (the training check's where absent). grader/trainlog.py runs it; grader/instructor/notebooks.py adds
the cell.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import numpy as np

@contextmanager
def recording_tanh_layers(model):
    """Yields a list that, after one forward and backward of ``model``, holds [h, dh] per tanh layer, first
    layer first: the model's own ``h``/``dh`` where it keeps them, else recorded from its ``Tanh`` layers
    (their forward's output and backward's upstream gradient; the methods are restored afterwards)."""
    pairs: list[list] = []
    layers = [] if hasattr(model, "h") else [layer for layer in getattr(model, "layers", [])
                                             if type(layer).__name__ == "Tanh"]
    for i, layer in enumerate(layers):
        pairs.append([None, None])

        def forward(x, _forward=layer.forward, _pair=pairs[i]):
            _pair[0] = _forward(x)
            return _pair[0]

        def backward(dout, _backward=layer.backward, _pair=pairs[i]):
            _pair[1] = dout
            return _backward(dout)

        layer.forward, layer.backward = forward, backward
    try:
        yield pairs
    finally:
        for layer in layers:
            del layer.forward, layer.backward  # the instance attributes: the class's methods again
    if not layers and hasattr(model, "h"):
        pairs.extend([h, dh] for h, dh in zip(model.h, model.dh))

from grader.training import Schedule, minibatches, set_mode, sgd_step


def train_with_update_ratios(model, loss_fn, X, Y, schedule: Schedule, update_ratio, log=None,
                             log_every: int = 10_000) -> dict[str, list[float]]:
    """The kit's training loop (grader.training.train), also recording the update-to-data ratio of every
    weight matrix (2-D parameter but the embedding C) at every step. Returns {name: [ratio per step]}."""
    names = [k for k, v in model.params.items() if v.ndim == 2 and k != "C"]
    ratios: dict[str, list[float]] = {k: [] for k in names}
    set_mode(model, True)
    for step, ix in enumerate(minibatches(len(X), schedule)):
        loss = loss_fn.forward(model.forward(X[ix]), Y[ix])
        model.backward(loss_fn.backward())
        lr = schedule.lr_at(step)
        for name in names:
            ratios[name].append(update_ratio(model.params[name], model.grads[name], lr))
        sgd_step(model.params, model.grads, lr)
        if log is not None and (step % log_every == 0 or step == schedule.steps - 1):
            log(step, float(loss), lr)
    return ratios


def layer_statistics(model, loss_fn, X, Y, activation_stats, gradient_stats, batch_size: int = 512,
                     seed: int = 0) -> list[dict]:
    """One forward and backward in training mode on a batch of X; per tanh layer (``recording_tanh_layers``)
    the statistics of its output h and of its gradient dh, each given to the functions as (rows, features)."""
    ix = np.random.default_rng(seed).integers(0, len(X), size=batch_size)
    set_mode(model, True)
    with recording_tanh_layers(model) as pairs:
        loss_fn.forward(model.forward(X[ix]), Y[ix])
        model.backward(loss_fn.backward())
    rows = []
    for i, (h, dh) in enumerate(pairs, start=1):
        h, dh = (np.asarray(a).reshape(-1, np.shape(a)[-1]) for a in (h, dh))  # a5's (B, T, C): one row per position
        mean, std, saturation = activation_stats(h)
        gmean, gstd = gradient_stats(dh)
        rows.append({"layer": i, "mean": mean, "std": std, "saturated": saturation, "grad_mean": gmean,
                     "grad_std": gstd, "h": h, "dh": dh})
    return rows


def format_table(rows: list[dict], ratios: dict[str, list[float]]) -> str:
    lines = ["layer (tanh)  act mean  act std  saturated  grad mean   grad std"]
    for r in rows:
        lines.append(f"{r['layer']:>12d}  {r['mean']:+8.4f}  {r['std']:7.4f}  {r['saturated']:8.2%}  "
                     f"{r['grad_mean']:+.3e}  {r['grad_std']:.3e}")
    lines.append("update-to-data ratio, log10 (the lecture's guide: about -3)")
    for name, values in ratios.items():
        last = values[-min(len(values), 100):]
        lines.append(f"{name:>12s}  first step {values[0]:+.2f}  mean of the last {len(last)} steps {np.mean(last):+.2f}")
    return "\n".join(lines)


def write_plots(out_dir: str | Path, rows: list[dict], ratios: dict[str, list[float]]) -> list[Path]:
    """activations.png and gradients.png (histograms per layer, as the lecture's) and update_ratios.png (one
    line per weight over the steps, with the -3 guide). Raises ImportError without matplotlib."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for key, title, name in (("h", "activation distribution (tanh outputs)", "activations.png"),
                             ("dh", "gradient distribution (of the tanh outputs)", "gradients.png")):
        fig, ax = plt.subplots(figsize=(10, 4))
        legends = []
        for r in rows:
            counts, edges = np.histogram(r[key], bins=50, density=True)
            ax.plot(0.5 * (edges[:-1] + edges[1:]), counts)
            if key == "h":
                legends.append(f"layer {r['layer']}: mean {r['mean']:+.2f}, std {r['std']:.2f}, "
                               f"saturated {r['saturated']:.1%}")
            else:
                legends.append(f"layer {r['layer']}: mean {r['grad_mean']:+.1e}, std {r['grad_std']:.1e}")
        ax.legend(legends, fontsize=8)
        ax.set_title(title)
        fig.savefig(out / name, dpi=100, bbox_inches="tight")
        plt.close(fig)
        written.append(out / name)
    fig, ax = plt.subplots(figsize=(10, 4))
    for name, values in ratios.items():
        ax.plot(values, label=name, linewidth=0.8)
    ax.axhline(-3, color="k", linestyle="--", linewidth=0.8)
    ax.set_xlabel("step")
    ax.set_ylabel("log10(std(lr * grad) / std(param))")
    ax.set_title("update-to-data ratio")
    ax.legend(fontsize=8)
    fig.savefig(out / "update_ratios.png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    written.append(out / "update_ratios.png")
    return written
