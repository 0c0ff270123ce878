"""How results look: a terminal report a student enjoys reading, and a JSON file with every check."""
from __future__ import annotations

import json
import os
import sys
import textwrap

from grader.runner import AssignmentResult

WRAP = 124  # columns: messages are wrapped under their check, not across the terminal
SYMBOLS = {"passed": "✓", "skipped": "·"}
COLOURS = {"passed": "32", "failed": "31", "skipped": "90", "not implemented": "33"}


def use_colour(stream=None) -> bool:
    stream = stream or sys.stdout  # looked up now: sys.stdout may have been replaced since import
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def paint(text: str, code: str, colour: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if colour else text


def render(results: list[AssignmentResult], colour: bool = False, verbose: bool = False) -> str:
    lines = []
    for result in results:
        header = f"{result.key} · {result.title}"
        score = f"{result.score:g}/{result.max_score:g}"
        lines.append(paint(f"{header:<70} {score:>9}", "1", colour))
        width = max(len(o.name) for o in result.outcomes)
        for o in result.outcomes:
            symbol = SYMBOLS.get(o.status, "✗")
            code = COLOURS.get(o.status, "31")
            if o.status == "skipped":
                points = "hidden"
            else:
                points = f"{o.points:g}/{o.max_points:g}"
            status = "" if o.status in ("passed", "failed", "skipped") else f"[{o.status}] "
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


def to_json(results: list[AssignmentResult]) -> dict:
    return {"score": sum(r.score for r in results), "max_score": sum(r.max_score for r in results),
            "assignments": [r.to_dict() for r in results]}


def write_json(results: list[AssignmentResult], path: str) -> None:
    with open(path, "w") as f:
        json.dump(to_json(results), f, indent=2)
