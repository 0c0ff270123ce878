"""The ``makemore`` command: doctor, init, grade, train, list for everyone; generate and fixtures where the
reference is installed (the kit's own); release, batch and gradescope-autograder where the instructor's tools are.

Which folder is graded (``graded_folder``): --submission if given; else the folder ``makemore`` runs in when it
holds assignments (a folder made by ``makemore init``, or its assignments/); else the checkout's assignments/.

A student bundle (``makemore release``) has neither, so its ``makemore --help`` lists only what a student uses.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import sys
import time
from pathlib import Path

from grader import KIT_ROOT

STUDENT_ROOT = KIT_ROOT / "assignments"
REFERENCE_ROOT = KIT_ROOT / "reference"


class NoAssignments(Exception):
    """No folder of assignments here to grade; the message says how to start one."""


def holds_assignments(folder: Path) -> bool:
    """``folder`` has at least one assignment's package (a1_bigram/, a2_mlp/, ...) in it."""
    from grader.specs import ASSIGNMENTS

    return any((folder / a.package).is_dir() for a in ASSIGNMENTS.values())


def running_from_checkout() -> bool:
    """The kit runs from its own checkout (editable install), not from a wheel in site-packages."""
    from grader.sandbox.parent import installed_in_site_packages

    return not installed_in_site_packages()


def graded_folder(submission: str | None = None, cwd: Path | None = None) -> Path:
    """The folder of student code to grade or train: ``submission`` if given; else the current folder when it
    holds assignments, or its assignments/ (a folder made by ``makemore init``); else the checkout's
    assignments/. Raises NoAssignments when there is none."""
    if submission:
        return Path(submission)
    cwd = Path.cwd() if cwd is None else cwd
    for folder in (cwd / "assignments", cwd):
        if holds_assignments(folder):
            return folder.resolve()
    if running_from_checkout() and STUDENT_ROOT.is_dir():
        return STUDENT_ROOT
    raise NoAssignments(f"no assignments in {cwd}: start a folder of your own with `makemore init FOLDER`, "
                        "then run makemore inside it")


def last_grade_file(folder: Path) -> Path:
    """Where ``makemore list`` finds the last grade of each assignment of ``folder``: beside it, in .makemore/;
    under MAKEMORE_STATE_DIR instead where that is set (the kit's tests: never in the checkout they test)."""
    root = folder.parent if folder.name == "assignments" else folder
    state = os.environ.get("MAKEMORE_STATE_DIR")
    if state:
        import hashlib

        return Path(state) / hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16] / "last_grade.json"
    return root / ".makemore" / "last_grade.json"


def cmd_grade(args) -> int:
    from grader import report, selection
    from grader.specs import ASSIGNMENTS, resolve

    try:  # 'a2 linear': a2's Linear and what it depends on (grader/selection.py)
        targets = selection.parse(args.assignments, ASSIGNMENTS, resolve) or [(a, []) for a in ASSIGNMENTS.values()]
        chosen = [(assignment, names, selection.select(assignment, names)) for assignment, names in targets]
    except selection.UnknownName as err:
        print(err, file=sys.stderr)
        return 2
    try:
        submission = REFERENCE_ROOT if args.reference else graded_folder(args.submission)
    except NoAssignments as err:
        print(err, file=sys.stderr)
        return 2
    if not submission.exists():
        print(f"{submission} does not exist", file=sys.stderr)
        return 2
    require_posix()
    colour = report.use_colour()
    grade = lambda assignment, checks: grade_selection(assignment, checks, submission, args)  # noqa: E731
    if args.watch:
        from grader import watch

        def show(results):
            print(report.render(results, colour=colour, verbose=args.verbose), flush=True)

        print(graded_line(submission, bool(args.submission)))
        return watch.watch(targets, submission, grade, show)
    results = []
    for assignment, names, checks in chosen:
        if not args.json_only and sys.stdout.isatty():
            print(f"grading {assignment.key} ({assignment.package}) ...", end="\r", flush=True)
        results.append(grade(assignment, checks))
    if not args.json_only:
        if sys.stdout.isatty():
            print("\r\033[K", end="")
        print(graded_line(submission, bool(args.submission)))
        # every assignment at once: a line each for those not started or done, the full report for the rest
        show = report.overview if len(results) > 1 and not args.assignments else report.render
        print(show(results, colour=colour, verbose=args.verbose))
        for assignment, names, checks in chosen:
            if checks is not None:
                depend = "it depends" if len(names) == 1 else "they depend"
                print(f"{assignment.key}: graded {' '.join(names)} and what {depend} on ({len(checks)} of "
                      f"{len(assignment.checks)} checks); `makemore grade {assignment.key}` grades them all")
        if not args.reference:
            print(hints_taken_line(submission, [r.key for r in results]))
            from grader import solution

            for line in solution.offers(chosen, results):  # a unit just passed: its reference may be read
                print(line)
    if args.json:
        report.write_json(results, args.json)
    whole = [r for r, (_, _, checks) in zip(results, chosen) if checks is None]
    if not args.reference and not args.submission and whole:  # a part of an assignment is not its grade
        last = last_grade_file(submission)
        try:
            last.parent.mkdir(parents=True, exist_ok=True)
            grades = json.loads(last.read_text()) if last.exists() else {}  # keeps the assignments not graded now
            grades = grades if isinstance(grades, dict) else {}
            grades.update({r.key: [r.score, r.max_score] for r in whole})
            last.write_text(json.dumps(grades))
        except (OSError, ValueError):  # read-only, or garbled: the grade was printed, the note is a nicety
            pass
    if not args.reference and not args.submission:  # .makemore/progress.json: best, last, units passed
        from grader import progress

        for result, (assignment, _, checks) in zip(results, chosen):
            progress.record_grade(submission, assignment, result, whole=checks is None)
    failed = any(o.status != "passed" and o.status != "skipped" for r in results for o in r.outcomes)
    return 1 if args.strict and failed else 0


def grade_selection(assignment, checks, submission: Path, args):
    """Grade ``checks`` of ``assignment`` (names, or None for all) in ``submission``: a student's folder, zip
    or notebook read as batch grading reads it (--submission), else the folder of assignments itself."""
    from grader.runner import grade_assignment

    if args.submission:
        return grade_one_submission(assignment, submission, args, checks)
    return grade_assignment(assignment, submission, public_only=args.public_only, checks=checks)
def hints_taken_line(folder: Path, keys: list[str]) -> str:
    """How many hint levels were shown for these assignments (``makemore hint``); they never change a score."""
    from grader import hints

    taken = hints.taken(folder)
    counts = [f"{key} {taken[key]}" for key in keys if taken.get(key)]
    return ("hints taken: " + ", ".join(counts) if counts else "hints taken: none") + \
        " (`makemore hint aN NAME` shows the next one; hints never change your score)"


def cmd_hint(args) -> int:
    from grader import hints

    try:
        root = hints.default_root() if args.folder is None else Path(args.folder)
        text = (hints.next_hint(args.assignment, args.function, root) if args.function
                else hints.listing(args.assignment, root))
    except hints.HintError as err:
        print(err.args[0], file=sys.stderr)
        return 2
    print(text)
    return 0


def cmd_solution(args) -> int:
    """``makemore solution a2 linear``: the reference beside your unit once it passes (grader/solution.py)."""
    from grader import solution

    try:
        folder = graded_folder(args.submission)
    except NoAssignments as err:
        print(err, file=sys.stderr)
        return 2
    status, text = solution.run(args.assignment, args.unit, folder, give_up=args.give_up, yes=args.yes)
    print(text, file=sys.stderr if status == 2 else sys.stdout)
    return status


def graded_line(submission: Path, is_entry: bool) -> str:
    """The report's first line: what was graded, so grading the wrong folder never goes unnoticed."""
    where = Path(submission).resolve()
    if where == STUDENT_ROOT.resolve():
        return f"graded {where} (the kit's assignments/; pass --submission PATH to grade another folder)"
    if where == REFERENCE_ROOT.resolve():
        return f"graded {where} (the reference solutions)"
    return f"graded {where}" + (" (read as a submission)" if is_entry else "")


def grade_one_submission(assignment, entry: Path, args, checks=None):
    """Normalise a folder, .zip, .ipynb or .py like ``makemore batch`` does, then grade it; what was
    noticed on the way (a missing module, another encoding, a syntax error) is printed first."""
    import tempfile

    from grader.instructor.submissions import grade

    with tempfile.TemporaryDirectory(prefix="makemore-grade-") as tmp:
        prepared, result = grade(entry, assignment, tmp, args.public_only, checks=checks)
        if not args.json_only:
            for note in prepared.notes:
                print(f"{assignment.key}: note: {note}")
        if checks is not None:  # an unreadable submission's result lists every check: keep those asked for
            result.outcomes = [o for o in result.outcomes if o.name in checks]
        return result


def load_impl(target: str, use_reference: bool, submission: Path | None = None):
    """'a2_mlp.mlp:MLP' from the reference or from the student's folder (run in this process: your own code)."""
    from grader.targets import load

    return load(target, reference=True) if use_reference else load(target, root=submission or graded_folder())


def cmd_train(args) -> int:
    from grader.data import DataError

    impl = lambda target: load_impl(target, args.reference, args.submission and Path(args.submission))
    try:
        if args.model == "bigram":
            return train_bigram_counts(args, impl)
        return train_registered(args, impl)
    except NotImplementedError as err:
        print(f"not implemented yet: {err}\nrun `makemore grade` to see what is left", file=sys.stderr)
        return 1
    except DataError as err:
        print(f"data error: {err}", file=sys.stderr)
        return 2
    except NoAssignments as err:
        print(err, file=sys.stderr)
        return 2


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


def cmd_compare(args) -> int:
    from grader import compare

    try:
        return compare.run(args, lambda target: load_impl(target, args.reference,
                                                          args.submission and Path(args.submission)))
    except NotImplementedError as err:
        print(f"not implemented yet: {err}\nrun `makemore grade` to see what is left", file=sys.stderr)
        return 1
    except NoAssignments as err:
        print(err, file=sys.stderr)
        return 2


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

    if args.reference or args.submission or args.model not in {m.name for m in models.all_models()}:
        return
    entry = models.get(args.model)
    try:
        progress.record_training(graded_folder(), entry.assignment, entry.name, losses, entry.goal)
    except NoAssignments:
        pass


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


def full_totals() -> dict[str, float]:
    """Assignment key -> its full points, hidden checks included: from the specs in the instructor's kit, from
    grader/totals.json (written by `makemore release`) in a student bundle, whose specs hold no hidden check."""
    from grader.specs import ASSIGNMENTS

    recorded = KIT_ROOT / "grader" / "totals.json"
    totals = json.loads(recorded.read_text()) if recorded.exists() else {}
    return {key: totals.get(key, a.max_points) for key, a in ASSIGNMENTS.items()}


def table(rows: list[tuple[str, ...]], align: str) -> list[str]:
    """Lines of a plain-text table, each column as wide as its widest cell (header included), two spaces
    between columns; align holds one '<' (left) or '>' (right) per column. The last column is not padded."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(align))]
    return ["  ".join(f"{cell:{a}{w}}" for cell, a, w in zip(row, align, widths)).rstrip() for row in rows]


def cmd_list(args) -> int:
    from grader.specs import ASSIGNMENTS

    try:
        root = graded_folder()
    except NoAssignments as err:
        print(err, file=sys.stderr)
        return 2
    if args.next:
        from grader import progress

        print(progress.next_step(root))
        return 0
    last_file = last_grade_file(root)
    last = json.loads(last_file.read_text()) if last_file.exists() else {}
    totals = full_totals()
    from grader.hints import taken as hints_taken

    taken = hints_taken(root)
    print(f"your code: {root}")
    rows = [("assignment", "title", "local", "total", "status")]
    hidden_anywhere = False
    for a in ASSIGNMENTS.values():
        public = sum(c.points for c in a.checks if c.visibility == "public")
        hidden_anywhere |= totals[a.key] > public
        folder = root / a.package
        stubs = sum(f.read_text().count("raise NotImplementedError(") for f in folder.glob("*.py")) if folder.exists() else 0
        status = f"{stubs} stubs left" if stubs else "all written"
        if a.key in last:
            status += f", last grade {last[a.key][0]:g}/{last[a.key][1]:g}"
        if taken.get(a.key):
            status += f", {taken[a.key]} hint{'s' if taken[a.key] > 1 else ''} taken"
        rows.append((f"{a.key} {a.package}", a.title, f"{public:g}", f"{totals[a.key]:g}", status))
    print("\n".join(table(rows, align="<<>><")))
    if hidden_anywhere:
        print("local: the points of the checks you run here; total: with the hidden checks your instructor's "
              "grader runs (comparisons with the reference on generated inputs)")
    from grader import progress  # .makemore/progress.json: what grade, hint, solution and train recorded

    print("\n" + "\n".join(table(progress.rows(root), align="<>>>><")) + "\n" + progress.next_step(root))
    return 0


def cmd_generate(args) -> int:
    from grader import generate

    if args.check:
        problems = generate.stale()
        for p in problems:
            print(f"stale: {p}")
        print("assignments/ is up to date" if not problems else "run `makemore generate` to update assignments/")
        return 1 if problems else 0
    try:
        written = generate.write(force=args.force)
    except generate.EditedFiles as err:
        print("not written: these files hold edits (your solutions?) that generate would overwrite:", file=sys.stderr)
        for path in err.paths:
            print(f"  {path.relative_to(KIT_ROOT)}", file=sys.stderr)
        print("pass --force to overwrite them (a copy is kept under .makemore/backup/)", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path.relative_to(KIT_ROOT)}")
    backups = generate.backup_folders()
    if args.force and backups and written:
        print(f"edited files were backed up to {backups[-1].relative_to(KIT_ROOT)}/")
    return 0


def cmd_fixtures(args) -> int:
    from grader import fixtures
    from grader.specs import ASSIGNMENTS, resolve

    status = 0
    chosen = [resolve(name) for name in args.assignments] if args.assignments else list(ASSIGNMENTS.values())
    for assignment in chosen:
        problems = fixtures.stale(assignment)
        if args.check:
            if problems:
                status = 1
                print(f"{assignment.package}: stale fixtures: {', '.join(problems[:5])}")
        elif problems:  # rewriting an up-to-date file would only churn its bytes (another BLAS's last digit)
            print(f"wrote {fixtures.write(assignment).name}")
        else:
            print(f"{fixtures.fixture_path(assignment).name} is up to date")
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
    if args.feedback_only:
        overrides.update(steps=False, training=False, grading=False, feedback=True)
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
        if args.grading_json:  # its grading figures from another run (e.g. measured on a quieter machine)
            result = report.merge_grading(result, json.loads(Path(args.grading_json).read_text()))
        print(report.markdown(result))
    else:
        result = bench.run(options)
        print(report.markdown(result))
        print(f"wrote {options.out / 'bench.md'} and {options.out / 'bench.json'}", file=sys.stderr)
    if args.readme:
        if not bench.rewrite_readme(result):
            print("docs/performance.md has no makemore bench markers: nothing rewritten", file=sys.stderr)
            return 1
        print("rewrote the performance tables in docs/performance.md", file=sys.stderr)
    return 0


def cmd_release(args) -> int:
    from grader.instructor import release

    try:
        summary = release.build(Path(args.outdir), force=args.force, kit=args.kit, hints=args.hints,
                                solutions=args.solutions,
                                github_classroom=args.github_classroom, classroom_assignments=args.classroom_assignment)
    except release.ReleaseError as err:
        print(f"release failed: {err}", file=sys.stderr)
        return 1
    print(f"wrote the student bundle to {summary['out']}: {summary['files']} files, "
          f"{summary['hidden_checks_removed']} hidden checks removed, notebooks {', '.join(summary['notebooks'])}; "
          f"hint policy {summary['hints']}; solutions {summary['solutions']}; no reference solution found in it")
    return 0


def cmd_batch(args) -> int:
    from grader.instructor import batch, gradebook, gradescope

    options = batch.Options(assignment=args.assignment, jobs=args.jobs, budget_seconds=args.timeout,
                            check_timeout=args.check_timeout, memory_mb=args.memory_mb, public_only=args.public_only)
    try:
        records = batch.run(args.submissions, args.out, options, resume=args.resume, fresh=args.fresh,
                            progress=not args.quiet, only=args.only)
    except (batch.BatchError, KeyError) as err:
        print(err.args[0], file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\ninterrupted: finished results are in {Path(args.out) / batch.RESULTS}; rerun with --resume",
              file=sys.stderr)
        return 130
    out = Path(args.out)
    warnings: list[str] = []
    try:
        gradebook.write_all(records, out, args.feedback_format, roster=Path(args.roster) if args.roster else None,
                            warnings=warnings)
    except (OSError, ValueError) as err:
        print(f"roster: {err}", file=sys.stderr)
        return 2
    for warning in warnings:
        print(f"warning: roster: {warning}", file=sys.stderr)
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


def cmd_doctor(args) -> int:
    from grader import doctor

    diagnosis = doctor.diagnose()
    print(doctor.render(diagnosis))
    return 0 if diagnosis.works else 1


def cmd_init(args) -> int:
    from grader import workfolder

    try:
        written = workfolder.init(Path(args.folder))
    except workfolder.InitError as err:
        print(f"init failed: {err}", file=sys.stderr)
        return 2
    folder = Path(args.folder).resolve()
    print(f"started {folder}: {len(written)} files (assignments/, notebooks/, README.md)\n"
          f"next: cd {args.folder} && makemore doctor && makemore grade")
    return 0


def require_posix() -> None:
    from grader.sandbox.platforms import require_posix as check

    check()


def has_reference() -> bool:
    """The reference solutions are installed: the instructor's kit, not a student bundle."""
    return REFERENCE_ROOT.is_dir()


def has_instructor_tools() -> bool:
    """grader/instructor/batch.py is installed (a student bundle leaves it out)."""
    return importlib.util.find_spec("grader.instructor.batch") is not None


def build_parser() -> argparse.ArgumentParser:
    from grader import models

    parser = argparse.ArgumentParser(prog="makemore", description="makemore-numpy: backprop by hand, graded.")
    sub = parser.add_subparsers(dest="command", required=True)

    doctor = sub.add_parser("doctor", help="will grading work on this machine? (run it first)")
    doctor.set_defaults(run=cmd_doctor)

    init = sub.add_parser("init", help="start a folder of your own: the stubs, the notebooks, a README")
    init.add_argument("folder")
    init.set_defaults(run=cmd_init)

    grade = sub.add_parser("grade", help="grade your code (this folder's assignments, or --submission PATH)")
    grade.add_argument("assignments", nargs="*", metavar="ASSIGNMENT [UNIT ...]",
                       help="a1, a2, ... (default: all), each followed by units, files or checks of it to grade "
                       "alone, with what they depend on: a2 linear, a2 linear.gradcheck, a4 dW2")
    grade.add_argument("--submission", help="a student's folder (holding a1_bigram/, a2_mlp/, ... or flat .py "
                       "files), .zip or .ipynb (default: your assignments/)")
    grade.add_argument("--reference", action="store_true",
                       help="grade the reference solutions (instructors)" if has_reference() else argparse.SUPPRESS)
    grade.add_argument("--public-only", action="store_true", help="run only the checks students have")
    grade.add_argument("--json", metavar="FILE", help="also write every check's result as JSON")
    grade.add_argument("--json-only", action="store_true", help="print nothing (with --json)")
    grade.add_argument("--verbose", "-v", action="store_true", help="tracebacks, passed-check details, your prints")
    grade.add_argument("--strict", action="store_true", help="exit 1 when any check fails")
    grade.add_argument("--watch", action="store_true", help="grade again each time you save a file of the "
                       "assignment, the unit you edited first (Ctrl-C stops)")
    grade.set_defaults(run=cmd_grade)

    train = sub.add_parser("train", help="train a model on the names, print the losses, sample names",
                           description="Train a model of the course on the names with the lecture's sizes and "
                           "schedule (grader/models/), print the losses and sample names.",
                           epilog="models:\n  bigram (a1): the counts, smoothed, no training\n" + "\n".join(
                               "  " + m.help_line() for m in models.all_models()),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    train.add_argument("model", choices=("bigram", *(m.name for m in models.all_models())))
    train.add_argument("--reference", action="store_true", help="use the reference implementation")
    train.add_argument("--submission", help="folder holding your a1_bigram/, a2_mlp/, a6_rnn/ (default: assignments/)")
    train.add_argument("--data", help="a text file, one word per line (default: data/names.txt)")
    train.add_argument("--steps", type=int, help="optimiser steps (default: the model's lecture's, below)")
    train.add_argument("--batch-size", type=int)
    train.add_argument("--lr", type=float, help="learning rate (default: the model's, below); SGD's is divided by "
                       "10 after the lecture's fraction of the steps, AdamW's is constant, as makemore.py's")
    for size in sorted({k for m in models.all_models() for k in m.sizes}):
        users = ", ".join(m.name for m in models.all_models() if size in m.sizes)
        train.add_argument("--" + size.replace("_", "-"), type=int, dest=size,
                           help=f"{users} (default: the model's lecture's, below)")
    train.add_argument("--plots", metavar="DIR", help="mlp_bn: write the lecture's diagnostics (activation and "
                       "gradient histograms per layer, update-to-data ratios per step) as PNGs into DIR; "
                       "without matplotlib they print as a table")
    train.add_argument("--tokenizer", choices=("char", "bpe"), default="char", help="rnn/gru/lstm/transformer: "
                       "characters, or your a8 RegexTokenizer's tokens trained on the training names (the loss is "
                       "also reported per character)")
    train.add_argument("--vocab-size", type=int, default=512, help="--tokenizer bpe: the tokenizer's vocab_size")
    train.add_argument("--weight-decay", type=float, default=0.01, help="AdamW's decoupled weight decay")
    train.add_argument("--smoothing", type=float, default=1.0, help="add-k smoothing of the bigram counts")
    train.add_argument("--seed", type=int, default=42, help="seed of the train/dev/test split and minibatches "
                       "(rnn/gru/lstm: makemore.py's train/test split)")
    train.add_argument("--init-seed", type=int, default=2147483647)
    train.add_argument("--sample-seed", type=int, default=2147483647 + 10)
    train.add_argument("--samples", type=int, default=20)
    train.add_argument("--log-every", type=int, help="steps between report lines with the dev loss (default: 1/20 of the run)")
    train.add_argument("--csv", metavar="FILE", help="write the report lines (step, train, dev, lr, seconds) as CSV")
    train.add_argument("--plot", metavar="FILE", help="draw the loss curve (smoothed train and dev) as a PNG; needs matplotlib")
    train.add_argument("--dtype", choices=("float32", "float64"), default="float32",
                       help="the parameters' dtype while training (default float32: steps 1.7-2.8x faster; the "
                       "lecture's MLP run gives the same losses to four decimals; losses are evaluated in float64, "
                       "and the grader always uses float64)")
    train.set_defaults(run=cmd_train)

    comp = sub.add_parser("compare", help="your model beside PyTorch's: the same weights, one minibatch, every "
                          "value and gradient compared (needs torch)")
    comp.add_argument("assignment", help="a1 ... a7, or a model name (gru)")
    comp.add_argument("--model", help="one of the assignment's models (a6: rnn, gru, lstm)")
    comp.add_argument("--reference", action="store_true", help="compare the reference instead of your code")
    comp.add_argument("--submission", help="folder holding your assignments (default: assignments/)")
    comp.add_argument("--steps", type=int, default=0, help="then train both side by side for N steps")
    comp.add_argument("--batch-size", type=int, default=32)
    comp.add_argument("--seed", type=int, default=0, help="seed of the initial weights and the minibatches")
    comp.add_argument("--plot", metavar="FILE", help="with --steps: the two loss curves as a PNG (matplotlib)")
    comp.add_argument("--json", metavar="FILE", help="write every row (and the curves) as JSON")
    comp.add_argument("--json-only", action="store_true", help="print nothing (with --json)")
    comp.set_defaults(run=cmd_compare)

    listing = sub.add_parser("list", help="the assignments, their points and your progress")
    listing.add_argument("--next", action="store_true", help="what to do next: the first unit not passed yet")
    listing.set_defaults(run=cmd_list)

    hint = sub.add_parser("hint", help="the next hint for a function (a3 batchnorm.backward); no NAME: the list")
    hint.add_argument("assignment", help="a1, a2, ...")
    hint.add_argument("function", nargs="?", help="BatchNorm1d.backward, batchnorm.backward, dlogprobs, ...")
    hint.add_argument("--folder", help="your work folder, where the hints shown are remembered "
                      "(default: the folder makemore grade grades)")
    hint.set_defaults(run=cmd_hint)
    from grader import solution

    solution.add_command(sub, cmd_solution)

    if has_reference():
        add_kit_commands(sub)
    if has_instructor_tools():
        add_instructor_commands(sub)
    return parser


def add_kit_commands(sub) -> None:
    """generate and fixtures: they write files from the reference, so only the instructor's kit has them."""
    gen = sub.add_parser("generate", help="(kit) write assignments/ from reference/")
    gen.add_argument("--check", action="store_true", help="only report whether assignments/ is up to date")
    gen.add_argument("--force", action="store_true", help="overwrite edited files too (a copy is kept in .makemore/backup/)")
    gen.set_defaults(run=cmd_generate)

    fix = sub.add_parser("fixtures", help="(kit) rebuild the golden fixtures of the public checks")
    fix.add_argument("assignments", nargs="*", help="a1, a2, ... (default: every assignment)")
    fix.add_argument("--check", action="store_true", help="only report whether they are up to date")
    fix.set_defaults(run=cmd_fixtures)

    ben = sub.add_parser("bench", help="(kit) time the reference's training against PyTorch, grading and batch "
                         "grading; write Markdown and JSON")
    ben.add_argument("--quick", action="store_true", help="a few seconds: one thread, batch 32, float32, "
                     "no training runs, no grading")
    ben.add_argument("--out", default=str(KIT_ROOT / ".makemore" / "bench"), help="folder for bench.md and bench.json")
    ben.add_argument("--readme", action="store_true", help="rewrite the tables of docs/performance.md from this run")
    ben.add_argument("--no-torch", action="store_true", help="time NumPy alone even if PyTorch is installed")
    ben.add_argument("--models", nargs="+", default=[], help="only these models (default: every registered one)")
    ben.add_argument("--threads", type=int, nargs="+", help="BLAS/torch thread counts (default 1 2)")
    ben.add_argument("--batch-sizes", type=int, nargs="+", help="(default 32 256)")
    ben.add_argument("--dtypes", nargs="+", choices=("float32", "float64"), help="(default float32 float64)")
    ben.add_argument("--rounds", type=int, help="interleaved timing rounds per figure (default 31)")
    ben.add_argument("--no-training", action="store_true", help="skip the full `makemore train` runs")
    ben.add_argument("--no-grading", action="store_true", help="skip `makemore grade` and the batch throughput")
    ben.add_argument("--feedback-only", action="store_true", help="only `makemore grade a2 linear` and "
                     "`makemore grade a2` against `python -c 'import numpy'` (ratios, with the load)")
    ben.add_argument("--class-size", type=int, default=40, help="generated submissions for the batch throughput")
    ben.add_argument("--data", help="word list for the training runs (default: data/names.txt)")
    ben.add_argument("--from-json", metavar="FILE", help="measure nothing: print (and with --readme, write) the "
                     "tables of an earlier run's bench.json")
    ben.add_argument("--grading-json", metavar="FILE", help="with --from-json: take the grading and batch figures "
                     "from this other run's bench.json (labelled with its time and load)")
    ben.set_defaults(run=cmd_bench)


def add_instructor_commands(sub) -> None:
    """release, batch, gradescope-autograder: the instructor's tools (grader/instructor/)."""
    rel = sub.add_parser("release", help="(instructors) write the student bundle: stubs, data, public grader, notebooks")
    rel.add_argument("outdir")
    rel.add_argument("--force", action="store_true", help="replace OUTDIR if it is not empty")
    rel.add_argument("--hints", choices=("none", "ideas", "steps", "all"), default="steps",
                     help="the hint levels the bundle carries: none, ideas (level 1), steps (levels 1-2, the "
                     "default) or all (3: the closed forms); docs/hints.md")
    rel.add_argument("--solutions", choices=("never", "after-deadline"), default="never",
                     help="the bundle never holds a solution; after-deadline: `makemore solution` tells students "
                     "you will publish them after the deadline (docs/self-learning.md)")
    rel.add_argument("--kit", help="what the notebooks' setup cell pip-installs on Colab/JupyterHub, where no kit is "
                                   "beside the notebook: your course's wheel URL or git URL (the kit is not on PyPI; "
                                   "default: the setup cell asks the student to set it)")
    rel.add_argument("--github-classroom", action="store_true", help="add .github/workflows/classroom.yml: GitHub "
                     "Classroom grades each push with the public checks, points per check")
    rel.add_argument("--classroom-assignment", action="append", metavar="A",
                     help="with --github-classroom: grade only this assignment on a push (repeatable; default all)")
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
    bat.add_argument("--only", action="append", metavar="STUDENT",
                     help="regrade this student in place (repeatable); the other results are kept")
    bat.add_argument("--roster", metavar="CSV", help="students (id, name, email): the gradebook lists every one, "
                     "0 for a missing submission, and grades_import.csv is written for Canvas/Moodle")
    bat.set_defaults(run=cmd_batch)

    gsa = sub.add_parser("gradescope-autograder", help="(instructors) build the Gradescope autograder zip")
    gsa.add_argument("out", help="the zip to write, e.g. autograder_a2.zip")
    gsa.add_argument("--assignment", "-a", default="a2")
    gsa.set_defaults(run=cmd_gradescope_autograder)

    from grader.instructor import prairielearn

    prairielearn.add_command(sub)


def main(argv: list[str] | None = None) -> int:
    from grader.sandbox.platforms import UnsupportedPlatform

    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except UnsupportedPlatform as err:  # native Windows: one clear message, no traceback
        print(f"makemore: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
