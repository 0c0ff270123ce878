"""Mechanisms for a network of scalar Values (a0's ``MLP(nin, nouts)`` with ``parameters()``, micrograd's
nn.py; the unit is grader.graphs.ScalarNet). It is graded through its ``parameters()`` list: the grader sets
every weight, compares the forward with the kit's NumPy copy (``micrograd.mlp_forward``), the gradients with
finite differences of that copy (public) or with the reference's network (hidden), checks ``zero_grad()``, and
trains it on the two moons with the lecture's loop (``scalar_training``). The engine's own mechanisms
(expression programs) are in grader/graphs.py.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grader import micrograd
from grader.checks import StudentError, expect_ok, load_reference
from grader.graphs import FD_ATOL, FD_RTOL, REF_ATOL, REF_RTOL, close, fmt
from grader.spec import Check


@dataclass
class ScalarNet:
    """An MLP class built from an engine: target "a0_micrograd.nn:MLP" (``MLP(nin, nouts)``, ``parameters()``,
    ``zero_grad()``, called on a list of numbers), value: the engine's target."""

    label: str
    target: str
    value: str
    depends_on: tuple[str, ...] = ("Value",)


def net_request(unit: ScalarNet, nin: int, nouts: list, weights, X, coefs=None, rt=None, timeout=10.0) -> tuple[dict, dict]:
    header = {"label": unit.label, "target": unit.target, "value": unit.value, "nin": nin, "nouts": list(nouts),
              "backward": coefs is not None}
    arrays = {"weights": np.asarray(weights, dtype=np.float64), "X": np.asarray(X, dtype=np.float64)}
    if coefs is not None:
        arrays["coefs"] = np.asarray(coefs, dtype=np.float64)
    reply = expect_ok(rt.request("scalar_net", header, arrays, timeout=timeout))
    return reply.header, reply.arrays


def count_problem(unit: ScalarNet, nin: int, nouts: list, header: dict) -> str | None:
    expected = micrograd.n_parameters(nin, nouts)
    got = header.get("n_params")
    sizes = [nin] + list(nouts)
    call = f"{unit.label}({nin}, {list(nouts)}).parameters()"
    if got == -1:
        return f"{call} returned a {header.get('type')}: return a list of Values"
    if "not_value" in header:
        return f"{call}[{header['not_value']}] is a {header.get('type')}, not a Value: list the Values themselves"
    if got != expected:
        formula = " + ".join(f"({a} + 1) * {b}" for a, b in zip(sizes, sizes[1:]))
        no_bias = sum(a * b for a, b in zip(sizes, sizes[1:]))
        why = (": the biases are missing (each neuron has nin weights and one bias)" if got == no_bias else
               ": is a layer or a neuron left out, or listed twice?")
        return f"{call} has {got} Values, expected {expected} = {formula}{why}"
    if header.get("distinct", expected) != expected:
        return f"{call} lists the same Value more than once ({header['distinct']} distinct of {expected})"
    return None


def net_example(nin: int, nouts: list, seed: int, batch: int = 5):
    rng = np.random.default_rng(seed)
    weights = rng.uniform(-1, 1, micrograd.n_parameters(nin, nouts))
    X = rng.uniform(-2, 2, (batch, nin))
    coefs = rng.uniform(0.5, 1.5, (batch, nouts[-1])) * rng.choice([-1, 1], (batch, nouts[-1]))
    return weights, X, coefs


NET_SHAPES = ((3, [4, 4, 1]), (2, [3, 2]))


def net_parameters(check: Check, rt) -> tuple[str, str]:
    """parameters() of MLP(nin, nouts): one Value per weight and bias, each once (its order is graded by
    net_forward, which sets the weights through it)."""
    unit = check.unit
    for nin, nouts in NET_SHAPES:
        weights, X, _ = net_example(nin, nouts, 0)
        header, _ = net_request(unit, nin, nouts, weights, X, rt=rt, timeout=check.timeout)
        problem = count_problem(unit, nin, nouts, header)
        if problem:
            return "failed", problem
    return "passed", ""


def forward_alternatives(weights, nin, nouts, X) -> list[tuple[str, np.ndarray]]:
    """What common mistakes give: the bias listed first, tanh on the last layer too, no tanh at all."""
    sizes = [nin] + list(nouts)
    bias_first, k = [], 0
    for a, b in zip(sizes, sizes[1:]):
        block = np.asarray(weights[k:k + b * (a + 1)]).reshape(b, a + 1)
        bias_first.append(np.concatenate([block[:, 1:], block[:, :1]], axis=1).ravel())
        k += b * (a + 1)
    out = micrograd.mlp_forward(np.concatenate(bias_first), nin, nouts, X)

    def forward(tanh_last: bool, tanh_hidden: bool):
        h, k = np.asarray(X), 0
        for layer, (a, b) in enumerate(zip(sizes, sizes[1:])):
            block = np.asarray(weights[k:k + b * (a + 1)]).reshape(b, a + 1)
            k += b * (a + 1)
            h = h @ block[:, :a].T + block[:, a]
            last = layer == len(nouts) - 1
            if (last and tanh_last) or (not last and tanh_hidden):
                h = np.tanh(h)
        return h

    return [("parameters() lists each neuron's bias before its weights; the order is w[0], ..., w[nin-1], then b", out),
            ("tanh is applied to the last layer too: the last layer is linear (nonlin=False), its output a score", forward(True, True)),
            ("no tanh in the hidden layers: each neuron but the last layer's applies tanh to its weighted sum", forward(False, False))]


def net_forward(check: Check, rt) -> tuple[str, str]:
    """MLP(nin, nouts)(x) with the weights set through parameters() equals the kit's NumPy forward (tanh on
    every layer but the last); one output neuron gives a Value, several a list."""
    unit = check.unit
    for nin, nouts in NET_SHAPES:
        weights, X, _ = net_example(nin, nouts, 1)
        header, arrays = net_request(unit, nin, nouts, weights, X, rt=rt, timeout=check.timeout)
        problem = count_problem(unit, nin, nouts, header)
        if problem:
            return "failed", problem + " (see mlp.parameters)"
        call = f"{unit.label}({nin}, {list(nouts)})(x)"
        if "out_lengths" in header:
            return "failed", (f"{call} gave {header['out_lengths']} outputs, expected {nouts[-1]}: one per neuron "
                              "of the last layer")
        returned = header.get("returned", [])
        if nouts[-1] == 1 and returned != [unit.value.rpartition(":")[2]] and "list" in returned:
            return "failed", f"{call} returned a list for one output neuron: return the Value itself (micrograd's convention)"
        if nouts[-1] > 1 and returned != ["list"]:
            return "failed", f"{call} returned a {', '.join(returned)} for {nouts[-1]} output neurons: return a list"
        expected = micrograd.mlp_forward(weights, nin, nouts, X)
        got = arrays["out"]
        if not close(expected, got, 1e-9, 1e-12):
            worst = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape)
            message = (f"{call} gave {fmt(got[worst])} for input row {worst[0]}, output {worst[1]}, expected "
                       f"{fmt(expected[worst])} (the weights set through parameters() in order)")
            why = next((d for d, wrong in forward_alternatives(weights, nin, nouts, X) if close(wrong, got, 1e-9, 1e-12)), "")
            return "failed", message + (f": {why}" if why else "")
    return "passed", ""


def net_gradients(check: Check, rt) -> tuple[str, str]:
    """Every parameter's grad after backward() of loss = sum(coefs * outputs), against central finite
    differences of the kit's NumPy forward (source "fd", public) or the reference network's grads (source
    "reference", hidden, which compares the outputs too)."""
    unit = check.unit
    reference = check.options.get("source") == "reference"
    for shape_index, (nin, nouts) in enumerate(NET_SHAPES):
        weights, X, coefs = net_example(nin, nouts, 2 + shape_index)
        header, arrays = net_request(unit, nin, nouts, weights, X, coefs, rt=rt, timeout=check.timeout)
        problem = count_problem(unit, nin, nouts, header)
        if problem or "out" not in arrays:
            return "failed", (problem or "the network's outputs could not be read") + " (see mlp.parameters, mlp.forward)"
        if reference:
            expected_out, expected = reference_net(unit, nin, nouts, weights, X, coefs)
            if not close(expected_out, arrays["out"], REF_RTOL, REF_ATOL):
                return "failed", f"{unit.label}({nin}, {list(nouts)})'s outputs differ from the reference's"
            rtol, atol, source = REF_RTOL, REF_ATOL, "the reference network"
        else:
            expected = np.zeros_like(weights)
            for k in range(len(weights)):
                up, down = weights.copy(), weights.copy()
                up[k] += 1e-6
                down[k] -= 1e-6
                expected[k] = ((micrograd.mlp_forward(up, nin, nouts, X) - micrograd.mlp_forward(down, nin, nouts, X))
                               * coefs).sum() / 2e-6
            rtol, atol, source = FD_RTOL, FD_ATOL, "central finite differences"
        got = arrays["grad"]
        if not close(expected, got, rtol, atol):
            k = int(np.argmax(np.abs(got - expected)))
            dead = int(np.count_nonzero((got == 0) & (np.abs(expected) > FD_ATOL)))
            zeros = (f"; {dead} parameters have grad 0 although the loss depends on them: is the output built from "
                     "the Values themselves (w * x), not from their .data?") if dead else ""
            return "failed", (f"after loss = sum(coefs * {unit.label}({nin}, {list(nouts)})(x) over {len(X)} inputs); "
                              f"loss.backward(), parameters()[{k}].grad is {fmt(got[k])}, expected {fmt(expected[k])} "
                              f"({source}){zeros}")
    return "passed", ""


def reference_net(unit: ScalarNet, nin: int, nouts: list, weights, X, coefs):
    """The reference network's outputs and parameter grads for the same weights, inputs and loss."""
    Value = load_reference(unit.value)
    model = load_reference(unit.target)(nin, list(nouts))
    params = model.parameters()
    for p, w in zip(params, weights):
        p.data = float(w)
    outs = []
    for row in X:
        out = model([float(v) for v in row])
        outs.append(list(out) if isinstance(out, list) else [out])
    loss = Value(0.0)
    for o, c in zip([o for row in outs for o in row], np.ravel(coefs)):
        loss = o * Value(float(c)) + loss
    loss.backward()
    return np.array([[o.data for o in row] for row in outs]), np.array([p.grad for p in params])


def net_zero_grad(check: Check, rt) -> tuple[str, str]:
    """zero_grad() sets every parameter's grad back to 0 after a backward (the training loop relies on it:
    backward adds to grad)."""
    unit = check.unit
    nin, nouts = NET_SHAPES[0]
    weights, X, coefs = net_example(nin, nouts, 4)
    header, arrays = net_request(unit, nin, nouts, weights, X, coefs, rt=rt, timeout=check.timeout)
    problem = count_problem(unit, nin, nouts, header)
    if problem or "grad" not in arrays:
        return "failed", (problem or "the network's outputs could not be read") + " (see mlp.parameters)"
    before, after = arrays["grad"], arrays["grad_after_zero"]
    if not np.any(before):
        return "failed", "every grad is 0 after backward already, so zero_grad cannot be checked (see mlp.gradcheck)"
    if np.any(after != 0):
        left = int(np.count_nonzero(after))
        return "failed", (f"after zero_grad(), {left} of {len(after)} parameters still have a non-zero grad: set every "
                          "parameter's grad to 0. backward adds to grad, so without the reset each training step "
                          "adds the gradients of all the steps before it, and the loss diverges")
    return "passed", ""


def moons_setup(opts: dict):
    X, y = micrograd.make_moons(opts["n"], opts["noise"], opts["data_seed"])
    weights = np.random.default_rng(opts["init_seed"]).uniform(-1, 1, micrograd.n_parameters(2, opts["nouts"]))
    return X, y, weights


def moons_loss(weights, nouts, X, y, alpha) -> tuple[float, float]:
    """The lecture's max-margin loss with L2 and the accuracy, in NumPy, for weights in parameters() order."""
    scores = micrograd.mlp_forward(weights, 2, nouts, X)[:, 0]
    loss = np.maximum(0, 1 - y * scores).mean() + alpha * float(np.sum(np.asarray(weights) ** 2))
    return float(loss), float(np.mean((scores > 0) == (y > 0)))


def scalar_training(check: Check, rt) -> tuple[str, str]:
    """Train the student's MLP with its own engine and the lecture's loop (zero_grad, backward, SGD) on the two
    moons; the loss and accuracy of the final weights, computed here in NumPy (never the process's word),
    must reach the thresholds. options: n, noise, data_seed, init_seed, nouts, steps, lr, alpha,
    accuracy (the threshold), loss (the threshold), reference_accuracy, reference_loss."""
    unit, opts = check.unit, check.options
    X, y, weights = moons_setup(opts)
    header = {"label": unit.label, "target": unit.target, "value": unit.value, "nin": 2, "nouts": opts["nouts"],
              "steps": opts["steps"], "lr": opts["lr"], "alpha": opts["alpha"]}
    try:
        reply = expect_ok(rt.request("scalar_train", header, {"weights": weights, "X": X, "y": y}, timeout=check.timeout))
    except StudentError as err:
        if err.status == "timeout":
            err.message += (f"\n    your engine passes its checks, so it is right but slow: {opts['steps']} steps on "
                            f"{opts['n']} points must fit in {check.timeout:g} s (the reference needs about a third "
                            "of that). Look for work repeated for every node (a list where a set would do)")
        raise
    problem = count_problem(unit, 2, opts["nouts"], reply.header)
    if problem:
        return "failed", problem
    trained = reply.arrays.get("weights")
    if trained is None or trained.shape != weights.shape or not np.all(np.isfinite(trained)):
        return "failed", "training made the parameters NaN or inf: a gradient is far too large (zero_grad?)"
    loss, accuracy = moons_loss(trained, opts["nouts"], X, y, opts["alpha"])
    summary = (f"loss {loss:.4f}, accuracy {accuracy:.0%} after {opts['steps']} steps (thresholds: loss <= "
               f"{opts['loss']:.4f}, accuracy >= {opts['accuracy']:.0%}; the reference reaches {opts['reference_loss']:.4f} "
               f"and {opts['reference_accuracy']:.0%})")
    if loss <= opts["loss"] and accuracy >= opts["accuracy"]:
        return "passed", summary
    return "failed", summary + ": the network does not learn as it should (are the gradients reset by zero_grad each step?)"


def calibrate_training(check: Check) -> tuple[float, float]:
    """The reference's loss and accuracy under exactly the training check's setup (in this process)."""
    opts = check.options
    X, y, weights = moons_setup(opts)
    Value = load_reference(check.unit.value)
    model = load_reference(check.unit.target)(2, list(opts["nouts"]))
    for p, w in zip(model.parameters(), weights):
        p.data = float(w)
    micrograd.train_moons(model, Value, X, y, opts["steps"], opts["lr"], opts["alpha"])
    return moons_loss(np.array([p.data for p in model.parameters()]), opts["nouts"], X, y, opts["alpha"])
