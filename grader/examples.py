"""One example exchanged with the student's process: made (sizes, parameters, inputs, upstream gradient), sent
as a request, its reply read and checked against the unit's contract, and the reference's answer on the same
example. Every mechanism (grader/checks.py, behaviour.py, extremes.py, stepwise.py, ...) builds on these;
``grader.checks`` re-exports them.

A ``StudentError`` carries a check's status and message out of any depth of reading a reply.
"""
from __future__ import annotations

import importlib.util

import numpy as np

from grader import targets
from grader.diagnose import (
    Context,
    check_array_type,
    compare_arrays,
    describe_received,
    error_hint,
)
from grader.sandbox import Reply, encode_args
from grader.spec import FunctionUnit, Unit, WithBuffers, buffers_of
from grader.strategies import first_failure, rng_for


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


def call_request(unit: FunctionUnit, args: list, repeat: int = 1) -> tuple[dict, dict]:
    specs, arrays = encode_args(args)
    return {"label": unit.label, "target": unit.target, "args": specs, "repeat": repeat}, arrays


def argument_names(unit) -> tuple:
    """The names of a function's parameters, from the reference where it is installed (else none: messages then
    number the arguments)."""
    try:
        import inspect
        return tuple(inspect.signature(load_reference(unit.target)).parameters)
    except Exception:  # noqa: BLE001 - no reference (a student's grader), or not a plain function
        return ()


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
