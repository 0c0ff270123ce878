"""``makemore train``'s work: a registered model (grader/models/) built from the student's classes or the
reference's, with the lecture's sizes and schedule unless the command line gives them, trained with a progress
bar and the dev loss at intervals (grader/trainlog.py), then its losses and samples; a1's counting model; a3's
``--plots`` diagnostics. grader/cli.py parses the command and turns a student's unfinished code or missing
data into one line; ``impl(target)`` (``'a2_mlp.mlp:MLP'`` -> the class) is the loader it passes in.
"""
from __future__ import annotations

import sys
import time


def train_bigram_counts(args, impl) -> int:
    """a1's counting model: no training, the counts of the training words, their NLL on each split, samples."""
    import numpy as np

    from grader.data import Vocab, load_words, split_words

    words = load_words(args.data)
    vocab = Vocab.from_words(words)
    parts = dict(zip(("train", "dev", "test"), split_words(words, args.seed)))
    count, probs = impl("a1_bigram.counts:count_bigrams"), impl("a1_bigram.counts:bigram_probs")
    P = probs(count(parts["train"], vocab.stoi), args.smoothing)
    nll = impl("a1_bigram.counts:bigram_nll")
    for split, ws in parts.items():
        print(f"{split:5s} nll {nll(P, ws, vocab.stoi):.4f}")
    print(f"all names, counted on all names: nll {nll(probs(count(words, vocab.stoi), args.smoothing), words, vocab.stoi):.4f}")
    names = impl("a1_bigram.counts:sample_names")(P, list(vocab.itos), args.samples, np.random.default_rng(args.sample_seed))
    print("samples:", " ".join(names))
    return 0


def registered_setup(entry, args, impl):
    """(model, loss object, splits, schedule, optimizer or None) of a registered model (grader/models/), with
    the lecture's sizes and schedule unless ``args`` gives them; the model and loss from ``impl``."""
    import numpy as np

    from grader.data import load_sequence_splits, load_splits

    if entry.data == "sequences":
        if getattr(args, "tokenizer", "char") == "bpe":  # a8's tokens instead of characters (grader/bpe_data.py)
            from grader.bpe_data import bpe_sequence_splits

            splits, tokenizer = bpe_sequence_splits(impl("a8_tokenizer.regex_tokenizer:RegexTokenizer"),
                                                    args.vocab_size, args.data, seed=args.seed)
            print(f"BPE: {len(tokenizer.merges)} merges learned on the training names, {len(splits.vocab) - 1} of "
                  f"the tokens used, block_size {splits.block_size} tokens")
        else:
            splits = load_sequence_splits(args.data, seed=args.seed)
        dims = entry.dims(len(splits.vocab), splits.block_size, **size_options(entry, args))
    else:
        sizes = size_options(entry, args)
        block_size = sizes.get("block_size") or entry.sizes.get("block_size", 1)
        splits = load_splits(args.data, block_size=block_size, seed=args.seed)
        dims = entry.dims(len(splits.vocab), **sizes)
    model = entry.build(impl(entry.target), dims, np.random.default_rng(args.init_seed), args.dtype)
    schedule = entry.schedule(args.steps, args.batch_size, args.lr, seed=args.seed)
    if entry.optimizer == "adamw":
        schedule.weight_decay = args.weight_decay
    optimizer = None
    if entry.optimizer not in ("sgd", "adamw"):  # the student's own optimiser (a7's AdamW)
        optimizer = impl(entry.optimizer)(model.params, lr=schedule.lr, weight_decay=args.weight_decay)
    return model, impl(entry.loss)(), splits, schedule, optimizer


def size_options(entry, args) -> dict:
    """The sizes given on the command line (``--n-hidden 100``), by the registry's names."""
    return {name: getattr(args, name, None) for name in entry.sizes}


def train_registered(args, impl) -> int:
    from grader import models

    entry = models.get(args.model)
    if entry.command is not None:  # a0's scalar engine trains with the lecture's own loop
        return entry.command(args, impl)
    model, loss_fn, splits, schedule, optimizer = registered_setup(entry, args, impl)
    if entry.name == "mlp_bn" and args.plots is not None:  # the a3 diagnostics need their own loop
        return train_with_diagnostics(model, loss_fn, splits, schedule, args, impl)
    if args.plots is not None:
        print("--plots is for mlp_bn (the a3 diagnostics); training without them", file=sys.stderr)
    n_params = sum(p.size for p in model.params.values())
    what = {"sgd": "SGD", "adamw": "AdamW"}.get(entry.optimizer, "your AdamW")
    print(f"{entry.name}: {n_params} parameters, {len(splits.train[0])} training examples, {schedule.steps} steps "
          f"of {what} lr {schedule.lr:g} in {args.dtype}")
    status = run_training(model, loss_fn, splits, schedule, args, optimizer=optimizer)
    if status == 0 and entry.data == "sequences":  # per character, so characters and BPE tokens compare fairly
        from grader.bpe_data import targets_per_character
        from grader.training import evaluate

        for split, words in (("train", splits.train_words), ("test", splits.test_words)):
            X, Y = getattr(splits, split)
            per_char = evaluate(model, loss_fn, X, Y) * targets_per_character(words, Y)
            print(f"{split:5s} loss per character {per_char:.4f} (nats; each name's letters and its end)")
    return status


def run_training(model, loss_fn, splits, schedule, args, optimizer=None) -> int:
    """Train with a progress bar, the smoothed training loss and the dev loss at intervals (grader/trainlog.py),
    then print the final losses and samples; --csv and --plot keep the curve. Exit 1 if the run diverged."""
    import numpy as np

    from grader import trainlog
    from grader.training import cast_params, evaluate, sample, train

    cast_params(model, np.dtype(args.dtype))  # float32 by default: the training loop's speed, not the grader's
    started = time.time()
    every = args.log_every or max(1, schedule.steps // trainlog.REPORTS)
    log = trainlog.TrainingLog(schedule.steps, every, dev_loss=lambda: float(evaluate(model, loss_fn, *splits.dev)),
                               stream=sys.stdout)
    print(f"{'step':>8}/{schedule.steps}  train: mean minibatch loss since the last line; dev: loss on the dev split")
    diverged = False
    try:
        train(model, loss_fn, *splits.train, schedule, log=log, log_every=1, optimizer=optimizer)
    except trainlog.Diverged:
        diverged = True
    print(f"trained in {time.time() - started:.1f} s")
    cast_params(model, np.float64)  # the final losses and the samples in float64, whatever the training dtype
    if hasattr(model, "calibrate"):  # BatchNorm: the training set's statistics for evaluation and sampling
        model.calibrate(splits.train[0])
    if args.csv:
        print(f"wrote {log.write_csv(args.csv)}")
    if args.plot:
        try:
            print(f"wrote {trainlog.plot(log.rows, args.plot, f'makemore train {args.model}')}")
        except ImportError:
            print("--plot needs matplotlib: pip install 'makemore-numpy[plot]' (or pip install matplotlib)",
                  file=sys.stderr)
    if diverged:
        return 1
    # makemore.py's sequence split has no third part: its dev split is the test split
    losses = {split: evaluate(model, loss_fn, *getattr(splits, split))
              for split in (("train", "test") if splits.dev is splits.test else ("train", "dev", "test"))}
    for split, loss in losses.items():
        print(f"{split:5s} loss {loss:.4f}")
    record_trained(args, losses)
    print("samples:", " ".join(sample(model, splits.vocab.itos, args.samples, seed=args.sample_seed)))
    return 0


def record_trained(args, losses: dict) -> None:
    """The final losses of your model beside the lecture's, in .makemore/progress.json (not for --reference)."""
    from grader import models, progress

    folder = getattr(args, "progress_folder", None)  # set by cli.cmd_train: None for --reference, --submission
    if folder is None or args.model not in {m.name for m in models.all_models()}:
        return
    entry = models.get(args.model)
    progress.record_training(folder, entry.assignment, entry.name, losses, entry.goal)


def train_with_diagnostics(model, loss_fn, splits, schedule, args, impl) -> int:
    """a3's ``--plots DIR``: train while recording the update-to-data ratios, then the lecture's per-layer
    statistics as a table and, with matplotlib, as PNGs (grader/train_diagnostics.py)."""
    from grader import train_diagnostics as diag
    from grader.training import evaluate, sample

    started = time.time()
    log = lambda step, loss, lr: print(f"{step:7d}/{schedule.steps}: loss {loss:.4f}  lr {lr:g}", flush=True)  # noqa: E731
    ratios = diag.train_with_update_ratios(model, loss_fn, *splits.train, schedule,
                                           impl("a3_batchnorm.diagnostics:update_ratio"), log=log,
                                           log_every=args.log_every or max(1, schedule.steps // 20))
    print(f"trained in {time.time() - started:.1f} s")
    rows = diag.layer_statistics(model, loss_fn, *splits.train, impl("a3_batchnorm.diagnostics:activation_stats"),
                                 impl("a3_batchnorm.diagnostics:gradient_stats"))
    print(diag.format_table(rows, ratios))
    try:
        for path in diag.write_plots(args.plots, rows, ratios):
            print(f"wrote {path}")
    except ImportError:
        print("matplotlib is not installed (pip install makemore-numpy[plot]): the statistics above are "
              "all there is", file=sys.stderr)
    losses = {split: evaluate(model, loss_fn, *getattr(splits, split)) for split in ("train", "dev", "test")}
    for split, loss in losses.items():
        print(f"{split:5s} loss {loss:.4f}")
    record_trained(args, losses)
    print("samples:", " ".join(sample(model, splits.vocab.itos, args.samples, seed=args.sample_seed)))
    return 0
