"""Throughput of `makemore batch` on assignment 2: a generated class of 100, graded at -j 1 and at -j 2.

    python tests/bench/batch_throughput.py [--n 100] [--jobs 1 2] [--keep DIR]

Prints submissions per minute for each -j, and checks every student got the expected kind of score
(tests/make_submissions.py). The class is the same mix as the slow test: correct, buggy, stubbed and broken
entries, one infinite loop (--no-broken: without the unreadable entries); the batch runs with --timeout 20 --check-timeout 8 (as in the tests).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.make_submissions import make_class  # noqa: E402

FLAGS = ["--assignment", "a2", "--timeout", "20", "--check-timeout", "8", "-q"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--keep", help="keep the class and results in this folder")
    parser.add_argument("--no-broken", action="store_true",
                        help="leave out the unreadable entries: every student runs code (a harder class)")
    args = parser.parse_args(argv)
    rows = measure(args.n, args.jobs, broken_entries=not args.no_broken, keep=args.keep, log=print)
    return 0 if rows and all(row["ok"] and not row["unexpected"] for row in rows) else 1


def measure(n: int, jobs_list, broken_entries: bool = True, keep: str | None = None, log=lambda line: None) -> list[dict]:
    """Generate a class of ``n`` and batch-grade it once per -j in ``jobs_list``; one dict per run:
    jobs, seconds, per_minute, graded, unexpected (students whose score is not of the expected kind), ok,
    load (the 1-minute load average after the run). ``makemore bench`` calls this too."""
    work = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="makemore-bench-"))
    if work.exists() and keep:
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    manifest = make_class(work / "class", n, broken_entries=broken_entries)
    kinds = {}
    for expect in manifest.values():
        kinds[expect["expect"]] = kinds.get(expect["expect"], 0) + 1
    log(f"{n} submissions: {kinds} (fatal: {sum(e['fatal'] for e in manifest.values())}); "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    rows = []
    for jobs in jobs_list:
        out = work / f"results-j{jobs}"
        started = time.monotonic()
        run = subprocess.run([sys.executable, "-m", "grader.cli", "batch", str(work / "class"), "--out", str(out),
                              "-j", str(jobs), *FLAGS], capture_output=True, text=True,
                             env=dict(os.environ, PYTHONPATH=str(ROOT)))
        seconds = time.monotonic() - started
        if run.returncode != 0:
            log(run.stderr)
            rows.append({"jobs": jobs, "seconds": seconds, "per_minute": None, "graded": 0, "unexpected": [],
                         "ok": False, "load": os.getloadavg()[0]})
            continue
        records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
        wrong = [r["student"] for r in records if not expected(r, manifest[r["student"]])]
        rate = len(records) / seconds * 60
        rows.append({"jobs": jobs, "seconds": seconds, "per_minute": rate, "graded": len(records),
                     "unexpected": wrong, "ok": True, "load": os.getloadavg()[0]})
        log(f"-j {jobs}: {len(records)} submissions in {seconds:.1f} s = {rate:.1f} per minute; "
            f"unexpected scores: {wrong or 'none'}; load average now {os.getloadavg()[0]:.2f}")
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    return rows


def expected(record: dict, expect: dict) -> bool:
    if expect["expect"] == "max":
        return record["score"] == record["max_score"]
    if expect["expect"] == "zero":
        return record["score"] == 0
    return 0 < record["score"] < record["max_score"]


if __name__ == "__main__":
    sys.exit(main())
