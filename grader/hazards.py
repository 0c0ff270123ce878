"""Numerical hazards: where a correct-looking formula overflows or cancels, and the inputs that make it show.

A unit's maths may hold a hazard that ordinary inputs never reach:

- "exp": exp overflows past 709 (np.exp(800) is inf, and inf / inf is NaN), so tanh, sigmoid or GELU written
  through exp, or a softmax without its max shift, break on inputs of a few hundreds, which training reaches.
  Driven by inputs scaled to |x| = 1000.
- "softmax": a softmax or cross-entropy on logits around 1e4: without the row max subtracted, exp overflows;
  with log(softmax) instead of the log-softmax, a probability underflows to 0 and its log is -inf, or a
  clipped log gives a finite but wrong loss. Driven by inputs scaled to |x| = 1e4.
- "variance": a variance written as E[x^2] - E[x]^2 cancels catastrophically when the values sit far from 0
  (wrong at an offset of 3e5, negative or NaN at 1e8); the mean of (x - mean)**2 does not. Driven by inputs
  offset by 1e8.

A unit declares its hazards (``Unit.hazards``/``FunctionUnit.hazards``), or the kit infers them from the
reference's source of the unit (its class with the reference base classes, or its function) and from the units
it is built from (``depends_on``). The hidden reference checks then add, after their ordinary examples, one
example per hazard where it bites, compared with the reference's own float64 evaluation (which is written
stably), never only tested for being finite: ``extreme_example`` makes it, ``HAZARDS[name].advice`` names it.
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
from dataclasses import dataclass

import numpy as np

EXP_SCALE, SOFTMAX_SCALE, VARIANCE_OFFSET = 1e3, 1e4, 1e8
# The comparison at the extremes: two correct float64 formulas differ there by far less (at an offset of 1e8
# the values keep 8 digits of their spread), every hazard's victim by far more, or by NaN.
EXTREME_RTOL = 1e-4


@dataclass(frozen=True)
class Hazard:
    name: str
    pattern: str  # what in the reference's source says the maths holds it
    where: str  # the inputs of the extreme example, as a message says them
    advice: str  # the hazard and the stable form, as a message says them


HAZARDS = {
    "exp": Hazard("exp", r"np\.exp\(|np\.tanh\(|\bsigmoid\(|np\.log\(",
                  f"inputs scaled to |x| = {EXP_SCALE:g}",
                  "exp overflow: np.exp(x) is inf for x > 709 (and inf / inf is NaN), and training reaches "
                  "inputs of hundreds; never take exp of a large positive number (np.tanh for tanh, "
                  "0.5 * (1 + np.tanh(x / 2)) for a sigmoid, the row max subtracted before a softmax's exp)"),
    "softmax": Hazard("softmax", r"max\([^)]*keepdims|softmax|logsumexp",
                      f"logits scaled to |x| = {SOFTMAX_SCALE:g}",
                      "softmax without the max shift: exp of logits around 1e4 overflows, and log(softmax) "
                      "takes the log of a probability that underflowed to 0 (a clip or an eps inside the log "
                      "hides it with a wrong number); subtract each row's max before exp, and compute the "
                      "log-probabilities directly, shifted - log(sum(exp(shifted)))"),
    "variance": Hazard("variance", r"\.var\(|np\.var\(|\*\s*2\)\.mean\(|\*\s*\w+\)\.mean\(|rstd",
                       f"inputs offset by {VARIANCE_OFFSET:g}",
                       "catastrophic cancellation in the variance: E[x^2] - E[x]^2 subtracts two numbers near "
                       "1e16 whose difference is the variance, and loses it (it can even come out negative: "
                       "NaN after sqrt); compute the mean first and then the mean of (x - mean)**2"),
}


def reference_object(target: str):
    """The reference's class or function ``target`` ("a2_mlp.tanh:Tanh"), as grader.checks.load_reference
    loads it (this module stays below grader.checks, which uses it)."""
    module, _, attr = target.partition(":")
    obj = importlib.import_module("reference." + module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def reference_source(target: str) -> str:
    """The reference's source of a unit: its function, or its class and the reference classes it derives from,
    with the module-level functions of their modules that the class calls (a GRU's sigmoid)."""
    obj = reference_object(target)
    objects = [c for c in inspect.getmro(obj) if c.__module__.startswith("reference.")] \
        if inspect.isclass(obj) else [obj]
    text = ""
    for o in objects:
        source = inspect.getsource(o)
        module = inspect.getmodule(o)
        helpers = [f for name, f in vars(module).items() if inspect.isfunction(f)
                   and f.__module__ == module.__name__ and re.search(rf"\b{name}\(", source) and f is not o]
        text += source + "".join(inspect.getsource(f) for f in helpers)
    return text


def inferred_hazards(target: str) -> tuple[str, ...]:
    """The hazards the reference's source of ``target`` shows (see HAZARDS' patterns); () without a reference."""
    if importlib.util.find_spec("reference") is None:  # a student's grader: nothing to infer from
        return ()
    code = "\n".join(line.partition("#")[0] for line in reference_source(target).splitlines())
    code = re.sub(r'"""[\s\S]*?"""', "", code)  # docstrings name formulas; only code counts
    found = [name for name, hazard in HAZARDS.items() if re.search(hazard.pattern, code)]
    if "softmax" in found and "exp" not in found:
        found.insert(0, "exp")
    return tuple(found)


def hazards_of(unit, units: dict | None = None) -> tuple[str, ...]:
    """The unit's declared hazards, else those of its reference source and of every unit it is built from
    (``depends_on``, looked up in ``units``: label -> unit), in HAZARDS' order."""
    declared = getattr(unit, "hazards", None)
    if declared is not None:
        return tuple(declared)
    found = set(inferred_hazards(unit.target))
    seen, todo = {unit.label}, list(getattr(unit, "depends_on", ()))
    while todo and units:
        label = todo.pop()
        if label in seen or label not in units:
            continue
        seen.add(label)
        other = units[label]
        found |= set(getattr(other, "hazards", None) or inferred_hazards(other.target))
        todo.extend(getattr(other, "depends_on", ()))
    return tuple(name for name in HAZARDS if name in found)


def signs(hazard: str) -> tuple[int, ...]:
    """The signs an overflow hazard is driven with: a scaled input can leave every argument of exp negative
    (a pre-activation), so the example runs once as drawn and once negated."""
    return (1,) if hazard == "variance" else (1, -1)


def extreme_array(x: np.ndarray, hazard: str, sign: int = 1) -> np.ndarray:
    """``x`` moved to where ``hazard`` bites: scaled so that its largest entry is 1e3 (exp) or 1e4 (softmax) with
    both signs present (``sign`` -1: then negated), or offset by 1e8 (variance)."""
    x = np.array(x, dtype=np.float64, copy=True)
    if hazard == "variance":
        return x + VARIANCE_OFFSET
    scale = sign * (EXP_SCALE if hazard == "exp" else SOFTMAX_SCALE)
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    x = x * (scale / peak) if peak > 0 else np.full_like(x, scale)
    if x.size >= 2:
        x.flat[0], x.flat[-1] = scale, -scale
    return x


def extreme_inputs(inputs: list, params: dict, hazard: str, differentiable: tuple, sign: int = 1,
                   composite: bool = False) -> tuple[list, dict]:
    """A layer's example moved to the hazard: its float inputs (the differentiable ones); for a model fed token
    ids, its parameters: the embedding table (the first parameter) offset, or every parameter scaled by 1e3
    (exp) or 1e4 (softmax), times ``sign``. A ``composite`` layer (built from others: a normalisation may come
    first and undo the inputs' scale, as in a Transformer Block) also has its parameters scaled, by the square
    root of that."""
    floats = [i for i in differentiable if np.asarray(inputs[i]).dtype.kind == "f"]
    if floats:
        inputs = list(inputs)
        for i in floats[:1] if hazard == "variance" else floats:
            inputs[i] = extreme_array(inputs[i], hazard, sign)
        if composite and hazard != "variance":
            root = np.sqrt(EXP_SCALE if hazard == "exp" else SOFTMAX_SCALE)
            moved = type(params)(params, params.buffers) if hasattr(params, "buffers") else dict(params)
            params = moved
            for name in list(params):
                params[name] = params[name] * root
        return inputs, params
    moved = type(params)(params, params.buffers) if hasattr(params, "buffers") else dict(params)
    names = list(params)
    if hazard == "variance" and names:
        moved[names[0]] = params[names[0]] + VARIANCE_OFFSET
    elif names:
        factor = sign * (EXP_SCALE if hazard == "exp" else SOFTMAX_SCALE)
        for name in names:
            moved[name] = params[name] * factor
    return inputs, moved


def extreme_args(args: list, hazard: str, sign: int = 1) -> list:
    """A function's float array arguments moved to the hazard (the first one only, for a variance)."""
    out, done = [], False
    for a in args:
        if isinstance(a, np.ndarray) and a.dtype.kind == "f" and not (done and hazard == "variance"):
            out.append(extreme_array(a, hazard, sign))
            done = True
        else:
            out.append(a)
    return out


def extreme_close(expected: np.ndarray, got: np.ndarray) -> bool:
    """Agreement at the extremes: EXTREME_RTOL relative, with a floor of 1e-6 of the array's largest entry (at
    least 1e-6): saturated derivatives are differences of numbers near 1, whose last digits differ between
    correct formulas."""
    floor = 1e-6 * max(float(np.max(np.abs(expected))) if expected.size else 0.0, 1.0)
    return bool(np.all(np.isfinite(got)) and np.all(np.abs(got - expected) <= EXTREME_RTOL * np.abs(expected) + floor))


def extreme_message(label: str, hazard: str, expected: np.ndarray, got: np.ndarray, hazards: tuple = ()) -> str:
    """What a wrong array at a hazard's extreme example tells a student: what, where, the hazard, the fix. A
    finite but wrong answer of a unit with a softmax (``hazards``) is a log of a clipped probability, not an
    overflow: it is named so."""
    h = HAZARDS[hazard]
    bad = ~np.isfinite(got)
    advice = HAZARDS["softmax"].advice if "softmax" in hazards and not bad.any() else h.advice
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        what = f"{label} is {'NaN' if np.isnan(got[index]) else 'inf'}" + (f" at {list(index)}" if index else "")
    else:
        diff = np.abs(got - expected)
        index = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.ndim else ()
        what = (f"{label} is wrong" + (f" at {[int(i) for i in index]}" if index else "")
                + f": expected {float(expected[index]):.6g}, got {float(got[index]):.6g}")
    return f"{what} on {h.where}, where the maths has a hazard. {advice}"
