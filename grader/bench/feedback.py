"""How long a student waits for feedback, as ratios on the same machine: one unit's public checks graded
(``makemore grade a2 linear``) and one whole assignment's (``makemore grade a2``), each against starting Python
and importing NumPy (``python -c "import numpy"``), all three started the same way (grader.bench.runs.run_measured,
one BLAS thread) and interleaved round by round, so that each ratio compares runs under the same load.

Targets: the unit within 5x, the assignment within 15x. The grades are of the reference (every check runs to
its end, as for correct code); the ratios are of medians, in wall time (what the student waits) and in CPU
time (what the work costs, steadier on a shared machine).
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
from pathlib import Path

from grader.bench import runs

TARGETS = {"unit": 5.0, "assignment": 15.0}
UNIT = ("a2", "linear")


def commands(json_path: str, unit=UNIT) -> dict[str, list[str]]:
    """The three commands timed: the baseline, one unit's public checks, the whole assignment's."""
    grade = [sys.executable, "-m", "grader.cli", "grade", "--reference", "--public-only", "--json-only",
             "--json", json_path]
    return {"numpy": [sys.executable, "-c", "import numpy"], "unit": grade + list(unit), "assignment": grade + [unit[0]]}


def measure(rounds: int = 5, unit=UNIT, log=print) -> dict:
    """Median wall and CPU seconds of each command over ``rounds`` interleaved rounds, the two ratios and the
    load average before and after. Raises RuntimeError if a grade fails or scores less than full marks."""
    import json

    env = runs.thread_env(1)
    wall = {name: [] for name in ("numpy", "unit", "assignment")}
    cpu = {name: [] for name in wall}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        json_path = str(Path(tmp) / "r.json")
        for round_ in range(rounds):
            log(f"feedback: round {round_ + 1}/{rounds} (numpy, {' '.join(unit)}, {unit[0]}) ...")
            for name, cmd in commands(json_path, unit).items():
                run = runs.run_measured(cmd, env)
                if run["returncode"] != 0:
                    raise RuntimeError(f"{' '.join(cmd[1:])} failed:\n{run['stderr'][-2000:]}")
                if name != "numpy":
                    result = json.loads(Path(json_path).read_text())
                    if result["score"] != result["max_score"] or not result["max_score"]:
                        raise RuntimeError(f"{' '.join(cmd[3:])}: the reference scored {result['score']}/"
                                           f"{result['max_score']}")
                wall[name].append(run["seconds"])
                cpu[name].append(run["cpu_s"])
    median = {name: statistics.median(times) for name, times in wall.items()}
    median_cpu = {name: statistics.median(times) for name, times in cpu.items()}
    return {"unit": " ".join(unit), "assignment": unit[0], "rounds": rounds, "wall_s": median, "cpu_s": median_cpu,
            "ratio": {k: median[k] / median["numpy"] for k in TARGETS},
            "cpu_ratio": {k: median_cpu[k] / median_cpu["numpy"] for k in TARGETS},
            "targets": dict(TARGETS), "load_before": load_before, "load_after": os.getloadavg()[0]}


def section(feedback: dict | None) -> list[str]:
    """The Markdown of the measurement: one row per command, the ratios against their targets, the load."""
    if not feedback:
        return []
    rows = [["`python -c \"import numpy\"`", f"{feedback['wall_s']['numpy']:.2f} s", "1", "-",
             f"{feedback['cpu_s']['numpy']:.2f} s", "1"]]
    for key, label in (("unit", f"`makemore grade {feedback['unit']}` (public checks)"),
                       ("assignment", f"`makemore grade {feedback['assignment']}` (public checks)")):
        ratio, target = feedback["ratio"][key], feedback["targets"][key]
        rows.append([label, f"{feedback['wall_s'][key]:.2f} s", f"{ratio:.1f}x {'✓' if ratio <= target else '✗'}",
                     f"≤ {target:g}x", f"{feedback['cpu_s'][key]:.2f} s", f"{feedback['cpu_ratio'][key]:.1f}x"])
    header = ["command (reference, one BLAS thread)", "wall (median)", "wall ratio", "target", "CPU (median)",
              "CPU ratio"]
    table = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|",
             *("| " + " | ".join(row) + " |" for row in rows)]
    return ["### Feedback: one unit and one assignment graded, against starting Python with NumPy", "",
            f"Medians of {feedback['rounds']} interleaved rounds; load average {feedback['load_before']:.1f} before, "
            f"{feedback['load_after']:.1f} after.", "", *table, ""]
