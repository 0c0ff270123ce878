"""The kit's own commands, for whoever keeps the kit (only where the reference is installed): ``makemore
generate`` (the student stubs from the reference), ``makemore fixtures`` (the public checks' golden answers,
only the stale ones) and ``makemore bench`` (timings and memory, docs/performance.md). grader/cli.py adds them
with ``add_kit_commands``.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from grader import KIT_ROOT


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
    from grader.bench import tables

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
            result = tables.merge_grading(result, json.loads(Path(args.grading_json).read_text()))
        print(tables.markdown(result))
    else:
        result = bench.run(options)
        print(tables.markdown(result))
        print(f"wrote {options.out / 'bench.md'} and {options.out / 'bench.json'}", file=sys.stderr)
    if args.readme:
        if not bench.rewrite_readme(result):
            print("docs/performance.md has no makemore bench markers: nothing rewritten", file=sys.stderr)
            return 1
        print("rewrote the performance tables in docs/performance.md", file=sys.stderr)
    return 0


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
