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


def qualified_functions(tree, prefix: str = "") -> dict:
    """'Class.method', 'function' or 'Class.method.closure' (a function nested at any depth, as an autograd
    engine's local backward) -> its FunctionDef node, named as generate.enclosing_names names it."""
    found = {}
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if not isinstance(node, ast.ClassDef):
                found[prefix + node.name] = node
            found.update(qualified_functions(node, f"{prefix}{node.name}."))
        else:
            found.update(qualified_functions(node, prefix))
    return found


def test_nested_functions_are_found_by_the_name_the_generator_gives_them():
    source = ("class Value:\n    def __add__(self, other):\n        def _backward():\n"
              "            ### BEGIN SOLUTION: accumulate\n            pass\n            ### END SOLUTION\n"
              "        return _backward\n")
    names = generate.enclosing_names(source)
    solved = {names[i] for i, line in enumerate(source.splitlines(), 1) if generate.BEGIN.match(line)}
    assert solved == {"Value.__add__._backward"}
    assert solved <= set(qualified_functions(ast.parse(generate.strip_solutions(source))))


def test_every_stubbed_function_raises_not_implemented():
    """Every function with a solution region in the reference is, in the student's copy, one raise (given code,
    such as a4's forward chain, stays as it is)."""
    stubbed = 0
    for path in sorted(generate.REFERENCE.rglob("*.py")):
        source = path.read_text()
        names = generate.enclosing_names(source)
        solved = {names[i] for i, line in enumerate(source.splitlines(), 1) if generate.BEGIN.match(line)}
        student = generate.ASSIGNMENTS / path.relative_to(generate.REFERENCE)
        functions = qualified_functions(ast.parse(student.read_text())) if solved else {}
        for name in solved:
            node = functions[name]
            body = [n for n in node.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
            assert len(body) == 1 and isinstance(body[0], ast.Raise), f"{path.name}:{name} is not a stub"
            assert "NotImplementedError" in ast.unparse(body[0])
            stubbed += 1
    assert stubbed > 20


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


def test_generate_refuses_to_overwrite_edited_files_and_keeps_a_backup_with_force(tmp_path):
    target = tmp_path / "assignments"
    assert generate.write(target) != []  # a fresh folder: everything written
    solved = target / "a2_mlp" / "tanh.py"
    work = (generate.REFERENCE / "a2_mlp" / "tanh.py").read_text()
    solved.write_text(work)
    with pytest.raises(generate.EditedFiles) as refused:  # generate remembers what it wrote
        generate.write(target)
    assert refused.value.paths == [solved] and solved.read_text() == work
    generate.manifest_path(target).unlink()  # a fresh clone has no record: judged by its contents
    stale_stub = target / "a2_mlp" / "linear.py"  # an untouched stub of an older reference: fine to replace
    stale_stub.write_text(stale_stub.read_text().replace("YOUR CODE HERE", "YOUR CODE HERE (old hint)", 1))
    with pytest.raises(generate.EditedFiles) as refused:
        generate.write(target)
    assert refused.value.paths == [solved] and solved.read_text() == work
    written = generate.write(target, force=True)
    assert solved in written and stale_stub in written
    assert solved.read_text() != work
    (backup,) = generate.backup_folders(target)
    assert (backup / "assignments" / "a2_mlp" / "tanh.py").read_text() == work
    assert generate.write(target) == []  # up to date, nothing edited: nothing to do


def test_hint_lines_are_read_into_ladders_and_never_reach_the_student_copy():
    source = (
        "def f(x):\n"
        "    ### HINT 1: the idea\n"
        "    ### HINT 2: the first step,\n"
        "    ###   continued\n"
        "    ### HINT 3: the closed form\n"
        "    ### BEGIN SOLUTION: return the thing\n"
        "    return x\n"
        "    ### END SOLUTION\n")
    assert generate.hint_ladders(source) == {"f": ["the idea", "the first step, continued", "the closed form"]}
    stub = generate.strip_solutions(source)
    assert "HINT" not in stub and "the idea" not in stub and "continued" not in stub
    with pytest.raises(generate.MarkerError):
        generate.hint_ladders("def f():\n    ### HINT 2: skipped level one\n    pass\n")
