"""What a batch leaves behind: a gradebook CSV, one feedback file per student, a summary of the class.

Everything is written from the records of results.jsonl (grader/instructor/batch.py), so it can be rebuilt at any time.
"""
from __future__ import annotations

import csv
import html
import re
import statistics
from collections import Counter
from pathlib import Path

from grader.runner import AssignmentResult
from grader.spec import Outcome

PASSING = ("passed", "skipped")


def result_of(record: dict) -> AssignmentResult:
    data = record["result"]
    outcomes = [Outcome(**c) for c in data["checks"]]
    return AssignmentResult(data["assignment"], data["title"], outcomes, data["mode"], data.get("seconds", 0.0),
                            record.get("output", ""))


def safe_name(student: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._@+-]+", "_", student).strip("._") or "student"
    return name[:100]


def write_csv(records: list[dict], path: Path) -> None:
    checks: list[str] = []
    for record in records:
        for c in record["result"]["checks"]:
            if c["name"] not in checks:
                checks.append(c["name"])
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "entry", *checks, "total", "max", "status"])
        for record in records:
            points = {c["name"]: c["points"] for c in record["result"]["checks"]}
            # regrade: the grader (its sandbox, or a bug) failed on some check, not the student (batch.py)
            status = "regrade" if record.get("regrade") else "unreadable" if record.get("fatal") else "graded"
            writer.writerow([record["student"], record["entry"], *[f"{points.get(c, 0):g}" for c in checks],
                             f"{record['score']:g}", f"{record['max_score']:g}", status])


def feedback_text(record: dict) -> str:
    from grader import report

    lines = [f"# Feedback for {record['student']}", "",
             f"Assignment {record['assignment']}, submission `{record['entry']}`: "
             f"**{record['score']:g} / {record['max_score']:g}**", ""]
    if record.get("fatal"):
        lines += ["## Your submission could not be run", "", record["fatal"], ""]
    if record.get("notes"):
        lines += ["## About your submission", ""] + [f"- {note}" for note in record["notes"]] + [""]
    lines += ["## Checks", "", "```", report.render([result_of(record)], colour=False), "```", ""]
    if record.get("output", "").strip():
        lines += ["## What your code printed (last lines)", "", "```",
                  *record["output"].strip().splitlines()[-20:], "```", ""]
    return "\n".join(lines)


def feedback_html(record: dict) -> str:
    body = []
    in_code = False
    for line in feedback_text(record).splitlines():
        if line == "```":
            body.append("</pre>" if in_code else "<pre>")
            in_code = not in_code
        elif in_code:
            body.append(html.escape(line))
        elif line.startswith("# "):
            body.append(f"<h1>{html.escape(line[2:])}</h1>")
        elif line.startswith("## "):
            body.append(f"<h2>{html.escape(line[3:])}</h2>")
        elif line.startswith("- "):
            body.append(f"<p>&bull; {html.escape(line[2:])}</p>")
        elif line:
            body.append(f"<p>{html.escape(line).replace('**', '')}</p>")
    return ("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Feedback</title></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")


def write_feedback(records: list[dict], folder: Path, fmt: str = "md") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for record in records:
        name = safe_name(record["student"])
        if fmt == "html":
            (folder / f"{name}.html").write_text(feedback_html(record), encoding="utf-8")
        else:
            (folder / f"{name}.md").write_text(feedback_text(record), encoding="utf-8")


def diagnosis_key(message: str) -> str:
    """The first line of a message with its numbers blanked, so that one mistake groups across students."""
    first = (message or "").strip().splitlines()[0] if (message or "").strip() else "(no message)"
    first = re.sub(r"(?<![\w.])-?\d+(\.\d+)?(e-?\d+)?(?!\w)", "#", first)
    return first[:240]


def summary_text(records: list[dict]) -> str:
    if not records:
        return "# Class summary\n\nNo submissions.\n"
    scores = [r["score"] for r in records]
    maximum = max(r["max_score"] for r in records)
    lines = ["# Class summary", "", f"Assignment {records[0]['assignment']}: {len(records)} students, "
             f"mean {statistics.mean(scores):.1f}, median {statistics.median(scores):g}, max points {maximum:g}.",
             f"Full marks: {sum(s >= maximum for s in scores)}; unreadable submissions: "
             f"{sum(bool(r.get('fatal')) for r in records)}; to regrade (the grader failed, not the student): "
             f"{sum(bool(r.get('regrade')) for r in records)}.", "", "## Score histogram", "", "```"]
    bins = 10
    counts = [0] * bins
    for s in scores:
        counts[min(bins - 1, int(bins * s / maximum)) if maximum else 0] += 1
    scale = max(counts) or 1
    for i, n in enumerate(counts):
        lo, hi = maximum * i / bins, maximum * (i + 1) / bins
        bracket = "]" if i == bins - 1 else ")"
        lines.append(f"[{lo:5.1f}, {hi:5.1f}{bracket} {n:4d} {'#' * round(40 * n / scale)}")
    lines += ["```", "", "## Checks most students failed", "",
              "(unreadable submissions left out)", "",
              "| check | failed | most common diagnosis | students |", "|---|---:|---|---:|"]
    failures: dict[str, list[str]] = {}
    order: list[str] = []
    for r in records:
        if r.get("fatal"):  # the same message on every check: it is in the count of unreadable submissions
            continue
        for c in r["result"]["checks"]:
            if c["name"] not in order:
                order.append(c["name"])
            if c["status"] not in PASSING:
                failures.setdefault(c["name"], []).append(diagnosis_key(c["message"]))
    readable = sum(not r.get("fatal") for r in records)
    ranked = sorted(order, key=lambda name: (-len(failures.get(name, [])), order.index(name)))
    for name in ranked:
        messages = failures.get(name, [])
        if not messages:
            continue
        common, n = Counter(messages).most_common(1)[0]
        lines.append(f"| `{name}` | {len(messages)}/{readable} | {common.replace('|', '/')} | {n} |")
    return "\n".join(lines) + "\n"


def write_all(records: dict[str, dict], out_dir: Path, feedback_format: str = "md") -> list[Path]:
    ordered = [records[s] for s in sorted(records)]
    write_csv(ordered, out_dir / "gradebook.csv")
    write_feedback(ordered, out_dir / "feedback", feedback_format)
    (out_dir / "summary.md").write_text(summary_text(ordered), encoding="utf-8")
    return [out_dir / "gradebook.csv", out_dir / "feedback", out_dir / "summary.md"]
