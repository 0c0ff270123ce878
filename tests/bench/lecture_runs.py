"""The lectures' full-length runs of a3 and a5 with the reference (minutes each; not a test).

    PYTHONPATH=. python tests/bench/lecture_runs.py mlp_bn  [--data ../shared/data/names.txt]
    PYTHONPATH=. python tests/bench/lecture_runs.py wavenet [--data ../shared/data/names.txt]

Prints train/dev/test losses and the training time. Settings are the lectures': 200k steps, batch 32,
lr 0.1 then 0.01 (mlp_bn: after 100k steps, as part 3's BatchNorm run; wavenet: after 150k, as part 5).

mlp_bn is evaluated three ways from one run, because the part-3 notebook's final number (dev 2.1057) does not
use PyTorch's BatchNorm momentum: its hand-written BatchNorm keeps running statistics with momentum 0.001
(``bnmean_running = 0.999 * bnmean_running + 0.001 * bnmeani``), an average over about the last 1000 batches,
and it also shows "calibrate the batch norm at the end of training" (the statistics of the whole training set).
The kit's BatchNorm1d keeps PyTorch's momentum 0.1 (about the last 10 batches of 32): noisier statistics, which
cost about 0.003 of dev loss (measured with the notebook's own code and seed: 2.1083 instead of 2.1057).
The headline is the lecture's (momentum 0.001); training itself uses batch statistics and is the same for all.

``--lecture-init`` (mlp_bn, needs torch) draws the initial weights and every minibatch from the notebook's
``torch.Generator().manual_seed(2147483647)`` in the notebook's order, so the run is the notebook's up to
rounding; without it the kit's NumPy generator draws them (another seed of the same experiment).
"""
import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small matrices: BLAS threads only contend, 10x slower here
import numpy as np  # noqa: E402

from grader import data
from grader.data import load_splits
from grader.training import Schedule, cast_params, evaluate, sgd_step, train
from reference.a1_bigram.cross_entropy import SoftmaxCrossEntropy
from reference.a3_batchnorm.mlp_bn import BatchNormMLP
from reference.a5_wavenet.wavenet import WaveNet


def lecture_split(words, seed=42, fractions=None):
    """makemore's split: Python's random.shuffle with seed 42, then 80/10/10."""
    import random

    words = list(words)
    random.seed(seed)
    random.shuffle(words)
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    return words[:n1], words[n1:n2], words[n2:]


class ShadowStatistics:
    """Running statistics of one BatchNorm1d with another momentum, updated beside its own in training mode
    (the kit's convention: the batch mean and the unbiased batch variance); ``swap_in`` writes them into the
    layer's buffers in place (BatchNormMLP holds the very same arrays) and returns the ones it replaced."""

    def __init__(self, bn, momentum):
        self.momentum = momentum
        self.mean = np.zeros_like(bn.buffers["running_mean"])
        self.var = np.ones_like(bn.buffers["running_var"])
        forward = bn.forward

        def tracked(x):
            if bn.training:
                n = x.shape[0]
                self.mean += momentum * (x.mean(axis=0) - self.mean)
                self.var += momentum * (x.var(axis=0) * n / (n - 1) - self.var)
            return forward(x)

        bn.forward = tracked
        self.bn = bn

    def swap_in(self):
        kept = {k: v.copy() for k, v in self.bn.buffers.items()}
        self.bn.buffers["running_mean"][...] = self.mean
        self.bn.buffers["running_var"][...] = self.var
        return kept


def calibrate(model, X, chunk=16384):
    """The notebook's "calibrate the batch norm at the end of training": each BatchNorm1d's statistics over the
    whole training set X (layer by layer, the layers below already calibrated), written into its buffers."""
    was_training = model.training
    for i, bn in enumerate(model.bns):
        total, total_sq, n = 0.0, 0.0, 0
        model.eval()
        captured = []
        forward = bn.forward
        bn.forward = lambda x: (captured.append(x), forward(x))[1]
        for start in range(0, len(X), chunk):
            captured.clear()
            model.forward(X[start:start + chunk])
            x = captured[0].astype(np.float64)
            total, total_sq, n = total + x.sum(axis=0), total_sq + (x * x).sum(axis=0), n + len(x)
        bn.forward = forward
        mean = total / n
        bn.buffers["running_mean"][...] = mean
        bn.buffers["running_var"][...] = (total_sq / n - mean**2) * n / (n - 1)
    if was_training:
        model.train()


def lecture_start(model, n_train, steps, batch_size=32, seed=2147483647):
    """The part-3 notebook's initial weights and minibatch indices from its torch generator, in its order:
    C, W1 * (5/3) / sqrt(30), W2 * 0.01, b2 * 0 (27 draws), then torch.randint(0, n, (32,)) per step."""
    import torch

    g = torch.Generator().manual_seed(seed)
    vocab, n_embd = model.params["C"].shape
    fan_in, n_hidden = model.params["W1"].shape
    model.params["C"][...] = torch.randn((vocab, n_embd), generator=g).double().numpy()
    model.params["W1"][...] = (torch.randn((fan_in, n_hidden), generator=g) * (5 / 3) / fan_in**0.5).double().numpy()
    model.params["W2"][...] = (torch.randn((n_hidden, vocab), generator=g) * 0.01).double().numpy()
    model.params["b2"][...] = (torch.randn(vocab, generator=g) * 0).double().numpy()
    return [torch.randint(0, n_train, (batch_size,), generator=g).numpy() for _ in range(steps)]


def to_float32(model):
    """Cast a WaveNet's parameters and running statistics to float32 (rebuilding its params/buffers dicts)."""
    for layer in model.layers:
        layer.params = {k: v.astype(np.float32) for k, v in layer.params.items()}
        if hasattr(layer, "buffers"):
            layer.buffers = {k: v.astype(np.float32) for k, v in layer.buffers.items()}
    WaveNet.__bases__[0].__init__(model, model.layers)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model", choices=("mlp_bn", "wavenet"))
    parser.add_argument("--data")
    parser.add_argument("--steps", type=int, default=200_000)
    parser.add_argument("--float32", action="store_true", help="train in float32 (about 1.5-2x faster)")
    parser.add_argument("--lecture-init", action="store_true",
                        help="mlp_bn: the notebook's initial weights and minibatches, from its torch generator")
    parser.add_argument("--lecture-split", action="store_true",
                        help="split the words as the lectures do (random.seed(42); random.shuffle), not with the "
                             "kit's NumPy permutation: the same dev words as the lectures' numbers")
    args = parser.parse_args()
    rng = np.random.default_rng(2147483647)
    if args.lecture_split:
        data.split_words = lecture_split
    if args.model == "mlp_bn":
        splits = load_splits(args.data, block_size=3, seed=42)
        model = BatchNormMLP(len(splits.vocab), block_size=3, n_embd=10, n_hidden=200, n_layers=1, rng=rng)
        decay_at = args.steps // 2
    else:
        splits = load_splits(args.data, block_size=8, seed=42)
        model = WaveNet(len(splits.vocab), block_size=8, n_embd=24, n_hidden=128, rng=rng)
        decay_at = args.steps * 3 // 4
    if args.lecture_init and args.model != "mlp_bn":
        parser.error("--lecture-init is implemented for mlp_bn only")
    schedule = Schedule(steps=args.steps, batch_size=32, lr=0.1, lr_after_decay=0.01, decay_at=decay_at, seed=42)
    batches = lecture_start(model, len(splits.train[0]), args.steps) if args.lecture_init else None
    shadows = [ShadowStatistics(bn, 0.001) for bn in model.bns] if args.model == "mlp_bn" else []
    if args.float32:
        if args.model == "wavenet":
            to_float32(model)
        else:
            cast_params(model, np.float32)
    loss_fn = SoftmaxCrossEntropy()
    log = lambda step, loss, lr: print(f"{step:7d} loss {loss:.4f} lr {lr:g}", flush=True)  # noqa: E731
    started = time.time()
    if batches is None:
        train(model, loss_fn, *splits.train, schedule, log=log, log_every=20_000)
    else:  # the kit's loop (grader.training.train) over the notebook's minibatches
        Xtr, Ytr = splits.train
        model.train()
        for step, ix in enumerate(batches):
            loss = loss_fn.forward(model.forward(Xtr[ix]), Ytr[ix])
            model.backward(loss_fn.backward())
            sgd_step(model.params, model.grads, schedule.lr_at(step))
            if step % 20_000 == 0:
                log(step, float(loss), schedule.lr_at(step))
    seconds = time.time() - started
    cast_params(model, np.float64)
    tag = (f"{args.model} data={args.data or 'kit'} steps={args.steps} params={sum(p.size for p in model.params.values())}"
           f"{' float32' if args.float32 else ''}{' lecture-split' if args.lecture_split else ''}"
           f"{' lecture-init' if args.lecture_init else ''}")

    def report(how):
        losses = {split: evaluate(model, loss_fn, *getattr(splits, split)) for split in ("train", "dev", "test")}
        print(f"{tag} [{how}] train {losses['train']:.4f} dev {losses['dev']:.4f} test {losses['test']:.4f} "
              f"time {seconds:.0f} s", flush=True)

    if args.model == "mlp_bn":
        report("running statistics, momentum 0.1 (PyTorch's, the kit's BatchNorm1d)")
        for shadow in shadows:
            shadow.swap_in()
        report("running statistics, momentum 0.001 (the lecture's)")
        calibrate(model, splits.train[0])
        report("calibrated on the whole training set")
    else:
        report("running statistics, momentum 0.1")


if __name__ == "__main__":
    main()
