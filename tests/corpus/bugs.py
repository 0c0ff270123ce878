"""A corpus of mistakes students really make, as data: each is one text substitution in the reference.

A Bug names the file it lives in (relative to the submission folder, e.g. "a2_mlp/linear.py"), the exact text
of the reference it replaces (``old`` must occur exactly once, so the corpus cannot silently rot when the
reference changes), the replacement, the check that must lose points, and a substring the failure message of
that check must contain: the diagnosis a student would need to find the mistake.

``build_submission(bug, dest)`` copies reference/a1_bigram and reference/a2_mlp into ``dest`` and applies the
bug; tests/test_grader_catches_bugs.py grades the result.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "reference"
PACKAGES = ("a1_bigram", "a2_mlp")


@dataclass(frozen=True)
class Bug:
    name: str
    file: str  # relative to the submission folder: "a2_mlp/linear.py"
    old: str  # exact text of the reference file, occurring exactly once
    new: str  # what the student wrote instead
    failing_check: str  # this check must lose its points
    diagnosis: str  # and its message must contain this (case-sensitive)
    why: str = ""  # what the student was thinking

    @property
    def assignment(self) -> str:
        """The key of the assignment the bug lives in ("a1_bigram/..." -> "a1")."""
        return self.file.partition("_")[0]


BUGS = [
    # -- a2: Linear ---------------------------------------------------------------------------------------
    Bug("linear_bias_grad_mean", "a2_mlp/linear.py",
        'self.grads["bias"] = dout.sum(axis=0)', 'self.grads["bias"] = dout.mean(axis=0)',
        "linear.gradcheck", "the bias gradient is the sum",
        "the loss is a mean, so the bias gradient must be one too"),
    Bug("linear_weight_grad_mean", "a2_mlp/linear.py",
        'self.grads["weight"] = self.x.T @ dout', 'self.grads["weight"] = self.x.T @ dout / dout.shape[0]',
        "linear.gradcheck", "1/",
        "dividing by the batch size a second time (the loss already did)"),
    Bug("linear_grads_accumulate_across_calls", "a2_mlp/linear.py",
        'self.grads["weight"] = self.x.T @ dout',
        'self.grads["weight"] = self.grads.get("weight", 0) + self.x.T @ dout',
        "linear.contract", "doubled when forward and backward ran a second time",
        "accumulating like PyTorch's .grad, without zeroing between steps"),
    Bug("linear_bias_grad_keepdims", "a2_mlp/linear.py",
        'self.grads["bias"] = dout.sum(axis=0)', 'self.grads["bias"] = dout.sum(axis=0, keepdims=True)',
        "linear.contract", "axis of size 1",
        "keepdims out of habit: a (1, fan_out) bias gradient"),
    Bug("linear_weight_grad_transposed", "a2_mlp/linear.py",
        'self.grads["weight"] = self.x.T @ dout', 'self.grads["weight"] = dout.T @ self.x',
        "linear.gradcheck", "transposed",
        "the right product, in the wrong order: (fan_out, fan_in)"),
    Bug("linear_dx_without_transpose", "a2_mlp/linear.py",
        'return dout @ self.params["weight"].T', 'return dout @ self.params["weight"]',
        "linear.reference", "transpos",
        "forgetting .T: runs when fan_in == fan_out and gives the wrong dx, crashes otherwise"),
    Bug("linear_forward_without_bias", "a2_mlp/linear.py",
        'return x @ self.params["weight"] + self.params["bias"]', 'return x @ self.params["weight"]',
        "linear.fixture", "bias",
        "forgetting the bias in forward"),
    # -- a2: Tanh -----------------------------------------------------------------------------------------
    Bug("tanh_missing_local_derivative", "a2_mlp/tanh.py",
        "return dout * (1.0 - self.out**2)", "return dout",
        "tanh.gradcheck", "1 - tanh",
        "passing the upstream gradient through unchanged"),
    Bug("tanh_derivative_of_input", "a2_mlp/tanh.py",
        "self.out = np.tanh(x)\n        return self.out", "self.out = x\n        return np.tanh(x)",
        "tanh.gradcheck", "not the input x",
        "caching the input, so backward computes 1 - x**2"),
    Bug("tanh_derivative_not_squared", "a2_mlp/tanh.py",
        "return dout * (1.0 - self.out**2)", "return dout * (1.0 - self.out)",
        "tanh.gradcheck", "squared",
        "1 - tanh instead of 1 - tanh**2"),
    Bug("tanh_sign_flipped", "a2_mlp/tanh.py",
        "return dout * (1.0 - self.out**2)", "return dout * (self.out**2 - 1.0)",
        "tanh.gradcheck", "sign",
        "the derivative written the other way round"),
    Bug("tanh_forgets_dout", "a2_mlp/tanh.py",
        "return dout * (1.0 - self.out**2)", "return 1.0 - self.out**2",
        "tanh.gradcheck", "chain rule",
        "returning the local derivative without the upstream gradient"),
    Bug("tanh_forward_in_place", "a2_mlp/tanh.py",
        "self.out = np.tanh(x)", "self.out = np.tanh(x, out=x)",
        "tanh.contract", "in place",
        "saving memory with out=x overwrites the caller's array"),
    # -- a2: Embedding ------------------------------------------------------------------------------------
    Bug("embedding_grad_assigned", "a2_mlp/embedding.py",
        "dweight = onehot.T @ dout.reshape(-1, dout.shape[-1])",
        "dweight = np.zeros_like(self.params['weight'])\n        dweight[self.idx] = dout",
        "embedding.gradcheck", "np.add.at",
        "fancy assignment: a repeated token keeps only its last gradient"),
    Bug("embedding_grad_fancy_add", "a2_mlp/embedding.py",
        "dweight = onehot.T @ dout.reshape(-1, dout.shape[-1])",
        "dweight = np.zeros_like(self.params['weight'])\n        dweight[self.idx] += dout",
        "embedding.gradcheck", "np.add.at",
        "+= with fancy indexing is buffered: repeats are still lost"),
    # -- a2: MLP ------------------------------------------------------------------------------------------
    Bug("mlp_backward_no_reshape", "a2_mlp/mlp.py",
        "self.embedding.backward(dembcat.reshape(self.emb_shape))", "self.embedding.backward(dembcat)",
        "mlp.contract", "reshape",
        "forgetting to undo the flattening before the embedding's backward"),
    Bug("mlp_wrong_grads_key", "a2_mlp/mlp.py",
        '"C": self.embedding.grads["weight"],', '"emb": self.embedding.grads["weight"],',
        "mlp.contract", "grads has no 'C'",
        "naming the gradient after the layer instead of the parameter"),
    # -- a1: counting -------------------------------------------------------------------------------------
    Bug("count_bigrams_no_boundaries", "a1_bigram/counts.py",
        'chars = ["."] + list(word) + ["."]\n        for ch1, ch2 in zip(chars, chars[1:]):\n            counts',
        'chars = list(word)\n        for ch1, ch2 in zip(chars, chars[1:]):\n            counts',
        "count_bigrams.fixture", "boundaries",
        "counting only the letters of each word"),
    Bug("count_bigrams_float", "a1_bigram/counts.py",
        "counts = np.zeros((len(stoi), len(stoi)), dtype=np.int64)", "counts = np.zeros((len(stoi), len(stoi)))",
        "count_bigrams.fixture", "int64",
        "np.zeros is float64 unless told otherwise"),
    Bug("count_bigrams_transposed", "a1_bigram/counts.py",
        "counts[stoi[ch1], stoi[ch2]] += 1", "counts[stoi[ch2], stoi[ch1]] += 1",
        "count_bigrams.fixture", "transposed",
        "counts[next, previous]"),
    Bug("bigram_probs_no_keepdims", "a1_bigram/counts.py",
        "smoothed.sum(axis=1, keepdims=True)", "smoothed.sum(axis=1)",
        "bigram_probs.normalised", "keepdims",
        "the (V,) row sums broadcast along the last axis"),
    Bug("bigram_probs_no_smoothing", "a1_bigram/counts.py",
        "counts.astype(np.float64) + smoothing", "counts.astype(np.float64)",
        "bigram_probs.fixture", "smoothing",
        "ignoring the smoothing argument"),
    Bug("bigram_probs_columns", "a1_bigram/counts.py",
        "smoothed.sum(axis=1, keepdims=True)", "smoothed.sum(axis=0, keepdims=True)",
        "bigram_probs.normalised", "columns",
        "normalising along the wrong axis"),
    Bug("bigram_nll_sum", "a1_bigram/counts.py",
        "return float(-log_likelihood / n)", "return float(-log_likelihood)",
        "bigram_nll.fixture", "not its mean",
        "the total instead of the average"),
    Bug("bigram_nll_per_word", "a1_bigram/counts.py",
        "return float(-log_likelihood / n)", "return float(-log_likelihood / len(words))",
        "bigram_nll.fixture", "not over the bigrams",
        "averaging over the words instead of over the bigrams"),
    Bug("bigram_nll_log_likelihood", "a1_bigram/counts.py",
        "return float(-log_likelihood / n)", "return float(log_likelihood / n)",
        "bigram_nll.fixture", "minus sign",
        "forgetting the minus of the negative log-likelihood"),
    Bug("sample_names_global_random", "a1_bigram/counts.py",
        "ix = int(rng.choice(len(itos), p=P[ix]))", "ix = int(np.random.choice(len(itos), p=P[ix]))",
        "sample_names.distribution", "np.random",
        "ignoring the rng argument: not reproducible"),
    Bug("sample_names_column", "a1_bigram/counts.py",
        "ix = int(rng.choice(len(itos), p=P[ix]))", "ix = int(rng.choice(len(itos), p=P[:, ix]))",
        "sample_names.distribution", "P[ix]",
        "sampling from a column of P"),
    # -- a1: SoftmaxCrossEntropy --------------------------------------------------------------------------
    Bug("softmax_without_max_shift", "a1_bigram/cross_entropy.py",
        "shifted = logits - logits.max(axis=1, keepdims=True)", "shifted = logits",
        "cross_entropy.stability", "overflow",
        "the textbook softmax, which overflows for large logits"),
    Bug("softmax_probabilities_without_shift", "a1_bigram/cross_entropy.py",
        "shifted = logits - logits.max(axis=1, keepdims=True)\n"
        "        log_norm = np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n"
        "        log_probs = shifted - log_norm\n"
        "        self.probs = np.exp(log_probs)",
        "counts = np.exp(logits)\n"
        "        self.probs = counts / counts.sum(axis=1, keepdims=True)\n"
        "        log_probs = np.log(self.probs)",
        "cross_entropy.stability", "NaN",
        "the lecture's counts / counts.sum: inf / inf for large logits"),
    Bug("cross_entropy_log_of_softmax", "a1_bigram/cross_entropy.py",
        "log_probs = shifted - log_norm\n        self.probs = np.exp(log_probs)",
        "self.probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)\n"
        "        log_probs = np.log(self.probs)",
        "cross_entropy.stability", "log(0)",
        "shifted, but the log of a probability that underflowed to 0"),
    Bug("cross_entropy_forward_in_place", "a1_bigram/cross_entropy.py",
        "shifted = logits - logits.max(axis=1, keepdims=True)",
        "logits -= logits.max(axis=1, keepdims=True)\n        shifted = logits",
        "cross_entropy.contract", "in place",
        "shifting the logits in place overwrites the caller's array"),
    Bug("cross_entropy_not_divided_by_n", "a1_bigram/cross_entropy.py",
        "return dlogits * (dloss / n)", "return dlogits * dloss",
        "cross_entropy.gradcheck", "batch size",
        "forgetting that the loss is a mean over the batch"),
    Bug("cross_entropy_ignores_dloss", "a1_bigram/cross_entropy.py",
        "return dlogits * (dloss / n)", "return dlogits / n",
        "cross_entropy.gradcheck", "dloss",
        "assuming the loss is always the last node"),
    Bug("cross_entropy_no_minus_one", "a1_bigram/cross_entropy.py",
        "        dlogits[np.arange(n), self.targets] -= 1.0\n", "",
        "cross_entropy.gradcheck", "subtract 1",
        "the gradient of softmax alone"),
    Bug("cross_entropy_sign_flipped", "a1_bigram/cross_entropy.py",
        "dlogits = self.probs.copy()\n        dlogits[np.arange(n), self.targets] -= 1.0",
        "dlogits = -self.probs\n        dlogits[np.arange(n), self.targets] += 1.0",
        "cross_entropy.gradcheck", "sign",
        "one-hot minus softmax"),
    Bug("cross_entropy_loss_sum", "a1_bigram/cross_entropy.py",
        "return float(-log_probs[np.arange(n), targets].sum() / n)",
        "return float(-log_probs[np.arange(n), targets].sum())",
        "cross_entropy.fixture", "batch size",
        "summing the loss over the batch"),
    Bug("cross_entropy_loss_sum_vs_backward", "a1_bigram/cross_entropy.py",
        "return float(-log_probs[np.arange(n), targets].sum() / n)",
        "return float(-log_probs[np.arange(n), targets].sum())",
        "cross_entropy.gradcheck", "forward and backward disagree on averaging",
        "the same sum: finite differences of a summed forward are N times the averaged backward"),
    # -- a1: BigramNet ------------------------------------------------------------------------------------
    Bug("bigram_net_grad_assigned", "a1_bigram/bigram_net.py",
        "dW = onehot.T @ dlogits", "dW = np.zeros_like(self.params['W'])\n        dW[self.idx] = dlogits",
        "bigram_net.gradcheck", "np.add.at",
        "fancy assignment: a repeated token keeps only its last gradient"),
    Bug("bigram_net_keeps_context_axis", "a1_bigram/bigram_net.py",
        "self.idx = idx[:, 0]", "self.idx = idx",
        "bigram_net.contract", "axis of size 1",
        "indexing with the (N, 1) contexts gives logits of shape (N, 1, V)"),
]


def apply(bug: Bug, root: Path) -> None:
    """Apply ``bug`` to the submission under ``root`` (which holds a1_bigram/ and a2_mlp/)."""
    path = Path(root) / bug.file
    text = path.read_text()
    count = text.count(bug.old)
    if count != 1:
        raise AssertionError(f"bug {bug.name}: the text to replace occurs {count} times in {bug.file} "
                             f"(expected exactly once); the reference changed, update the corpus:\n{bug.old}")
    path.write_text(text.replace(bug.old, bug.new))


def build_submission(bug: Bug | None, dest: Path) -> Path:
    """A copy of the reference packages under ``dest`` with ``bug`` applied (none: the reference itself)."""
    dest = Path(dest)
    for package in PACKAGES:
        shutil.copytree(REFERENCE / package, dest / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    if bug is not None:
        apply(bug, dest)
    return dest
