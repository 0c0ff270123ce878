"""Gradescope: results.json in its autograder schema, and the autograder bundle that runs the kit there.

results.json: {"score", "execution_time", "output", "visibility", "stdout_visibility", "tests": [{"name",
"score", "max_score", "status", "output", "visibility"}]} (the total is the sum of the tests' max_score).
Public checks are "visible"; hidden checks are "after_due_date" (students see them after the deadline).

The autograder zip holds setup.sh and run_autograder at its root and the whole kit under kit/ (Gradescope
unpacks it into /autograder/source/): reference and hidden checks included, since students never see the
autograder's files.

On Gradescope: ``run_autograder`` calls ``python3 -m grader.instructor.gradescope run --assignment A`` which grades
/autograder/submission (files, a zip or a notebook, read by grader/instructor/submissions.py) and writes
/autograder/results/results.json.
"""
from __future__ import annotations

import argparse
import json
import stat
import sys
import zipfile
from pathlib import Path

from grader import KIT_ROOT

VISIBILITY = {"public": "visible", "hidden": "after_due_date"}


def results_json(record: dict) -> dict:
    tests = []
    for c in record["result"]["checks"]:
        status = "passed" if c["status"] == "passed" else "failed"
        output = c["message"] or ("passed" if status == "passed" else c["status"])
        if c["status"] not in ("passed", "failed"):
            output = f"[{c['status']}] {output}"
        tests.append({"name": c["name"], "score": c["points"], "max_score": c["max_points"], "status": status,
                      "output": output, "visibility": VISIBILITY.get(c["visibility"], "after_due_date")})
    notes = list(record.get("notes") or [])
    if record.get("fatal"):
        notes.insert(0, record["fatal"])
    return {"score": record["score"], "execution_time": int(round(record.get("seconds", 0))),
            "output": "\n".join(notes) if notes else f"graded {record['assignment']}",
            "visibility": "visible", "stdout_visibility": "hidden", "tests": tests}


def write_results(record: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results_json(record), indent=2))


def write_all(records: dict[str, dict], out_dir: Path) -> Path:
    from grader.instructor.gradebook import safe_name

    folder = out_dir / "gradescope"
    for student, record in records.items():
        write_results(record, folder / safe_name(student) / "results.json")
    return folder


PINNED = ("numpy", "hypothesis", "nbformat")  # hypothesis's examples, and so the hidden checks, depend on its version

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image.
# The versions are the ones this autograder was built (and the kit calibrated) with: {built_with}.
set -euo pipefail
apt-get update -qq && apt-get install -y -qq python3 python3-pip > /dev/null
python3 - <<'PY'
import sys
if sys.version_info < (3, 10):
    sys.exit(f"makemore-numpy needs Python >= 3.10; this image has {{sys.version.split()[0]}}: "
             "choose a newer base image in the autograder settings")
PY
cd /autograder/source/kit
PINS="{pins}"
python3 -m pip install --quiet --break-system-packages $PINS 2>/dev/null || python3 -m pip install --quiet $PINS \\
  || {{ echo "could not install $PINS on $(python3 --version): rebuild the autograder with versions this image supports"; exit 1; }}
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission: grade /autograder/submission, write results.json.
set -uo pipefail
cd /autograder/source/kit
mkdir -p /autograder/results
PYTHONPATH=/autograder/source/kit python3 -m grader.instructor.gradescope run --assignment {assignment} \\
  --submission /autograder/submission --out /autograder/results/results.json
"""

# Not assignments/: the instructor's working copy may hold solutions; stubs come from reference/ when grading.
KIT_PARTS = ("grader", "reference", "data", "pyproject.toml", "setup.py")


def kit_files(root: Path = KIT_ROOT):
    for part in KIT_PARTS:
        path = root / part
        if path.is_file():
            yield path, part
            continue
        for file in sorted(path.rglob("*")):
            relative = file.relative_to(root)
            if file.is_file() and "__pycache__" not in relative.parts and not file.name.endswith(".pyc"):
                yield file, relative.as_posix()


def pins() -> list[str]:
    """'numpy==X.Y.Z', ... : the exact versions installed here, where the autograder is built."""
    from importlib.metadata import version

    return [f"{name}=={version(name)}" for name in PINNED]


def setup_sh() -> str:
    import platform

    return SETUP_SH.format(pins=" ".join(pins()), built_with=f"Python {platform.python_version()}, " + ", ".join(pins()))


def build_autograder(out: Path, assignment: str) -> Path:
    from grader.specs import resolve

    key = resolve(assignment).key
    if not (KIT_ROOT / "reference").is_dir():
        raise FileNotFoundError("the autograder needs the reference solutions (reference/) for the hidden checks: "
                                "build it from the instructors' kit")
    out.parent.mkdir(parents=True, exist_ok=True)

    def add_script(archive, name, text):
        info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
        info.external_attr = (stat.S_IFREG | 0o755) << 16
        archive.writestr(info, text)

    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        add_script(archive, "setup.sh", setup_sh())
        add_script(archive, "run_autograder", RUN_AUTOGRADER.format(assignment=key))
        for file, name in kit_files():
            archive.write(file, "kit/" + name)
    return out


def run(submission: Path, out: Path, assignment: str, budget_seconds: float = 600.0) -> dict:
    """Grade one submission as Gradescope hands it over: a folder (or a single zip/notebook inside it); the
    container's one path (grader/instructor/container.py)."""
    from grader.instructor.container import grade_one

    record = grade_one(submission, assignment, budget_seconds=budget_seconds)
    write_results(record, out)
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.instructor.gradescope")
    sub = parser.add_subparsers(dest="command", required=True)
    go = sub.add_parser("run", help="grade one submission and write results.json")
    go.add_argument("--assignment", required=True)
    go.add_argument("--submission", default="/autograder/submission")
    go.add_argument("--out", default="/autograder/results/results.json")
    go.add_argument("--budget", type=float, default=600.0)
    args = parser.parse_args(argv)
    record = run(Path(args.submission), Path(args.out), args.assignment, args.budget)
    print(f"{record['score']:g}/{record['max_score']:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
