"""GitHub Classroom: the workflow that grades each push of a student's repository with the public checks.

``makemore release OUT --github-classroom`` writes ``OUT/.github/workflows/classroom.yml`` into the student
bundle (the assignment's template repository). On every push GitHub Actions installs the versions the kit was
released with, runs ``makemore grade`` once on the repository's assignments/ (the bundle holds only the public
checks), then one step per public check with GitHub Classroom's command grader
(classroom-resources/autograding-command-grader: a step earns its ``max-score`` when its command exits 0),
whose command is ``python -m grader.check_passed`` on that grade (grader/check_passed.py); the reporter
(classroom-resources/autograding-grading-reporter) adds the steps' points up and sends them to Classroom. So the
repository shows each check with its points, and the total is ``makemore grade``'s public score.

The reporter's README sets the rules a hand-written workflow must keep for Classroom to record the points:
the workflow is named "Autograding Tests", it has one job, named ``run-autograding-tests``, and the reporter
reads each step's result from the environment variable ``<STEP ID in capitals>_RESULTS`` for the ids listed in
``runners``. The step ids here are letters and digits only (``a2check01``), which the reporter's input
accepts.

What a student's repository shows is the public score: the student controls the repository, its workflow
included. The grade that counts comes from the instructor's batch grading of the repositories with the hidden
checks (``makemore batch``, one cloned repository per student).
"""
from __future__ import annotations

import json
from pathlib import Path

WORKFLOW = ".github/workflows/classroom.yml"
RESULTS = ".makemore/classroom.json"
COMMAND_GRADER = "classroom-resources/autograding-command-grader@v1"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"
GRADE_MINUTES = 30  # one push's grading of every assignment; a2 alone takes seconds (docs/platforms.md)


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is valid YAML)."""
    return json.dumps(text)


def public_checks(assignments) -> list[tuple[str, str, int]]:
    """(assignment key, check name, points) of every public check, in the spec's order."""
    return [(a.key, c.name, int(c.points)) for a in assignments for c in a.checks if c.visibility == "public"]


def workflow(keys: list[str] | None = None, python: str | None = None, pins: list[str] | None = None) -> str:
    """The workflow's text for the assignments ``keys`` (default: every one)."""
    import platform

    from grader.instructor.gradescope import pins as installed_pins
    from grader.specs import ASSIGNMENTS, resolve

    assignments = [resolve(k) for k in keys] if keys else list(ASSIGNMENTS.values())
    python = python or ".".join(platform.python_version_tuple()[:2])
    pins = pins or installed_pins()
    checks = public_checks(assignments)
    non_integer = [c.name for a in assignments for c in a.checks if c.visibility == "public" and c.points != int(c.points)]
    if non_integer:  # the command grader's max-score is a whole number
        raise ValueError(f"GitHub Classroom gives whole points; these checks have fractions: {non_integer}")
    ids = [f"{key}check{i + 1:02d}" for i, (key, _, _) in enumerate(checks)]
    grade = " ".join(["python -m grader.cli grade", *(a.key for a in assignments), "--public-only", "--json",
                      RESULTS, "--json-only"])
    lines = [
        "# Written by `makemore release --github-classroom`: GitHub Classroom grades every push with the public",
        "# checks, each check a step with its points. Regenerate it rather than editing it.",
        "name: Autograding Tests",
        '"on":',
        "  - push",
        "  - repository_dispatch",
        "  - workflow_dispatch",
        "permissions:",
        "  checks: write",
        "  actions: read",
        "  contents: read",
        "jobs:",
        "  run-autograding-tests:",
        "    runs-on: ubuntu-latest",
        "    if: github.actor != 'github-classroom[bot]'",
        "    steps:",
        "      - name: Checkout code",
        "        uses: actions/checkout@v4",
        "      - name: Set up Python",
        "        uses: actions/setup-python@v5",
        "        with:",
        f"          python-version: {q(python)}",
        "      - name: Install the versions the kit was released with",
        f"        run: python -m pip install {' '.join(pins)}",
        "      - name: Grade the public checks",
        f"        timeout-minutes: {GRADE_MINUTES}",
        f"        run: mkdir -p {str(Path(RESULTS).parent)} && {grade}",
    ]
    for step, (key, name, points) in zip(ids, checks):
        lines += [
            f"      - name: {q(f'{key} {name}')}",
            f"        id: {step}",
            f"        uses: {COMMAND_GRADER}",
            "        with:",
            f"          test-name: {q(f'{key} {name}')}",
            f"          command: {q(f'python -m grader.check_passed {RESULTS} {key} {name}')}",
            "          timeout: 1",
            f"          max-score: {points}",
        ]
    lines += [
        "      - name: Autograding Reporter",
        f"        uses: {REPORTER}",
        "        env:",
        *(f"          {step.upper()}_RESULTS: \"${{{{ steps.{step}.outputs.result }}}}\"" for step in ids),
        "        with:",
        f"          runners: {','.join(ids)}",
    ]
    return "\n".join(lines) + "\n"


def write_workflow(bundle: Path, keys: list[str] | None = None) -> Path:
    """Write the workflow into the bundle; returns its path."""
    path = Path(bundle) / WORKFLOW
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(workflow(keys))
    gitignore = Path(bundle) / ".gitignore"
    ignored = gitignore.read_text().splitlines() if gitignore.exists() else []
    if ".makemore/" not in ignored:  # the grade a push writes is not the student's work
        gitignore.write_text("\n".join([*ignored, ".makemore/"]) + "\n")
    return path
