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

import importlib.util
from functools import lru_cache

import numpy as np
from hypothesis import strategies as st

from grader.diagnose import Context, check_array_type, compare_arrays, describe_received, error_hint
from grader.hazards import (extreme_args, extreme_close, extreme_inputs, extreme_message, hazards_of,
                            signs)
from grader.sandbox import Reply, decode_args, encode_args
from grader.spec import Check, FunctionUnit, Unit, WithBuffers, buffers_of
from grader import targets
from grader.strategies import first_failure, rng_for, seeds

FD_EPS = 1e-6
FD_RTOL = 1e-5
FD_ATOL = 1e-7


class StudentError(Exception):
    """The student's code could not produce an answer: status is "not implemented", "error", "timeout"..."""

    def __init__(self, status: str, message: str, where: str | None = None):
        super().__init__(message)
        self.status, self.message, self.where = status, message, where

    @property
    def backward_missing(self) -> bool:
        """A backward that raises NotImplementedError: its forward can still be graded on its own."""
        return self.status == "not implemented" and str(self.where or "").endswith(".backward")


def expect_ok(reply: Reply) -> Reply:
    if reply.ok:
        return reply
    if reply.status == "error":
        error = reply.header.get("error", {})
        if error.get("type") == "NotImplementedError":
            name = str(error.get("message", "")).partition(":")[0].strip() or error.get("where", "this code")
            location = str(error.get("location") or "").partition(":")[0]
            raise StudentError("not implemented", f"{name} is not implemented yet" + (f" ({location})" if location else ""),
                               where=str(reply.where))
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
    """The reference's object ``target`` names (grader/targets.py, the one loader)."""
    return targets.load(target, reference=True)


def reference_object(unit: Unit, dims: dict, params: dict):
    """The reference's layer or model of ``unit`` built for ``dims``, with the grader's parameter values copied
    into its own arrays (as the student's process does with the student's object)."""
    obj = load_reference(unit.target)(**unit.init(dims))
    for name, value in params.items():
        obj.params[name][...] = value
    for name, value in buffers_of(params).items():
        obj.buffers[name][...] = value
    if unit.mode == "eval":
        obj.eval()
    return obj


def reference_layer(unit: Unit, dims: dict, params: dict, inputs: list, dout) -> dict:
    """The reference's forward output, input gradient and parameter gradients, as the child would send them;
    a unit with buffers also gives them after forward ("buffer:NAME")."""
    obj = reference_object(unit, dims, params)
    out = obj.forward(*[a.copy() for a in inputs])
    outs = out if unit.out_names else (out,)
    result = {key: np.asarray(o, dtype=np.float64) for key, o in zip(unit.output_keys(), outs)}
    result.update({f"buffer:{k}": obj.buffers[k].copy() for k in buffers_of(params)})
    if dout is not None:
        if unit.out_names:
            dx = obj.backward(*[d.copy() for d in dout])
        else:
            dx = obj.backward(float(dout) if unit.scalar_output else dout.copy())
        dxs = dx if unit.grad_names else (dx,)
        result.update(zip(unit.input_grad_keys(), dxs))
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
        if unit.out_names:  # one upstream gradient per output: backward(*douts)
            header["n_douts"] = len(dout)
            arrays.update({f"dout{i}": np.asarray(d, dtype=np.float64) for i, d in enumerate(dout)})
        else:
            arrays["dout"] = np.asarray(dout, dtype=np.float64)
    return header, arrays


def random_dout(unit: Unit, dims: dict, rng: np.random.Generator):
    """An upstream gradient that is never all ones (ones hide transposes and sums)."""
    if unit.scalar_output:
        return float(rng.uniform(0.5, 2.0))
    if unit.out_names:
        return tuple(rng.standard_normal(shape) for shape in unit.output_shapes(dims))
    return rng.standard_normal(unit.out_shape(dims))


def array_label(unit: Unit, key: str) -> str:
    if key == "out":
        return f"{unit.label}.forward's output"
    if key.startswith("out:"):
        return f"{key.removeprefix('out:')} returned by {unit.label}.forward"
    if key.startswith("grad:"):
        return f"{unit.label}.grads[{key.removeprefix('grad:')!r}]"
    if key == "dx":
        return f"{unit.input_grad} returned by {unit.label}.backward"
    if key.startswith("buffer:"):
        return f"{unit.label}.buffers[{key.removeprefix('buffer:')!r}] after forward"
    return f"{key} returned by {unit.label}.backward"


def inputs_unchanged(reply: Reply, label: str, names=None) -> None:
    """Every call the grader makes must leave the arrays it passed as they were (a caller still needs them: the
    chain's next step, a second backward); raises StudentError("failed") naming each one modified in place.
    reply.header["mutated"]: the indices of the modified arguments ("dout": backward's). names: the arguments'
    names by index (a function's parameters); a layer's are its forward's inputs."""
    mutated = reply.header.get("mutated") or []
    if not mutated:
        return
    def name(m):
        if m == "dout":
            return "dout (backward's argument)"
        if names is not None and isinstance(m, int) and m < len(names):
            return f"its argument {names[m]}"
        return f"input {m} of forward" if names is None else f"its argument {m + 1}"
    which = ", ".join(map(name, mutated))
    raise StudentError("failed", f"{label} modified {which} in place; the grader checks that every input is unchanged "
                                 "after each call, since the caller still needs it (the next step of the chain, a "
                                 "second backward). Work on new arrays instead (d = x.copy() before changing d; "
                                 "x = x + 1, not x += 1)")


def read_layer_reply(unit: Unit, dims: dict, reply: Reply, params: dict, inputs: list, backward: bool) -> dict:
    """The student's arrays by key ("out", "dx", "grad:NAME"), after checking the contract; raises
    StudentError("failed") with the first broken promise."""
    h, arrays = reply.header, reply.arrays
    inputs_unchanged(reply, unit.label)
    got = {}
    out = h.get("out", {})
    if unit.scalar_output:
        if out.get("kind") == "array" and out.get("shape") == [] and "out" in arrays:
            out = {"kind": "scalar", "value": float(arrays["out"])}
        if out.get("kind") != "scalar":
            raise StudentError("failed", f"{unit.label}.forward should return the loss as a float, "
                                         f"but returned {describe_received(out)}")
        got["out"] = np.asarray(out["value"], dtype=np.float64)
    elif unit.out_names:
        got.update(read_tuple(unit, "forward", h.get("outs"), out, unit.output_keys(), unit.output_shapes(dims), arrays))
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
    if unit.grad_names:
        shapes = [inputs[i].shape for i in unit.differentiable]
        got.update(read_tuple(unit, "backward", h.get("dxs"), h.get("dx", {}), unit.input_grad_keys(), shapes, arrays))
    elif unit.differentiable:
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


def forward_alone(unit: Unit, dims: dict, params: dict, inputs: list, rt, timeout: float, missing: StudentError,
                  dout=None, expected: dict | None = None, what: str = "") -> str:
    """When backward is not implemented yet, grade forward on its own, so the first feedback comes as soon as
    forward exists: returns a failure message if forward is wrong (its shape, a NaN, or ``expected_out``);
    raises ``missing`` (status "not implemented"), saying that forward is right, if it is."""
    reply = expect_ok(rt.request("layer", *layer_request(unit, dims, params, inputs), timeout=timeout))
    out = read_layer_reply(unit, dims, reply, params, inputs, backward=False)["out"]
    if not np.all(np.isfinite(out)):
        return with_dims(f"{array_label(unit, 'out')} contains NaN or inf on ordinary inputs", dims)
    if expected is not None:
        problem = compare_arrays(array_label(unit, "out"), np.asarray(expected["out"]), out,
                                 diagnosis_context(unit, dims, inputs, params, dout, expected, "out"))
        if problem:
            return with_dims(problem, dims)
    missing.message = f"{unit.label}.forward passes{what}; {missing.message}"
    raise missing


def read_tuple(unit: Unit, method: str, metas, whole: dict, keys: list, shapes: list, arrays: dict) -> dict:
    """The entries of a tuple returned by forward or backward (the child sends them as out0.. or dx0..)."""
    names = [k[4:] if k.startswith("out:") else k for k in keys]
    promised = f"a tuple ({', '.join(names)})"
    if not isinstance(metas, list):
        raise StudentError("failed", f"{unit.label}.{method} should return {promised}, but returned "
                                     f"{describe_received(whole)}")
    if len(metas) != len(keys):
        raise StudentError("failed", f"{unit.label}.{method} should return {promised} of {len(keys)} arrays, "
                                     f"but returned a tuple of {len(metas)}")
    got = {}
    prefix = "out" if method == "forward" else "dx"
    for i, (key, shape, meta) in enumerate(zip(keys, shapes, metas)):
        problem = check_array_type(array_label(unit, key), meta, shape)
        if problem:
            raise StudentError("failed", problem)
        got[key] = arrays[f"{prefix}{i}"]
    return got


def add_note(message: str, note: str) -> str:
    """Put a note above the "(with sizes)" line, so every failure reads: what, worst element, notes, sizes."""
    head, sep, sizes = message.rpartition("\n    (with ")
    return f"{head}\n    {note}{sep}{sizes}" if sep else f"{message}\n    {note}"


def shown_dims(dims: dict) -> dict:
    """The sizes as a message shows them: a number the strategies draw in tenths (smoothing_tenths=10) is shown
    under the docstring's name with its value (smoothing=1.0)."""
    return {k.removesuffix("_tenths"): (v / 10 if k.endswith("_tenths") else v) for k, v in dims.items()}


def with_dims(message: str, dims: dict) -> str:
    sizes = ", ".join(f"{k}={v}" for k, v in shown_dims(dims).items())
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


class Mistakes:
    """Known mistakes from several sources, in order, computed only when a diagnosis iterates over them: a
    source is a list or a function returning one. Most comparisons pass, and a unit's mistakes can cost a few
    forward and backward passes (a6's time loop, a7's Block): computed eagerly they took a quarter of a6's
    grading time."""

    def __init__(self, *sources):
        self.sources = sources

    def __iter__(self):
        for source in self.sources:
            yield from (source() if callable(source) else source)


class Explaining:
    """The known mistakes that change ``key`` from its right answer (``right()``, computed once, when a diagnosis
    first asks): a mistake elsewhere (a forward's, another gradient's) gives the right array here, and naming it
    for a difference in this array would send the student to the wrong place."""

    def __init__(self, mistakes, right):
        self.mistakes, self.right, self.value = mistakes, right, None

    def __iter__(self):
        for description, wrong in self.mistakes:
            if self.value is None:
                self.value = np.asarray(self.right(), dtype=np.float64)
            wrong = np.asarray(wrong, dtype=np.float64)
            if wrong.shape != self.value.shape or not np.allclose(wrong, self.value, rtol=1e-6, atol=1e-8):
                yield description, wrong


def diagnosis_context(unit: Unit, dims: dict, inputs: list, params: dict, dout, expected: dict, key: str,
                      own_forward: bool = False) -> Context:
    """The diagnosis of ``key``: the known mistakes stored with a fixture's answers (``expected.mistakes``,
    grader/fixtures.py: they include those only the instructor's grader can compute), then the unit's own; only
    those that change ``key`` from its right answer (the reference's where the expected array is the finite
    differences of the student's own forward, which may be wrong itself)."""
    stored = getattr(expected, "mistakes", {}).get(key, [])
    own = (lambda: unit.mistakes(dims, inputs, params, dout, expected).get(key, [])) if unit.mistakes else []
    regions = unit.regions(dims, inputs).get(key, []) if unit.regions else []

    def right():
        if own_forward and reference_available():
            try:
                with np.errstate(all="ignore"):
                    return reference_layer(unit, dims, params, inputs, dout)[key]
            except Exception:  # noqa: BLE001 - the reference refuses these inputs: finite differences it is
                pass
        return expected[key]

    return Context(batch_size=unit.batch_size(dims), known_mistakes=Explaining(Mistakes(stored, own), right),
                   regions=regions, own_forward=own_forward)


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


# -- plain functions -------------------------------------------------------------------------------------

def call_request(unit: FunctionUnit, args: list, repeat: int = 1) -> tuple[dict, dict]:
    specs, arrays = encode_args(args)
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


def argument_names(unit) -> tuple:
    """The names of a function's parameters, from the reference where it is installed (else none: messages then
    number the arguments)."""
    try:
        import inspect
        return tuple(inspect.signature(load_reference(unit.target)).parameters)
    except Exception:  # noqa: BLE001 - no reference (a student's grader), or not a plain function
        return ()


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
