"""How much the isolation layers cost: grade one correct submission (reference/) with every layer on (the
default: rlimits, Landlock, seccomp, audit hook) and with every layer off (``Limits.unconfined()``: still a
separate process with its timeouts, nothing else), several times each, interleaved, in one process.

    python tests/bench/isolation_overhead.py [--runs 5] [--assignments a1 a2]

Prints the median grading time of each mode and their ratio, and the same for starting a student's process
and answering one request (where the layers are installed), which is the part isolation actually touches.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from grader.runner import grade_assignment  # noqa: E402
from grader.sandbox import Child, Limits  # noqa: E402
from grader.specs import ASSIGNMENTS  # noqa: E402

REFERENCE = ROOT / "reference"


def grade_once(limits: Limits, keys: list[str]) -> float:
    started = time.perf_counter()
    for key in keys:
        result = grade_assignment(ASSIGNMENTS[key], REFERENCE, limits=limits)
        assert result.score == result.max_score, f"{key}: {result.score}/{result.max_score} with {limits}"
    return time.perf_counter() - started


def start_once(limits: Limits) -> float:
    started = time.perf_counter()
    with Child(str(REFERENCE), limits) as child:
        reply = child.request("hello", {}, timeout=30)
        assert reply.ok, reply.message
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--assignments", nargs="+", default=list(ASSIGNMENTS))
    args = parser.parse_args()
    modes = {"sandbox": Limits(), "unconfined": Limits.unconfined()}
    with Child(str(REFERENCE)) as child:
        print("layers here:", child.request("hello", {}, timeout=30).header.get("layers"))
    grade_once(modes["sandbox"], args.assignments)  # warm up: imports, fixtures, training data
    grading = {name: [] for name in modes}
    starting = {name: [] for name in modes}
    for _ in range(args.runs):
        for name, limits in modes.items():
            grading[name].append(grade_once(limits, args.assignments))
            starting[name].append(statistics.median(start_once(limits) for _ in range(5)))
    print(f"grading {' + '.join(args.assignments)} of reference/ ({args.runs} runs each, interleaved):")
    for name in modes:
        times = grading[name]
        print(f"  {name:<11} median {statistics.median(times):.3f} s  (min {min(times):.3f}, max {max(times):.3f})")
    ratio = statistics.median(grading["sandbox"]) / statistics.median(grading["unconfined"])
    print(f"  ratio sandbox / unconfined: {ratio:.3f} (of medians), "
          f"{min(grading['sandbox']) / min(grading['unconfined']):.3f} (of minimums)")
    print("starting a student's process and answering one request:")
    for name in modes:
        print(f"  {name:<11} median {statistics.median(starting[name]) * 1000:.0f} ms")
    print(f"  ratio sandbox / unconfined: {statistics.median(starting['sandbox']) / statistics.median(starting['unconfined']):.3f}")


if __name__ == "__main__":
    main()
