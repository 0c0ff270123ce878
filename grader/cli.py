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
    from grader import train_cli
    from grader.data import DataError

    impl = lambda target: load_impl(target, args.reference, args.submission and Path(args.submission))
    args.progress_folder = None  # where your trained losses are recorded (.makemore/progress.json)
    if not args.reference and not args.submission:
        try:
            args.progress_folder = graded_folder()
        except NoAssignments:
            pass
    try:
        if args.model == "bigram":
            return train_cli.train_bigram_counts(args, impl)
        return train_cli.train_registered(args, impl)
    except NotImplementedError as err:
        print(f"not implemented yet: {err}\nrun `makemore grade` to see what is left", file=sys.stderr)
        return 1
    except DataError as err:
        print(f"data error: {err}", file=sys.stderr)
        return 2
    except NoAssignments as err:
        print(err, file=sys.stderr)
        return 2


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
        from grader.kit_cli import add_kit_commands

        add_kit_commands(sub)
    if has_instructor_tools():
        from grader.instructor.cli import add_instructor_commands

        add_instructor_commands(sub)
    return parser


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
