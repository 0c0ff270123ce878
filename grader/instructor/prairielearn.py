"""PrairieLearn's external grader: the question a course adds for one assignment, and its /grade/tests/run.

``makemore prairielearn -a a2 OUT`` writes, under OUT (a PrairieLearn course's root, or a folder to copy into
one):

* ``questions/makemore_a2/info.json``: the question, with ``"gradingMethod": "External"`` and
  ``externalGradingOptions`` (``image``: the kit's grader image, built from ``Dockerfile`` and pushed where
  PrairieLearn can pull it; ``entrypoint``: ``/grade/tests/run``; ``timeout``; no networking);
* ``questions/makemore_a2/question.html``: a ``pl-file-upload`` of the assignment's modules and the
  ``pl-external-grader-results`` panel;
* ``questions/makemore_a2/tests/run``: the entry point. PrairieLearn copies the question's ``tests/`` to
  ``/grade/tests`` and the student's files to ``/grade/student``, runs the entry point in the image, and reads
  ``/grade/results/results.json``, which the entry point writes with this module's ``run``.

The format of results.json is PrairieLearn's (docs/externalGrading.md, "Grading results"): ``score`` in
[0, 1], ``gradable``, ``message``, ``output`` and ``tests``, each with ``name``, ``description``, ``points``,
``max_points``, ``message`` and ``output``. The score is the kit's score over its maximum, the same score as
every other path (grader/instructor/container.py). A submission that cannot be read at all, or that the
grader itself failed on (the record says ``regrade``), is ``"gradable": false`` with ``format_errors``:
PrairieLearn then neither awards points nor counts the attempt.

PrairieLearn shows every test to the student as soon as it is graded (it has no "after the due date"): the
hidden checks count with their points and status, and their messages are shown only when the question is
written with ``--show-hidden-messages``.
"""
from __future__ import annotations

import argparse
import json
import os
import stat
import sys
import uuid
from pathlib import Path

DEFAULT_ROOT = "/grade"
QUESTION_NAMESPACE = uuid.UUID("6b1f4e0e-5d0c-4c59-9d53-7a1f0c0d2a27")  # fixed: a question's uuid is stable
HIDDEN_MESSAGE = "a hidden check: its details are not shown here; ask your instructor after the deadline"


def results_json(record: dict, show_hidden_messages: bool = False) -> dict:
    """PrairieLearn's results.json for one graded submission (a record of grader.instructor.batch)."""
    notes = list(record.get("notes") or [])
    if record.get("fatal") or record.get("regrade"):
        errors = [record["fatal"]] if record.get("fatal") else []
        errors += [f"{c['name']}: {c['message']}" for c in record["result"]["checks"] if c.get("internal")]
        if record.get("regrade") and not record.get("fatal"):
            errors.insert(0, "the grader failed on this submission, not your code: submit again, or tell your "
                             "instructor if it happens again")
        return {"gradable": False, "format_errors": errors or ["the submission could not be graded"],
                "message": "\n".join(notes)}
    tests = []
    for c in record["result"]["checks"]:
        hidden = c["visibility"] != "public"
        message = c["message"] or ("passed" if c["status"] == "passed" else c["status"])
        if c["status"] not in ("passed", "failed"):
            message = f"[{c['status']}] {message}"
        if hidden and not show_hidden_messages:
            message = "passed (hidden check)" if c["status"] == "passed" else f"{c['status']} ({HIDDEN_MESSAGE})"
        tests.append({"name": c["name"], "description": f"{c.get('unit') or record['assignment']}, "
                      f"{'hidden' if hidden else 'public'} check",
                      "points": c["points"], "max_points": c["max_points"], "message": message, "output": ""})
    maximum = record["max_score"] or 1
    passed = sum(c["status"] == "passed" for c in record["result"]["checks"])
    return {"gradable": True, "score": record["score"] / maximum,
            "message": "\n".join([f"{record['score']:g}/{record['max_score']:g} points, {passed} of "
                                  f"{len(tests)} checks passed", *notes]),
            "output": record.get("output") or "", "tests": tests}


def run(root: Path, assignment: str, show_hidden_messages: bool = False, budget_seconds: float = 600.0) -> dict:
    """Grade root/student (PrairieLearn's /grade/student) and write root/results/results.json."""
    from grader.instructor.container import grade_one

    root = Path(root)
    record = grade_one(root / "student", assignment, budget_seconds=budget_seconds)
    out = root / "results" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)  # PrairieLearn does not create it
    out.write_text(json.dumps(results_json(record, show_hidden_messages), indent=2))
    return record


# -- the question ---------------------------------------------------------------------------------------------

RUN = """#!/bin/sh
# PrairieLearn's entry point for {key}: grade /grade/student, write /grade/results/results.json.
# Runs in the kit's grader image (Dockerfile), where the kit is on PYTHONPATH. MAKEMORE_GRADE_ROOT and
# MAKEMORE_PYTHON exist for trying it outside PrairieLearn.
exec "${{MAKEMORE_PYTHON:-python3}}" -m grader.instructor.prairielearn run --assignment {key} \\
  --root "${{MAKEMORE_GRADE_ROOT:-{root}}}" --budget {budget}{flags}
"""

QUESTION_HTML = """<pl-question-panel>
  <p><strong>{title}</strong> ({key}). Upload your modules of <code>{package}/</code>: {names}.
  A module you leave out is graded as its unmodified stub.</p>
  <p>The grader runs every check of the assignment on your code: its points, its verdict and what it found are
  listed below after each submission.</p>
</pl-question-panel>

<pl-file-upload file-names="{files}"></pl-file-upload>

<pl-submission-panel>
  <pl-external-grader-results></pl-external-grader-results>
  <pl-file-preview></pl-file-preview>
</pl-submission-panel>
"""


def student_modules(assignment) -> list[str]:
    """The module files a student writes for ``assignment`` (from the generated stubs), without __init__.py."""
    from grader import generate

    names = [p.as_posix() for p in generate.student_files()]
    return sorted(n.partition("/")[2] for n in names
                  if n.startswith(assignment.package + "/") and not n.endswith("__init__.py") and n.count("/") == 1)


def write_question(out: Path, assignment: str, image: str, timeout: int = 600,
                   show_hidden_messages: bool = False) -> Path:
    """Write questions/makemore_<key>/ under ``out``; returns that folder."""
    from grader.specs import resolve

    a = resolve(assignment)
    if not 1 <= timeout <= 600:
        raise ValueError(f"PrairieLearn's timeout is 1 to 600 seconds, not {timeout}")
    folder = Path(out) / "questions" / f"makemore_{a.key}"
    (folder / "tests").mkdir(parents=True, exist_ok=True)
    info = {
        "uuid": str(uuid.uuid5(QUESTION_NAMESPACE, a.key)),
        "title": f"makemore-numpy {a.key}: {a.title}",
        "topic": "Backpropagation by hand",
        "tags": ["makemore-numpy", a.key],
        "type": "v3",
        "singleVariant": True,
        "gradingMethod": "External",
        "externalGradingOptions": {
            "enabled": True,
            "image": image,
            "entrypoint": f"{DEFAULT_ROOT}/tests/run",
            "timeout": timeout,
            "enableNetworking": False,
        },
    }
    (folder / "info.json").write_text(json.dumps(info, indent=2) + "\n")
    modules = student_modules(a)
    (folder / "question.html").write_text(QUESTION_HTML.format(
        title=a.title, key=a.key, package=a.package, names=", ".join(f"<code>{m}</code>" for m in modules),
        files=", ".join(modules)))
    run_script = folder / "tests" / "run"
    flags = " --show-hidden-messages" if show_hidden_messages else ""
    # the kit's own budget ends first, so a slow submission still gets its results.json with what finished
    budget = max(1, timeout - min(30, timeout // 4))
    run_script.write_text(RUN.format(key=a.key, root=DEFAULT_ROOT, budget=budget, flags=flags))
    run_script.chmod(run_script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.instructor.prairielearn")
    sub = parser.add_subparsers(dest="command", required=True)
    go = sub.add_parser("run", help="grade ROOT/student, write ROOT/results/results.json (PrairieLearn's layout)")
    go.add_argument("--assignment", "-a", required=True)
    go.add_argument("--root", default=os.environ.get("MAKEMORE_GRADE_ROOT", DEFAULT_ROOT))
    go.add_argument("--show-hidden-messages", action="store_true")
    go.add_argument("--budget", type=float, default=600.0)
    args = parser.parse_args(argv)
    try:
        record = run(Path(args.root), args.assignment, args.show_hidden_messages, args.budget)
    except KeyError as err:
        print(err.args[0], file=sys.stderr)
        return 2
    print(f"{record['score']:g}/{record['max_score']:g}")
    return 0


def cmd_prairielearn(args) -> int:
    """``makemore prairielearn -a A OUT``."""
    try:
        folder = write_question(Path(args.out), args.assignment, args.image, args.timeout, args.show_hidden_messages)
    except (KeyError, ValueError) as err:
        print(err.args[0], file=sys.stderr)
        return 2
    print(f"wrote {folder}: copy questions/ into your PrairieLearn course, add the question to an assessment, "
          f"and push the grader image as {args.image} (docs/platforms.md)")
    return 0


def add_command(sub) -> None:
    from grader.instructor.container import image_reference

    pl = sub.add_parser("prairielearn", help="(instructors) write a PrairieLearn question graded externally by "
                        "the kit's grader image")
    pl.add_argument("out", help="a PrairieLearn course's root (questions/makemore_A/ is written into it)")
    pl.add_argument("--assignment", "-a", default="a2")
    pl.add_argument("--image", default=image_reference(), help="the grader image PrairieLearn pulls (default: %(default)s)")
    pl.add_argument("--timeout", type=int, default=600, help="PrairieLearn's limit for one grading, 1-600 s")
    pl.add_argument("--show-hidden-messages", action="store_true",
                    help="show the hidden checks' messages to students (PrairieLearn shows results at once)")
    pl.set_defaults(run=cmd_prairielearn)


if __name__ == "__main__":
    sys.exit(main())
