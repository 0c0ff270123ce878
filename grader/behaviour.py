"""Checks of behaviour rather than of one array: stable losses, normalised probabilities, faithful sampling,
and a model that learns. Same signature as grader/checks.py: (check, runtime) -> (status, message)."""
from __future__ import annotations

import numpy as np

from grader.checks import (StudentError, call_request, expect_ok, inputs_unchanged, layer_request, load_reference,
                           read_function_result, read_layer_reply, reference_available, reference_object,
                           training_data)
from grader.causality import causality  # noqa: F401 - re-exported: the specs name behaviour.causality
from grader.diagnose import check_array_type, describe_received
from grader.spec import Check, Rng


def stability(check: Check, rt) -> tuple[str, str]:
    """Finite on the magnitudes training really reaches: a loss layer (scalar output) for logits of 1e4, any
    other layer (an activation, a normalisation) for inputs of several hundreds (options: scale)."""
    if not check.unit.scalar_output:
        return large_input_stability(check, rt)
    unit = check.unit
    rng = np.random.default_rng(7)
    N, V = 5, 7
    logits = rng.standard_normal((N, V)) * check.options.get("scale", 1e4)
    targets = rng.integers(0, V, size=N)
    reply = forward_if_backward_missing(check, rt, {"N": N, "V": V}, {}, [logits, targets], 1.0)
    got = read_layer_reply(unit, {"N": N, "V": V}, reply, {}, [logits, targets], backward=True)
    loss, dlogits = float(got["out"]), got["dx"]
    shown = "NaN" if np.isnan(loss) else f"{loss:.4g}"
    finite_grad = bool(np.all(np.isfinite(dlogits)))
    if finite_grad and not np.isfinite(loss) and np.max(np.abs(dlogits.sum(axis=1))) <= 1e-8:
        return "failed", (f"with logits of size ~1e4 dlogits is fine but the loss is {shown}: log(0). A probability "
                          "underflowed to 0 before its log was taken; compute the log-probabilities directly, "
                          "shifted - log(sum(exp(shifted))) with shifted = logits - each row's max, not log(softmax)")
    bad_rows = ~np.all(np.isfinite(dlogits), axis=1)
    underflowing = logits.max(axis=1) < logits.max() - 700  # exp(-700) is about 1e-304: 0 a little further
    if bad_rows.any() and not np.any(bad_rows & ~underflowing):
        return "failed", (f"with logits of size ~1e4 the loss is {shown} and dlogits has NaN/inf in rows "
                          f"{np.flatnonzero(bad_rows).tolist()}, exactly the rows whose largest logit is far below "
                          "the largest of the whole batch: one max was subtracted for the whole batch, so those "
                          "rows underflowed to exp = 0 (and log 0 = -inf, 0 / 0 = NaN); nothing overflowed. "
                          "Subtract each row's own max, logits.max(axis=1, keepdims=True)")
    if not np.isfinite(loss) or not finite_grad:
        bad = int((~np.isfinite(dlogits)).sum())
        kind = "NaN" if np.isnan(dlogits).any() else "inf"
        return "failed", (f"with logits of size ~1e4 the loss is {shown}"
                          + (f" and dlogits has {bad} {kind} entries" if bad else "") + ": exp overflowed. "
                          "Subtract each row's max from the logits before exp (it does not change the softmax)")
    if loss < 0:
        return "failed", f"the loss is negative ({loss:.4g}); a cross-entropy is never below 0"
    # finite is not enough: the loss itself, from forward's definition evaluated stably (a log of a clipped or
    # eps-padded probability is finite and wrong by orders of magnitude here)
    exact = float(np.mean(np.logaddexp.reduce(logits, axis=1) - logits[np.arange(N), targets]))
    if not np.isclose(loss, exact, rtol=1e-6, atol=1e-8):
        return "failed", (f"with logits of size ~1e4 the loss is {shown}, but its exact value is {exact:.6g}: "
                          "softmax without the max shift, or a log of a probability that underflowed to 0 and was "
                          "clipped (an eps inside the log, np.clip) into a finite but wrong number. Compute the "
                          "log-probabilities directly, shifted - log(sum(exp(shifted))), shifted = logits - each "
                          "row's max")
    if np.max(np.abs(dlogits.sum(axis=1))) > 1e-8:
        return "failed", "each row of dlogits should sum to 0 (the probabilities of a row sum to 1, whatever the logits), but does not for large logits"
    return "passed", ""


def forward_if_backward_missing(check: Check, rt, dims: dict, params: dict, inputs: list, dout):
    """The reply of forward and backward; when backward is not implemented yet, forward is judged alone: a
    non-finite output fails the check with the stability message, a finite one is reported as passing."""
    unit = check.unit
    try:
        return expect_ok(rt.request("layer", *layer_request(unit, dims, params, inputs, dout), timeout=check.timeout))
    except StudentError as err:
        if not err.backward_missing:
            raise
        reply = expect_ok(rt.request("layer", *layer_request(unit, dims, params, inputs), timeout=check.timeout))
        out = read_layer_reply(unit, dims, reply, params, inputs, backward=False)["out"]
        if not np.all(np.isfinite(out)):
            raise StudentError("failed", f"{unit.label}.forward gives {'NaN' if np.isnan(out).any() else 'inf'} on "
                                         f"the large inputs of this check ({check.description}): exp overflowed or "
                                         "underflowed. Subtract each row's max before exp (for a loss), or write "
                                         "the layer so it never takes exp of a large positive number") from None
        err.message = f"{unit.label}.forward passes this check ({check.description}); {err.message}"
        raise


def large_input_stability(check: Check, rt) -> tuple[str, str]:
    """forward and backward stay finite for inputs of hundreds and both signs (scale, default 800), as
    np.tanh does: a layer written with exp(x) overflows there (exp(x) is inf for x > 709; inf / inf is NaN)."""
    unit = check.unit
    rng = np.random.default_rng(5)
    dims = check.options.get("dims", {"N": 4, "D": 6})
    params = unit.params(dims, rng)
    scale = check.options.get("scale", 800.0)  # past exp's overflow at 709: the uniform draw reaches 1200
    x = rng.uniform(-1.5, 1.5, size=unit.out_shape(dims)) * scale
    x.flat[:2] = scale, -scale
    dout = rng.standard_normal(unit.out_shape(dims))
    reply = forward_if_backward_missing(check, rt, dims, params, [x], dout)
    got = read_layer_reply(unit, dims, reply, params, [x], backward=True)
    for key in ("out", "dx"):
        bad = ~np.isfinite(got[key])
        if bad.any():
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            kind = "NaN" if np.isnan(got[key][index]) else "inf"
            what = f"{unit.label}.forward's output" if key == "out" else f"the dx returned by {unit.label}.backward"
            return "failed", (f"{what} is {kind} for large inputs (at {list(index)}, where x = {x[index]:.4g}): exp "
                              "overflowed. np.exp(x) is inf for x > 709 (and inf / inf is NaN), and training "
                              f"reaches inputs of hundreds; write {unit.label} in a form that never takes exp of a "
                              "large positive number (np.tanh does this for you)")
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
    inputs_unchanged(reply, unit.label, ("counts", "smoothing"))
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
    inputs_unchanged(reply, unit.label, ("P", "itos", "num", "rng"))
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
    dev loss must reach the calibrated threshold. options: block_size, data ("context" windows, the default,
    or "sequence": makemore.py's sequences and split, whose test split plays the dev split's part), dims,
    init_seed, loss, schedule, reference_loss, threshold. The dev loss is always the kit's cross-entropy
    (grader.training.dev_loss), never the student's loss forward, so a student's local verdict is the
    instructor's. Where the reference is installed, it is computed here with the reference's forward on the
    parameters the student's training produced, so nothing the student's process reports is trusted; in a
    student's bundle the student's process computes it with its own model's forward (whose public checks
    training requires, grader/runner.py)."""
    opts = check.options
    unit = check.unit
    splits = training_data(opts["block_size"], opts.get("data", "context"))
    dims = opts["dims"]
    params = unit.params(dims, np.random.default_rng(opts.get("init_seed", 0)))
    header = {"label": unit.label, "target": unit.target, "init": unit.init(dims), "loss": opts["loss"],
              "loss_label": opts["loss"].rpartition(":")[2], "schedule": opts["schedule"]}
    if opts.get("optimizer"):  # the student's optimiser, e.g. "a7_transformer.adamw:AdamW"
        header.update(optimizer=opts["optimizer"], optimizer_args=opts.get("optimizer_args", {}))
    if opts.get("buffers"):  # a model with running statistics: send them back for the evaluation in eval mode
        header["buffers"] = list(opts["buffers"])
    verify = reference_available()  # the instructor's grader: the run must prove itself (verify_run)
    if verify:
        header["checkpoints"] = checkpoint_steps(opts["schedule"]["steps"])
    arrays = {f"param:{k}": v for k, v in params.items()}
    arrays.update(Xtr=splits.train[0], Ytr=splits.train[1], Xdev=splits.dev[0], Ydev=splits.dev[1])
    try:
        reply = expect_ok(rt.request("train", header, arrays, timeout=check.timeout))
    except StudentError as err:
        if err.status == "timeout" and "did not end in" in err.message and "it hangs" in err.message:
            err.message += ("\n    a hang, not slow code: the steps before it ran at the speed given, then one step "
                            "never ended. Look at the place named above: a loop whose condition never changes, or "
                            "code that waits for something that never comes")
        elif err.status == "timeout" and "ms a step" in err.message:
            err.message += ("\n    your gradients pass their checks (training runs only then), so the code is right "
                            f"but too slow: {opts['schedule']['steps']} steps must fit in the time limit. The "
                            "reference takes about a millisecond a step; vectorise the slowest call (no Python "
                            "loops over the batch or the units: one matrix product each)")
        raise
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
        dev_loss = reference_dev_loss(unit, dims, trained, splits.dev, splits.train, buffers)
    else:
        dev_loss = reply.header.get("dev_loss")
        if type(dev_loss) is not float:
            return "failed", f"could not read the dev loss ({describe_received({'kind': 'other', 'type': type(dev_loss).__name__})})"
    threshold = opts["threshold"]
    steps = opts["schedule"]["steps"]
    split = "test" if opts.get("data") == "sequence" else "dev"  # makemore.py's sequences have no dev split
    summary = (f"{split} loss {dev_loss:.4f} after {steps} steps (threshold {threshold:.4f}; the reference reaches "
               f"{opts['reference_loss']:.4f} with the same budget)")
    if np.isfinite(dev_loss) and dev_loss <= threshold:
        problem = verify_run(check, params, trained, reply) if verify else None  # points only for this run
        return ("failed", f"{summary}, but {problem}") if problem else ("passed", summary)
    return "failed", summary + ": the model does not learn as it should even though it may pass the other checks; look at the gradients' scale"


# -- a run that proves itself ------------------------------------------------------------------------------
# The student's process trains; the parent knows everything that determines the run (the initial parameters,
# the minibatches, the learning rates) and, on the instructor's side, the reference. Correct gradients make
# the run the reference's own up to rounding (measured on the kit's correct alternatives: at most 3e-11 of the
# parameters' scale after a whole run), so the parameters after each of CHECKPOINTS evenly spaced steps must
# be the reference run's; where they drift apart (rounding that a long run amplifies), the steps since the
# previous checkpoint are replayed from the student's own parameters there (SGD: the update needs nothing
# else), and must lead to the student's next checkpoint. Parameters handed back that no run of this code
# produced (trained elsewhere, by a classmate or PyTorch, and written in at evaluation) fail.

CHECKPOINTS = 10
RUN_RTOL = 1e-6  # of the largest parameter's size: 4 orders of magnitude above the drift of correct code
_REFERENCE_RUNS: dict = {}


def checkpoint_steps(steps: int) -> list[int]:
    """The (0-based) steps after which the student's process sends its parameters: evenly spaced, the last
    step included."""
    return sorted({max(0, round(steps * (i + 1) / CHECKPOINTS) - 1) for i in range(CHECKPOINTS)})


def _close(got: np.ndarray, expected: np.ndarray) -> bool:
    return got.shape == expected.shape and bool(
        np.max(np.abs(got - expected), initial=0.0) <= RUN_RTOL * max(1.0, float(np.max(np.abs(expected), initial=0.0))))


def reference_run(check: Check) -> dict[int, dict]:
    """The reference's parameters after each checkpoint step of the training check's run (cached per
    process: the run is the same for every submission)."""
    from grader.training import Schedule, train

    key = (check.name, check.unit.target)
    if key not in _REFERENCE_RUNS:
        opts, unit = check.options, check.unit
        splits = training_data(opts["block_size"], opts.get("data", "context"))
        model = reference_object(unit, opts["dims"], unit.params(opts["dims"], np.random.default_rng(opts.get("init_seed", 0))))
        optimizer = None
        if opts.get("optimizer"):
            optimizer = load_reference(opts["optimizer"])(model.params, **opts.get("optimizer_args", {}))
        wanted, run = set(checkpoint_steps(opts["schedule"]["steps"])), {}

        def log(step, loss, lr):
            if step in wanted:
                run[step] = {k: v.copy() for k, v in model.params.items()}

        train(model, load_reference(opts["loss"])(), *splits.train, Schedule(**opts["schedule"]), log=log,
              log_every=1, optimizer=optimizer)
        _REFERENCE_RUNS[key] = run
    return _REFERENCE_RUNS[key]


def replay(check: Check, params: dict, first: int, last: int) -> dict:
    """The reference model's parameters after SGD steps first..last (0-based, inclusive) of the check's
    schedule, started from ``params``: the same minibatches and learning rates as the student's run."""
    from grader.training import Schedule, minibatches, set_mode, sgd_step

    opts, unit = check.options, check.unit
    splits = training_data(opts["block_size"], opts.get("data", "context"))
    X, Y = splits.train
    schedule = Schedule(**opts["schedule"])
    model = reference_object(unit, opts["dims"], {k: np.array(v, dtype=np.float64) for k, v in params.items()})
    loss_fn = load_reference(opts["loss"])()
    set_mode(model, True)
    for step, idx in enumerate(minibatches(len(X), schedule)):
        if step > last:
            break
        if step >= first:
            loss_fn.forward(model.forward(X[idx]), Y[idx])
            model.backward(loss_fn.backward())
            sgd_step(model.params, model.grads, schedule.lr_at(step))
    return model.params


def verify_run(check: Check, initial: dict, trained: dict, reply) -> str | None:
    """None when the parameters handed back are those this run's steps lead to (see above); else why not."""
    opts, unit = check.options, check.unit
    plain_sgd = not opts.get("optimizer") and opts["schedule"].get("optimizer", "sgd") == "sgd"
    reference, sent = reference_run(check), reply.header.get("checkpoints") or {}
    previous, previous_step = initial, -1
    for step in checkpoint_steps(opts["schedule"]["steps"]):
        metas = sent.get(str(step)) if isinstance(sent, dict) else None
        got = {}
        for name, value in initial.items():
            meta = (metas or {}).get(name, {})
            if meta.get("kind") != "array" or tuple(meta.get("shape", ())) != value.shape:
                return (f"{unit.label}.params[{name!r}] could not be read after training step {step + 1}: the "
                        "parameters must stay the arrays of model.params (updated in place) during the whole run")
            got[name] = np.asarray(reply.arrays[f"ckpt{step}:param:{name}"], dtype=np.float64)
        if not all(_close(got[k], reference[step][k]) for k in got):
            replayed = replay(check, previous, previous_step + 1, step) if plain_sgd else None
            if replayed is None or not all(_close(got[k], replayed[k]) for k in got):
                name = next(k for k in got if not _close(got[k], (replayed or reference[step])[k]))
                return (f"the run does not prove itself: after training step {step + 1}, {unit.label}.params"
                        f"[{name!r}] is not what the training steps since step {previous_step + 1} lead to "
                        "(the grader replays them with the same minibatches and learning rates, and correct "
                        "gradients give the same parameters to 6 digits). Something other than the training loop "
                        "changed the parameters (a forward or backward that writes into them, or parameters "
                        "loaded from elsewhere); no training points")
        previous, previous_step = got, step
    for name, value in trained.items():
        if not _close(np.asarray(value, dtype=np.float64), previous[name]):
            return (f"the parameters handed back are not those training produced: {unit.label}.params[{name!r}] "
                    f"changed after the last training step (during the evaluation on the dev split?). Only "
                    "parameters trained in this run earn the training points; no training points")
    return None


def params_shape_of_buffer(name: str, unit, dims) -> tuple:
    """The shape of a buffer of the reference model built with these sizes."""
    return load_reference(unit.target)(**unit.init(dims)).buffers[name].shape


def reference_dev_loss(unit, dims, params, dev, train=None, buffers=None) -> float:
    """The dev loss (the kit's cross-entropy) of the reference model holding the student's trained parameters
    and running statistics, in eval mode (grader.training.dev_loss); a model with ``calibrate`` (a4) gets its
    batch statistics from the training set first."""
    from grader.training import dev_loss

    model = reference_object(unit, dims, params)
    for name, value in (buffers or {}).items():
        model.buffers[name][...] = value
    calibrate_statistics(model, train)
    return dev_loss(model, *dev)


def calibrate_statistics(model, train) -> None:
    """A model with batch statistics (BatchNorm) that has ``calibrate(X)`` gets them from the whole training set
    before evaluation, as the lectures do after training; other models are left as they are."""
    if train is not None and hasattr(model, "calibrate"):
        model.calibrate(train[0])


def calibrate(check: Check) -> float:
    """The reference's dev loss under exactly the budget of a training check (run in this process).

    The spec stores this number as ``reference_loss`` and the threshold as reference_loss + a margin;
    tests/test_calibration.py fails when the stored number no longer matches."""
    from grader.training import Schedule, dev_loss, train

    opts, unit = check.options, check.unit
    splits = training_data(opts["block_size"], opts.get("data", "context"))
    model = reference_object(unit, opts["dims"], unit.params(opts["dims"], np.random.default_rng(opts.get("init_seed", 0))))
    optimizer = None
    if opts.get("optimizer"):  # the assignment's own optimiser (a7's AdamW), the reference's here
        optimizer = load_reference(opts["optimizer"])(model.params, **opts.get("optimizer_args", {}))
    train(model, load_reference(opts["loss"])(), *splits.train, Schedule(**opts["schedule"]), optimizer=optimizer)
    calibrate_statistics(model, splits.train)
    return dev_loss(model, *splits.dev)


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
