"""``makemore solution a2 linear``: the reference's version of a unit beside your own, once your version passes.

Reading good code after writing your own is how idioms are learnt (``np.add.at`` against a loop, a fused
backward, keeping the softmax's output for the backward). So the reference of a unit is shown only after every
public check of that unit passes in your work (graded here, the unit alone with what it depends on, as
``makemore grade a2 linear`` does); before that the command says which checks still fail. ``--give-up`` shows it
anyway, after a confirmation (``--yes`` for scripts), and ``makemore list`` counts it as given up.

The unit is named as ``makemore grade`` names it (grader/selection.py): a unit's label, its file or a check.
The source shown is the class or function the unit's target names, read with ``ast`` from reference/ and from
your file: the reference first, then yours, side by side where both fit in 100 columns.

Where it works: a checkout of the kit, which holds reference/ (the self-learner's case). A course bundle holds
no solution (``makemore release --solutions never|after-deadline``; ``grader/solutions.json`` says which), and
the command says what the instructor decided.

    makemore solution a2 linear
    makemore solution a4 dW2 --give-up

    from grader.solution import solution          # in a notebook cell
    solution("a2", "linear")
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

from grader import KIT_ROOT

REFERENCE = KIT_ROOT / "reference"
POLICY_FILE = KIT_ROOT / "grader" / "solutions.json"  # written by makemore release
POLICIES = ("never", "after-deadline")
WIDTH = 100


class SolutionError(LookupError):
    """No such assignment or unit; the message lists the choices."""


def bundle_policy(policy_file: Path | None = None, reference: Path | None = None) -> str | None:
    """The release's solution policy ("never", "after-deadline"), "none" for an installation without a
    reference and without a policy, or None where the reference is here (the kit's checkout)."""
    policy_file = POLICY_FILE if policy_file is None else policy_file
    reference = REFERENCE if reference is None else reference
    if policy_file.exists():
        try:
            return json.loads(policy_file.read_text(encoding="utf-8")).get("policy", "never")
        except ValueError:
            return "never"
    return None if reference.is_dir() else "none"


def policy_message(policy: str, key: str) -> str:
    if policy == "after-deadline":
        return (f"{key}: your instructor will publish the reference solutions after the deadline; this course "
                "bundle holds none. Until then: `makemore hint` for the next hint, `makemore grade` for what fails.")
    if policy == "never":
        return (f"{key}: this course bundle holds no reference solutions (your instructor's choice). "
                "`makemore hint` gives the next hint, `makemore grade` what fails.")
    return f"{key}: no reference solutions in this installation."


def targets(assignment, name: str) -> tuple[list[str], list[tuple[str, str]]]:
    """(the public checks ``name`` picks, [(unit label, target) of their units, one per target])."""
    from grader import selection

    picked = selection.pick(assignment, name)
    if not picked:
        raise SolutionError(str(selection.unknown(assignment, name, [])))
    by_name = {c.name: c for c in assignment.checks}
    public = [n for n in picked if by_name[n].visibility == "public"]
    units = {}
    for n in picked:
        unit = by_name[n].unit
        target = getattr(unit, "target", None)
        if isinstance(target, str) and ":" in target:
            units.setdefault(target, unit.label)
    return public, [(label, target) for target, label in units.items()]


def source_of(path: Path, name: str) -> str | None:
    """The source of the top-level class or function ``name`` in ``path`` (decorators included), without its
    docstrings and the kit's ``### `` marker lines (hints, solution markers): the code to compare. None when
    the file or the name is missing or does not parse."""
    try:
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
    except (OSError, SyntaxError, ValueError):
        return None
    lines = text.splitlines()
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            drop = set()
            for inner in ast.walk(node):
                if isinstance(inner, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and \
                        ast.get_docstring(inner) is not None:
                    doc = inner.body[0]
                    drop.update(range(doc.lineno, doc.end_lineno + 1))
            kept = [line for number, line in enumerate(lines[start - 1:node.end_lineno], start=start)
                    if number not in drop and not line.lstrip().startswith("### ")]
            return "\n".join(kept)
    return None


def file_of(root: Path, target: str) -> tuple[Path, str]:
    module, _, name = target.partition(":")
    return Path(root) / (module.replace(".", "/") + ".py"), name


def beside(left: tuple[str, str], right: tuple[str, str], width: int = WIDTH) -> str:
    """Two headed blocks side by side when both fit in ``width`` columns, else one after the other."""
    (lhead, ltext), (rhead, rtext) = left, right
    lrows, rrows = [lhead, "-" * len(lhead), *ltext.splitlines()], [rhead, "-" * len(rhead), *rtext.splitlines()]
    half = (width - 3) // 2
    if max(map(len, lrows + rrows)) <= half:
        rows = [f"{a:{half}} | {b}".rstrip() for a, b in zip(lrows + [""] * (len(rrows) - len(lrows)),
                                                              rrows + [""] * (len(lrows) - len(rrows)))]
        return "\n".join(rows)
    return "\n".join([f"== {lhead} ==", ltext, "", f"== {rhead} ==", rtext])


def show(assignment, units: list[tuple[str, str]], folder: Path, reference: Path) -> str:
    blocks = []
    for label, target in units:
        ref_path, name = file_of(reference, target)
        own_path, _ = file_of(folder, target)
        ref = source_of(ref_path, name) or f"(no {name} in {ref_path})"
        own = source_of(own_path, name) or f"(no {name} in {own_path})"
        rel = ref_path.relative_to(reference).as_posix()
        blocks.append(beside((f"the reference: {rel}, {name}", ref), (f"yours: {rel}", own)))
    return "\n\n".join(blocks)


def grade_unit(assignment, name: str, folder: Path):
    """Grade the public checks ``name`` picks with what they depend on (makemore grade a2 linear)."""
    from grader import selection
    from grader.runner import grade_assignment

    return grade_assignment(assignment, folder, public_only=True, checks=selection.select(assignment, [name]))


def offers(chosen, results) -> list[str]:
    """After ``makemore grade aN NAME ...``: for each name whose public checks all passed, the command that
    shows its reference (only where the reference is here, and never for a whole assignment's grade)."""
    if bundle_policy() is not None:
        return []
    lines = []
    for (assignment, names, checks), result in zip(chosen, results):
        status = {o.name: o.status for o in result.outcomes}
        for name in names if checks is not None else ():
            try:
                public, _ = targets(assignment, name)
            except SolutionError:
                continue
            if public and all(status.get(n) == "passed" for n in public):
                lines.append(f"{assignment.key} {name} passes: `makemore solution {assignment.key} {name}` shows "
                             "the reference's version beside yours")
    return lines


def confirm_give_up(key: str, name: str, ask=None) -> bool:
    """Ask on the terminal (or a notebook's input box); no answer, or no terminal, is a no."""
    ask = input if ask is None else ask
    try:
        answer = ask(f"Show the reference's {name} of {key} before your version passes? Reading it now "
                     f"takes the exercise away, and `makemore list` will count it as given up. [y/N] ")
    except (EOFError, OSError):
        return False
    return answer.strip().lower() in ("y", "yes")


def run(key: str, name: str, folder: Path, give_up: bool = False, yes: bool = False, ask=None,
        reference: Path | None = None, policy_file: Path | None = None, grade=grade_unit,
        record: Path | None = None) -> tuple[int, str]:
    """(exit status, text) of ``makemore solution KEY NAME`` for the work in ``folder`` (the graded folder):
    0 and the sources when shown, 1 and the reason when not, 2 for an unknown name. What was graded and shown
    is remembered in the work folder of ``record`` (default: ``folder``'s)."""
    from grader import lectures, progress
    from grader.specs import resolve

    reference = REFERENCE if reference is None else reference
    try:
        assignment = resolve(key)
        checks, units = targets(assignment, name)
    except KeyError as err:
        return 2, str(err.args[0] if err.args else err)
    except SolutionError as err:
        return 2, err.args[0]
    policy = bundle_policy(policy_file, reference)
    if policy is not None:
        return 1, policy_message(policy, assignment.key)
    record = Path(folder) if record is None else Path(record)
    result = grade(assignment, name, Path(folder))
    progress.record_grade(record, assignment, result, whole=False)
    failing = [o for o in result.outcomes if o.name in checks and o.status != "passed"]
    labels = ", ".join(label for label, _ in units)
    how = "after passing"
    if failing:
        reasons = "; ".join(f"{o.name} ({o.status})" for o in failing)
        if not give_up:
            where = [lectures.section(assignment.key, label) for label, _ in units]
            watch = [w for w in where if w]
            lines = [f"{assignment.key} {labels}: not yet. {len(failing)} of {len(checks)} checks still fail: "
                     f"{reasons}.",
                     f"Pass them (`makemore grade {assignment.key} {name}` says why each fails) and the reference "
                     "is yours to compare.",
                     f"Stuck? `makemore hint {assignment.key}`" +
                     (f"; the lecture derives it in: {watch[0]}" if watch else "") + ".",
                     "`--give-up` shows it anyway (after asking; remembered in `makemore list`)."]
            return 1, "\n".join(lines)
        if not (yes or confirm_give_up(assignment.key, labels, ask)):
            return 1, "not shown."
        how = "gave up"
    for label, _ in units:
        progress.record_solution(record, assignment.key, label, how)
    head = (f"{assignment.key} {labels}: every public check passes; here is the reference beside yours."
            if how == "after passing" else f"{assignment.key} {labels}: shown before passing ({reasons}).")
    return 0, head + "\n\n" + show(assignment, units, Path(folder), reference)


def solution(assignment: str, unit: str, folder: str | Path | None = None, notebook: str | Path | None = None,
             give_up: bool = False, yes: bool = False) -> None:
    """In a notebook cell: print the reference's ``unit`` beside yours once its public checks pass, or why
    not yet. Your code is read from ``notebook`` (a saved .ipynb), else from the notebook this kernel runs
    when Jupyter says which, else from ``folder`` (default: the folder ``makemore grade`` grades). Remembered
    in the work folder's .makemore/progress.json."""
    import tempfile

    from grader.hints import default_root

    root = default_root()
    if notebook is None and folder is None:
        from grader.instructor import notebooks

        notebook = notebooks.running_notebook() if notebooks._ipython() is not None else None
    if notebook is None:
        folder = (root / "assignments" if (root / "assignments").is_dir() else root) if folder is None else folder
        print(run(assignment, unit, Path(folder), give_up=give_up, yes=yes)[1])
        return
    from grader.instructor.submissions import prepare
    from grader.specs import resolve

    try:
        chosen = resolve(assignment)
    except KeyError as err:
        print(err.args[0])
        return
    with tempfile.TemporaryDirectory(prefix="makemore-solution-") as tmp:
        prepared = prepare(notebook, chosen, tmp)
        if prepared.fatal:
            print(f"could not read {notebook}: {prepared.fatal}")
            return
        print(f"your code: the saved notebook {Path(notebook).name}")
        print(run(assignment, unit, prepared.folder, give_up=give_up, yes=yes, record=root)[1])


def add_command(sub, run) -> None:
    """The `solution` subcommand, run by ``run(args)`` (grader/cli.py's cmd_solution)."""
    sol = sub.add_parser("solution", help="the reference's version of a unit beside yours, once yours passes "
                         "(a2 linear)")
    sol.add_argument("assignment", help="a1, a2, ...")
    sol.add_argument("unit", help="a unit, file or check, as `makemore grade` names them: linear, Linear, dW2")
    sol.add_argument("--give-up", action="store_true", help="show it before your version passes (asks first; "
                     "remembered in `makemore list`)")
    sol.add_argument("--yes", action="store_true", help="with --give-up: do not ask")
    sol.add_argument("--submission", help="the folder of your assignments (default: as makemore grade)")
    sol.set_defaults(run=run)
