"""Assignment 6, recurrent networks: the masked sequence loss, RNN/GRU/LSTM cells, BPTT, gradient clipping.

Each cell is graded alone with an injected upstream gradient (its single-step forward and backward), then the
sequence model that runs it over time, so a wrong cell costs the cell's points and is named in the model's
failure (depends_on), and a wrong time loop costs the model's points only.

The known mistakes below are recognised by what each would produce. Those that follow from the right answer
(a wrong mean, a missing start gradient) are computed here; those that need a correct backward (a cell or the
time loop with one thing done wrong) by reference/a6_mistakes.py, which only the instructor's grader has: it
would give the solution away. A student's grader names them too on the fixture checks, from the mistakes
``makemore fixtures`` stores beside the answers (grader/fixtures.py).
"""
import numpy as np

from grader import behaviour, checks
from grader.checks import expect_ok
from grader.diagnose import Context, compare_arrays, describe_received
from grader.spec import Assignment, Check, FunctionUnit, Unit
from grader.specs.common import hidden_mistakes, layer_checks, repeated_index_mistake, repeated_rows, with_repeats
from grader.strategies import dims, distinct_dims


# -- the masked sequence loss ----------------------------------------------------------------------------

def loss_inputs(d, rng):
    """logits (B, T, V) and targets (B, T): each row a word of random length, then -1; row 0 always ends
    early when T > 1, so that the mask matters."""
    B, T, V = d["B"], d["T"], d["V"]
    targets = rng.integers(0, V, size=(B, T)).astype(np.int64)
    lengths = rng.integers(1, T + 1, size=B)
    lengths[0] = max(1, T - 1) if T > 1 else 1
    targets[np.arange(T)[None, :] >= lengths[:, None]] = -1
    return [rng.standard_normal((B, T, V)) * 2, targets]


def loss_mistakes(d, inputs, params, dout, expected):
    """The wrong means, from the right answer (the sum over the valid positions is n_valid times the mean); a
    mask forgotten altogether from reference/a6_mistakes.py (hidden)."""
    logits, targets = inputs
    B, T = targets.shape
    n_valid = int((targets != -1).sum())
    out, dx = [], []
    hidden = hidden_mistakes("a6")
    if hidden is not None and n_valid < B * T:
        loss_all, dsum_all = hidden.loss_without_mask(logits, targets)
        out.append(("the positions whose target is -1 are included: numpy reads -1 as the last class; average over "
                    "the valid positions only (targets != -1), as cross_entropy(..., ignore_index=-1) does",
                    np.asarray(loss_all)))
        dx.append(("the positions whose target is -1 are included (as the last class, numpy's -1): their "
                   "dlogits must be exactly 0 and the mean is over the valid positions only",
                   dout * dsum_all / (B * T)))
        dx.append(("dlogits is not 0 at the positions whose target is -1: the mask applies to the backward pass too",
                   dout * dsum_all / n_valid))
    loss, dlogits = expected.get("out"), expected.get("dx")  # (finite differences give dlogits alone)
    sums = []  # (the divisor a student used, what their loss then says, what their dlogits then says)
    if n_valid < B * T:
        sums.append((B * T, "it is the sum over the valid positions divided by B * T (all positions): divide by the "
                     "number of valid positions (targets != -1) instead",
                     "it is divided by B * T (all positions): divide by the number of valid positions (targets != -1)"))
    if n_valid != B:
        sums.append((B, "it is the sum over the valid positions divided by B (a mean over the sequences): the mean "
                     "is over the valid positions (targets != -1)",
                     "it is divided by B (the number of sequences): divide by the number of valid positions "
                     "(targets != -1)"))
    for divisor, about_loss, about_dlogits in sums:
        if loss is not None:
            out.append((about_loss, np.asarray(loss * n_valid / divisor)))
        if dlogits is not None:
            dx.append((about_dlogits, dlogits * n_valid / divisor))
    if loss is not None:
        out.append(("it is the sum over the valid positions, not their mean", np.asarray(loss * n_valid)))
    if dlogits is not None:
        dx.append(("it ignores the upstream gradient dloss: multiply dlogits by it", dlogits / dout))
    return {"out": out, "dx": dx}


SEQUENCE_LOSS = Unit(
    label="SequenceCrossEntropy", target="a6_rnn.sequence_loss:SequenceCrossEntropy",
    dims=dims(B=(1, 5), T=(1, 6), V=(2, 7)), grad_dims=distinct_dims(("B", "T", "V")),
    init=lambda d: {}, params=lambda d, rng: {}, inputs=loss_inputs, out_shape=lambda d: (),
    scalar_output=True, mistakes=loss_mistakes, batch_size=lambda d: 1,
    regions=lambda d, inputs: {"dx": [(np.broadcast_to((inputs[1] == -1)[..., None], (d["B"], d["T"], d["V"])),
                                       "wrong only at the padded positions (target -1): dlogits must be exactly 0 "
                                       "there, since the loss leaves them out; the mask applies to backward too")]},
)


# -- cells, with the mistakes a student makes (each a flag of reference/a6_mistakes.py's cells) ------------

CELL_MISTAKES = {
    "rnn": {"preact": "the tanh derivative uses the pre-activation a = xh @ W + b: write it with the output h = tanh(a), "
                      "the cell's output (cache h, not a)"},
    "gru": {
        "preact": "the gates' derivatives use their pre-activations: sigmoid' = s * (1 - s) and tanh' = 1 - t**2 "
                  "with s, t the gates' outputs (cache r, z, hbar, not what goes into sigmoid/tanh)",
        "preact_r": "the reset gate's derivative uses its pre-activation: it is r * (1 - r) with r = sigmoid(...)",
        "preact_z": "the update gate's derivative uses its pre-activation: it is z * (1 - z) with z = sigmoid(...)",
        "preact_hbar": "the candidate's derivative uses its pre-activation: it is 1 - hbar**2 with hbar = tanh(...)",
        "z_one_path_hbar": "dz misses the path through (1 - z) * h_prev: z appears twice in h = (1 - z) * h_prev + "
                           "z * hbar, and a variable used twice receives the sum of both gradients",
        "z_one_path_hprev": "dz misses the path through z * hbar: z appears twice in h = (1 - z) * h_prev + z * hbar, "
                            "and a variable used twice receives the sum of both gradients",
        "no_direct": "dh_prev misses the direct path dh * (1 - z) (from h = (1 - z) * h_prev + ...)",
        "no_reset_path": "dh_prev misses the path through the reset gate's product r * h_prev (dxhr[:, D:] * r)",
        "no_gate_paths": "dh_prev has only the direct path dh * (1 - z): h_prev also feeds the gates r and z and "
                         "the candidate hbar (the h_prev columns of dxh and dxhr)",
    },
    "lstm": {
        "preact": "the gates' derivatives use their pre-activations: sigmoid' = s * (1 - s) and tanh' = 1 - t**2 "
                  "with s, t the gates' outputs i, f, g, o (cache the outputs)",
        "tanh_c_preact": "the derivative of tanh(c) is written 1 - c**2: tanh's derivative is written with its output, tanh(c), not with c",
        "dc_no_h_path": "dc_t misses the path through h_t = o * tanh(c_t): c_t is used twice (by h_t and by step t+1) and receives the sum of both",
        "dc_ignored": "the incoming dc (from step t+1) is ignored: c_t is used twice (by h_t and by step t+1) and receives the sum of both",
        "no_forget_path": "dc_prev is missing: c_{t-1} reaches c_t through the forget gate (the product f * c_{t-1})",
        "forget_path_without_f": "dc_prev is dc_t without the forget gate: c_t = f * c_{t-1} + ..., and in a product the local derivative is the other factor",
    },
}


def cell_params(kind, D, H, rng):
    if kind == "rnn":
        return {"W": rng.standard_normal((D + H, H)) * 0.5, "b": rng.standard_normal(H) * 0.2}
    if kind == "gru":
        return {k: rng.standard_normal((D + H, H)) * 0.5 if k[0] == "W" else rng.standard_normal(H) * 0.2
                for k in ("W_z", "b_z", "W_r", "b_r", "W_hbar", "b_hbar")}
    return {"W": rng.standard_normal((D + H, 4 * H)) * 0.5, "b": rng.standard_normal(4 * H) * 0.2}


def cell_inputs(kind):
    def inputs(d, rng):
        B, D, H = d["B"], d["D"], d["H"]
        state = [rng.standard_normal((B, D)), np.tanh(rng.standard_normal((B, H)) * 1.5)]
        if kind == "lstm":
            state.append(rng.standard_normal((B, H)))
        return state
    return inputs


def cell_mistakes(kind):
    def mistakes(d, inputs, params, dout, expected):
        found: dict = {}
        hidden = hidden_mistakes("a6")
        for mistake, description in CELL_MISTAKES[kind].items() if hidden is not None else ():
            for key, value in hidden.cell_backward(kind, params, inputs, dout, mistake).items():
                found.setdefault(key, []).append((description, value))
        if kind != "lstm":  # dx and dh_prev swapped in the split of dxh: possible only when D == H
            found.setdefault("dx", []).append(("dx and dh_prev are swapped: dxh[:, :D] is dx (x comes first in "
                                               "[x, h_prev]), dxh[:, D:] is dh_prev", expected.get("dh_prev")))
        return {k: [(text, v) for text, v in pairs if v is not None] for k, pairs in found.items()}
    return mistakes


def cell_unit(kind, label, target):
    B_D_H = ("B", "D", "H")
    return Unit(
        label=label, target=target,
        dims=dims(B=(1, 5), D=(1, 5), H=(1, 5)), grad_dims=distinct_dims(B_D_H, high=7),
        init=lambda d: {"n_embd": d["D"], "n_embd2": d["H"]},
        params=lambda d, rng: cell_params(kind, d["D"], d["H"], rng), inputs=cell_inputs(kind),
        out_shape=(lambda d: ((d["B"], d["H"]), (d["B"], d["H"]))) if kind == "lstm" else (lambda d: (d["B"], d["H"])),
        differentiable=(0, 1, 2) if kind == "lstm" else (0, 1),
        grad_names=("dx", "dh_prev", "dc_prev") if kind == "lstm" else ("dx", "dh_prev"),
        out_names=("h", "c") if kind == "lstm" else (), mistakes=cell_mistakes(kind),
        batch_size=lambda d: d["B"],
    )


RNN_CELL = cell_unit("rnn", "RNNCell", "a6_rnn.rnn_cell:RNNCell")
GRU_CELL = cell_unit("gru", "GRUCell", "a6_rnn.gru_cell:GRUCell")
LSTM_CELL = cell_unit("lstm", "LSTMCell", "a6_rnn.lstm_cell:LSTMCell")


# -- the sequence model and backpropagation through time -------------------------------------------------

def model_params(kind):
    def params(d, rng):
        V, D, H = d["V"], d["D"], d["H"]
        p = {"wte": rng.standard_normal((V, D)), "start": rng.standard_normal((1, H)) * 0.5}
        if kind == "lstm":
            p["start_c"] = rng.standard_normal((1, H)) * 0.5
        p.update({f"cell.{k}": v for k, v in cell_params(kind, D, H, rng).items()})
        p.update({"lm_head_W": rng.standard_normal((H, V)) * 0.5, "lm_head_b": rng.standard_normal(V) * 0.2})
        return p
    return params


TIME_LOOP_MISTAKES = {
    "reversed_forward": "time runs backwards in forward: step t must use h_{t-1} from step t - 1, starting at t = 0 "
                        "from start (loop t = 0..T-1)",
    "truncated": "the gradient from step t+1 into h_t is dropped (backpropagation truncated to one step): each "
                 "step's cell must get dh = dhs[:, t] + the dh_prev returned by step t+1",
    "overwrite_first": "the cell's gradients are overwritten at each step instead of summed over time: only the "
                       "last step processed (t = 0) is left; add every step's grads",
    "overwrite_last": "the cell's gradients are kept from one step only instead of summed over time: add every "
                      "step's grads",
    "forward_order": "backward walks time forwards: go from t = T-1 down to 0 (reversed(range(T))), passing each "
                     "step's dh_prev to the step before it",
    "no_dc_carry": "the cell-state gradient dc is not carried from step t+1 to step t: pass each step's dc_prev "
                   "to the step before it (and dc_prev of step 0 to start_c)",
}


def model_mistakes(kind):
    def mistakes(d, inputs, params, dout, expected):
        idx = inputs[0]
        found: dict = {}
        hidden = hidden_mistakes("a6")
        if hidden is not None:
            loops = [m for m in TIME_LOOP_MISTAKES if m != "no_dc_carry" or kind == "lstm"]
            for mistake in loops:
                wrong = hidden.run_model(kind, params, idx, dout, time_loop=mistake)
                for key, value in wrong.items():
                    if key.startswith("grad:") or (key == "out" and mistake == "reversed_forward"):
                        found.setdefault(key, []).append((TIME_LOOP_MISTAKES[mistake], value))
            demb = hidden.run_model(kind, params, idx, dout)["demb"]
            found.setdefault("grad:wte", []).extend(repeated_index_mistake(idx, demb, params["wte"].shape, "dwte"))
        found.setdefault("grad:start", []).append((
            "the start state's gradient is missing: start is h_0, so its gradient is the dh_prev that step 0 "
            "returns, summed over the batch", np.zeros_like(params["start"])))
        if expected.get("grad:start") is not None:
            found["grad:start"].append((
                "the start state's gradient is the mean over the batch: start is broadcast to every row, so its "
                "gradient is the sum of step 0's dh_prev over the batch", expected["grad:start"] / idx.shape[0]))
        return found
    return mistakes


def token_sequences(d, rng):
    return [with_repeats(rng.integers(0, d["V"], size=(d["B"], d["T"])).astype(np.int64))]


MODEL_DIMS = ("B", "T", "V", "D", "H")


def model_unit(kind, label):
    cell_label = {"rnn": "RNNCell", "gru": "GRUCell", "lstm": "LSTMCell"}[kind]
    return Unit(
        label=label, target="a6_rnn.rnn:RNN",
        dims=dims(B=(1, 4), T=(1, 5), V=(2, 6), D=(1, 4), H=(1, 5)),
        # T >= 3: a truncated or reversed time loop differs from the right one only from three steps on
        grad_dims=distinct_dims(MODEL_DIMS, low=3 if kind == "lstm" else 2, high=7 if kind == "lstm" else 7)
        .filter(lambda d: d["T"] >= 3),
        init=lambda d: {"vocab_size": d["V"], "n_embd": d["D"], "n_embd2": d["H"], "cell_type": kind,
                        "block_size": d["T"]},
        params=model_params(kind), inputs=token_sequences, out_shape=lambda d: (d["B"], d["T"], d["V"]),
        differentiable=(), mistakes=model_mistakes(kind), batch_size=lambda d: d["B"],
        regions=lambda d, inputs: {"grad:wte": [(repeated_rows(inputs[0], (d["V"], d["D"])),
                                                 "wrong only in rows of wte whose token appears more than once")]},
        # RNN[gru] and RNN[lstm] run your RNN's time loop with another cell: a failure of either explains theirs
        depends_on=(cell_label,) if kind == "rnn" else (cell_label, "RNN"),
    )


RNN_MODEL = model_unit("rnn", "RNN")
GRU_MODEL = model_unit("gru", "RNN[gru]")
LSTM_MODEL = model_unit("lstm", "RNN[lstm]")


# -- gradient clipping -----------------------------------------------------------------------------------

CLIP = FunctionUnit(label="clip_grad_norm", target="a6_rnn.clip:clip_grad_norm", dims=dims(), args=lambda d, rng: [],
                    result="scalar")

CLIP_CASES = [  # (shapes of the grads, scale of their values, max_norm): below, above, many arrays
    ({"W": (3, 4), "b": (4,)}, 0.1, 5.0),
    ({"W": (3, 4), "b": (4,), "wte": (5, 2)}, 2.0, 1.0),
    ({"a": (2, 3, 2), "b": (7,)}, 3.0, 2.5),
]


def clipping(check: Check, rt) -> tuple[str, str]:
    """clip_grad_norm returns the global norm before clipping and scales every array in place by
    max_norm / (norm + 1e-6) when the norm exceeds max_norm (torch.nn.utils.clip_grad_norm_)."""
    unit = check.unit
    rng = np.random.default_rng(5)
    for shapes, scale, max_norm in CLIP_CASES:
        grads = {k: rng.standard_normal(s) * scale for k, s in shapes.items()}
        header = {"label": unit.label, "target": unit.target, "return_args": True,
                  "args": [{"arrays": {k: f"g:{k}" for k in grads}}, {"json": max_norm}]}
        reply = expect_ok(rt.request("call", header, {f"g:{k}": v for k, v in grads.items()}, timeout=check.timeout))
        meta = reply.header["results"][0]
        norm = float(np.sqrt(sum((g**2).sum() for g in grads.values())))
        coef = min(1.0, max_norm / (norm + 1e-6))
        sizes = f"(grads of shapes {list(shapes.values())}, max_norm={max_norm})"
        if meta.get("kind") != "scalar" and not (meta.get("kind") == "array" and meta.get("shape") == []):
            return "failed", f"clip_grad_norm should return the norm as a float, but returned {describe_received(meta)} {sizes}"
        got_norm = float(meta["value"]) if meta.get("kind") == "scalar" else float(reply.arrays["out0"])
        per_array = max(float(np.sqrt((g**2).sum())) for g in grads.values())
        if not np.isclose(got_norm, norm, rtol=1e-9):
            if np.isclose(got_norm, norm * coef, rtol=1e-6) and coef < 1:
                why = "it is the norm after clipping: return the norm before clipping, as torch's clip_grad_norm_ does"
            elif np.isclose(got_norm, norm**2, rtol=1e-9):
                why = "it is the squared norm: take the square root of the sum of squares"
            elif np.isclose(got_norm, per_array, rtol=1e-9):
                why = "it is one array's norm: the global norm is sqrt of the sum of squares over all arrays together"
            else:
                why = "the global norm is sqrt(sum over every array and entry of g**2)"
            return "failed", f"clip_grad_norm returned {got_norm:.6g}, expected the global norm {norm:.6g}: {why} {sizes}"
        for k, g in grads.items():
            after_meta = reply.header.get("args_after", {}).get(f"0:{k}", {})
            if after_meta.get("kind") != "array" or tuple(after_meta.get("shape", ())) != g.shape:
                return "failed", f"grads[{k!r}] is not an array of shape {g.shape} after clip_grad_norm {sizes}"
            after = reply.arrays[f"arg0:{k}"]
            if coef < 1:
                mistakes = [("the gradients were not changed: scale every array in place (g *= coef), not a copy", g),
                            ("each array was clipped by its own norm: use one global norm for all arrays",
                             g * min(1.0, max_norm / (np.sqrt((g**2).sum()) + 1e-6)))]
            else:
                mistakes = [("the arrays were scaled although the norm is below max_norm: scale only when the norm "
                             "exceeds it (coef = min(1, max_norm / (norm + 1e-6)))", g * max_norm / (norm + 1e-6))]
            problem = compare_arrays(f"grads[{k!r}] after clip_grad_norm", g * coef, after,
                                     Context(known_mistakes=mistakes), rtol=1e-9, atol=1e-12)
            if problem:
                return "failed", f"{problem}\n    {sizes}"
    return "passed", ""


# -- training --------------------------------------------------------------------------------------------

def training_init(d, rng):
    """The model's own initialisation (makemore.py's: nn.Linear's uniform, N(0, 1) embeddings, zero start)."""
    V, D, H = d["V"], d["D"], d["H"]
    bound = 1 / (D + H) ** 0.5
    return {"wte": rng.standard_normal((V, D)), "start": np.zeros((1, H)),
            "cell.W": rng.uniform(-bound, bound, (D + H, H)), "cell.b": rng.uniform(-bound, bound, H),
            "lm_head_W": rng.uniform(-H**-0.5, H**-0.5, (H, V)), "lm_head_b": rng.uniform(-H**-0.5, H**-0.5, V)}


TRAINING_UNIT = Unit(**{**RNN_MODEL.__dict__, "params": training_init})

# reference_loss: the reference's test loss under exactly this budget (grader.behaviour.calibrate; checked by
# tests/test_calibration.py); the margin as in a1/a2. A small RNN and AdamW keep the check to a few seconds.
RNN_TRAINING = dict(
    block_size=16, data="sequence", dims={"B": 0, "T": 16, "V": 27, "D": 16, "H": 32}, init_seed=0,
    loss="a6_rnn.sequence_loss:SequenceCrossEntropy",
    schedule={"steps": 400, "batch_size": 32, "lr": 1e-2, "lr_after_decay": 1e-2, "seed": 1,
              "optimizer": "adamw", "weight_decay": 0.01},
    reference_loss=2.2498, threshold=2.2498 + 0.03,
)

# the sizes the GRU and LSTM models' hidden checks try first (they have no stored examples): RNN's
ORDINARY_MODEL_DIMS = [{"B": 2, "T": 4, "V": 5, "D": 3, "H": 6}]

FIXTURE_DIMS = {
    "SequenceCrossEntropy": [{"B": 3, "T": 4, "V": 5}],
    "RNNCell": [{"B": 3, "D": 2, "H": 4}],
    "GRUCell": [{"B": 3, "D": 2, "H": 4}],
    "LSTMCell": [{"B": 3, "D": 2, "H": 4}],
    "RNN": [{"B": 2, "T": 4, "V": 5, "D": 3, "H": 6}],
}

A6 = Assignment(
    fixture_dims=FIXTURE_DIMS,
    key="a6", package="a6_rnn", title="Recurrent nets: RNN, GRU, LSTM and backpropagation through time",
    checks=[
        *layer_checks("sequence_loss", SEQUENCE_LOSS, (3, 5, 3, 3), "dlogits (masked mean)"),
        *layer_checks("rnn_cell", RNN_CELL, (2, 5, 3, 3), "dx, dh_prev, grads['W'] and grads['b']"),
        *layer_checks("gru_cell", GRU_CELL, (2, 6, 3, 4), "dx, dh_prev and the six gate gradients"),
        *layer_checks("lstm_cell", LSTM_CELL, (2, 6, 3, 4), "dx, dh_prev, dc_prev, grads['W'] and grads['b']"),
        Check("clip_grad_norm.behaviour", 5, clipping, CLIP, "public",
              "returns the global norm and scales every gradient in place when it is above max_norm"),
        *layer_checks("rnn", RNN_MODEL, (2, 6, 3, 3), "every gradient through time (with your RNNCell)"),
        # fewer examples than a layer's: each runs the whole time loop, and the RNN checks above cover the loop
        Check("rnn_gru.gradcheck", 4, checks.gradcheck, GRU_MODEL, "public",
              "every gradient through time with your GRUCell matches finite differences", {"examples": 2}),
        Check("rnn_gru.reference", 3, checks.agreement, GRU_MODEL, "hidden",
              "forward and gradients with your GRUCell match the reference", {"source": "reference", "examples": 5, "ordinary_dims": ORDINARY_MODEL_DIMS}),
        Check("rnn_lstm.gradcheck", 4, checks.gradcheck, LSTM_MODEL, "public",
              "every gradient through time (h and c) with your LSTMCell matches finite differences", {"examples": 2}),
        Check("rnn_lstm.reference", 3, checks.agreement, LSTM_MODEL, "hidden",
              "forward and gradients with your LSTMCell match the reference", {"source": "reference", "examples": 5, "ordinary_dims": ORDINARY_MODEL_DIMS}),
        Check("rnn.training", 10, behaviour.training, TRAINING_UNIT, "public",
              "trains to the calibrated test loss with the kit's loop (AdamW, your SequenceCrossEntropy)",
              RNN_TRAINING, timeout=40.0),
    ],
)
