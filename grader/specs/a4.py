"""Assignment 4, Backprop Ninja: every gradient of the lecture's chain graded on its own (grader/stepwise.py),
the fused cross-entropy and BatchNorm backward, and a training run with nothing but the student's gradients.

The forward chain below is the kit's own copy of reference/a4_backprop_ninja/forward.py (public: students get
the same code); tests/test_a4_backprop_ninja.py checks that the two agree.
"""
import numpy as np
from hypothesis import strategies as st

from grader import behaviour, checks, stepwise
from grader.checks import load_reference
from grader.spec import Assignment, Check, FunctionUnit, Unit
from grader.specs.common import repeated_index_mistake, with_repeats
from grader.stepwise import Graph, Op, Step
from grader.strategies import distinct_dims

EPS = 1e-5
PACKAGE = "a4_backprop_ninja"


def leaves(d, rng):
    """Parameters and a batch for sizes d. W1's columns are scaled so that every hidden unit's batch variance
    is at least 0.3, except unit 0's, which is 0.01: forgetting EPS then shows (EPS/0.01 = 1e-3), and finite
    differences stay accurate (their step, 1e-6, is far below every variance)."""
    N, V, T, D, H = d["N"], d["V"], d["T"], d["D"], d["H"]
    C = rng.standard_normal((V, D))
    W1 = rng.standard_normal((T * D, H)) / (T * D) ** 0.5
    Xb = with_repeats(rng.integers(0, V, size=(N, T)).astype(np.int64))
    Xb[-1, 0] = (Xb[0, 0] + 1) % V  # not every row the same context: the batch has a variance
    column_var = (C[Xb].reshape(N, -1) @ W1).var(0, ddof=1)
    wanted = np.maximum(column_var, 0.3)
    wanted[0] = 0.01
    W1 *= np.sqrt(wanted / column_var)
    return {
        "C": C, "W1": W1, "b1": rng.standard_normal(H) * 0.1,
        "W2": rng.standard_normal((H, V)) * 0.7, "b2": rng.standard_normal(V) * 0.1,
        "bngain": rng.standard_normal((1, H)) * 0.1 + 1.0, "bnbias": rng.standard_normal((1, H)) * 0.1,
        "Xb": Xb, "Yb": rng.integers(0, V, size=N).astype(np.int64),
    }


def one_hot(index, shape):
    out = np.zeros(shape)
    out[np.arange(shape[0]), index] = 1.0
    return out


GRAPH = Graph(leaves, [
    Op("emb", ("C", "Xb"), lambda C, Xb: C[Xb], "emb = C[Xb]"),
    Op("embcat", ("emb",), lambda emb: emb.reshape(emb.shape[0], -1), "embcat = emb.reshape(N, -1)"),
    Op("hprebn", ("embcat", "W1", "b1"), lambda embcat, W1, b1: embcat @ W1 + b1, "hprebn = embcat @ W1 + b1"),
    Op("bnmeani", ("hprebn",), lambda x: x.sum(0, keepdims=True) / x.shape[0],
       "bnmeani = 1/N * hprebn.sum(0, keepdims=True)"),
    Op("bndiff", ("hprebn", "bnmeani"), lambda x, m: x - m, "bndiff = hprebn - bnmeani"),
    Op("bndiff2", ("bndiff",), lambda x: x**2, "bndiff2 = bndiff**2"),
    Op("bnvar", ("bndiff2",), lambda x: x.sum(0, keepdims=True) / (x.shape[0] - 1),
       "bnvar = 1/(N-1) * bndiff2.sum(0, keepdims=True)"),
    Op("bnvar_inv", ("bnvar",), lambda v: (v + EPS) ** -0.5, "bnvar_inv = (bnvar + 1e-5)**-0.5"),
    Op("bnraw", ("bndiff", "bnvar_inv"), lambda x, s: x * s, "bnraw = bndiff * bnvar_inv"),
    Op("hpreact", ("bngain", "bnraw", "bnbias"), lambda g, x, b: g * x + b, "hpreact = bngain * bnraw + bnbias"),
    Op("h", ("hpreact",), np.tanh, "h = tanh(hpreact)"),
    Op("logits", ("h", "W2", "b2"), lambda h, W2, b2: h @ W2 + b2, "logits = h @ W2 + b2"),
    Op("logit_maxes", ("logits",), lambda x: x.max(1, keepdims=True), "logit_maxes = logits.max(1, keepdims=True)"),
    Op("norm_logits", ("logits", "logit_maxes"), lambda x, m: x - m, "norm_logits = logits - logit_maxes"),
    Op("counts", ("norm_logits",), np.exp, "counts = exp(norm_logits)"),
    Op("counts_sum", ("counts",), lambda c: c.sum(1, keepdims=True), "counts_sum = counts.sum(1, keepdims=True)"),
    Op("counts_sum_inv", ("counts_sum",), lambda s: s**-1.0, "counts_sum_inv = counts_sum**-1"),
    Op("probs", ("counts", "counts_sum_inv"), lambda c, s: c * s, "probs = counts * counts_sum_inv"),
    Op("logprobs", ("probs",), np.log, "logprobs = log(probs)"),
    Op("loss", ("logprobs", "Yb"), lambda lp, Y: -lp[np.arange(len(Y)), Y].mean(),
       "loss = -logprobs[range(N), Yb].mean()"),
])

# N, V and H all different (a transposed or wrongly broadcast gradient cannot pass by a coincidence of shapes),
# N >= 3 so that 1/N, 1/(N-1) and 1 are told apart.
DIMS = st.tuples(distinct_dims(("N", "V", "H"), low=3, high=8), st.integers(1, 3), st.integers(1, 3)).map(
    lambda t: {**t[0], "T": t[1], "D": t[2]})


# -- known mistakes, by step (env: forward values, injected gradients "d<node>", N) -------------------------

def bcast(x, like):
    return np.ones_like(like) * x


MISTAKES = {
    "dlogprobs": lambda e: [
        ("it is -1 at each target: the loss is the mean over the N rows, so each picked entry gets -1/N",
         -one_hot(e["Yb"], e["logprobs"].shape)),
        ("it is -1/N everywhere: only the picked entries logprobs[range(N), Yb] reach the loss; the others get 0",
         np.full(e["logprobs"].shape, -1.0 / e["N"]))],
    "dprobs": lambda e: [
        ("it is dlogprobs * probs: the derivative of log(x) is 1/x, so divide by probs", e["dlogprobs"] * e["probs"]),
        ("it is 1/probs alone: multiply by the upstream dlogprobs (chain rule)", 1 / e["probs"])],
    "dcounts_sum_inv": lambda e: [
        ("it uses counts_sum_inv as the local derivative: in a product, the derivative with respect to one factor "
         "is the other factor", (e["counts_sum_inv"] * e["dprobs"]).sum(1, keepdims=True))],
    "dcounts_sum": lambda e: [
        ("it is the local derivative alone: multiply by the upstream dcounts_sum_inv (chain rule)", -e["counts_sum"] ** -2),
        ("it is -1/counts_sum * dcounts_sum_inv: the derivative of x**-1 is -x**-2",
         -e["dcounts_sum_inv"] / e["counts_sum"])],
    "dcounts": lambda e: [
        ("it has only the path through probs: counts also feeds counts_sum, and a variable used twice receives "
         "the sum of both gradients", e["counts_sum_inv"] * e["dprobs"]),
        ("it has only the path through counts_sum: counts also feeds probs, and a variable used twice receives "
         "the sum of both gradients", bcast(e["dcounts_sum"], e["dprobs"]))],
    "dnorm_logits": lambda e: [
        ("it equals dcounts: multiply by the local derivative of exp, which is exp(norm_logits) = counts", e["dcounts"]),
        ("it is norm_logits * dcounts: the derivative of exp(x) is exp(x) (counts), not x",
         e["norm_logits"] * e["dcounts"])],
    "dlogit_maxes": lambda e: [
        ("it is +dnorm_logits.sum(1): norm_logits = logits - logit_maxes, so logit_maxes' gradient has a minus",
         e["dnorm_logits"].sum(1, keepdims=True))],
    "dlogits": lambda e: [
        ("it equals dnorm_logits: logits also feed logit_maxes; add dlogit_maxes at the column of each row's max "
         "(one-hot of logits.argmax(1))", e["dnorm_logits"]),
        ("dlogit_maxes went to the target column Yb: it belongs to the column where each row's max is, "
         "logits.argmax(1)", e["dnorm_logits"] + one_hot(e["Yb"], e["logits"].shape) * e["dlogit_maxes"]),
        ("dlogit_maxes went to the column of each row's min: use logits.argmax(1)",
         e["dnorm_logits"] + one_hot(e["logits"].argmin(1), e["logits"].shape) * e["dlogit_maxes"]),
        ("dlogit_maxes was added to every column: max picks one entry per row, so only the column of each row's "
         "max (logits.argmax(1)) gets it", e["dnorm_logits"] + e["dlogit_maxes"]),
        ("dlogit_maxes was subtracted: the max's own gradient is added at the argmax column (its sign is already "
         "in dlogit_maxes)", e["dnorm_logits"] - one_hot(e["logits"].argmax(1), e["logits"].shape) * e["dlogit_maxes"])],
    "db2": lambda e: [("it is the mean over the rows; a bias gradient is the sum", e["dlogits"].mean(0))],
    "dhpreact": lambda e: [
        ("it is (1 - h) * dh: the derivative of tanh is 1 - tanh**2 (squared)", (1 - e["h"]) * e["dh"]),
        ("it is (1 - hpreact**2) * dh: the derivative uses the output h = tanh(hpreact), not hpreact",
         (1 - e["hpreact"] ** 2) * e["dh"]),
        ("it equals dh: multiply by the local derivative of tanh (chain rule), written with its output h", e["dh"])],
    "dbngain": lambda e: [
        ("it is dhpreact summed without bnraw: the local derivative of bngain * bnraw with respect to bngain is "
         "bnraw", e["dhpreact"].sum(0, keepdims=True))],
    "dbnbias": lambda e: [("it is the mean over the rows; a bias gradient is the sum",
                           e["dhpreact"].mean(0, keepdims=True))],
    "dbnraw": lambda e: [("it equals dhpreact: multiply by bngain", e["dhpreact"])],
    "dbnvar_inv": lambda e: [
        ("it uses bnvar_inv as the local derivative: in a product, the derivative with respect to one factor is "
         "the other factor", (e["bnvar_inv"] * e["dbnraw"]).sum(0, keepdims=True))],
    "dbnvar": lambda e: [
        ("it is -0.5 * bnvar**-1.5 * dbnvar_inv: forward adds EPS = 1e-5 before the power, so the derivative has "
         "(bnvar + 1e-5)**-1.5", -0.5 * e["bnvar"] ** -1.5 * e["dbnvar_inv"]),
        ("it is -0.5 * (bnvar + 1e-5)**-0.5 * dbnvar_inv: the power rule lowers the exponent by one, to -1.5",
         -0.5 * (e["bnvar"] + EPS) ** -0.5 * e["dbnvar_inv"]),
        ("it is -0.5 * (bnvar + 1e-5)**-1.5 alone: multiply by the upstream dbnvar_inv",
         -0.5 * (e["bnvar"] + EPS) ** -1.5)],
    "dbndiff2": lambda e: [
        ("it uses 1/N: forward's bnvar divides by N-1 (Bessel's correction, as the lecture), and the gradient "
         "through a sum carries the sum's scale", bcast(e["dbnvar"], e["bndiff2"]) / e["N"]),
        ("it is dbnvar copied to every row without the factor 1/(N-1) of bnvar", bcast(e["dbnvar"], e["bndiff2"]))],
    "dbndiff": lambda e: [
        ("it has only the path through bnraw: bndiff also feeds bndiff2, and a variable used twice receives the "
         "sum of both gradients", e["bnvar_inv"] * e["dbnraw"]),
        ("it has only the path through bndiff2: bndiff also feeds bnraw, and a variable used twice receives the "
         "sum of both gradients", 2 * e["bndiff"] * e["dbndiff2"]),
        ("the factor 2 of bndiff**2 is missing: d(x**2)/dx = 2x", e["bnvar_inv"] * e["dbnraw"] + e["bndiff"] * e["dbndiff2"])],
    "dbnmeani": lambda e: [("it is minus the mean over the rows; the broadcast in forward means a sum",
                            -e["dbndiff"].mean(0, keepdims=True))],
    "dhprebn": lambda e: [
        ("it equals dbndiff: hprebn also feeds bnmeani, and a variable used twice receives the sum of both gradients", e["dbndiff"]),
        ("it adds dbnmeani without 1/N: bnmeani = 1/N * hprebn.sum(0)", e["dbndiff"] + bcast(e["dbnmeani"], e["dbndiff"])),
        ("it adds dbnmeani / (N-1): the mean divides by N (Bessel's correction is only in the variance)",
         e["dbndiff"] + bcast(e["dbnmeani"], e["dbndiff"]) / (e["N"] - 1))],
    "db1": lambda e: [("it is the mean over the rows; a bias gradient is the sum", e["dhprebn"].mean(0))],
    "demb": lambda e: [
        ("it undoes the flatten in the wrong order: forward flattened emb.reshape(N, -1) (T outer, D inner); a "
         "reshape moves no value, so undo exactly that one",
         e["dembcat"].reshape(e["N"], e["dims"]["D"], e["dims"]["T"]).transpose(0, 2, 1))],
    "dC": lambda e: repeated_index_mistake(e["Xb"], e["demb"], e["C"].shape, "dC"),
}

# (label, of, args) in the lecture's order
STEPS = [
    ("dlogprobs", "logprobs", ("logprobs", "Yb")),
    ("dprobs", "probs", ("dlogprobs", "probs")),
    ("dcounts_sum_inv", "counts_sum_inv", ("dprobs", "counts")),
    ("dcounts_sum", "counts_sum", ("dcounts_sum_inv", "counts_sum")),
    ("dcounts", "counts", ("dprobs", "dcounts_sum", "counts_sum_inv")),
    ("dnorm_logits", "norm_logits", ("dcounts", "counts")),
    ("dlogit_maxes", "logit_maxes", ("dnorm_logits",)),
    ("dlogits", "logits", ("dnorm_logits", "dlogit_maxes", "logits")),
    ("dh", "h", ("dlogits", "W2")),
    ("dW2", "W2", ("dlogits", "h")),
    ("db2", "b2", ("dlogits",)),
    ("dhpreact", "hpreact", ("dh", "h")),
    ("dbngain", "bngain", ("dhpreact", "bnraw")),
    ("dbnbias", "bnbias", ("dhpreact",)),
    ("dbnraw", "bnraw", ("dhpreact", "bngain")),
    ("dbnvar_inv", "bnvar_inv", ("dbnraw", "bndiff")),
    ("dbnvar", "bnvar", ("dbnvar_inv", "bnvar")),
    ("dbndiff2", "bndiff2", ("dbnvar", "bndiff2")),
    ("dbndiff", "bndiff", ("dbnraw", "dbndiff2", "bndiff", "bnvar_inv")),
    ("dbnmeani", "bnmeani", ("dbndiff",)),
    ("dhprebn", "hprebn", ("dbndiff", "dbnmeani")),
    ("dembcat", "embcat", ("dhprebn", "W1")),
    ("dW1", "W1", ("dhprebn", "embcat")),
    ("db1", "b1", ("dhprebn",)),
    ("demb", "emb", ("dembcat", "emb")),
    ("dC", "C", ("demb", "Xb", "C")),
]

STEP_UNITS = {label: Step(label, f"{PACKAGE}.manual_backward:{label}", of, args, GRAPH, DIMS,
                          mistakes=MISTAKES.get(label)) for label, of, args in STEPS}


# -- Part 2: fused -----------------------------------------------------------------------------------------

def manual(name):
    return load_reference(f"{PACKAGE}.manual_backward:{name}")


def cross_entropy_step_by_step(e):
    """The hidden oracle for the fused dlogits: the reference's own step-by-step chain."""
    dlogprobs = manual("dlogprobs")(e["logprobs"], e["Yb"])
    dprobs = manual("dprobs")(dlogprobs, e["probs"])
    dcounts_sum = manual("dcounts_sum")(manual("dcounts_sum_inv")(dprobs, e["counts"]), e["counts_sum"])
    dcounts = manual("dcounts")(dprobs, dcounts_sum, e["counts_sum_inv"])
    dnorm_logits = manual("dnorm_logits")(dcounts, e["counts"])
    return manual("dlogits")(dnorm_logits, manual("dlogit_maxes")(dnorm_logits), e["logits"])


def batchnorm_step_by_step(e):
    """The hidden oracle for the fused dhprebn: the reference's step-by-step chain from dhpreact."""
    dbnraw = manual("dbnraw")(e["dhpreact"], e["bngain"])
    dbnvar = manual("dbnvar")(manual("dbnvar_inv")(dbnraw, e["bndiff"]), e["bnvar"])
    dbndiff = manual("dbndiff")(dbnraw, manual("dbndiff2")(dbnvar, e["bndiff2"]), e["bndiff"], e["bnvar_inv"])
    return manual("dhprebn")(dbndiff, manual("dbnmeani")(dbndiff))


def cross_entropy_mistakes(e):
    probs, Y = e["probs"], e["Yb"]
    return [("it is softmax - one_hot without dividing by N: the loss is the mean over the N rows",
             probs - one_hot(Y, probs.shape)),
            ("it is softmax / N: subtract 1 at each row's target (one_hot(Yb)) before dividing by N", probs / e["N"])]


def batchnorm_mistakes(e):
    n, g, s, x, d = e["N"], e["bngain"], e["bnvar_inv"], e["bnraw"], e["dhpreact"]
    return [("it is the formula for the biased variance (divide by N): forward's bnvar divides by N-1 (Bessel's "
             "correction), which puts N/(N-1) on the last term",
             g * s / n * (n * d - d.sum(0) - x * (d * x).sum(0))),
            ("the term through the batch mean is missing (every row shifts the mean)", g * s / n * (n * d - n / (n - 1) * x * (d * x).sum(0))),
            ("the term through the batch variance is missing (every row changes the variance)",
             g * s / n * (n * d - d.sum(0))),
            ("bngain is missing: hpreact = bngain * bnraw + bnbias",
             s / n * (n * d - d.sum(0) - n / (n - 1) * x * (d * x).sum(0)))]


CROSS_ENTROPY = Step("cross_entropy_backward", f"{PACKAGE}.fused:cross_entropy_backward", "logits",
                     ("logits", "Yb"), GRAPH, DIMS, cut=("loss",), mistakes=cross_entropy_mistakes,
                     reference=cross_entropy_step_by_step)
BATCHNORM = Step("batchnorm_backward", f"{PACKAGE}.fused:batchnorm_backward", "hprebn",
                 ("dhpreact", "bngain", "bnvar_inv", "bnraw"), GRAPH, DIMS, cut=("hpreact",),
                 mistakes=batchnorm_mistakes, reference=batchnorm_step_by_step)


def fused_args(names, injected=()):
    def args(d, rng):
        values = GRAPH.forward(leaves(d, rng))
        values.update({name: rng.standard_normal(np.shape(values[name[1:]])) for name in injected})
        return [values[name] for name in names]
    return args


CROSS_ENTROPY_FN = FunctionUnit(
    "cross_entropy_backward", CROSS_ENTROPY.target, DIMS, fused_args(("logits", "Yb")),
    result_shape=lambda d: (d["N"], d["V"]), rtol=1e-7,
    mistakes=lambda d, args, expected: cross_entropy_mistakes(
        {"probs": np.exp(args[0]) / np.exp(args[0]).sum(1, keepdims=True), "Yb": args[1], "N": d["N"]}))
BATCHNORM_FN = FunctionUnit(
    "batchnorm_backward", BATCHNORM.target, DIMS, fused_args(("dhpreact", "bngain", "bnvar_inv", "bnraw"),
                                                             injected=("dhpreact",)),
    result_shape=lambda d: (d["N"], d["H"]), rtol=1e-7,
    mistakes=lambda d, args, expected: batchnorm_mistakes(
        dict(zip(("dhpreact", "bngain", "bnvar_inv", "bnraw"), args), N=d["N"])))


# -- Part 3: the network, trained with the student's gradients ----------------------------------------------

def network_params(d, rng):
    p = leaves(d, rng)
    return {k: p[k] for k in ("C", "W1", "b1", "W2", "b2", "bngain", "bnbias")}


def lecture_init(d, rng):
    """forward.init_params's distribution (the lecture's), so the training check starts where the lecture does."""
    V, T, D, H = d["V"], d["T"], d["D"], d["H"]
    return {"C": rng.standard_normal((V, D)), "W1": rng.standard_normal((T * D, H)) * (5 / 3) / (T * D) ** 0.5,
            "b1": rng.standard_normal(H) * 0.1, "W2": rng.standard_normal((H, V)) * 0.1,
            "b2": rng.standard_normal(V) * 0.1, "bngain": rng.standard_normal((1, H)) * 0.1 + 1.0,
            "bnbias": rng.standard_normal((1, H)) * 0.1}


NETWORK_USES = ("dh", "dW2", "db2", "dhpreact", "dbngain", "dbnbias", "dembcat", "dW1", "db1", "demb", "dC",
                "batchnorm_backward")
NETWORK = Unit(
    label="BackpropNinjaMLP", target=f"{PACKAGE}.network:BackpropNinjaMLP",
    dims=DIMS, grad_dims=DIMS,
    init=lambda d: {"vocab_size": d["V"], "block_size": d["T"], "n_embd": d["D"], "n_hidden": d["H"]},
    params=network_params, inputs=lambda d, rng: [leaves(d, rng)["Xb"]],
    out_shape=lambda d: (d["N"], d["V"]), differentiable=(), depends_on=NETWORK_USES,
    hazards=(),  # its forward is the kit's (forward.py); the steps it runs are graded, extremes included, alone
)
TRAINING_UNIT = Unit(**{**NETWORK.__dict__, "params": lecture_init,
                        "depends_on": NETWORK_USES + ("cross_entropy_backward",)})

# The lecture's network (n_embd 10, batch 32, lr 0.1) with the 64 hidden units of its exercises 1-3 (exercise 4's
# 200 would triple the time) on a short budget; reference_loss is what the reference reaches under exactly this
# budget (tests/test_calibration.py), the margin as in a1/a2.
NETWORK_TRAINING = dict(
    block_size=3, dims={"N": 0, "V": 27, "T": 3, "D": 10, "H": 64}, init_seed=0,
    loss=f"{PACKAGE}.fused:CrossEntropy",
    schedule={"steps": 2000, "batch_size": 32, "lr": 0.1, "lr_after_decay": 0.1, "seed": 1},
    reference_loss=2.3800, threshold=2.3800 + 0.03,
)

FIXTURE_DIMS = {
    "cross_entropy_backward": [{"N": 4, "V": 5, "T": 2, "D": 2, "H": 3}],
    "batchnorm_backward": [{"N": 5, "V": 4, "T": 3, "D": 2, "H": 3}],
}


def step_checks(label: str) -> list:
    """A gradient's two checks: finite differences (public, 2 points) and the reference (hidden, 1 point)."""
    unit = STEP_UNITS[label]
    return [
        Check(f"step.{label}", 2, stepwise.step, unit, "public",
              f"{label} from injected upstream gradients (true and random) matches finite differences of the forward",
              {"source": "fd", "examples": 2}),
        Check(f"step.{label}.reference", 1, stepwise.step, unit, "hidden",
              f"{label} matches the reference on more sizes", {"source": "reference", "examples": 4}),
    ]


A4 = Assignment(
    fixture_dims=FIXTURE_DIMS,
    key="a4", package=PACKAGE, title="Backprop Ninja: every gradient of an MLP with BatchNorm, by hand",
    checks=[
        *[check for label, _, _ in STEPS for check in step_checks(label)],
        Check("fused.cross_entropy.gradcheck", 3, stepwise.step, CROSS_ENTROPY, "public",
              "the fused dlogits matches finite differences of the loss", {"source": "fd", "examples": 3}),
        Check("fused.cross_entropy.fixture", 2, checks.function_agreement, CROSS_ENTROPY_FN, "public",
              "the fused dlogits matches the stored answers", {"source": "fixture"}),
        Check("fused.cross_entropy.stepwise", 2, stepwise.step, CROSS_ENTROPY, "hidden",
              "the fused dlogits matches the reference's step-by-step chain", {"source": "reference", "examples": 5}),
        Check("fused.batchnorm.gradcheck", 3, stepwise.step, BATCHNORM, "public",
              "the fused dhprebn matches finite differences through the whole BatchNorm, with injected dhpreact",
              {"source": "fd", "examples": 3}),
        Check("fused.batchnorm.fixture", 2, checks.function_agreement, BATCHNORM_FN, "public",
              "the fused dhprebn matches the stored answers", {"source": "fixture"}),
        Check("fused.batchnorm.stepwise", 2, stepwise.step, BATCHNORM, "hidden",
              "the fused dhprebn matches the reference's step-by-step chain", {"source": "reference", "examples": 5}),
        Check("network.gradcheck", 2, checks.gradcheck, NETWORK, "public",
              "BackpropNinjaMLP.backward's seven gradients match finite differences of its forward"),
        Check("network.training", 6, behaviour.training, TRAINING_UNIT, "public",
              "trains to the calibrated dev loss with your gradients only (your CrossEntropy backward included)",
              NETWORK_TRAINING, timeout=30.0),
    ],
)
