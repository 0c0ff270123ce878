"""Watching a training run: a progress bar with rate and ETA, the smoothed training loss and the dev loss at
intervals, a warning when the run diverges, a CSV log and the lecture's loss curve as a PNG.

``TrainingLog`` is the ``log`` callback of grader/training.py's ``train`` (called with ``log_every=1``): it sees
every minibatch loss, and every ``eval_every`` steps it evaluates the dev loss with the same loss object. The
training loss it reports is the mean of the minibatch losses since the previous report, the smoothing of the
lecture's plot (``torch.tensor(lossi).view(-1, 1000).mean(1)``): one minibatch loss alone jumps by 0.5 or more.

``python -m grader.trainlog`` trains a submission with an assignment's training check configuration (its
model, loss and schedule, from grader/specs) and writes the CSV: the notebooks' "Train and plot" cell uses it,
so any assignment with a training check gets a plot without a list of models here. With ``--plots DIR`` it
runs the assignment's diagnostics instead (grader/train_diagnostics.py; the notebooks' "Diagnostics" cell), for
an assignment whose training check's options hold ``"diagnostics"``.
"""
from __future__ import annotations

import csv
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

COLUMNS = ("step", "train_loss", "dev_loss", "lr", "seconds")
DIVERGED_FACTOR = 1.5  # a smoothed loss this many times the first report's: the run diverges
REPORTS = 20  # reports (and dev evaluations) per run, unless told otherwise
DEV_SAMPLE = 5000  # dev examples evaluated at each report of a notebook's run


class Diverged(Exception):
    """The loss became NaN or infinite: nothing more can be learned by going on."""


@dataclass
class Row:
    step: int  # the last step of the window (0-based, as train() counts)
    train_loss: float  # mean minibatch loss over the window
    dev_loss: float | None
    lr: float
    seconds: float


@dataclass
class TrainingLog:
    """Callback ``(step, minibatch_loss, lr)`` for every step; keeps one Row per ``eval_every`` steps.

    dev_loss: a function of no argument returning the dev loss now (None: no dev loss). stream: where the
    progress bar and the report lines go (a terminal gets a bar redrawn in place, a file a line per report)."""

    steps: int
    eval_every: int
    dev_loss: Callable[[], float] | None = None
    stream: object = sys.stderr
    rows: list[Row] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.eval_every = max(1, self.eval_every)
        self.started = time.monotonic()
        self.window: list[float] = []
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.last_bar = 0.0
        # The rate counts training steps after the first (its warm-up, and the first dev evaluation, made the
        # first line's ETA hundreds of times too long) and not the time spent evaluating the dev loss.
        self.timed_from: tuple[float, int] | None = None  # (when, steps done) at the end of the first report
        self.eval_seconds = 0.0  # spent evaluating since then
        self.evals = 0

    def __call__(self, step: int, loss: float, lr: float) -> None:
        if not math.isfinite(loss):
            self.warn(f"the loss is {loss} at step {step}: the run diverged (is the learning rate {lr:g} too high?)")
            self.report(step, lr)
            raise Diverged(self.warnings[-1])
        self.window.append(loss)
        if (step + 1) % self.eval_every == 0 or step == self.steps - 1 or step == 0:
            self.report(step, lr)
        elif self.tty and time.monotonic() - self.last_bar > 0.2:
            self.bar(step + 1)

    def report(self, step: int, lr: float) -> None:
        train = sum(self.window) / len(self.window) if self.window else float("nan")
        self.window = []
        before = time.monotonic()
        dev = self.dev_loss() if self.dev_loss is not None else None
        if self.timed_from is not None:
            self.eval_seconds += time.monotonic() - before
            self.evals += 1
        row = Row(step, train, dev, lr, time.monotonic() - self.started)
        self.rows.append(row)
        first = self.rows[0].train_loss
        if len(self.rows) > 2 and math.isfinite(first) and train > DIVERGED_FACTOR * first \
                and not any("diverging" in w for w in self.warnings):
            self.warn(f"the training loss rose from {first:.4f} to {train:.4f} by step {step}: the run is diverging "
                      f"(is the learning rate {lr:g} too high?)")
        self.bar(step + 1, final=True)
        dev_text = f"  dev {dev:.4f}" if dev is not None else ""
        self.line(f"{step + 1:>8d}/{self.steps}  train {train:.4f}{dev_text}  lr {lr:g}  {self.rate_eta(step + 1)}")
        if self.timed_from is None:
            self.timed_from = (time.monotonic(), step + 1)

    def rate_eta(self, done: int) -> str:
        """'1,234 steps/s  ETA 2:05': the rate of the steps since the first report, evaluations left out; the
        ETA adds the evaluations still to come at their mean time. '--' before any such step."""
        if self.timed_from is None or done <= self.timed_from[1]:
            return "-- steps/s  ETA --:--"
        since, steps_then = self.timed_from
        training = time.monotonic() - since - self.eval_seconds
        rate = (done - steps_then) / training if training > 0 else 0.0
        if not rate:
            return "-- steps/s  ETA --:--"
        evals_left = max(0, (self.steps - done) // self.eval_every)
        left = round((self.steps - done) / rate + evals_left * (self.eval_seconds / self.evals if self.evals else 0))
        return f"{rate:,.0f} steps/s  ETA {left // 60}:{left % 60:02d}"

    def bar(self, done: int, final: bool = False) -> None:
        if not self.tty:
            return
        self.last_bar = time.monotonic()
        width = 30
        filled = int(width * done / self.steps) if self.steps else width
        self.stream.write(f"\r\033[K[{'#' * filled}{'.' * (width - filled)}] {done}/{self.steps}  "
                          f"{self.rate_eta(done)}" + ("\r\033[K" if final else ""))
        self.stream.flush()

    def line(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def warn(self, text: str) -> None:
        self.warnings.append(text)
        self.line(f"warning: {text}")

    def write_csv(self, path: str | Path) -> Path:
        return write_csv(self.rows, path)


def write_csv(rows: list[Row], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow([r.step, f"{r.train_loss:.6f}", "" if r.dev_loss is None else f"{r.dev_loss:.6f}",
                             f"{r.lr:g}", f"{r.seconds:.3f}"])
    return path


def read_csv(path: str | Path) -> list[Row]:
    with open(path, newline="") as f:
        return [Row(int(r["step"]), float(r["train_loss"]), float(r["dev_loss"]) if r["dev_loss"] else None,
                    float(r["lr"]), float(r["seconds"])) for r in csv.DictReader(f)]


def plot(rows: list[Row], path: str | Path | None = None, title: str = ""):
    """The lecture's loss curve: smoothed training loss and dev loss against steps. Writes a PNG to ``path``
    (or shows it, in a notebook). Needs matplotlib (``pip install makemore-numpy[plot]``): ImportError if absent."""
    import matplotlib

    if path is not None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    steps = [r.step + 1 for r in rows]
    ax.plot(steps, [r.train_loss for r in rows], label="train (mean over each interval)")
    dev = [(r.step + 1, r.dev_loss) for r in rows if r.dev_loss is not None]
    if dev:
        ax.plot(*zip(*dev), marker="o", markersize=3, label="dev")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    if path is None:
        plt.show()
        return fig
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)


# -- an assignment's training check, run on a submission (the notebooks' plot) -----------------------------

def training_config(assignment):
    """(unit, options) of the assignment's training check (one whose options have a schedule and a loss)."""
    for check in assignment.checks:
        if "schedule" in check.options and "loss" in check.options and check.unit is not None:
            return check.unit, check.options
    return None


def submission_model(submission: str | Path, key: str, dims: dict | None = None):
    """(model, loss object, splits, options) of assignment ``key``'s training check, built from the
    submission's code with the check's initial parameters (``dims`` overrides the check's sizes)."""
    import numpy as np

    from grader.data import load_sequence_splits, load_splits
    from grader.specs import resolve

    assignment = resolve(key)
    config = training_config(assignment)
    if config is None:
        raise LookupError(f"{assignment.key} has no training check")
    unit, opts = config
    sys.path.insert(0, str(submission))
    sequences = opts.get("data") == "sequence"
    splits = load_sequence_splits() if sequences else load_splits(block_size=opts.get("block_size", 1))
    dims = dims or opts["dims"]
    model = load_target(unit.target)(**unit.init(dims))
    for name, value in unit.params(dims, np.random.default_rng(opts.get("init_seed", 0))).items():
        model.params[name][...] = value  # the training check's initial parameters, as the grader injects them
    return model, load_target(opts["loss"])(), splits, opts


def load_target(target: str):
    """The object "module:attr" names, imported from sys.path (the submission's folder comes first)."""
    from grader.targets import load

    return load(target)


def train_submission(submission: str | Path, key: str, steps: int | None = None, csv_path: str | Path | None = None,
                     stream=sys.stderr) -> TrainingLog:
    """Train the submission's model of assignment ``key`` with its training check's data, sizes, loss, schedule
    and optimiser (``steps`` overrides the number of steps), in this process: the student's own code, not
    sandboxed. Sequence data (a6, a7) is makemore.py's split, whose test split is the dev loss here."""
    from grader.training import Schedule, evaluate, train

    model, loss_fn, splits, opts = submission_model(submission, key)
    schedule = Schedule(**dict(opts["schedule"], **({"steps": steps} if steps else {})))
    optimizer = (load_target(opts["optimizer"])(model.params, **opts.get("optimizer_args", {}))  # a7: the student's AdamW
                 if opts.get("optimizer") else None)
    Xdev, Ydev = (part[:DEV_SAMPLE] for part in splits.dev)  # a fixed sample: 20 evaluations stay cheap
    log = TrainingLog(schedule.steps, max(1, schedule.steps // REPORTS),
                      dev_loss=lambda: float(evaluate(model, loss_fn, Xdev, Ydev)), stream=stream)
    try:
        train(model, loss_fn, *splits.train, schedule, log=log, log_every=1, optimizer=optimizer)
    except Diverged:
        pass
    if csv_path:
        log.write_csv(csv_path)
    return log


def diagnose_submission(submission: str | Path, key: str, out_dir: str | Path, steps: int | None = None,
                        stream=sys.stderr) -> list[Path]:
    """The lecture's diagnostics (grader/train_diagnostics.py) of the submission's model, as its assignment's
    training check option ``"diagnostics"`` says: train with the check's schedule while recording the
    update-to-data ratios, print the per-layer table to ``stream`` and write the PNGs to ``out_dir``.
    Returns the PNG paths (none without matplotlib). LookupError if the assignment has no diagnostics."""
    from grader import train_diagnostics as diag
    from grader.specs import resolve
    from grader.training import Schedule

    config = training_config(resolve(key))
    wanted = config[1].get("diagnostics") if config else None
    if wanted is None:
        raise LookupError(f"{resolve(key).key} has no diagnostics")
    model, loss_fn, splits, opts = submission_model(submission, key, wanted.get("dims"))
    stats = {name: load_target(wanted[name]) for name in ("activation_stats", "gradient_stats", "update_ratio")}
    schedule = Schedule(**dict(opts["schedule"], **({"steps": steps} if steps else {})))
    log = TrainingLog(schedule.steps, max(1, schedule.steps // REPORTS), stream=stream)
    try:
        ratios = diag.train_with_update_ratios(model, loss_fn, *splits.train, schedule, stats["update_ratio"],
                                               log=log, log_every=1)
    except Diverged:
        return []
    rows = diag.layer_statistics(model, loss_fn, *splits.train, stats["activation_stats"], stats["gradient_stats"])
    stream.write(diag.format_table(rows, ratios) + "\n")
    try:
        return diag.write_plots(out_dir, rows, ratios)
    except ImportError:
        stream.write("pip install matplotlib to see these as plots\n")
        return []


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m grader.trainlog",
                                     description="train a submission with an assignment's training check setup")
    parser.add_argument("--submission", required=True)
    parser.add_argument("--assignment", required=True)
    parser.add_argument("--steps", type=int)
    parser.add_argument("--csv", help="train with the training check's setup and write the loss log here")
    parser.add_argument("--plots", metavar="DIR", help="the assignment's diagnostics (grader/train_diagnostics.py) "
                        "instead: the per-layer table, and the PNGs written to DIR")
    args = parser.parse_args(argv)
    if not args.csv and not args.plots:
        parser.error("give --csv or --plots")
    try:
        if args.plots:
            for path in diagnose_submission(args.submission, args.assignment, args.plots, args.steps, stream=sys.stdout):
                print(f"wrote {path}")
        else:
            train_submission(args.submission, args.assignment, args.steps, args.csv, stream=sys.stdout)
    except NotImplementedError as err:
        print(f"not implemented yet: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
