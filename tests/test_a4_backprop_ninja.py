"""Assignment 4 (Backprop Ninja): the reference against finite differences and torch, the stepwise grading
mechanism, and the grader on the corpus of mistakes, on correct alternatives and on the stubs."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader import stepwise
from grader.checks import FD_ATOL, FD_RTOL
from grader.diagnose import compare_arrays
from grader.runner import grade_assignment
from grader.specs import ASSIGNMENTS
from grader.specs.a4 import BATCHNORM, CROSS_ENTROPY, DIMS, GRAPH, STEP_UNITS, leaves
from grader.strategies import seeds
from reference.a4_backprop_ninja import forward as ref_forward
from reference.a4_backprop_ninja import fused as ref_fused
from reference.a4_backprop_ninja import manual_backward as ref_mb
from tests.corpus.bugs import REFERENCE, REPO, apply
from tests.corpus.bugs_a4 import A4_BUGS
from tests.submission import copy_submission, mask_hints

A4 = ASSIGNMENTS["a4"]
PACKAGE = "a4_backprop_ninja"
PARAMS = ("C", "W1", "b1", "W2", "b2", "bngain", "bnbias")
ALTERNATIVES = [REPO / "tests" / "corpus" / "alternatives", REPO / "tests" / "corpus" / "alternatives_loops"]


def reference_chain(dims, seed):
    p = leaves(dims, np.random.default_rng(seed))
    params = {k: p[k] for k in PARAMS}
    cache = ref_forward.forward(params, p["Xb"], p["Yb"])
    return p, params, cache, ref_mb.backward(params, cache, p["Xb"], p["Yb"])


# -- the reference ---------------------------------------------------------------------------------------

@given(st.tuples(DIMS, seeds()))
def test_the_graders_forward_graph_is_the_reference_forward(example):
    dims, seed = example
    p, params, cache, _ = reference_chain(dims, seed)
    values = GRAPH.forward(p)
    assert set(cache) <= set(values)
    for name, value in cache.items():
        np.testing.assert_allclose(values[name], value, rtol=1e-13, atol=1e-15, err_msg=name)


def test_bnvar_uses_bessels_correction_as_the_lecture():
    dims = {"N": 5, "V": 4, "T": 2, "D": 3, "H": 6}
    p, params, cache, _ = reference_chain(dims, 3)
    hprebn = cache["hprebn"]
    np.testing.assert_allclose(cache["bnvar"], hprebn.var(0, ddof=1, keepdims=True), rtol=1e-12)
    assert not np.allclose(cache["bnvar"], hprebn.var(0, keepdims=True), rtol=1e-3)
    # bnraw is the normalised hprebn with that variance
    np.testing.assert_allclose(cache["bnraw"], (hprebn - hprebn.mean(0)) / np.sqrt(hprebn.var(0, ddof=1) + 1e-5),
                               rtol=1e-10)


def loss_of(params, Xb, Yb):
    return ref_forward.forward(params, Xb, Yb)["loss"]


@given(st.tuples(DIMS, seeds()))
def test_every_reference_parameter_gradient_matches_finite_differences_of_the_loss(example):
    """The whole chain, independently of the grader's graph: perturb each parameter of forward.forward."""
    dims, seed = example
    p, params, cache, grads = reference_chain(dims, seed)
    for name in PARAMS:
        numeric = np.zeros_like(params[name])
        for j in range(params[name].size):
            saved = params[name].flat[j]
            params[name].flat[j] = saved + 1e-6
            plus = loss_of(params, p["Xb"], p["Yb"])
            params[name].flat[j] = saved - 1e-6
            minus = loss_of(params, p["Xb"], p["Yb"])
            params[name].flat[j] = saved
            numeric.flat[j] = (plus - minus) / 2e-6
        got = grads["d" + name]
        assert got.dtype == np.float64 and got.shape == params[name].shape, name
        assert compare_arrays("d" + name, numeric, got, rtol=FD_RTOL, atol=FD_ATOL) is None, name


@pytest.mark.parametrize("label", list(STEP_UNITS), ids=str)
def test_every_reference_step_matches_finite_differences_with_injected_gradients(label):
    """Each of the 26 functions, on the true and on random upstream gradients, in float64."""
    unit = STEP_UNITS[label]
    fn = getattr(ref_mb, label)

    @given(st.tuples(DIMS, seeds()))
    @settings(max_examples=6)
    def check(example):
        dims, seed = example
        values = GRAPH.sample(dims, seed)
        for kind in ("chain", "random"):
            grads = stepwise.injected(unit, values, dims, seed, kind)
            env = stepwise.environment(unit, values, grads, dims)
            got = fn(*(env[a] for a in unit.args))
            expected = stepwise.vjp(GRAPH, values, unit.of, unit.cut_nodes(), grads)
            assert got.dtype == np.float64 and got.shape == np.shape(values[unit.of])
            problem = compare_arrays(label, expected, got, rtol=FD_RTOL, atol=FD_ATOL)
            assert problem is None, f"{kind} {dims}: {problem}"

    check()


@given(st.tuples(DIMS, seeds()))
def test_the_fused_gradients_match_finite_differences_and_the_step_by_step_chain(example):
    dims, seed = example
    p, params, cache, grads = reference_chain(dims, seed)
    dlogits = ref_fused.cross_entropy_backward(cache["logits"], p["Yb"])
    np.testing.assert_allclose(dlogits, grads["dlogits"], rtol=1e-10, atol=1e-14)
    dhprebn = ref_fused.batchnorm_backward(grads["dhpreact"], params["bngain"], cache["bnvar_inv"], cache["bnraw"])
    np.testing.assert_allclose(dhprebn, grads["dhprebn"], rtol=1e-9, atol=1e-13)
    values = GRAPH.forward(p)
    for unit, got in ((CROSS_ENTROPY, dlogits), (BATCHNORM, dhprebn)):
        cut_grads = {"loss": 1.0} if unit.cut == ("loss",) else {"hpreact": grads["dhpreact"]}
        expected = stepwise.vjp(GRAPH, values, unit.of, unit.cut, cut_grads)
        assert compare_arrays(unit.label, expected, got, rtol=FD_RTOL, atol=FD_ATOL) is None


def test_the_graders_true_chain_is_the_reference_chain():
    """stepwise.chain_gradients (reverse mode with local finite differences, what the public checks inject)
    equals the reference's own backward."""
    dims = {"N": 4, "V": 5, "T": 2, "D": 2, "H": 3}
    p, params, cache, grads = reference_chain(dims, 11)
    chain = stepwise.chain_gradients(GRAPH, GRAPH.forward(p), PARAMS)
    for name, value in grads.items():
        np.testing.assert_allclose(chain[name[1:]], value, rtol=1e-5, atol=1e-7, err_msg=name)


def test_dlogit_maxes_is_about_zero_on_the_true_chain_so_random_upstream_is_needed():
    _, _, _, grads = reference_chain({"N": 6, "V": 5, "T": 3, "D": 2, "H": 4}, 0)
    assert np.max(np.abs(grads["dlogit_maxes"])) < 1e-15


@given(st.tuples(DIMS, seeds()))
@settings(max_examples=8)
def test_every_reference_gradient_matches_torch_autograd(example):
    """The lecture's own check: every intermediate's gradient against PyTorch's (float64), skipped without torch."""
    torch = pytest.importorskip("torch")
    dims, seed = example
    p, params, cache, grads = reference_chain(dims, seed)
    t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    Xb, Yb = torch.tensor(p["Xb"]), torch.tensor(p["Yb"])
    n = Xb.shape[0]
    emb = t["C"][Xb]
    embcat = emb.view(n, -1)
    hprebn = embcat @ t["W1"] + t["b1"]
    bnmeani = 1 / n * hprebn.sum(0, keepdim=True)
    bndiff = hprebn - bnmeani
    bndiff2 = bndiff**2
    bnvar = 1 / (n - 1) * bndiff2.sum(0, keepdim=True)
    bnvar_inv = (bnvar + 1e-5) ** -0.5
    bnraw = bndiff * bnvar_inv
    hpreact = t["bngain"] * bnraw + t["bnbias"]
    h = torch.tanh(hpreact)
    logits = h @ t["W2"] + t["b2"]
    logit_maxes = logits.max(1, keepdim=True).values
    norm_logits = logits - logit_maxes
    counts = norm_logits.exp()
    counts_sum = counts.sum(1, keepdims=True)
    counts_sum_inv = counts_sum**-1
    probs = counts * counts_sum_inv
    logprobs = probs.log()
    loss = -logprobs[range(n), Yb].mean()
    named = dict(emb=emb, embcat=embcat, hprebn=hprebn, bnmeani=bnmeani, bndiff=bndiff, bndiff2=bndiff2,
                 bnvar=bnvar, bnvar_inv=bnvar_inv, bnraw=bnraw, hpreact=hpreact, h=h, logits=logits,
                 logit_maxes=logit_maxes, norm_logits=norm_logits, counts=counts, counts_sum=counts_sum,
                 counts_sum_inv=counts_sum_inv, probs=probs, logprobs=logprobs)
    for value in named.values():
        value.retain_grad()
    loss.backward()
    assert cache["loss"] == pytest.approx(loss.item(), rel=1e-12)
    named.update(t)
    for name, value in named.items():
        np.testing.assert_allclose(grads["d" + name], value.grad.numpy(), rtol=1e-8, atol=1e-12, err_msg=name)
    np.testing.assert_allclose(ref_fused.cross_entropy_backward(cache["logits"], p["Yb"]), logits.grad.numpy(),
                               rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose(ref_fused.batchnorm_backward(hpreact.grad.numpy(), params["bngain"],
                                                            cache["bnvar_inv"], cache["bnraw"]),
                               hprebn.grad.numpy(), rtol=1e-8, atol=1e-12)


# -- the grader ------------------------------------------------------------------------------------------

def build(bug, dest: Path) -> Path:
    shutil.copytree(REFERENCE / PACKAGE, dest / PACKAGE, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    if bug is not None:
        apply(bug, dest)
    return dest


def affected_units(failing_check: str) -> set[str]:
    unit = next(c.unit for c in A4.checks if c.name == failing_check)
    affected = {unit.label}
    for check in A4.checks:
        if unit.label in getattr(check.unit, "depends_on", ()):
            affected.add(check.unit.label)
    return affected


def own_unit(bug) -> str:
    return next(c.unit.label for c in A4.checks if c.name == bug.failing_check)


def bug_groups() -> list[list]:
    """The corpus in as few submissions as possible: bugs in different gradients share a submission, since each
    gradient is graded alone (with injected upstream gradients) and one bug cannot hide or cause another."""
    groups: list[list] = []
    for bug in A4_BUGS:
        group = next((g for g in groups if own_unit(bug) not in {own_unit(b) for b in g}), None)
        if group is None:
            groups.append(group := [])
        group.append(bug)
    return groups


def test_the_a4_corpus_is_well_formed():
    assert len(A4_BUGS) >= 8 and len({b.name for b in A4_BUGS}) == len(A4_BUGS)
    names = {c.name for c in A4.checks}
    for bug in A4_BUGS:
        assert bug.assignment == "a4" and bug.failing_check in names, bug.name
        assert mask_hints((REFERENCE / bug.file).read_text())[0].count(bug.old) == 1, bug.name


@pytest.mark.parametrize("bugs", bug_groups(), ids=lambda g: "+".join(b.name for b in g))
def test_the_grader_catches_each_a4_bug_on_its_own_check(bugs, tmp_path):
    """Every bug loses its check's points with its diagnosis, and no gradient other than the buggy ones (and
    what is built from them) loses any. All public checks but the 2 s training run, and the bugs' hidden ones."""
    submission = build(None, tmp_path)
    for bug in bugs:
        apply(bug, submission)
    own = {own_unit(bug) for bug in bugs}
    result = grade_assignment(A4, submission, checks=lambda check: check.mechanism.__name__ != "training" and (
        check.visibility == "public" or check.unit.label in own))
    outcomes = {o.name: o for o in result.outcomes}
    for bug in bugs:
        target = outcomes[bug.failing_check]
        assert target.status == "failed" and target.points == 0, f"{bug.name}: {target.status} {target.message}"
        assert bug.diagnosis in target.message, f"{bug.name}: the message lacks {bug.diagnosis!r}:\n{target.message}"
    affected = set().union(*(affected_units(bug.failing_check) for bug in bugs))
    collateral = [f"{o.name} [{o.status}] {o.message}" for o in result.outcomes
                  if o.unit not in affected and o.status != "passed"]
    assert not collateral, "a bug cost other gradients their points:\n" + "\n".join(collateral)


def test_random_upstream_gradients_reveal_what_the_true_chain_hides(tmp_path):
    """dlogit_maxes is ~0 on the true chain: a max term sent to every column passes there, not with random."""
    bug = next(b for b in A4_BUGS if b.name == "dlogit_maxes_to_every_column")
    submission = build(bug, tmp_path)
    check = next(c for c in A4.checks if c.name == "step.dlogits")
    chain_only = type(check)(**{**check.__dict__, "options": {**check.options, "upstream": ("chain",)}})
    both = grade_assignment(A4, submission, checks=["step.dlogits"]).outcomes[0]
    assert both.status == "failed" and "random upstream gradients dlogit_maxes, dnorm_logits" in both.message
    spec = type(A4)(**{**A4.__dict__, "checks": [chain_only]})
    assert grade_assignment(spec, submission).outcomes[0].status == "passed"


@pytest.mark.parametrize("root", ALTERNATIVES, ids=lambda p: p.name)
def test_a_correct_a4_in_another_style_gets_full_marks(root, tmp_path):
    result = grade_assignment(A4, copy_submission(tmp_path, source=root, packages=(PACKAGE,)))
    lost = [f"{o.name} [{o.status}] {o.message}" for o in result.outcomes if o.status != "passed"]
    assert not lost, "a correct alternative lost points:\n" + "\n".join(lost)
    assert result.mode == "full" and result.score == 100


def test_the_alternatives_are_written_differently():
    texts = {root.name: (root / PACKAGE / "manual_backward.py").read_text() for root in ALTERNATIVES}
    for root in ALTERNATIVES:  # every file a student writes is written anew, not the reference copied
        for path in (root / PACKAGE).glob("*.py"):
            reference = (REFERENCE / PACKAGE / path.name).read_text()
            if "### BEGIN SOLUTION" in reference:
                assert path.read_text() != reference, path
    assert "np.einsum" in texts["alternatives"] and "for k in range" in texts["alternatives_loops"]


def test_the_a4_stubs_score_zero_as_not_implemented(tmp_path):
    shutil.copytree(REPO / "assignments" / PACKAGE, tmp_path / PACKAGE)
    result = grade_assignment(A4, tmp_path)
    for o in result.outcomes:
        assert (o.status, o.points) == ("not implemented", 0), f"{o.name}: {o.status} {o.message}"
    assert result.score == 0 and result.max_score == 100


# -- the lecture's numbers (slow) ------------------------------------------------------------------------

@pytest.mark.slow
def test_the_lectures_run_reaches_the_lectures_dev_loss():
    """200k steps, batch 32, lr 0.1 then 0.01, with the reference's own gradients (exercise 4 of the lecture).
    The lecture reports train 2.0718, dev 2.1162 on makemore's names; the kit's names gave train 2.0693, dev 2.1239
    (assignments/a4_backprop_ninja/README.md)."""
    from tests.a4_lecture_run import lecture_run

    losses = lecture_run(steps=200_000)
    assert losses["dev"] <= 2.135, losses


def test_makemore_train_backprop_ninja_calibrates_then_evaluates_and_samples(capsys):
    from grader.cli import main

    assert main(["train", "backprop-ninja", "--reference", "--steps", "60", "--n-hidden", "16", "--samples", "3",
                 "--log-every", "50"]) == 0
    out = capsys.readouterr().out
    assert "dev   loss" in out and "samples:" in out
    dev = float(out.split("dev   loss")[1].split()[0])
    assert 2.0 < dev < 3.4  # learning from ln(27) = 3.30, and finite after calibration (a batch of 1 samples)
