"""Central finite differences of the student's forward (the public gradcheck's numbers): what is perturbed, the
perturbations sent in one request (the student's process runs grader/sandbox/perturb.py), and the gradients of
L = sum(out * dout) they give. FD_EPS, FD_RTOL and FD_ATOL are the step and the tolerances in float64.
"""
from __future__ import annotations

import numpy as np

from grader.examples import StudentError, expect_ok, layer_request
from grader.spec import Unit

FD_EPS = 1e-6
FD_RTOL = 1e-5
FD_ATOL = 1e-7


def perturbation_targets(unit: Unit, params: dict, inputs: list) -> dict:
    """What finite differences perturb: every parameter and the differentiable inputs, by request name."""
    targets = {f"param:{k}": v for k, v in params.items()}
    targets.update({f"arg{i}": inputs[i] for i in unit.differentiable})
    return targets


def gradient_key(unit: Unit, name: str) -> str:
    """The result key of a perturbation target: "grad:NAME" for a parameter, "dx" (or a grad_names entry)
    for an input."""
    if name.startswith("param:"):
        return "grad:" + name[6:]
    return unit.input_grad_keys()[unit.differentiable.index(int(name[3:]))]


def flat_dout(dout) -> np.ndarray:
    """The upstream gradient(s) as one flat vector, matching the child's flattened tuple outputs."""
    if isinstance(dout, tuple):
        return np.concatenate([np.ravel(d) for d in dout])
    return np.ravel(dout)


def perturbations(targets: dict) -> list:
    """[name, flat index, +eps] and [name, flat index, -eps] for every element of every target."""
    return [[name, j, sign * FD_EPS] for name, value in targets.items() for j in range(value.size) for sign in (1, -1)]


def central_differences(targets: dict, outs: np.ndarray, dout, unit: Unit | None = None) -> dict:
    """Gradients of L = sum(out * dout) from the outputs under ``perturbations(targets)``, keyed "dx"/"grad:NAME"
    (with ``unit``, the unit's own input-gradient keys). A tuple output comes flattened and concatenated."""
    losses = (outs.reshape(len(outs), -1) * flat_dout(dout).reshape(1, -1)).sum(axis=1)
    numeric, k = {}, 0
    for name, value in targets.items():
        diffs = (losses[k:k + 2 * value.size:2] - losses[k + 1:k + 2 * value.size:2]) / (2 * FD_EPS)
        key = gradient_key(unit, name) if unit is not None else \
            ("dx" if name.startswith("arg") else "grad:" + name.removeprefix("param:"))
        numeric[key] = diffs.reshape(value.shape)
        k += 2 * value.size
    return numeric


def numeric_gradients(unit: Unit, dims: dict, params: dict, inputs: list, dout, rt, timeout: float) -> tuple[dict, bool]:
    """Central differences of the student's forward, with every perturbation in one request, and whether that
    forward's outputs are all float32 numbers (then the differences are rounding noise)."""
    targets = perturbation_targets(unit, params, inputs)
    header, arrays = layer_request(unit, dims, params, inputs)
    header["perturbations"] = perturbations(targets)
    reply = expect_ok(rt.request("perturb", header, arrays, timeout=timeout))
    outs = reply.arrays.get("outs")
    if unit.out_names:
        expected_shape = (sum(int(np.prod(shape)) for shape in unit.output_shapes(dims)),)
    else:
        expected_shape = () if unit.scalar_output else unit.out_shape(dims)
    if outs is None or outs.shape != (len(header["perturbations"]), *expected_shape):
        raise StudentError("failed", f"{unit.label}.forward gave outputs of inconsistent shape under small changes")
    float32_forward = bool(np.any(outs != np.round(outs)) and
                           np.array_equal(outs, outs.astype(np.float32).astype(np.float64)))
    return central_differences(targets, outs, dout, unit), float32_forward
