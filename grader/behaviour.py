"""Checks of behaviour rather than of one array: stable losses, normalised probabilities, faithful sampling,
and a model that learns. Same signature as grader/checks.py: (check, runtime) -> (status, message)."""
from __future__ import annotations

import numpy as np

from grader.checks import (StudentError, call_request, expect_ok, layer_request, load_reference,
                           read_function_result, read_layer_reply, reference_available, training_data)
from grader.diagnose import check_array_type, describe_received
from grader.spec import Check, Rng


def stability(check: Check, rt) -> tuple[str, str]:
    """A loss layer stays finite for logits as large as 1e4 (options: scale)."""
    unit = check.unit
    rng = np.random.default_rng(7)
    N, V = 5, 7
    logits = rng.standard_normal((N, V)) * check.options.get("scale", 1e4)
    targets = rng.integers(0, V, size=N)
    reply = expect_ok(rt.request("layer", *layer_request(unit, {"N": N, "V": V}, {}, [logits, targets], 1.0),
                                 timeout=check.timeout))
    got = read_layer_reply(unit, {"N": N, "V": V}, reply, {}, [logits, targets], backward=True)
    loss, dlogits = float(got["out"]), got["dx"]
    shown = "NaN" if np.isnan(loss) else f"{loss:.4g}"
    finite_grad = bool(np.all(np.isfinite(dlogits)))
    if finite_grad and not np.isfinite(loss) and np.max(np.abs(dlogits.sum(axis=1))) <= 1e-8:
        return "failed", (f"with logits of size ~1e4 dlogits is fine but the loss is {shown}: log(0). A probability "
                          "underflowed to 0 before its log was taken; compute the log-probabilities directly, "
                          "shifted - log(sum(exp(shifted))) with shifted = logits - each row's max, not log(softmax)")
    if not np.isfinite(loss) or not finite_grad:
        bad = int((~np.isfinite(dlogits)).sum())
        kind = "NaN" if np.isnan(dlogits).any() else "inf"
        return "failed", (f"with logits of size ~1e4 the loss is {shown}"
                          + (f" and dlogits has {bad} {kind} entries" if bad else "") + ": exp overflowed. "
                          "Subtract each row's max from the logits before exp (it does not change the softmax)")
    if loss < 0:
        return "failed", f"the loss is negative ({loss:.4g}); a cross-entropy is never below 0"
    if np.max(np.abs(dlogits.sum(axis=1))) > 1e-8:
        return "failed", "each row of dlogits should sum to 0 (softmax minus one-hot), but does not for large logits"
    return "passed", ""


def normalisation(check: Check, rt) -> tuple[str, str]:
    """bigram_probs: rows sum to 1, every probability positive when smoothing > 0, order of counts kept."""
    unit = check.unit
    rng = np.random.default_rng(11)
    V = 6
    counts = rng.integers(0, 40, size=(V, V)).astype(np.int64)
    counts[2, 3] = 0
    smoothing = 0.5
    reply = expect_ok(rt.request("call", *call_request(unit, [counts, smoothing]), timeout=check.timeout))
    P = read_function_result(unit, {"V": V}, reply.header["results"][0], reply.arrays, "out0")
    rows, cols = P.sum(axis=1), P.sum(axis=0)
    if not np.allclose(rows, 1.0, atol=1e-9):
        if np.allclose(cols, 1.0, atol=1e-9):
            return "failed", "the columns of P sum to 1, not the rows: normalise along axis=1 (with keepdims=True)"
        return "failed", (f"the rows of P should sum to 1 but sum to {np.round(rows, 4).tolist()}: divide each "
                          "row by its own sum, counts.sum(axis=1, keepdims=True) (without keepdims the division "
                          "broadcasts along the wrong axis)")
    if np.any(P <= 0):
        return "failed", "some probabilities are 0 although smoothing=0.5 > 0: add the smoothing to every count"
    order_ok = all(np.all(np.diff(P[a][np.argsort(counts[a], kind="stable")]) >= -1e-12) for a in range(V))
    if not order_ok:
        return "failed", "a larger count should never get a smaller probability within a row"
    return "passed", ""


def sampling(check: Check, rt) -> tuple[str, str]:
    """sample_names follows P (a chi-square test per row on thousands of names) and is reproducible from the
    generator it is given. Deterministic: fixed P, seed and sample size."""
    unit = check.unit
    itos = [".", "a", "b", "c", "d", "e"]
    V = len(itos)
    rng = np.random.default_rng(3)
    P = rng.dirichlet(np.full(V, 0.7), size=V)
    P[:, 0] = np.maximum(P[:, 0], 0.2)  # names end soon enough
    P[0, 0] = 0.0                      # and are never empty
    P[1, 2] = 0.0                      # 'b' never follows 'a': a tell-tale for a transposed P
    P /= P.sum(axis=1, keepdims=True)
    num = check.options.get("num", 3000)
    try:
        reply = expect_ok(rt.request("call", *call_request(unit, [P, itos, num, Rng(1234)], repeat=2),
                                     timeout=check.timeout))
    except StudentError as err:
        if "do not sum to 1" in err.message:  # P's rows sum to 1, its columns do not
            err.message += "\n    hint: sample from the row P[ix], not from a column P[:, ix]"
        raise
    names = [read_function_result(unit, {}, meta, reply.arrays, f"out{i}") for i, meta in enumerate(reply.header["results"])]
    first, second = names
    if len(first) != num:
        return "failed", f"asked for {num} names, got {len(first)}"
    if first != second:
        return "failed", ("two calls with generators of the same seed gave different names: draw every random "
                          "number from the rng argument (rng.choice(V, p=P[ix])), not from np.random or random")
    stoi = {ch: i for i, ch in enumerate(itos)}
    counts = np.zeros((V, V))
    for name in first:
        if any(ch not in stoi or ch == "." for ch in name):
            return "failed", f"the name {name!r} has characters outside the vocabulary (or a '.' inside)"
        ids = [0] + [stoi[ch] for ch in name] + [0]
        for a, b in zip(ids, ids[1:]):
            counts[a, b] += 1
    for a in range(V):
        n = counts[a].sum()
        if n < 50:
            continue
        impossible = (P[a] == 0) & (counts[a] > 0)
        if impossible.any():
            b = int(np.argmax(impossible))
            return "failed", (f"{itos[b]!r} was sampled after {itos[a]!r} {int(counts[a, b])} times although "
                              f"P[{a}, {b}] = 0: are you sampling from a column of P instead of row P[ix]?")
        expected = n * P[a]
        keep = expected > 0
        chi2 = float((((counts[a] - expected) ** 2)[keep] / expected[keep]).sum())
        dof = int(keep.sum()) - 1
        z = (chi2 - dof) / np.sqrt(2 * dof)
        if z > 8:
            freq = np.round(counts[a] / n, 3).tolist()
            return "failed", (f"after {itos[a]!r} the next characters do not follow P[{a}]: sampled frequencies "
                              f"{freq} vs P[{a}] = {np.round(P[a], 3).tolist()} (chi-square {chi2:.0f} on {dof} "
                              "degrees of freedom)")
    return "passed", ""


def training(check: Check, rt) -> tuple[str, str]:
    """Train the student's model with the kit's loop, fixed initial parameters, data and minibatches; the
    dev loss must reach the calibrated threshold. Where the reference is installed, the dev loss is computed
    here with the reference's forward on the parameters the student's training produced, so nothing the
    student's process reports about its own loss is trusted."""
    opts = check.options
    unit = check.unit
    splits = training_data(opts["block_size"])
    dims = opts["dims"]
    params = unit.params(dims, np.random.default_rng(opts.get("init_seed", 0)))
    header = {"label": unit.label, "target": unit.target, "init": unit.init(dims), "loss": opts["loss"],
              "loss_label": opts["loss"].rpartition(":")[2], "schedule": opts["schedule"]}
    if opts.get("buffers"):  # a model with running statistics: send them back for the evaluation in eval mode
        header["buffers"] = list(opts["buffers"])
    arrays = {f"param:{k}": v for k, v in params.items()}
    arrays.update(Xtr=splits.train[0], Ytr=splits.train[1], Xdev=splits.dev[0], Ydev=splits.dev[1])
    reply = expect_ok(rt.request("train", header, arrays, timeout=check.timeout))
    trained = {}
    for name, value in params.items():
        meta = reply.header.get("params", {}).get(name, {})
        problem = check_array_type(f"{unit.label}.params[{name!r}] after training", meta, value.shape)
        if problem:
            return "failed", problem
        trained[name] = reply.arrays["param:" + name]
        if not np.all(np.isfinite(trained[name])):
            return "failed", f"training made {unit.label}.params[{name!r}] NaN/inf: a gradient is far too large"
    buffers = {}
    for name in opts.get("buffers", ()) if reference_available() else ():
        meta = reply.header.get("buffers", {}).get(name, {})
        problem = check_array_type(f"{unit.label}.buffers[{name!r}] after training", meta,
                                   params_shape_of_buffer(name, unit, dims))
        if problem:
            return "failed", problem
        buffers[name] = reply.arrays["buffer:" + name]
    if reference_available():  # even with public_only: never take the student's process's word for it
        dev_loss = reference_dev_loss(unit, dims, trained, opts["loss"], splits.dev, buffers)
    else:
        dev_loss = reply.header.get("dev_loss")
        if type(dev_loss) is not float:
            return "failed", f"could not read the dev loss ({describe_received({'kind': 'other', 'type': type(dev_loss).__name__})})"
    threshold = opts["threshold"]
    steps = opts["schedule"]["steps"]
    summary = (f"dev loss {dev_loss:.4f} after {steps} steps (threshold {threshold:.4f}; the reference reaches "
               f"{opts['reference_loss']:.4f} with the same budget)")
    if np.isfinite(dev_loss) and dev_loss <= threshold:
        return "passed", summary
    return "failed", summary + ": the model does not learn as it should even though it may pass the other checks; look at the gradients' scale"


def params_shape_of_buffer(name: str, unit, dims) -> tuple:
    """The shape of a buffer of the reference model built with these sizes."""
    return load_reference(unit.target)(**unit.init(dims)).buffers[name].shape


def reference_dev_loss(unit, dims, params, loss_target, dev, buffers=None) -> float:
    """The dev loss of the reference model holding the student's trained parameters (and running statistics:
    the evaluation runs in eval mode, as grader.training.evaluate does)."""
    from grader.training import evaluate

    model = load_reference(unit.target)(**unit.init(dims))
    for name, value in params.items():
        model.params[name][...] = value
    for name, value in (buffers or {}).items():
        model.buffers[name][...] = value
    return float(evaluate(model, load_reference(loss_target)(), *dev))


def calibrate(check: Check) -> float:
    """The reference's dev loss under exactly the budget of a training check (run in this process).

    The spec stores this number as ``reference_loss`` and the threshold as reference_loss + a margin;
    tests/test_calibration.py fails when the stored number no longer matches."""
    from grader.training import Schedule, evaluate, train

    opts, unit = check.options, check.unit
    splits = training_data(opts["block_size"])
    model = load_reference(unit.target)(**unit.init(opts["dims"]))
    for name, value in unit.params(opts["dims"], np.random.default_rng(opts.get("init_seed", 0))).items():
        model.params[name][...] = value
    loss_fn = load_reference(opts["loss"])()
    train(model, loss_fn, *splits.train, Schedule(**opts["schedule"]))
    return float(evaluate(model, loss_fn, *splits.dev))


def rejects(check: Check, rt) -> tuple[str, str]:
    """The unit must refuse an input, raising a given exception type (options: dims, error, why), e.g.
    BatchNorm1d in training mode on a batch of one example, as PyTorch does."""
    unit, opts = check.unit, check.options
    dims = opts["dims"]
    rng = np.random.default_rng(5)
    params = unit.params(dims, rng)
    reply = rt.request("layer", *layer_request(unit, dims, params, unit.inputs(dims, rng)), timeout=check.timeout)
    if reply.ok:
        return "failed", (f"{unit.label}.forward returned a result for {opts['why']}; raise "
                          f"{opts['error']} with a message that says why")
    error = reply.header.get("error", {})
    if reply.status == "error" and error.get("type") == opts["error"]:
        return "passed", ""
    if error.get("type") == "NotImplementedError" or reply.status != "error":
        expect_ok(reply)  # a stub: "not implemented"; a crash or a timeout: their own status
    return "failed", f"{unit.label}.forward raised {reply.message} for {opts['why']}; expected {opts['error']}"
