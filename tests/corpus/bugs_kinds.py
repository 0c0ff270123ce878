"""Mistakes of each *kind* the grader must catch in every unit where the kind applies, in the form of
tests/corpus/bugs.py (one substitution in the reference, the check that must lose its points, the diagnosis
its message must contain). tests/test_grader_kinds.py grades each on its check and enumerates every unit of
every spec for the mechanisms that catch them.

- EXTREME: a formula with a numerical hazard (grader/hazards.py) written the unstable way: tanh, sigmoid or
  GELU through exp, a softmax or cross-entropy without the max shift, a variance as E[x^2] - E[x]^2.
- INPUTS: a call that modifies the arrays it was given, or optimiser state keyed by shape.
- MODES: running statistics replaced instead of updated in place, eval mode not passed down or not honoured.
"""
from tests.corpus.bugs import Bug

EXP_TANH = "e = np.exp(2 * ({0}))\n        {1} = (e - 1) / (e + 1)"

EXTREME = [
    Bug("a1_cross_entropy_log_of_clipped_softmax", "a1_bigram/cross_entropy.py",
        "log_probs = shifted - log_norm", "log_probs = np.log(np.clip(np.exp(shifted - log_norm), 1e-7, 1.0))",
        "cross_entropy.stability", "its exact value is", "a clip keeps log finite"),
    Bug("a2_tanh_through_exp", "a2_mlp/tanh.py",
        "self.out = np.tanh(x)", "self.out = (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))",
        "tanh.stability", "exp overflowed", "tanh from its definition"),
    Bug("a4_fused_cross_entropy_without_max_shift", "a4_backprop_ninja/fused.py",
        "exp = np.exp(logits - logits.max(1, keepdims=True))", "exp = np.exp(logits)",
        "fused.cross_entropy.stepwise", "exp overflow", "the max shift looks like an optimisation"),
    Bug("a6_sequence_loss_without_max_shift", "a6_rnn/sequence_loss.py",
        "shifted = logits - np.max(logits, axis=-1, keepdims=True)", "shifted = logits",
        "sequence_loss.reference", "exp overflow", "the logits of a small model are small"),
    Bug("a6_sequence_loss_log_of_clipped_softmax", "a6_rnn/sequence_loss.py",
        "log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))",
        "p = np.exp(shifted) / np.sum(np.exp(shifted), axis=-1, keepdims=True)\n"
        "        log_probs = np.log(np.clip(p, 1e-7, 1.0))",
        "sequence_loss.reference", "softmax without the max shift", "a clip keeps log finite"),
    Bug("a7_attention_softmax_without_max_shift", "a7_transformer/attention.py",
        "att = np.exp(att - att.max(axis=-1, keepdims=True))", "att = np.exp(att)",
        "attention.reference", "exp overflow", "-inf scores give exp = 0 anyway"),
    Bug("a7_gelu_tanh_through_exp", "a7_transformer/gelu.py",
        "self.tanh_u = np.tanh(GELU_SCALE * (x + GELU_CUBIC * x * x * x))",
        EXP_TANH.format("GELU_SCALE * (x + GELU_CUBIC * x * x * x)", "self.tanh_u"),
        "gelu.reference", "exp overflow", "tanh from its definition"),
    Bug("a7_layernorm_variance_as_mean_of_squares", "a7_transformer/layernorm.py",
        "var = (xmu * xmu).mean(axis=-1, keepdims=True)", "var = (x * x).mean(axis=-1, keepdims=True) - mean * mean",
        "layernorm.reference", "catastrophic cancellation in the variance", "one pass over the data"),
    Bug("a3_batchnorm_variance_as_mean_of_squares", "a3_batchnorm/batchnorm.py",
        "var = x.var(axis=0)  # biased (divides by n)", "var = (x * x).mean(axis=0) - mean * mean",
        "batchnorm.reference", "catastrophic cancellation in the variance", "one pass over the data"),
    Bug("a5_batchnorm_variance_as_mean_of_squares", "a5_wavenet/layers.py",
        "return super().forward(x.reshape(-1, x.shape[-1])).reshape(x.shape)",
        "x2 = x.reshape(-1, x.shape[-1])\n"
        "        if self.training:\n"
        "            n = x2.shape[0]\n"
        "            mean = x2.mean(axis=0)\n"
        "            var = (x2 * x2).mean(axis=0) - mean * mean\n"
        "            m = self.momentum\n"
        "            self.buffers['running_mean'][...] = (1 - m) * self.buffers['running_mean'] + m * mean\n"
        "            self.buffers['running_var'][...] = (1 - m) * self.buffers['running_var'] + m * var * n / (n - 1)\n"
        "        else:\n"
        "            mean, var = self.buffers['running_mean'], self.buffers['running_var']\n"
        "        self.inv_std = 1.0 / np.sqrt(var + self.eps)\n"
        "        self.xhat = (x2 - mean) * self.inv_std\n"
        "        self.normalised_with_batch = self.training\n"
        "        return (self.params['gamma'] * self.xhat + self.params['beta']).reshape(x.shape)",
        "batchnorm.reference", "catastrophic cancellation in the variance", "its own forward over (B, T, C)"),
    Bug("a6_rnn_cell_tanh_through_exp", "a6_rnn/rnn_cell.py",
        'self.h = np.tanh(self.xh @ self.params["W"] + self.params["b"])',
        EXP_TANH.format('self.xh @ self.params["W"] + self.params["b"]', "self.h"),
        "rnn_cell.reference", "exp overflow", "tanh from its definition"),
    Bug("a6_gru_sigmoid_through_exp", "a6_rnn/gru_cell.py",
        "return 0.5 * (1.0 + np.tanh(0.5 * x))", "return np.exp(x) / (1.0 + np.exp(x))",
        "gru_cell.reference", "exp overflow", "sigmoid from its definition"),
    Bug("a6_lstm_tanh_c_through_exp", "a6_rnn/lstm_cell.py",
        "self.tanh_c = np.tanh(c)", EXP_TANH.format("c", "self.tanh_c"),
        "lstm_cell.reference", "exp overflow", "tanh from its definition"),
    Bug("a3_mlp_bn_tanh_through_exp", "a3_batchnorm/mlp_bn.py",
        'x = np.tanh(bn.forward(x @ self.params[f"W{i}"]))',
        'a = bn.forward(x @ self.params[f"W{i}"])\n            e = np.exp(2 * a)\n            x = (e - 1) / (e + 1)',
        "mlp_bn.reference", "exp overflow", "tanh from its definition"),
]

INPUTS = [
    Bug("a4_dhpreact_in_place", "a4_backprop_ninja/manual_backward.py",
        "return (1.0 - h**2) * dh", "dh *= 1.0 - h**2\n    return dh",
        "step.dhpreact", "modified its argument dh in place", "saving an allocation"),
    Bug("a4_fused_cross_entropy_in_place", "a4_backprop_ninja/fused.py",
        "exp = np.exp(logits - logits.max(1, keepdims=True))",
        "logits -= logits.max(1, keepdims=True)\n    exp = np.exp(logits)",
        "fused.cross_entropy.gradcheck", "modified its argument logits in place", "saving an allocation"),
    Bug("a7_adamw_moments_keyed_by_shape", "a7_transformer/adamw.py",
        "m, v = self.m[name], self.v[name]",
        "m, v = self.m.setdefault(p.shape, np.zeros_like(p)), self.v.setdefault(p.shape, np.zeros_like(p))",
        "adamw.reference", "shared between parameters of the same shape", "one moment buffer per shape"),
    Bug("a7_layernorm_forward_in_place", "a7_transformer/layernorm.py",
        "xmu = x - mean", "x -= mean\n        xmu = x",
        "layernorm.contract", "modified input 0 of forward in place", "saving an allocation"),
    Bug("a6_sequence_loss_backward_changes_cache", "a6_rnn/sequence_loss.py",
        "shifted = logits - np.max(logits, axis=-1, keepdims=True)",
        "logits -= np.max(logits, axis=-1, keepdims=True)\n        shifted = logits",
        "sequence_loss.contract", "modified input 0 of forward in place", "saving an allocation"),
]

INPUTS += [
    Bug("a4_dlogits_in_place", "a4_backprop_ninja/manual_backward.py",
        "return dnorm_logits + one_hot * dlogit_maxes", "dnorm_logits += one_hot * dlogit_maxes\n    return dnorm_logits",
        "step.dlogits", "modified its argument dnorm_logits in place", "saving an allocation"),
    Bug("a3_batchnorm_backward_scales_dout_in_place", "a3_batchnorm/batchnorm.py",
        'dxhat = dout * self.params["gamma"]', 'dout *= self.params["gamma"]\n        dxhat = dout',
        "batchnorm.contract", "modified dout (backward's argument) in place", "saving an allocation"),
    Bug("a6_rnn_cell_backward_scales_dh_in_place", "a6_rnn/rnn_cell.py",
        "dhpreact = dh * (1.0 - self.h**2)", "dh *= 1.0 - self.h**2\n        dhpreact = dh",
        "rnn_cell.contract", "modified dout (backward's argument) in place", "saving an allocation"),
    Bug("a7_gelu_backward_scales_dout_in_place", "a7_transformer/gelu.py",
        "return dout * (0.5 * (1.0 + th) + 0.5 * x * (1.0 - th * th) * du_dx)",
        "dout *= 0.5 * (1.0 + th) + 0.5 * x * (1.0 - th * th) * du_dx\n        return dout",
        "gelu.contract", "modified dout (backward's argument) in place", "saving an allocation"),
]

MODES = [
    Bug("a3_batchnorm_running_stats_replaced", "a3_batchnorm/batchnorm.py",
        'self.buffers["running_mean"][...] = (1 - momentum)', 'self.buffers["running_mean"] = (1 - momentum)',
        "batchnorm.contract", "by a new array instead of updating it in place", "assignment instead of an update in place"),
    Bug("a3_mlp_bn_eval_not_passed_down", "a3_batchnorm/mlp_bn.py",
        "        self.training = False\n        for bn in self.bns:\n            bn.eval()",
        "        self.training = False", "mlp_bn_eval.reference", "eval mode", "the model's own flag only"),
    Bug("a5_batchnorm_ignores_eval", "a5_wavenet/layers.py",
        "return super().forward(x.reshape(-1, x.shape[-1])).reshape(x.shape)",
        "self.training = True\n        return super().forward(x.reshape(-1, x.shape[-1])).reshape(x.shape)",
        "batchnorm_eval.reference", "eval mode", "eval() never reaches the statistics"),
    Bug("a5_wavenet_eval_not_passed_down", "a5_wavenet/layers.py",
        "    def eval(self):\n        self.training = False\n        for child in self.layers:",
        "    def eval(self):\n        self.training = False\n        for child in []:",
        "wavenet_eval.reference", "eval mode", "the Sequential's own flag only"),
]

CAUSALITY = [
    Bug("a7_attention_dv_not_transposed", "a7_transformer/attention.py",
        "dv = att.swapaxes(-1, -2) @ dy", "dv = att @ dy",
        "attention.causality", "gradient flows forward in time in backward", "y = att @ v, so dv = att @ dy?"),
    Bug("a7_attention_softmax_backward_without_att", "a7_transformer/attention.py",
        "dscores = att * (datt - (datt * att).sum(axis=-1, keepdims=True))",
        "dscores = datt - (datt * att).sum(axis=-1, keepdims=True)",
        "attention.causality", "gradient flows forward in time in backward", "half the softmax Jacobian"),
    Bug("a6_sequence_loss_dlogits_at_padding", "a6_rnn/sequence_loss.py",
        "dlogits *= self.valid[..., None] * (dloss / self.n_valid)", "dlogits *= dloss / self.n_valid",
        "sequence_loss.fixture", "wrong only at the padded positions (target -1)", "the mask is in forward already"),
]

DIAGNOSES = [
    Bug("a3_mlp_bn_tanh_derivative_named_where_it_is", "a3_batchnorm/mlp_bn.py",
        "dhbn = dx * (1.0 - self.h[i - 1] ** 2)", "dhbn = dx * (1.0 - self.h[i - 1]) ** 2",
        "mlp_bn.gradcheck", "grads['b3']; the mistake sits in backward between those and this one",
        "the square in the wrong place; shown before at grads['C'], two layers away"),
    Bug("a6_gru_gate_convention_is_named_in_forward", "a6_rnn/gru_cell.py",
        "return (1.0 - self.z) * h_prev + self.z * self.hbar", "return self.z * h_prev + (1.0 - self.z) * self.hbar",
        "gru_cell.reference", "GRUCell.forward's output is wrong", "PyTorch's gate convention, with the kit's backward"),
    Bug("a7_layernorm_eps_outside_sqrt_is_not_float32", "a7_transformer/layernorm.py",
        "self.rstd = 1.0 / np.sqrt(var + self.eps)", "self.rstd = 1.0 / (np.sqrt(var) + self.eps)",
        "layernorm.reference", "a small systematic error in the formula", "eps where it is in BatchNorm's docs"),
    Bug("a7_layernorm_over_time_is_not_over_the_batch", "a7_transformer/layernorm.py",
        "mean = x.mean(axis=-1, keepdims=True)\n        xmu = x - mean\n        var = (xmu * xmu).mean(axis=-1, keepdims=True)",
        "mean = x.mean(axis=1, keepdims=True)\n        xmu = x - mean\n        var = (xmu * xmu).mean(axis=1, keepdims=True)",
        "layernorm.reference", "over the positions", "the sequence axis as BatchNorm's batch"),
]

BUGS = EXTREME + INPUTS + MODES + CAUSALITY + DIAGNOSES

# Correct code in other styles, each one substitution in the reference, that must keep every point of its unit:
# exp used where it cannot overflow, a log-sum-exp by hand, a two-pass variance, updates that are safe in place.
# (failing_check: a check of the unit whose checks are all run; diagnosis: unused)
STYLES = [
    Bug("a7_gelu_tanh_as_one_minus_two_over_exp", "a7_transformer/gelu.py",
        "self.tanh_u = np.tanh(GELU_SCALE * (x + GELU_CUBIC * x * x * x))",
        "with np.errstate(over='ignore'):  # exp(2u) = inf gives 1 - 0 = 1, exactly tanh's limit\n"
        "            self.tanh_u = 1.0 - 2.0 / (np.exp(2.0 * GELU_SCALE * (x + GELU_CUBIC * x * x * x)) + 1.0)",
        "gelu.reference", ""),
    Bug("a6_sequence_loss_logaddexp", "a6_rnn/sequence_loss.py",
        "log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))",
        "log_probs = logits - np.logaddexp.reduce(logits, axis=-1, keepdims=True)",
        "sequence_loss.reference", ""),
    Bug("a1_cross_entropy_logaddexp", "a1_bigram/cross_entropy.py",
        "log_norm = np.log(np.exp(shifted).sum(axis=1, keepdims=True))",
        "log_norm = np.logaddexp.reduce(shifted, axis=1, keepdims=True)",
        "cross_entropy.reference", ""),
    Bug("a7_layernorm_np_var", "a7_transformer/layernorm.py",
        "var = (xmu * xmu).mean(axis=-1, keepdims=True)", "var = np.var(x, axis=-1, keepdims=True)",
        "layernorm.reference", ""),
    Bug("a3_batchnorm_two_pass_variance", "a3_batchnorm/batchnorm.py",
        "var = x.var(axis=0)  # biased (divides by n)", "var = ((x - mean) ** 2).sum(axis=0) / n",
        "batchnorm.reference", ""),
    Bug("a6_gru_sigmoid_by_sign", "a6_rnn/gru_cell.py",
        "return 0.5 * (1.0 + np.tanh(0.5 * x))",
        "e = np.exp(-np.abs(x))  # never exp of a positive number\n    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
        "gru_cell.reference", ""),
]
