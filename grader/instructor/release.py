"""``makemore release OUTDIR``: the student bundle, with no reference implementation and no hidden check.

The bundle holds assignments/ (the stubs, generated afresh from reference/), data/, the grader in public
mode (the specs with every ``Check(..., visibility="hidden")`` removed, and golden fixtures rebuilt from the
reference at release time so the public checks still compare with real answers), one notebook per assignment
(grader/instructor/notebooks.py), a README for students and a pyproject.toml without the reference package.

``audit(bundle)`` searches every file of the bundle for every solution region of the reference (each
region whole, and each of its substantial lines; in grader/hints.json, the hints of levels 1-2: level 3 is the
closed form, in a bundle only at ``--hints all``) and every function of the grader's hidden helpers at the top
of reference/ (such as a6_mistakes.py: with its flags at their defaults, a solution); release refuses to
finish if anything is found.
"""
from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

from grader import KIT_ROOT

GRADER = KIT_ROOT / "grader"
SKIP_PARTS = {"__pycache__", ".pytest_cache", ".hypothesis"}
# The instructor's tools a student has no use for: the bundle ships the engine, the sandbox, and the part of
# grader/instructor/ that reads a notebook or a zip back into files (a student grades those locally too).
# A path ending in "/" leaves out a whole folder (bench/: `makemore bench` times the reference).
INSTRUCTOR_ONLY = ("instructor/batch.py", "instructor/gradebook.py", "instructor/gradescope.py",
                   "instructor/release.py", "instructor/answers.py", "instructor/container.py",
                   "instructor/prairielearn.py", "instructor/classroom.py", "instructor/cli.py", "bench/")
MIN_LINE = 24  # solution lines shorter than this are too generic to prove a leak ("return out")


class ReleaseError(Exception):
    pass


# -- hidden checks out of the specs -------------------------------------------------------------------------

def is_hidden_check(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
    if name != "Check":
        return False
    visibility = node.args[4] if len(node.args) > 4 else None
    for keyword in node.keywords:
        if keyword.arg == "visibility":
            visibility = keyword.value
    return isinstance(visibility, ast.Constant) and visibility.value == "hidden"


def strip_hidden_checks(source: str, filename: str = "<spec>") -> tuple[str, int]:
    """The spec source without its hidden Check(...) entries; returns (source, how many were removed).

    Each hidden check must be an element of a list literal; its lines are removed when it has them to itself
    (the usual layout), otherwise the whole module is rewritten with ast.unparse.
    """
    tree = ast.parse(source, filename)
    lines = source.splitlines(keepends=True)
    hidden = []
    for node in ast.walk(tree):
        for element in getattr(node, "elts", []) if isinstance(node, ast.List) else []:
            if is_hidden_check(element):
                hidden.append(element)
    stray = [n for n in ast.walk(tree) if is_hidden_check(n) and n not in hidden]
    if stray:
        raise ReleaseError(f"{filename}:{stray[0].lineno}: a hidden Check outside a list literal; "
                           "release cannot remove it safely")
    if not hidden:
        return source, 0
    whole_lines = all(
        not lines[n.lineno - 1][:n.col_offset].strip()
        and re.fullmatch(r"\s*,?\s*(#.*)?\n?", lines[n.end_lineno - 1][n.end_col_offset:]) for n in hidden)
    if whole_lines:
        drop = {i for n in hidden for i in range(n.lineno - 1, n.end_lineno)}
        result = "".join(line for i, line in enumerate(lines) if i not in drop)
    else:
        class Remover(ast.NodeTransformer):
            def visit_List(self, node):
                self.generic_visit(node)
                node.elts = [e for e in node.elts if not is_hidden_check(e)]
                return node

        result = ast.unparse(Remover().visit(tree)) + "\n"
    left = [n for n in ast.walk(ast.parse(result)) if is_hidden_check(n)]
    if left:
        raise ReleaseError(f"{filename}: hidden checks left after stripping")
    return result, len(hidden)


# -- the bundle -----------------------------------------------------------------------------------------

def copy_tree(source: Path, target: Path, exclude: tuple[str, ...] = ()) -> None:
    """Copy ``source`` into ``target``, without caches, byte code and the relative paths in ``exclude``."""
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if SKIP_PARTS & set(relative.parts) or path.suffix == ".pyc" or path.is_dir():
            continue
        if relative.as_posix() in exclude or any(relative.as_posix().startswith(e) for e in exclude if e.endswith("/")):
            continue
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target / relative)


def student_readme() -> str:
    from grader.specs import ASSIGNMENTS

    rows = []
    for a in ASSIGNMENTS.values():
        public = sum(c.points for c in a.checks if c.visibility == "public")
        hidden = sum(c.points for c in a.checks if c.visibility != "public")
        rows.append(f"| {a.key} | `{a.package}/` | {a.title} | {public:g} | {hidden:g} |")
    return "\n".join([
        "# makemore-numpy: backprop by hand", "",
        "Write the forward and backward passes of character-level language models in NumPy, by hand, and get "
        "told precisely what is wrong when it is.", "",
        "## Setup", "", "```", "python -m pip install -e .", "makemore doctor      # will grading work on this machine?",
        "```", "",
        "(Python 3.10+, NumPy, hypothesis and nbformat; `pip install matplotlib jupyter` for the notebooks.)", "",
        "## The assignments", "",
        "| key | your code | title | local points | instructor-only points |", "|---|---|---|---:|---:|", *rows, "",
        "Read `assignments/README.md` first: it pins every convention (shapes, float64, sum vs mean, how "
        "gradients are stored), and each assignment's folder has a README with its maths and shapes. "
        "Each folder under `assignments/` is one assignment: replace every `raise NotImplementedError(...)` with "
        "your code. Or work in the notebook of the assignment under `notebooks/`: the cells that start with "
        "`# %% PACKAGE/MODULE.py` are those files (keep that first line).", "",
        "## Checking your work", "", "```",
        "makemore grade            # every assignment", "makemore grade a2 -v      # one, with details",
        "makemore train mlp        # train what you wrote, print the losses and samples",
        "makemore list             # progress",
        "makemore hint a3 batchnorm.backward   # stuck? the next hint, one level at a time", "```", "",
        "The local grader runs the public checks: your gradients against finite differences of your own forward "
        "pass, shapes and dtypes, and your outputs against stored answers (`grader/fixtures/*.npz`). Your "
        "instructor's grader runs these and a few hidden checks on generated inputs, so a local score is a "
        "good sign, not a guarantee: test your code on more than the examples.", "",
        "## Submitting", "",
        "Submit the folder of the assignment (for example `assignments/a2_mlp/`, zipped or not) or your notebook. "
        "An assignment that borrows from an earlier one (a2 trains with a1's `cross_entropy.py`, a5 with a2's and "
        "a3's layers, a7 with a6's loss) never depends on it for its grade: your instructor's grader uses the "
        "reference's version, so submit only the assignment's own folder or notebook. Here your own copy is used: "
        "while it is unfinished, the checks that need it are *pending* (shown apart from lost points, "
        "`56/78 +22 pending`) and run once you finish the earlier assignment. "
        "Save files as UTF-8.", ""])


def solutions_note(policy: str) -> str:
    """The README's word on the reference solutions, for the release's policy."""
    when = ("Your instructor will publish the reference solutions after the deadline; this bundle holds none."
            if policy == "after-deadline" else "This bundle holds no reference solutions.")
    return f"## Reference solutions\n\n{when} `makemore solution aN UNIT` says so too.\n"


def write_pyproject(target: Path) -> None:
    text = (KIT_ROOT / "pyproject.toml").read_text()
    text = re.sub(r'include = \[[^\]]*\]', 'include = ["grader*", "assignments*"]', text)
    text = re.sub(r"\n# Only to rebuild data/names\.txt.*?\n(data = \[[^\]]*\]\n)", "\n", text, flags=re.S)
    if "reference" in text:
        text = "\n".join(line for line in text.splitlines() if "reference" not in line) + "\n"
    (target / "pyproject.toml").write_text(text)


def build(out: Path, force: bool = False, kit: str | None = None, hints: str = "steps", github_classroom: bool = False,
          classroom_assignments: list[str] | None = None, solutions: str = "never") -> dict:
    """Write the bundle into ``out`` (which must not exist, or be empty, unless force). Returns a summary.

    hints: the levels of the hint ladders the bundle carries in grader/hints.json (grader/hints.py's POLICIES:
    none, ideas = level 1, steps = levels 1-2, all); the instructor's kit keeps every level.

    solutions: "never" or "after-deadline" (grader/solution.py's POLICIES): the bundle holds no solution either
    way; grader/solutions.json and the README say which, so `makemore solution` explains it.

    kit: what the notebooks' setup cell pip-installs where no kit is beside the notebook (a wheel or git URL);
    None leaves it unset, and that cell then tells the student to ask for it. github_classroom: add GitHub
    Classroom's workflow (grader/instructor/classroom.py) grading ``classroom_assignments`` (default: all)."""
    from grader import fixtures, generate
    from grader import solution as solution_policy
    from grader.instructor import notebooks
    from grader.specs import ASSIGNMENTS

    if solutions not in solution_policy.POLICIES:
        raise ReleaseError(f"unknown solutions policy {solutions!r}; choose from "
                           f"{', '.join(solution_policy.POLICIES)}")
    if not generate.REFERENCE.is_dir():
        raise ReleaseError("release needs the reference solutions (reference/): run it from the instructors' kit")
    out = Path(out).resolve()
    if out == KIT_ROOT or KIT_ROOT in out.parents:
        raise ReleaseError(f"{out} is inside the kit; release into a folder outside it")
    if out.exists() and any(out.iterdir()):
        if not force:
            raise ReleaseError(f"{out} is not empty (pass --force to replace it)")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)

    stubs = {p.as_posix(): text for p, text in generate.student_files().items()}
    for name in generate.HANDWRITTEN:
        handwritten = generate.ASSIGNMENTS / name
        if handwritten.exists():
            stubs[name] = handwritten.read_text()
    for relative, text in stubs.items():
        (out / "assignments" / relative).parent.mkdir(parents=True, exist_ok=True)
        (out / "assignments" / relative).write_text(text)

    for doc in sorted(generate.ASSIGNMENTS.rglob("*.md")):  # the conventions and each assignment's guide
        target = out / "assignments" / doc.relative_to(generate.ASSIGNMENTS)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(doc, target)

    copy_tree(KIT_ROOT / "data", out / "data")
    copy_tree(GRADER, out / "grader", exclude=INSTRUCTOR_ONLY)
    # The pristine stubs, for a module a submission lacks: the student's assignments/ will hold their work.
    pristine = {path: text for path, text in stubs.items() if "/" in path}
    (out / "grader" / "stubs.json").write_text(json.dumps(pristine, indent=1, sort_keys=True), encoding="utf-8")
    # The names inside the package too (grader/_data, where a wheel has them): a bundle whose grader/ alone is
    # installed, without its data/ folder (Colab), still trains
    (out / "grader" / "_data").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(KIT_ROOT / "data" / "names.txt", out / "grader" / "_data" / "names.txt")
    # The full points of each assignment: the bundle's specs lose their hidden checks, `makemore list` shows both
    totals = {key: a.max_points for key, a in ASSIGNMENTS.items()}
    (out / "grader" / "totals.json").write_text(json.dumps(totals, indent=1), encoding="utf-8")
    removed = 0
    for spec in sorted((out / "grader" / "specs").glob("*.py")):
        text, n = strip_hidden_checks(spec.read_text(), str(spec.relative_to(out)))
        spec.write_text(text)
        removed += n
    for fixture in (out / "grader" / "fixtures").glob("*.npz"):
        fixture.unlink()
    for assignment in ASSIGNMENTS.values():
        path = out / "grader" / "fixtures" / f"{assignment.package}.npz"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(fixtures.to_bytes(fixtures.build(assignment)))

    from grader import hints as hint_ladders

    (out / "grader" / "hints.json").write_text(
        json.dumps(hint_ladders.bundle_content(hints), indent=1, sort_keys=True), encoding="utf-8")
    notebooks.write_all(out / "notebooks", stubs, kit=kit)
    (out / "grader" / "solutions.json").write_text(json.dumps({"policy": solutions}), encoding="utf-8")
    (out / "README.md").write_text(student_readme() + solutions_note(solutions))
    write_pyproject(out)
    shutil.copyfile(KIT_ROOT / "setup.py", out / "setup.py")  # puts data/names.txt into the wheel
    if github_classroom:
        from grader.instructor import classroom

        try:
            classroom.write_workflow(out, classroom_assignments)
        except (KeyError, ValueError) as err:
            raise ReleaseError(f"GitHub Classroom: {err.args[0]}") from err

    from grader.instructor import answers

    leaks = audit(out) + answers.audit_bundle(out)  # the bundle holds no instructor-only module to exclude
    if leaks:
        raise ReleaseError("the bundle contains reference material:\n" + "\n".join(leaks[:20]))
    files = [p for p in out.rglob("*") if p.is_file()]
    # removed counts Check(...) entries in the spec sources; a builder such as layer_checks holds one entry
    # that stands for a hidden check of every layer, so report the checks themselves.
    hidden = sum(c.visibility == "hidden" for a in ASSIGNMENTS.values() for c in a.checks) if removed else 0
    return {"out": out, "files": len(files), "hidden_checks_removed": hidden,
            "notebooks": sorted(p.name for p in (out / "notebooks").glob("*.ipynb")), "hints": hints,
            "solutions": solutions}


# -- the proof ------------------------------------------------------------------------------------------

def solution_fingerprints(reference: Path | None = None) -> list[tuple[str, str]]:
    """(where, text) for each solution region of the reference, whole (dedented), and each long line."""
    import textwrap

    from grader import generate

    reference = reference or generate.REFERENCE
    prints = []
    for path in sorted(reference.rglob("*.py")):
        where = path.relative_to(reference).as_posix()
        for i, region in enumerate(generate.solution_regions(path.read_text())):
            block = textwrap.dedent("\n".join(region)).strip()
            if block:
                prints.append((f"{where} solution {i + 1}", block))
            for line in region:
                line = line.strip()
                if len(line) >= MIN_LINE and not line.startswith("#"):
                    prints.append((f"{where} solution {i + 1}", line))
    return prints


def hidden_helper_fingerprints(reference: Path | None = None) -> list[tuple[str, str]]:
    """(where, body) of every function of at least three lines in the modules at the top of reference/ (the
    grader's hidden helpers, reference/aN_mistakes.py), body without its docstring: code whose place is the
    instructor's grader only, whatever markers it has."""
    import textwrap

    from grader import generate

    reference = reference or generate.REFERENCE
    prints = []
    for path in sorted(reference.glob("*.py")):
        source = path.read_text()
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                start = node.body[0].end_lineno if ast.get_docstring(node) else node.lineno
                body = textwrap.dedent("\n".join(lines[start:node.end_lineno])).strip()
                if len([line for line in body.splitlines() if line.strip()]) >= 3:
                    prints.append((f"{path.name} function {node.name}", body))
    return prints


def normalise(text: str) -> str:
    return "\n".join(line.strip() for line in text.splitlines())


# Where the kit gives, on purpose, what a later assignment asks the student to write: a6 trains makemore.py's
# recurrent nets with the kit's AdamW (grader/training.py), a tool used as given, as PyTorch's optimiser is;
# a7 then asks the student to write that update by hand and grades it alone. The two share lines of code.
GIVEN_BEFORE_WRITTEN = {("grader/training.py", "a7_transformer/adamw.py")}


def audit(bundle: Path, reference: Path | None = None) -> list[str]:
    """Every place where a reference solution (a region, or one of its lines) appears in the bundle, but for
    the pairs in GIVEN_BEFORE_WRITTEN."""
    prints = [(where, normalise(text)) for where, text in
              solution_fingerprints(reference) + hidden_helper_fingerprints(reference)]
    leaks = []
    for path in sorted(Path(bundle).rglob("*")):
        if not path.is_file() or path.suffix in (".npz", ".pyc"):
            continue
        if path.parts and "reference" in path.relative_to(bundle).parts[:1]:
            leaks.append(f"{path.relative_to(bundle)}: a reference folder")
        try:
            text = normalise(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, OSError):
            continue
        if path.relative_to(bundle).as_posix() == "grader/hints.json":  # level 3 is the closed form: released
            from grader.instructor.answers import hint_texts                # only by choice (--hints all)

            text = normalise("\n".join(t for _, t in hint_texts(json.loads(path.read_text(encoding="utf-8")))))
        if path.suffix == ".ipynb":  # JSON-escaped source: search the cells' text as well
            import nbformat

            try:
                nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
                text += "\n" + normalise("\n".join(c.source for c in nb.cells))
            except Exception:  # noqa: BLE001 - not a notebook: the raw text was searched
                pass
        relative = path.relative_to(bundle).as_posix()
        for where, fingerprint in prints:
            if (relative, where.partition(" ")[0]) in GIVEN_BEFORE_WRITTEN:
                continue
            if fingerprint in text:
                leaks.append(f"{path.relative_to(bundle)}: contains {where}: {fingerprint.splitlines()[0][:80]}")
    return leaks


def audit_kit(reference: Path | None = None) -> list[str]:
    """The text audit (grader/instructor/answers.py) on what a release would give students now: every place a
    student-facing text states the result of a backward pass."""
    from grader.instructor import answers

    return answers.audit_texts(answers.kit_texts(INSTRUCTOR_ONLY, student_readme()), reference)
