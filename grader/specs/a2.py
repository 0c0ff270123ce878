"""Assignment 2, MLP: Embedding, Linear, Tanh and the Bengio et al. (2003) language model."""
import numpy as np

from grader import behaviour
from grader.spec import Assignment, Check, Unit
from grader.specs.common import layer_checks, repeated_index_mistake, repeated_rows, with_repeats
from grader.strategies import dims, distinct_dims


def token_ids(d, rng):
    return [with_repeats(rng.integers(0, d["V"], size=(d["N"], d["T"])).astype(np.int64))]


EMBEDDING = Unit(
    label="Embedding", target="a2_mlp.embedding:Embedding",
    dims=dims(N=(1, 6), T=(1, 4), V=(2, 8), D=(1, 5)), grad_dims=distinct_dims(("N", "T", "V", "D")),
    init=lambda d: {"num_embeddings": d["V"], "embedding_dim": d["D"]},
    params=lambda d, rng: {"weight": rng.standard_normal((d["V"], d["D"]))},
    inputs=token_ids, out_shape=lambda d: (d["N"], d["T"], d["D"]), differentiable=(),
    mistakes=lambda d, inputs, params, dout, expected: {
        "grad:weight": repeated_index_mistake(inputs[0], dout, (d["V"], d["D"]), "dweight")},
    regions=lambda d, inputs: {"grad:weight": [(repeated_rows(inputs[0], (d["V"], d["D"])),
                                                "wrong only in rows whose token appears more than once in idx: "
                                                "those rows must add up the gradients of every occurrence")]},
)


def linear_mistakes(d, inputs, params, dout, expected):
    x, W = inputs[0], params["weight"]
    return {
        "out": [("it is x @ weight: the bias is not added (out = x @ weight + bias)", x @ W)],
        "dx": [("it is dout @ weight: for out = x @ weight the input gradient must have x's shape, and each x[i, j] meets row j of weight (the rule of a matrix product: transpose the other factor)",
                dout @ W if W.shape[0] == W.shape[1] else np.zeros((0,)))],
        "grad:bias": [("it is the mean of dout over the batch; the bias gradient is the sum", dout.mean(axis=0))],
    }


LINEAR = Unit(
    label="Linear", target="a2_mlp.linear:Linear",
    dims=dims(N=(1, 6), fan_in=(1, 6), fan_out=(1, 6)), grad_dims=distinct_dims(("N", "fan_in", "fan_out")),
    init=lambda d: {"fan_in": d["fan_in"], "fan_out": d["fan_out"]},
    params=lambda d, rng: {"weight": rng.standard_normal((d["fan_in"], d["fan_out"])),
                           "bias": rng.standard_normal(d["fan_out"])},
    inputs=lambda d, rng: [rng.standard_normal((d["N"], d["fan_in"]))],
    out_shape=lambda d: (d["N"], d["fan_out"]), mistakes=linear_mistakes,
)


def tanh_mistakes(d, inputs, params, dout, expected):
    x = inputs[0]
    return {"dx": [
        ("dx equals dout: the local derivative of tanh is missing (chain rule: upstream times local)", dout),
        ("it is the local derivative alone: multiply by dout (chain rule: upstream times local)", 1 - np.tanh(x)**2),
        ("it is dout * (1 - x**2): the derivative uses the output tanh(x), not the input x", dout * (1 - x**2)),
        ("it is dout * (1 - tanh(x)): differentiate tanh = sinh / cosh again, the result has tanh squared", dout * (1 - np.tanh(x))),
        ("it squares the whole difference 1 - tanh(x): square tanh(x) alone",
         dout * (1 - np.tanh(x))**2),
    ]}


TANH = Unit(
    label="Tanh", target="a2_mlp.tanh:Tanh",
    dims=dims(N=(1, 6), D=(1, 6)), grad_dims=distinct_dims(("N", "D")),
    init=lambda d: {}, params=lambda d, rng: {},
    inputs=lambda d, rng: [rng.standard_normal((d["N"], d["D"])) * 1.5],
    out_shape=lambda d: (d["N"], d["D"]), mistakes=tanh_mistakes,
)


def mlp_params(d, rng):
    V, T, D, H = d["V"], d["T"], d["D"], d["H"]
    return {"C": rng.standard_normal((V, D)), "W1": rng.standard_normal((T * D, H)) * 0.5,
            "b1": rng.standard_normal(H) * 0.1, "W2": rng.standard_normal((H, V)) * 0.5,
            "b2": rng.standard_normal(V) * 0.1}


def lecture_init(d, rng):
    """The lecture's initialisation, used to start the training check from the same point for everyone."""
    V, T, D, H = d["V"], d["T"], d["D"], d["H"]
    return {"C": rng.standard_normal((V, D)), "W1": rng.standard_normal((T * D, H)) * (5 / 3) / (T * D) ** 0.5,
            "b1": rng.standard_normal(H) * 0.01, "W2": rng.standard_normal((H, V)) * 0.01, "b2": np.zeros(V)}


def mlp_mistakes(d, inputs, params, dout, expected):
    """dC from C[idx] = demb (assignment) instead of a scatter-add; demb from the other layers done right.
    The output with the embeddings flattened in Fortran order (each row's vectors interleaved)."""
    idx = inputs[0]
    h = np.tanh(params["C"][idx].reshape(len(idx), -1) @ params["W1"] + params["b1"])
    demb = (((dout @ params["W2"].T) * (1 - h**2)) @ params["W1"].T).reshape(*idx.shape, -1)
    h_fortran = np.tanh(params["C"][idx].reshape(len(idx), -1, order="F") @ params["W1"] + params["b1"])
    interleaved = [] if d["T"] == 1 or d["D"] == 1 else [(
        "the embeddings were flattened in the wrong order (Fortran order, or a transpose before the reshape): "
        "emb.reshape(N, -1) puts each position's D numbers side by side, [e0, e1, ...]", h_fortran @ params["W2"] + params["b2"])]
    return {"grad:C": repeated_index_mistake(idx, demb, params["C"].shape, "dC"), "out": interleaved}


MLP_DIMS = ("N", "V", "T", "D", "H")
MLP = Unit(
    label="MLP", target="a2_mlp.mlp:MLP",
    dims=dims(N=(1, 6), V=(2, 8), T=(1, 4), D=(1, 4), H=(1, 8)), grad_dims=distinct_dims(MLP_DIMS, high=7),
    init=lambda d: {"vocab_size": d["V"], "block_size": d["T"], "n_embd": d["D"], "n_hidden": d["H"]},
    params=mlp_params, inputs=token_ids, out_shape=lambda d: (d["N"], d["V"]), differentiable=(),
    mistakes=mlp_mistakes, regions=lambda d, inputs: {"grad:C": [(repeated_rows(inputs[0], (d["V"], d["D"])),
                                           "wrong only in rows of C whose token appears more than once")]},
    depends_on=("Embedding", "Linear", "Tanh"),
)
TRAINING_UNIT = Unit(**{**MLP.__dict__, "params": lecture_init})

# reference_loss: the reference's dev loss under exactly this budget (see grader/specs/a1.py for the margin).
# A smaller hidden layer than the lecture's keeps the check to about a second.
MLP_TRAINING = dict(
    block_size=3, dims={"N": 0, "V": 27, "T": 3, "D": 10, "H": 64}, init_seed=0,
    loss="a1_bigram.cross_entropy:SoftmaxCrossEntropy",
    schedule={"steps": 3000, "batch_size": 32, "lr": 0.1, "lr_after_decay": 0.1, "seed": 1},
    reference_loss=2.3384, threshold=2.3384 + 0.03,
)


FIXTURE_DIMS = {
    "Embedding": [{"N": 3, "T": 2, "V": 5, "D": 4}],
    "Linear": [{"N": 3, "fan_in": 4, "fan_out": 5}],
    "Tanh": [{"N": 3, "D": 4}],
    "MLP": [{"N": 4, "V": 6, "T": 3, "D": 2, "H": 5}],
}

A2 = Assignment(
    fixture_dims=FIXTURE_DIMS,
    key="a2", package="a2_mlp", title="MLP: embeddings, a hidden layer, backprop by hand",
    requires=("a1_bigram",),
    checks=[
        *layer_checks("embedding", EMBEDDING, (4, 6, 3, 5), "grads['weight']"),
        *layer_checks("linear", LINEAR, (4, 8, 3, 5), "dx, grads['weight'] and grads['bias']",
                      # square: dout @ weight (no .T) runs and can be named instead of crashing
                      first_dims=({"N": 3, "fan_in": 4, "fan_out": 4},)),
        *layer_checks("tanh", TANH, (3, 4, 2, 3), "dx"),
        Check("tanh.stability", 2, behaviour.stability, TANH, "public", "finite for inputs of a few hundreds"),
        *layer_checks("mlp", MLP, (4, 10, 3, 9), "all five gradients"),
        Check("mlp.training", 22, behaviour.training, TRAINING_UNIT, "public",
              "trains to the calibrated dev loss with the kit's loop (uses your a1 SoftmaxCrossEntropy)",
              MLP_TRAINING, timeout=30.0),
    ],
)
