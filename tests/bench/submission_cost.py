"""What one submission costs to grade, per assignment: CPU seconds, peak memory, wall time.

    python tests/bench/submission_cost.py [--rounds 3] [--assignments a1 a2 ...] [--json FILE]

Each submission is graded the way every container and platform grades it: one process running
``python -m grader.instructor.container`` (grader/instructor/container.py: the same path as ``makemore batch``
and ``makemore grade --submission``). Its cost is read from ``os.wait4``: user + system CPU seconds of that
process and every process it waited for (the sandboxed child included), the largest resident set among them
(ru_maxrss), and the wall time. Two submissions per assignment: the reference solution (every check runs to
the end, the training check trains: the expensive case) and the unmodified stubs (every check stops at
NotImplementedError: the cheap case). The median of ``--rounds`` runs is printed as a Markdown table, with
the load average before and after (the machine may be shared: the wall time grows with the load, the CPU
seconds much less).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def graded_once(assignment: str, submission: Path, out: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "grader.instructor.container", "--assignment", assignment,
                                "--submission", str(submission), "--out", str(out)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{assignment} {submission}: exit {process.returncode}: {process.stderr.read().decode()}")
    record = json.loads(out.read_text())
    return {"cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024, "wall": wall,
            "score": record["score"], "max_score": record["max_score"]}


def measure(assignments: list[str], rounds: int) -> dict:
    from grader.specs import resolve

    rows = {}
    with tempfile.TemporaryDirectory(prefix="makemore-cost-") as tmp:
        tmp = Path(tmp)
        for key in assignments:
            a = resolve(key)
            for kind, source in (("reference", ROOT / "reference" / a.package),
                                 ("stubs", ROOT / "assignments" / a.package)):
                folder = tmp / f"{key}-{kind}"
                shutil.copytree(source, folder / a.package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
                runs = [graded_once(key, folder, tmp / f"{key}-{kind}.json") for _ in range(rounds)]
                rows[f"{key} {kind}"] = {
                    "cpu": statistics.median(r["cpu"] for r in runs),
                    "rss_mb": max(r["rss_mb"] for r in runs),
                    "wall": statistics.median(r["wall"] for r in runs),
                    "score": f"{runs[0]['score']:g}/{runs[0]['max_score']:g}"}
                print(f"{key} {kind}: {rows[f'{key} {kind}']}", file=sys.stderr, flush=True)
    return rows


CLASS_SIZES = (500, 5_000, 50_000)


def duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def sizing(rows: dict, keys: list[str], container_start: float, slack: float) -> str:
    """The time a class takes on each path, from the CPU seconds of a fully solved submission (the expensive
    case) of each assignment in ``keys``, times ``slack`` (the pool's own overhead, other processes).

    One machine, ``makemore batch -j N`` on N cores: S * cpu * slack / N. N containers of one CPU each:
    S / N rounds of (cpu * slack + container_start). GitHub Classroom: one runner job per push, billed by
    the started minute, with the workflow's setup (checkout, Python, pip) estimated at ``container_start``
    times 15 (not measured here)."""
    lines = ["| path | " + " | ".join(f"{s:,} submissions" for s in CLASS_SIZES) + " |",
             "|---|" + "---:|" * len(CLASS_SIZES)]
    cpu = {k: rows[f"{k} reference"]["cpu"] for k in keys}
    label = " / ".join(keys)

    def cells(f):
        return " | ".join(" / ".join(duration(f(s, cpu[k])) for k in keys) for s in CLASS_SIZES)

    lines.append(f"| CPU time in all ({label}) | {cells(lambda s, c: s * c)} |")
    for cores in (2, 16, 64):
        lines.append(f"| one machine, {cores} cores, `makemore batch -j {cores}` | "
                     f"{cells(lambda s, c, n=cores: s * c * slack / n)} |")
    for n in (10, 100, 1000):
        lines.append(f"| {n} containers of 1 CPU (a Kubernetes Job, a cloud batch service) | "
                     f"{cells(lambda s, c, n=n: -(-s // n) * (c * slack + container_start))} |")
    import math
    setup = container_start * 15
    per_push = {k: math.ceil((setup + cpu[k] * slack) / 60) for k in keys}
    lines.append(f"| GitHub Classroom: runner minutes billed, one push each | "
                 + " | ".join(" / ".join(f"{s * per_push[k]:,} min" for k in keys) for s in CLASS_SIZES) + " |")
    return "\n".join(lines)


def main() -> int:
    from grader.specs import ASSIGNMENTS

    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--assignments", nargs="+", default=list(ASSIGNMENTS))
    parser.add_argument("--json", help="also write the figures here")
    parser.add_argument("--from-json", nargs="+", help="measure nothing: the tables of earlier runs' --json files "
                        "(the largest figure of each)")
    parser.add_argument("--sizing", nargs="+", default=["a2", "a7"], help="assignments of the sizing table")
    parser.add_argument("--container-start", type=float, default=2.0,
                        help="assumed seconds to start one container (not measured here: no engine runs)")
    parser.add_argument("--slack", type=float, default=1.5, help="factor over the measured CPU seconds")
    args = parser.parse_args()
    if args.from_json:  # several runs: the largest figure of each, and every run's load
        runs = [json.loads(Path(f).read_text()) for f in args.from_json]
        rows = {name: {key: (row[key] if key == "score" else max(run["rows"][name][key] for run in runs))
                       for key in row} for name, row in runs[0]["rows"].items()}
        for run in runs:
            print(f"run of {run['rounds']} rounds: load average before "
                  + " ".join(f"{x:.2f}" for x in run["load_before"]) + ", after "
                  + " ".join(f"{x:.2f}" for x in run["load_after"]))
        print(f"least-most of {len(runs)} runs, each figure the median of its rounds; peak RSS: the largest\n")
        least = {name: {key: min(run["rows"][name][key] for run in runs) for key in ("cpu", "wall")}
                 for name in rows}
        load_before = load_after = None
    else:
        load_before = os.getloadavg()
        rows = measure(args.assignments, args.rounds)
        load_after = os.getloadavg()
    if load_before is not None:
        print(f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
              f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}; {os.cpu_count()} cores; "
              f"median of {args.rounds} runs\n")
    print("| submission | score | CPU s | peak RSS MB | wall s |\n|---|---:|---:|---:|---:|")
    for name, row in rows.items():
        if args.from_json:
            cpu = f"{least[name]['cpu']:.2f}-{row['cpu']:.2f}"
            wall = f"{least[name]['wall']:.1f}-{row['wall']:.1f}"
        else:
            cpu, wall = f"{row['cpu']:.2f}", f"{row['wall']:.2f}"
        print(f"| {name} | {row['score']} | {cpu} | {row['rss_mb']:.0f} | {wall} |")
    print(f"\nSizing from the CPU seconds of the reference x {args.slack:g}, container start {args.container_start:g} s "
          "(assumed):\n")
    print(sizing(rows, args.sizing, args.container_start, args.slack))
    if args.json and not args.from_json:
        Path(args.json).write_text(json.dumps({"load_before": load_before, "load_after": load_after,
                                               "rounds": args.rounds, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
