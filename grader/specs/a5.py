"""Assignment 5, WaveNet: Linear over (B, T, C), FlattenConsecutive, BatchNorm1d over (B, T, C), Sequential and
the hierarchical model of makemore part 5."""
import numpy as np

from grader import behaviour, checks
from grader.spec import Assignment, Check, Unit
from grader.specs.a3 import EPS, MOMENTUM, bn_buffers, bn_eval_mistakes, bn_params, normalise
from grader.specs.common import layer_checks, repeated_rows, train_mode_mistakes, with_repeats
from grader.strategies import dims, distinct_dims


def linear_params(d, rng):
    params = {"weight": rng.standard_normal((d["fan_in"], d["fan_out"]))}
    if d["bias"]:
        params["bias"] = rng.standard_normal(d["fan_out"])
    return params


def linear_mistakes(d, inputs, params, dout, expected):
    x = inputs[0]
    mistakes = {"grad:weight": [], "out": [("the bias is not added: out = x @ weight + bias", x @ params["weight"])]}
    if x.ndim == 3:
        mistakes["grad:weight"].append((
            "it is the gradient of the last position only (or of one batch element): the same weight is used at "
            "every batch element *and* position, and a reused parameter receives the sum of all its gradients",
            x[:, -1].T @ dout[:, -1]))
    if "bias" not in params:
        mistakes["out"] = []
    return mistakes


LINEAR = Unit(
    label="Linear", target="a5_wavenet.layers:Linear",
    dims=dims(N=(1, 4), T=(1, 4), fan_in=(1, 6), fan_out=(1, 6), bias=(0, 1)),
    grad_dims=distinct_dims(("N", "T", "fan_in", "fan_out"), high=6, fixed={"bias": 1}),
    init=lambda d: {"fan_in": d["fan_in"], "fan_out": d["fan_out"], "bias": bool(d["bias"])},
    params=linear_params, inputs=lambda d, rng: [rng.standard_normal((d["N"], d["T"], d["fan_in"]))],
    out_shape=lambda d: (d["N"], d["T"], d["fan_out"]), mistakes=linear_mistakes,
)


def flatten_out_shape(d):
    return (d["N"], d["C"] * d["n"]) if d["T2"] == 1 else (d["N"], d["T2"], d["C"] * d["n"])


def flatten_mistakes(d, inputs, params, dout, expected):
    x = inputs[0]
    N, T, C = x.shape
    n = d["n"]
    strided = x.reshape(N, n, T // n, C).transpose(0, 2, 1, 3).reshape(flatten_out_shape(d))
    return {"out": [("it groups positions t, t + T/n, t + 2T/n...: FlattenConsecutive joins *consecutive* positions "
                     "n*t ... n*t + n - 1 (a plain x.reshape(B, T // n, C * n) does it)", strided),
                    ("the channels are interleaved: out[b, t] must be x[b, n*t] followed by x[b, n*t + 1], ... "
                     "(each position's C channels kept together)",
                     x.reshape(N, T // n, n, C).transpose(0, 1, 3, 2).reshape(flatten_out_shape(d)))]}


FLATTEN = Unit(
    label="FlattenConsecutive", target="a5_wavenet.layers:FlattenConsecutive",
    dims=dims(N=(1, 4), T2=(1, 4), C=(1, 4), n=(1, 3)),
    grad_dims=distinct_dims(("N", "T2", "C", "n"), high=5),
    init=lambda d: {"n": d["n"]}, params=lambda d, rng: {},
    inputs=lambda d, rng: [rng.standard_normal((d["N"], d["T2"] * d["n"], d["C"]))],
    out_shape=flatten_out_shape, mistakes=flatten_mistakes,
)


def bn3_inputs(d, rng):
    shape = (d["N"], d["T"], d["C"])
    return [rng.standard_normal(d["C"]) * 2 + rng.uniform(0.05, 0.5, d["C"]) * rng.standard_normal(shape)]


def bn3_mistakes(d, inputs, params, dout, expected):
    x, gamma, beta = inputs[0], params["gamma"], params["beta"]
    rm, rv = params.buffers["running_mean"], params.buffers["running_var"]
    mean, var = x.mean((0, 1)), x.var((0, 1))
    mistakes = {
        "out": [("it normalises over the batch dimension only (dim 0, the lecture's own bug): the statistics of "
                 "each channel are over the batch *and* the positions, x.mean(axis=(0, 1))",
                 normalise(x, x.mean(0), x.var(0), gamma, beta)),
                ("it normalises over the positions only (axis 1): take the statistics over axes (0, 1)",
                 normalise(x, x.mean(1, keepdims=True), x.var(1, keepdims=True), gamma, beta))],
        "buffer:running_mean": [("the running mean was not updated in training mode", rm)],
        "buffer:running_var": [
            ("the running variance was not updated in training mode", rv),
            ("running_var received the biased variance: store var * n / (n - 1), n = B * T the number of values "
             "per channel", (1 - MOMENTUM) * rv + MOMENTUM * var)],
        "grad:gamma": [("it is summed over the batch only: sum dout * xhat over axes (0, 1)",
                        (dout * (x - mean) / np.sqrt(var + EPS)).sum(0))],
    }
    if x.shape[0] >= 2:
        wrong_n = x.shape[0]
        mistakes["buffer:running_var"].append((
            f"running_var's Bessel correction uses N = {wrong_n}, the batch size: the variance is over n = B * T "
            "values, so multiply by n / (n - 1)", (1 - MOMENTUM) * rv + MOMENTUM * var * wrong_n / (wrong_n - 1)))
    return mistakes


BATCHNORM = Unit(
    label="BatchNorm1d", target="a5_wavenet.layers:BatchNorm1d",
    dims=dims(N=(1, 4), T=(2, 4), C=(1, 5)), grad_dims=distinct_dims(("N", "T", "C"), high=5),
    init=lambda d: {"num_features": d["C"]}, params=bn_params, buffers=bn_buffers,
    inputs=bn3_inputs, out_shape=lambda d: (d["N"], d["T"], d["C"]), mistakes=bn3_mistakes,
)


def bn3_eval_mistakes(d, inputs, params, dout, expected):
    """a3's eval-mode mistakes on the B * T rows of (B, T, C)."""
    x = inputs[0]
    rows = lambda a: a.reshape(-1, a.shape[-1])  # noqa: E731
    found = bn_eval_mistakes(d, [rows(x)], params, rows(dout), expected)
    return {k: [(text, w.reshape(x.shape) if k in ("out", "dx") else w) for text, w in v] for k, v in found.items()}


BATCHNORM_EVAL = Unit(**{**BATCHNORM.__dict__, "label": "BatchNorm1d (eval mode)", "mode": "eval",
                         "mistakes": bn3_eval_mistakes, "depends_on": ("BatchNorm1d",)})


def wavenet_init(d):
    return {"vocab_size": d["V"], "block_size": 2 ** d["L"], "n_embd": d["D"], "n_hidden": d["H"]}


def wavenet_params(d, rng, lecture=False):
    """Keys as WaveNet's: 0 the Embedding, then per level 4 layers (Flatten, Linear, BatchNorm1d, Tanh)."""
    V, D, H, L = d["V"], d["D"], d["H"], d["L"]
    params = {"0.weight": rng.standard_normal((V, D))}
    width = D
    for level in range(L):
        base = 1 + 4 * level
        params[f"{base + 1}.weight"] = rng.standard_normal((2 * width, H)) / (2 * width) ** 0.5
        params[f"{base + 2}.gamma"] = np.ones(H) if lecture else 1 + 0.3 * rng.standard_normal(H)
        params[f"{base + 2}.beta"] = np.zeros(H) if lecture else 0.3 * rng.standard_normal(H)
        width = H
    last = 1 + 4 * L
    params[f"{last}.weight"] = rng.standard_normal((H, V)) / H**0.5 * (0.1 if lecture else 1.0)
    params[f"{last}.bias"] = np.zeros(V) if lecture else 0.1 * rng.standard_normal(V)
    return params


def token_ids(d, rng):
    return [with_repeats(rng.integers(0, d["V"], size=(d["N"], 2 ** d["L"])).astype(np.int64))]


def wavenet_buffers(d, rng):
    """Each level's BatchNorm1d running statistics (layer 3 + 4 * level), away from their initial 0 and 1."""
    buffers = {}
    for level in range(d["L"]):
        buffers[f"{3 + 4 * level}.running_mean"] = rng.standard_normal(d["H"])
        buffers[f"{3 + 4 * level}.running_var"] = rng.uniform(0.5, 2.0, d["H"])
    return buffers


WAVENET = Unit(
    label="WaveNet", target="a5_wavenet.wavenet:WaveNet",
    dims=dims(N=(2, 5), V=(2, 7), L=(1, 3), D=(1, 4), H=(1, 6)),
    grad_dims=distinct_dims(("N", "V", "D", "H"), high=7, fixed={"L": 2}),
    init=wavenet_init, params=wavenet_params, inputs=token_ids, out_shape=lambda d: (d["N"], d["V"]),
    differentiable=(), buffers=wavenet_buffers,
    regions=lambda d, inputs: {"grad:0.weight": [(repeated_rows(inputs[0], (d["V"], d["D"])),
                                                  "wrong only in rows of the embedding whose token appears more than "
                                                  "once: those rows must add up every occurrence's gradient")]},
    depends_on=("Linear", "FlattenConsecutive", "BatchNorm1d"),
)
# the model in eval mode: Sequential's eval() must reach every BatchNorm1d
WAVENET_EVAL = Unit(**{**WAVENET.__dict__, "label": "WaveNet (eval mode)", "mode": "eval",
                       "dims": dims(N=(1, 5), V=(2, 7), L=(1, 3), D=(1, 4), H=(1, 6)),
                       "mistakes": train_mode_mistakes(WAVENET.target, wavenet_init), "regions": None,
                       "depends_on": (*WAVENET.depends_on, "BatchNorm1d (eval mode)", "WaveNet")})
TRAINING_UNIT = Unit(**{**WAVENET.__dict__, "params": lambda d, rng: wavenet_params(d, rng, lecture=True)})
TRAINING_DIMS = {"N": 0, "V": 27, "L": 3, "D": 10, "H": 32}

# reference_loss: the reference's dev loss under exactly this budget (see grader/specs/a1.py for the margin).
WAVENET_TRAINING = dict(
    block_size=8, dims=TRAINING_DIMS, init_seed=0, loss="a1_bigram.cross_entropy:SoftmaxCrossEntropy",
    schedule={"steps": 1000, "batch_size": 32, "lr": 0.1, "lr_after_decay": 0.1, "seed": 1},
    buffers=[f"{3 + 4 * level}.{name}" for level in range(3) for name in ("running_mean", "running_var")],
    reference_loss=2.3856, threshold=2.3856 + 0.03,
    # the notebook's "Diagnostics" cell: a3's plots of this network's three tanh layers, with your a3 statistics
    diagnostics={"activation_stats": "a3_batchnorm.diagnostics:activation_stats",
                 "gradient_stats": "a3_batchnorm.diagnostics:gradient_stats",
                 "update_ratio": "a3_batchnorm.diagnostics:update_ratio"},
)

FIXTURE_DIMS = {
    "Linear": [{"N": 2, "T": 3, "fan_in": 4, "fan_out": 5, "bias": 1}, {"N": 3, "T": 2, "fan_in": 3, "fan_out": 2, "bias": 0}],
    "FlattenConsecutive": [{"N": 2, "T2": 3, "C": 2, "n": 2}, {"N": 3, "T2": 1, "C": 3, "n": 2}],
    "BatchNorm1d": [{"N": 3, "T": 4, "C": 2}, {"N": 1, "T": 3, "C": 3}],
    "WaveNet": [{"N": 4, "V": 6, "L": 2, "D": 3, "H": 5}],
    "BatchNorm1d (eval mode)": [{"N": 3, "T": 4, "C": 2}],
    "WaveNet (eval mode)": [{"N": 4, "V": 6, "L": 2, "D": 3, "H": 5}],
}

A5 = Assignment(
    fixture_dims=FIXTURE_DIMS,
    key="a5", package="a5_wavenet", title="WaveNet: a hierarchy of fused positions, by hand",
    requires=("a1_bigram", "a2_mlp", "a3_batchnorm"),
    imports=("a2_mlp.embedding", "a2_mlp.tanh", "a3_batchnorm.batchnorm"),
    checks=[
        *layer_checks("linear", LINEAR, (4, 8, 4, 4), "dx, grads['weight'] and grads['bias'] over (B, T, fan_in)"),
        *layer_checks("flatten", FLATTEN, (3, 6, 4, 3), "dx"),
        *layer_checks("batchnorm", BATCHNORM, (3, 8, 5, 4),
                      "dx, grads['gamma'] and grads['beta'] over (B, T, C) in training mode"),
        Check("batchnorm_eval.contract", 1, checks.contract, BATCHNORM_EVAL, "public",
              "in eval mode: shapes, dtypes, grads keys, finite, inputs untouched"),
        Check("batchnorm_eval.reference", 3, checks.agreement, BATCHNORM_EVAL, "hidden",
              "in eval mode, forward, gradients and running statistics over (B, T, C) match the reference",
              {"source": "reference"}),
        *layer_checks("wavenet", WAVENET, (3, 10, 4, 3), "every gradient"),
        Check("wavenet_eval.contract", 1, checks.contract, WAVENET_EVAL, "public",
              "in eval mode: shapes, dtypes, grads keys, finite, inputs untouched"),
        Check("wavenet_eval.reference", 3, checks.agreement, WAVENET_EVAL, "hidden",
              "in eval mode, forward, gradients and running statistics match the reference", {"source": "reference"}),
        Check("wavenet.training", 16, behaviour.training, TRAINING_UNIT, "public",
              "trains to the calibrated dev loss with the kit's loop, evaluated in eval mode (uses your a1 loss, "
              "a2 Embedding and Tanh, a3 BatchNorm1d)", WAVENET_TRAINING, timeout=40.0),
    ],
)
