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

import importlib
from functools import lru_cache

import numpy as np
from hypothesis import strategies as st

from grader.diagnose import Context, check_array_type, compare_arrays, describe_received, error_hint
from grader.sandbox import Reply
from grader.spec import Check, FunctionUnit, Rng, Unit, WithBuffers, buffers_of
from grader.strategies import first_failure, rng_for, seeds

FD_EPS = 1e-6
FD_RTOL = 1e-5
FD_ATOL = 1e-7


class StudentError(Exception):
    """The student's code could not produce an answer: status is "not implemented", "error", "timeout"..."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def expect_ok(reply: Reply) -> Reply:
    if reply.ok:
        return reply
    if reply.status == "error":
        error = reply.header.get("error", {})
        if error.get("type") == "NotImplementedError":
            name = str(error.get("message", "")).partition(":")[0].strip() or error.get("where", "this code")
            location = str(error.get("location") or "").partition(":")[0]
            raise StudentError("not implemented", f"{name} is not implemented yet" + (f" ({location})" if location else ""))
        if error.get("stage") == "import" and error.get("type") not in ("MissingName",):
            raise StudentError("error", f"could not import your code: {reply.message}")
        hint = error_hint(str(reply.where), str(error.get("type")), str(error.get("message", "")))
        raise StudentError("error", f"{reply.where} raised {reply.message}{hint}")
    status = {"timeout": "timeout", "crash": "crashed"}.get(reply.status, "error")
    raise StudentError(status, reply.message)


# -- the reference, in the parent ------------------------------------------------------------------------

def reference_available() -> bool:
    return importlib.util.find_spec("reference") is not None


def load_reference(target: str):
    module, _, attr = target.partition(":")
    obj = importlib.import_module("reference." + module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def reference_layer(unit: Unit, dims: dict, params: dict, inputs: list, dout) -> dict:
    """The reference's forward output, input gradient and parameter gradients, as the child would send them."""
    obj = load_reference(unit.target)(**unit.init(dims))
    for name, value in params.items():
        obj.params[name][...] = value
    for name, value in buffers_of(params).items():
        obj.buffers[name][...] = value
    if unit.mode == "eval":
        obj.eval()
    out = obj.forward(*[a.copy() for a in inputs])
    result = {"out": np.asarray(out, dtype=np.float64)}
    result.update({f"buffer:{k}": obj.buffers[k].copy() for k in buffers_of(params)})
    if dout is not None:
        dx = obj.backward(float(dout) if unit.scalar_output else dout.copy())
        if unit.differentiable:
            result["dx"] = dx
        result.update({f"grad:{k}": obj.grads[k] for k in params})
    return result


# -- talking to the student's process --------------------------------------------------------------------

def layer_request(unit: Unit, dims: dict, params: dict, inputs: list, dout=None) -> tuple[dict, dict]:
    header = {"label": unit.label, "target": unit.target, "init": unit.init(dims), "nargs": len(inputs)}
    if unit.mode != "train":
        header["mode"] = unit.mode
    arrays = {f"param:{k}": v for k, v in params.items()}
    arrays.update({f"buffer:{k}": v for k, v in buffers_of(params).items()})
    arrays.update({f"arg{i}": a for i, a in enumerate(inputs)})
    if dout is not None:
        header.update(backward=True, scalar_dout=unit.scalar_output)
        arrays["dout"] = np.asarray(dout, dtype=np.float64)
    return header, arrays


def random_dout(unit: Unit, dims: dict, rng: np.random.Generator):
    """An upstream gradient that is never all ones (ones hide transposes and sums)."""
    if unit.scalar_output:
        return float(rng.uniform(0.5, 2.0))
    return rng.standard_normal(unit.out_shape(dims))


def array_label(unit: Unit, key: str) -> str:
    if key == "out":
        return f"{unit.label}.forward's output"
    if key == "dx":
        return f"dx returned by {unit.label}.backward"
    if key.startswith("buffer:"):
        return f"{unit.label}.buffers[{key[7:]!r}] after forward"
    return f"{unit.label}.grads[{key[5:]!r}]"


def read_layer_reply(unit: Unit, dims: dict, reply: Reply, params: dict, inputs: list, backward: bool) -> dict:
    """The student's arrays by key ("out", "dx", "grad:NAME"), after checking the contract; raises
    StudentError("failed") with the first broken promise."""
    h, arrays = reply.header, reply.arrays
    got = {}
    out = h.get("out", {})
    if unit.scalar_output:
        if out.get("kind") == "array" and out.get("shape") == [] and "out" in arrays:
            out = {"kind": "scalar", "value": float(arrays["out"])}
        if out.get("kind") != "scalar":
            raise StudentError("failed", f"{unit.label}.forward should return the loss as a float, "
                                         f"but returned {describe_received(out)}")
        got["out"] = np.asarray(out["value"], dtype=np.float64)
    else:
        problem = check_array_type(array_label(unit, "out"), out, unit.out_shape(dims))
        if problem:
            raise StudentError("failed", problem)
        got["out"] = arrays["out"]
    for name, value in buffers_of(params).items():
        meta = h.get("buffers", {}).get(name, {"kind": "missing"})
        if meta.get("kind") == "missing":
            raise StudentError("failed", f"{unit.label}.buffers has no {name!r}: keep the running statistics in "
                                         f"self.buffers[{name!r}], updated in place")
        # the shape is compared with the values (after forward's output), so a wrong output is named first
        problem = check_array_type(array_label(unit, "buffer:" + name), meta, tuple(meta.get("shape", ())))
        if problem:
            raise StudentError("failed", problem)
        got["buffer:" + name] = arrays["buffer:" + name]
    if not backward:
        return got
    if unit.differentiable:
        x = inputs[unit.differentiable[0]]
        problem = check_array_type(array_label(unit, "dx"), h.get("dx", {}), x.shape)
        if problem:
            raise StudentError("failed", problem)
        got["dx"] = arrays["dx"]
    if "grads_error" in h:
        raise StudentError("failed", str(h["grads_error"]))
    for name, value in params.items():
        meta = h.get("grads", {}).get(name, {"kind": "missing"})
        if meta.get("kind") == "missing":
            raise StudentError("failed", f"{unit.label}.grads has no {name!r} after backward: set "
                                         f"self.grads[{name!r}] (the key of params[{name!r}])")
        problem = check_array_type(array_label(unit, "grad:" + name), meta, value.shape)
        if problem:
            raise StudentError("failed", problem)
        got["grad:" + name] = arrays["grad:" + name]
    return got


def add_note(message: str, note: str) -> str:
    """Put a note above the "(with sizes)" line, so every failure reads: what, worst element, notes, sizes."""
    head, sep, sizes = message.rpartition("\n    (with ")
    return f"{head}\n    {note}{sep}{sizes}" if sep else f"{message}\n    {note}"


def with_dims(message: str, dims: dict) -> str:
    sizes = ", ".join(f"{k}={v}" for k, v in dims.items())
    return f"{message}\n    (with {sizes})" if sizes else message


def run_examples(strategy, body, examples: int, first: tuple = ()) -> tuple[str, str]:
    """Hypothesis over ``body``; StudentError and failure messages become (status, message). The examples in
    ``first`` run before hypothesis's own (cases the generated sizes may not reach first, e.g. square)."""
    def guarded(example):
        try:
            return body(example)
        except StudentError as err:
            return err

    failure = next((f for f in map(guarded, first) if f), None) or first_failure(strategy, guarded, examples)
    if failure is None:
        return "passed", ""
    if isinstance(failure, StudentError):
        return failure.status, failure.message
    return "failed", failure


def make_example(unit: Unit, dims: dict, seed: int):
    rng = rng_for(seed)
    params = unit.params(dims, rng)
    inputs = unit.inputs(dims, rng)
    dout = random_dout(unit, dims, rng)
    if unit.buffers is not None:  # drawn last, so the examples of units without buffers stay as they were
        params = WithBuffers(params, unit.buffers(dims, rng))
    return params, inputs, dout


# -- mechanisms ------------------------------------------------------------------------------------------

def contract(check: Check, rt) -> tuple[str, str]:
    """Right shapes, dtypes and keys; finite values on sane inputs; inputs and dout not modified."""
    unit: Unit = check.unit

    def body(example):
        dims, seed = example
        params, inputs, dout = make_example(unit, dims, seed)
        header, arrays = layer_request(unit, dims, params, inputs, dout)
        header["twice"] = True
        reply = expect_ok(rt.request("layer", header, arrays, timeout=check.timeout))
        got = read_layer_reply(unit, dims, reply, params, inputs, backward=True)
        for key, value in got.items():
            if not np.all(np.isfinite(value)):
                return with_dims(f"{array_label(unit, key)} contains NaN or inf on ordinary inputs", dims)
        for name, value in buffers_of(params).items():
            problem = check_array_type(array_label(unit, "buffer:" + name), reply.header["buffers"][name], value.shape)
            if problem:
                return with_dims(problem + " (update the running statistics in place, with the shape they have)", dims)
        mutated = reply.header.get("mutated", [])
        if mutated:
            which = ", ".join("dout (backward's argument)" if m == "dout" else f"input {m} of forward" for m in mutated)
            return with_dims(f"{unit.label} modified {which} in place; work on new arrays instead "
                             "(e.g. x = x + 1, not x += 1)", dims)
        return repeated_step_problem(unit, dims, reply, got)

    return run_examples(st.tuples(unit.dims, seeds()), body, check.options.get("examples", 12))


def repeated_step_problem(unit: Unit, dims: dict, reply, got: dict) -> str | None:
    """The same forward and backward twice must give the same gradients: backward overwrites self.grads."""
    again = reply.header.get("grads_again", {})
    for key, first in got.items():
        if not key.startswith("grad:") or key[5:] not in again:
            continue
        meta, second = again[key[5:]], reply.arrays.get("grad2:" + key[5:])
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


def perturbation_targets(unit: Unit, params: dict, inputs: list) -> dict:
    """What finite differences perturb: every parameter and the differentiable input, by request name."""
    targets = {f"param:{k}": v for k, v in params.items()}
    targets.update({f"arg{i}": inputs[i] for i in unit.differentiable})
    return targets


def perturbations(targets: dict) -> list:
    """[name, flat index, +eps] and [name, flat index, -eps] for every element of every target."""
    return [[name, j, sign * FD_EPS] for name, value in targets.items() for j in range(value.size) for sign in (1, -1)]


def central_differences(targets: dict, outs: np.ndarray, dout) -> dict:
    """Gradients of L = sum(out * dout) from the outputs under ``perturbations(targets)``, keyed "dx"/"grad:NAME"."""
    losses = (outs.reshape(len(outs), -1) * np.reshape(dout, (1, -1))).sum(axis=1)
    numeric, k = {}, 0
    for name, value in targets.items():
        diffs = (losses[k:k + 2 * value.size:2] - losses[k + 1:k + 2 * value.size:2]) / (2 * FD_EPS)
        numeric["dx" if name.startswith("arg") else "grad:" + name[6:]] = diffs.reshape(value.shape)
        k += 2 * value.size
    return numeric


def numeric_gradients(unit: Unit, dims: dict, params: dict, inputs: list, dout, rt, timeout: float) -> dict:
    """Central differences of the student's forward, with every perturbation in one request."""
    targets = perturbation_targets(unit, params, inputs)
    header, arrays = layer_request(unit, dims, params, inputs)
    header["perturbations"] = perturbations(targets)
    reply = expect_ok(rt.request("perturb", header, arrays, timeout=timeout))
    outs = reply.arrays.get("outs")
    expected_shape = () if unit.scalar_output else unit.out_shape(dims)
    if outs is None or outs.shape != (len(header["perturbations"]), *expected_shape):
        raise StudentError("failed", f"{unit.label}.forward gave outputs of inconsistent shape under small changes")
    return central_differences(targets, outs, dout)


def diagnosis_context(unit: Unit, dims: dict, inputs: list, params: dict, dout, expected: dict, key: str,
                      own_forward: bool = False) -> Context:
    mistakes = unit.mistakes(dims, inputs, params, dout, expected).get(key, []) if unit.mistakes else []
    regions = unit.regions(dims, inputs).get(key, []) if unit.regions else []
    return Context(batch_size=unit.batch_size(dims), known_mistakes=mistakes, regions=regions, own_forward=own_forward)


def gradcheck(check: Check, rt) -> tuple[str, str]:
    """Every gradient backward produces equals central finite differences of forward (float64)."""
    unit: Unit = check.unit

    def body(example):
        dims, seed = example
        params, inputs, dout = make_example(unit, dims, seed)
        reply = expect_ok(rt.request("layer", *layer_request(unit, dims, params, inputs, dout), timeout=check.timeout))
        got = read_layer_reply(unit, dims, reply, params, inputs, backward=True)
        numeric = numeric_gradients(unit, dims, params, inputs, dout, rt, check.timeout)
        for key, expected in numeric.items():
            if key.startswith("grad:") and not np.any(expected) and np.any(got[key]):
                return with_dims(f"{array_label(unit, key)} should be all zeros: your forward does not depend on "
                                 f"params[{key[5:]!r}] at all (finite differences are 0); does forward use it?", dims)
            context = diagnosis_context(unit, dims, inputs, params, dout, numeric, key, own_forward=True)
            problem = compare_arrays(array_label(unit, key), expected, got[key], context, FD_RTOL, FD_ATOL)
            if problem:
                return with_dims(problem + "\n    (expected = central finite differences of your forward)", dims)
        return None

    return run_examples(st.tuples(unit.grad_dims, seeds()), body, check.options.get("examples", 3))


def compare_layer(unit: Unit, dims: dict, expected: dict, got: dict, inputs, params, dout) -> str | None:
    for key in expected:
        context = diagnosis_context(unit, dims, inputs, params, dout, expected, key)
        problem = compare_arrays(array_label(unit, key), np.asarray(expected[key]), got[key], context)
        if problem:
            return with_dims(problem, dims)
    return None


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


def agreement(check: Check, rt) -> tuple[str, str]:
    """Forward and all gradients equal the reference's (hidden) or the stored fixtures' (public)."""
    unit: Unit = check.unit

    def compare(dims, params, inputs, dout, expected):
        try:
            reply = expect_ok(rt.request("layer", *layer_request(unit, dims, params, inputs, dout), timeout=check.timeout))
        except StudentError as err:
            if err.status != "error" or ".backward raised" not in err.message:
                raise
            # backward crashed: a wrong forward is the likelier cause, so name it first if there is one
            reply = rt.request("layer", *layer_request(unit, dims, params, inputs), timeout=check.timeout)
            if not reply.ok:
                raise err from None
            got = read_layer_reply(unit, dims, reply, params, inputs, backward=False)
            problem = compare_layer(unit, dims, {k: v for k, v in expected.items() if k in got}, got, inputs,
                                    params, dout)
            if problem:
                return add_note(problem, f"(and then {err.message.splitlines()[0]})")
            raise err from None
        got = read_layer_reply(unit, dims, reply, params, inputs, backward=True)
        return compare_layer(unit, dims, expected, got, inputs, params, dout)

    if check.options.get("source") == "fixture":
        return against_fixtures(rt.fixture_examples(unit.label), compare)

    def body(example):
        dims, seed = example
        params, inputs, dout = make_example(unit, dims, seed)
        return compare(dims, params, inputs, dout, reference_layer(unit, dims, params, inputs, dout))

    first = tuple((dims, 0) for dims in check.options.get("first_dims", ()))
    return run_examples(st.tuples(unit.dims, seeds()), body, check.options.get("examples", 10), first)


# -- plain functions -------------------------------------------------------------------------------------

def call_request(unit: FunctionUnit, args: list, repeat: int = 1) -> tuple[dict, dict]:
    specs, arrays = [], {}
    for i, arg in enumerate(args):
        if isinstance(arg, np.ndarray):
            arrays[f"a{i}"] = arg
            specs.append({"array": f"a{i}"})
        elif isinstance(arg, Rng):
            specs.append({"rng": arg.seed})
        else:
            specs.append({"json": arg})
    return {"label": unit.label, "target": unit.target, "args": specs, "repeat": repeat}, arrays


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
    real = [np.random.default_rng(a.seed) if isinstance(a, Rng) else (a.copy() if isinstance(a, np.ndarray) else a)
            for a in args]
    value = fn(*real)
    return np.asarray(value, dtype=unit.result_dtype) if unit.result != "strings" else value


def function_agreement(check: Check, rt) -> tuple[str, str]:
    """A function's result equals the reference's (hidden) or the stored fixtures' (public)."""
    unit: FunctionUnit = check.unit

    def compare(dims, args, expected):
        reply = expect_ok(rt.request("call", *call_request(unit, args), timeout=check.timeout))
        got = read_function_result(unit, dims, reply.header["results"][0], reply.arrays, "out0")
        mistakes = unit.mistakes(dims, args, expected) if unit.mistakes else []
        context = Context(known_mistakes=[(d, np.asarray(w, dtype=np.float64)) for d, w in mistakes])
        problem = compare_arrays(f"{unit.label}'s result", np.asarray(expected, np.float64),
                                 np.asarray(got, np.float64), context, rtol=unit.rtol)
        return with_dims(problem, dims) if problem else None

    if check.options.get("source") == "fixture":
        return against_fixtures(rt.fixture_calls(unit.label), compare)

    def body(example):
        dims, seed = example
        args = unit.args(dims, rng_for(seed))
        return compare(dims, args, reference_call(unit, args))

    return run_examples(st.tuples(unit.dims, seeds()), body, check.options.get("examples", 8))


@lru_cache(maxsize=4)
def training_data(block_size: int):
    from grader.data import load_splits

    return load_splits(block_size=block_size)
