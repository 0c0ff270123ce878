"""The lectures' full-length runs of a3 and a5 with the reference (minutes each; not a test).

    PYTHONPATH=. python tests/bench/lecture_runs.py mlp_bn  [--data ../shared/data/names.txt]
    PYTHONPATH=. python tests/bench/lecture_runs.py wavenet [--data ../shared/data/names.txt]

Prints train/dev/test losses and the training time. Settings are the lectures': 200k steps, batch 32,
lr 0.1 then 0.01 (mlp_bn: after 100k steps, as part 3's BatchNorm run; wavenet: after 150k, as part 5).
"""
import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small matrices: BLAS threads only contend, 10x slower here
import numpy as np  # noqa: E402

from grader import data
from grader.data import load_splits
from grader.training import Schedule, evaluate, train
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
    if args.float32:
        if args.model != "wavenet":
            parser.error("--float32 is implemented for wavenet only")
        to_float32(model)
    schedule = Schedule(steps=args.steps, batch_size=32, lr=0.1, lr_after_decay=0.01, decay_at=decay_at, seed=42)
    loss_fn = SoftmaxCrossEntropy()
    started = time.time()
    train(model, loss_fn, *splits.train, schedule,
          log=lambda step, loss, lr: print(f"{step:7d} loss {loss:.4f} lr {lr:g}", flush=True), log_every=20_000)
    seconds = time.time() - started
    losses = {split: evaluate(model, loss_fn, *getattr(splits, split)) for split in ("train", "dev", "test")}
    print(f"{args.model} data={args.data or 'kit'} steps={args.steps} params={sum(p.size for p in model.params.values())}"
          f"{' float32' if args.float32 else ''}{' lecture-split' if args.lecture_split else ''} train {losses['train']:.4f} dev {losses['dev']:.4f} test {losses['test']:.4f} time {seconds:.0f} s")


if __name__ == "__main__":
    main()
