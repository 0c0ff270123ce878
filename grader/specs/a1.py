"""Assignment 1, bigram: counting, normalising, likelihood, sampling, softmax cross-entropy, a one-layer net."""
import numpy as np

from grader import behaviour
from grader.spec import Assignment, Check, FunctionUnit, Unit
from grader.specs.common import (function_checks, layer_checks, repeated_index_mistake, repeated_rows,
                                 with_repeats)
from grader.strategies import dims, distinct_dims

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def small_vocab(V: int) -> dict:
    return {ch: i for i, ch in enumerate("." + LETTERS[:V - 1])}


def random_words(rng, n_words: int, V: int) -> list:
    """Words as real data has them: the first repeats a pair of letters within itself ("abab"), and with two
    words or more the last is the first again, so a count that sets instead of adding, or a list made a set,
    cannot pass. Other words: 0 to 5 letters."""
    letters = list(LETTERS[:V - 1])
    words = ["".join(rng.choice(letters, size=int(rng.integers(0, 6)))) for _ in range(n_words)]
    words[0] = "".join(rng.choice(letters, size=2)) * 2
    if n_words >= 2:
        words[-1] = words[0]
    return words


def without_boundaries(words, stoi) -> np.ndarray:
    counts = np.zeros((len(stoi), len(stoi)))
    for w in words:
        for a, b in zip(w, w[1:]):
            counts[stoi[a], stoi[b]] += 1
    return counts


COUNT_BIGRAMS = FunctionUnit(
    label="count_bigrams", target="a1_bigram.counts:count_bigrams",
    dims=dims(n_words=(1, 6), V=(2, 7)),
    args=lambda d, rng: [random_words(rng, d["n_words"], d["V"]), small_vocab(d["V"])],
    result_shape=lambda d: (d["V"], d["V"]), result_dtype=np.int64,
    mistakes=lambda d, args, expected: [
        ("the '.' boundaries are missing: count the pairs of '.' + word + '.'", without_boundaries(*args))],
)


def random_counts(d, rng):
    return rng.integers(0, 20, size=(d["V"], d["V"])).astype(np.int64)


BIGRAM_PROBS = FunctionUnit(
    label="bigram_probs", target="a1_bigram.counts:bigram_probs",
    dims=dims(V=(2, 7), smoothing_tenths=(0, 20)),
    args=lambda d, rng: [random_counts(d, rng) + 1, d["smoothing_tenths"] / 10],
    result_shape=lambda d: (d["V"], d["V"]),
    mistakes=lambda d, args, expected: [
        ("the smoothing was not added to the counts", args[0] / args[0].sum(axis=1, keepdims=True)),
        ("the rows were divided without keepdims=True, so each column j was divided by row j's sum",
         (args[0] + args[1]) / (args[0] + args[1]).sum(axis=1)),
        ("each column sums to 1 instead of each row: normalise along axis=1",
         (args[0] + args[1]) / (args[0] + args[1]).sum(axis=0, keepdims=True)),
    ],
)


def random_P(d, rng):
    return rng.dirichlet(np.ones(d["V"]), size=d["V"])


def n_bigrams(words) -> int:
    return sum(len(w) + 1 for w in words)


def bigram_nll_of(P, words, stoi) -> float:
    pairs = [(stoi[a], stoi[b]) for w in words for a, b in zip("." + w, w + ".")]
    with np.errstate(divide="ignore"):
        return -float(np.mean([np.log(P[a, b]) for a, b in pairs]))


BIGRAM_NLL = FunctionUnit(
    label="bigram_nll", target="a1_bigram.counts:bigram_nll",
    hazards=(),  # log of a given probability table: no input makes it overflow (log 0 is the table's smoothing)
    dims=dims(n_words=(1, 6), V=(2, 7)),
    args=lambda d, rng: [random_P(d, rng), random_words(rng, d["n_words"], d["V"]), small_vocab(d["V"])],
    result="scalar",
    mistakes=lambda d, args, expected: [
        ("it is the total negative log-likelihood, not its mean over the bigrams", expected * n_bigrams(args[1])),
        ("it is averaged over the words, not over the bigrams (a word of n letters has n + 1 bigrams)",
         expected * n_bigrams(args[1]) / len(args[1])),
        ("it is the log-likelihood: the NLL has a minus sign", -expected),
        ("it reads P[b, a] for the bigram (a, b): the probability of b after a is P[a, b] (row: the "
         "previous character)", np.asarray(bigram_nll_of(args[0].T, args[1], args[2]))),
    ],
)

SAMPLE_NAMES = FunctionUnit(label="sample_names", target="a1_bigram.counts:sample_names",
                            dims=dims(), args=lambda d, rng: [], result="strings")


def ce_inputs(d, rng):
    return [rng.standard_normal((d["N"], d["V"])) * 2, rng.integers(0, d["V"], size=d["N"]).astype(np.int64)]


def ce_without_keepdims(logits, targets):
    """The loss and dlogits (for dloss = 1) when the max is taken without keepdims: with N == V it runs and
    subtracts row j's max from column j."""
    shifted = logits - logits.max(axis=1)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = len(targets)
    return -log_probs[np.arange(n), targets].mean()


def ce_mistakes(d, inputs, params, dout, expected):
    logits, targets = inputs
    onehot = np.eye(d["V"])[targets]
    no_keepdims = [] if d["N"] != d["V"] else [(
        "logits.max(axis=1) without keepdims: its (N,) result broadcast along the columns, so column j lost "
        "row j's max; use logits.max(axis=1, keepdims=True)", np.asarray(ce_without_keepdims(logits, targets)))]
    return {"out": no_keepdims, "dx": [
        ("it ignores the upstream gradient dloss: multiply dlogits by it", expected["dx"] / dout),
        ("it is softmax(logits) / N: the target's logit also appears on its own in -log softmax(logits)[target], and that path is missing",
         expected["dx"] + onehot * dout / d["N"]),
    ]}


CROSS_ENTROPY = Unit(
    label="SoftmaxCrossEntropy", target="a1_bigram.cross_entropy:SoftmaxCrossEntropy",
    dims=dims(N=(1, 8), V=(2, 8)), grad_dims=distinct_dims(("N", "V")),
    init=lambda d: {}, params=lambda d, rng: {}, inputs=ce_inputs, out_shape=lambda d: (),
    scalar_output=True, mistakes=ce_mistakes, input_grad="dlogits",
)


def bigram_inputs(d, rng):
    return [with_repeats(rng.integers(0, d["V"], size=(d["N"], 1)).astype(np.int64))]


BIGRAM_NET = Unit(
    label="BigramNet", target="a1_bigram.bigram_net:BigramNet",
    dims=dims(N=(1, 10), V=(2, 8)), grad_dims=distinct_dims(("N", "V")),
    init=lambda d: {"vocab_size": d["V"]},
    params=lambda d, rng: {"W": rng.standard_normal((d["V"], d["V"]))},
    inputs=bigram_inputs, out_shape=lambda d: (d["N"], d["V"]), differentiable=(),
    mistakes=lambda d, inputs, params, dout, expected: {
        "grad:W": repeated_index_mistake(inputs[0][:, 0], dout, (d["V"], d["V"]), "dW")},
    regions=lambda d, inputs: {"grad:W": [(repeated_rows(inputs[0], (d["V"], d["V"])),
                                           "wrong only in rows of W whose token appears more than once in idx: "
                                           "those rows must add up the gradients of every occurrence")]},
)

# reference_loss: the reference's dev loss under exactly this budget (grader.behaviour.calibrate; checked by
# tests/test_calibration.py). The margin of 0.03 absorbs rounding differences between correct implementations
# and BLAS builds, far below what a wrong gradient costs.
BIGRAM_TRAINING = dict(
    block_size=1, dims={"N": 0, "V": 27}, init_seed=0, loss="a1_bigram.cross_entropy:SoftmaxCrossEntropy",
    schedule={"steps": 1500, "batch_size": 128, "lr": 10.0, "lr_after_decay": 10.0, "seed": 1},
    reference_loss=2.4818, threshold=2.4818 + 0.03,
)

FIXTURE_DIMS = {
    "count_bigrams": [{"n_words": 5, "V": 6}, {"n_words": 3, "V": 4}],
    "bigram_probs": [{"V": 5, "smoothing_tenths": 10}, {"V": 3, "smoothing_tenths": 0}],
    "bigram_nll": [{"n_words": 4, "V": 5}, {"n_words": 2, "V": 3}],
    "SoftmaxCrossEntropy": [{"N": 4, "V": 6}, {"N": 1, "V": 3}],
    "BigramNet": [{"N": 7, "V": 5}, {"N": 3, "V": 4}],
}

A1 = Assignment(
    fixture_dims=FIXTURE_DIMS,
    key="a1", package="a1_bigram", title="Bigram: counting, sampling, and a one-layer network",
    checks=[
        *function_checks("count_bigrams", COUNT_BIGRAMS, (6, 6), "counts"),
        Check("bigram_probs.normalised", 5, behaviour.normalisation, BIGRAM_PROBS, "public",
              "rows sum to 1, smoothing keeps every probability positive"),
        *function_checks("bigram_probs", BIGRAM_PROBS, (4, 4), "probabilities"),
        *function_checks("bigram_nll", BIGRAM_NLL, (5, 5), "average NLLs"),
        Check("sample_names.distribution", 10, behaviour.sampling, SAMPLE_NAMES, "public",
              "samples follow P and are reproducible from the seed", timeout=30.0),
        *layer_checks("cross_entropy", CROSS_ENTROPY, (4, 8, 3, 5), "dlogits"),
        Check("cross_entropy.stability", 5, behaviour.stability, CROSS_ENTROPY, "public",
              "finite for logits of 1e4"),
        *layer_checks("bigram_net", BIGRAM_NET, (4, 8, 3, 5), "dW"),
        Check("bigram_net.training", 10, behaviour.training, BIGRAM_NET, "public",
              "trains to the calibrated dev loss with the kit's loop", BIGRAM_TRAINING, timeout=30.0),
    ],
)
