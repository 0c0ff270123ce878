"""The kit's reference RNN/GRU against the same architecture in PyTorch: test loss and step time.

A script, not a test (torch is an optional oracle, never a dependency; pip install torch==2.13.0, CPU build):

    python tests/bench/rnn_vs_torch.py --cell rnn --steps 60000
    python tests/bench/rnn_vs_torch.py --cell gru --steps 75000

Both sides get makemore.py's setup: its RNN language model (embedding, learned start state, the cell over
time, a linear head; n_embd 64, n_embd2 64), batch 32, AdamW lr 5e-4, weight_decay 0.01, betas (0.9, 0.99),
eps 1e-8, PyTorch's default initialisation, on the *same* split (grader/data.py split_train_test, makemore.py's
sizes) and the *same* minibatches (the kit's index sequence). The PyTorch model below is written for this
bench from makemore.py's equations (grader/models/a6.py, the twin of `makemore bench` and `makemore compare`), with the kit's
weight layout so the two start from the same weights.

Every ``--eval-every`` steps both evaluate the whole test split (mean over the counted positions); the best
is reported, as makemore.py keeps its best checkpoint. Timing: one thread each (torch.set_num_threads(1),
OPENBLAS/OMP threads 1), the two trained in alternating chunks of ``--chunk`` steps in one process, so both
see the same machine load; the ratio is numpy time / torch time per step (below 1: the kit is faster).
"""
from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from grader.models.a6 import torch_model  # noqa: E402
from grader.data import Vocab, build_sequences, load_words, sequence_block_size, split_train_test  # noqa: E402
from grader.training import AdamW, evaluate  # noqa: E402
from reference.a6_rnn.rnn import RNN  # noqa: E402
from reference.a6_rnn.sequence_loss import SequenceCrossEntropy  # noqa: E402

SHARED_NAMES = Path(__file__).resolve().parents[3] / "shared" / "data" / "names.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cell", choices=("rnn", "gru", "lstm"), default="rnn")
    parser.add_argument("--steps", type=int, default=60_000)
    parser.add_argument("--eval-every", type=int, default=500)
    parser.add_argument("--chunk", type=int, default=250)
    parser.add_argument("--data", default=str(SHARED_NAMES))
    parser.add_argument("--seed", type=int, default=3407)
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        print("torch is not installed: pip install torch==2.13.0 (CPU) to run this comparison")
        return
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    import torch.nn.functional as F

    words = load_words(args.data)
    vocab = Vocab.from_words(words)
    block_size = sequence_block_size(words)
    train_words, test_words = split_train_test(words, args.seed)
    Xtr, Ytr = build_sequences(train_words, vocab, block_size)
    Xte, Yte = build_sequences(test_words, vocab, block_size)
    print(f"{len(train_words)} train words, {len(test_words)} test words, block_size {block_size}, "
          f"cell {args.cell}, {args.steps} steps, kit in {args.dtype}")

    dtype = np.float32 if args.dtype == "float32" else np.float64
    kit = RNN(len(vocab), 64, 64, args.cell, block_size, np.random.default_rng(args.seed), dtype=dtype)
    kit_loss = SequenceCrossEntropy()
    kit_opt = AdamW(kit.params, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.01)
    tparams, tforward = torch_model(kit.params, args.cell)
    topt = torch.optim.AdamW(list(tparams.values()), lr=5e-4, weight_decay=0.01, betas=(0.9, 0.99), eps=1e-8)
    Xtr_t, Ytr_t, Xte_t, Yte_t = map(torch.from_numpy, (Xtr, Ytr, Xte, Yte))
    batches = np.random.default_rng(args.seed).integers(0, len(Xtr), size=(args.steps, 32))

    def kit_steps(lo, hi):
        for step in range(lo, hi):
            ix = batches[step]
            kit_loss.forward(kit.forward(Xtr[ix]), Ytr[ix])
            kit.backward(kit_loss.backward())
            kit_opt.step(kit.grads, 5e-4)

    def torch_steps(lo, hi):
        for step in range(lo, hi):
            ix = torch.from_numpy(batches[step])
            logits = tforward(Xtr_t[ix])
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), Ytr_t[ix].view(-1), ignore_index=-1)
            topt.zero_grad(set_to_none=True)
            loss.backward()
            topt.step()

    def torch_test_loss():
        with torch.no_grad():
            logits = tforward(Xte_t)
            return float(F.cross_entropy(logits.view(-1, logits.size(-1)), Yte_t.view(-1), ignore_index=-1))

    seconds = {"kit": 0.0, "torch": 0.0}
    best = {"kit": (np.inf, 0), "torch": (np.inf, 0)}
    step = 0
    while step < args.steps:
        hi = min(args.steps, step + args.chunk)
        order = (("kit", kit_steps), ("torch", torch_steps)) if (step // args.chunk) % 2 == 0 else \
            (("torch", torch_steps), ("kit", kit_steps))
        for name, run in order:
            started = time.perf_counter()
            run(step, hi)
            seconds[name] += time.perf_counter() - started
        step = hi
        if step % args.eval_every == 0 or step == args.steps:
            losses = {"kit": evaluate(kit, kit_loss, Xte, Yte), "torch": torch_test_loss()}
            for name, value in losses.items():
                if value < best[name][0]:
                    best[name] = (value, step)
            print(f"step {step:6d}  test loss kit {losses['kit']:.4f} torch {losses['torch']:.4f}  "
                  f"ms/step kit {1e3 * seconds['kit'] / step:.2f} torch {1e3 * seconds['torch'] / step:.2f}", flush=True)
    ratio = seconds["kit"] / seconds["torch"]
    print(f"RESULT cell={args.cell} steps={args.steps} best test loss kit {best['kit'][0]:.4f} (step {best['kit'][1]}) "
          f"torch {best['torch'][0]:.4f} (step {best['torch'][1]}); difference {best['kit'][0] - best['torch'][0]:+.4f}; "
          f"ms/step kit {1e3 * seconds['kit'] / args.steps:.2f} torch {1e3 * seconds['torch'] / args.steps:.2f}; "
          f"time ratio kit/torch {ratio:.2f}")


if __name__ == "__main__":
    main()
