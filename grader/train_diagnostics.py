"""The lecture's health checks of a deep network while it trains (makemore part 3), for ``makemore train
mlp_bn --plots DIR``: per layer, the activations' mean, std and saturation and their gradients' mean and std;
per weight matrix, the update-to-data ratio log10(std(lr * grad) / std(param)) at every step.

The statistics come from the assignment's own diagnostics functions (a3_batchnorm/diagnostics.py: yours, or
the reference's with --reference). With matplotlib installed (``pip install makemore-numpy[plot]``) they are
written as PNG files; without it, printed as a table.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

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
    """One forward and backward in training mode on a batch of X; per BatchNorm layer the statistics of its
    tanh output h and of dh (BatchNormMLP keeps them in model.h and model.dh after backward)."""
    ix = np.random.default_rng(seed).integers(0, len(X), size=batch_size)
    set_mode(model, True)
    loss_fn.forward(model.forward(X[ix]), Y[ix])
    model.backward(loss_fn.backward())
    rows = []
    for i, (h, dh) in enumerate(zip(model.h, model.dh), start=1):
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
