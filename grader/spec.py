"""The grader's vocabulary: what a student writes (units) and what is checked (an assignment's checks).

An assignment is data: its units (layers, models, functions), and a list of checks, each a generic
mechanism from grader/checks.py applied to a unit, with points and a visibility. Adding an assignment means
writing its spec module under grader/specs/ and its reference, not a new grader.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from hypothesis import strategies as st

Arrays = dict[str, np.ndarray]


@dataclass
class Unit:
    """A layer or model: a class with params/grads dicts, forward(*inputs) and backward(dout).

    dims: strategy of size dicts for contract and reference checks (any sizes, including 1).
    grad_dims: strategy of size dicts for finite differences (distinct, at least 2).
    init(dims) -> constructor kwargs; params(dims, rng) -> the parameter values the grader injects;
    inputs(dims, rng) -> forward's positional arguments; out_shape(dims) -> forward's output shape.
    differentiable: indices of the inputs whose gradient backward returns (the first only, by convention);
    empty when the inputs are token ids (backward returns None).
    scalar_output: forward returns a float (a loss) and backward takes the upstream float.
    batch_size(dims): N, to recognise mean/sum mix-ups.
    mistakes(dims, inputs, params, dout, expected) -> {label: [(description, wrong array)]}: known wrong
    answers, recognised by name in a failure message. regions(dims, inputs) -> {label: [(mask, meaning)]}.
    depends_on: labels of units this one is built from (a failure there explains one here).
    mode: "train" or "eval": the grader calls the object's eval() before forward for "eval" (the train/eval
    convention of assignments/README.md). buffers(dims, rng) -> the values the grader injects into the
    object's ``buffers`` (running statistics) before forward; they are read back after forward and compared
    like the outputs (keys "buffer:NAME").
    """

    label: str
    target: str  # "a2_mlp.linear:Linear": module path inside the assignments folder, and attribute
    dims: st.SearchStrategy
    grad_dims: st.SearchStrategy
    init: Callable[[dict], dict]
    params: Callable[[dict, np.random.Generator], Arrays]
    inputs: Callable[[dict, np.random.Generator], list[np.ndarray]]
    out_shape: Callable[[dict], tuple]
    differentiable: tuple[int, ...] = (0,)
    scalar_output: bool = False
    batch_size: Callable[[dict], int] = lambda d: d.get("N", 1)
    mistakes: Callable[..., dict] | None = None
    regions: Callable[..., dict] | None = None
    depends_on: tuple[str, ...] = ()
    mode: str = "train"
    buffers: Callable[[dict, np.random.Generator], Arrays] | None = None


class WithBuffers(dict):
    """The parameter values of an example (a plain dict of them), and in ``.buffers`` the buffer values the
    grader injects with them (a unit with buffers); code that only knows params sees a dict."""

    def __init__(self, params: dict, buffers: dict):
        super().__init__(params)
        self.buffers = buffers


def buffers_of(params: dict) -> dict:
    return getattr(params, "buffers", {})


@dataclass
class FunctionUnit:
    """A plain function. args(dims, rng) -> list of arguments: np.ndarray, JSON-able values, or Rng(seed).

    result: "array" (with result_shape(dims) and result_dtype), "scalar" or "strings".
    """

    label: str
    target: str
    dims: st.SearchStrategy
    args: Callable[[dict, np.random.Generator], list]
    result: str = "array"
    result_shape: Callable[[dict], tuple] | None = None
    result_dtype: Any = np.float64
    mistakes: Callable[..., list] | None = None
    rtol: float = 1e-6
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rng:
    """An argument the student's process turns into ``np.random.default_rng(seed)``."""

    seed: int


@dataclass
class Check:
    """One named, scored check: a mechanism (grader/checks.py) with its settings.

    visibility: "public" checks need nothing secret and ship to students; "hidden" checks need the reference
    and run only where it is installed (the instructor's copy).
    """

    name: str
    points: float
    mechanism: Callable[..., "Outcome"]
    unit: Any = None
    visibility: str = "public"
    description: str = ""
    options: dict = field(default_factory=dict)
    timeout: float = 10.0  # seconds for the whole check; the reference needs well under 1


@dataclass
class Outcome:
    """The result of one check for one submission."""

    name: str
    points: float
    max_points: float
    status: str  # passed | failed | not implemented | error | timeout | crashed | skipped
    message: str = ""
    visibility: str = "public"
    unit: str | None = None
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.status == "passed"


@dataclass
class Assignment:
    key: str  # "a2"
    package: str  # "a2_mlp"
    title: str
    checks: list[Check]
    requires: tuple[str, ...] = ()  # other packages the student's code imports (a1_bigram for the loss)
    fixture_dims: dict = field(default_factory=dict)  # unit label -> sizes of its stored golden examples

    @property
    def max_points(self) -> float:
        return sum(c.points for c in self.checks)

    def borrowed_modules(self) -> list[str]:
        """'pkg/module.py' of every module this assignment's checks load from another assignment's package
        (a2's checks use a1's loss), sorted."""
        targets = set()
        for check in self.checks:
            for target in (getattr(check.unit, "target", None), check.options.get("loss")):
                if isinstance(target, str):
                    targets.add(target.partition(":")[0])
        return sorted(t.replace(".", "/") + ".py" for t in targets if not t.startswith(self.package + "."))
