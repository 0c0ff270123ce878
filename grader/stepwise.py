"""Grade a chain of elementary operations one gradient at a time, with injected upstream gradients.

The forward chain is data: a ``Graph`` of named leaves (parameters and inputs, sampled for given sizes) and
``Op``s (``out = fn(*inputs)``, in order). A ``Step`` is one gradient a student writes as a function,
``d<of>`` from the gradients of a *cut* (by default the outputs of the operations ``of`` feeds) and from
cached values of the forward pass. The mechanism ``step`` calls the student's function with

- the true chain's upstream gradients (what backpropagation really passes down), and
- random upstream gradients: on the true chain some gradients are about zero (Backprop Ninja's dlogit_maxes),
  which would hide a wrong route or sign,

and compares the result with the vector-Jacobian product of the cut subgraph:

- ``source="fd"`` (public): central differences in float64 of the kit's own copy of the forward, which is no
  secret; the true upstream gradients are built the same way, backwards through the graph;
- ``source="reference"`` (hidden): the reference's own function for the step (or ``Step.reference``).

So a wrong early step costs that step's points only: a student whose dlogprobs is wrong still gets a right
dW1 graded right. Any later assignment whose forward is a chain of named operations can use it (a7's attention
stages, for instance): write the Graph and the Steps in its spec.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from hypothesis import strategies as st

from grader.checks import (FD_ATOL, FD_RTOL, call_request, derivation_problem, expect_ok, extreme_function_examples,
                           inputs_unchanged, load_reference,
                           run_examples, with_dims)
from grader.diagnose import Context, compare_arrays, describe_received
from grader.spec import Check
from grader.strategies import rng_for, seeds

FD_EPS = 1e-6
FLOAT32_RTOL = 1e-4  # what float32 arithmetic through a few operations agrees to


@dataclass
class Op:
    """One line of the forward chain: ``out = fn(*inputs)``; text is that line as the student reads it."""

    out: str
    inputs: tuple[str, ...]
    fn: Callable
    text: str = ""


@dataclass
class Graph:
    """leaves(dims, rng) -> {name: array}: parameters and inputs; ops in forward order; output: the loss."""

    leaves: Callable[[dict, np.random.Generator], dict]
    ops: list[Op]
    output: str = "loss"

    def forward(self, leaves: dict) -> dict:
        values = dict(leaves)
        for op in self.ops:
            values[op.out] = op.fn(*(values[name] for name in op.inputs))
        return values

    def sample(self, dims: dict, seed: int) -> dict:
        return self.forward(self.leaves(dims, rng_for(seed)))

    def consumers(self, node: str) -> tuple[str, ...]:
        return tuple(op.out for op in self.ops if node in op.inputs)


@dataclass
class Step:
    """One gradient, written by the student as ``target(*args)``.

    of: the node whose gradient it is (expected shape: that node's). args: names of the arguments, in order:
    "d<node>" for an injected gradient of a cut node, any other name for a forward value. cut: the nodes whose
    gradients are injected (default: the consumers of ``of``); a fused step cuts further down ("loss", or
    "hpreact" for a whole BatchNorm). Scalar cut nodes (the loss) always get gradient 1.
    mistakes(env) -> [(description, wrong array)]: known wrong answers (env: every forward value, the injected
    gradients by "d<node>", and the sizes). reference(env) -> the hidden oracle (default: the reference's
    ``target`` on the same arguments). hints: shape -> message, for wrong shapes with a known cause.
    """

    label: str
    target: str
    of: str
    args: tuple[str, ...]
    graph: Graph
    dims: st.SearchStrategy
    cut: tuple[str, ...] | None = None
    mistakes: Callable[[dict], list] | None = None
    reference: Callable[[dict], np.ndarray] | None = None
    depends_on: tuple[str, ...] = ()
    batch_size: Callable[[dict], int] = lambda d: d.get("N", 1)
    extra_dims: tuple = field(default_factory=tuple)  # sizes tried before hypothesis's

    def cut_nodes(self) -> tuple[str, ...]:
        return self.cut if self.cut is not None else self.graph.consumers(self.of)


# -- finite differences through the graph --------------------------------------------------------------

def downstream(graph: Graph, of: str, cut: tuple) -> list[Op]:
    """The operations to recompute when ``of`` changes, in order, stopping at the cut: a cut node keeps its
    cached value where it is used as an input (its injected gradient already accounts for what follows it)."""
    changed, plan = {of}, []
    for op in graph.ops:
        if changed.intersection(op.inputs):
            plan.append(op)
            if op.out not in cut:
                changed.add(op.out)
    return plan


def cut_value(plan: list[Op], values: dict, of: str, value: np.ndarray, cut: tuple, grads: dict) -> float:
    """sum over the cut of <grad, node> with ``of`` set to ``value`` (only the cut nodes ``plan`` reaches
    change; the others add a constant, which central differences cancel)."""
    current = dict(values)
    current[of] = value
    total = 0.0
    for op in plan:
        out = op.fn(*(current[name] for name in op.inputs))
        if op.out in cut:
            total += float(np.vdot(np.broadcast_to(grads[op.out], np.shape(out)), out))
        else:
            current[op.out] = out
    return total


def vjp(graph: Graph, values: dict, of: str, cut: tuple, grads: dict) -> np.ndarray:
    """d/d``of`` of sum over the cut of <grads[node], node>, by central differences in float64."""
    plan = downstream(graph, of, cut)
    base = np.asarray(values[of], dtype=np.float64)
    result = np.zeros_like(base)
    for j in range(base.size):
        plus, minus = base.copy(), base.copy()
        plus.flat[j] += FD_EPS
        minus.flat[j] -= FD_EPS
        result.flat[j] = (cut_value(plan, values, of, plus, cut, grads)
                          - cut_value(plan, values, of, minus, cut, grads)) / (2 * FD_EPS)
    return result


def chain_gradients(graph: Graph, values: dict, nodes) -> dict:
    """The true gradient of the loss with respect to each of ``nodes`` (and everything between them and the
    loss), backwards through the graph one operation at a time: reverse mode with local finite differences."""
    produced = [op.out for op in graph.ops]
    leaves = [n for op in graph.ops for n in op.inputs if n not in produced]
    order = list(dict.fromkeys(leaves + produced))
    needed = set(nodes)
    for op in graph.ops:  # every node between a needed one and the loss is needed too
        if needed.intersection(op.inputs):
            needed.add(op.out)
    grads = {graph.output: 1.0}
    for name in reversed(order):  # consumers come later in forward order, so their gradients are ready
        if name in needed and name not in grads and np.asarray(values[name]).dtype.kind == "f":
            grads[name] = vjp(graph, values, name, graph.consumers(name), grads)
    return grads


_chain_cache: dict = {}


def true_upstream(graph: Graph, dims: dict, seed: int, values: dict, nodes) -> dict:
    key = (id(graph), tuple(sorted(dims.items())), seed)
    cached = _chain_cache.get(key)
    if cached is None or not set(nodes) <= set(cached):
        if len(_chain_cache) > 64:
            _chain_cache.clear()
        cached = chain_gradients(graph, values, set(nodes) | set(cached or ()))
        _chain_cache[key] = cached
    return {n: cached[n] for n in nodes}


# -- the mechanism ---------------------------------------------------------------------------------------

def injected(step: Step, values: dict, dims: dict, seed: int, kind: str) -> dict:
    """The upstream gradients of the cut: "chain" (the true ones) or "random" (standard normal)."""
    cut = step.cut_nodes()
    if kind == "chain":
        grads = true_upstream(step.graph, dims, seed, values, cut)
    else:
        rng = rng_for(seed + 7919)
        grads = {n: rng.standard_normal(np.shape(values[n])) for n in cut}
    return {n: (1.0 if np.ndim(values[n]) == 0 else grads[n]) for n in cut}


def environment(step: Step, values: dict, grads: dict, dims: dict) -> dict:
    env = dict(values)
    env.update({"d" + n: g for n, g in grads.items()})
    env.update(dims=dims, N=step.batch_size(dims))
    return env


def expected_gradient(step: Step, check: Check, values: dict, grads: dict, env: dict) -> np.ndarray:
    if check.options.get("source") == "reference":
        if step.reference is not None:
            return np.asarray(step.reference(env), dtype=np.float64)
        fn = load_reference(step.target)
        return np.asarray(fn(*(np.copy(env[a]) if isinstance(env[a], np.ndarray) else env[a] for a in step.args)),
                          dtype=np.float64)
    return vjp(step.graph, values, step.of, step.cut_nodes(), grads)


def shape_problem(step: Step, expected_shape: tuple, got_shape: tuple) -> str | None:
    """Say what a wrong shape means in a chain of broadcasts: a dropped keepdims, a missing sum."""
    if got_shape == expected_shape:
        return None
    name, of = step.label, step.of
    head = f"{name} has shape {got_shape}, expected {expected_shape} (the shape of {of})"
    if len(got_shape) == 2 and got_shape == expected_shape[::-1]:
        return f"{head}: it looks transposed"
    squeezed = tuple(d for d in expected_shape if d != 1)
    if len(expected_shape) == 2 and 1 in expected_shape and got_shape == squeezed:
        axis = expected_shape.index(1)
        if axis == 1:
            return (f"{head}: the summed axis was dropped; keep it with .sum(1, keepdims=True). An array of shape "
                    f"{got_shape} broadcasts against ({expected_shape[0]}, V) along the columns, not the rows, so "
                    "later steps silently go wrong (without an error when N == V)")
        return (f"{head}: the summed axis was dropped; keep it with .sum(0, keepdims=True). Broadcasting hides "
                f"this ({got_shape} acts like {expected_shape} in (N, H) arithmetic) but a gradient has exactly the "
                f"shape of its variable, and {of} is {expected_shape}")
    if len(got_shape) == len(expected_shape) and all(e in (1, g) for e, g in zip(expected_shape, got_shape)):
        axes = tuple(i for i, (e, g) in enumerate(zip(expected_shape, got_shape)) if e == 1 and g != 1)
        return (f"{head}: {of} was broadcast along axis {axes[0] if len(axes) == 1 else axes} in forward, so its "
                f"gradient is summed over that axis (keepdims=True)")
    if got_shape == tuple(d for d in expected_shape if d != 1) or squeezed == tuple(d for d in got_shape if d != 1):
        return f"{head}: an extra or missing axis of size 1 (keepdims, or a missing reshape/squeeze?)"
    if int(np.prod(got_shape)) == int(np.prod(expected_shape)):
        return f"{head}: same number of elements, so a reshape went wrong"
    return head


def float32_problem(step: Step, expected: np.ndarray, got: np.ndarray, dtype: str) -> str | None:
    """float32 arithmetic is not a wrong formula: say which it is."""
    single = dtype == "float32" or (got.size and np.array_equal(got.astype(np.float32).astype(np.float64), got)
                                    and not np.array_equal(expected.astype(np.float32).astype(np.float64), expected))
    if not single:
        return None
    scale = np.max(np.abs(expected)) if expected.size else 0.0
    if np.allclose(got, expected, rtol=FLOAT32_RTOL, atol=FLOAT32_RTOL * max(scale, 1e-8)):
        err = float(np.max(np.abs(got - expected)))
        return (f"{step.label} agrees with the expected values to float32 precision only (max abs err {err:.2g}): "
                "your formula looks right, but it is computed in float32 somewhere (a float32 array, dtype=np.float32, "
                "or a value from torch). The kit works in float64: keep every array float64"
                + (f" (yours is {dtype})" if dtype != "float64" else ""))
    if dtype != "float64":
        return f"{step.label} has dtype {dtype}, expected float64 (the kit works in float64: don't cast to float32)"
    return None


def read_result(step: Step, reply, expected: np.ndarray) -> tuple[np.ndarray | None, str | None]:
    meta = reply.header["results"][0]
    if meta.get("kind") != "array":
        return None, (f"{step.label} should return a float64 array of shape {expected.shape}, but returned "
                      f"{describe_received(meta)}")
    if not meta.get("exact", True):
        return None, f"{step.label} returned a {meta.get('type')} (an ndarray subclass); return a plain np.ndarray"
    got = reply.arrays["out0"]
    problem = shape_problem(step, expected.shape, got.shape)
    if problem:
        return None, problem
    if got.dtype.kind != "f":
        return None, (f"{step.label} has dtype {got.dtype}, expected float64 (integer arithmetic? divide with / or "
                      "start from float64 arrays)")
    got64 = got.astype(np.float64)
    problem = float32_problem(step, expected, got64, str(got.dtype))
    if problem and got.dtype != np.float64:
        return None, problem
    return got64, None


def describe_upstream(step: Step, kind: str) -> str:
    cut = [n for n in step.cut_nodes() if n != step.graph.output]
    if not cut:
        return ""
    grads = ", ".join("d" + n for n in cut)
    if kind == "chain":
        return f"with the true chain's upstream gradient{'s' if len(cut) > 1 else ''} {grads}"
    return (f"with random upstream gradient{'s' if len(cut) > 1 else ''} {grads} injected (the true chain's "
            "would hide this mistake where it is near zero)")


def flow_text(step: Step) -> str:
    """The forward lines between the step's variable and its cut, shortened when there are many."""
    texts = [op.text or op.out for op in downstream(step.graph, step.of, step.cut_nodes())]
    return "; ".join(texts) if len(texts) <= 3 else f"{texts[0]}; ... ({len(texts) - 2} more); {texts[-1]}"


def step(check: Check, rt) -> tuple[str, str]:
    """The student's gradient function for one step, on the true and on random upstream gradients, against
    finite differences of the forward (source "fd") or the reference (source "reference")."""
    unit: Step = check.unit
    kinds = check.options.get("upstream", ("chain", "random"))
    # reference: the kit's usual tolerance (float64 rounding of another correct formula passes, and so do
    # float64 results with a float32 intermediate); finite differences: theirs
    rtol, atol = (FD_RTOL, FD_ATOL) if check.options.get("source") != "reference" else (1e-6, 1e-8)
    flow = flow_text(unit)

    def body(example):
        dims, seed = example
        values = unit.graph.sample(dims, seed)
        for kind in kinds:
            grads = injected(unit, values, dims, seed, kind)
            if kind == "random" and all(np.ndim(g) == 0 for g in grads.values()):
                continue  # only the loss is upstream: nothing random to inject
            env = environment(unit, values, grads, dims)
            expected = expected_gradient(unit, check, values, grads, env)
            args = [env[a] for a in unit.args]
            reply = expect_ok(rt.request("call", *call_request(unit, args), timeout=check.timeout))
            inputs_unchanged(reply, unit.label, unit.args)
            got, problem = read_result(unit, reply, expected)
            if problem is None:
                mistakes = unit.mistakes(env) if unit.mistakes else []
                context = Context(batch_size=unit.batch_size(dims),
                                  known_mistakes=[(d, np.asarray(w, dtype=np.float64)) for d, w in mistakes])
                problem = compare_arrays(unit.label, expected, got, context, rtol, atol)
                if problem:
                    problem = float32_problem(unit, expected, got, "float64") or problem
                elif check.options.get("source") == "reference":  # hidden: agree as a derivation does
                    problem = derivation_problem(unit.label, expected, got)
            if problem:
                where = describe_upstream(unit, kind)
                source = ("central finite differences of the forward" if check.options.get("source") != "reference"
                          else "the reference")
                note = f"\n    ({where}; {unit.of} flows into: {flow}; expected = {source})" if where else \
                    f"\n    ({unit.of} flows into: {flow}; expected = {source})"
                return with_dims(problem + note, dims)
        return None

    strategy = st.tuples(unit.dims, seeds())
    first = tuple((dims, 0) for dims in unit.extra_dims)
    status, message = run_examples(strategy, body, check.options.get("examples", 3), first)
    if status != "passed" or check.options.get("source") != "reference":
        return status, message

    def forward_values(dims):  # a step whose arguments are all forward values (a fused step) has extremes
        values = unit.graph.sample(dims, 0)
        return [values[a] for a in unit.args] if all(a in values for a in unit.args) else None

    return extreme_function_examples(check, rt, forward_values, unit.args)
