"""Assignment 7, Transformer: LayerNorm, GELU, causal self-attention, the MLP, the Block, the model, AdamW.

Attention is graded on its own with injected upstream gradients, then the Block, then the whole model, so a
mistake in one layer costs that layer's points and the layers built on it say where to look. Gradient checks
run in float64 on tiny configurations (2 heads, distinct sizes); the model has 2 layers there.
"""
import math

import numpy as np
from hypothesis import strategies as st

from grader import behaviour
from grader.spec import Assignment, Check, FunctionUnit, Unit
from grader.specs.common import function_checks, hidden_mistakes, layer_checks, repeated_rows, with_repeats
from grader.strategies import dims, distinct_dims


# -- known mistakes that give nothing away (those that need a correct attention, Block or AdamW to compute are
# in reference/a7_mistakes.py, loaded with hidden_mistakes("a7"): only the instructor's grader names them) --

GELU_SCALE, GELU_CUBIC = math.sqrt(2.0 / math.pi), 0.044715
erf = np.vectorize(math.erf, otypes=[float])


def layernorm_wrong_axes(x, w, b, axes, eps=1e-5):
    """LayerNorm's formula with the statistics over the given (wrong) axes, e.g. the batch axis."""
    mean = x.mean(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(x.var(axis=axes, keepdims=True) + eps) * w + b


def layernorm_unbiased(x, w, b, eps=1e-5):
    """LayerNorm with the unbiased variance (divided by C - 1)."""
    centred = x - np.mean(x, axis=-1, keepdims=True)
    n = max(x.shape[-1] - 1, 1)
    return centred / np.sqrt((centred**2).sum(axis=-1, keepdims=True) / n + eps) * w + b


def gelu_erf(x):
    """The exact GELU, x * Phi(x)."""
    return 0.5 * x * (1 + erf(x / math.sqrt(2)))


def gelu_erf_grad(x):
    """The exact GELU's derivative, Phi(x) + x * phi(x): wrong for the tanh approximation."""
    return 0.5 * (1 + erf(x / math.sqrt(2))) + x * np.exp(-x**2 / 2) / math.sqrt(2 * math.pi)


class Lazy:
    """Known mistakes computed only when a comparison fails and the diagnosis iterates over them: the Block's
    cost a few forward and backward passes, and most comparisons pass."""

    def __init__(self, make):
        self.make = make

    def __iter__(self):
        return iter(self.make())


def embd(d):
    return d["nh"] * d["hs"]


def activations(d, rng):
    return [rng.standard_normal((d["B"], d["T"], d.get("C") or embd(d)))]


# -- LayerNorm -------------------------------------------------------------------------------------------

def layernorm_params(C, rng):
    return {"weight": 1 + 0.3 * rng.standard_normal(C), "bias": 0.3 * rng.standard_normal(C)}


def layernorm_mistakes(d, inputs, params, dout, expected):
    x, w, b = inputs[0], params["weight"], params["bias"]
    over_batch = ("it normalises over the batch (the statistics of axis 0, as BatchNorm does): LayerNorm "
                  "normalises each position (b, t) over its own C features, axis=-1 with keepdims=True")
    return {"out": [
        (over_batch, layernorm_wrong_axes(x, w, b, axes=(0,))),
        (over_batch, layernorm_wrong_axes(x, w, b, axes=(0, 1))),
        ("it normalises over the positions (the statistics of axis 1, time): LayerNorm normalises each position "
         "(b, t) over its own C features, axis=-1 with keepdims=True", layernorm_wrong_axes(x, w, b, axes=(1,))),
        ("it uses the unbiased variance (divides by C - 1): LayerNorm uses the biased variance, the mean of "
         "(x - mean)**2 over the C features", layernorm_unbiased(x, w, b)),
    ]}


LAYERNORM = Unit(
    label="LayerNorm", target="a7_transformer.layernorm:LayerNorm",
    dims=dims(B=(1, 4), T=(1, 4), C=(2, 6)), grad_dims=distinct_dims(("B", "T", "C")),
    init=lambda d: {"n_embd": d["C"]}, params=lambda d, rng: layernorm_params(d["C"], rng),
    inputs=lambda d, rng: [rng.standard_normal((d["B"], d["T"], d["C"])) * 2 + 0.5],
    out_shape=lambda d: (d["B"], d["T"], d["C"]), batch_size=lambda d: d["B"] * d["T"],
    mistakes=layernorm_mistakes,
)

# -- GELU ------------------------------------------------------------------------------------------------


def gelu_mistakes(d, inputs, params, dout, expected):
    x = inputs[0]
    return {
        "out": [("it is the exact GELU x * Phi(x) (with erf); makemore.py's NewGELU is the tanh approximation "
                 "0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x**3)))", gelu_erf(x))],
        "dx": [
            ("it is the derivative of the exact GELU, Phi(x) + x * phi(x) (erf): differentiate the tanh "
             "approximation your forward computes", dout * gelu_erf_grad(x)),
            ("dx equals dout: GELU's local derivative is missing", dout),
            ("it has only the first term of the product rule, 0.5 * (1 + tanh(u)): add "
             "0.5 * x * (1 - tanh(u)**2) * du/dx", dout * 0.5 * (1 + np.tanh(GELU_SCALE * (x + GELU_CUBIC * x**3)))),
        ]}


GELU = Unit(
    label="GELU", target="a7_transformer.gelu:GELU",
    dims=dims(B=(1, 4), T=(1, 4), D=(1, 6)), grad_dims=distinct_dims(("B", "T", "D")),
    init=lambda d: {}, params=lambda d, rng: {},
    inputs=lambda d, rng: [rng.standard_normal((d["B"], d["T"], d["D"])) * 2],
    out_shape=lambda d: (d["B"], d["T"], d["D"]), mistakes=gelu_mistakes,
)

# -- CausalSelfAttention ---------------------------------------------------------------------------------

ATTENTION_DIMS = dims(B=(1, 3), T=(1, 5), nh=(1, 3), hs=(1, 3))
# 2 heads, and batch, time and head size all different from each other and from 2
ATTENTION_GRAD_DIMS = distinct_dims(("B", "T", "hs"), low=2, high=5, fixed={"nh": 2})


def attention_params(C, rng, prefix=""):
    return {prefix + "c_attn.weight": rng.standard_normal((C, 3 * C)) * 1.5 / np.sqrt(C),
            prefix + "c_attn.bias": rng.standard_normal(3 * C) * 0.3,
            prefix + "c_proj.weight": rng.standard_normal((C, C)) / np.sqrt(C),
            prefix + "c_proj.bias": rng.standard_normal(C) * 0.3}


def attention_mistakes(d, inputs, params, dout, expected):
    hidden = hidden_mistakes("a7")
    if hidden is None:
        return {}
    x, nh = inputs[0], d["nh"]
    run = lambda **flags: hidden.attention(x, params, nh, dout, **flags)  # noqa: E731
    backward_scale = ("the 1/sqrt(head size) scaling is missing in backward: forward scales the scores, so "
                      "dscores must be multiplied by 1/sqrt(hs) too before dq and dk")
    rowsum = ("the softmax backward lacks the row-sum term: every probability of a row depends on every score of "
              "that row (the softmax Jacobian, one row at a time), not only on its own")

    def backward_mistakes(key):
        pick = (lambda r: r[1]) if key == "dx" else (lambda r: r[2][key])  # noqa: E731
        return [(backward_scale, pick(run(scale_backward=False))), (rowsum, pick(run(softmax_rowsum=False)))]

    mistakes = {
        "out": Lazy(lambda: [
            ("the causal mask is applied after the softmax: zeroing probabilities afterwards leaves rows that no "
             "longer sum to 1 and a normaliser that still sums over the future; set the scores at s > t to -inf "
             "before the softmax", run(mask="after")[0]),
            ("there is no causal mask: position t attends to later positions; set the scores at s > t to -inf "
             "before the softmax", run(mask="none")[0]),
            ("the scores are not scaled: att = q @ k^T / sqrt(head size) before the mask and softmax",
             run(scale_forward=False)[0]),
            ("the heads are merged by reshaping (B, nh, T, hs) straight to (B, T, C): transpose back to "
             "(B, T, nh, hs) first", run(merge_transposed=False)[0]),
        ]),
        "dx": Lazy(lambda: backward_mistakes("dx")),
    }
    for key in ("c_attn.weight", "c_attn.bias"):
        mistakes["grad:" + key] = Lazy(lambda key=key: backward_mistakes(key))
    return mistakes


ATTENTION = Unit(
    label="CausalSelfAttention", target="a7_transformer.attention:CausalSelfAttention",
    dims=ATTENTION_DIMS, grad_dims=ATTENTION_GRAD_DIMS,
    init=lambda d: {"n_embd": embd(d), "n_head": d["nh"]}, params=lambda d, rng: attention_params(embd(d), rng),
    inputs=activations, out_shape=lambda d: (d["B"], d["T"], embd(d)), batch_size=lambda d: d["B"] * d["T"],
    mistakes=attention_mistakes,
)

# -- MLP -------------------------------------------------------------------------------------------------


def mlp_params(C, rng, prefix=""):
    return {prefix + "c_fc.weight": rng.standard_normal((C, 4 * C)) / np.sqrt(C),
            prefix + "c_fc.bias": rng.standard_normal(4 * C) * 0.3,
            prefix + "c_proj.weight": rng.standard_normal((4 * C, C)) / np.sqrt(4 * C),
            prefix + "c_proj.bias": rng.standard_normal(C) * 0.3}


MLP = Unit(
    label="MLP", target="a7_transformer.mlp:MLP",
    dims=dims(B=(1, 3), T=(1, 4), C=(1, 5)), grad_dims=distinct_dims(("B", "T", "C"), high=5),
    init=lambda d: {"n_embd": d["C"]}, params=lambda d, rng: mlp_params(d["C"], rng),
    inputs=activations, out_shape=lambda d: (d["B"], d["T"], d["C"]), batch_size=lambda d: d["B"] * d["T"],
    depends_on=("GELU",),
)

# -- Block -----------------------------------------------------------------------------------------------


def block_params(C, rng, prefix=""):
    params = {}
    for ln in ("ln_1", "ln_2"):
        params.update({f"{prefix}{ln}.{k}": v for k, v in layernorm_params(C, rng).items()})
    params.update(attention_params(C, rng, prefix + "attn."))
    params.update(mlp_params(C, rng, prefix + "mlp."))
    return params


def block_mistakes(d, inputs, params, dout, expected):
    hidden = hidden_mistakes("a7")
    if hidden is None:
        return {}
    x, nh = inputs[0], d["nh"]
    return {"dx": Lazy(lambda: [
        ("the skip path's gradient is dropped at the first residual sum, x + attn(ln_1(x)): there dx is the "
         "gradient arriving at the sum plus the attention branch's dx", hidden.block_dx(x, params, nh, dout, skip_attn=False)),
        ("the skip path's gradient is dropped at the second residual sum, x + mlp(ln_2(x)): there the gradient "
         "is dout plus the MLP branch's dx", hidden.block_dx(x, params, nh, dout, skip_mlp=False)),
        ("the skip paths' gradients are dropped at both residual sums: a residual sum x + f(x) sends its "
         "gradient down both paths, and x receives the sum of both", hidden.block_dx(x, params, nh, dout, False, False)),
    ])}


BLOCK = Unit(
    label="Block", target="a7_transformer.block:Block",
    # 2 heads, C = 6 (3C = 18, 4C = 24): small enough for finite differences of every entry
    dims=ATTENTION_DIMS, grad_dims=st.sampled_from([{"B": 4, "T": 5, "nh": 2, "hs": 3}, {"B": 5, "T": 4, "nh": 2, "hs": 3}]),
    init=lambda d: {"n_embd": embd(d), "n_head": d["nh"]}, params=lambda d, rng: block_params(embd(d), rng),
    inputs=activations, out_shape=lambda d: (d["B"], d["T"], embd(d)), batch_size=lambda d: d["B"] * d["T"],
    mistakes=block_mistakes, depends_on=("LayerNorm", "GELU", "CausalSelfAttention", "MLP"),
)

# -- Transformer -----------------------------------------------------------------------------------------


def transformer_init(d):
    return {"vocab_size": d["V"], "block_size": d["L"], "n_layer": d["n_layer"], "n_head": d["nh"],
            "n_embd": embd(d)}


def transformer_params(d, rng):
    C = embd(d)
    params = {"wte.weight": rng.standard_normal((d["V"], C)), "wpe.weight": rng.standard_normal((d["L"], C))}
    for i in range(d["n_layer"]):
        params.update(block_params(C, rng, f"h.{i}."))
    params.update({f"ln_f.{k}": v for k, v in layernorm_params(C, rng).items()})
    params["lm_head.weight"] = rng.standard_normal((C, d["V"])) / np.sqrt(C)
    return params


def makemore_init(d, rng):
    """PyTorch's initialisation of makemore.py's model (embeddings N(0, 1), Linear U(+-1/sqrt(fan_in)),
    LayerNorm ones and zeros): the training check starts everyone from these same values."""
    params = {}
    for name, value in transformer_params(d, rng).items():
        if name.startswith(("wte", "wpe")):
            params[name] = rng.standard_normal(value.shape)
        elif ".ln_" in name or name.startswith("ln_f"):
            params[name] = np.ones(value.shape) if name.endswith("weight") else np.zeros(value.shape)
        else:
            fan_in = value.shape[0] if value.ndim == 2 else transformer_params_fan_in(name, d)
            params[name] = rng.uniform(-1, 1, size=value.shape) / np.sqrt(fan_in)
    return params


def transformer_params_fan_in(bias_name: str, d) -> int:
    return 4 * embd(d) if bias_name.endswith("mlp.c_proj.bias") else embd(d)


def token_inputs(d, rng):
    return [with_repeats(rng.integers(0, d["V"], size=(d["B"], d["T"])).astype(np.int64))]


def transformer_mistakes(d, inputs, params, dout, expected):
    dwpe = expected.get("grad:wpe.weight")
    if dwpe is None or d["B"] < 2:
        return {}
    return {"grad:wpe.weight": [
        ("the position-embedding gradient is averaged over the batch: every sequence uses wpe[t], so row t "
         "is the sum over the batch of the gradient at position t", dwpe / d["B"])]}


@st.composite
def transformer_dims(draw):
    d = draw(dims(B=(1, 3), T=(1, 4), V=(2, 6), nh=(1, 2), hs=(1, 2), n_layer=(1, 2)))
    return {**d, "L": d["T"] + draw(st.integers(0, 2))}


TRANSFORMER = Unit(
    label="Transformer", target="a7_transformer.transformer:Transformer",
    dims=transformer_dims(),
    # 2 layers, 2 heads; the other sizes distinct (C = 6): a transposed or broadcast gradient cannot pass
    grad_dims=st.sampled_from([{"B": 5, "T": 3, "L": 4, "V": 7, "nh": 2, "hs": 3, "n_layer": 2},
                               {"B": 4, "T": 5, "L": 5, "V": 3, "nh": 2, "hs": 3, "n_layer": 2}]),
    init=transformer_init, params=transformer_params, inputs=token_inputs,
    out_shape=lambda d: (d["B"], d["T"], d["V"]), differentiable=(), batch_size=lambda d: d["B"],
    mistakes=transformer_mistakes,
    regions=lambda d, inputs: {"grad:wte.weight": [(repeated_rows(inputs[0], (d["V"], embd(d))),
                                                    "wrong only in rows of wte whose token appears more than once: "
                                                    "those rows must add up the gradients of every occurrence")]},
    depends_on=("LayerNorm", "GELU", "CausalSelfAttention", "MLP", "Block"),
)

# -- AdamW -----------------------------------------------------------------------------------------------

ADAMW_LR, ADAMW_DECAY = 0.01, 0.1  # a larger decay than makemore.py's 0.01, so its mistakes show clearly


def adamw_args(d, rng):
    R, C, K = d["R"], d["C"], d["K"]
    scales = np.exp(rng.uniform(-1, 1, size=K))  # gradients of varying size: bias correction matters
    return [rng.standard_normal((R, C)), rng.standard_normal(C),
            rng.standard_normal((K, R, C)) * scales[:, None, None], rng.standard_normal((K, C)) * scales[:, None],
            ADAMW_LR, ADAMW_DECAY]


def adamw_mistakes(d, args, expected):
    hidden = hidden_mistakes("a7")
    if hidden is None:
        return []
    return [
        ("AdamW's bias correction is missing: divide m by (1 - beta1**t) and v by (1 - beta2**t), t = 1, 2, ...",
         hidden.adamw(*args, bias_correction=False)),
        ("the weight decay is added to the gradient (Adam with L2 regularisation): AdamW decays the weights "
         "directly, p -= lr * weight_decay * p, outside m and v", hidden.adamw(*args, decoupled=False)),
        ("the weight decay is not multiplied by the learning rate: p -= lr * weight_decay * p",
         hidden.adamw(*args, decay_times_lr=False)),
        ("eps is inside the square root: the step is lr * m_hat / (sqrt(v_hat) + eps)",
         hidden.adamw(*args, eps_inside=True)),
        ("the optimiser's state is shared between parameters of the same shape (m and v keyed by shape, or one "
         "buffer reused): each parameter has its own m and v, keyed by its name (adamw_steps steps two "
         "parameters of weight's and bias's shapes beside them)", hidden.adamw(*args, state_by_shape=True)),
        ("the optimiser's state is not kept between steps: t, m and v start again at every call of step; keep "
         "them on self", np.concatenate([hidden.adamw(*prev) for prev in restarted(args, hidden)])),
    ]


def restarted(args, hidden):
    """The arguments of K one-step runs, each starting from where a stateless optimiser would be."""
    weight, bias, dweights, dbiases, lr, decay = args
    p_w, p_b, runs = weight, bias, []
    for dw, db in zip(dweights, dbiases):
        runs.append((p_w, p_b, dw[None], db[None], lr, decay))
        row = hidden.adamw(*runs[-1])[0]
        p_w, p_b = row[:weight.size].reshape(weight.shape), row[weight.size:]
    return runs


ADAMW = FunctionUnit(
    label="AdamW", target="a7_transformer.adamw:adamw_steps",
    dims=dims(R=(1, 4), C=(1, 4), K=(3, 6)), args=adamw_args,
    result_shape=lambda d: (d["K"], d["R"] * d["C"] + d["C"]), mistakes=adamw_mistakes,
)

# -- Training --------------------------------------------------------------------------------------------

TRAINING_DIMS = {"B": 0, "T": 16, "L": 16, "V": 27, "nh": 2, "hs": 8, "n_layer": 1}
TRAINING_UNIT = Unit(**{**TRANSFORMER.__dict__, "params": makemore_init,
                        "depends_on": TRANSFORMER.depends_on + ("AdamW",)})
# reference_loss: the reference's dev loss under exactly this budget (grader.behaviour.calibrate; checked by
# tests/test_calibration.py); margin as in grader/specs/a1.py. Whole names as sequences with makemore.py's
# format and split ("dev" = its test words), the loss over the positions whose target is not -1, your AdamW
# (lr 1e-2: 200 steps of makemore.py's 5e-4 would barely move); 1 layer, 2 heads, n_embd 16. The loss is a6's
# SequenceCrossEntropy, borrowed (the reference's on the instructor's side, grader/instructor/submissions.py).
TRANSFORMER_TRAINING = dict(
    data="sequence", block_size=16, dims=TRAINING_DIMS, init_seed=0,
    loss="a6_rnn.sequence_loss:SequenceCrossEntropy",
    optimizer="a7_transformer.adamw:AdamW", optimizer_args={"lr": 1e-2, "weight_decay": 0.01},
    schedule={"steps": 200, "batch_size": 32, "seed": 1},
    reference_loss=2.3272, threshold=2.3272 + 0.03,
)

CAUSAL_ATTENTION_DIMS = {"B": 2, "T": 5, "nh": 2, "hs": 3}
CAUSAL_MODEL_DIMS = {"B": 2, "T": 5, "L": 6, "V": 7, "nh": 2, "hs": 3, "n_layer": 2}

FIXTURE_DIMS = {
    "LayerNorm": [{"B": 2, "T": 3, "C": 4}],
    "GELU": [{"B": 2, "T": 3, "D": 4}],
    "CausalSelfAttention": [{"B": 2, "T": 4, "nh": 2, "hs": 3}],
    "MLP": [{"B": 2, "T": 3, "C": 4}],
    "Block": [{"B": 2, "T": 4, "nh": 2, "hs": 3}],
    "Transformer": [{"B": 3, "T": 4, "L": 5, "V": 6, "nh": 2, "hs": 2, "n_layer": 2}],
    "AdamW": [{"R": 2, "C": 3, "K": 4}, {"R": 1, "C": 2, "K": 3}],
}

# Finite differences of a whole Block or model cost one forward per parameter entry (about 500 and 1100):
# fewer examples, more time. One example of each still exercises every gradient.
EXPENSIVE = {"block.gradcheck": (2, 30.0), "transformer.gradcheck": (1, 30.0)}

A7 = Assignment(
    fixture_dims=FIXTURE_DIMS,
    key="a7", package="a7_transformer", title="Transformer: attention, LayerNorm, GELU, AdamW, backprop by hand",
    requires=("a6_rnn",),  # the training check's loss: a6's masked SequenceCrossEntropy
    checks=[
        *layer_checks("layernorm", LAYERNORM, (2, 4, 2, 2), "dx, grads['weight'] and grads['bias']"),
        *layer_checks("gelu", GELU, (1, 3, 2, 2), "dx"),
        *layer_checks("attention", ATTENTION, (3, 8, 4, 4), "dx and the four projection gradients"),
        Check("attention.causality", 4, behaviour.causality, ATTENTION, "public",
              "the output at position t does not change when an input at a later position does",
              {"dims": CAUSAL_ATTENTION_DIMS}),
        *layer_checks("mlp", MLP, (1, 3, 2, 2), "dx and the four gradients"),
        *layer_checks("block", BLOCK, (2, 6, 3, 3), "dx and every parameter's gradient"),
        *layer_checks("transformer", TRANSFORMER, (2, 6, 3, 3), "every parameter's gradient"),
        Check("transformer.causality", 3, behaviour.causality, TRANSFORMER, "public",
              "the logits at position t do not change when a later token does",
              {"dims": CAUSAL_MODEL_DIMS, "tokens": True, "position_grads": ("wpe.weight",)}),
        *function_checks("adamw", ADAMW, (6, 4), "the parameters after each AdamW step"),
        Check("transformer.training", 10, behaviour.training, TRAINING_UNIT, "public",
              "trains to the calibrated dev loss with the kit's loop, your AdamW and a6's masked loss",
              TRANSFORMER_TRAINING, timeout=60.0),
    ],
)

for _check in A7.checks:
    if _check.name in EXPENSIVE:
        _check.options["examples"], _check.timeout = EXPENSIVE[_check.name]
