"""The generic check mechanisms. Each takes (check, runtime) and returns (status, message).

- contract: shapes, dtypes, keys, no NaN/inf, inputs untouched, on hypothesis-chosen sizes (public).
- gradcheck: backward against central finite differences of forward, in float64 (public).
- agreement: forward and every gradient against the reference (hidden) or stored golden fixtures (public).
- function_agreement: the same for plain functions.
- sampling, training, stability: behaviour checks (see each docstring).

Everything the student's code returns comes from the child process as plain data (grader/sandbox/parent.py); the
comparisons, the reference and the scoring happen here, in the parent.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from hypothesis import strategies as st

from grader.examples import (  # noqa: F401 - re-exported: the mechanisms' modules import them from here
    StudentError, expect_ok, reference_available, load_reference, reference_object, reference_layer,
    layer_request, random_dout, array_label, inputs_unchanged, read_layer_reply, forward_alone, read_tuple,
    add_note, shown_dims, with_dims, run_examples, make_example, call_request, argument_names, Mistakes,
    Explaining, diagnosis_context)
from grader.extremes import (  # noqa: F401 - re-exported
    ordinary_dims, extreme_dims, assignment_units, extreme_layer_examples, extreme_function_examples)
from grader.finite_differences import (  # noqa: F401 - re-exported
    FD_EPS, FD_RTOL, FD_ATOL, perturbation_targets, gradient_key, flat_dout, perturbations, central_differences,
    numeric_gradients)
from grader.diagnose import Context, check_array_type, compare_arrays, describe_received
from grader.sandbox import decode_args, encode_args
from grader.spec import Check, FunctionUnit, Unit, buffers_of
from grader.strategies import rng_for, seeds


# -- mechanisms ------------------------------------------------------------------------------------------

def contract(check: Check, rt) -> tuple[str, str]:
    """Right shapes, dtypes and keys; finite values on sane inputs; inputs and dout not modified."""
    unit: Unit = check.unit

    def body(example):
        dims, seed = example
        params, inputs, dout = make_example(unit, dims, seed)
        header, arrays = layer_request(unit, dims, params, inputs, dout)
        header["twice"] = True
        later = rng_for(seed + 1)  # new inputs of the same shape, for the calls after the first
        arrays.update({f"next:arg{i}": a for i, a in enumerate(unit.inputs(dims, later))})
        arrays["next:dout"] = np.asarray(random_dout(unit, dims, later), dtype=np.float64)
        try:
            reply = expect_ok(rt.request("layer", header, arrays, timeout=check.timeout))
        except StudentError as err:
            if not err.backward_missing:
                raise
            return forward_alone(unit, dims, params, inputs, rt, check.timeout, err, what=" this check")
        got = read_layer_reply(unit, dims, reply, params, inputs, backward=True)
        for key, value in got.items():
            if not np.all(np.isfinite(value)):
                return with_dims(f"{array_label(unit, key)} contains NaN or inf on ordinary inputs", dims)
        for name, value in buffers_of(params).items():
            problem = check_array_type(array_label(unit, "buffer:" + name), reply.header["buffers"][name], value.shape)
            if problem:
                return with_dims(problem + " (update the running statistics in place, with the shape they have)", dims)
        replaced = reply.header.get("buffers_replaced") or []
        if replaced:
            names = ", ".join(f"buffers[{k!r}]" for k in replaced)
            return with_dims(f"{unit.label}.forward replaced {names} by a new array instead of updating it in place: "
                             "the contract is an update in place (self.buffers[name][...] = ..., or *= and +=), "
                             "because whatever holds the same array (a model's buffers dict, a Sequential's, the "
                             "training loop's evaluation) keeps the old statistics otherwise, and evaluates with "
                             "them", dims)
        changed = reply.header.get("params_changed", [])
        if changed:
            names = ", ".join(f"params[{k!r}]" for k in changed)
            return with_dims(f"backward changed the parameters ({names} differ after {unit.label}.backward): "
                             "backward only computes gradients into self.grads; the training loop updates the "
                             "parameters (an update inside backward is applied twice a step)", dims)
        return repeated_step_problem(unit, dims, reply, got) or later_call_problem(unit, dims, reply, got)

    return run_examples(st.tuples(unit.dims, seeds()), body, check.options.get("examples", 12))


def same(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    return a is not None and b is not None and a.shape == b.shape and np.allclose(a, b, rtol=1e-9, atol=1e-12)


def later_call_problem(unit: Unit, dims: dict, reply, got: dict) -> str | None:
    """Calls after the first must depend only on their own inputs: a second backward after one forward gives
    the first one's gradients, and forward/backward on new inputs give what a fresh object gives."""
    calls, arrays = reply.header.get("calls", {}), reply.arrays

    def array(call, key):
        meta = calls.get(call, {}).get("grads", {}).get(key.removeprefix("grad:")) if key.startswith("grad:") else \
            calls.get(call, {}).get(key)
        return arrays.get(f"{call}:{key}") if isinstance(meta, dict) and meta.get("kind") == "array" else None

    keys = [k for k in got if k != "out"]
    for key in keys:
        second = array("backward_again", key)
        if second is not None and not same(second, got[key]):
            factor = round(float(np.vdot(second, got[key]) / np.vdot(got[key], got[key]))) if np.any(got[key]) else 0
            if factor >= 2 and same(second, factor * got[key]):
                return with_dims(f"state accumulates across calls: {array_label(unit, key)} grew {factor}-fold over "
                                 "calls of backward after the same forward, so backward adds to something kept "
                                 "from the previous call. Compute a fresh value each call", dims)
            return with_dims(f"{array_label(unit, key)} changed when backward ran a second time after the same "
                             "forward: backward modified what forward cached (d = self.probs then d[...] -= 1 "
                             "changes self.probs: copy it first, d = self.probs.copy()). Backward may be called "
                             "again after one forward and must give the same gradients", dims)
    if "fresh" not in calls:
        return None
    fresh_out, next_out = array("fresh", "out"), array("next", "out")
    if fresh_out is not None and next_out is not None and not same(next_out, fresh_out):
        if same(next_out, got["out"]):
            return with_dims(f"forward returned a result cached from an earlier call: on new inputs of the same "
                             f"shape, {unit.label}.forward gave the previous call's output. Compute it from this "
                             "call's inputs every time", dims)
        return with_dims(f"state accumulates across calls: on new inputs, {unit.label}.forward gave a different "
                         f"output than a fresh {unit.label} does. Forward must depend only on its inputs and the "
                         "parameters, not on earlier calls", dims)
    for key in keys:
        fresh, later = array("fresh", key), array("next", key)
        if fresh is not None and later is not None and not same(later, fresh):
            return with_dims(f"state accumulates across calls: after forward and backward on new inputs, "
                             f"{array_label(unit, key)} differs from what a fresh {unit.label} gives. Backward must "
                             "depend only on the last forward's inputs and its dout", dims)
    return None


def repeated_step_problem(unit: Unit, dims: dict, reply, got: dict) -> str | None:
    """The same forward and backward twice must give the same gradients: backward overwrites self.grads."""
    again = reply.header.get("grads_again", {})
    for key, first in got.items():
        name = key.removeprefix("grad:")
        if name == key or name not in again:
            continue
        meta, second = again[name], reply.arrays.get("grad2:" + name)
        if meta.get("kind") != "array" or second is None or second.shape != first.shape:
            continue
        if not np.allclose(second, first, rtol=1e-9, atol=1e-12):
            label = array_label(unit, key)
            if np.any(first) and np.allclose(second, 2 * first, rtol=1e-9, atol=1e-12):
                return with_dims(f"{label} doubled when forward and backward ran a second time: backward adds to "
                                 "the previous gradient. Assign a fresh one each call (self.grads[name] = ...); "
                                 "the training loop applies it before the next backward", dims)
            return with_dims(f"{label} changed when the same forward and backward ran a second time: backward "
                             "must depend only on this call's inputs", dims)
    return None


def gradcheck(check: Check, rt) -> tuple[str, str]:
    """Every gradient backward produces equals central finite differences of forward (float64)."""
    unit: Unit = check.unit

    def body(example):
        dims, seed = example
        params, inputs, dout = make_example(unit, dims, seed)
        reply = expect_ok(rt.request("layer", *layer_request(unit, dims, params, inputs, dout), timeout=check.timeout))
        got = read_layer_reply(unit, dims, reply, params, inputs, backward=True)
        numeric, float32_forward = numeric_gradients(unit, dims, params, inputs, dout, rt, check.timeout)
        right = []
        for key in backward_order(list(numeric)):
            expected = numeric[key]
            if key.startswith("grad:") and not np.any(expected) and np.any(np.abs(got[key]) > FD_ATOL):
                return with_dims(f"{array_label(unit, key)} should be all zeros: your forward does not depend on "
                                 f"params[{key.removeprefix('grad:')!r}] at all (finite differences are 0); does forward use it?", dims)
            context = diagnosis_context(unit, dims, inputs, params, dout, numeric, key, own_forward=True)
            problem = compare_arrays(array_label(unit, key), expected, got[key], context, FD_RTOL, FD_ATOL)
            if problem and float32_forward:
                return with_dims(f"{array_label(unit, key)} cannot be checked: {unit.label}.forward returns float32 "
                                 "numbers (cast back to float64), so the finite differences, steps of 1e-6, vanish in "
                                 "float32's 7 digits: float32 precision. Some step computed in float32 (an "
                                 ".astype(np.float32), a float32 array or constant); keep everything in float64", dims)
            if problem:
                problem = add_right_ones(problem, unit, key, right)
                return with_dims(problem + "\n    (expected = central finite differences of your forward)", dims)
            right.append(key)
        return None

    return run_examples(st.tuples(unit.grad_dims, seeds()), body, check.options.get("examples", 3))


# A gradient checked against the reference (hidden) must agree as a derivation does. Analytic formulas in
# float64, however written (the kit's correct alternatives: loops, einsum, one-hot products, staged or fused),
# agree with the reference to about 1e-15 of the array's largest entry; central differences with a step of 1e-6
# only to 1e-11..1e-8 (rounding of the forward divided by the step), which the public tolerance lets through.
# A gradient that is zero in exact arithmetic (BatchNorm over one feature) comes as rounding noise of about
# 1e-15 of the terms that cancel: the absolute floor.
EXACT_RTOL, EXACT_ATOL = 1e-11, 1e-12


def derivation_problem(label: str, expected: np.ndarray, got: np.ndarray) -> str | None:
    """None when ``got`` agrees with ``expected`` to EXACT_RTOL of the array's size; else why that matters."""
    expected, got = np.asarray(expected, dtype=np.float64), np.asarray(got, dtype=np.float64)
    if expected.shape != got.shape or not expected.size:
        return None
    scale = float(np.max(np.abs(expected)))
    error = float(np.max(np.abs(got - expected)))
    if error <= EXACT_RTOL * scale + EXACT_ATOL:
        return None
    index = np.unravel_index(int(np.argmax(np.abs(got - expected))), expected.shape)
    return (f"{label} agrees with the reference only to {error / max(scale, 1e-300):.1e} of its largest entry (worst at "
            f"{list(int(i) for i in index)}: expected {expected[index]:.12g}, got {got[index]:.12g}). A derived "
            "gradient in float64 agrees to about 1e-15; this is the accuracy of finite differences (a numerical "
            "estimate from your forward, not a derivation) or of float32 arithmetic. Derive the gradient and "
            "compute it in float64")


def compare_layer(unit: Unit, dims: dict, expected: dict, got: dict, inputs, params, dout,
                  keys=None) -> str | None:
    """The first of ``keys`` (default: every key of ``expected``) whose array is wrong, diagnosed; the parameter
    gradients in backward order (see backward_order), so the one named is the nearest to the mistake."""
    right = []
    for key in backward_order(list(expected if keys is None else keys)):
        context = diagnosis_context(unit, dims, inputs, params, dout, expected, key)
        problem = compare_arrays(array_label(unit, key), np.asarray(expected[key]), got[key], context)
        if problem:
            return with_dims(add_right_ones(problem, unit, key, right), dims)
        right.append(key)
    return None


def backward_order(keys: list) -> list:
    """The keys with the parameter gradients ("grad:NAME") in reverse order of the parameters, which are in
    forward order: backward computes the last layer's first, so the first wrong one is the nearest to the
    mistake (a wrong tanh derivative two layers down shows first in that layer's gradients, not in the
    embedding's). The other keys keep their places."""
    grads = [k for k in keys if k.startswith("grad:")][::-1]
    return [grads.pop(0) if k.startswith("grad:") else k for k in keys]


def add_right_ones(problem: str, unit: Unit, key: str, right: list) -> str:
    """A note under a wrong parameter gradient naming the later ones that are right: the mistake sits in backward
    between them and this one."""
    later = [k for k in right if k.startswith("grad:")]
    if not key.startswith("grad:") or not later:
        return problem
    names = ", ".join(f"grads[{k.removeprefix('grad:')!r}]" for k in later[-3:][::-1])
    return add_note(problem, f"(the gradients backward computes before it are right: {names}; the mistake sits "
                             "in backward between those and this one)")


def against_fixtures(examples, compare) -> tuple[str, str]:
    """Every stored example must agree; the first one that does not gives the verdict."""
    for example in examples:
        try:
            problem = compare(*example)
        except StudentError as err:
            return err.status, err.message
        if problem:
            return "failed", add_note(problem, "(expected = the kit's stored answer for this input)")
    return "passed", ""


def forward_keys(expected) -> list[str]:
    """The keys of what forward gives: its output(s) and the buffers it updates."""
    return [k for k in expected if k == "out" or k.startswith(("out:", "buffer:"))]


UNSEEN_SEED = 1_000_003  # the seeds of the inputs a fixture check adds where the reference is installed


def unseen_inputs_available(rt) -> bool:
    """Where hidden checks run (the instructor's grader), a fixture check also compares the student's code with
    the reference on new inputs of the stored examples' sizes, which no student has seen: answers copied from
    the shipped fixtures (a lookup table) are not code, and earn nothing there."""
    return not getattr(rt, "public_only", True) and reference_available()


def unseen_agreement(fresh, dims_list, compare) -> tuple[str, str]:
    """against_fixtures on ``fresh(i, dims)`` examples: the stored examples' sizes, inputs never shipped."""
    for i, dims in enumerate(dims_list):
        try:
            problem = compare(*fresh(i, dims))
        except StudentError as err:
            return err.status, err.message
        if problem:
            return "failed", add_note(problem, "(expected = the reference's answer for new inputs of the stored "
                                               "examples' sizes, which the instructor's grader draws: your code agrees "
                                               "with the stored answers but not here. Answers copied from the stored "
                                               "fixtures are not code; compute them)")
    return "passed", ""


def agreement(check: Check, rt) -> tuple[str, str]:
    """Forward and all gradients equal the reference's (hidden) or the stored fixtures' (public). Records
    whether the forward agreed on every example compared (``rt.record(check, forward=...)``), which is what
    the unit's other checks are gated on (Assignment.gates)."""
    unit: Unit = check.unit
    forward = {"agreed": 0, "wrong": False}

    def judged(problem):  # the forward's own verdict on one example
        if problem:
            forward["wrong"] = True
        else:
            forward["agreed"] += 1
        return problem

    def compare(dims, params, inputs, dout, expected):
        try:
            reply = expect_ok(rt.request("layer", *layer_request(unit, dims, params, inputs, dout), timeout=check.timeout))
        except StudentError as err:
            if err.backward_missing:
                try:
                    return judged(forward_alone(unit, dims, params, inputs, rt, check.timeout, err, dout, expected,
                                                " (its output is right)"))
                except StudentError as missing:
                    if missing is err:  # forward is right, backward missing
                        judged(None)
                    raise
            if err.status != "error" or ".backward raised" not in err.message:
                raise
            # backward crashed: a wrong forward is the likelier cause, so name it first if there is one
            reply = rt.request("layer", *layer_request(unit, dims, params, inputs), timeout=check.timeout)
            if not reply.ok:
                raise err from None
            got = read_layer_reply(unit, dims, reply, params, inputs, backward=False)
            problem = judged(compare_layer(unit, dims, expected, got, inputs, params, dout,
                                           keys=[k for k in expected if k in got]))
            if problem:
                return add_note(problem, f"(and then {err.message.splitlines()[0]})")
            raise err from None
        got = read_layer_reply(unit, dims, reply, params, inputs, backward=True)
        problem = judged(compare_layer(unit, dims, expected, got, inputs, params, dout, keys=forward_keys(expected)))
        gradients = [k for k in expected if k not in forward_keys(expected)]
        problem = problem or compare_layer(unit, dims, expected, got, inputs, params, dout, keys=gradients)
        if problem or check.options.get("source") != "reference":
            return problem
        for key in gradients:  # the reference: gradients must agree as a derivation does
            problem = derivation_problem(array_label(unit, key), expected[key], got[key])
            if problem:
                forward["not derived"] = True
                return with_dims(problem, dims)
        return None

    def verdict(result):
        if hasattr(rt, "record"):
            rt.record(check, forward=bool(forward["agreed"]) and not forward["wrong"],
                      derived=not forward.get("not derived"))
        return result

    if check.options.get("source") == "fixture":
        examples = rt.fixture_examples(unit.label)
        status, message = against_fixtures(examples, compare)
        if status == "passed" and unseen_inputs_available(rt):
            def fresh(i, dims):
                params, inputs, dout = make_example(unit, dims, UNSEEN_SEED + i)
                return dims, params, inputs, dout, reference_layer(unit, dims, params, inputs, dout)
            status, message = unseen_agreement(fresh, [e[0] for e in examples], compare)
        return verdict((status, message))

    def body(example):
        dims, seed = example
        params, inputs, dout = make_example(unit, dims, seed)
        return compare(dims, params, inputs, dout, reference_layer(unit, dims, params, inputs, dout))

    first = tuple((dims, 0) for dims in (*ordinary_dims(check, rt), *check.options.get("first_dims", ())))
    status, message = run_examples(st.tuples(unit.dims, seeds()), body, check.options.get("examples", 10), first)
    if status != "passed":
        return verdict((status, message))
    return verdict(extreme_layer_examples(check, rt))


# -- plain functions -------------------------------------------------------------------------------------


def read_function_result(unit: FunctionUnit, dims: dict, meta: dict, arrays: dict, name: str):
    if unit.result == "array":
        shape = unit.result_shape(dims)
        problem = check_array_type(f"{unit.label}'s result", meta, shape, unit.result_dtype)
        if problem:
            raise StudentError("failed", problem)
        return arrays[name]
    if unit.result == "scalar":
        if meta.get("kind") == "array" and meta.get("shape") == [] and name in arrays:
            return np.asarray(float(arrays[name]))
        if meta.get("kind") != "scalar":
            raise StudentError("failed", f"{unit.label} should return a float, but returned {describe_received(meta)}")
        return np.asarray(meta["value"], dtype=np.float64)
    if meta.get("kind") != "strings":
        raise StudentError("failed", f"{unit.label} should return a list of str, but returned {describe_received(meta)}")
    return meta["value"]


def reference_call(unit: FunctionUnit, args: list):
    fn = load_reference(unit.target)
    value = fn(*decode_args(*encode_args(args), make_rng=np.random.default_rng))
    return np.asarray(value, dtype=unit.result_dtype) if unit.result != "strings" else value


def function_agreement(check: Check, rt) -> tuple[str, str]:
    """A function's result equals the reference's (hidden) or the stored fixtures' (public)."""
    unit: FunctionUnit = check.unit

    def compare(dims, args, expected, stored=()):
        reply = expect_ok(rt.request("call", *call_request(unit, args, repeat=2), timeout=check.timeout))
        inputs_unchanged(reply, unit.label, argument_names(unit))
        got, again = (read_function_result(unit, dims, meta, reply.arrays, f"out{i}")
                      for i, meta in enumerate(reply.header["results"]))
        if not np.array_equal(np.asarray(got, np.float64), np.asarray(again, np.float64), equal_nan=True):
            return with_dims(f"state accumulates across calls: two calls of {unit.label} with the same arguments "
                             "gave different results. Keep nothing between calls (a table at module level that "
                             "grows with every call, a default argument that is modified)", dims)
        mistakes = [*stored, *(unit.mistakes(dims, args, expected) if unit.mistakes else [])]  # stored: fixtures
        context = Context(known_mistakes=[(d, np.asarray(w, dtype=np.float64)) for d, w in mistakes])
        problem = compare_arrays(f"{unit.label}'s result", np.asarray(expected, np.float64),
                                 np.asarray(got, np.float64), context, rtol=unit.rtol)
        return with_dims(problem, dims) if problem else None

    if check.options.get("source") == "fixture":
        calls = rt.fixture_calls(unit.label)
        status, message = against_fixtures(calls, compare)
        if status == "passed" and unseen_inputs_available(rt):
            def fresh(i, dims):
                args = unit.args(dims, rng_for(UNSEEN_SEED + i))
                return dims, args, reference_call(unit, args)
            status, message = unseen_agreement(fresh, [c[0] for c in calls], compare)
        return status, message

    def body(example):
        dims, seed = example
        args = unit.args(dims, rng_for(seed))
        return compare(dims, args, reference_call(unit, args))

    first = tuple((dims, 0) for dims in ordinary_dims(check, rt))
    status, message = run_examples(st.tuples(unit.dims, seeds()), body, check.options.get("examples", 8), first)
    if status != "passed" or unit.result == "strings":
        return status, message
    return extreme_function_examples(check, rt)


@lru_cache(maxsize=4)
def training_data(block_size: int, data: str = "context"):
    """The kit's names as training data: context windows of block_size (``data="context"``), or makemore.py's
    sequences and train/test split (``data="sequence"``; block_size is then the data's own, its ``dev`` the
    test split)."""
    from grader.data import load_sequence_splits, load_splits

    if data == "sequence":
        return load_sequence_splits()
    return load_splits(block_size=block_size)
