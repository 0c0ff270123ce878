"""a7's reference against the same Transformer in PyTorch: test loss on the same split and step budget, and
the step time at batch 32, one thread each, measured interleaved. A script, not a test (torch optional).

    python tests/bench/a7_transformer_vs_torch.py steps [--repeats 5 --steps 50]
    python tests/bench/a7_transformer_vs_torch.py train [--steps 15000 --eval-every 500]

Both models are makemore.py's default (4 layers, 4 heads, n_embd 64, block_size 16 from the longest name,
batch 32, AdamW lr 5e-4, betas (0.9, 0.99), eps 1e-8, weight decay 0.01) on ../shared/data/names.txt with
makemore.py's split (test = min(1000, 10 %) of the shuffled words). The NumPy model starts from the very
weights torch drew and both see the same minibatches, so the curves differ only by rounding (float32 both).
The torch model is grader/models/a7.py's (the twin of `makemore bench` and `makemore compare`), written from the
architecture, not copied.
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from grader.models.a7 import copy_weights, torch_model  # noqa: E402
from grader.data import load_sequence_splits  # noqa: E402
from grader.training import evaluate  # noqa: E402
from reference.a6_rnn.sequence_loss import SequenceCrossEntropy  # noqa: E402
from reference.a7_transformer.adamw import AdamW  # noqa: E402
from reference.a7_transformer.transformer import Transformer  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
# makemore's names.txt: ../shared/data/names.txt next to the kit's checkout (the lead's /work/main), or $NAMES
NAMES = Path(os.environ.get("NAMES", next((p for p in (ROOT.parent / "shared/data/names.txt",
                                                        Path("/work/shared/data/names.txt")) if p.exists()),
                                                ROOT.parent / "shared/data/names.txt")))
CONFIG = dict(n_layer=4, n_head=4, n_embd=64)


def setup(seed=3407, n_layer=4, n_head=4, n_embd=64, lr=5e-4, weight_decay=0.01):
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    splits = load_sequence_splits(NAMES, seed=seed)
    V, L = len(splits.vocab), splits.block_size
    tmodel = torch_model(torch, V, L, n_layer, n_head, n_embd)
    toptim = torch.optim.AdamW(tmodel.parameters(), lr=lr, betas=(0.9, 0.99), eps=1e-8, weight_decay=weight_decay)
    model = Transformer(V, L, n_layer, n_head, n_embd, dtype=np.float32)
    copy_weights(tmodel, model)
    optim = AdamW(model.params, lr=lr, weight_decay=weight_decay)
    return torch, splits, tmodel, toptim, model, optim


def torch_step(torch, tmodel, toptim, x, y):
    logits = tmodel(x)
    loss = torch.nn.functional.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1), ignore_index=-1)
    toptim.zero_grad(set_to_none=True)
    loss.backward()
    toptim.step()
    return loss.item()


def numpy_step(model, optim, loss_fn, x, y):
    loss = loss_fn.forward(model.forward(x), y)
    model.backward(loss_fn.backward())
    optim.step(model.grads)
    return loss


def torch_test_loss(torch, tmodel, X, Y):
    with torch.no_grad():
        logits = tmodel(torch.from_numpy(X))
        return torch.nn.functional.cross_entropy(logits.view(-1, logits.size(-1)), torch.from_numpy(Y).view(-1),
                                                 ignore_index=-1).item()


def cmd_steps(args):
    torch, splits, tmodel, toptim, model, optim = setup()
    loss_fn = SequenceCrossEntropy()
    X, Y = splits.train
    rng = np.random.default_rng(0)
    batches = [rng.integers(0, len(X), size=32) for _ in range(args.steps)]
    tb = [(torch.from_numpy(X[ix]), torch.from_numpy(Y[ix])) for ix in batches]
    nb = [(X[ix], Y[ix]) for ix in batches]
    times = {"numpy": [], "torch": []}
    for _ in range(3):  # warm up both
        torch_step(torch, tmodel, toptim, *tb[0])
        numpy_step(model, optim, loss_fn, *nb[0])
    for r in range(args.repeats):  # interleaved, alternating which goes first
        order = ("numpy", "torch") if r % 2 == 0 else ("torch", "numpy")
        for which in order:
            started = time.perf_counter()
            for i in range(args.steps):
                if which == "torch":
                    torch_step(torch, tmodel, toptim, *tb[i])
                else:
                    numpy_step(model, optim, loss_fn, *nb[i])
            times[which].append((time.perf_counter() - started) / args.steps * 1e3)
    ratios = [n / t for n, t in zip(times["numpy"], times["torch"])]
    print(f"ms per step, batch 32, one thread each, {args.repeats} interleaved rounds of {args.steps} steps")
    print(f"  numpy reference (float32): {' '.join(f'{t:.2f}' for t in times['numpy'])}  median {np.median(times['numpy']):.2f}")
    print(f"  torch {torch.__version__} (float32): {' '.join(f'{t:.2f}' for t in times['torch'])}  median {np.median(times['torch']):.2f}")
    print(f"  ratio numpy / torch per round: {' '.join(f'{r:.3f}' for r in ratios)}  median {np.median(ratios):.3f}")


def cmd_train(args):
    torch, splits, tmodel, toptim, model, optim = setup()
    loss_fn = SequenceCrossEntropy()
    X, Y = splits.train
    Xt, Yt = splits.test
    rng = np.random.default_rng(args.seed)
    best = {"numpy": (float("inf"), 0), "torch": (float("inf"), 0)}
    wall = {"numpy": 0.0, "torch": 0.0}
    print(f"train {len(X)} words, test {len(Xt)} words, {args.steps} steps; evaluating the whole test set "
          f"every {args.eval_every} steps", flush=True)
    for step in range(1, args.steps + 1):
        ix = rng.integers(0, len(X), size=32)
        started = time.perf_counter()
        torch_step(torch, tmodel, toptim, torch.from_numpy(X[ix]), torch.from_numpy(Y[ix]))
        wall["torch"] += time.perf_counter() - started
        started = time.perf_counter()
        numpy_step(model, optim, loss_fn, X[ix], Y[ix])
        wall["numpy"] += time.perf_counter() - started
        if step % args.eval_every == 0 or step == args.steps:
            losses = {"torch": torch_test_loss(torch, tmodel, Xt, Yt),
                      "numpy": evaluate(model, SequenceCrossEntropy(), Xt, Yt)}
            for k, v in losses.items():
                if v < best[k][0]:
                    best[k] = (v, step)
            print(f"step {step:6d}: test loss torch {losses['torch']:.4f}  numpy {losses['numpy']:.4f}  "
                  f"(training wall so far: torch {wall['torch']:.0f} s, numpy {wall['numpy']:.0f} s)", flush=True)
    print(f"best test loss: torch {best['torch'][0]:.4f} (step {best['torch'][1]}), numpy {best['numpy'][0]:.4f} "
          f"(step {best['numpy'][1]}); difference {best['numpy'][0] - best['torch'][0]:+.4f}")
    print(f"training wall time: torch {wall['torch']:.1f} s, numpy {wall['numpy']:.1f} s "
          f"(ratio {wall['numpy'] / wall['torch']:.3f})")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    steps = sub.add_parser("steps")
    steps.add_argument("--steps", type=int, default=50)
    steps.add_argument("--repeats", type=int, default=6)
    train = sub.add_parser("train")
    train.add_argument("--steps", type=int, default=15_000)
    train.add_argument("--eval-every", type=int, default=500)
    train.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not NAMES.exists():
        sys.exit(f"{NAMES} not found: this benchmark needs makemore's names.txt")
    (cmd_steps if args.what == "steps" else cmd_train)(args)


if __name__ == "__main__":
    main()
