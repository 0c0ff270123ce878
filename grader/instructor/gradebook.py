"""What a batch leaves behind: a gradebook CSV, one feedback file per student, a summary of the class.

Everything is written from the records of results.jsonl (grader/instructor/batch.py), so it can be rebuilt at any time.
"""
from __future__ import annotations

import csv
import html
import re
import statistics
import textwrap
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
        roster = any("roster" in r for r in records)
        writer.writerow(["student", *(["name", "email"] if roster else []), "entry", *checks, "total", "max",
                         "status", "note"])
        for record in records:
            points = {c["name"]: c["points"] for c in record["result"]["checks"]}
            # regrade: the grader (its sandbox, or a bug) failed on some check, not the student (batch.py)
            status = ("missing" if record.get("missing") else "regrade" if record.get("regrade")
                      else "unreadable" if record.get("fatal") else "graded")
            person = record.get("roster") or {}
            who = [person.get("id", record["student"]), person.get("name", ""), person.get("email", "")] if roster \
                else [record["student"]]
            note = "no submission" if record.get("missing") else (record.get("fatal") or "")[:200]
            writer.writerow([*who, record["entry"], *[f"{points.get(c, 0):g}" for c in checks],
                             f"{record['score']:g}", f"{record['max_score']:g}", status, note])


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


STYLE = """
body { font: 16px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1f2328; background: #fff; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
.score { font-size: 1.25rem; } .score strong { font-size: 1.6rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .5rem; border-bottom: 1px solid #d0d7de; }
td.points { white-space: nowrap; text-align: right; font-variant-numeric: tabular-nums; }
tr.check td:first-child { border-left: .4rem solid #8c959f; }
tr.passed td:first-child { border-left-color: #1a7f37; } tr.skipped td:first-child { border-left-color: #d0d7de; }
tr.failed td:first-child, tr.error td:first-child, tr.crashed td:first-child, tr.timeout td:first-child
  { border-left-color: #cf222e; }
tr.not-implemented td:first-child { border-left-color: #bf8700; }
.status { display: inline-block; font-size: .8rem; padding: 0 .4rem; border-radius: .6rem; background: #eaeef2; }
tr.passed .status { background: #dafbe1; } tr.failed .status, tr.error .status, tr.crashed .status,
tr.timeout .status { background: #ffebe9; } tr.not-implemented .status { background: #fff8c5; }
.diagnosis { margin: 0; font-weight: 600; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; font-size: .85rem; background: #f6f8fa; padding: .5rem;
  margin: .25rem 0 0; }
code { font-size: .9em; }
@media (max-width: 40rem) {  /* a phone: one block per check */
  thead { display: none; } tr, td { display: block; } td { border: 0; padding: .15rem .5rem; }
  tr.check { border-bottom: 1px solid #d0d7de; padding: .4rem 0; border-left: .4rem solid #8c959f; }
  tr.passed { border-left-color: #1a7f37; } tr.failed, tr.error, tr.crashed, tr.timeout { border-left-color: #cf222e; }
  tr.not-implemented { border-left-color: #bf8700; } tr.skipped { border-left-color: #d0d7de; }
  tr.check td:first-child { border-left: 0; } td.points { text-align: left; }
}
"""


def feedback_html(record: dict) -> str:
    """The feedback as a page: the score, the notes, then one row per check with its status colour, points,
    the diagnosis (the message's first line) and the details; readable on a phone (one block per check)."""
    e = html.escape
    result = record["result"]
    rows = []
    for c in result["checks"]:
        status = c["status"]
        first, _, rest = (c["message"] or "").partition("\n")
        if status == "skipped":
            points = "hidden"
        else:
            points = f"{c['points']:g}/{c['max_points']:g}"
        details = f"<pre>{e(textwrap.dedent(rest).strip())}</pre>" if rest.strip() else ""
        diagnosis = f'<p class="diagnosis">{e(first)}</p>' if first else ""
        rows.append(f'<tr class="check {e(status.replace(" ", "-"))}"><td><code>{e(c["name"])}</code> '
                    f'<span class="status">{e(status)}</span></td><td class="points">{points}</td>'
                    f"<td>{diagnosis}{details}</td></tr>")
    parts = [f"<h1>Feedback for {e(record['student'])}</h1>",
             f'<p class="score">Assignment {e(record["assignment"])}: {e(result.get("title", ""))}<br>'
             f"submission <code>{e(record['entry'])}</code>: <strong>{record['score']:g} / {record['max_score']:g}"
             "</strong></p>"]
    if record.get("fatal"):
        parts += ["<h2>Your submission could not be run</h2>", f"<p>{e(record['fatal'])}</p>"]
    if record.get("notes"):
        parts += ["<h2>About your submission</h2>", "<ul>"] + [f"<li>{e(n)}</li>" for n in record["notes"]] + ["</ul>"]
    parts += ["<h2>Checks</h2>", "<table><thead><tr><th>check</th><th>points</th><th>what was found</th></tr></thead>",
              "<tbody>", *rows, "</tbody></table>"]
    if result.get("mode") == "public":
        parts.append("<p>Public checks only: hidden checks run on your instructor's grader.</p>")
    if record.get("output", "").strip():
        printed = "\n".join(record["output"].strip().splitlines()[-20:])
        parts += ["<h2>What your code printed (last lines)</h2>", f"<pre>{e(printed)}</pre>"]
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>Feedback: {e(record['student'])}, {e(record['assignment'])}</title><style>{STYLE}</style>"
            "</head><body><main>\n" + "\n".join(parts) + "\n</main></body></html>\n")


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
    # what varies between students is measured (0.0312, 1e-05) or a place ([3, 7]); the integers of a formula
    # (`1 - tanh(x)**2`, 1/32 of the expected value) say which mistake it is and stay; `code` stays whole
    parts = first.split("`")
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(r"(?<![\w.])-?(\d+\.\d+(e[-+]?\d+)?|\d+e[-+]?\d+)(?!\w)", "#", parts[i])
        parts[i] = re.sub(r"\[[\d,\s]+\]", "[#]", parts[i])
        parts[i] = re.sub(r"(?<=line )\d+|(?<=cell )\d+|(?<=cell \[)\d+", "#", parts[i])
    first = "`".join(parts)
    # where it happened differs between a folder and a notebook ("a2_mlp/tanh.py, line 9" / "cell 7, line 3")
    first = re.sub(r"\s*\((?:[\w/]+\.py|cell #), line #(?:, in [\w.<>]+)?\)", "", first)
    return first[:240]


SYMPTOM = re.compile(r"\n\s*note: \S+ uses your (?P<units>[\w, ]+?), which fails? (?:its|their) own checks")


def symptom_of(check: dict) -> list[str]:
    """The failing units a check's failure comes from (grader/runner.py's note "MLP uses your Linear, Tanh,
    which fail their own checks"): its row in the re-teaching table is theirs, not a symptom's own."""
    match = SYMPTOM.search(check.get("message") or "")
    return [u.strip() for u in match["units"].split(",")] if match else []


def histogram_counts(scores: list[float], maximum: float, bins: int = 10) -> list[int]:
    counts = [0] * bins
    for score in scores:
        counts[min(bins - 1, int(bins * score / maximum)) if maximum else 0] += 1
    return counts


def by_diagnosis(records: list[dict]) -> list[tuple[str, list[str], list[str]]]:
    """(diagnosis, students, checks) for every diagnosis of a failed check, most students first, then by the
    diagnosis's text: the re-teaching view ("31 students averaged the bias gradient"), one row per mistake
    however many checks it fails. Unreadable submissions are left out (they are counted on their own)."""
    students: dict[str, set[str]] = {}
    checks: dict[str, set[str]] = {}
    for r in records:
        if r.get("fatal"):
            continue
        failed = [c for c in r["result"]["checks"]
                  if c["status"] not in PASSING and c["status"] not in ("not implemented", "pending")]
        causes = {}  # a failing unit -> the diagnosis of its first failing check: where its symptoms go
        for c in failed:
            if c.get("unit") and not symptom_of(c):
                causes.setdefault(c["unit"], diagnosis_key(c["message"]))
        for c in failed:
            keys = [causes[u] for u in symptom_of(c) if u in causes] or [diagnosis_key(c["message"])]
            for key in keys:
                students.setdefault(key, set()).add(r["student"])
                checks.setdefault(key, set()).add(c["name"])
    ranked = sorted(students, key=lambda key: (-len(students[key]), key))
    return [(key, sorted(students[key]), sorted(checks[key])) for key in ranked]


def summary_text(records: list[dict], histogram_png: str | None = None) -> str:
    if not records:
        return "# Class summary\n\nNo submissions.\n"
    graded = [r for r in records if not r.get("missing")]
    scores = [r["score"] for r in records]
    maximum = max(r["max_score"] for r in records)
    lines = ["# Class summary", "", f"Assignment {records[0]['assignment']}: {len(records)} students, "
             f"mean {statistics.mean(scores):.1f}, median {statistics.median(scores):g}, max points {maximum:g}.",
             f"Full marks: {sum(s >= maximum for s in scores)}; unreadable submissions: "
             f"{sum(bool(r.get('fatal')) and not r.get('missing') for r in records)}; "
             f"no submission: {len(records) - len(graded)}; to regrade (the grader failed, not the student): "
             f"{sum(bool(r.get('regrade')) for r in records)}.", "", "## Score histogram", ""]
    if histogram_png:
        lines += [f"![score histogram]({histogram_png})", ""]
    lines.append("```")
    counts = histogram_counts(scores, maximum)
    scale = max(counts) or 1
    for i, n in enumerate(counts):
        lo, hi = maximum * i / len(counts), maximum * (i + 1) / len(counts)
        bracket = "]" if i == len(counts) - 1 else ")"
        lines.append(f"[{lo:5.1f}, {hi:5.1f}{bracket} {n:4d} {'#' * round(40 * n / scale)}")
    readable = sum(not r.get("fatal") for r in records)
    unfinished = sum(any(c["status"] == "not implemented" for c in r["result"]["checks"])
                     for r in records if not r.get("fatal"))
    lines += ["```", "", "## Mistakes to re-teach, by diagnosis", "",
              f"(each row is one diagnosis, however many checks it fails; {readable} readable submissions, "
              f"{unfinished} of them with functions not implemented yet, which are not listed as mistakes)", "",
              "| students | diagnosis | checks it fails |", "|---:|---|---|"]
    for key, students, checks in by_diagnosis(records):
        lines.append(f"| {len(students)} | {key.replace('|', '/')} | {', '.join(f'`{c}`' for c in checks)} |")
    lines += ["", "## Checks most students failed", "",
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
    ranked = sorted(order, key=lambda name: (-len(failures.get(name, [])), order.index(name)))
    for name in ranked:
        messages = failures.get(name, [])
        if not messages:
            continue
        common, n = min(Counter(messages).items(), key=lambda item: (-item[1], item[0]))  # ties: by text
        lines.append(f"| `{name}` | {len(messages)}/{readable} | {common.replace('|', '/')} | {n} |")
    return "\n".join(lines) + "\n"


def write_histogram(records: list[dict], path: Path) -> Path | None:
    """The score histogram as a PNG, where matplotlib is installed (None otherwise)."""
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    scores = [r["score"] for r in records]
    maximum = max(r["max_score"] for r in records) or 1
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.hist(scores, bins=10, range=(0, maximum), color="#0969da", edgecolor="white")
    ax.set_xlabel(f"score (out of {maximum:g})")
    ax.set_ylabel("students")
    ax.set_title(f"{records[0]['assignment']}: {len(records)} students")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


# -- the roster, and an export the LMS imports ------------------------------------------------------------

ID_COLUMNS = ("student id", "student_id", "id", "sis user id", "username", "login", "student")


def read_roster(path: Path) -> list[dict]:
    """Rows of a roster CSV with the columns id, name, email (any case; "student id", "username" and "login"
    are taken as the id). Raises ValueError naming the columns it found when no id column is there."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        columns = {name.strip().lower(): name for name in reader.fieldnames or []}
        id_column = next((columns[c] for c in ID_COLUMNS if c in columns), None)
        if id_column is None:
            raise ValueError(f"{path}: no student id column (found {', '.join(reader.fieldnames or [])}; "
                             f"expected one of {', '.join(ID_COLUMNS)})")
        name = columns.get("name") or columns.get("student name")
        email = columns.get("email") or columns.get("email address")
        return [{"id": row[id_column].strip(), "name": (row.get(name) or "").strip() if name else "",
                 "email": (row.get(email) or "").strip() if email else ""} for row in reader if row[id_column].strip()]


def roster_key(text: str) -> str:
    return text.strip().lower()


def join_roster(records: dict[str, dict], roster: list[dict], assignment) -> tuple[list[dict], list[str]]:
    """(one record per roster student, then the submissions nobody on the roster matches), and notes.

    A submission matches a student by id, email, or the email's local part (alice@uni.edu <- alice.zip).
    A student with no submission gets a record with 0 points and the note "no submission"."""
    from grader.runner import unrunnable

    by_key = {}
    for student in records:
        by_key.setdefault(roster_key(student), student)
    joined, used, notes = [], set(), []
    for person in roster:
        keys = [person["id"], person["email"], person["email"].partition("@")[0]]
        match = next((by_key[roster_key(k)] for k in keys if k and roster_key(k) in by_key), None)
        if match is not None and match not in used:
            used.add(match)
            joined.append(dict(records[match], roster=person))
            continue
        result = unrunnable(assignment, "no submission")
        joined.append({"student": person["id"], "entry": "", "assignment": assignment.key, "notes": ["no submission"],
                       "fatal": "no submission", "missing": True, "score": 0, "max_score": result.max_score,
                       "result": result.to_dict(), "output": "", "roster": person})
    for student in sorted(set(records) - used):
        notes.append(f"{student}: a submission that matches nobody on the roster (graded, listed last in "
                     "gradebook.csv, left out of grades_import.csv)")
        joined.append(dict(records[student], roster={"id": student, "name": "", "email": ""}, off_roster=True))
    return joined, notes


def write_lms_csv(records: list[dict], path: Path, assignment_title: str) -> None:
    """The gradebook in the CSV shape Canvas imports (Student, ID, SIS User ID, SIS Login ID, Section, then one
    column per assignment, with a "Points Possible" row) with an "Email address" column Moodle's CSV import
    maps to its users; one row per student."""
    maximum = max((r["max_score"] for r in records), default=0)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Email address", "Section", assignment_title])
        writer.writerow(["    Points Possible", "", "", "", "", "", f"{maximum:g}"])
        for r in records:
            if r.get("off_roster"):  # the LMS knows nobody of that name: an import would fail or add a stranger
                continue
            person = r.get("roster") or {"id": r["student"], "name": "", "email": ""}
            writer.writerow([person["name"] or person["id"], "", person["id"], person["email"] or person["id"],
                             person["email"], "", f"{r['score']:g}"])


def write_all(records: dict[str, dict], out_dir: Path, feedback_format: str = "md",
              roster: Path | None = None, warnings: list[str] | None = None) -> list[Path]:
    """gradebook.csv, feedback/, summary.md (+ summary_histogram.png with matplotlib); with a roster, the
    gradebook has the roster's columns, every student on it (0 and "no submission" for the missing), and
    grades_import.csv in the shape Canvas and Moodle import, without the submissions that match nobody on the
    roster: those are listed apart in summary.md and added to ``warnings``."""
    from grader.specs import resolve

    ordered = [records[s] for s in sorted(records)]
    written = [out_dir / "gradebook.csv", out_dir / "feedback", out_dir / "summary.md"]
    if roster is not None and ordered:
        assignment = resolve(ordered[0]["assignment"])
        ordered, notes = join_roster(records, read_roster(roster), assignment)
        if warnings is not None:
            warnings += notes
        write_lms_csv(ordered, out_dir / "grades_import.csv", f"{assignment.key}: {assignment.title}")
        written.append(out_dir / "grades_import.csv")
    write_csv(ordered, out_dir / "gradebook.csv")
    write_feedback([r for r in ordered if not r.get("missing")], out_dir / "feedback", feedback_format)
    png = write_histogram(ordered, out_dir / "summary_histogram.png") if ordered else None
    if png:
        written.append(png)
    text = summary_text(ordered, png.name if png else None)
    strangers = [r["student"] for r in ordered if r.get("off_roster")]
    if strangers:
        text = text.rstrip("\n") + ("\n\n## Not on the roster\n\nGraded (in gradebook.csv) but left out of "
                                    "grades_import.csv: match them to a student or add them to the roster.\n\n"
                                    + "".join(f"- {s}\n" for s in strangers))
    (out_dir / "summary.md").write_text(text, encoding="utf-8")
    return written
