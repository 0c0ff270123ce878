"""A corpus of mistakes students really make, as data: each is one text substitution in the reference.

A Bug names the file it lives in (relative to the submission folder, e.g. "a2_mlp/linear.py"), the exact text
of the reference it replaces (``old`` must occur exactly once, so the corpus cannot silently rot when the
reference changes), the replacement, the check that must lose points, and a substring the failure message of
that check must contain: the diagnosis a student would need to find the mistake.

``build_submission(bug, dest)`` copies the reference packages (a1_bigram, a2_mlp, ...) into ``dest`` and applies the
bug; tests/test_grader_catches_bugs.py grades the result.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "reference"
PACKAGES = ("a1_bigram", "a2_mlp", "a3_batchnorm", "a5_wavenet")


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
        "np.add.at(dweight, self.idx, dout)", "dweight[self.idx] = dout",
        "embedding.gradcheck", "np.add.at",
        "fancy assignment: a repeated token keeps only its last gradient"),
    Bug("embedding_grad_fancy_add", "a2_mlp/embedding.py",
        "np.add.at(dweight, self.idx, dout)", "dweight[self.idx] += dout",
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
        "return float(-log_probs[np.arange(n), targets].mean())",
        "return float(-log_probs[np.arange(n), targets].sum())",
        "cross_entropy.fixture", "batch size",
        "summing the loss over the batch"),
    Bug("cross_entropy_loss_sum_vs_backward", "a1_bigram/cross_entropy.py",
        "return float(-log_probs[np.arange(n), targets].mean())",
        "return float(-log_probs[np.arange(n), targets].sum())",
        "cross_entropy.gradcheck", "forward and backward disagree on averaging",
        "the same sum: finite differences of a summed forward are N times the averaged backward"),
    # -- a1: BigramNet ------------------------------------------------------------------------------------
    Bug("bigram_net_grad_assigned", "a1_bigram/bigram_net.py",
        "np.add.at(dW, self.idx, dlogits)", "dW[self.idx] = dlogits",
        "bigram_net.gradcheck", "np.add.at",
        "fancy assignment: a repeated token keeps only its last gradient"),
    Bug("bigram_net_keeps_context_axis", "a1_bigram/bigram_net.py",
        "self.idx = idx[:, 0]", "self.idx = idx",
        "bigram_net.contract", "axis of size 1",
        "indexing with the (N, 1) contexts gives logits of shape (N, 1, V)"),
    # -- a3: BatchNorm1d, training mode ------------------------------------------------------------------
    Bug("bn_unbiased_variance", "a3_batchnorm/batchnorm.py",
        "var = x.var(axis=0)  # biased (divides by n)", "var = x.var(axis=0, ddof=1)",
        "batchnorm.fixture", "unbiased variance",
        "torch.var's default (and the lecture's x.var(0)) is unbiased"),
    Bug("bn_no_eps", "a3_batchnorm/batchnorm.py",
        "self.inv_std = 1.0 / np.sqrt(var + self.eps)", "self.inv_std = 1.0 / np.sqrt(var)",
        "batchnorm.fixture", "eps is missing",
        "the formula without its safety term"),
    Bug("bn_wrong_axis", "a3_batchnorm/batchnorm.py",
        "        self.inv_std = 1.0 / np.sqrt(var + self.eps)\n",
        "        if self.training:  # normalising each example over its features (that is LayerNorm)\n"
        "            mean, var = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)\n"
        "        self.inv_std = 1.0 / np.sqrt(var + self.eps)\n",
        "batchnorm.fixture", "over the batch (axis=0)",
        "axis=1 out of habit: rows are examples"),
    Bug("bn_running_stats_not_updated", "a3_batchnorm/batchnorm.py",
        "            self.buffers[\"running_mean\"][...] = (1 - momentum) * self.buffers[\"running_mean\"] + momentum * mean\n"
        "            self.buffers[\"running_var\"][...] = (1 - momentum) * self.buffers[\"running_var\"] + momentum * var * n / (n - 1)\n",
        "",
        "batchnorm.fixture", "running mean was not updated",
        "forgetting the running statistics: training works, eval mode does not"),
    Bug("bn_running_var_biased", "a3_batchnorm/batchnorm.py",
        "+ momentum * var * n / (n - 1)", "+ momentum * var",
        "batchnorm.fixture", "store the unbiased one",
        "storing the variance it normalised with (PyTorch stores the unbiased one)"),
    Bug("bn_momentum_swapped", "a3_batchnorm/batchnorm.py",
        "(1 - momentum) * self.buffers[\"running_mean\"] + momentum * mean",
        "momentum * self.buffers[\"running_mean\"] + (1 - momentum) * mean",
        "batchnorm.fixture", "momentum is the wrong way round",
        "reading momentum as the weight of the old value"),
    Bug("bn_dx_statistics_constant", "a3_batchnorm/batchnorm.py",
        "        if not self.normalised_with_batch:\n            return dxhat * self.inv_std\n",
        "        return dxhat * self.inv_std\n",
        "batchnorm.gradcheck", "treats the batch mean and variance as constants",
        "forgetting that the batch statistics depend on x"),
    Bug("bn_dgamma_without_xhat", "a3_batchnorm/batchnorm.py",
        "self.grads[\"gamma\"] = (dout * self.xhat).sum(axis=0)", "self.grads[\"gamma\"] = dout.sum(axis=0)",
        "batchnorm.gradcheck", "dgamma = (dout * xhat).sum(0)",
        "copying the bias gradient"),
    Bug("bn_single_example_accepted", "a3_batchnorm/batchnorm.py",
        "            if n < 2:\n                raise ValueError(f\"BatchNorm1d needs more than 1 value per channel in training mode, got a batch of {n}\")\n",
        "",
        "batchnorm.single_example", "raise ValueError",
        "no guard: a batch of one gives beta and an infinite running variance"),
    # -- a3: BatchNorm1d, eval mode -----------------------------------------------------------------------
    Bug("bn_eval_uses_batch_statistics", "a3_batchnorm/batchnorm.py",
        "        if self.training:\n            n = x.shape[0]", "        if True:  # forgot eval mode\n            n = x.shape[0]",
        "batchnorm_eval.fixture", "batch's statistics in eval mode",
        "no eval mode at all"),
    Bug("bn_eval_updates_running_stats", "a3_batchnorm/batchnorm.py",
        "        else:\n            mean, var = self.buffers[\"running_mean\"], self.buffers[\"running_var\"]\n",
        "        else:\n            mean, var = self.buffers[\"running_mean\"].copy(), self.buffers[\"running_var\"].copy()\n"
        "            self.buffers[\"running_mean\"][...] = 0.9 * self.buffers[\"running_mean\"] + 0.1 * x.mean(axis=0)\n"
        "            self.buffers[\"running_var\"][...] = 0.9 * self.buffers[\"running_var\"] + 0.1 * x.var(axis=0, ddof=1)\n",
        "batchnorm_eval.fixture", "changed in eval mode",
        "updating the running statistics whatever the mode"),
    # -- a3: the deeper MLP and the diagnostics -----------------------------------------------------------
    Bug("mlp_bn_dC_assigned", "a3_batchnorm/mlp_bn.py",
        "np.add.at(dC, self.idx, dx.reshape(*self.idx.shape, -1))", "dC[self.idx] = dx.reshape(*self.idx.shape, -1)",
        "mlp_bn.gradcheck", "appears several times",
        "fancy assignment: a repeated token keeps only its last gradient"),
    Bug("activation_saturation_count", "a3_batchnorm/diagnostics.py",
        "(np.abs(h) > SATURATION).mean()", "(np.abs(h) > SATURATION).sum()",
        "activation_stats.fixture", "fraction",
        "counting the saturated units instead of their fraction"),
    Bug("update_ratio_without_lr", "a3_batchnorm/diagnostics.py",
        "np.log10((lr * grad).std() / param.std())", "np.log10(grad.std() / param.std())",
        "update_ratio.fixture", "leaves out the learning rate",
        "the gradient is not the update"),
    # -- a5: WaveNet ----------------------------------------------------------------------------------------
    Bug("wavenet_bn_dim0_only", "a5_wavenet/layers.py",
        "        self.x_shape = x.shape\n        return super().forward(x.reshape(-1, x.shape[-1])).reshape(x.shape)\n",
        "        self.x_shape = x.shape\n"
        "        xmean = x.mean(0, keepdims=True)  # the lecture's first version: dim 0 only\n"
        "        xvar = x.var(0, keepdims=True)\n"
        "        self.buffers[\"running_mean\"] = 0.9 * self.buffers[\"running_mean\"] + 0.1 * xmean\n"
        "        self.buffers[\"running_var\"] = 0.9 * self.buffers[\"running_var\"] + 0.1 * xvar\n"
        "        return self.params[\"gamma\"] * (x - xmean) / np.sqrt(xvar + self.eps) + self.params[\"beta\"]\n",
        "batchnorm.fixture", "the lecture's own bug",
        "the lecture's code before its fix: statistics per position"),
    Bug("flatten_strided", "a5_wavenet/layers.py",
        "out = x.reshape(B, T // self.n, C * self.n)",
        "out = x.reshape(B, self.n, T // self.n, C).transpose(0, 2, 1, 3).reshape(B, T // self.n, C * self.n)",
        "flatten.fixture", "consecutive",
        "splitting the sequence into n blocks instead of pairing neighbours"),
    Bug("flatten_interleaved", "a5_wavenet/layers.py",
        "out = x.reshape(B, T // self.n, C * self.n)",
        "out = x.reshape(B, T // self.n, self.n, C).transpose(0, 1, 3, 2).reshape(B, T // self.n, C * self.n)",
        "flatten.fixture", "interleaved",
        "channel-major concatenation"),
    Bug("flatten_no_squeeze", "a5_wavenet/layers.py",
        "return out[:, 0, :] if out.shape[1] == 1 else out", "return out",
        "flatten.contract", "axis of size 1",
        "keeping a position axis of size 1 at the top of the hierarchy"),
    Bug("flatten_backward_no_reshape", "a5_wavenet/layers.py",
        "return dout.reshape(self.x_shape)", "return dout",
        "flatten.contract", "reshape",
        "forgetting that a reshape must be undone in backward"),
    Bug("linear3d_bias_summed_over_batch_only", "a5_wavenet/layers.py",
        "self.grads[\"bias\"] = dout2.sum(axis=0)", "self.grads[\"bias\"] = dout.sum(axis=0)",
        "linear.contract", "grads['bias'] has shape",
        "the 2-D habit: summing over axis 0 only"),
    Bug("linear3d_forward_without_bias", "a5_wavenet/layers.py",
        "        if \"bias\" in self.params:\n            out = out + self.params[\"bias\"]\n", "",
        "linear.fixture", "the bias is not added",
        "forgetting the bias"),
    Bug("sequential_grads_not_prefixed", "a5_wavenet/layers.py",
        "self.grads = {f\"{i}.{k}\": v for i, layer in enumerate(self.layers) for k, v in layer.grads.items()}",
        "self.grads = {k: v for layer in self.layers for k, v in layer.grads.items()}",
        "wavenet.contract", "grads has no '0.weight'",
        "the layers' own names collide: every Linear has a 'weight'"),
    Bug("sequential_backward_in_forward_order", "a5_wavenet/layers.py",
        "for layer in reversed(self.layers):\n            dout = layer.backward(dout)",
        "for layer in self.layers:\n            dout = layer.backward(dout)",
        "wavenet.contract", "raised",
        "backward through the layers in forward order"),
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
