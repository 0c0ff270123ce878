"""The instructor's commands (only where grader/instructor/ is installed whole; a student bundle leaves this
module out): ``makemore release`` (the student bundle), ``makemore batch`` (a class graded, gradebook,
feedback, LMS and Gradescope files), ``makemore gradescope-autograder`` (the autograder zip) and PrairieLearn's
(grader/instructor/prairielearn.py). grader/cli.py adds them with ``add_instructor_commands``; docs/instructors.md
has the option table.
"""
from __future__ import annotations

import sys
from pathlib import Path


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


def add_instructor_commands(sub) -> None:
    """release, batch, gradescope-autograder: the instructor's tools (grader/instructor/)."""
    rel = sub.add_parser("release", help="(instructors) write the student bundle: stubs, data, public grader, notebooks")
    rel.add_argument("outdir")
    rel.add_argument("--force", action="store_true", help="replace OUTDIR if it is not empty")
    rel.add_argument("--solutions", choices=("never", "after-deadline"), default="never",
                     help="the bundle never holds a solution; after-deadline: `makemore solution` tells students "
                     "you will publish them after the deadline (docs/self-learning.md)")
    rel.add_argument("--hints", choices=("none", "ideas", "steps", "all"), default="steps",
                     help="the hint levels the bundle carries: none, ideas (level 1), steps (levels 1-2, the "
                     "default) or all (3: the closed forms); docs/hints.md")
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
