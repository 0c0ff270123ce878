"""Assignment 3, BatchNorm: BatchNorm1d in training and eval mode, the lecture's deeper MLP, its diagnostics."""
import numpy as np

from grader import behaviour, checks
from grader.spec import Assignment, Check, FunctionUnit, Unit
from grader.specs.common import function_checks, layer_checks, repeated_rows, train_mode_mistakes, with_repeats
from grader.strategies import dims, distinct_dims

EPS, MOMENTUM = 1e-5, 0.1


def bn_params(d, rng):
    C = d["C"]
    return {"gamma": 1 + 0.5 * rng.standard_normal(C), "beta": rng.standard_normal(C)}


def bn_buffers(d, rng):
    """Running statistics away from their initial 0 and 1, so that "not updated" and a swapped momentum show."""
    C = d["C"]
    return {"running_mean": rng.standard_normal(C), "running_var": rng.uniform(0.5, 2.0, C)}


def bn_inputs(d, rng):
    """Features with their own offset and a small spread (std 0.05-0.5): eps = 1e-5 then changes the output
    by far more than the comparison's tolerance, so a forgotten eps is seen."""
    shape = (d["N"], d["C"])
    return [rng.standard_normal(d["C"]) * 2 + rng.uniform(0.05, 0.5, d["C"]) * rng.standard_normal(shape)]


def normalise(x, mean, var, gamma, beta, eps=EPS):
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def bn_train_mistakes(d, inputs, params, dout, expected):
    x, (gamma, beta) = inputs[0], (params["gamma"], params["beta"])
    N = x.shape[0]
    mean, var = x.mean(0), x.var(0)
    rm, rv = params.buffers["running_mean"], params.buffers["running_var"]
    return {
        "out": [
            ("it normalises with the unbiased variance (divide by N - 1): BatchNorm's training mode uses the "
             "biased batch variance, x.var(axis=0) (divide by N), as PyTorch does",
             normalise(x, mean, x.var(0, ddof=1), gamma, beta)),
            ("eps is missing: divide by sqrt(var + eps) with eps = 1e-5, not by sqrt(var)",
             normalise(x, mean, var, gamma, beta, eps=0.0)),
            ("it normalises each row over its features (axis=1): the statistics are per feature, over the batch "
             "(axis=0)", normalise(x, x.mean(1, keepdims=True), x.var(1, keepdims=True), gamma, beta)),
            ("it uses the running statistics in training mode: training normalises with the batch's own mean "
             "and variance (the running ones are for eval mode)", normalise(x, rm, rv, gamma, beta)),
            ("it divides by the variance, not the standard deviation: xhat = (x - mean) / sqrt(var + eps)",
             gamma * (x - mean) / (var + EPS) + beta),
        ],
        "dx": [
            ("it treats the batch mean and variance as constants (the eval-mode gradient): in training mode "
             "every input row changes the mean and variance, so dx has two more terms",
             dout * gamma / np.sqrt(var + EPS)),
            ("it leaves out the gradient through the variance: dx = gamma / std * (dout - dout.mean(0))",
             gamma / np.sqrt(var + EPS) * (dout - dout.mean(0))),
        ],
        "grad:gamma": [("it is dbeta's sum: gamma multiplies xhat, so its local derivative is xhat (then sum over the batch)", dout.sum(0)),
                       ("it is (dout * x).sum(0): multiply by the normalised input xhat, not by x",
                        (dout * x).sum(0))],
        "buffer:running_mean": [
            ("the running mean was not updated: in training mode, running_mean = 0.9 * running_mean + 0.1 * "
             "batch mean (in place)", rm),
            ("the momentum is the wrong way round: running_mean = (1 - momentum) * running_mean + momentum * mean, "
             "momentum = 0.1", MOMENTUM * rm + (1 - MOMENTUM) * mean),
        ],
        "buffer:running_var": [
            ("the running variance was not updated: in training mode, running_var = 0.9 * running_var + 0.1 * "
             "unbiased batch variance (in place)", rv),
            ("running_var received the biased variance: like PyTorch, store the unbiased one, var * N / (N - 1)",
             (1 - MOMENTUM) * rv + MOMENTUM * var),
            ("the momentum is the wrong way round: running_var = (1 - momentum) * running_var + momentum * "
             "unbiased variance, momentum = 0.1", MOMENTUM * rv + (1 - MOMENTUM) * var * N / (N - 1)),
        ],
    }


BATCHNORM = Unit(
    label="BatchNorm1d", target="a3_batchnorm.batchnorm:BatchNorm1d",
    dims=dims(N=(2, 8), C=(1, 6)), grad_dims=distinct_dims(("N", "C")),
    init=lambda d: {"num_features": d["C"]}, params=bn_params, buffers=bn_buffers,
    inputs=bn_inputs, out_shape=lambda d: (d["N"], d["C"]), mistakes=bn_train_mistakes,
)


def bn_eval_mistakes(d, inputs, params, dout, expected):
    x, (gamma, beta) = inputs[0], (params["gamma"], params["beta"])
    rm, rv = params.buffers["running_mean"], params.buffers["running_var"]
    mistakes = {"out": [("eps is missing: divide by sqrt(running_var + eps)", normalise(x, rm, rv, gamma, beta, 0.0))],
                "buffer:running_mean": [], "buffer:running_var": [], "dx": []}
    if x.shape[0] >= 2:
        N, mean, var = x.shape[0], x.mean(0), x.var(0)
        mistakes["out"].insert(0, ("it uses the batch's statistics in eval mode: eval() means normalising with "
                                   "running_mean and running_var", normalise(x, mean, var, gamma, beta)))
        updated = "the running statistics changed in eval mode: only training mode updates them"
        mistakes["buffer:running_mean"].append((updated, (1 - MOMENTUM) * rm + MOMENTUM * mean))
        mistakes["buffer:running_var"] += [(updated, (1 - MOMENTUM) * rv + MOMENTUM * var * N / (N - 1)),
                                           (updated, (1 - MOMENTUM) * rv + MOMENTUM * var)]
        xhat = (x - rm) / np.sqrt(rv + EPS)
        dxhat = dout * gamma
        mistakes["dx"].append((
            "it is training mode's formula: in eval mode the running statistics are constants, so the paths "
            "through the mean and the variance vanish",
            (N * dxhat - dxhat.sum(0) - xhat * (dxhat * xhat).sum(0)) / (N * np.sqrt(rv + EPS))))
    return mistakes


BATCHNORM_EVAL = Unit(
    label="BatchNorm1d (eval mode)", target="a3_batchnorm.batchnorm:BatchNorm1d",
    dims=dims(N=(1, 8), C=(1, 6)), grad_dims=distinct_dims(("N", "C")),
    init=lambda d: {"num_features": d["C"]}, params=bn_params, buffers=bn_buffers, mode="eval",
    inputs=bn_inputs, out_shape=lambda d: (d["N"], d["C"]), mistakes=bn_eval_mistakes,
    depends_on=("BatchNorm1d",),  # the same class: a mistake in its shared code shows in both modes
)


def token_ids(d, rng):
    return [with_repeats(rng.integers(0, d["V"], size=(d["N"], d["T"])).astype(np.int64))]


def mlp_bn_init(d):
    return {"vocab_size": d["V"], "block_size": d["T"], "n_embd": d["D"], "n_hidden": d["H"], "n_layers": d["L"]}


def mlp_bn_params(d, rng):
    V, T, D, H, L = d["V"], d["T"], d["D"], d["H"], d["L"]
    params = {"C": rng.standard_normal((V, D))}
    fan_in = T * D
    for i in range(1, L + 1):
        params[f"W{i}"] = rng.standard_normal((fan_in, H)) / fan_in**0.5
        params[f"bngain{i}"] = 1 + 0.3 * rng.standard_normal(H)
        params[f"bnbias{i}"] = 0.3 * rng.standard_normal(H)
        fan_in = H
    params[f"W{L + 1}"] = rng.standard_normal((H, V)) * 0.5
    params[f"b{L + 1}"] = rng.standard_normal(V) * 0.1
    return params


def lecture_init(d, rng):
    """The lecture's initialisation, the same for everyone: Kaiming with the tanh gain 5/3, BatchNorm's gain 1
    and bias 0, the output layer scaled down (weight * 0.01, bias 0) so the first logits are near uniform."""
    params = mlp_bn_params(d, rng)
    L, H = d["L"], d["H"]
    for i in range(1, L + 1):
        params[f"W{i}"] *= 5 / 3
        params[f"bngain{i}"][:] = 1.0
        params[f"bnbias{i}"][:] = 0.0
    params[f"W{L + 1}"] = rng.standard_normal((H, d["V"])) / H**0.5 * 0.01
    params[f"b{L + 1}"][:] = 0.0
    return params


def mlp_bn_mistakes(d, inputs, params, dout, expected):
    """dC = demb assigned at idx instead of scatter-added; demb from the reference (hidden checks' machine
    only: computing it here would print the solution into the public grader)."""
    from grader.checks import load_reference, reference_available
    from grader.specs.common import repeated_index_mistake

    if not reference_available():
        return {}
    model = load_reference(MLP_BN.target)(**mlp_bn_init(d))
    for name, value in params.items():
        model.params[name][...] = value
    idx = inputs[0]
    model.forward(idx)
    model.backward(dout)
    # the embedding's upstream gradient, recovered from the first Linear: demb = dhpreact1 @ W1.T
    dhpreact = model.bns[0].backward((model.dh[0] * (1 - model.h[0] ** 2)))
    demb = (dhpreact @ params["W1"].T).reshape(*idx.shape, -1)
    return {"grad:C": repeated_index_mistake(idx, demb, params["C"].shape, "dC")}


def mlp_bn_buffers(d, rng):
    """Each BatchNorm's running statistics, away from their initial 0 and 1 (as bn_buffers)."""
    buffers = {}
    for i in range(1, d["L"] + 1):
        buffers[f"bnmean_running{i}"] = rng.standard_normal(d["H"])
        buffers[f"bnvar_running{i}"] = rng.uniform(0.5, 2.0, d["H"])
    return buffers


MLP_DIMS = ("N", "V", "T", "D", "H")
MLP_BN = Unit(
    label="BatchNormMLP", target="a3_batchnorm.mlp_bn:BatchNormMLP",
    dims=dims(N=(2, 6), V=(2, 8), T=(1, 4), D=(1, 4), H=(1, 8), L=(1, 3)),
    grad_dims=distinct_dims(MLP_DIMS, high=8, fixed={"L": 2}),
    init=mlp_bn_init, params=mlp_bn_params, inputs=token_ids, out_shape=lambda d: (d["N"], d["V"]),
    differentiable=(), mistakes=mlp_bn_mistakes, buffers=mlp_bn_buffers,
    regions=lambda d, inputs: {"grad:C": [(repeated_rows(inputs[0], (d["V"], d["D"])),
                                           "wrong only in rows of C whose token appears more than once in idx: "
                                           "those rows must add up the gradients of every occurrence")]},
    depends_on=("BatchNorm1d",),
)
# the model in eval mode: its eval() must reach every BatchNorm, which then uses and keeps its running statistics
MLP_BN_EVAL = Unit(**{**MLP_BN.__dict__, "label": "BatchNormMLP (eval mode)", "mode": "eval",
                      "dims": dims(N=(1, 6), V=(2, 8), T=(1, 4), D=(1, 4), H=(1, 8), L=(1, 3)),
                      "mistakes": train_mode_mistakes(MLP_BN.target, mlp_bn_init), "regions": None,
                      "depends_on": ("BatchNorm1d", "BatchNorm1d (eval mode)", "BatchNormMLP")})
TRAINING_UNIT = Unit(**{**MLP_BN.__dict__, "params": lecture_init})
TRAINING_DIMS = {"N": 0, "V": 27, "T": 3, "D": 10, "H": 48, "L": 2}

# reference_loss: the reference's dev loss under exactly this budget (see grader/specs/a1.py for the margin).
MLP_BN_TRAINING = dict(
    block_size=3, dims=TRAINING_DIMS, init_seed=0, loss="a1_bigram.cross_entropy:SoftmaxCrossEntropy",
    schedule={"steps": 1500, "batch_size": 32, "lr": 0.1, "lr_after_decay": 0.1, "seed": 1},
    buffers=[f"bn{s}_running{i}" for i in (1, 2) for s in ("mean", "var")],
    reference_loss=2.3873, threshold=2.3873 + 0.03,
    # the notebook's "Diagnostics" cell (grader/train_diagnostics.py): the lecture's plots with your own
    # statistics functions, of the lecture's deeper network (5 Linear-BatchNorm-Tanh layers of 100)
    diagnostics={"activation_stats": "a3_batchnorm.diagnostics:activation_stats",
                 "gradient_stats": "a3_batchnorm.diagnostics:gradient_stats",
                 "update_ratio": "a3_batchnorm.diagnostics:update_ratio",
                 "dims": {**TRAINING_DIMS, "H": 100, "L": 5}},
)


def activation_inputs(d, rng):
    return [np.tanh(rng.standard_normal((d["N"], d["D"])) * 2.5)]


ACTIVATION_STATS = FunctionUnit(
    label="activation_stats", target="a3_batchnorm.diagnostics:activation_stats",
    dims=dims(N=(1, 8), D=(1, 8)), args=activation_inputs, result_shape=lambda d: (3,),
    mistakes=lambda d, args, expected: [
        ("the saturation counts |h| > 0.97 as a count: it is the fraction of entries (a mean of the boolean array)",
         np.array([expected[0], expected[1], (np.abs(args[0]) > 0.97).sum()])),
        ("the saturation forgets the absolute value: saturated means |h| > 0.97, at either end",
         np.array([expected[0], expected[1], (args[0] > 0.97).mean()])),
    ],
)
GRADIENT_STATS = FunctionUnit(
    label="gradient_stats", target="a3_batchnorm.diagnostics:gradient_stats",
    dims=dims(N=(1, 8), D=(1, 8)), args=lambda d, rng: [rng.standard_normal((d["N"], d["D"])) * 1e-3],
    result_shape=lambda d: (2,),
)
UPDATE_RATIO = FunctionUnit(
    label="update_ratio", target="a3_batchnorm.diagnostics:update_ratio",
    dims=dims(N=(2, 8), D=(2, 8)), result="scalar",
    args=lambda d, rng: [rng.standard_normal((d["N"], d["D"])), rng.standard_normal((d["N"], d["D"])) * 0.01,
                         float(rng.choice([0.1, 0.01, 1.0]))],
    mistakes=lambda d, args, expected: [
        ("it is the ratio itself: the lecture plots log10 of std(lr * grad) / std(param)", 10 ** expected),
        ("it leaves out the learning rate: the update is lr * grad", expected - np.log10(args[2])),
    ],
)

FIXTURE_DIMS = {
    "BatchNorm1d": [{"N": 5, "C": 3}, {"N": 2, "C": 4}],
    "BatchNorm1d (eval mode)": [{"N": 4, "C": 3}, {"N": 1, "C": 2}],
    "BatchNormMLP": [{"N": 4, "V": 6, "T": 3, "D": 2, "H": 5, "L": 2}],
    "BatchNormMLP (eval mode)": [{"N": 4, "V": 6, "T": 3, "D": 2, "H": 5, "L": 2}],
    "activation_stats": [{"N": 6, "D": 5}],
    "gradient_stats": [{"N": 4, "D": 3}],
    "update_ratio": [{"N": 5, "D": 4}],
}

A3 = Assignment(
    fixture_dims=FIXTURE_DIMS,
    key="a3", package="a3_batchnorm", title="BatchNorm: activations, initialisation, diagnostics",
    requires=("a1_bigram",),
    checks=[
        *layer_checks("batchnorm", BATCHNORM, (4, 12, 6, 6),
                      "dx, grads['gamma'] and grads['beta'] (training mode: every output depends on every input row)"),
        Check("batchnorm.single_example", 2, behaviour.rejects, BATCHNORM, "public",
              "a batch of one example in training mode raises ValueError, as PyTorch",
              {"dims": {"N": 1, "C": 3}, "error": "ValueError",
               "why": "a batch of one example in training mode (its variance is 0 and its output meaningless)"}),
        *layer_checks("batchnorm_eval", BATCHNORM_EVAL, (3, 4, 5, 4), "dx, grads['gamma'] and grads['beta'] in eval mode"),
        *layer_checks("mlp_bn", MLP_BN, (3, 10, 5, 4), "every gradient"),
        Check("mlp_bn_eval.contract", 1, checks.contract, MLP_BN_EVAL, "public",
              "in eval mode: shapes, dtypes, grads keys, finite, inputs untouched"),
        Check("mlp_bn_eval.reference", 3, checks.agreement, MLP_BN_EVAL, "hidden",
              "in eval mode, forward, gradients and running statistics match the reference",
              {"source": "reference"}),
        *function_checks("activation_stats", ACTIVATION_STATS, (3, 2), "activation statistics"),
        *function_checks("gradient_stats", GRADIENT_STATS, (2, 1), "gradient statistics"),
        *function_checks("update_ratio", UPDATE_RATIO, (2, 2), "update-to-data ratios"),
        Check("mlp_bn.training", 16, behaviour.training, TRAINING_UNIT, "public",
              "trains to the calibrated dev loss with the kit's loop, evaluated in eval mode (uses your a1 "
              "SoftmaxCrossEntropy)", MLP_BN_TRAINING, timeout=40.0),
    ],
)
