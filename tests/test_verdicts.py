"""False verdicts, one test per kind: correct code that lost points, wrong code that kept them.

Each test grades a copy of the reference with one substitution (tests/submission.py) and asserts the
verdict and the words of the message."""
from __future__ import annotations

import pytest

from grader.runner import grade_assignment
from grader.specs import ASSIGNMENTS
from tests.corpus.bugs import BUGS

A1, A2 = ASSIGNMENTS["a1"], ASSIGNMENTS["a2"]
COUNTS = "a1_bigram/counts.py"
INT64_TABLE = "counts = np.zeros((len(stoi), len(stoi)), dtype=np.int64)"


def outcomes(result) -> dict:
    return {o.name: o for o in result.outcomes}


@pytest.mark.parametrize("dtype, passes", [("np.int32", True), ("np.uint32", True), ("np.int16", False),
                                           ("np.float64", False)])
def test_counts_accept_any_integer_dtype_of_at_least_32_bits(submission, dtype, passes):
    """The lecture builds its count table with int32; 16-bit counts overflow and floats are not counts."""
    folder = submission((COUNTS, INT64_TABLE, INT64_TABLE.replace("np.int64", dtype)))
    result = outcomes(grade_assignment(A1, folder, checks=lambda c: c.name.startswith("count_bigrams.")))
    for outcome in result.values():
        assert outcome.passed is passes, outcome.message
        if not passes:
            assert "expected an integer dtype of at least 32 bits" in outcome.message


def test_a_wrong_gradient_never_earns_the_training_points(submission):
    """mlp.training passed with a1's cross-entropy ignoring dloss (the loop always passes 1.0): now it is not
    run until every gradient it uses passes its public checks, a1's loss included, even when graded alone.
    The corpus bugs in a2's own layers (bias gradient averaged, embedding gradient assigned, the Tanh
    derivative without its square) are pinned the same way by tests/test_grader_catches_bugs.py."""
    bug, failing = next(b for b in BUGS if b.name == "cross_entropy_ignores_dloss"), "cross_entropy.gradcheck"
    result = grade_assignment(A2, submission((bug.file, bug.old, bug.new)), checks=("mlp.training",))
    (training,) = result.outcomes
    assert training.status == "failed" and training.points == 0
    assert training.message.startswith("not run: training is graded once every gradient it uses passes its "
                                       f"checks, and {failing}"), training.message


def test_an_elementwise_layer_that_overflows_for_large_inputs_fails_its_stability_check(submission):
    """(e - 1) / (e + 1) with e = exp(2x) is tanh on small inputs, and NaN for x = 400 where np.tanh is 1."""
    folder = submission(("a2_mlp/tanh.py", "self.out = np.tanh(x)",
                         "e = np.exp(2 * x)\n        self.out = (e - 1) / (e + 1)"))
    result = outcomes(grade_assignment(A2, folder, checks=lambda c: c.name.startswith("tanh.")))
    # the public stability check, and the hidden reference check's extreme example (grader/hazards.py)
    assert [name for name, o in result.items() if not o.passed] == ["tanh.reference", "tanh.stability"]
    assert "Tanh.forward's output is NaN for large inputs" in result["tanh.stability"].message
    assert "exp overflowed" in result["tanh.stability"].message
    assert "exp overflow" in result["tanh.reference"].message


TANH = "a2_mlp/tanh.py"


@pytest.mark.parametrize("file, old, new, says", [
    (TANH, "self.out = np.tanh(x)",
     "if getattr(self, 'out', None) is None or self.out.shape != x.shape:\n            self.out = np.tanh(x)",
     "forward returned a result cached from an earlier call"),
    ("a2_mlp/linear.py", 'self.grads["weight"] = self.x.T @ dout',
     'self.grads["weight"] = self.x.T @ dout\n        self.params["weight"] -= 0.1 * self.grads["weight"]',
     "backward changed the parameters"),
    (TANH, "return dout * (1.0 - self.out**2)",
     "self.out **= 2\n        return dout * (1.0 - self.out)",
     "changed when backward ran a second time after the same forward"),
    (TANH, "self.out = np.tanh(x)",
     "self.calls = getattr(self, 'calls', 0) + 1\n        self.out = np.tanh(x) if self.calls < 3 else np.tanh(x) + 0",
     None),  # not a mistake: a counter that changes nothing
    (TANH, "return dout * (1.0 - self.out**2)",
     "self.seen = getattr(self, 'seen', 0) + dout\n        return self.seen * (1.0 - self.out**2)",
     "state accumulates across calls"),
])
def test_state_kept_between_calls_is_caught_by_a_public_check_and_named(submission, file, old, new, says):
    """A Tanh reusing its previous output was reported as a wrong backward; an SGD update in backward as
    "grads changed"; a backward corrupting its cache was not seen at all."""
    result = outcomes(grade_assignment(A2, submission((file, old, new)),
                                       checks=("tanh.contract", "linear.contract")))
    contract = result["tanh.contract" if file == TANH else "linear.contract"]
    if says is None:
        assert contract.passed, contract.message
    else:
        assert contract.status == "failed" and says in contract.message, contract.message


def test_a_count_table_kept_between_calls_is_caught_by_a_public_check(submission):
    """Seen only by a hidden check before, as "right on 15 of 25 entries"."""
    folder = submission((COUNTS, INT64_TABLE, "global TABLE\n    if 'TABLE' not in globals() or TABLE.shape[0] != "
                         "len(stoi):\n        TABLE = np.zeros((len(stoi), len(stoi)), dtype=np.int64)\n    counts = TABLE"))
    result = outcomes(grade_assignment(A1, folder, checks=("count_bigrams.fixture",)))
    assert "state accumulates across calls: two calls of count_bigrams" in result["count_bigrams.fixture"].message


@pytest.mark.parametrize("old, new", [
    ("counts[stoi[ch1], stoi[ch2]] += 1", "counts[stoi[ch1], stoi[ch2]] = 1"),  # sets instead of counting
    ("for word in words:\n        chars = [\".\"] + list(word) + [\".\"]\n        for ch1, ch2 in zip(chars, chars[1:]):\n"
     "            counts", "for word in set(words):\n        chars = [\".\"] + list(word) + [\".\"]\n"
     "        for ch1, ch2 in zip(chars, chars[1:]):\n            counts"),  # drops repeated words
])
def test_generated_word_lists_carry_repeats(submission, old, new):
    """Repeated tokens were generated for layers; word lists had none, so these counted right everywhere."""
    result = outcomes(grade_assignment(A1, submission((COUNTS, old, new)),
                                       checks=lambda c: c.name.startswith("count_bigrams.")))
    assert not result["count_bigrams.fixture"].passed and not result["count_bigrams.reference"].passed


LOOP_FORWARD = '''self.x = x
        W, b = self.params["weight"], self.params["bias"]
        out = np.zeros((x.shape[0], W.shape[1]))
        for n in range(x.shape[0]):
            for j in range(W.shape[1]):
                out[n, j] = sum(x[n, i] * W[i, j] for i in range(W.shape[0])) + b[j]
        return out'''


def test_correct_but_slow_code_is_told_its_gradients_are_right_and_how_slow_it_is(submission):
    """A Linear with explicit Python loops lost mlp.training to "timed out ... in training MLP (3000 steps)",
    with nothing saying the code was right. Slowness that cannot finish the budget in the limit still costs
    the training points (README), but the message says why, with the time per call."""
    folder = submission(("a2_mlp/linear.py", 'self.x = x\n        return x @ self.params["weight"] + self.params["bias"]',
                         LOOP_FORWARD))
    result = grade_assignment(A2, folder, checks=lambda c: c.name.startswith("linear.") or c.name == "mlp.training",
                              check_timeout=4)
    result = outcomes(result)
    assert all(result[name].passed for name in ("linear.contract", "linear.gradcheck", "linear.fixture"))
    training = result["mlp.training"]
    assert training.status == "timeout"
    assert "in training MLP (3000 steps): " in training.message and " ms a step (forward " in training.message
    assert "your gradients pass their checks (training runs only then), so the code is right but too slow" \
        in training.message
