"""How results look: a terminal report a student enjoys reading, and a JSON file with every check."""
from __future__ import annotations

import json
import os
import sys
import textwrap

from grader.runner import AssignmentResult

WRAP = 124  # columns: messages are wrapped under their check, not across the terminal
SYMBOLS = {"passed": "✓", "skipped": "·", "pending": "…"}
COLOURS = {"passed": "32", "failed": "31", "skipped": "90", "not implemented": "33", "pending": "90"}


def score_text(result: AssignmentResult) -> str:
    """'56/78', and '56/78 +22 pending' where checks wait on an earlier assignment's unfinished work (points
    shown apart: not lost, the instructor's grader uses the reference's version)."""
    pending = sum(o.max_points for o in result.outcomes if o.status == "pending")
    return f"{result.score:g}/{result.max_score:g}" + (f" +{pending:g} pending" if pending else "")


def use_colour(stream=None) -> bool:
    stream = stream or sys.stdout  # looked up now: sys.stdout may have been replaced since import
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def paint(text: str, code: str, colour: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if colour else text


def render(results: list[AssignmentResult], colour: bool = False, verbose: bool = False) -> str:
    lines = []
    for result in results:
        header = f"{result.key} · {result.title}"
        score = score_text(result)
        lines.append(paint(f"{header:<70} {score:>9}", "1", colour))
        width = max(len(o.name) for o in result.outcomes)
        for o in result.outcomes:
            symbol = SYMBOLS.get(o.status, "✗")
            code = COLOURS.get(o.status, "31")
            if o.status == "skipped":
                points = "hidden"
            elif o.status == "pending":
                points = "pending"
            else:
                points = f"{o.points:g}/{o.max_points:g}"
            status = "" if o.status in ("passed", "failed", "skipped", "pending") else f"[{o.status}] "
            first, *rest = (o.message or "").split("\n")
            if o.status == "passed" and not verbose:
                first, rest = (first if o.name.endswith("training") else ""), []
            indent = " " * (width + 15)
            first_lines = textwrap.wrap(f"{status}{first}", WRAP - len(indent)) or [""]
            lines.append(f"  {paint(symbol, code, colour)} {o.name:<{width}}  {points:>7}  {first_lines[0]}".rstrip())
            lines += [indent + more for more in first_lines[1:]]
            for extra in rest:
                if extra.startswith("Traceback") and not verbose:
                    break
                wrapped = textwrap.wrap(extra.strip(), WRAP - len(indent), subsequent_indent="  ") or [""]
                lines += [indent + part for part in wrapped]
        if result.mode == "public":
            lines.append(paint("  (public checks only: hidden checks run on your instructor's grader)", "90", colour))
        if verbose and result.output.strip():
            lines.append("  what your code printed (last lines):")
            lines += ["    " + line for line in result.output.strip().splitlines()[-20:]]
        lines.append("")
    if len(results) > 1:
        total = sum(r.score for r in results)
        maximum = sum(r.max_score for r in results)
        lines.append(paint(f"{'total':<70} {f'{total:g}/{maximum:g}':>9}", "1", colour))
    return "\n".join(lines)


def where_to_start(result: AssignmentResult) -> str:
    """'a2_mlp/embedding.py (Embedding)': the module of the first check, in the spec's (the lecture's) order,
    that does not pass; '' when every check passes."""
    from grader.specs import resolve

    failing = {o.name for o in result.outcomes if o.status not in ("passed", "skipped")}
    for check in resolve(result.key).checks:
        target = getattr(check.unit, "target", None)
        if check.name in failing and isinstance(target, str):
            module, _, name = target.partition(":")
            return f"{module.replace('.', '/')}.py ({name})"
    return ""


def overview(results: list[AssignmentResult], colour: bool = False, verbose: bool = False) -> str:
    """Every assignment in a line or two: an untouched one (every check it ran is "not implemented") says how
    many checks are left and where to start, a finished one says so; the one being worked on (anything else)
    gets its full report. For ``makemore grade`` without an assignment: a fresh checkout's first report is 7
    short entries, not every check of every stub."""
    lines = []
    for result in results:
        ran = [o for o in result.outcomes if o.status != "skipped"]
        untouched = ran and all(o.status in ("not implemented", "pending") or (
            o.status == "failed" and o.message.startswith("not run:")) for o in ran)
        done = all(o.status == "passed" for o in ran)
        if not (untouched or done):
            lines.append(render([result], colour, verbose))
            continue
        header = f"{result.key} · {result.title}"
        lines.append(paint(f"{header:<70} {score_text(result):>9}", "1", colour))
        if done:
            lines.append(paint(f"  ✓ every check passes ({len(ran)})", "32", colour))
        else:
            lines.append(f"  not started: {len(ran)} checks to go; start with {where_to_start(result)}")
        lines.append("")
    if len(results) > 1:
        total, maximum = sum(r.score for r in results), sum(r.max_score for r in results)
        lines.append(paint(f"{'total':<70} {f'{total:g}/{maximum:g}':>9}", "1", colour))
        lines.append("every check of one assignment: makemore grade a1 (or a2, ...)")
    return "\n".join(lines)


def to_json(results: list[AssignmentResult]) -> dict:
    return {"score": sum(r.score for r in results), "max_score": sum(r.max_score for r in results),
            "assignments": [r.to_dict() for r in results]}


def write_json(results: list[AssignmentResult], path: str) -> None:
    with open(path, "w") as f:
        json.dump(to_json(results), f, indent=2)
