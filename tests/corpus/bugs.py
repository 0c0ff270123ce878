"""A corpus of mistakes students really make, as data: each is one text substitution in the reference.

A Bug names the file it lives in (relative to the submission folder, e.g. "a2_mlp/linear.py"), the exact text
of the reference it replaces (``old`` must occur exactly once, so the corpus cannot silently rot when the
reference changes), the replacement, the check that must lose points, and a substring the failure message of
that check must contain: the diagnosis a student would need to find the mistake.

``build_submission(bug, dest)`` copies the reference packages (PACKAGES) into ``dest`` and applies the
bug; tests/test_grader_catches_bugs.py grades the result.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.submission import REFERENCE, REPO, copy_submission, substitute  # noqa: F401 (REFERENCE, REPO: re-exported)


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
    # -- a7: CausalSelfAttention ---------------------------------------------------------------------------
    Bug("attention_scale_missing_in_backward", "a7_transformer/attention.py",
        "        dscores *= 1.0 / math.sqrt(hs)\n", "",
        "attention.gradcheck", "scaling is missing in backward",
        "the scale is a constant, so it seems to need no gradient"),
    Bug("attention_mask_after_softmax", "a7_transformer/attention.py",
        "        att[..., np.triu(np.ones((T, T), dtype=bool), k=1)] = -np.inf\n"
        "        att = np.exp(att - att.max(axis=-1, keepdims=True))\n"
        "        att /= att.sum(axis=-1, keepdims=True)\n",
        "        att = np.exp(att - att.max(axis=-1, keepdims=True))\n"
        "        att /= att.sum(axis=-1, keepdims=True)\n"
        "        att[..., np.triu(np.ones((T, T), dtype=bool), k=1)] = 0.0\n",
        "attention.fixture", "mask is applied after the softmax",
        "zeroing the future probabilities looks like the same thing as masking the scores"),
    Bug("attention_without_causal_mask", "a7_transformer/attention.py",
        "        att[..., np.triu(np.ones((T, T), dtype=bool), k=1)] = -np.inf\n", "",
        "attention.causality", "a future token leaks",
        "forgetting the mask: every position attends to the whole sequence"),
    Bug("attention_mask_shifted_by_one", "a7_transformer/attention.py",
        "np.triu(np.ones((T, T), dtype=bool), k=1)", "np.triu(np.ones((T, T), dtype=bool), k=2)",
        "attention.causality", "exactly one position ahead",
        "an off-by-one in triu's k: position t also sees t + 1"),
    Bug("attention_softmax_backward_without_row_sum", "a7_transformer/attention.py",
        "dscores = att * (datt - (datt * att).sum(axis=-1, keepdims=True))", "dscores = att * datt",
        "attention.gradcheck", "lacks the row-sum term",
        "the diagonal of the softmax Jacobian only, as if each probability depended on its own score alone"),
    Bug("attention_heads_merged_without_transpose", "a7_transformer/attention.py",
        "y = (att @ v).transpose(0, 2, 1, 3).reshape(B, T, C)", "y = (att @ v).reshape(B, T, C)",
        "attention.fixture", "heads are merged by reshaping",
        "reshape undoes the split, so it seems to need no transpose"),
    # -- a7: LayerNorm, GELU --------------------------------------------------------------------------------
    Bug("layernorm_over_the_batch", "a7_transformer/layernorm.py",
        "mean = x.mean(axis=-1, keepdims=True)\n        xmu = x - mean\n        var = (xmu * xmu).mean(axis=-1, keepdims=True)",
        "mean = x.mean(axis=0, keepdims=True)\n        xmu = x - mean\n        var = (xmu * xmu).mean(axis=0, keepdims=True)",
        "layernorm.fixture", "normalises over the batch",
        "BatchNorm's axis carried over to LayerNorm"),
    Bug("layernorm_unbiased_variance", "a7_transformer/layernorm.py",
        "var = (xmu * xmu).mean(axis=-1, keepdims=True)",
        "var = (xmu * xmu).sum(axis=-1, keepdims=True) / (x.shape[-1] - 1)",
        "layernorm.fixture", "unbiased variance",
        "the statistics course's n - 1 (np.var(ddof=1), torch.var's default)"),
    Bug("gelu_exact_erf_derivative", "a7_transformer/gelu.py",
        "        x, th = self.x, self.tanh_u\n"
        "        du_dx = GELU_SCALE * (1.0 + 3.0 * GELU_CUBIC * x * x)\n"
        "        return dout * (0.5 * (1.0 + th) + 0.5 * x * (1.0 - th * th) * du_dx)\n",
        "        x = self.x\n"
        "        cdf = 0.5 * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))\n"
        "        pdf = np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)\n"
        "        return dout * (cdf + x * pdf)\n",
        "gelu.gradcheck", "derivative of the exact GELU",
        "the textbook derivative of GELU(x) = x * Phi(x), not of the tanh approximation in forward"),
    # -- a7: Block, Transformer -----------------------------------------------------------------------------
    Bug("block_residual_gradient_dropped", "a7_transformer/block.py",
        "dx = dx + self.ln_1.backward(self.attn.backward(dx))", "dx = self.ln_1.backward(self.attn.backward(dx))",
        "block.gradcheck", "skip path's gradient is dropped at the first residual sum",
        "following the branch and forgetting the identity path around it"),
    Bug("transformer_position_gradient_averaged", "a7_transformer/transformer.py",
        "dwpe[:T] = dx.sum(axis=0)", "dwpe[:T] = dx.mean(axis=0)",
        "transformer.gradcheck", "position-embedding gradient is averaged over the batch",
        "wpe is broadcast over the batch, and broadcasting feels like an average"),
    Bug("transformer_token_gradient_assigned", "a7_transformer/transformer.py",
        "np.add.at(dwte, self.idx, dx)", "dwte[self.idx] = dx",
        "transformer.gradcheck", "appears more than once",
        "fancy-index assignment keeps only the last occurrence of a repeated token"),
    # -- a7: AdamW ------------------------------------------------------------------------------------------
    Bug("adamw_without_bias_correction", "a7_transformer/adamw.py",
        "correction1 = 1.0 - beta1**self.t\n        correction2 = 1.0 - beta2**self.t",
        "correction1 = correction2 = 1.0",
        "adamw.fixture", "bias correction is missing",
        "m and v look like plain moving averages"),
    Bug("adamw_weight_decay_in_gradient", "a7_transformer/adamw.py",
        "            g = grads[name]\n            m, v = self.m[name], self.v[name]\n"
        "            p *= 1.0 - self.lr * self.weight_decay\n",
        "            g = grads[name] + self.weight_decay * p\n            m, v = self.m[name], self.v[name]\n",
        "adamw.fixture", "Adam with L2",
        "weight decay as torch.optim.Adam's weight_decay (L2 in the gradient) instead of decoupled"),
]


BUGS += [
    # -- a6: the masked sequence loss -----------------------------------------------------------------------
    Bug("sequence_loss_counts_ignored_positions", "a6_rnn/sequence_loss.py",
        "self.valid = targets != -1", "self.valid = np.ones(targets.shape, dtype=bool)",
        "sequence_loss.fixture", "the positions whose target is -1 are included",
        "no mask: numpy reads the target -1 as the last class"),
    Bug("sequence_loss_mean_over_all_positions", "a6_rnn/sequence_loss.py",
        "return float(-(picked * self.valid).sum() / self.n_valid)",
        "return float(-(picked * self.valid).sum() / self.valid.size)",
        "sequence_loss.fixture", "divided by B * T (all positions)",
        "masking the sum but averaging over all B * T positions"),
    Bug("sequence_loss_mean_over_sequences", "a6_rnn/sequence_loss.py",
        "self.n_valid = int(self.valid.sum())", "self.n_valid = targets.shape[0]",
        "sequence_loss.fixture", "divided by B (a mean over the sequences)",
        "a mean per sequence, as if each row were one example"),
    # -- a6: cells -----------------------------------------------------------------------------------------
    Bug("rnn_cell_tanh_derivative_of_preactivation", "a6_rnn/rnn_cell.py",
        'self.h = np.tanh(self.xh @ self.params["W"] + self.params["b"])\n        return self.h',
        'self.h = self.xh @ self.params["W"] + self.params["b"]\n        return np.tanh(self.h)',
        "rnn_cell.gradcheck", "uses the pre-activation",
        "caching the pre-activation, so backward computes 1 - a**2"),
    Bug("gru_update_gate_one_path", "a6_rnn/gru_cell.py",
        "dz = dh * (self.hbar - self.h_prev)", "dz = dh * self.hbar",
        "gru_cell.gradcheck", "z appears twice",
        "differentiating z * hbar and forgetting that (1 - z) * h_prev depends on z too"),
    Bug("gru_direct_path_missing", "a6_rnn/gru_cell.py",
        "dh_prev = dh * (1.0 - self.z)", "dh_prev = np.zeros_like(dh)",
        "gru_cell.gradcheck", "misses the direct path",
        "only the paths through the gates into h_prev"),
    Bug("lstm_forget_gate_missing_in_dc_prev", "a6_rnn/lstm_cell.py",
        "return dxh[:, :D], dxh[:, D:], dc_total * self.f", "return dxh[:, :D], dxh[:, D:], dc_total",
        "lstm_cell.gradcheck", "without the forget gate",
        "passing dc straight back as if c_t = c_{t-1} + ..."),
    Bug("lstm_dc_misses_h_path", "a6_rnn/lstm_cell.py",
        "dc_total = dc + dh * self.o * (1.0 - self.tanh_c**2)", "dc_total = dc",
        "lstm_cell.gradcheck", "misses the path through h_t",
        "forgetting that h_t = o * tanh(c_t) also depends on c_t"),
    # -- a6: backpropagation through time ------------------------------------------------------------------
    Bug("bptt_truncated_to_one_step", "a6_rnn/rnn.py",
        "demb[:, t], dh = self.cells[t].backward(dhs[:, t] + dh)", "demb[:, t], dh = self.cells[t].backward(dhs[:, t])",
        "rnn.gradcheck", "backpropagation truncated to one step",
        "each step's cell gets only the head's gradient, not the one from step t+1"),
    Bug("bptt_cell_grads_overwritten", "a6_rnn/rnn.py",
        "cell_grads[k] += v", "cell_grads[k] = v",
        "rnn.gradcheck", "overwritten at each step instead of summed over time",
        "keeping the last step's gradient, like backward overwrites grads within one step"),
    Bug("bptt_start_state_gradient_missing", "a6_rnn/rnn.py",
        'g["start"] = dh.sum(axis=0, keepdims=True)', 'g["start"] = np.zeros_like(p["start"])',
        "rnn.gradcheck", "start state's gradient is missing",
        "treating the start state as a constant"),
    Bug("bptt_walks_time_forwards", "a6_rnn/rnn.py",
        "for t in reversed(range(T)):", "for t in range(T):",
        "rnn.gradcheck", "backward walks time forwards",
        "copying the forward loop into backward"),
    Bug("rnn_forward_time_reversed", "a6_rnn/rnn.py",
        "for t in range(T):\n            cell = self.cell_for_step()",
        "for t in reversed(range(T)):\n            cell = self.cell_for_step()",
        "rnn.fixture", "time runs backwards in forward",
        "iterating the sequence from its end"),
    Bug("lstm_dc_not_carried_through_time", "a6_rnn/rnn.py",
        "demb[:, t], dh, dc = self.cells[t].backward(dhs[:, t] + dh, dc)",
        "demb[:, t], dh, _ = self.cells[t].backward(dhs[:, t] + dh, dc)",
        "rnn_lstm.gradcheck", "dc is not carried from step t+1",
        "carrying dh but not the cell state's gradient"),
    Bug("rnn_wte_grad_assigned", "a6_rnn/rnn.py",
        'g["wte"] = onehot.T @ demb.reshape(B * T, -1)',
        'g["wte"] = np.zeros_like(p["wte"])\n        g["wte"][self.idx] = demb',
        "rnn.gradcheck", "np.add.at",
        "fancy assignment: a token used at several (b, t) keeps one gradient"),
    Bug("clip_returns_norm_after_clipping", "a6_rnn/clip.py",
        "    return norm\n", "    return norm * min(1.0, coef)\n",
        "clip_grad_norm.behaviour", "norm after clipping",
        "returning the new norm instead of the one measured"),
]


def apply(bug: Bug, root: Path) -> None:
    """Apply ``bug`` to the submission under ``root`` (which holds a1_bigram/ and a2_mlp/)."""
    substitute(root, bug.file, bug.old, bug.new, f"bug {bug.name}")


def build_submission(bug: Bug | None, dest: Path) -> Path:
    """A copy of the reference packages under ``dest`` with ``bug`` applied (none: the reference itself)."""
    dest = copy_submission(dest)
    if bug is not None:
        apply(bug, dest)
    return dest
