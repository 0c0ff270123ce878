"""Mechanisms for a scalar autograd engine (a ``Value`` class, micrograd) and a network built from it.

An engine is graded on *expression programs* (grader/micrograd.py): small graphs of operations sent to the
student's process as data (``op_graph`` of grader/sandbox/child.py), built there with the student's Value,
differentiated with its ``backward()``; the data and grad of the nodes come back as numbers. The expected
values never need the reference:

- data: the program evaluated in float64 by the kit (``micrograd.evaluate``);
- grad of every leaf: central finite differences of that evaluation (public checks);
- the reference's engine on the same program, every node's data and grad (hidden checks).

Random programs come from the hypothesis strategy ``expression_graphs``: shared subexpressions, reused nodes
(``a + a``, ``a * a``, a value used by three later operations), every operation and its reflected form, each
operand kept in its operation's domain. Fixed *probes* isolate the classic mistakes of the lecture (a
missing seed, ``=`` for ``+=``, no or a wrong topological order, a node's backward run twice, recursion on a
deep graph), so a failure names its cause from the numbers alone: the grader never computes a derivative.

A network (``scalar_net.ScalarNet``: ``MLP(nin, nouts)`` with ``parameters()``, micrograd's nn.py) has its mechanisms in
grader/scalar_net.py.
Any later engine-style assignment (a tensor Value, say) can reuse these with its own programs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from grader import micrograd
from grader.checks import StudentError, expect_ok, load_reference, run_examples
from grader.diagnose import error_hint
from grader.spec import Check

FD_RTOL = 1e-5
FD_ATOL = 1e-6
REF_RTOL = 1e-9
REF_ATOL = 1e-12


@dataclass
class ScalarEngine:
    """A Value class: label "Value", target "a0_micrograd.engine:Value"."""

    label: str
    target: str
    depends_on: tuple[str, ...] = ()


# -- random expression graphs ------------------------------------------------------------------------------

CONSTANTS = (2.0, -1.5, 0.5, 3.0)
EXPONENTS = (2, 3, -1, 0.5, -0.5, 1.5)


def in_domain(name: str, a: float, b) -> bool:
    """The operand values where an operation is defined, smooth, and safe for finite differences in float64:
    log of a positive number, division away from 0, a fractional power of a positive base, exp of a moderate
    number, ReLU away from its kink."""
    if name == "log":
        return a > 0.1
    if name in ("div", "div_c"):
        return abs(b) > 0.2
    if name == "rdiv":
        return abs(a) > 0.2
    if name == "pow":
        return (a > 0.1) if float(b) != int(b) else (abs(a) > 0.2 if b < 0 else True)
    if name == "exp":
        return a < 3.0
    if name == "relu":
        return abs(a) > 0.05
    return True


@st.composite
def expression_graphs(draw, leaves: tuple[int, int] = (1, 4), ops: tuple[int, int] = (1, 10)) -> dict:
    """A random program: 1-4 leaves in [-2, -0.3] or [0.3, 2], then operations on earlier nodes (a second
    operand equal to the first a third of the time: a + a, a * a), each kept in its domain and below 50 in
    size (else replaced by a tanh), sometimes a node used by three later operations; finally every node that
    no operation uses is added into the output, so every node reaches it."""
    values = [draw(st.floats(0.3, 2.0)) * draw(st.sampled_from((1.0, -1.0))) for _ in range(draw(st.integers(*leaves)))]
    program = {"leaves": [round(v, 6) for v in values], "ops": []}
    nodes = list(program["leaves"])
    used: set[int] = set()

    def add(name, i, arg):
        program["ops"].append([name, i, arg])
        nodes.append(micrograd.apply_float(name, nodes[i], micrograd.second(name, arg, nodes)))
        used.update([i] + ([arg] if micrograd.OPS[name][0] == "pair" else []))

    for _ in range(draw(st.integers(*ops))):
        name = draw(st.sampled_from(sorted(micrograd.OPS)))
        i = draw(st.integers(0, len(nodes) - 1))
        kind = micrograd.OPS[name][0]
        if kind == "pair":
            arg = i if draw(st.integers(0, 2)) == 0 else draw(st.integers(0, len(nodes) - 1))
        elif kind == "const":
            arg = draw(st.sampled_from(EXPONENTS if name == "pow" else CONSTANTS))
        else:
            arg = None
        b = micrograd.second(name, arg, nodes)
        try:
            ok = in_domain(name, nodes[i], b) and abs(micrograd.apply_float(name, nodes[i], b)) < 50
        except (ValueError, OverflowError, ZeroDivisionError):
            ok = False
        if not ok:
            name, arg = "tanh", None
        add(name, i, arg)
    if draw(st.booleans()):  # one value used by three later operations
        t = draw(st.integers(0, len(nodes) - 1))
        add("mul_c", t, 0.5)
        add("tanh", t, None)
        add("add", t, len(nodes) - 2)
    sinks = [k for k in range(len(nodes)) if k not in used]
    acc = sinks[0]
    for k in sinks[1:]:
        add("add", acc, k)
        acc = len(nodes) - 1
    return program


# -- fixed programs --------------------------------------------------------------------------------------

# the operations in the order a student usually builds them (micrograd writes -, / and the reflected forms with
# +, * and **): a mistake in * is then named on v0 * v1, not on the v0 - v1 built from it
PRIMITIVE_FIRST = ("add", "mul", "pow", "tanh", "exp", "log", "relu", "neg", "add_c", "radd", "mul_c", "rmul",
                   "sub", "sub_c", "rsub", "div", "div_c", "rdiv")


def single_op_programs() -> list[tuple[str, dict]]:
    """One program per operation and operand order, on leaves chosen inside the domain and far from the
    values where a mistake would pass by coincidence (1, 0, -1)."""
    a, b, c = 1.3, -0.7, 2.5
    programs = []
    for name in PRIMITIVE_FIRST:
        kind = micrograd.OPS[name][0]
        if kind == "pair":
            programs.append((name, {"leaves": [a, b], "ops": [[name, 0, 1]]}))
        elif name == "pow":
            for exponent in (3, -1, 0.5):
                programs.append((name, {"leaves": [1.7], "ops": [[name, 0, exponent]]}))
        elif kind == "const":
            programs.append((name, {"leaves": [a], "ops": [[name, 0, c]]}))
        elif name == "relu":
            programs += [(name, {"leaves": [0.9], "ops": [[name, 0, None]]}),
                         (name, {"leaves": [-0.8], "ops": [[name, 0, None]]})]
        else:
            programs.append((name, {"leaves": [{"log": 1.7, "exp": 0.6}.get(name, 0.7)], "ops": [[name, 0, None]]}))
    return programs


def op_text(program: dict, k: int = -1) -> str:
    """The Python text of the program's op k (the last by default), in the program's names (v0, v1, ...)."""
    name, i, arg = program["ops"][k]
    kind = micrograd.OPS[name][0]
    return micrograd.OPS[name][1].format(a=f"v{i}", b=f"v{arg}" if kind == "pair" else "", c=arg)


def graph_request(unit, programs: list[dict], rt, timeout: float, backward: bool = True) -> list[dict]:
    """Run the programs in the student's process: per program {"ok", "data", "grad", "error", "seconds"}."""
    header = {"label": unit.label, "target": unit.target, "programs": programs, "backward": backward}
    reply = expect_ok(rt.request("graph", header, {}, timeout=timeout))
    results = []
    for k, meta in enumerate(reply.header.get("programs", [])):
        result = dict(meta)
        if meta.get("ok"):
            result["data"] = reply.arrays.get(f"data{k}")
            result["grad"] = reply.arrays.get(f"grad{k}")
        results.append(result)
    if len(results) != len(programs):
        raise StudentError("error", "the student's process answered for fewer expressions than it was sent")
    return results


def program_failure(result: dict, program: dict) -> StudentError:
    """The StudentError of a program that raised: "not implemented", a reflected operation Python could not
    find, a RecursionError, or any other exception, with where it happened."""
    error = result.get("error", {})
    where, kind, message = str(error.get("where", "")), str(error.get("type", "")), str(error.get("message", ""))
    if kind == "NotImplementedError":
        name = message.partition(":")[0].strip() or where
        return StudentError("not implemented", f"{name} is not implemented yet")
    if kind == "TypeError" and "unsupported operand" in message:
        method = where.rpartition(".")[2]
        return StudentError("failed", f"{where.rpartition('.')[0] or 'Value'} has no {method}: `{message}` while "
                                      f"computing {op_for(where, program)}. Python calls {method} when a number "
                                      "comes first (2 - v calls v.__rsub__(2)): define it")
    if kind == "RecursionError":
        return StudentError("failed", f"{where} raised RecursionError ({message}) on "
                                      f"{describe_size(program)}: a recursive walk of the graph nests one call per "
                                      "node, and Python stops at about 1000. Build the topological order with a "
                                      "loop and an explicit stack instead of recursion")
    made = re.match(r"the operation making v(\d+)$", where)
    if kind == "Contract" and made and int(made[1]) >= len(program["leaves"]):
        k = int(made[1]) - len(program["leaves"])
        text = op_text(program, k) if k < len(program.get("ops", [])) else "an operation of the chain"
        returned = re.search(r"gave an? (\w+)", message)
        return StudentError("failed", f"`{text}` returned {('a ' + returned[1]) if returned else 'something'}, not "
                                      f"a Value: every operation must return a new Value (so that backward can "
                                      f"reach its inputs), in\n" + indent(micrograd.program_text(program)))
    location = f" ({error['location']})" if error.get("location") else ""
    hint = error_hint(where, kind, message)
    return StudentError("error", f"{where} raised {kind}: {message}{location} while running\n"
                                 + indent(micrograd.program_text(program)) + hint)


def op_for(where: str, program: dict) -> str:
    method = where.rpartition(".")[2]
    for k, (name, _, _) in enumerate(program.get("ops", [])):
        if micrograd.OPS[name][2] == method:
            return op_text(program, k)
    return "this expression"


def describe_size(program: dict) -> str:
    chain = program.get("chain")
    if chain:
        return f"a graph of {len(program['leaves']) + len(program.get('ops', [])) + chain[2]} nodes"
    return "this expression"


def indent(text: str) -> str:
    return "\n".join("        " + line for line in text.splitlines())


def first_problem(results: list[dict], programs: list[dict]) -> StudentError | None:
    """The first program that raised, preferring a real error to "not implemented" (which is then said for
    every missing method at once)."""
    failures = [(r, p) for r, p in zip(results, programs) if not r.get("ok")]
    if not failures:
        return None
    errors = [program_failure(r, p) for r, p in failures]
    real = [e for e in errors if e.status != "not implemented"]
    if real:
        return real[0]
    names = list(dict.fromkeys(e.message.partition(" is not")[0] for e in errors))
    return StudentError("not implemented", f"{names[0]} is not implemented yet"
                        + (f" (nor {', '.join(names[1:])})" if len(names) > 1 else ""))


def fmt(x: float) -> str:
    return f"{x:.6g}"


def close(expected, got, rtol, atol) -> bool:
    return bool(np.all(np.abs(np.asarray(got) - np.asarray(expected)) <= atol + rtol * np.abs(np.asarray(expected))))


def data_problem(program: dict, got: np.ndarray, rtol: float = 1e-9) -> str | None:
    """The first node whose data differs from the float64 evaluation, with the swapped-operand diagnosis."""
    expected = micrograd.evaluate(program)
    n = len(program["leaves"])
    for k, (e, g) in enumerate(zip(expected, got)):
        if close(e, g, rtol, 1e-12):
            continue
        if k < n:
            return f"Value({fmt(e)}).data is {fmt(g)}: keep the number given to the constructor as data"
        name, i, arg = program["ops"][k - n]
        text = op_text(program, k - n)
        a = expected[i]
        message = f"{text} gave data {fmt(g)}, expected {fmt(e)} (with v{i} = {fmt(a)})"
        kind = micrograd.OPS[name][0]
        if kind == "const" and name in ("rsub", "rdiv", "sub_c", "div_c"):
            swapped = {"rsub": "sub_c", "rdiv": "div_c", "sub_c": "rsub", "div_c": "rdiv"}[name]
            if close(micrograd.apply_float(swapped, a, arg), g, 1e-9, 1e-12):
                method = micrograd.OPS[name][2]
                return (message + f": the operands are swapped. In {method}(self, other) for `{text}`, "
                        + ("self is the right operand and other the number on the left: compute other - self"
                           if name == "rsub" else "self is the divisor and other the number on the left: compute "
                           "other / self" if name == "rdiv" else "self is the left operand"))
        return message
    return None


# -- mechanisms: the engine ------------------------------------------------------------------------------

def graph_forward(check: Check, rt) -> tuple[str, str]:
    """Every operation's data, each reflected form included (2 - v, 2 / v: the operand order), on one
    expression per operation; then a composed one."""
    unit = check.unit
    named = single_op_programs()
    programs = [p for _, p in named] + [{"leaves": [1.3, -0.7], "ops": [["mul", 0, 1], ["rsub", 2, 2.0],
                                                                         ["tanh", 3, None], ["add", 4, 0]]}]
    results = graph_request(unit, programs, rt, check.timeout, backward=False)
    failure = first_problem(results, programs)
    if failure:
        raise failure
    for result, program in zip(results, programs):
        problem = data_problem(program, result["data"])
        if problem:
            return "failed", problem
    return "passed", ""


def grad_diagnosis(name: str, program: dict, expected: float, got: float, out_grad: float) -> str:
    """Why a single operation's input gradient is wrong, from the numbers (never from the right formula)."""
    values = micrograd.evaluate(program)
    x = values[0]
    arg = program["ops"][0][2]
    if out_grad == 0 and got == 0:
        return "every grad is 0, the output's too: backward must first set the output's grad to 1 (see value.backward)"
    if got == 0:
        return ("no gradient reached v0: does the operation set out._backward, and does that function add to the "
                "input's grad?")
    if np.isclose(got, out_grad) and not np.isclose(expected, out_grad):
        return "out.grad was passed through unchanged: the local derivative is missing (chain rule: local * out.grad)"
    if np.isclose(got, -expected):
        return "the sign is flipped"
    if np.isclose(got, 2 * expected):
        return "twice the right value: is the gradient added twice?"
    if name == "tanh":
        if np.isclose(got, 1 - x**2):
            return ("it equals 1 - x**2 with x the input: tanh's derivative is written with its output "
                    "t = tanh(x), not with the input")
        if np.isclose(got, 1 - values[-1]):
            return "it equals 1 - t with t = tanh(x): the output must be squared"
    if name == "pow":
        if np.isclose(got, expected * x):
            return f"it is v0 times the right value: the exponent in the derivative of v0 ** {arg} is one too high"
        if np.isclose(got, expected / x):
            return f"it is the right value divided by v0: the exponent in the derivative of v0 ** {arg} is one too low"
        if np.isclose(got * arg, expected):
            return f"the factor {arg} (the exponent) is missing in front"
    if name == "mul" and np.isclose(got, x):
        return "v0's gradient is v0's own data: in a product, each input's local derivative is the *other* input"
    if name == "relu":
        return ("ReLU's gradient flows only where the output is positive (and is 0 where the input is negative)"
                if x < 0 else "ReLU passes the gradient where the output is positive")
    return ""


def graph_local_backward(check: Check, rt) -> tuple[str, str]:
    """Every operation's local backward on its own (fresh leaves, one operation, backward from its output):
    each leaf's grad against central finite differences of the operation in float64."""
    unit = check.unit
    named = single_op_programs()
    programs = [p for _, p in named]
    results = graph_request(unit, programs, rt, check.timeout)
    failure = first_problem(results, programs)
    if failure:
        raise failure
    for (name, program), result in zip(named, results):
        problem = data_problem(program, result["data"])
        if problem:
            return "failed", f"{problem} (see value.forward)"
        numeric = micrograd.finite_differences(program)
        got = result["grad"]
        n = len(program["leaves"])
        for leaf in range(n):
            if close(numeric[leaf], got[leaf], FD_RTOL, FD_ATOL):
                continue
            why = grad_diagnosis(name, program, numeric[leaf], got[leaf], got[-1]) if leaf == 0 else ""
            why = why or ("the right operand's gradient is wrong" if leaf == 1 else "")
            return "failed", (f"after out = {op_text(program)}; out.backward(), v{leaf}.grad is {fmt(got[leaf])}, "
                              f"expected {fmt(numeric[leaf])} (with " + ", ".join(
                                  f"v{k} = {fmt(v)}" for k, v in enumerate(program["leaves"])) + ")"
                              + (f": {why}" if why else "")
                              + f"\n    (expected = central finite differences; the method is Value.{micrograd.OPS[name][2]})")
    return "passed", ""


# the probes of backward(): (name, program, what a wrong answer means)
PROBES = [
    ("seed", {"leaves": [0.8], "ops": [["mul_c", 0, 3.0]]}),
    ("chain", {"leaves": [0.8], "ops": [["add_c", 0, 1.0], ["mul_c", 1, 2.0], ["add_c", 2, 0.5], ["mul_c", 3, 1.5]]}),
    ("a + a", {"leaves": [0.8], "ops": [["add", 0, 0]]}),
    ("a * a", {"leaves": [0.8], "ops": [["mul", 0, 0]]}),
    ("used three times", {"leaves": [0.8], "ops": [["mul_c", 0, 2.0], ["mul_c", 1, 1.5], ["add_c", 1, 1.0],
                                                    ["tanh", 1, None], ["add", 2, 3], ["add", 5, 4]]}),
    ("diamond", {"leaves": [0.8], "ops": [["mul_c", 0, 1.5], ["add_c", 1, 1.0], ["mul_c", 2, 2.0],
                                           ["add_c", 3, 0.5], ["add", 4, 1]]}),
]


def probe_diagnosis(probe: str, program: dict, expected: float, got: np.ndarray) -> str:
    x_grad, out_grad = float(got[0]), float(got[-1])
    if out_grad != 1.0:
        if out_grad == 0:
            return ("the output's grad is 0 after backward(), and so is every other: backward must first set "
                    "self.grad = 1 (d out / d out), the seed the chain rule starts from")
        return f"the output's grad is {fmt(out_grad)} after backward(); backward sets it to 1 (d out / d out) first"
    inner = got[len(program["leaves"]):-1]
    if x_grad == 0 and np.any(inner != 0):
        return ("only the nodes next to the output received a gradient: the output's _backward ran, but the "
                "others ran before it or not at all. Run every node's _backward, the output's first and each "
                "node's only after all its users' (reverse topological order: build the order, then reversed(...))")
    if x_grad == 0:
        return "no node's _backward ran: backward must run every node's _backward, in reverse topological order"
    ratio = x_grad / expected
    if probe in ("a + a", "a * a") and np.isclose(ratio, 0.5):
        return (f"v0 is used twice in `{op_text(program)}`, and its grad holds one use's share only: a local "
                "backward must *add* to its inputs' grad (self.grad += ...), not assign it (=), or the second "
                "use overwrites the first")
    if ratio > 1.0 + 1e-6:
        return (f"v0's grad is {fmt(ratio)} times the right value: some node's _backward ran more than once. "
                "Build the topological order with a visited set, so each node appears once")
    if probe in ("used three times", "diamond"):
        return ("v0's grad is too small: a value used by several nodes lost part of its gradient. Either a local "
                "backward assigns (=) instead of adding (+=), or a node's _backward ran before all its users had "
                "added their share to its grad (the order is not topological: a breadth-first walk from the "
                "output is not enough)")
    return f"v0's grad is {fmt(ratio)} times the right value"


def graph_backward(check: Check, rt) -> tuple[str, str]:
    """backward() on probes: the seed (a single operation), a chain, a reused node (a + a, a * a), a value used
    by three operations, a diamond whose two paths have different lengths. v0's grad against finite
    differences; a wrong one is explained from the numbers (seed, order, assignment, a node run twice)."""
    unit = check.unit
    programs = [p for _, p in PROBES]
    results = graph_request(unit, programs, rt, check.timeout)
    failure = first_problem(results, programs)
    if failure:
        raise failure
    for (probe, program), result in zip(PROBES, results):
        expected = micrograd.finite_differences(program)[0]
        got = result["grad"]
        if close(expected, got[0], FD_RTOL, FD_ATOL) and got[-1] == 1.0:
            continue
        return "failed", (f"v0.grad is {fmt(got[0])}, expected {fmt(expected)} after\n{indent(micrograd.program_text(program))}\n"
                          f"    {probe_diagnosis(probe, program, expected, got)}")
    return "passed", ""


def graph_deep(check: Check, rt) -> tuple[str, str]:
    """backward() on a chain of 20000 nodes and on a value used by 5000 additions: no recursion as deep as the
    graph, every node once, in a time limit (a correct but slow engine loses this check only, and is told so).
    options: chain (length), fan (uses)."""
    unit = check.unit
    length, fan = check.options.get("chain", 20000), check.options.get("fan", 5000)
    programs = [{"leaves": [0.5], "ops": [], "chain": ["mul_c", 1.00005, length], "report": "ends"},
                {"leaves": [0.5], "ops": [["add", 0, 0]], "chain": ["add", 0, fan - 2], "report": "ends"}]
    try:
        results = graph_request(unit, programs, rt, check.timeout)
    except StudentError as err:
        if err.status == "timeout":
            err.message += (f"\n    a chain of {length} nodes and a value used {fan} times: the reference does both in "
                            "well under a second. Is the topological order quadratic (`node not in topo` on a list, "
                            "topo.insert(0, ...)? use a set for the visited nodes and append)?")
        if err.status == "crashed":
            err.message += (f"\n    on a chain of {length} nodes: a recursion deeper than the C stack crashes Python "
                            "(sys.setrecursionlimit raised?); build the order with a loop and an explicit stack")
        raise
    failure = first_problem(results, programs)
    if failure:
        raise failure
    for program, result in zip(programs, results):
        expected = micrograd.finite_differences(program)[0]
        got = result["grad"]
        if not close(expected, got[0], 1e-4, 1e-6):
            what = (f"a chain of {length} nodes" if program["chain"][0] == "mul_c" else f"v0 used by {fan} additions")
            return "failed", (f"on {what}, v0.grad is {fmt(got[0])}, expected {fmt(expected)}"
                              + (": every grad is 0, the output's too (the seed?)" if got[-1] == 0 else
                                 ": some nodes' _backward did not run, or ran twice"))
    return "passed", ""


def graph_gradcheck(check: Check, rt) -> tuple[str, str]:
    """Random expression graphs (``expression_graphs``): source "fd" (public) compares every node's data with
    the float64 evaluation and every leaf's grad with central finite differences; source "reference" (hidden)
    compares every node's data and grad with the reference engine's. options: examples, ops (min, max)."""
    unit = check.unit
    reference = check.options.get("source") == "reference"
    ops = tuple(check.options.get("ops", (1, 10)))

    def body(program):
        [result] = graph_request(unit, [program], rt, check.timeout)
        if not result.get("ok"):
            raise program_failure(result, program)
        problem = data_problem(program, result["data"])
        if problem:
            return problem + "\n    in\n" + indent(micrograd.program_text(program))
        if reference:
            nodes = micrograd.build(load_reference(unit.target), program)
            nodes[-1].backward()
            expected = np.array([float(v.grad) for v in nodes])
            which, rtol, atol, source = range(len(nodes)), REF_RTOL, REF_ATOL, "the reference engine"
        else:
            expected = micrograd.finite_differences(program)
            which, rtol, atol, source = range(len(program["leaves"])), FD_RTOL, FD_ATOL, "central finite differences"
        got = result["grad"]
        for k in which:
            if not close(expected[k], got[k], rtol, atol):
                return (f"v{k}.grad is {fmt(got[k])}, expected {fmt(expected[k])} ({source}) after\n"
                        + indent(micrograd.program_text(program))
                        + "\n    value.local_backward and value.backward isolate the usual causes; this graph "
                          "combines several operations and reused nodes")
        return None

    return run_examples(expression_graphs(ops=ops), body, check.options.get("examples", 12))
