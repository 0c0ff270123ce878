"""Hints a student asks for, one level at a time, as far as the instructor allows.

Every graded function has a ladder of hints, written beside its solution in reference/ (``### HINT n: ...``,
read by ``grader.generate.hint_ladders``): level 1 the idea (which rule applies, what depends on what), level 2
the first step of the derivation (the local derivative in words, the shape argument), level 3 the closed form.

Where they come from: the instructor's kit reads every level from reference/; a student bundle
(``makemore release --hints none|ideas|steps|all``) carries ``grader/hints.json`` with the levels its policy
allows and nothing else, so ``makemore hint`` works offline there and can never show more.

What was shown is remembered in ``.makemore/hints.json`` of the student's work folder (the folder ``makemore
grade`` grades), so each call shows the next level; ``makemore grade`` and ``makemore list`` say how many were
taken. Hints never change a score.

    makemore hint a3 batchnorm.backward          # the next level for BatchNorm1d.backward
    makemore hint a3                             # the functions that have hints, and what you have seen

    from grader.hints import hint                # in a notebook cell
    hint("a3", "BatchNorm1d.backward")
"""
from __future__ import annotations

import json
from pathlib import Path

from grader import KIT_ROOT

# Policy -> the highest level a release carries (None: every level).
POLICIES = {"none": 0, "ideas": 1, "steps": 2, "all": None}
DEFAULT_POLICY = "steps"
LEVEL_NAMES = {1: "the idea", 2: "the first step", 3: "the closed form"}
BUNDLE_FILE = KIT_ROOT / "grader" / "hints.json"
REFERENCE = KIT_ROOT / "reference"


class HintError(LookupError):
    """No such assignment or function, or a name that fits several functions; the message lists the choices."""


def reference_ladders(reference: Path = REFERENCE) -> dict[str, dict[str, list[str]]]:
    """Assignment key -> {"module.Qualified.name": [level 1, level 2, ...]}, every level, from the reference."""
    from grader import generate
    from grader.specs import ASSIGNMENTS

    ladders = {}
    for key, assignment in ASSIGNMENTS.items():
        folder = reference / assignment.package
        found = {}
        for path in sorted(folder.glob("*.py")) if folder.is_dir() else []:
            for name, ladder in generate.hint_ladders(path.read_text(), str(path)).items():
                found[f"{path.stem}.{name}"] = ladder
        ladders[key] = found
    return ladders


def bundle_content(policy: str = DEFAULT_POLICY, reference: Path = REFERENCE) -> dict:
    """What a release at ``policy`` writes to grader/hints.json: the allowed levels of every ladder, and how
    many levels each ladder has in all (so a student knows more exist, held by the instructor)."""
    if policy not in POLICIES:
        raise ValueError(f"unknown hint policy {policy!r}; choose from {', '.join(POLICIES)}")
    top = POLICIES[policy]
    ladders = {key: {name: {"levels": ladder[:top] if top is not None else list(ladder), "total": len(ladder)}
                     for name, ladder in functions.items()}
               for key, functions in reference_ladders(reference).items()}
    return {"policy": policy, "max_level": top, "ladders": ladders}


def available(bundle_file: Path | None = None, reference: Path | None = None) -> dict:
    """The hints this installation may show, in bundle_content's format: every level in the instructor's kit
    (reference/ present), the released levels in a student bundle."""
    bundle_file = BUNDLE_FILE if bundle_file is None else bundle_file
    reference = REFERENCE if reference is None else reference
    if bundle_file.exists():
        return json.loads(bundle_file.read_text(encoding="utf-8"))
    if reference.is_dir():
        return bundle_content("all", reference)
    return {"policy": "none", "max_level": 0, "ladders": {}}


def resolve_assignment(name: str, ladders: dict) -> str:
    from grader.specs import resolve

    try:
        key = resolve(name).key
    except KeyError as err:
        raise HintError(err.args[0]) from None
    if key not in ladders:
        raise HintError(f"{key} has no hints in this installation")
    return key


def resolve_function(name: str, functions: dict) -> str:
    """'batchnorm.backward', 'BatchNorm1d.backward', 'batchnorm.BatchNorm1d.backward' or 'dlogprobs' -> the
    ladder's full name ("module.Qualified.name"), case-insensitively; HintError when none or several fit."""
    wanted = name.strip().lower()
    if wanted in (f.lower() for f in functions):
        return next(f for f in functions if f.lower() == wanted)
    fits = []
    for full in functions:
        module, _, qualified = full.partition(".")
        parts = qualified.split(".")
        forms = {qualified, parts[-1], f"{module}.{parts[-1]}"}
        if len(parts) > 1:
            forms.add(f"{parts[0]}.{parts[-1]}")
        if wanted in {f.lower() for f in forms}:
            fits.append(full)
    if len(fits) == 1:
        return fits[0]
    choices = ", ".join(sorted(fits or functions))
    if fits:
        raise HintError(f"{name!r} fits several functions: {choices}; give the one you mean")
    raise HintError(f"no hints for {name!r}; the functions with hints are: {choices}")


# -- what a student has seen ---------------------------------------------------------------------------------

def progress_file(root: Path) -> Path:
    """The record of shown hints in the student's work folder ``root`` (beside assignments/, in .makemore/)."""
    root = Path(root)
    if root.name == "assignments":
        root = root.parent
    return root / ".makemore" / "hints.json"


def default_root() -> Path:
    """The student's work folder, as ``makemore grade`` finds it (grader/cli.py's graded_folder): the current
    folder when it holds assignments/, or the one above (a notebook opened in notebooks/, or assignments/
    itself); else the kit's checkout when it has assignments/; else the current folder."""
    cwd = Path.cwd()
    for folder in (cwd, cwd.parent):
        if (folder / "assignments").is_dir():
            return folder
    return KIT_ROOT if (KIT_ROOT / "assignments").is_dir() else cwd


def shown(root: Path) -> dict[str, dict[str, int]]:
    """Assignment key -> {function: the highest level shown}."""
    path = progress_file(root)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {key: {name: int(level) for name, level in functions.items()}
            for key, functions in data.items() if isinstance(functions, dict)}


def taken(root: Path) -> dict[str, int]:
    """Assignment key -> the number of hint levels shown (the sum over its functions)."""
    return {key: sum(functions.values()) for key, functions in shown(root).items() if functions}


def record(root: Path, key: str, function: str, level: int) -> None:
    path = progress_file(root)
    data = shown(root)
    data.setdefault(key, {})[function] = max(level, data.get(key, {}).get(function, 0))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    except OSError:  # a read-only folder: the hint was shown, the record is a nicety
        pass


def next_hint(key: str, function: str, root: Path, hints: dict | None = None) -> str:
    """Show the next level of ``function``'s ladder in assignment ``key`` (and record it under ``root``);
    once every allowed level was shown, repeat them all. Returns the text to print."""
    hints = available() if hints is None else hints
    ladders = hints.get("ladders", {})
    key = resolve_assignment(key, ladders)
    full = resolve_function(function, ladders[key])
    entry = ladders[key][full]
    levels, total = entry["levels"], entry["total"]
    qualified = full.partition(".")[2]
    if not levels:
        return f"{key} {qualified}: your instructor released no hints for this assignment ({total} held back)."
    seen = shown(root).get(key, {}).get(full, 0)
    if seen >= len(levels):
        lines = [f"{key} {qualified}: every hint you may see ({len(levels)} of {total}):"]
        lines += [f"  {n}. {LEVEL_NAMES.get(n, f'level {n}')}: {text}" for n, text in enumerate(levels, start=1)]
        if total > len(levels):
            lines.append(f"  (your instructor holds the other {total - len(levels)})")
        return "\n".join(lines)
    level = seen + 1
    record(root, key, full, level)
    more = (f"`makemore hint {key} {qualified}` again for level {level + 1}" if level < len(levels)
            else "that was the last level released" + (f" ({total - level} more held by your instructor)"
                                                       if total > level else ""))
    return f"{key} {qualified}, hint {level}/{total} ({LEVEL_NAMES.get(level, f'level {level}')}):\n  " \
           f"{levels[level - 1]}\n({more})"


def listing(key: str, root: Path, hints: dict | None = None) -> str:
    """The functions of an assignment that have hints, with the levels shown and released."""
    hints = available() if hints is None else hints
    ladders = hints.get("ladders", {})
    key = resolve_assignment(key, ladders)
    seen = shown(root).get(key, {})
    lines = [f"{key}: hints (shown / released / in all); `makemore hint {key} NAME` shows the next one"]
    for full, entry in sorted(ladders[key].items()):
        lines.append(f"  {full.partition('.')[2]:32s} {seen.get(full, 0)} / {len(entry['levels'])} / {entry['total']}")
    return "\n".join(lines)


def hint(assignment: str, function: str | None = None, root: str | Path | None = None) -> None:
    """In a notebook: print the next hint of ``function`` (or, without it, the functions that have hints).
    Remembered in the work folder's .makemore/hints.json, as ``makemore hint`` does."""
    where = default_root() if root is None else Path(root)
    try:
        print(next_hint(assignment, function, where) if function else listing(assignment, where))
    except HintError as err:
        print(err.args[0])
