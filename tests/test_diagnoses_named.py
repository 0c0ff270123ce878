"""Diagnoses that could point at the wrong cause, or at none: each common slip gets its own message.

Each case is one substitution in a copy of the reference, graded on the check that must name it."""
from __future__ import annotations

import numpy as np
import pytest

from grader.diagnose import compare_arrays, error_hint
from grader.runner import grade_assignment
from grader.specs import ASSIGNMENTS

LOSS, COUNTS, TANH, LINEAR, MLP = ("a1_bigram/cross_entropy.py", "a1_bigram/counts.py", "a2_mlp/tanh.py",
                                   "a2_mlp/linear.py", "a2_mlp/mlp.py")
ROW_MAX = "shifted = logits - logits.max(axis=1, keepdims=True)"

CASES = [
    ("global_max", LOSS, ROW_MAX, "shifted = logits - logits.max()", "cross_entropy.stability",
     "one max was subtracted for the whole batch, so those rows underflowed to exp = 0"),
    ("max_without_keepdims", LOSS, ROW_MAX, "shifted = logits - logits.max(axis=1)", "cross_entropy.contract",
     "a reduction lost its axis. Keep it with keepdims=True"),
    ("log2", COUNTS, "log_likelihood += np.log(P[stoi[ch1], stoi[ch2]])",
     "log_likelihood += np.log2(P[stoi[ch1], stoi[ch2]])", "bigram_nll.fixture", "np.log2 instead of the natural log"),
    ("P_transposed", COUNTS, "log_likelihood += np.log(P[stoi[ch1], stoi[ch2]])",
     "log_likelihood += np.log(P[stoi[ch2], stoi[ch1]])", "bigram_nll.fixture", "it reads P[b, a] for the bigram (a, b)"),
    ("float32_forward", LINEAR, 'return x @ self.params["weight"] + self.params["bias"]',
     'return (x @ self.params["weight"] + self.params["bias"]).astype(np.float32).astype(np.float64)',
     "linear.gradcheck", "float32 precision"),
    ("fortran_flatten", MLP, "self.emb_shape = emb.shape", "self.emb_shape = emb.shape\n        emb = emb.transpose(0, 2, 1)",
     "mlp.fixture", "the embeddings were flattened in the wrong order"),
    ("one_minus_out_squared", TANH, "return dout * (1.0 - self.out**2)", "return dout * (1.0 - self.out)**2",
     "tanh.gradcheck", "square tanh(x) alone"),
]


@pytest.mark.parametrize("name, file, old, new, check, says", CASES, ids=[c[0] for c in CASES])
def test_the_message_names_the_slip(submission, name, file, old, new, check, says):
    assignment = ASSIGNMENTS[file.partition("_")[0]]
    (outcome,) = grade_assignment(assignment, submission((file, old, new)), checks=(check,)).outcomes
    assert outcome.status in ("failed", "error") and says in outcome.message, outcome.message
    assert "exp overflowed" not in outcome.message and "no entry matches" not in outcome.message


def test_agreement_to_seven_digits_is_named_float32_not_a_factor_of_one():
    expected = np.random.default_rng(0).standard_normal((4, 5))
    message = compare_arrays("dW", expected, expected.astype(np.float32).astype(np.float64), rtol=1e-9, atol=1e-12)
    assert "float32 precision" in message and "constant factor" not in message


def test_a_broadcast_error_between_rows_and_their_reduction_names_keepdims():
    hint = error_hint("SoftmaxCrossEntropy.forward", "ValueError",
                      "operands could not be broadcast together with shapes (5,7) (5,) ")
    assert "keepdims=True" in hint


def test_the_loss_gradient_is_called_dlogits_and_smoothing_is_shown_as_given(submission):
    a1 = ASSIGNMENTS["a1"]
    folder = submission((LOSS, "return dlogits * (dloss / n)", "return dlogits * dloss"),
                        (COUNTS, "counts.astype(np.float64) + smoothing", "counts.astype(np.float64) + 2 * smoothing"))
    result = {o.name: o for o in grade_assignment(a1, folder, checks=("cross_entropy.fixture", "bigram_probs.fixture")).outcomes}
    assert "dlogits returned by SoftmaxCrossEntropy.backward" in result["cross_entropy.fixture"].message
    assert "smoothing=1.0" in result["bigram_probs.fixture"].message
    assert "tenths" not in result["bigram_probs.fixture"].message


def test_a_stub_is_reported_once_and_forward_is_graded_without_backward(submission):
    """backward's NotImplementedError hid forward's verdict on every check, and was said once per check."""
    a2 = ASSIGNMENTS["a2"]
    backward = 'self.grads["weight"] = self.x.T @ dout'
    folder = submission((LINEAR, backward, 'raise NotImplementedError("Linear.backward: dx = ...")\n        ' + backward),
                        (TANH, "self.out = np.tanh(x)", "self.out = np.tanh(x) + 1e-3"))
    result = {o.name: o for o in grade_assignment(a2, folder, checks=lambda c: c.name.startswith(("linear.", "tanh."))
                                                  and c.visibility == "public").outcomes}
    assert result["linear.contract"].status == "not implemented"
    assert result["linear.contract"].message.startswith("Linear.forward passes this check; Linear.backward is not "
                                                        "implemented yet")
    assert result["linear.fixture"].message.startswith("Linear.forward passes (its output is right); ")
    assert result["linear.gradcheck"].message == "(as linear.contract)"  # said once
    # a wrong forward is graded as such although backward is fine
    assert result["tanh.fixture"].status == "failed" and "Tanh.forward's output is wrong" in result["tanh.fixture"].message
