"""`makemore release`: the student bundle has no reference solution and no hidden check, and still grades."""
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import numpy as np
import pytest

from grader import KIT_ROOT, generate
from grader.instructor import notebooks, release, submissions
from grader.specs import ASSIGNMENTS
from tests.submission import copy_submission

# Runs the bundle's own grader in a fresh interpreter where neither the kit's grader nor its reference can be
# imported (the kit is installed in editable mode in this environment: drop that finder), as on a student's
# machine.
BUNDLE_PYTHON = textwrap.dedent("""
    import sys
    sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
    sys.path[:] = [p for p in sys.path if p not in ("", ".") and p != {kit!r} and not p.startswith({kit!r} + "/")]
    sys.path.insert(0, {bundle!r})
    import importlib.util, grader
    assert grader.__file__.startswith({bundle!r}), grader.__file__
    assert importlib.util.find_spec("reference") is None
    {code}
""")


def bundle_run(bundle: Path, code: str, cwd: Path) -> subprocess.CompletedProcess:
    script = BUNDLE_PYTHON.format(kit=str(KIT_ROOT), bundle=str(bundle), code=code)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release") / "bundle"
    run = subprocess.run([sys.executable, "-m", "grader.cli", "release", str(out)], capture_output=True, text=True,
                         timeout=300, env=dict(os.environ, PYTHONPATH=str(KIT_ROOT)))
    assert run.returncode == 0, run.stderr
    assert "hidden checks removed" in run.stdout
    return out


def bundle_texts(bundle: Path) -> dict[str, str]:
    texts = {}
    for path in bundle.rglob("*"):
        if path.is_file() and path.suffix != ".npz":
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".ipynb":
                text += "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells)
            texts[path.relative_to(bundle).as_posix()] = "\n".join(line.strip() for line in text.splitlines())
    return texts


def solved_function_bodies() -> list[tuple[str, str]]:
    """(name, body) of every reference function that holds a solution, body without docstring or markers."""
    bodies = []
    for path in sorted((KIT_ROOT / "reference").rglob("*.py")):
        source = path.read_text()
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            start = node.body[0].end_lineno if ast.get_docstring(node) else node.lineno
            text = lines[start:node.end_lineno + 1]  # the END marker comes after the last statement
            if not any("BEGIN SOLUTION" in line for line in text):
                continue
            code = [line.strip() for line in text if line.strip() and "SOLUTION" not in line]
            bodies.append((f"{path.relative_to(KIT_ROOT)}:{node.name}", "\n".join(code)))
    return bodies


def test_bundle_layout(bundle):
    assert sorted(p.name for p in bundle.iterdir()) == ["README.md", "assignments", "data", "grader", "notebooks",
                                                        "pyproject.toml", "setup.py"]  # setup.py: names in the wheel
    assert (bundle / "grader" / "doctor.py").is_file() and "makemore doctor" in (bundle / "README.md").read_text()
    assert not list(bundle.rglob("reference*"))
    assert not (bundle / "grader" / "bench").exists()  # makemore bench times the reference: the kit's own
    assert (bundle / "data" / "names.txt").read_bytes() == (KIT_ROOT / "data" / "names.txt").read_bytes()
    assert "reference" not in (bundle / "pyproject.toml").read_text()
    readme = (bundle / "README.md").read_text()
    assert "makemore grade" in readme and "notebooks/" in readme


def test_no_reference_function_body_anywhere_in_the_bundle(bundle):
    bodies = solved_function_bodies()
    assert len(bodies) >= 10  # every layer's forward and backward, the counting functions...
    texts = bundle_texts(bundle)
    for name, body in bodies:
        # the kit gives what a later assignment asks for on purpose only where release.GIVEN_BEFORE_WRITTEN says
        allowed = {path for path, source in release.GIVEN_BEFORE_WRITTEN if name.startswith(f"reference/{source}:")}
        hits = [path for path, text in texts.items() if body in text and path not in allowed]
        assert not hits, f"the body of {name} is in {hits}"
        for line in body.splitlines():
            if len(line) >= release.MIN_LINE:
                hits = [path for path, text in texts.items() if line in text and path not in allowed]
                assert not hits, f"a line of {name} ({line!r}) is in {hits}"
    assert release.audit(bundle) == []


def test_the_audit_finds_a_planted_solution(bundle, tmp_path):
    copy = tmp_path / "bundle"
    shutil.copytree(bundle, copy)
    leaked = copy / "assignments" / "a2_mlp" / "linear.py"
    leaked.write_text(leaked.read_text() + "\n" + (KIT_ROOT / "reference/a2_mlp/linear.py").read_text())
    leaks = release.audit(copy)
    assert leaks and all("a2_mlp/linear.py" in leak for leak in leaks)
    with pytest.raises(release.ReleaseError):
        release.build(bundle)  # not empty: refuses to overwrite


def test_the_audit_finds_the_grader_s_hidden_helpers(bundle, tmp_path):
    """reference/a6_mistakes.py (a6's cells and time loop with a mistake flag: the solution with every flag at its
    default) has no solution markers; pasted back into the bundle's spec, the audit still finds it."""
    assert not any("a6_mistakes.py" in leak for leak in release.audit(bundle))
    copy = tmp_path / "bundle"
    shutil.copytree(bundle, copy)
    hidden = (KIT_ROOT / "reference" / "a6_mistakes.py").read_text()
    spec = copy / "grader" / "specs" / "a6.py"
    spec.write_text(spec.read_text() + "\n\n" + hidden[hidden.index("def run_model("):])
    leaks = release.audit(copy)
    assert any(leak.startswith("grader/specs/a6.py: contains a6_mistakes.py function run_model") for leak in leaks), leaks


def test_stubs_are_the_generated_ones(bundle):
    for relative, text in generate.student_files().items():
        assert (bundle / "assignments" / relative).read_text() == text


def test_no_hidden_check_and_every_public_one(bundle, tmp_path):
    run = bundle_run(bundle, textwrap.dedent("""
        import json
        from grader.specs import ASSIGNMENTS
        print(json.dumps({k: [[c.name, c.points, c.visibility] for c in a.checks] for k, a in ASSIGNMENTS.items()}))
    """), tmp_path)
    assert run.returncode == 0, run.stderr
    shipped = json.loads(run.stdout)
    for key, assignment in ASSIGNMENTS.items():
        public = [[c.name, c.points, c.visibility] for c in assignment.checks if c.visibility == "public"]
        assert shipped[key] == public
    assert not any(" \"hidden\"" in text or "'hidden'" in text
                   for p, text in bundle_texts(bundle).items() if p.startswith("grader/specs/"))


def test_fixtures_are_rebuilt_from_the_reference(bundle):
    from grader import fixtures

    for assignment in ASSIGNMENTS.values():
        fresh = fixtures.build(assignment)
        with np.load(bundle / "grader" / "fixtures" / f"{assignment.package}.npz", allow_pickle=False) as data:
            assert sorted(data.files) == sorted(fresh)
            for key in fresh:
                assert fixtures._same(data[key], fresh[key]), key


def test_the_bundle_grades_without_the_reference(bundle, tmp_path):
    correct = copy_submission(tmp_path / "correct")
    run = bundle_run(bundle, textwrap.dedent(f"""
        from grader.cli import main
        main(["grade", "--submission", {str(correct)!r}, "a2", "--json", "correct.json", "--json-only"])
        main(["grade", "a2", "--json", "stubs.json", "--json-only"])
    """), tmp_path)
    assert run.returncode == 0, run.stderr
    correct_result = json.loads((tmp_path / "correct.json").read_text())["assignments"][0]
    stub_result = json.loads((tmp_path / "stubs.json").read_text())["assignments"][0]
    public_points = sum(c.points for c in ASSIGNMENTS["a2"].checks if c.visibility == "public")
    assert correct_result["mode"] == "public"
    assert (correct_result["score"], correct_result["max_score"]) == (public_points, public_points)
    assert {c["status"] for c in correct_result["checks"]} == {"passed"}
    assert stub_result["score"] == 0 and stub_result["max_score"] == public_points
    assert all(c["status"] == "not implemented" for c in stub_result["checks"])


def test_the_bundle_names_mistakes_only_the_reference_can_compute(bundle, tmp_path):
    """a6's BPTT mistakes are computed by reference/a6_mistakes.py, absent here; the bundle's fixture
    check still names them, from the mistakes stored in its fixtures."""
    from tests.corpus.bugs import BUGS, build_submission

    graded = {}
    for name, check in (("bptt_truncated_to_one_step", "rnn.fixture"),
                        ("attention_scale_missing_in_backward", "attention.fixture")):
        bug = next(b for b in BUGS if b.name == name)
        graded[name] = (bug.assignment, check, str(build_submission(bug, tmp_path / name)))
    run = bundle_run(bundle, textwrap.dedent(f"""
        import json
        from grader.runner import grade_assignment
        from grader.specs import ASSIGNMENTS
        found = {{}}
        for name, (key, check, folder) in {graded!r}.items():
            (outcome,) = grade_assignment(ASSIGNMENTS[key], folder, checks=(check,)).outcomes
            found[name] = [outcome.status, outcome.message]
        print(json.dumps(found))
    """), tmp_path)
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout)
    assert found["bptt_truncated_to_one_step"][0] == "failed"
    assert "backpropagation truncated to one step" in found["bptt_truncated_to_one_step"][1]
    assert "scaling is missing in backward" in found["attention_scale_missing_in_backward"][1]


def test_notebooks_are_the_stubs(bundle, tmp_path):
    for assignment in ASSIGNMENTS.values():
        path = bundle / "notebooks" / f"{assignment.package}.ipynb"
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        roles = [c.metadata.get("makemore", {}).get("role") for c in nb.cells]
        assert "check" in roles and ("plot" in roles) == notebooks.has_training(assignment), assignment.key
        modules = {submissions.cell_module(c): c.source for c in nb.cells if submissions.cell_module(c)}
        assert modules
        for module, source in modules.items():
            stub = (bundle / "assignments" / module).read_text()
            assert source.split("\n", 1)[1] + "\n" == notebooks.notebook_friendly(stub)


def test_module_cells_run_in_order_as_jupyter_would(bundle):
    """No package in a kernel: a cell's relative imports must fall back to what the cells above defined."""
    nb = nbformat.read(bundle / "notebooks" / "a2_mlp.ipynb", as_version=4)
    namespace = {"__name__": "__main__"}
    for cell in nb.cells:
        if (submissions.cell_module(cell) or "").startswith("a2_mlp/"):
            exec(compile(cell.source, "<cell>", "exec"), namespace)
    model = namespace["MLP"](vocab_size=5, block_size=2, n_embd=3, n_hidden=4)
    assert set(model.params) == {"C", "W1", "b1", "W2", "b2"}


def test_hidden_checks_are_stripped_in_any_layout():
    source = textwrap.dedent("""
        from grader.spec import Check
        CHECKS = [
            Check("a", 1, None, None, "public"),
            Check("b", 2, None, None, "hidden"),  # secret
            Check("c", 3, None, None, visibility="hidden",
                  description="also secret"),
        ]
        INLINE = [Check("d", 1, None), Check("e", 1, None, None, "hidden")]
    """)
    stripped, removed = release.strip_hidden_checks(source)
    assert removed == 3
    assert '"b"' not in stripped and '"c"' not in stripped and "'e'" not in stripped and '"e"' not in stripped
    namespace = {}
    exec(compile(stripped, "spec", "exec"), namespace)
    assert [c.name for c in namespace["CHECKS"]] == ["a"] and [c.name for c in namespace["INLINE"]] == ["d"]
    with pytest.raises(release.ReleaseError):
        release.strip_hidden_checks('from grader.spec import Check\nX = Check("x", 1, None, None, "hidden")\n')


def test_the_notebook_check_cell_grades_the_saved_notebook(bundle, tmp_path):
    """Run the bundle notebook's own setup and check cells, from its folder, as a student would."""
    from grader.instructor import notebooks

    a2 = ASSIGNMENTS["a2"]
    reference = {f"{p.parent.name}/{p.name}": p.read_text() for p in (KIT_ROOT / "reference").glob("*/*.py")}
    solved = tmp_path / "notebooks"
    solved.mkdir()
    nbformat.write(notebooks.build(a2, reference), str(solved / "a2_mlp.ipynb"))
    code = textwrap.dedent("""
        import os, nbformat
        for folder in (os.path.join({bundle!r}, "notebooks"), {solved!r}):
            os.chdir(folder)
            nb = nbformat.read("a2_mlp.ipynb", as_version=4)
            for cell in nb.cells:
                meta = cell.metadata.get("makemore", {{}})
                if meta.get("role") == "setup" or meta.get("role") == "check" and (
                        "grades" not in meta or meta["grades"] == "a2_mlp/linear.py"):
                    exec(cell.source, {{}})
    """).format(bundle=str(bundle), solved=str(solved))
    run = bundle_run(bundle, code, tmp_path)
    assert run.returncode == 0, run.stderr
    public_points = sum(c.points for c in a2.checks if c.visibility == "public")
    stub_linear, stub_report, solved_linear, solved_report = run.stdout.split("a2 · ")[1:]
    linear_checks = [c.name for c in a2.checks if c.name.startswith("linear.") and c.visibility == "public"]
    assert all(name in solved_linear for name in linear_checks) and "tanh." not in solved_linear
    assert "not implemented" in stub_linear and "graded a2_mlp.ipynb" in run.stdout
    assert f"0/{public_points:g}" in stub_report and "not implemented" in stub_report
    assert f"{public_points:g}/{public_points:g}" in solved_report and "public checks only" in solved_report


def test_bundle_carries_the_conventions_and_each_assignments_guide(bundle):
    assert "backward overwrites" in (bundle / "assignments" / "README.md").read_text()
    for assignment in ASSIGNMENTS.values():
        guide = bundle / "assignments" / assignment.package / "README.md"
        assert guide.read_text().startswith(f"# {assignment.key} ")
    assert "assignments/README.md" in (bundle / "README.md").read_text()


# The training verdicts of submissions, graded in a fresh interpreter: the training checks alone as
# `makemore grade --public-only` runs them (prerequisites first), and each training mechanism run directly,
# so the dev loss it computes is compared even where a prerequisite would stop it.
TRAINING_VERDICTS = textwrap.dedent("""
    import json
    from grader.runner import Runtime, grade_assignment, run_check
    from grader.sandbox import Child
    from grader.specs import ASSIGNMENTS
    verdicts = {{}}
    for submission in {submissions!r}:
        for key in ("a1", "a2"):
            assignment = ASSIGNMENTS[key]
            if key == "a1":  # a2's path is the same; its prerequisites are many more checks to wait for
                for o in grade_assignment(assignment, submission, public_only=True,
                                          checks=lambda c: c.kind == "training").outcomes:
                    verdicts[submission + " " + o.name] = [o.status, o.points, o.message]
            with Child(submission) as child:
                runtime = Runtime(child, assignment, public_only=True)
                for check in (c for c in assignment.checks if c.kind == "training"):
                    runtime.start_check(check)
                    o = run_check(check, runtime)
                    verdicts[submission + " mechanism " + o.name] = [o.status, o.points, o.message]
    print(json.dumps(verdicts))
""")

LOSS = "a1_bigram/cross_entropy.py"
LOSS_RETURN = "return float(-log_probs[np.arange(n), targets].sum() / n)"


def test_training_verdicts_are_the_same_in_the_kit_and_in_the_bundle(bundle, submission, tmp_path):
    """The dev loss was the student's loss forward in the bundle and the reference's in the kit: a dropped
    minus earned bigram_net.training locally only, a forward-only .sum lost both locally only."""
    folders = [str(submission((LOSS, LOSS_RETURN, "return float(log_probs[np.arange(n), targets].sum() / n)"))),
               str(submission((LOSS, LOSS_RETURN, "return float(-log_probs[np.arange(n), targets].sum())")))]
    code = TRAINING_VERDICTS.format(submissions=folders)
    kit = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(KIT_ROOT)))  # both at once
    in_bundle = bundle_run(bundle, code, tmp_path)
    kit_out, kit_err = kit.communicate(timeout=300)
    assert in_bundle.returncode == 0 == kit.returncode, in_bundle.stderr + kit_err
    bundle_verdicts, kit_verdicts = json.loads(in_bundle.stdout), json.loads(kit_out)
    assert bundle_verdicts == kit_verdicts
    for folder in folders:
        # graded as a student's `makemore grade` does it, the loss's own checks fail first: no credit
        assert kit_verdicts[f"{folder} bigram_net.training"][0] == "failed"
        for name in ("bigram_net.training", "mlp.training"):
            # run directly, training succeeds: the kit's dev loss does not see the student's loss forward
            assert kit_verdicts[f"{folder} mechanism {name}"][0] == "passed"


def test_makemore_list_in_the_bundle_shows_local_points_and_the_full_total(bundle, tmp_path):
    run = bundle_run(bundle, "from grader.cli import main; main(['list'])", tmp_path)
    assert run.returncode == 0, run.stderr
    for assignment in ASSIGNMENTS.values():
        public = sum(c.points for c in assignment.checks if c.visibility == "public")
        row = next(line for line in run.stdout.splitlines() if line.startswith(assignment.key + " "))
        assert re.search(rf"\s{public:g}\s+{assignment.max_points:g}\s", row), row
    assert "hidden checks your instructor's grader runs" in run.stdout


def test_a_notebook_checks_with_only_the_installed_package_as_on_colab(bundle, tmp_path):
    """Colab: the bundle's grader package installed, no kit folder beside the notebook, no data/ folder."""
    import shutil

    site = tmp_path / "site"
    shutil.copytree(bundle / "grader", site / "grader")
    colab = tmp_path / "content"
    colab.mkdir()
    reference = {f"{p.parent.name}/{p.name}": p.read_text() for p in (KIT_ROOT / "reference").glob("*/*.py")}
    nbformat.write(notebooks.build(ASSIGNMENTS["a2"], reference), str(colab / "Copy of a2_mlp.ipynb"))
    code = ("import grader, sys; assert grader.__file__.startswith(sys.argv[1]), grader.__file__\n"
            "from grader.instructor.notebooks import check\ncheck(key='a2', module='a2_mlp/mlp.py')")
    run = subprocess.run([sys.executable, "-c", code, str(site)], capture_output=True, text=True, cwd=colab,
                         env=dict(os.environ, PYTHONPATH=str(site)), timeout=300)
    assert run.returncode == 0, run.stderr
    assert "graded Copy of a2_mlp.ipynb" in run.stdout and "✓ mlp.training" in run.stdout, run.stdout


def test_the_bundle_grades_one_unit_and_watches_for_saves(bundle, tmp_path):
    """A student's released bundle: `makemore grade a2 linear` grades Linear's public checks alone, and the
    watch loop grades again after a save (its sleep replaced by one that saves a file, then stops as Ctrl-C)."""
    correct = copy_submission(tmp_path / "correct", packages=("a1_bigram", "a2_mlp"))
    run = bundle_run(bundle, textwrap.dedent(f"""
        import os, time
        from grader.cli import main
        main(["grade", "a2", "linear", "--submission", {str(correct)!r}, "--json", "unit.json", "--json-only"])
        sleeps = []
        def sleep(seconds):
            sleeps.append(seconds)
            if len(sleeps) == 1:
                path = {str(correct / "a2_mlp" / "linear.py")!r}
                before = os.stat(path).st_mtime_ns + 10**9
                os.utime(path, ns=(before, before))
            if len(sleeps) == 3:
                raise KeyboardInterrupt
        time.sleep = sleep
        print("status", main(["grade", "--watch", "a2", "linear", "--submission", {str(correct)!r}]))
    """), tmp_path)
    assert run.returncode == 0, run.stderr
    (unit,) = json.loads((tmp_path / "unit.json").read_text())["assignments"]
    public = [c.name for c in ASSIGNMENTS["a2"].checks if c.visibility == "public" and c.name.startswith("linear.")]
    assert [c["name"] for c in unit["checks"]] == public and {c["status"] for c in unit["checks"]} == {"passed"}
    assert run.stdout.count("✓ linear.gradcheck") == 2 and "saved a2_mlp/linear.py" in run.stdout, run.stdout
    assert "stopped watching" in run.stdout and run.stdout.rstrip().endswith("status 0"), run.stdout
def test_the_bundle_carries_the_default_hint_levels_and_shows_them_offline(bundle, tmp_path):
    """Default policy "steps": levels 1-2 of every ladder, level 3 (the closed form) left in the kit; the
    bundle's `makemore hint` reads them with no reference and no network, and remembers in the work folder."""
    from grader import hints
    from grader.instructor import answers

    carried = json.loads((bundle / "grader" / "hints.json").read_text(encoding="utf-8"))
    assert carried == json.loads(json.dumps(hints.bundle_content("steps")))
    assert all(len(entry["levels"]) == 2 for functions in carried["ladders"].values() for entry in functions.values())
    assert not answers.audit_bundle(bundle)
    assert not (bundle / "grader" / "instructor" / "answers.py").exists()
    work = tmp_path / "work"
    (work / "assignments").mkdir(parents=True)
    code = "from grader.cli import main; [main(['hint', 'a3', 'batchnorm.backward']) for _ in range(3)]"
    run = bundle_run(bundle, code, work)
    assert run.returncode == 0, run.stderr
    level_three = hints.reference_ladders()["a3"]["batchnorm.BatchNorm1d.backward"][2]
    assert "hint 1/3" in run.stdout and "hint 2/3" in run.stdout and "every hint you may see (2 of 3)" in run.stdout
    assert level_three not in run.stdout
    assert json.loads((work / ".makemore" / "hints.json").read_text()) == {"a3": {"batchnorm.BatchNorm1d.backward": 2}}


@pytest.mark.slow
@pytest.mark.parametrize("policy, top", [("none", 0), ("ideas", 1), ("all", 3)])
def test_a_bundle_released_at_each_policy_carries_exactly_its_levels(policy, top, tmp_path):
    from grader import hints

    out = tmp_path / "bundle"
    run = subprocess.run([sys.executable, "-m", "grader.cli", "release", str(out), "--hints", policy],
                         capture_output=True, text=True, timeout=300, env=dict(os.environ, PYTHONPATH=str(KIT_ROOT)))
    assert run.returncode == 0, run.stderr
    carried = json.loads((out / "grader" / "hints.json").read_text(encoding="utf-8"))
    assert carried["policy"] == policy
    for key, functions in hints.reference_ladders().items():
        for name, ladder in functions.items():
            assert carried["ladders"][key][name]["levels"] == ladder[:top]


def test_the_default_bundle_holds_no_solution_and_its_solution_command_says_so(bundle, tmp_path):
    """--solutions never (the default): no reference in the bundle, the audit passes, and `makemore solution`
    on a unit that passes shows nothing and says why."""
    assert json.loads((bundle / "grader" / "solutions.json").read_text()) == {"policy": "never"}
    assert "holds no reference solutions" in (bundle / "README.md").read_text()
    assert not release.audit(bundle)
    work = copy_submission(tmp_path / "work" / "assignments", packages=("a1_bigram", "a2_mlp"))
    run = bundle_run(bundle, "from grader.cli import main; print('status', main(['solution', 'a2', 'linear']))",
                     work.parent)
    assert run.returncode == 0, run.stderr
    assert "holds no reference solutions" in run.stdout and "status 1" in run.stdout, run.stdout
    assert "the reference:" not in run.stdout
    run = bundle_run(bundle, "from grader.cli import main; main(['grade', 'a1']); main(['list', '--next'])",
                     work.parent)
    assert run.returncode == 0, run.stderr
    assert "next: a2" in run.stdout and "makemore grade a2 Embedding" in run.stdout, run.stdout


@pytest.mark.slow
def test_a_bundle_released_after_deadline_says_so_and_still_holds_none(tmp_path):
    out = tmp_path / "bundle"
    run = subprocess.run([sys.executable, "-m", "grader.cli", "release", str(out), "--solutions", "after-deadline"],
                         capture_output=True, text=True, timeout=300, env=dict(os.environ, PYTHONPATH=str(KIT_ROOT)))
    assert run.returncode == 0, run.stderr
    assert json.loads((out / "grader" / "solutions.json").read_text()) == {"policy": "after-deadline"}
    assert "publish the reference solutions after the deadline" in (out / "README.md").read_text()
    assert not list(out.rglob("reference*")) and not release.audit(out)
    run = bundle_run(out, "from grader.cli import main; main(['solution', 'a2', 'linear'])", tmp_path)
    assert "after the deadline" in run.stdout, run.stdout + run.stderr
