"""Extreme examples: after a hidden check's ordinary examples, one example per numerical hazard of the unit
(grader/hazards.py infers them from the reference: exp overflow, a softmax's max shift, a variance's
cancellation), where it bites, against the reference's float64 evaluation at hazards.EXTREME_RTOL
(docs/kinds-of-mistakes.md).
"""
from __future__ import annotations

import numpy as np

from grader.diagnose import describe_received
from grader.examples import (
    StudentError,
    argument_names,
    array_label,
    call_request,
    expect_ok,
    inputs_unchanged,
    layer_request,
    load_reference,
    make_example,
    read_layer_reply,
    reference_layer,
    with_dims,
)
from grader.hazards import (
    extreme_args,
    extreme_close,
    extreme_inputs,
    extreme_message,
    hazards_of,
    signs,
)
from grader.sandbox import decode_args, encode_args
from grader.spec import Check, FunctionUnit, Unit
from grader.strategies import rng_for


def ordinary_dims(check: Check, rt) -> list:
    """The sizes a hidden check tries first: the unit's first stored example's, ordinary and non-degenerate (N=2,
    C=1 make different mistakes give the same numbers, so a first failure there would be misnamed); hypothesis's
    smallest sizes come after, for the contract's corner cases."""
    return list(rt.assignment.fixture_dims.get(check.unit.label, [])[:1] or check.options.get("ordinary_dims", ())[:1])


def extreme_dims(check: Check, rt) -> dict:
    """The sizes of a unit's extreme examples: the ordinary sizes its hidden check tries first."""
    return dict(next(iter(ordinary_dims(check, rt)), {}))


def assignment_units(rt) -> dict:
    return {c.unit.label: c.unit for c in rt.assignment.checks if isinstance(c.unit, (Unit, FunctionUnit))}


def extreme_layer_examples(check: Check, rt) -> tuple[str, str]:
    """After the ordinary examples: one example per hazard of the unit (grader/hazards.py), where it bites,
    against the reference's float64 evaluation at EXTREME_RTOL. An example whose reference answer is not finite
    (the hazard's inputs mean nothing for this unit) is left out."""
    unit: Unit = check.unit
    dims = extreme_dims(check, rt)
    if not dims:
        return "passed", ""
    hazards = hazards_of(unit, assignment_units(rt))
    for hazard, sign in ((h, sign) for h in hazards for sign in signs(h)):
        params, inputs, dout = make_example(unit, dims, 0)
        inputs, params = extreme_inputs(inputs, params, hazard, unit.differentiable, sign, bool(unit.depends_on))
        with np.errstate(all="ignore"):
            expected = reference_layer(unit, dims, params, inputs, dout)
        if not all(np.all(np.isfinite(v)) for v in expected.values()):
            continue
        try:
            reply = expect_ok(rt.request("layer", *layer_request(unit, dims, params, inputs, dout), timeout=check.timeout))
            got = read_layer_reply(unit, dims, reply, params, inputs, backward=True)
        except StudentError as err:
            return err.status, err.message
        # a model fed token ids is moved through its parameters: at an offset of 1e8 its first layer's gradients
        # are differences of numbers near 1e8 in any formula, so only what forward gives is compared there
        keys = [k for k in expected if not (hazard == "variance" and not unit.differentiable and
                                             not (k == "out" or k.startswith("buffer:")))]
        for key in keys:
            value = expected[key]
            if not extreme_close(np.asarray(value, np.float64), np.asarray(got[key], np.float64)):
                return "failed", with_dims(extreme_message(array_label(unit, key), hazard, np.asarray(value),
                                                           np.asarray(got[key]), hazards), dims)
    return "passed", ""


def extreme_function_examples(check: Check, rt, make_args=None, names=None) -> tuple[str, str]:
    """A function's extreme examples (see extreme_layer_examples): its float array arguments moved to each
    hazard, against the reference function. make_args(dims) -> the ordinary arguments (default: the unit's
    args with seed 0); names: the arguments' names, for messages."""
    unit = check.unit
    dims = extreme_dims(check, rt)
    if not dims:
        return "passed", ""
    hazards = hazards_of(unit, assignment_units(rt))
    for hazard, sign in ((h, sign) for h in hazards for sign in signs(h)):
        ordinary = make_args(dims) if make_args else unit.args(dims, rng_for(0))
        if ordinary is None:
            return "passed", ""
        args = extreme_args(ordinary, hazard, sign)
        fn = load_reference(unit.target)
        with np.errstate(all="ignore"):
            expected = np.asarray(fn(*decode_args(*encode_args(args), make_rng=np.random.default_rng)), np.float64)
        if not np.all(np.isfinite(expected)):
            continue
        try:
            reply = expect_ok(rt.request("call", *call_request(unit, args), timeout=check.timeout))
            inputs_unchanged(reply, unit.label, names if names is not None else argument_names(unit))
            meta = reply.header["results"][0]
            if meta.get("kind") != "array" and getattr(unit, "result", "array") == "array":
                raise StudentError("failed", f"{unit.label} should return a float64 array, but returned "
                                             f"{describe_received(meta)}")
            got = np.asarray(reply.arrays.get("out0", meta.get("value")), np.float64)
        except StudentError as err:
            return err.status, err.message
        if got.shape != expected.shape or not extreme_close(expected, got):
            if got.shape != expected.shape:
                return "failed", with_dims(f"{unit.label}'s result has shape {got.shape}, expected {expected.shape} "
                                           f"on {hazard} extreme inputs", dims)
            return "failed", with_dims(extreme_message(f"{unit.label}'s result", hazard, expected, got, hazards), dims)
    return "passed", ""
