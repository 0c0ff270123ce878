"""Did one check pass? The command each check's step of GitHub Classroom's workflow runs.

    python -m grader.check_passed RESULTS.json a2 linear.gradcheck

RESULTS.json is what ``makemore grade --json RESULTS.json`` wrote (the workflow grades once, in the step before
the checks). Prints the check's verdict, points and message; exits 0 when it passed, 1 when it did not, and 2
when the file or the check is missing (the grading step did not run, or the assignment has no such check).
GitHub Classroom's command grader gives a step its points when its command exits 0, so each check shows in
the repository with its own points, the same points ``makemore grade`` gives it.
"""
from __future__ import annotations

import json
import sys


def verdict(results: dict, assignment: str, check: str) -> dict | None:
    """The check's entry in a ``makemore grade --json`` file, or None."""
    for graded in results.get("assignments", []):
        if graded.get("assignment") == assignment:
            for entry in graded.get("checks", []):
                if entry.get("name") == check:
                    return entry
    return None


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3:
        print("usage: python -m grader.check_passed RESULTS.json ASSIGNMENT CHECK", file=sys.stderr)
        return 2
    path, assignment, check = args
    try:
        with open(path, encoding="utf-8") as f:
            results = json.load(f)
    except (OSError, ValueError) as err:
        print(f"no grade to read in {path} ({err}): the grading step did not finish", file=sys.stderr)
        return 2
    entry = verdict(results, assignment, check)
    if entry is None:
        print(f"{assignment} has no check {check} in {path}", file=sys.stderr)
        return 2
    print(f"{assignment} {check}: {entry['status']} {entry['points']:g}/{entry['max_points']:g}")
    if entry.get("message"):
        print(entry["message"])
    return 0 if entry["status"] == "passed" else 1


if __name__ == "__main__":
    sys.exit(main())
