"""Progress across the course: one file, ``.makemore/progress.json`` in the student's work folder, that every
command adds to and none overwrites.

What it holds, per assignment key::

    {"best": [score, points], "last": [score, points],   # public points of whole grades (makemore grade aN)
     "units_passed": ["Linear", ...],                      # every public check of the unit passed
     "solutions": {"Linear": "after passing" | "gave up"}, # makemore solution
     "trained": {"mlp": {"split": "dev", "loss": 2.13, "goal": "dev about 2.11 (lecture 2.17)"}}}

Hints are counted where ``makemore hint`` keeps them (grader/hints.py, ``.makemore/hints.json``), and read from
there: one place each. Scores are public points, so the kit's checkout and a student bundle count alike.

Who writes it: ``makemore grade`` (a whole grade sets best and last; a grade of some units updates those units
only), ``makemore solution`` (a reveal), ``makemore train`` (the final dev, or test, loss). ``makemore list``
shows it and ``makemore list --next`` says what to do next. A folder that cannot be written loses the record,
never the command's result.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

FILE = Path(".makemore") / "progress.json"


def work_folder(folder: Path) -> Path:
    """The student's work folder of a graded folder: the folder above ``assignments/``, else itself."""
    folder = Path(folder)
    return folder.parent if folder.name == "assignments" else folder


def progress_file(folder: Path) -> Path:
    return work_folder(folder) / FILE


def load(folder: Path) -> dict:
    """Assignment key -> its record (the module's docstring); {} when there is none or it is unreadable."""
    try:
        data = json.loads(progress_file(folder).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) else {}


def save(folder: Path, data: dict) -> None:
    path = progress_file(folder)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    except OSError:  # a read-only folder: the command's result was printed, the record is a nicety
        pass


def public_points(assignment) -> float:
    return sum(c.points for c in assignment.checks if c.visibility == "public")


def units_of(assignment) -> list[str]:
    """The unit labels of an assignment, in the order it grades them."""
    return list(dict.fromkeys(c.unit.label for c in assignment.checks if c.unit is not None))


def unit_verdicts(assignment, outcomes) -> dict[str, bool]:
    """Unit label -> whether every public check of it that ran passed (units with no public check that ran
    are left out)."""
    unit_of = {c.name: c.unit.label for c in assignment.checks if c.unit is not None}
    verdicts: dict[str, bool] = {}
    for o in outcomes:
        label = unit_of.get(o.name)
        if label is None or o.visibility != "public":
            continue
        verdicts[label] = verdicts.get(label, True) and o.status == "passed"
    return verdicts


def record_grade(folder: Path, assignment, result, whole: bool) -> None:
    """After ``makemore grade``: the units that passed or failed; with ``whole`` (every check graded) the
    public score as the last grade, and as the best when higher."""
    data = load(folder)
    entry = data.setdefault(assignment.key, {})
    passed = set(entry.get("units_passed", ()))
    verdicts = unit_verdicts(assignment, result.outcomes)
    if whole:
        passed = set()
    passed |= {u for u, ok in verdicts.items() if ok}
    passed -= {u for u, ok in verdicts.items() if not ok}
    order = units_of(assignment)
    entry["units_passed"] = sorted(passed, key=lambda u: order.index(u) if u in order else len(order))
    if whole:
        score = sum(o.points for o in result.outcomes if o.visibility == "public" and o.status != "skipped")
        last = [round(score, 4), public_points(assignment)]
        entry["last"] = last
        if not entry.get("best") or last[0] >= entry["best"][0]:
            entry["best"] = last
    save(folder, data)


def record_solution(folder: Path, key: str, unit: str, how: str) -> None:
    """After ``makemore solution``: the reference of ``unit`` was shown, ``how``: "after passing" or "gave up"
    (a give-up is never overwritten by a later pass)."""
    data = load(folder)
    shown = data.setdefault(key, {}).setdefault("solutions", {})
    if shown.get(unit) != "gave up":
        shown[unit] = how
    save(folder, data)


def lecture_loss(goal: str) -> float | None:
    """The loss a registry goal names ("dev about 2.11 (lecture 2.17)" -> 2.11): the number after "dev", else
    the first number of at least 1; None when it names none (a6: "PyTorch's test loss ... to 0.02")."""
    found = re.search(r"dev(?: about)? (\d+\.\d+)", goal)
    if found:
        return float(found.group(1))
    numbers = [float(n) for n in re.findall(r"\d+\.\d+", goal) if float(n) >= 1]
    return numbers[0] if numbers else None


def record_training(folder: Path, key: str, model: str, losses: dict[str, float], goal: str) -> None:
    """After ``makemore train MODEL``: its final dev loss (test where the split has no dev part) beside the
    registry's goal."""
    split = "dev" if "dev" in losses else "test"
    data = load(folder)
    data.setdefault(key, {}).setdefault("trained", {})[model] = {
        "split": split, "loss": round(float(losses[split]), 4), "goal": goal}
    save(folder, data)


# -- what makemore list shows -------------------------------------------------------------------------------

def hints_taken(folder: Path) -> dict[str, int]:
    from grader import hints

    return hints.taken(work_folder(folder))


def trained_text(entry: dict) -> str:
    parts = []
    for model, run in sorted(entry.get("trained", {}).items()):
        goal = lecture_loss(run.get("goal", ""))
        parts.append(f"{model} {run['split']} {run['loss']:.3f}" + (f" vs {goal:g}" if goal else ""))
    return ", ".join(parts) or "-"


def rows(folder: Path) -> list[tuple[str, ...]]:
    """makemore list's progress table: a header, then one row per assignment."""
    from grader.specs import ASSIGNMENTS

    data, hints = load(folder), hints_taken(folder)
    table = [("assignment", "units passed", "hints", "solutions", "best grade", "trained vs goal")]
    for key, assignment in ASSIGNMENTS.items():
        entry = data.get(key, {})
        best = entry.get("best")
        solutions = entry.get("solutions", {})
        gave_up = sum(how == "gave up" for how in solutions.values())
        table.append((key, f"{len(entry.get('units_passed', []))}/{len(units_of(assignment))}",
                      str(hints.get(key, 0)),
                      f"{len(solutions)}" + (f" ({gave_up} gave up)" if gave_up else ""),
                      f"{best[0]:g}/{best[1]:g}" if best else "-", trained_text(entry)))
    return table


def next_step(folder: Path) -> str:
    """What to do next: the first assignment of those ``folder`` holds (all when it holds none) not at full
    public marks, its first unit not passed, the command that grades it, the part of the lecture."""
    from grader import lectures
    from grader.specs import ASSIGNMENTS

    data = load(folder)
    graded = Path(folder) / "assignments" if (Path(folder) / "assignments").is_dir() else Path(folder)
    present = [a for a in ASSIGNMENTS.values() if (graded / a.package).is_dir()]
    for assignment in present or ASSIGNMENTS.values():  # the assignments this folder holds
        key = assignment.key
        entry = data.get(key, {})
        best = entry.get("best")
        if best and best[0] >= best[1]:
            continue
        passed = set(entry.get("units_passed", ()))
        todo = [u for u in units_of(assignment) if u not in passed]
        unit = todo[0] if todo else None
        if unit is None:
            return (f"next: {key} ({assignment.title}): every unit passed on its own; grade the whole "
                    f"assignment: makemore grade {key}")
        lines = [f"next: {key} ({assignment.title}), unit {unit}" +
                 (" (not graded yet)" if not entry else f" ({len(passed)} of {len(units_of(assignment))} passed)"),
                 f"  run:   makemore grade {key} {unit_word(assignment, unit)}"]
        where = lectures.section(key, unit)
        entry_lecture = lectures.lecture(key)
        if where and entry_lecture:
            lines.append(f"  watch: {entry_lecture.title}, {where}" +
                         (f" ({entry_lecture.video})" if entry_lecture.video else ""))
        lines.append(f"  stuck: makemore hint {key}")
        return "\n".join(lines)
    return "next: every assignment is at full local marks. Well done: `makemore solution aN UNIT` shows the " \
           "reference's version of any unit to compare with yours."


def unit_word(assignment, unit: str) -> str:
    """The word that picks ``unit`` on the command line: its label when that is one word picking it, else the
    first check's id up to its first dot (a3's 'BatchNorm1d (eval mode)' -> 'batchnorm_eval')."""
    from grader import selection

    check = next(c for c in assignment.checks if c.unit is not None and c.unit.label == unit)
    if " " not in unit and selection.pick(assignment, unit) and \
            all(n in [c.name for c in assignment.checks if c.unit is not None and c.unit.label == unit]
                for n in selection.pick(assignment, unit)):
        return unit
    return check.name.split(".")[0]
