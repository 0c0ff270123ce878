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

from grader.sandbox import Rng  # noqa: F401 (a function argument; part of the spec's vocabulary)

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
    input_grad: the name the docstring gives the gradient backward returns ("dx", "dlogits"), used in messages.
    grad_names: when backward returns a tuple, the names of its entries in order (("dx", "dh_prev") for a
    recurrent cell), one per index of ``differentiable``; empty: backward returns dx alone (or None).
    out_names: when forward returns a tuple (an LSTM cell's (h, c)), the names of its entries; out_shape then
    returns one shape per name, and backward takes one upstream gradient per output, in that order.
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
    input_grad: str = "dx"
    grad_names: tuple[str, ...] = ()
    out_names: tuple[str, ...] = ()

    def output_keys(self) -> list[str]:
        """"out", or "out:NAME" for each output of a forward that returns a tuple."""
        return [f"out:{n}" for n in self.out_names] if self.out_names else ["out"]

    def output_shapes(self, dims: dict) -> list[tuple]:
        return list(self.out_shape(dims)) if self.out_names else [self.out_shape(dims)]

    def input_grad_keys(self) -> list[str]:
        """The keys of the input gradients backward returns, matching ``differentiable`` in order."""
        if self.grad_names:
            return list(self.grad_names)
        return ["dx"] if self.differentiable else []
    mode: str = "train"
    buffers: Callable[[dict, np.random.Generator], Arrays] | None = None
    hazards: tuple[str, ...] | None = None  # grader/hazards.py; None: inferred from the reference and depends_on


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
    hazards: tuple[str, ...] | None = None  # as Unit.hazards


# the mechanisms that compare the student's answers with the kit's (stored fixtures, the reference, the kit's
# own forward chain): what the other checks of a unit are gated on (Assignment.gates)
AGREEMENT_KINDS = ("agreement", "function_agreement", "step")

Mechanism = Callable[["Check", Any], tuple[str, str]]
"""A mechanism is a function ``mechanism(check, runtime) -> (status, message)``: it runs one check of any unit
against the student's process (``runtime.request``, grader/runner.py), compares what comes back, and returns a
status of Outcome (passed, failed, ...) with the message a student reads. The generic ones live in
grader/checks.py and grader/behaviour.py; the runner turns (status, message) into an Outcome with points."""


@dataclass
class Check:
    """One named, scored check: a mechanism (see ``Mechanism``) with its settings.

    visibility: "public" checks need nothing secret and ship to students; "hidden" checks need the reference
    and run only where it is installed (the instructor's copy). kind: the mechanism's name ("contract",
    "gradcheck", "agreement", "training", ...), what code outside the mechanism may ask a check about.
    """

    name: str
    points: float
    mechanism: Mechanism
    unit: Any = None
    visibility: str = "public"
    description: str = ""
    options: dict = field(default_factory=dict)
    timeout: float = 10.0  # seconds for the whole check; the reference needs well under 1

    @property
    def kind(self) -> str:
        return self.mechanism.__name__


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
    internal: bool = False  # the grader failed, not the student (its sandbox, or a bug): to be regraded
    forward_ok: bool | None = None  # an agreement check: the forward's output agreed (when the gradients did not)

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
    # modules of earlier assignments this assignment's own code imports (a5: a2's Embedding and Tanh, a3's
    # BatchNorm1d): like the modules its checks use, they are borrowed (grader/instructor/submissions.py)
    imports: tuple[str, ...] = ()
    fixture_dims: dict = field(default_factory=dict)  # unit label -> sizes of its stored golden examples

    @property
    def max_points(self) -> float:
        return sum(c.points for c in self.checks)

    def units_used(self, check: Check) -> set[str]:
        """The labels of the check's unit and of every unit it is built from (depends_on, recursively), among
        this assignment's units (labels repeat across assignments: a2's MLP, a7's MLP block)."""
        units = {c.unit.label: c.unit for c in self.checks if c.unit is not None and hasattr(c.unit, "label")}
        labels, todo = set(), [check.unit.label]
        while todo:
            label = todo.pop()
            if label not in labels and label in units:
                labels.add(label)
                todo.extend(getattr(units[label], "depends_on", ()))
        return labels

    def prerequisites(self, check: Check, every_check: list[Check]) -> list[Check]:
        """The gradient checks (contract, gradcheck, agreement, a stepwise gradient) of every unit a training
        check uses: its model, the layers and functions the model is built from or trained with (depends_on,
        recursively: a7's student-written AdamW) and its loss, found among ``every_check`` (all assignments'
        checks: a2 trains with a1's loss). Training credit needs them all passed, so that a wrong gradient (or
        update) the loop happens to tolerate never earns the training points; the hidden ones are among them
        (the runner asks them where they run: the instructor's grader), so that what only looks right on the
        shipped answers (a lookup table) earns nothing either. A check of another assignment is left out when
        it needs that assignment's stored answers or reference (agreement)."""
        labels = self.units_used(check)
        loss = check.options.get("loss")
        own = {id(c) for c in self.checks}
        chosen = {}
        for other in every_check:
            uses = other.unit is not None and hasattr(other.unit, "label") and (
                (id(other) in own and other.unit.label in labels) or getattr(other.unit, "target", None) == loss)
            agreement = other.kind in AGREEMENT_KINDS
            if (uses and (other.kind in ("contract", "gradcheck") or agreement)
                    and (id(other) in own or (not agreement and other.visibility == "public"))):
                chosen.setdefault(other.name, other)
        # a check of another kind of unit (grader/graphs.py) names the checks its training needs
        chosen.update({c.name: c for c in self.checks if c.name in check.options.get("requires", ())})
        return list(chosen.values())

    def gates(self, check: Check) -> list[Check]:
        """The checks whose verdict a check's points depend on: what it certifies means something only when
        they pass. A check that compares the student's code with itself or with a property that zeros of the
        right shape also have (the contract, finite differences of the student's own forward, stability,
        causality, a refused input, a normalisation) pays only when the forward of its unit, and of every unit
        that unit is built from (depends_on), agrees with the kit's answers: the public agreement checks of
        those units (their forward part: ``Outcome.forward_ok``; on the instructor's side a fixture check
        includes unseen inputs), or the hidden ones for a unit that has no public one. A gradcheck also waits
        for its unit's hidden agreement where it runs, which tells derived gradients from finite differences
        (grader/runner.py ``apply_gates``). Agreement checks themselves and training (``prerequisites``) have
        none."""
        if check.kind in AGREEMENT_KINDS or check.kind == "training" or check.unit is None \
                or not hasattr(check.unit, "label"):
            return []
        gates = []
        for label in (check.unit.label, *getattr(check.unit, "depends_on", ())):  # (a7's lists are flat already)
            agreements = [other for other in self.checks if other.kind in AGREEMENT_KINDS and other is not check
                          and getattr(other.unit, "label", None) == label]
            public = [other for other in agreements if other.visibility == "public"]
            gates += public or agreements
            if check.kind == "gradcheck" and label == check.unit.label:
                gates += [other for other in agreements if other.visibility == "hidden" and other not in gates]
        return gates

    def borrowed_modules(self) -> list[str]:
        """'pkg/module.py' of every module this assignment's checks load from another assignment's package
        (a2's checks use a1's loss; a5's diagnostics, a3's statistics functions), sorted."""
        targets = set(self.imports)
        for check in self.checks:
            diagnostics = check.options.get("diagnostics") or {}  # a training check's plots use these functions
            for target in (getattr(check.unit, "target", None), check.options.get("loss"), *diagnostics.values()):
                if isinstance(target, str) and ":" in target:
                    targets.add(target.partition(":")[0])
        return sorted(t.replace(".", "/") + ".py" for t in targets if not t.startswith(self.package + "."))


@dataclass
class ScriptUnit:
    """Code whose results are plain Python values, not arrays (a tokenizer: ids, merges, text, a file), graded by
    running a script of calls (grader/sandbox/plain.py) on the student's object and on the reference's.

    target: a class ("a8_tokenizer.basic:BasicTokenizer", built with init(dims)) or, with init None, a module
    whose functions the script calls ("a8_tokenizer.base"). dims: strategy of dicts of plain values (hypothesis
    draws texts here). script(dims) -> the steps. compare(dims) -> the indices of the steps whose results are
    compared (default: every "call" and "read" step). mistakes(dims, steps, expected) -> [(description,
    results)]: known wrong results (None where any result will do), recognised by name. show: the dims worth
    showing in a message, by name (default all).
    """

    label: str
    target: str
    dims: st.SearchStrategy
    script: Callable[[dict], list]
    init: Callable[[dict], dict] | None = None
    compare: Callable[[dict], list] | None = None
    mistakes: Callable[..., list] | None = None
    depends_on: tuple[str, ...] = ()
