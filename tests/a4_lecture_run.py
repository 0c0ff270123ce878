"""The lecture's full Backprop Ninja run (exercise 4), trained with the reference's hand-written gradients.

    python -m tests.a4_lecture_run [NAMES_FILE ...]     (default: the kit's data/names.txt)

Settings of the lecture's exercise 4: block 3, n_embd 10, n_hidden 200, batch 32, 200k steps, lr 0.1 then 0.01
after 100k; BatchNorm calibrated on the whole training set at the end. The kit's split (80/10/10 with seed 42) and
minibatch generator are its own, so the numbers are comparable with the lecture's, not identical.
"""
from __future__ import annotations

import sys
import time

import numpy as np

from grader.data import load_splits
from grader.training import Schedule, evaluate, train
from reference.a4_backprop_ninja.fused import CrossEntropy
from reference.a4_backprop_ninja.network import BackpropNinjaMLP


def lecture_run(path=None, steps: int = 200_000) -> dict:
    splits = load_splits(path, block_size=3, seed=42)
    model = BackpropNinjaMLP(vocab_size=27, block_size=3, n_embd=10, n_hidden=200,
                             rng=np.random.default_rng(2147483647))
    loss_fn = CrossEntropy()
    started = time.perf_counter()
    train(model, loss_fn, *splits.train, Schedule(steps=steps, batch_size=32, lr=0.1, lr_after_decay=0.01, seed=42))
    seconds = time.perf_counter() - started
    model.calibrate(splits.train[0])
    losses = {name: evaluate(model, loss_fn, *getattr(splits, name)) for name in ("train", "dev", "test")}
    return dict(losses, seconds=seconds)


if __name__ == "__main__":
    for path in sys.argv[1:] or [None]:
        result = lecture_run(path)
        print(f"{path or 'data/names.txt'}: train {result['train']:.4f}  dev {result['dev']:.4f}  "
              f"test {result['test']:.4f}  ({result['seconds']:.0f} s of training)", flush=True)
