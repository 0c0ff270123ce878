"""Assignment 0 (micrograd): the reference against independent oracles, the grader on right and wrong engines.

- The reference's grads equal central finite differences on random expression graphs (the grader's own
  strategy), and PyTorch's autograd and Karpathy's ``micrograd`` package on the same graphs where installed.
- The strategy really draws what it promises: every operation and reflected form, reused nodes, a value used
  by three operations, operands in each operation's domain.
- Every mistake of tests/corpus/bugs_a0.py loses the points of its check with its diagnosis; two correct
  engines written otherwise get 100/100; the stubs get 0, each check "not implemented".
- The training check's stored numbers are the reference's; training is not run while the engine fails.
- The kit's library: the two moons, the text rendering of a graph, the PNG of a graph.
"""
from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings

from grader import graphs, micrograd, scalar_net
from grader.runner import grade_assignment
from grader.specs import ASSIGNMENTS
from reference.a0_micrograd.engine import Value
from reference.a0_micrograd.nn import MLP
from tests.corpus.bugs import apply
from tests.corpus.bugs_a0 import A0_BUGS
from tests.submission import copy_submission

A0 = ASSIGNMENTS["a0"]
CORPUS = Path(__file__).parent / "corpus"
ALTERNATIVES = [CORPUS / "alternatives", CORPUS / "alternatives_b"]


# every scalar engine of every spec (a0's Value today): its reference is checked against the oracles below
ENGINES = list({c.unit.target: c.unit for a in ASSIGNMENTS.values() for c in a.checks
                if isinstance(c.unit, graphs.ScalarEngine)}.values())


def reference_grads(program: dict, engine=Value) -> np.ndarray:
    nodes = micrograd.build(engine, program)
    nodes[-1].backward()
    return np.array([v.grad for v in nodes[:len(program["leaves"])]])


# -- the reference against oracles -----------------------------------------------------------------------

@pytest.mark.parametrize("unit", ENGINES, ids=[u.target for u in ENGINES])
def test_reference_grads_equal_finite_differences(unit):
    from grader.checks import load_reference

    engine = load_reference(unit.target)

    @settings(max_examples=150, deadline=None, database=None)
    @given(graphs.expression_graphs(ops=(1, 25)))
    def agrees(program):
        assert np.all(np.isfinite(micrograd.evaluate(program)))
        numeric = micrograd.finite_differences(program)
        assert graphs.close(numeric, reference_grads(program, engine), graphs.FD_RTOL, graphs.FD_ATOL), program

    agrees()


def test_every_scalar_engine_is_found():
    assert [u.target for u in ENGINES] == ["a0_micrograd.engine:Value"]


def test_the_finite_difference_check_can_fail():
    """A wrong engine (tanh's derivative from its input) disagrees with the differences on a tanh graph."""
    program = {"leaves": [0.7], "ops": [["tanh", 0, None]]}
    t = math.tanh(0.7)
    assert graphs.close(micrograd.finite_differences(program)[0], 1 - t * t, 1e-6, 1e-9)
    assert not graphs.close(micrograd.finite_differences(program)[0], 1 - 0.7**2, graphs.FD_RTOL, graphs.FD_ATOL)


def torch_grads(torch, program: dict) -> np.ndarray:
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in program["leaves"]]
    nodes = list(leaves)
    ops = {"tanh": torch.tanh, "exp": torch.exp, "log": torch.log, "relu": torch.relu}
    for name, i, arg in micrograd.steps(program):
        if name in ops:
            nodes.append(ops[name](nodes[i]))
        else:
            nodes.append(micrograd.apply_value(name, nodes[i], micrograd.second(name, arg, nodes)))
    nodes[-1].backward()
    return np.array([float(leaf.grad) if leaf.grad is not None else 0.0 for leaf in leaves])


@settings(max_examples=40, deadline=None, database=None)
@given(graphs.expression_graphs(ops=(1, 20)))
def test_reference_grads_equal_torch(program):
    torch = pytest.importorskip("torch")
    assert np.allclose(reference_grads(program), torch_grads(torch, program), rtol=1e-10, atol=1e-12), program


KARPATHY_OPS = {"add", "sub", "mul", "div", "add_c", "radd", "sub_c", "rsub", "mul_c", "rmul", "div_c", "rdiv",
                "pow", "neg", "relu"}


@settings(max_examples=40, deadline=None, database=None)
@given(graphs.expression_graphs(ops=(1, 20)))
def test_reference_grads_equal_karpathys_micrograd(program):
    """micrograd 0.1.0 from PyPI (pip install micrograd) as a second oracle, on the graphs it can build (it
    has no tanh, exp or log)."""
    engine = pytest.importorskip("micrograd.engine")
    if any(name not in KARPATHY_OPS for name, _, _ in program["ops"]):
        return
    nodes = micrograd.build(engine.Value, program)
    nodes[-1].backward()
    theirs = np.array([v.grad for v in nodes[:len(program["leaves"])]])
    assert np.allclose(reference_grads(program), theirs, rtol=1e-10, atol=1e-12), program


def test_the_strategy_draws_every_operation_reuse_and_domains():
    seen, reused, three_uses = set(), 0, 0

    @settings(max_examples=200, deadline=None, database=None)
    @given(graphs.expression_graphs())
    def collect(program):
        nonlocal reused, three_uses
        values = micrograd.evaluate(program)
        n = len(program["leaves"])
        uses = {}
        for k, (name, i, arg) in enumerate(program["ops"]):
            seen.add(name)
            b = micrograd.second(name, arg, values)
            assert graphs.in_domain(name, values[i], b), (name, values[i], b)
            if micrograd.OPS[name][0] == "pair" and i == arg:
                reused += 1
            for j in [i] + ([arg] if micrograd.OPS[name][0] == "pair" else []):
                uses[j] = uses.get(j, 0) + 1
        three_uses += any(count >= 3 for count in uses.values())
        used = set(uses)
        assert all(k in used for k in range(n + len(program["ops"]) - 1)), "every node reaches the output"

    collect()
    assert seen == set(micrograd.OPS)
    assert reused >= 10 and three_uses >= 10


# -- the grader on right and wrong engines ---------------------------------------------------------------

def test_the_reference_gets_full_marks(tmp_path):
    result = grade_assignment(A0, copy_submission(tmp_path, packages=("a0_micrograd",)))
    lost = [f"{o.name} [{o.status}] {o.message}" for o in result.outcomes if o.status != "passed"]
    assert not lost and result.score == result.max_score == 100, lost
    assert result.mode == "full"


@pytest.mark.parametrize("source", ALTERNATIVES, ids=["kahn-slots", "local-derivatives"])
def test_a_correct_engine_in_another_style_gets_full_marks(source, tmp_path):
    result = grade_assignment(A0, copy_submission(tmp_path, source=source, packages=("a0_micrograd",)))
    lost = [f"{o.name} [{o.status}] {o.message}" for o in result.outcomes if o.status != "passed"]
    assert not lost, "a correct engine lost points:\n" + "\n".join(lost)
    assert result.score == 100


def test_the_stubs_score_zero_not_implemented():
    result = grade_assignment(A0, Path(__file__).resolve().parent.parent / "assignments")
    assert result.score == 0
    assert {o.status for o in result.outcomes} == {"not implemented"}, [(o.name, o.message) for o in result.outcomes]
    first = next(o for o in result.outcomes if o.name == "value.forward")
    assert "Value.__add__ is not implemented yet" in first.message


def test_the_corpus_is_well_formed():
    assert len(A0_BUGS) >= 12 and len({b.name for b in A0_BUGS}) == len(A0_BUGS)
    names = {c.name for c in A0.checks}
    for bug in A0_BUGS:
        assert bug.assignment == "a0" and bug.failing_check in names, bug.name
        assert (Path(__file__).resolve().parent.parent / "reference" / bug.file).read_text().count(bug.old) == 1, bug.name


@pytest.mark.parametrize("bug", A0_BUGS, ids=[b.name for b in A0_BUGS])
def test_the_grader_catches_the_mistake(bug, tmp_path):
    """The bug's check loses its points with the diagnosis; for a network bug, the engine's checks keep theirs."""
    submission = copy_submission(tmp_path, packages=("a0_micrograd",))
    apply(bug, submission)
    engine_checks = [c.name for c in A0.checks if c.name.startswith("value.") and c.visibility == "public"]
    run = [bug.failing_check] + (engine_checks if bug.file.endswith("nn.py") else [])
    result = grade_assignment(A0, submission, checks=run)
    outcomes = {o.name: o for o in result.outcomes}
    target = outcomes[bug.failing_check]
    assert target.status in ("failed", "error") and target.points == 0, f"{target.status}: {target.message}"
    assert bug.diagnosis in target.message, f"{bug.failing_check} lacks {bug.diagnosis!r}:\n{target.message}"
    collateral = [f"{o.name}: {o.message}" for o in result.outcomes if o.name != bug.failing_check and not o.passed]
    assert not collateral, collateral


def test_training_waits_for_the_engine_and_names_what_fails(tmp_path):
    """A network whose zero_grad does nothing gets no training points: training runs only once the checks it
    needs pass, and the message names the failing one."""
    submission = copy_submission(tmp_path, packages=("a0_micrograd",))
    apply(next(b for b in A0_BUGS if b.name == "zero_grad_does_nothing"), submission)
    [outcome] = grade_assignment(A0, submission, checks=["mlp.training"]).outcomes
    assert outcome.status == "failed" and outcome.points == 0
    assert outcome.message.startswith("not run: training is graded once") and "mlp.zero_grad" in outcome.message


def test_the_training_check_fails_an_engine_without_the_reset():
    """What the gate above protects: the same loop without zero_grad ends far from the thresholds."""
    check = next(c for c in A0.checks if c.name == "mlp.training")
    from reference.a0_micrograd import nn

    original = nn.Module.zero_grad
    try:
        nn.Module.zero_grad = lambda self: None
        loss, accuracy = scalar_net.calibrate_training(check)
    finally:
        nn.Module.zero_grad = original
    assert loss > check.options["loss"] + 0.5 and accuracy < check.options["accuracy"]


def test_the_training_check_stores_the_reference_numbers():
    check = next(c for c in A0.checks if c.name == "mlp.training")
    loss, accuracy = scalar_net.calibrate_training(check)
    assert round(loss, 4) == check.options["reference_loss"] and accuracy == check.options["reference_accuracy"]
    assert accuracy >= check.options["accuracy"] and loss <= check.options["loss"]


def test_a0_is_listed_first_and_resolves_by_every_name():
    from grader.specs import resolve

    assert list(ASSIGNMENTS)[0] == "a0"
    assert {resolve(n).key for n in ("a0", "0", "a0_micrograd", "micrograd")} == {"a0"}
    assert sum(c.points for c in A0.checks) == 100


# -- the kit's library ---------------------------------------------------------------------------------

def test_make_moons_is_the_documented_formula():
    X, y = micrograd.make_moons(100, 0.0, seed=3)
    assert X.shape == (100, 2) and set(y) == {-1.0, 1.0} and (y == 1).sum() == 50
    upper, lower = X[y == -1], X[y == 1]
    assert np.allclose(np.hypot(*upper.T), 1.0)  # (cos t, sin t)
    assert np.allclose(np.hypot(*(lower - [1.0, 0.5]).T), 1.0)  # (1 - cos t, 0.5 - sin t)
    again = micrograd.make_moons(100, 0.1, seed=3)
    assert np.array_equal(again[0], micrograd.make_moons(100, 0.1, seed=3)[0])
    assert not np.array_equal(again[0], micrograd.make_moons(100, 0.1, seed=4)[0])


def test_the_numpy_mlp_equals_the_reference_network():
    nouts = [4, 3, 2]
    weights = np.random.default_rng(0).uniform(-1, 1, micrograd.n_parameters(3, nouts))
    model = MLP(3, nouts)
    for p, w in zip(model.parameters(), weights):
        p.data = float(w)
    X = np.random.default_rng(1).standard_normal((4, 3))
    ours = np.array([[o.data for o in model(list(row))] for row in X])
    assert np.allclose(ours, micrograd.mlp_forward(weights, 3, nouts, X), rtol=1e-12)


def test_render_draws_a_small_graph_with_data_and_grad():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    L = c + a
    L.label = "L"
    L.backward()
    text = micrograd.render(L)
    assert text.splitlines()[0].startswith("L = +(")
    assert "a   data 2.0000   grad -2.0000" in text  # a is used twice: its gradients added
    assert "(shown above)" in text  # and drawn once
    assert "c = *(" in text and "grad 1.0000" in text


def test_render_is_iterative_on_a_deep_graph():
    x = Value(0.5)
    for _ in range(5000):
        x = x * 1.0  # each product has two inputs: the chain and a constant
    assert len(micrograd.render(x).splitlines()) == 1 + 2 * 5000


def test_plot_graph_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    a = Value(2.0, label="a")
    L = (a * a).tanh()
    L.backward()
    micrograd.plot_graph(L, str(tmp_path / "graph.png"))
    assert (tmp_path / "graph.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.slow
def test_the_notebook_runs_in_a_jupyter_kernel(tmp_path, monkeypatch):
    """a0's notebook with the reference's code in its cells, executed by a real kernel (nbclient, ipykernel):
    every check cell grades it 100/100 and the last cell draws the moons (about 20 s)."""
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    import nbformat

    from grader import generate
    from grader.instructor import notebooks

    files = {p.as_posix(): (generate.REFERENCE / p).read_text() for p in generate.student_files()}
    nb = notebooks.build(A0, files, notebooks.package_doc(A0, files))
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parent.parent))
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    texts = ["".join(o.get("text", "") for o in cell.get("outputs", [])) for cell in nb.cells if cell.cell_type == "code"]
    assert any("100/100" in t for t in texts), texts
    last = nb.cells[-1].get("outputs", [])
    assert any("image/png" in o.get("data", {}) for o in last), last


def test_a_correct_but_slow_engine_loses_the_deep_graph_check_only_with_a_time_message(tmp_path):
    """A visited *list* makes backward quadratic: right on small graphs, out of time on 20000 nodes. The
    message says it is a time limit and where to look (the limit capped to 3 s to keep the test short)."""
    from tests.corpus.bugs_a0 import ITERATIVE_TOPO
    from tests.submission import substitute

    submission = copy_submission(tmp_path, packages=("a0_micrograd",))
    slow = ITERATIVE_TOPO.replace("topo, visited = [], set()", "topo, visited = [], []").replace(
        "visited.add(node)", "visited.append(node)")
    substitute(submission, "a0_micrograd/engine.py", ITERATIVE_TOPO, slow)
    result = grade_assignment(A0, submission, checks=["value.backward", "value.deep_graph"], check_timeout=3)
    outcomes = {o.name: o for o in result.outcomes}
    assert outcomes["value.backward"].passed, outcomes["value.backward"].message
    deep = outcomes["value.deep_graph"]
    assert deep.status == "timeout" and deep.points == 0
    assert "timed out after 3 s" in deep.message and "use a set for the visited nodes" in deep.message, deep.message


def test_every_graded_function_of_a0_has_a_hint_ladder():
    """Each function with a solution region in reference/a0_micrograd has hints 1, 2 and 3, and no hint text
    reaches the stubs."""
    from grader import generate

    for path in sorted((generate.REFERENCE / "a0_micrograd").glob("*.py")):
        source = path.read_text()
        names = generate.enclosing_names(source)
        graded = {names[n] for n, line in enumerate(source.splitlines(), 1) if generate.BEGIN.match(line)}
        ladders = generate.hint_ladders(source, str(path))
        for name in graded:
            assert len(ladders.get(name, [])) >= 3, f"{path.name}: {name} has {len(ladders.get(name, []))} hints"
        assert "### HINT" not in generate.strip_solutions(source)


def test_every_check_that_requires_others_names_public_checks_of_its_own_assignment():
    """A check of another kind of unit (a0's training) gates itself on the checks its options name
    (``requires``, grader/spec.py): in every assignment they exist, are public and run before it."""
    gated = 0
    for assignment in ASSIGNMENTS.values():
        order = [c.name for c in assignment.checks]
        for check in assignment.checks:
            for name in check.options.get("requires", ()):
                gated += 1
                assert name in order and order.index(name) < order.index(check.name), (check.name, name)
                needed = next(c for c in assignment.checks if c.name == name)
                assert needed.visibility == "public", (check.name, name)
            if check.options.get("requires"):
                assert {c.name for c in assignment.prerequisites(check, assignment.checks)} >= set(check.options["requires"])
    assert gated


def test_makemore_train_micrograd_shows_the_loss_falling_and_draws_the_boundary(capsys, tmp_path):
    import re

    from grader.cli import main

    png = tmp_path / "moons.png"
    args = ["train", "micrograd", "--reference", "--steps", "4", "--n-hidden", "4", "--log-every", "1"]
    assert main(args + (["--plot", str(png)] if _has_matplotlib() else [])) == 0
    out = capsys.readouterr().out
    losses = [float(x) for x in re.findall(r"loss (\d+\.\d+)  accuracy", out)]
    assert len(losses) == 4 and losses[-1] < losses[0], out
    assert "MLP(2, [4, 4, 1]), 37 parameters, 100 points of two moons" in out
    if _has_matplotlib():
        assert png.read_bytes()[:4] == b"\x89PNG"


def _has_matplotlib() -> bool:
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None


def test_grading_a0_twice_gives_the_same_outcomes(tmp_path):
    """The random graphs come from a derandomized hypothesis run: the same wrong engine twice, the same verdicts
    and messages (the failing random graph included)."""
    submission = copy_submission(tmp_path, packages=("a0_micrograd",))
    apply(next(b for b in A0_BUGS if b.name == "add_assigns_grad"), submission)
    checks = ["value.backward", "value.gradcheck", "value.reference"]
    first, second = (grade_assignment(A0, submission, checks=checks) for _ in range(2))
    summary = lambda result: [(o.name, o.status, o.points, o.message) for o in result.outcomes]
    assert summary(first) == summary(second)
    assert [o.status for o in first.outcomes] == ["failed"] * 3, summary(first)
