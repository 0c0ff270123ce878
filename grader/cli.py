"""The ``makemore`` command: grade, train, list for everyone; generate and fixtures where the reference is
installed (the kit's own); release, batch and gradescope-autograder where the instructor's tools are.

A student bundle (``makemore release``) has neither, so its ``makemore --help`` lists only what a student uses.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import sys
import time
from pathlib import Path

from grader import KIT_ROOT

STUDENT_ROOT = KIT_ROOT / "assignments"
REFERENCE_ROOT = KIT_ROOT / "reference"
LAST_GRADE = KIT_ROOT / ".makemore" / "last_grade.json"


def cmd_grade(args) -> int:
    from grader import report
    from grader.runner import grade_assignment
    from grader.specs import ASSIGNMENTS, resolve

    try:
        assignments = [resolve(name) for name in args.assignments] or list(ASSIGNMENTS.values())
    except KeyError as err:
        print(err.args[0], file=sys.stderr)
        return 2
    submission = REFERENCE_ROOT if args.reference else Path(args.submission or STUDENT_ROOT)
    if not submission.exists():
        print(f"{submission} does not exist", file=sys.stderr)
        return 2
    colour = report.use_colour()
    results = []
    for assignment in assignments:
        if not args.json_only and sys.stdout.isatty():
            print(f"grading {assignment.key} ({assignment.package}) ...", end="\r", flush=True)
        if args.submission:  # a student's folder, zip or notebook, as batch grading reads it
            results.append(grade_one_submission(assignment, submission, args))
        else:
            results.append(grade_assignment(assignment, submission, public_only=args.public_only))
    if not args.json_only:
        if sys.stdout.isatty():
            print("\r\033[K", end="")
        print(report.render(results, colour=colour, verbose=args.verbose))
    if args.json:
        report.write_json(results, args.json)
    if not args.reference and submission == STUDENT_ROOT:
        LAST_GRADE.parent.mkdir(exist_ok=True)
        LAST_GRADE.write_text(json.dumps({r.key: [r.score, r.max_score] for r in results}))
    failed = any(o.status != "passed" and o.status != "skipped" for r in results for o in r.outcomes)
    return 1 if args.strict and failed else 0


def grade_one_submission(assignment, entry: Path, args):
    """Normalise a folder, .zip, .ipynb or .py like ``makemore batch`` does, then grade it; what was
    noticed on the way (a missing module, another encoding, a syntax error) is printed first."""
    import tempfile

    from grader.runner import grade_assignment, unrunnable
    from grader.instructor.submissions import prepare

    with tempfile.TemporaryDirectory(prefix="makemore-grade-") as tmp:
        prepared = prepare(entry, assignment, tmp)
        if not args.json_only:
            for note in prepared.notes:
                print(f"{assignment.key}: note: {note}")
        if prepared.fatal:
            return unrunnable(assignment, prepared.fatal, args.public_only)
        return grade_assignment(assignment, prepared.folder, public_only=args.public_only)


def load_impl(target: str, use_reference: bool, submission: Path | None = None):
    """'a2_mlp.mlp:MLP' from the reference or from the student's folder (run in this process: your own code)."""
    module_name, _, attr = target.partition(":")
    if use_reference:
        module = importlib.import_module("reference." + module_name)
    else:
        root = str(submission or STUDENT_ROOT)
        if root not in sys.path:
            sys.path.insert(0, root)
        module = importlib.import_module(module_name)
    return getattr(module, attr)


def cmd_train(args) -> int:
    import numpy as np

    from grader.data import DataError, load_splits, load_words, split_words, Vocab
    from grader.training import Schedule, cast_params, evaluate, sample, train

    impl = lambda target: load_impl(target, args.reference, args.submission and Path(args.submission))
    try:
        if args.model == "bigram":
            words = load_words(args.data)
            vocab = Vocab.from_words(words)
            parts = dict(zip(("train", "dev", "test"), split_words(words, args.seed)))
            counts = impl("a1_bigram.counts:count_bigrams")(parts["train"], vocab.stoi)
            P = impl("a1_bigram.counts:bigram_probs")(counts, args.smoothing)
            nll = impl("a1_bigram.counts:bigram_nll")
            for split, ws in parts.items():
                print(f"{split:5s} nll {nll(P, ws, vocab.stoi):.4f}")
            full = impl("a1_bigram.counts:bigram_probs")(impl("a1_bigram.counts:count_bigrams")(words, vocab.stoi), args.smoothing)
            print(f"all names, counted on all names: nll {nll(full, words, vocab.stoi):.4f}")
            names = impl("a1_bigram.counts:sample_names")(P, list(vocab.itos), args.samples, np.random.default_rng(args.sample_seed))
            print("samples:", " ".join(names))
            return 0
        block_size = 1 if args.model == "bigram-net" else args.block_size
        splits = load_splits(args.data, block_size=block_size, seed=args.seed)
        rng = np.random.default_rng(args.init_seed)
        V = len(splits.vocab)
        if args.model == "bigram-net":
            model = impl("a1_bigram.bigram_net:BigramNet")(vocab_size=V, rng=rng)
            schedule = Schedule(steps=args.steps or 20_000, batch_size=args.batch_size or 128, lr=args.lr or 10.0,
                                lr_after_decay=(args.lr or 10.0) / 10, seed=args.seed)
        else:
            model = impl("a2_mlp.mlp:MLP")(vocab_size=V, block_size=block_size, n_embd=args.n_embd,
                                           n_hidden=args.n_hidden, rng=rng)
            schedule = Schedule(steps=args.steps or 200_000, batch_size=args.batch_size or 32, lr=args.lr or 0.1,
                                lr_after_decay=(args.lr or 0.1) / 10, seed=args.seed)
        loss_fn = impl("a1_bigram.cross_entropy:SoftmaxCrossEntropy")()
        n_params = sum(p.size for p in model.params.values())
        print(f"{args.model}: {n_params} parameters, {len(splits.train[0])} training examples, {schedule.steps} steps"
              f" in {args.dtype}")
        cast_params(model, np.dtype(args.dtype))
        started = time.time()
        log = lambda step, loss, lr: print(f"{step:7d}/{schedule.steps}: loss {loss:.4f}  lr {lr:g}", flush=True)
        train(model, loss_fn, *splits.train, schedule, log=log, log_every=args.log_every)
        print(f"trained in {time.time() - started:.1f} s")
        cast_params(model, np.float64)  # losses and samples in float64, whatever the training dtype
        for split in ("train", "dev", "test"):
            print(f"{split:5s} loss {evaluate(model, loss_fn, *getattr(splits, split)):.4f}")
        print("samples:", " ".join(sample(model, splits.vocab.itos, args.samples, seed=args.sample_seed)))
        return 0
    except NotImplementedError as err:
        print(f"not implemented yet: {err}\nrun `makemore grade` to see what is left", file=sys.stderr)
        return 1
    except DataError as err:
        print(f"data error: {err}", file=sys.stderr)
        return 2


def cmd_list(args) -> int:
    from grader.specs import ASSIGNMENTS

    last = json.loads(LAST_GRADE.read_text()) if LAST_GRADE.exists() else {}
    print(f"{'assignment':<12} {'title':<52} {'points':>6}  {'public':>6}  status")
    for a in ASSIGNMENTS.values():
        public = sum(c.points for c in a.checks if c.visibility == "public")
        folder = STUDENT_ROOT / a.package
        stubs = sum(f.read_text().count("raise NotImplementedError(") for f in folder.glob("*.py")) if folder.exists() else 0
        status = f"{stubs} stubs left" if stubs else "all written"
        if a.key in last:
            status += f", last grade {last[a.key][0]:g}/{last[a.key][1]:g}"
        print(f"{a.key + ' ' + a.package:<12} {a.title[:52]:<52} {a.max_points:>6g}  {public:>6g}  {status}")
    return 0


def cmd_generate(args) -> int:
    from grader import generate

    if args.check:
        problems = generate.stale()
        for p in problems:
            print(f"stale: {p}")
        print("assignments/ is up to date" if not problems else "run `makemore generate` to update assignments/")
        return 1 if problems else 0
    for path in generate.write():
        print(f"wrote {path.relative_to(KIT_ROOT)}")
    return 0


def cmd_fixtures(args) -> int:
    from grader import fixtures
    from grader.specs import ASSIGNMENTS

    status = 0
    for assignment in ASSIGNMENTS.values():
        if args.check:
            problems = fixtures.stale(assignment)
            if problems:
                status = 1
                print(f"{assignment.package}: stale fixtures: {', '.join(problems[:5])}")
        else:
            print(f"wrote {fixtures.write(assignment).relative_to(KIT_ROOT)}")
    return status


def cmd_bench(args) -> int:
    from grader import bench
    from grader.bench import report

    make = bench.quick_options if args.quick else bench.Options
    overrides = {"out": Path(args.out), "no_torch": args.no_torch, "models": tuple(args.models),
                 "class_size": args.class_size, "data": args.data}
    for name in ("threads", "batch_sizes", "dtypes"):
        if getattr(args, name):
            overrides[name] = tuple(getattr(args, name))
    if args.no_grading:
        overrides["grading"] = False
    if args.no_training:
        overrides["training"] = False
    if args.rounds:
        overrides["rounds"] = args.rounds
    options = make(**overrides)
    if options.models:
        from grader.bench.models import discover

        known = {m.name for m in discover()}
        unknown = [m for m in options.models if m not in known]
        if unknown:
            print(f"unknown model {', '.join(unknown)}; choose from {', '.join(sorted(known))}", file=sys.stderr)
            return 2
    options.log = lambda line: print(line, file=sys.stderr, flush=True)
    if args.from_json:  # the tables of an earlier run, nothing measured
        result = json.loads(Path(args.from_json).read_text())
        print(report.markdown(result))
    else:
        result = bench.run(options)
        print(report.markdown(result))
        print(f"wrote {options.out / 'bench.md'} and {options.out / 'bench.json'}", file=sys.stderr)
    if args.readme:
        if not bench.rewrite_readme(result):
            print("README.md has no makemore bench markers: nothing rewritten", file=sys.stderr)
            return 1
        print("rewrote the performance tables in README.md", file=sys.stderr)
    return 0


def cmd_release(args) -> int:
    from grader.instructor import release

    try:
        summary = release.build(Path(args.outdir), force=args.force)
    except release.ReleaseError as err:
        print(f"release failed: {err}", file=sys.stderr)
        return 1
    print(f"wrote the student bundle to {summary['out']}: {summary['files']} files, "
          f"{summary['hidden_checks_removed']} hidden checks removed, notebooks {', '.join(summary['notebooks'])}; "
          "no reference solution found in it")
    return 0


def cmd_batch(args) -> int:
    from grader.instructor import batch, gradebook, gradescope

    options = batch.Options(assignment=args.assignment, jobs=args.jobs, budget_seconds=args.timeout,
                            check_timeout=args.check_timeout, memory_mb=args.memory_mb, public_only=args.public_only)
    try:
        records = batch.run(args.submissions, args.out, options, resume=args.resume, fresh=args.fresh,
                            progress=not args.quiet)
    except (batch.BatchError, KeyError) as err:
        print(err.args[0], file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\ninterrupted: finished results are in {Path(args.out) / batch.RESULTS}; rerun with --resume",
              file=sys.stderr)
        return 130
    out = Path(args.out)
    gradebook.write_all(records, out, args.feedback_format)
    if args.format == "gradescope":
        gradescope.write_all(records, out)
    scores = [r["score"] for r in records.values()]
    print(f"{len(records)} students graded, mean {sum(scores) / max(1, len(scores)):.1f}: "
          f"{out / 'gradebook.csv'}, {out / 'feedback'}/, {out / 'summary.md'}"
          + (f", {out / 'gradescope'}/*/results.json" if args.format == "gradescope" else ""))
    return 0


def cmd_gradescope_autograder(args) -> int:
    from grader.instructor import gradescope

    try:
        path = gradescope.build_autograder(Path(args.out), args.assignment)
    except (KeyError, FileNotFoundError) as err:
        print(err.args[0], file=sys.stderr)
        return 2
    print(f"wrote {path}: upload it as the Gradescope autograder of {args.assignment}")
    return 0


def has_reference() -> bool:
    """The reference solutions are installed: the instructor's kit, not a student bundle."""
    return REFERENCE_ROOT.is_dir()


def has_instructor_tools() -> bool:
    """grader/instructor/batch.py is installed (a student bundle leaves it out)."""
    return importlib.util.find_spec("grader.instructor.batch") is not None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="makemore", description="makemore-numpy: backprop by hand, graded.")
    sub = parser.add_subparsers(dest="command", required=True)

    grade = sub.add_parser("grade", help="grade your code in assignments/ (or --submission PATH)")
    grade.add_argument("assignments", nargs="*", help="a1, a2, ... (default: all)")
    grade.add_argument("--submission", help="a student's folder (holding a1_bigram/, a2_mlp/, ... or flat .py "
                       "files), .zip or .ipynb (default: your assignments/)")
    grade.add_argument("--reference", action="store_true",
                       help="grade the reference solutions (instructors)" if has_reference() else argparse.SUPPRESS)
    grade.add_argument("--public-only", action="store_true", help="run only the checks students have")
    grade.add_argument("--json", metavar="FILE", help="also write every check's result as JSON")
    grade.add_argument("--json-only", action="store_true", help="print nothing (with --json)")
    grade.add_argument("--verbose", "-v", action="store_true", help="tracebacks, passed-check details, your prints")
    grade.add_argument("--strict", action="store_true", help="exit 1 when any check fails")
    grade.set_defaults(run=cmd_grade)

    train = sub.add_parser("train", help="train a model on the names, print the losses, sample names")
    train.add_argument("model", choices=("bigram", "bigram-net", "mlp"))
    train.add_argument("--reference", action="store_true", help="use the reference implementation")
    train.add_argument("--submission", help="folder holding your a1_bigram/, a2_mlp/ (default: assignments/)")
    train.add_argument("--data", help="a text file, one word per line (default: data/names.txt)")
    train.add_argument("--steps", type=int, help="SGD steps (default: 200000 for mlp, as the lecture)")
    train.add_argument("--batch-size", type=int)
    train.add_argument("--lr", type=float, help="learning rate, divided by 10 after half the steps")
    train.add_argument("--block-size", type=int, default=3)
    train.add_argument("--n-embd", type=int, default=10)
    train.add_argument("--n-hidden", type=int, default=200)
    train.add_argument("--smoothing", type=float, default=1.0, help="add-k smoothing of the bigram counts")
    train.add_argument("--seed", type=int, default=42, help="seed of the train/dev/test split and minibatches")
    train.add_argument("--init-seed", type=int, default=2147483647)
    train.add_argument("--sample-seed", type=int, default=2147483647 + 10)
    train.add_argument("--samples", type=int, default=20)
    train.add_argument("--log-every", type=int, default=10_000)
    train.add_argument("--dtype", choices=("float32", "float64"), default="float32",
                       help="the parameters' dtype while training (default float32: steps 1.7-2.8x faster; the "
                       "lecture's MLP run gives the same losses to four decimals; losses are evaluated in float64, "
                       "and the grader always uses float64)")
    train.set_defaults(run=cmd_train)

    listing = sub.add_parser("list", help="the assignments, their points and your progress")
    listing.set_defaults(run=cmd_list)

    if has_reference():
        add_kit_commands(sub)
    if has_instructor_tools():
        add_instructor_commands(sub)
    return parser


def add_kit_commands(sub) -> None:
    """generate and fixtures: they write files from the reference, so only the instructor's kit has them."""
    gen = sub.add_parser("generate", help="(kit) write assignments/ from reference/")
    gen.add_argument("--check", action="store_true", help="only report whether assignments/ is up to date")
    gen.set_defaults(run=cmd_generate)

    fix = sub.add_parser("fixtures", help="(kit) rebuild the golden fixtures of the public checks")
    fix.add_argument("--check", action="store_true", help="only report whether they are up to date")
    fix.set_defaults(run=cmd_fixtures)

    ben = sub.add_parser("bench", help="(kit) time the reference's training against PyTorch, grading and batch "
                         "grading; write Markdown and JSON")
    ben.add_argument("--quick", action="store_true", help="a few seconds: one thread, batch 32, float32, "
                     "no training runs, no grading")
    ben.add_argument("--out", default=str(KIT_ROOT / ".makemore" / "bench"), help="folder for bench.md and bench.json")
    ben.add_argument("--readme", action="store_true", help="rewrite README.md's performance tables from this run")
    ben.add_argument("--no-torch", action="store_true", help="time NumPy alone even if PyTorch is installed")
    ben.add_argument("--models", nargs="+", default=[], help="only these models (default: every registered one)")
    ben.add_argument("--threads", type=int, nargs="+", help="BLAS/torch thread counts (default 1 2)")
    ben.add_argument("--batch-sizes", type=int, nargs="+", help="(default 32 256)")
    ben.add_argument("--dtypes", nargs="+", choices=("float32", "float64"), help="(default float32 float64)")
    ben.add_argument("--rounds", type=int, help="interleaved timing rounds per figure (default 31)")
    ben.add_argument("--no-training", action="store_true", help="skip the full `makemore train` runs")
    ben.add_argument("--no-grading", action="store_true", help="skip `makemore grade` and the batch throughput")
    ben.add_argument("--class-size", type=int, default=40, help="generated submissions for the batch throughput")
    ben.add_argument("--data", help="word list for the training runs (default: data/names.txt)")
    ben.add_argument("--from-json", metavar="FILE", help="measure nothing: print (and with --readme, write) the "
                     "tables of an earlier run's bench.json")
    ben.set_defaults(run=cmd_bench)


def add_instructor_commands(sub) -> None:
    """release, batch, gradescope-autograder: the instructor's tools (grader/instructor/)."""
    rel = sub.add_parser("release", help="(instructors) write the student bundle: stubs, data, public grader, notebooks")
    rel.add_argument("outdir")
    rel.add_argument("--force", action="store_true", help="replace OUTDIR if it is not empty")
    rel.set_defaults(run=cmd_release)

    bat = sub.add_parser("batch", help="(instructors) grade a folder of submissions, one student per entry")
    bat.add_argument("submissions", help="folder: each entry is a student (a folder of .py files, a .zip, an .ipynb)")
    bat.add_argument("--assignment", "-a", required=True, help="a1, a2, ...")
    bat.add_argument("--out", required=True, help="results folder (results.jsonl, gradebook.csv, feedback/, summary.md)")
    bat.add_argument("-j", "--jobs", type=int, default=1, help="submissions graded in parallel")
    bat.add_argument("--resume", action="store_true", help="grade only the students without a result yet")
    bat.add_argument("--fresh", action="store_true", help="discard earlier results and start over")
    bat.add_argument("--timeout", type=float, default=120.0, help="wall-clock seconds for one submission (default 120)")
    bat.add_argument("--check-timeout", type=float, help="cap on every check's own wall-clock limit (seconds)")
    bat.add_argument("--memory-mb", type=int, default=2048, help="memory limit of a student's process")
    bat.add_argument("--public-only", action="store_true", help="run only the public checks")
    bat.add_argument("--format", choices=("default", "gradescope"), default="default",
                     help="gradescope: also write gradescope/STUDENT/results.json")
    bat.add_argument("--feedback-format", choices=("md", "html"), default="md")
    bat.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    bat.set_defaults(run=cmd_batch)

    gsa = sub.add_parser("gradescope-autograder", help="(instructors) build the Gradescope autograder zip")
    gsa.add_argument("out", help="the zip to write, e.g. autograder_a2.zip")
    gsa.add_argument("--assignment", "-a", default="a2")
    gsa.set_defaults(run=cmd_gradescope_autograder)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
