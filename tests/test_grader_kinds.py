"""Each kind of mistake closed by a mechanism every unit inherits (tests/corpus/bugs_kinds.py).

For each kind: a test over every unit of every spec that fails where the unit lacks the mechanism, and the
corpus's mistakes of that kind, each caught on its check with its diagnosis."""
from __future__ import annotations

import pytest

from grader.runner import grade_assignment
from grader.specs import ASSIGNMENTS
from tests.corpus.bugs import REFERENCE, build_submission
from tests.corpus.bugs_kinds import BUGS


def test_the_kinds_corpus_is_well_formed():
    assert len({bug.name for bug in BUGS}) == len(BUGS)
    for style in STYLES:
        assert (REFERENCE / style.file).read_text().count(style.old) == 1, style.name
    for bug in BUGS:
        assert bug.failing_check in {c.name for c in ASSIGNMENTS[bug.assignment].checks}, bug.name
        assert (REFERENCE / bug.file).read_text().count(bug.old) == 1, f"{bug.name}: `old` must occur exactly once"


@pytest.mark.parametrize("bug", BUGS, ids=[bug.name for bug in BUGS])
def test_each_kind_of_mistake_is_caught_and_named(bug, tmp_path):
    result = grade_assignment(ASSIGNMENTS[bug.assignment], build_submission(bug, tmp_path),
                              checks=[bug.failing_check])
    (outcome,) = result.outcomes
    assert outcome.status in ("failed", "error") and outcome.points == 0, f"{outcome.status}: {outcome.message}"
    assert bug.diagnosis in outcome.message, outcome.message


# -- kind 1: extreme inputs --------------------------------------------------------------------------------

def every_unit():
    """(assignment, label, unit) for every unit of every spec, once per label (a training unit shares its
    model's label), with the checks of that label."""
    for assignment in ASSIGNMENTS.values():
        labels: dict = {}
        for check in assignment.checks:
            if check.unit is not None and hasattr(check.unit, "target"):
                labels.setdefault(check.unit.label, (check.unit, []))[1].append(check)
        for label, (unit, checks) in labels.items():
            yield assignment, label, unit, checks


UNITS = list(every_unit())


def reached(unit, assignment, hazard, sign):
    """The largest |argument| np.exp, np.tanh and np.logaddexp see while the reference runs ``unit``'s extreme
    example for ``hazard``, and the largest |mean| of the moved input (an offset reaches a normalisation)."""
    import numpy as np

    from grader import checks, hazards
    from grader.stepwise import Step

    dims = (assignment.fixture_dims.get(unit.label) or [None])[0] or next(
        c.options["ordinary_dims"][0] for c in assignment.checks if c.unit is unit and c.options.get("ordinary_dims"))
    seen = [0.0]
    real = {name: getattr(np, name) for name in ("exp", "tanh", "logaddexp")}

    def spy(fn):
        def wrapped(*args, **kwargs):
            for a in args:
                if isinstance(a, np.ndarray) and a.size and a.dtype.kind == "f":
                    finite = np.abs(a[np.isfinite(a)])
                    seen[0] = max(seen[0], float(finite.max()) if finite.size else 0.0)
            return fn(*args, **kwargs)
        return wrapped

    for name, fn in real.items():
        setattr(np, name, spy(fn))
    try:
        with np.errstate(all="ignore"):
            if isinstance(unit, Step):
                values = unit.graph.sample(dims, 0)
                args = hazards.extreme_args([values[a] for a in unit.args], hazard, sign)
                checks.load_reference(unit.target)(*args)
                moved = args[0]
            elif hasattr(unit, "args"):
                args = hazards.extreme_args(unit.args(dims, np.random.default_rng(0)), hazard, sign)
                checks.load_reference(unit.target)(*args)
                moved = next(a for a in args if isinstance(a, np.ndarray) and a.dtype.kind == "f")
            else:
                params, inputs, dout = checks.make_example(unit, dims, 0)
                inputs, params = hazards.extreme_inputs(inputs, params, hazard, unit.differentiable, sign,
                                                        bool(unit.depends_on))
                checks.reference_layer(unit, dims, params, inputs, dout)
                moved = inputs[0] if unit.differentiable else next(iter(params.values()))
    finally:
        for name, fn in real.items():
            setattr(np, name, fn)
    return seen[0], float(np.max(np.abs(np.mean(moved))))


HAZARD_UNITS = [(a, label, unit, checks) for a, label, unit, checks in UNITS]


@pytest.mark.parametrize("assignment, label, unit, checks", HAZARD_UNITS,
                         ids=[f"{a.key}-{label}" for a, label, _, _ in HAZARD_UNITS])
def test_every_unit_with_a_hazard_is_graded_where_it_bites(assignment, label, unit, checks):
    """A unit whose maths has a hazard (declared, or inferred from its reference) has a hidden reference check,
    which runs its extreme examples, and those examples reach the hazard: exp and tanh see arguments of 800 and
    more (1e4 for a softmax), a normalisation an input offset by 1e8."""
    from grader.hazards import VARIANCE_OFFSET, hazards_of

    units = {lab: u for owner, lab, u, _ in UNITS if owner is assignment}
    found = hazards_of(unit, units)
    if not found:
        return
    graders = [c for c in checks if c.visibility == "hidden" and c.options.get("source") == "reference"
               and c.kind in ("agreement", "function_agreement", "step")]
    assert graders, f"{assignment.key} {label} has hazards {found} but no hidden reference check to run them"
    from grader.checks import ordinary_dims

    class Runtime:
        pass

    rt = Runtime()
    rt.assignment = assignment
    assert all(ordinary_dims(c, rt) for c in graders), f"{assignment.key} {label}: no sizes for its extreme examples"
    for hazard in found:
        peaks = [reached(unit, assignment, hazard, sign) for sign in ((1, -1) if hazard != "variance" else (1,))]
        if hazard == "variance":
            assert peaks[0][1] >= VARIANCE_OFFSET / 2 or not unit.differentiable, (label, peaks)
        else:
            assert max(p[0] for p in peaks) >= (800 if hazard == "exp" else 5e3), (label, hazard, peaks)


# -- kind 2: inputs unchanged ------------------------------------------------------------------------------

@pytest.mark.parametrize("key", list(ASSIGNMENTS))
def test_every_check_that_calls_student_code_verifies_its_inputs_unchanged(key, tmp_path, monkeypatch):
    """Every check of every spec, run on the reference with each reply of the student's process saying that the
    call modified its first input: each check that called a function or a layer fails and says "in place".
    Exempt only: a call whose contract is to change its arguments (``return_args``: clip_grad_norm), training
    (the loop's own calls) and the checks that only ask for perturbed forwards (finite differences, causality)."""
    from grader.sandbox import parent

    real = parent.Child.request
    asked: dict = {}

    def request(self, op, header, arrays=None, timeout=10.0):
        reply = real(self, op, header, arrays, timeout)
        if op in ("call", "layer") and reply.ok and not header.get("return_args"):
            reply.header["mutated"] = [0]
            asked[current[0]] = True
        return reply

    current = [None]
    monkeypatch.setattr(parent.Child, "request", request)
    assignment = ASSIGNMENTS[key]
    picked = [c for c in assignment.checks if c.kind != "training"]

    def on_outcome(outcome):
        current[0] = None

    from grader import runner
    real_run = runner.run_check

    def run_check(check, rt):
        current[0] = check.name
        return real_run(check, rt)

    monkeypatch.setattr(runner, "run_check", run_check)
    result = grade_assignment(assignment, build_submission(None, tmp_path), checks=[c.name for c in picked],
                              on_outcome=on_outcome)
    missed = [f"{o.name} [{o.status}] {o.message[:120]}" for o in result.outcomes
              if asked.get(o.name) and (o.status == "passed" or "in place" not in o.message)]
    assert asked and not missed, "checks that did not verify their inputs:\n" + "\n".join(missed)


# -- kind 3: modes and buffers -----------------------------------------------------------------------------

@pytest.mark.parametrize("assignment, label, unit, checks", HAZARD_UNITS,
                         ids=[f"{a.key}-{label}" for a, label, _, _ in HAZARD_UNITS])
def test_every_unit_with_buffers_is_graded_on_them_and_in_each_mode(assignment, label, unit, checks):
    """A layer or model whose reference holds buffers (running statistics) declares them, so every call sends
    and reads them back (updated in place, compared with the reference's), and the same class is graded in
    eval mode too: a public contract and a hidden reference check, model-level included."""
    from grader.checks import load_reference

    if not hasattr(unit, "inputs") or any(c.kind == "training" for c in checks) and len(checks) == 1:
        return
    from grader.strategies import first_failure

    dims = (assignment.fixture_dims.get(label) or [None])[0] or first_failure(unit.dims, lambda d: d, 1)
    obj = load_reference(unit.target)(**unit.init(dims))
    if not getattr(obj, "buffers", None):
        return
    assert unit.buffers is not None, f"{assignment.key} {label}: its reference has buffers; declare Unit.buffers"
    modes = {}
    for check in assignment.checks:
        other = check.unit
        if getattr(other, "target", None) == unit.target and getattr(other, "buffers", None) is not None:
            modes.setdefault(other.mode, set()).add((check.kind, check.visibility))
    for mode in ("train", "eval"):
        assert ("agreement", "hidden") in modes.get(mode, set()), f"{assignment.key} {label}: no hidden {mode} check"
        assert ("contract", "public") in modes.get(mode, set()), f"{assignment.key} {label}: no {mode} contract"


# -- kind 5: diagnoses that name the right cause -----------------------------------------------------------

HIDDEN = [(a, c) for a in ASSIGNMENTS.values() for c in a.checks
          if c.visibility == "hidden" and c.kind in ("agreement", "function_agreement")]


@pytest.mark.parametrize("assignment, check", HIDDEN, ids=[f"{a.key}-{c.name}" for a, c in HIDDEN])
def test_every_hidden_check_tries_ordinary_sizes_first(assignment, check):
    """The first example of a hidden check has ordinary sizes (the unit's first stored example: every size at
    least 2, flags aside), where different mistakes give different numbers; hypothesis's smallest come after."""
    from grader.checks import ordinary_dims

    class Runtime:
        pass

    rt = Runtime()
    rt.assignment = assignment
    [dims] = ordinary_dims(check, rt)
    small = {k: v for k, v in dims.items() if k not in ("bias", "n_layer") and v < 2}
    assert not small, f"{check.name} tries {dims} first: {small} is degenerate"


MISTAKE_UNITS = [(a, label, u) for a, label, u, _ in UNITS if getattr(u, "mistakes", None) and hasattr(u, "inputs")
                 and a.fixture_dims.get(label)]


@pytest.mark.parametrize("assignment, label, unit", MISTAKE_UNITS, ids=[f"{a.key}-{lab}" for a, lab, _ in MISTAKE_UNITS])
def test_a_known_mistake_never_explains_an_array_it_leaves_right(assignment, label, unit):
    """For every unit's known mistakes on its stored example's sizes: one that gives the right answer for an
    array (a forward mistake, on a gradient; a time-loop mistake, on the embedding) is never offered for a
    difference in that array, however close the student's array is to it."""
    import numpy as np

    from grader.checks import diagnosis_context, make_example, reference_layer
    from grader.diagnose import compare_arrays

    dims = assignment.fixture_dims[label][0]
    params, inputs, dout = make_example(unit, dims, 0)
    expected = reference_layer(unit, dims, params, inputs, dout)
    for key, right in expected.items():
        context = diagnosis_context(unit, dims, inputs, params, dout, expected, key)
        raw = list(context.known_mistakes.mistakes)
        silent = [d for d, w in raw if np.shape(w) == right.shape and np.allclose(w, right, rtol=1e-6, atol=1e-8)]
        off = right + 1e-3 * (1 + np.abs(right))  # a wrong array near the right one
        message = compare_arrays(key, right, off, context) or ""
        assert not any(d in message for d in silent), (key, message)
        assert all(d not in [x for x, _ in context.known_mistakes] for d in silent) or \
            any(np.shape(w) == right.shape and not np.allclose(w, right) for x, w in raw if x in silent)


def test_float32_precision_is_said_only_when_float32_was_seen():
    import numpy as np

    from grader.diagnose import compare_arrays

    expected = np.random.default_rng(0).standard_normal((4, 5))
    float64_error = compare_arrays("out", expected, expected * (1 + 3e-6))
    assert "float32" not in float64_error and "small systematic error" in float64_error
    assert "float32 precision" in compare_arrays("out", expected, expected.astype(np.float32).astype(np.float64),
                                                 rtol=1e-9, atol=1e-12)


def test_a_mistake_that_gives_the_right_answer_is_not_named():
    import numpy as np

    from grader.diagnose import Context, compare_arrays

    expected = np.arange(6.0).reshape(2, 3) + 1
    got = expected + 0.5
    context = Context(known_mistakes=[("a forward mistake", expected.copy()), ("the mistake", got.copy())])
    assert "the mistake" in compare_arrays("dx", expected, got, context)
    context = Context(known_mistakes=[("a forward mistake", expected.copy())])
    assert "a forward mistake" not in compare_arrays("dx", expected, expected * 1.0000001 + 1e-3, context)


# -- kind 4: causality in backward -------------------------------------------------------------------------

CAUSAL = [(a, c) for a in ASSIGNMENTS.values() for c in a.checks if c.kind == "causality"]


@pytest.mark.parametrize("assignment, check", CAUSAL, ids=[f"{a.key}-{c.name}" for a, c in CAUSAL])
def test_every_causality_check_covers_backward(assignment, check):
    """A causal unit's causality check also runs backward with an upstream gradient at one position, and has
    something to look at: dx over positions (a layer of activations) or a gradient indexed by position (a
    model fed token ids: its position embedding)."""
    unit = check.unit
    assert unit.differentiable or check.options.get("position_grads"), check.name
    for name in check.options.get("position_grads", ()):
        assert name in unit.params(check.options["dims"], __import__("numpy").random.default_rng(0)), name


# -- kind 6: layouts a correct student uses ----------------------------------------------------------------

def test_a_helper_package_beside_the_assignment_folders_is_kept_and_imported(tmp_path):
    """Correct code that imports a package of the student's own, kept beside the assignment folders
    (ROOT/mathutils/softmax.py), is graded as written: the package is not flattened into the graded one."""
    from grader.instructor.submissions import prepare
    from tests.submission import copy_submission

    entry = copy_submission(tmp_path / "entry", packages=("a1_bigram", "a6_rnn"))
    (entry / "mathutils").mkdir()
    (entry / "mathutils" / "__init__.py").write_text("")
    (entry / "mathutils" / "stable.py").write_text(
        "import numpy as np\n\n\ndef log_softmax(z):\n    s = z - z.max(axis=-1, keepdims=True)\n"
        "    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))\n")
    loss = entry / "a6_rnn" / "sequence_loss.py"
    old = "log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))"
    assert loss.read_text().count(old) == 1
    loss.write_text("from mathutils.stable import log_softmax\n" + loss.read_text().replace(old, "log_probs = log_softmax(logits)"))
    prepared = prepare(entry, ASSIGNMENTS["a6"], tmp_path / "work")
    assert prepared.fatal is None, prepared.fatal
    assert (prepared.folder / "mathutils" / "stable.py").exists(), sorted(p.name for p in prepared.folder.rglob("*"))
    assert not (prepared.folder / "a6_rnn" / "stable.py").exists()
    assert any("mathutils/" in note for note in prepared.notes), prepared.notes
    result = grade_assignment(ASSIGNMENTS["a6"], prepared.folder, checks=["sequence_loss.fixture", "sequence_loss.reference"])
    assert [o.status for o in result.outcomes] == ["passed", "passed"], [o.message for o in result.outcomes]


from tests.corpus.bugs_kinds import STYLES  # noqa: E402


@pytest.mark.parametrize("style", STYLES, ids=[s.name for s in STYLES])
def test_correct_code_in_another_style_keeps_every_point_of_its_unit(style, tmp_path):
    """Stable code written another way (exp where it cannot overflow, logaddexp, np.var, a sigmoid by sign)
    passes every check of its unit, the extreme examples included."""
    assignment = ASSIGNMENTS[style.assignment]
    unit = next(c.unit for c in assignment.checks if c.name == style.failing_check)
    result = grade_assignment(assignment, build_submission(style, tmp_path),
                              checks=lambda c: getattr(c.unit, "target", None) == unit.target and c.kind != "training")
    lost = [f"{o.name} [{o.status}] {o.message}" for o in result.outcomes if o.status != "passed"]
    assert result.outcomes and not lost, "\n".join(lost)


def test_every_optimiser_check_steps_parameters_of_equal_shapes(monkeypatch):
    """An optimiser graded through a harness (a function unit whose target module defines the optimiser a
    training check names) steps at least two parameters of each shape, so state kept per shape, not per
    parameter, changes the answer."""
    import importlib

    import numpy as np

    optimisers = {c.options["optimizer"] for a in ASSIGNMENTS.values() for c in a.checks if c.options.get("optimizer")}
    assert optimisers
    for target in optimisers:
        module_name, _, cls_name = target.partition(":")
        module = importlib.import_module("reference." + module_name)
        harnesses = [c.unit for a in ASSIGNMENTS.values() for c in a.checks
                     if getattr(c.unit, "target", "").startswith(module_name + ":") and hasattr(c.unit, "args")]
        assert harnesses, f"{target}: no check grades the optimiser's steps on its own"
        seen = []
        real = getattr(module, cls_name)

        class Spy(real):
            def __init__(self, params, *args, **kwargs):
                seen.append([np.shape(v) for v in params.values()])
                super().__init__(params, *args, **kwargs)

        monkeypatch.setattr(module, cls_name, Spy)
        for unit in harnesses:
            dims = {"R": 2, "C": 3, "K": 3}
            getattr(module, unit.target.partition(":")[2])(*unit.args(dims, np.random.default_rng(0)))
        for shapes in seen:
            assert all(shapes.count(s) >= 2 for s in shapes), shapes
