"""The text audit: no student-facing text states the result of a backward pass.

release.audit proves that no *code* of the reference reaches a bundle. This module proves the same for the
*text* a student reads: the stubs (docstrings, comments, NotImplementedError messages), the assignments'
READMEs, the notebooks, the stored descriptions of known mistakes, the grader's public messages and the hints
a release carries at its policy's lowest levels (1 and 2: the idea and the first step).

What counts as an answer:
- every expression of a backward's solution region (a region inside a function whose qualified name, or
  whose module, says ``backward``, or that defines one, as micrograd's ``_backward`` closures) that involves a gradient (a name ``dNAME`` or one containing ``grad``),
  compared after normalising names (``self.``, ``np.``, ``params["weight"]`` -> ``weight``), spacing,
  parentheses and ``1.0`` -> ``1``: ``dout @ self.params["weight"].T`` is found as "dout @ (weight.T)", as a
  whole term (not "n * dh" inside "bngain * dh");
- the answer forms that are not code, curated beside each solution in reference/ (``### ANSWER: ...``, such
  as "-1/N at each row's target"), compared the same way and case-insensitively.

Level 3 of a hint ladder is the closed form on purpose: only a release at ``--hints all`` carries it.
"""
from __future__ import annotations

import ast
import json
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

from grader import KIT_ROOT

MIN_EXPRESSION = 8  # normalised characters: shorter expressions ("-dout", "dh*z") are too generic to prove a leak
GRADIENT_NAME = re.compile(r"^(d(?!type)[A-Za-z]\w*|\w*grad\w*)$")
AUDITED_LEVELS = 2  # hint levels every release may carry; they must not state a result either


@dataclass(frozen=True)
class Answer:
    where: str        # "a2_mlp/linear.py Linear.backward"
    text: str         # as written (an expression, or an answer form)
    normalised: str
    prose: bool       # an answer form: compared case-insensitively


def normalise(text: str) -> str:
    """Names, spacing and parentheses out of the way: 'dout @ (self.params["weight"].T)' -> 'dout@weight.T'."""
    text = re.sub(r"\b(self|np|numpy)\.", "", text)
    text = re.sub(r"\b\w+\[\s*[\"'](\w+)[\"']\s*\]", r"\1", text)
    text = re.sub(r"\b(\d+)\.0\b", r"\1", text)
    return re.sub(r"[\s()`]", "", text)


def is_backward(module: str, qualified: str) -> bool:
    return any("backward" in part.lower() for part in [module, *qualified.split(".")])


def defines_backward(region: str) -> bool:
    """The region defines a backward of its own (micrograd's ``def _backward():`` inside ``__mul__``)."""
    return re.search(r"^\s*def \w*backward\w*\(", region, re.M) is not None


def root_name(node: ast.AST) -> str:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else ""


def is_plain_call(node: ast.AST) -> bool:
    """A call of the kit's own API with plain values (``self.tanh.backward(dh)``, ``mb.dh(dlogits, W2)``): it
    says which function to call, as a signature does, not what it computes."""
    if not isinstance(node, ast.Call) or root_name(node.func) in ("np", "numpy") or \
            GRADIENT_NAME.match(root_name(node.func)):
        return False
    plain = (ast.Name, ast.Attribute, ast.Subscript, ast.Constant)
    return all(isinstance(a, plain) for a in node.args) and all(isinstance(k.value, plain) for k in node.keywords)


def gradient_expressions(region: str) -> list[str]:
    """The expressions of a solution region that involve a gradient, as written (ast.unparse)."""
    try:
        tree = ast.parse(textwrap.dedent(region))
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Call, ast.Compare)) or is_plain_call(node):
            continue
        names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | \
                {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)} | \
                {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
        if any(GRADIENT_NAME.match(str(name)) for name in names):
            found.append(ast.unparse(node))
    return found


def answers(reference: Path | None = None) -> list[Answer]:
    """Every answer the student-facing text must not state: the gradient expressions of every backward's
    solution regions, and every curated answer form, of every assignment under reference/."""
    from grader import generate

    reference = generate.REFERENCE if reference is None else reference
    found: dict[tuple[str, str], Answer] = {}
    for path in sorted(reference.glob("*/*.py")):
        source = path.read_text()
        module = path.relative_to(reference).as_posix()
        names = generate.enclosing_names(source)
        region, start = None, 0
        for number, line in enumerate(source.splitlines(), start=1):
            if generate.BEGIN.match(line):
                region, start = [], number
            elif generate.END.match(line) and region is not None:
                qualified = names.get(start, "<module>")
                if is_backward(path.stem, qualified) or defines_backward("\n".join(region)):
                    for expression in gradient_expressions("\n".join(region)):
                        key = normalise(expression)
                        if len(key) >= MIN_EXPRESSION:
                            found.setdefault((key, ""), Answer(f"{module} {qualified}", expression, key, False))
                region = None
            elif region is not None:
                region.append(line)
        for qualified, forms in generate.answer_forms(source).items():
            for form in forms:
                key = normalise(form).lower()
                found.setdefault((key, "prose"), Answer(f"{module} {qualified}", form, key, True))
    return list(found.values())


# -- the texts a student reads ------------------------------------------------------------------------------

def strings_of(source: str) -> str:
    """The string constants of a Python module (its messages and docstrings), one per line."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    return "\n".join(node.value for node in ast.walk(tree)
                     if isinstance(node, ast.Constant) and isinstance(node.value, str))


def fixture_descriptions(path: Path) -> str:
    import numpy as np

    def texts(stored):  # {KEY: [description, ...]} for layers and functions, a list for a script unit's calls
        if isinstance(stored, dict):
            return [t for value in stored.values() for t in texts(value)]
        if isinstance(stored, list):
            return [t for value in stored for t in texts(value)]
        return [stored] if isinstance(stored, str) else []

    with np.load(path, allow_pickle=False) as data:
        return "\n".join(" ".join(texts(json.loads(str(data[key])))) for key in data.files if key.endswith("|mistakes"))


def hint_texts(content: dict, levels: int = AUDITED_LEVELS) -> list[tuple[str, str]]:
    """(where, text) of the first ``levels`` levels of every ladder in a hints.json content."""
    return [(f"hints {key} {name} level {n}", text)
            for key, functions in content.get("ladders", {}).items()
            for name, entry in functions.items()
            for n, text in enumerate(entry["levels"][:levels], start=1)]


def grader_texts(grader: Path, exclude: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """The public messages of a grader: the string constants of its modules (but the paths in ``exclude``,
    release.INSTRUCTOR_ONLY: "x.py" a file, "x/" a folder) and the stored descriptions of known mistakes."""
    texts = []
    for path in sorted(grader.rglob("*.py")):
        relative = path.relative_to(grader).as_posix()
        if "__pycache__" in relative or relative in exclude or \
                any(relative.startswith(e) for e in exclude if e.endswith("/")):
            continue
        texts.append((f"grader/{relative}", strings_of(path.read_text(encoding="utf-8"))))
    for path in sorted((grader / "fixtures").glob("*.npz")):
        texts.append((f"grader/fixtures/{path.name} (descriptions)", fixture_descriptions(path)))
    return texts


def notebook_text(notebook) -> str:
    return "\n".join(cell.source for cell in notebook.cells)


def kit_texts(exclude: tuple[str, ...] = (), readme: str = "",
              policy_levels: int = AUDITED_LEVELS) -> list[tuple[str, str]]:
    """Everything a student reads, as the kit would release it now: the stubs as generated, the assignments'
    READMEs, the notebooks built from the stubs, the bundle's ``readme``, the grader's public messages (but
    ``exclude``, as grader_texts) and the released hints' levels 1-2. release.audit_kit gives the arguments."""
    from grader import generate, hints
    from grader.instructor import notebooks
    from grader.specs import ASSIGNMENTS

    stubs = {p.as_posix(): text for p, text in generate.student_files().items()}
    texts = [(f"assignments/{path}", text) for path, text in stubs.items()]
    texts += [(f"assignments/{p.relative_to(generate.ASSIGNMENTS).as_posix()}", p.read_text(encoding="utf-8"))
              for p in sorted(generate.ASSIGNMENTS.rglob("*.md"))]
    handwritten = generate.ASSIGNMENTS / "__init__.py"
    if handwritten.exists():
        stubs["__init__.py"] = handwritten.read_text()
    for assignment in ASSIGNMENTS.values():
        notebook = notebooks.build(assignment, stubs, notebooks.package_doc(assignment, stubs))
        texts.append((f"notebooks/{notebooks.notebook_name(assignment)}", notebook_text(notebook)))
    texts.append(("README.md (the bundle's)", readme))
    texts += grader_texts(KIT_ROOT / "grader", exclude)
    texts += hint_texts(hints.bundle_content("all"), policy_levels)
    return texts


def bundle_texts(bundle: Path, exclude: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """Everything a student reads in a released bundle (its hints.json: levels 1-2 only, whatever its policy)."""
    import nbformat

    bundle = Path(bundle)
    texts = [(p.relative_to(bundle).as_posix(), p.read_text(encoding="utf-8"))
             for p in sorted(bundle.glob("assignments/**/*")) if p.suffix in (".py", ".md")]
    texts += [(p.name, p.read_text(encoding="utf-8")) for p in sorted(bundle.glob("*.md"))]
    for path in sorted(bundle.glob("notebooks/*.ipynb")):
        texts.append((path.relative_to(bundle).as_posix(),
                      notebook_text(nbformat.reads(path.read_text(encoding="utf-8"), as_version=4))))
    texts += grader_texts(bundle / "grader", exclude)
    hints_file = bundle / "grader" / "hints.json"
    if hints_file.exists():
        texts += hint_texts(json.loads(hints_file.read_text(encoding="utf-8")))
    return texts


def term_pattern(normalised: str, prose: bool) -> re.Pattern:
    """An expression is found as a whole term: "n*dh" not inside "bngain*dh" (a name goes on), nor "x.T@d"
    inside "x.T@dout". Prose lost its spaces in normalising, so an answer form is found anywhere."""
    pattern = re.escape(normalised)
    if not prose and (normalised[:1].isalnum() or normalised[:1] == "_"):
        pattern = r"(?<![\w.])" + pattern
    if not prose and (normalised[-1:].isalnum() or normalised[-1:] == "_"):
        pattern += r"(?!\w)"
    return re.compile(pattern)


def audit_texts(texts: list[tuple[str, str]], reference: Path | None = None) -> list[str]:
    """Where a text states an answer: "WHERE: states FUNCTION's result: EXPRESSION"."""
    known = [(answer, term_pattern(answer.normalised, answer.prose)) for answer in answers(reference)]
    leaks = []
    for where, text in texts:
        flat = normalise(text)
        lower = flat.lower()
        for answer, pattern in known:
            hay = lower if answer.prose else flat
            if answer.normalised in hay and pattern.search(hay):
                leaks.append(f"{where}: states {answer.where}'s result: {answer.text}")
    return leaks


def audit_bundle(bundle: Path, reference: Path | None = None) -> list[str]:
    """Every answer stated in a released bundle (release.build refuses to finish on any)."""
    return audit_texts(bundle_texts(bundle), reference)
