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


def main() -> int:
    from grader.specs import ASSIGNMENTS

    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--assignments", nargs="+", default=list(ASSIGNMENTS))
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    load_before = os.getloadavg()
    rows = measure(args.assignments, args.rounds)
    load_after = os.getloadavg()
    print(f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
          f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}; {os.cpu_count()} cores; "
          f"median of {args.rounds} runs\n")
    print("| submission | score | CPU s | peak RSS MB | wall s |\n|---|---:|---:|---:|---:|")
    for name, row in rows.items():
        print(f"| {name} | {row['score']} | {row['cpu']:.2f} | {row['rss_mb']:.0f} | {row['wall']:.2f} |")
    if args.json:
        Path(args.json).write_text(json.dumps({"load_before": load_before, "load_after": load_after,
                                               "rounds": args.rounds, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
