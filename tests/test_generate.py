"""assignments/ is generated from reference/, is up to date, and keeps no solution text."""
import ast

import pytest

from grader import fixtures, generate
from grader.specs import ASSIGNMENTS


def test_assignments_are_up_to_date_with_the_reference():
    assert generate.stale() == [], "run `makemore generate`"


@pytest.mark.parametrize("assignment", ASSIGNMENTS.values(), ids=lambda a: a.key)
def test_fixtures_are_up_to_date_with_the_reference(assignment):
    assert fixtures.stale(assignment) == [], "run `makemore fixtures`"


def test_no_solution_line_survives_in_the_student_copy():
    checked = 0
    for path in sorted(generate.REFERENCE.rglob("*.py")):
        relative = path.relative_to(generate.REFERENCE)
        student = generate.ASSIGNMENTS / relative
        if not student.exists():
            continue
        student_lines = {line.strip() for line in student.read_text().splitlines()}
        for region in generate.solution_regions(path.read_text()):
            for line in region:
                code = line.strip()
                if len(code) >= 8 and not code.startswith("#"):
                    assert code not in student_lines, f"{relative}: solution line survived: {code}"
                    checked += 1
    assert checked > 40  # the regions were found at all


def test_every_stubbed_function_raises_not_implemented():
    stubs = 0
    for path in sorted(generate.ASSIGNMENTS.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name in ("forward", "backward") or (
                    isinstance(node, ast.FunctionDef) and path.name == "counts.py"):
                body = [n for n in node.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
                assert len(body) == 1 and isinstance(body[0], ast.Raise), f"{path.name}:{node.name} is not a stub"
                assert "NotImplementedError" in ast.unparse(body[0])
                stubs += 1
    # forward and backward of every layer and model, and every counting function: the walk found them at all
    assert stubs >= 2 * len({c.unit.label for a in ASSIGNMENTS.values() for c in a.checks
                             if c.unit is not None and hasattr(c.unit, "init")})


def test_stub_text_names_the_function_and_the_task():
    text = generate.strip_solutions(
        "class Linear:\n    def forward(self, x):\n        ### BEGIN SOLUTION: out = x @ W\n        return x\n"
        "        ### END SOLUTION\n")
    assert "raise NotImplementedError('Linear.forward: out = x @ W')" in text
    assert "return x" not in text


@pytest.mark.parametrize("source", [
    "def f():\n    ### BEGIN SOLUTION\n    return 1\n",
    "def f():\n    ### END SOLUTION\n    pass\n",
    "def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    ### END SOLUTION\n    pass\n",
])
def test_unbalanced_markers_are_errors(source):
    with pytest.raises(generate.MarkerError):
        generate.strip_solutions(source)
