"""Causality of a sequence layer or model (a7's attention and Transformer): changing the input at position t
changes no output before t (forward), and an upstream gradient at position t reaches no input after t
(backward). Same signature as grader/checks.py: (check, runtime) -> (status, message); grader.behaviour
re-exports ``causality``.
"""
from __future__ import annotations

import numpy as np

from grader.checks import StudentError, expect_ok, layer_request, read_layer_reply
from grader.spec import Check


def causality(check: Check, rt) -> tuple[str, str]:
    """A causal sequence layer or model: the output at position t depends on inputs at positions <= t only.

    One request to the student's process: forward on a fixed input, then with the input at one later position
    j changed (for token ids: another token; for floats: one feature moved by 0.5), for every j. The outputs
    at positions t < j must not move at all. options: "tokens" (the input holds token ids), "dims"."""
    unit = check.unit
    dims = check.options["dims"]
    rng = np.random.default_rng(check.options.get("seed", 5))
    params = unit.params(dims, rng)
    inputs = unit.inputs(dims, rng)
    x = inputs[0]
    B, T = x.shape[:2]
    tokens = check.options.get("tokens", False)
    changes = [["arg0", 0, 0]]  # the unchanged input first
    for b in range(B):
        for j in range(1, T):
            if tokens:
                index = b * T + j
                changes.append(["arg0", index, -1 if x.flat[index] > 0 else 1])
            else:
                changes.append(["arg0", (b * T + j) * x.shape[2] + (j % x.shape[2]), 0.5])
    header, arrays = layer_request(unit, dims, params, inputs)
    header["perturbations"] = changes
    reply = expect_ok(rt.request("perturb", header, arrays, timeout=check.timeout))
    outs = reply.arrays.get("outs")
    if outs is None or outs.shape != (len(changes), *unit.out_shape(dims)):
        raise StudentError("failed", f"{unit.label}.forward gave outputs of inconsistent shape")
    base = outs[0]
    what = "token" if tokens else "input"
    leaks = []  # (batch row, changed position j, earliest moved position t, by how much)
    for k, (_, index, _) in enumerate(changes[1:], start=1):
        b, j = divmod(index if tokens else index // x.shape[2], T)
        moved = np.abs(outs[k][b, :j] - base[b, :j]).reshape(j, -1).max(axis=-1)
        leaked = moved > 1e-12 * (1 + np.abs(base[b]).max())
        if leaked.any():
            t = int(np.argmax(leaked))
            leaks.append((b, j, t, float(moved[t])))
    if not leaks:
        return backward_causality(check, rt, dims, params, inputs)
    b, j, t, amount = min(leaks, key=lambda leak: (leak[2] - leak[1], leak[0]))  # the farthest reach first
    if all(leak[2] == leak[1] - 1 for leak in leaks):
        cause = ("exactly one position ahead: is the mask shifted by one (np.tril(..., k=1), or masking s > t + 1 "
                 "instead of s > t)?")
    else:
        cause = ("from further ahead: is the causal mask missing, applied after the softmax (its normaliser "
                 "still sums over the future positions), or is something normalised over the time axis?")
    return "failed", (f"a future token leaks: changing the {what} at position {j} (batch row {b}) changed "
                      f"{unit.label}'s output at position {t} by {amount:.3g}; the output at t may depend on "
                      f"positions <= t only. The leak reaches {cause} Set the scores at s > t to -inf before "
                      "the softmax, so those probabilities are exactly 0" + with_sizes(dims))


def backward_causality(check: Check, rt, dims: dict, params: dict, inputs: list) -> tuple[str, str]:
    """Causality of backward, the mirror of forward's: with an upstream gradient at position t only, nothing
    reaches a later position s > t (dx[:, s], and the rows s of the gradients indexed by position named in
    options "position_grads", e.g. a Transformer's wpe). A backward that does (a transposed att in dv, a
    softmax Jacobian without its att factor) sends the gradient of earlier outputs to later inputs. Judged only
    where backward exists: forward's causality is this check's first half."""
    unit = check.unit
    rng = np.random.default_rng(check.options.get("seed", 5) + 1)
    T = inputs[0].shape[1]
    for t in range(T - 1):
        dout = np.zeros(unit.out_shape(dims))
        dout[:, t] = rng.standard_normal(dout[:, t].shape)
        try:
            reply = expect_ok(rt.request("layer", *layer_request(unit, dims, params, inputs, dout),
                                         timeout=check.timeout))
        except StudentError as err:
            if err.backward_missing:
                return "passed", ""
            raise
        got = read_layer_reply(unit, dims, reply, params, inputs, backward=True)
        later = []  # (what, the part of it at positions > t)
        if unit.differentiable and np.asarray(inputs[0]).dtype.kind == "f":
            later.append((f"{unit.input_grad} returned by {unit.label}.backward", got["dx"][:, t + 1:]))
        for name in check.options.get("position_grads", ()):
            later.append((f"{unit.label}.grads[{name!r}]", got["grad:" + name][t + 1:T]))
        for what, part in later:
            scale = max(float(np.max(np.abs(np.concatenate([np.ravel(v) for v in got.values()])))), 1.0)
            if part.size and np.max(np.abs(part)) > 1e-12 * scale:
                s = t + 1 + int(np.argmax(np.abs(part).reshape(part.shape[0], part.shape[1], -1).max(axis=(0, 2))
                                          if what.startswith(unit.input_grad) else
                                          np.abs(part).reshape(part.shape[0], -1).max(axis=1)))
                return "failed", (f"gradient flows forward in time in backward: with an upstream gradient at position "
                                  f"{t} only, {what} is not 0 at the later position {s} (max {np.max(np.abs(part)):.3g}). "
                                  f"The output at {t} depends on positions <= {t} only, so its gradient may reach only "
                                  "those: is a product's gradient transposed (y = att @ v: the value at position s is "
                                  "read only by outputs at positions >= s), or does the softmax backward lose the "
                                  "factor that makes it 0 wherever att is 0, at the masked later positions?"
                                  + with_sizes(dims))
    return "passed", ""


def with_sizes(dims: dict) -> str:
    return "\n    (with " + ", ".join(f"{k}={v}" for k, v in dims.items()) + ")"
