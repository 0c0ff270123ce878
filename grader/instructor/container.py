"""One submission in, one results file out: the command the autograder's container image runs (``Dockerfile``).

Every platform that runs one container per submission (a Kubernetes Job, a cloud batch service, Coursera's or
edX's external graders, PrairieLearn, Gradescope) calls this one path, which is the one ``makemore batch`` and
``makemore grade --submission`` take (``grader.instructor.batch.grade_entry``, then
``grader.instructor.submissions.grade``): the same preparation, the same sandbox, the same score.

    python -m grader.instructor.container --assignment a2 --submission /submission --out /results/results.json

``--submission`` is a folder of .py files, a .zip, an .ipynb or a .py file; a folder holding only one .zip or
one .ipynb (what an upload form leaves) is read as that file. The results file is the line ``makemore batch``
writes to results.jsonl for one student (score, max_score, every check's status, points and message, notes,
seconds). Records of N containers concatenated, one per line, into OUT/results.jsonl make a finished batch:
``makemore batch SUBMISSIONS --out OUT --resume`` then grades no one again and writes the gradebook, the
feedback and the summary from them. Gradescope's and PrairieLearn's own results.json come from their entry
points in the same image (grader/instructor/gradescope.py, grader/instructor/prairielearn.py), which grade
with ``grade_one`` too.

Exit status 0 whenever a results file was written, whatever the score (a platform reads the score from the
file); 2 for an unknown assignment.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

IMAGE_NAME = "makemore-numpy-grader"


def kit_version() -> str:
    """The kit's version (the image's tag): pyproject.toml's in a checkout, the installed distribution's from a
    wheel (which holds no pyproject.toml), else "latest"."""
    import re
    from importlib import metadata

    from grader import KIT_ROOT

    pyproject = KIT_ROOT / "pyproject.toml"
    if pyproject.is_file():
        found = re.search(r'^version = "([^"]+)"', pyproject.read_text(), re.M)
        if found:
            return found.group(1)
    try:
        return metadata.version("makemore-numpy")
    except metadata.PackageNotFoundError:
        return "latest"


def image_reference() -> str:
    """The grader image's default name and tag, as the Dockerfile's header builds it."""
    return f"{IMAGE_NAME}:{kit_version()}"


def submission_entry(submission: Path) -> Path:
    """What to grade in ``submission``: the folder itself, or the one .zip/.ipynb it holds alone."""
    submission = Path(submission)
    if submission.is_dir():
        inside = [p for p in submission.iterdir() if not p.name.startswith(".")]
        if len(inside) == 1 and inside[0].is_file() and inside[0].suffix.lower() in (".zip", ".ipynb"):
            return inside[0]
    return submission


def grade_one(submission: Path, assignment: str, student: str = "submission", budget_seconds: float = 600.0,
              memory_mb: int = 2048, public_only: bool = False) -> dict:
    """Grade one submission; the record ``makemore batch`` writes for one student (never raises for bad input).

    Raises KeyError for an unknown assignment."""
    from grader.instructor.batch import Options, effective_assignment, grade_entry

    options = Options(assignment=assignment, budget_seconds=budget_seconds, memory_mb=memory_mb,
                      public_only=public_only)
    effective_assignment(options)  # an unknown assignment is the caller's mistake, not a student's 0
    return grade_entry(str(submission_entry(Path(submission))), student, options)


def write(record: dict, out: Path) -> Path:
    """The record as one line of results.jsonl."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record) + "\n")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.instructor.container",
                                     description="grade one submission, write one results file")
    parser.add_argument("--assignment", "-a", required=True, help="a1, a2, ...")
    parser.add_argument("--submission", default="/submission", help="folder, .zip, .ipynb or .py (default /submission)")
    parser.add_argument("--out", default="/results/results.json", help="the results file (default /results/results.json)")
    parser.add_argument("--student", default="submission", help="the student's name in a record")
    parser.add_argument("--budget", type=float, default=600.0, help="wall-clock seconds for the submission")
    parser.add_argument("--memory-mb", type=int, default=2048, help="memory limit of the student's process")
    parser.add_argument("--public-only", action="store_true")
    args = parser.parse_args(argv)
    try:
        record = grade_one(Path(args.submission), args.assignment, args.student, args.budget, args.memory_mb,
                           args.public_only)
    except KeyError as err:
        print(err.args[0], file=sys.stderr)
        return 2
    write(record, Path(args.out))
    print(f"{record['score']:g}/{record['max_score']:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
