"""Check mechanisms for units whose results are plain Python values (grader.spec.ScriptUnit): a script of calls
runs on the student's object in the child and, for comparison, on the reference's here (or its results come
from the stored fixtures); every compared result must be equal, type and order included.

- script_agreement: results equal the reference's (hidden, on hypothesis-drawn dims) or the stored ones (public);
  a known mistake is named when the results equal what it gives.
- script_property: a property of the student's own results (a roundtrip, a size, a boundary), needing no
  reference: the check's ``options["property"](dims, steps, results)`` returns a failure message or None.

A result is the value itself, or {"raised": TYPE, "message": ...} for a step that may raise. Everything the
child sends is decoded from plain JSON (grader/sandbox/plain.py), never unpickled.
"""
from __future__ import annotations

import importlib
import json
import os
import tempfile

import numpy as np
from hypothesis import strategies as st

from grader.checks import StudentError, expect_ok, load_reference, run_examples
from grader.sandbox.plain import describe, from_plain, run_script, to_plain
from grader.spec import Check, ScriptUnit
from grader.strategies import seeds

HINTS = [  # (text in an exception's message, what it means)
    ("bad escape \\p", "Python's re has no \\p{L} or \\p{N} classes: compile the pattern with the regex package "
                       "(import regex; regex.compile(pattern)), as the patterns were written for it"),
    ("max() arg is an empty sequence", "max() of an empty dict: no pair is left to count (a short text, or "
                                       "every chunk one token); stop before, as the contract says"),
    ("max() iterable argument is empty", "max() of an empty dict: no pair is left to count (a short text, or "
                                         "every chunk one token); stop before, as the contract says"),  # Python 3.12+
    ("min() arg is an empty sequence", "min() of an empty dict: a text of fewer than 2 ids has no pair; stop "
                                       "when len(ids) < 2"),
    ("min() iterable argument is empty", "min() of an empty dict: a text of fewer than 2 ids has no pair; stop "
                                         "when len(ids) < 2"),  # Python 3.12+ words it so
    ("can't decode byte", "a token's bytes decoded on their own, or without errors='replace': join all the "
                          "bytes first and decode once with errors='replace'"),
    ("invalid start byte", "bytes decoded without errors='replace': an invalid UTF-8 sequence must become "
                           "U+FFFD, not an error"),
]


def owner(unit: ScriptUnit) -> str:
    """The name messages use for the object the script runs on: the class, or the module's last part."""
    module, _, attr = unit.target.partition(":")
    return attr or module.rpartition(".")[2]


def short(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 15] + " ... " + text[-10:]


def step_label(unit: ScriptUnit, step: dict) -> str:
    if "call" in step:
        shown = lambda a: "(what it returned above)" if isinstance(a, dict) and set(a) == {"result"} \
            else short(from_plain(a), 40)  # noqa: E731
        args = [shown(a) for a in step.get("args", [])]
        args += [f"{k}={shown(v)}" for k, v in step.get("kwargs", {}).items()]
        return f"{owner(unit)}.{step['call']}({', '.join(args)})"
    if "read" in step:
        return f"{owner(unit)}.{step['read']}"
    if "file" in step:
        return f"the file {step['file']}"
    return f"a new {owner(unit)}"


def with_dims(message: str, dims: dict) -> str:
    shown = ", ".join(f"{k}={short(v)}" for k, v in dims.items())
    return f"{message}\n    (with {shown})" if shown else message


def compared(unit: ScriptUnit, dims: dict, steps: list) -> list[int]:
    if unit.compare is not None:
        return list(unit.compare(dims))
    return [i for i, s in enumerate(steps) if "call" in s or "read" in s]


def decoded(results: list) -> list:
    """The child's (or the reference's) results: values decoded, raised exceptions and oddities as dicts."""
    out = []
    for r in results:
        if "value" in r:
            out.append(from_plain(r["value"]))
        else:
            out.append(Odd(r))
    return out


class Odd(dict):
    """A result that is not a value: {"raised": TYPE, "message": ...}, {"missing": NAME}, {"unsendable": WHY}."""


# -- running the script ----------------------------------------------------------------------------------

def request(unit: ScriptUnit, dims: dict, steps: list) -> dict:
    init = None if unit.init is None else {k: to_plain(v) for k, v in unit.init(dims).items()}
    return {"label": owner(unit), "target": unit.target, "init": init, "steps": steps}


def student_results(unit: ScriptUnit, dims: dict, steps: list, rt, timeout: float) -> list:
    try:
        reply = expect_ok(rt.request("script", request(unit, dims, steps), {}, timeout=timeout))
    except StudentError as err:
        for text, meaning in HINTS:
            if text in err.message:
                err.message += f"\n    hint: {meaning}"
                break
        raise
    results = reply.header.get("results")
    if not isinstance(results, list) or len(results) != len(steps):
        raise StudentError("error", f"{owner(unit)}: the script's results did not come back whole")
    return decoded(results)


def reference_target(target: str):
    module, _, attr = target.partition(":")
    return load_reference(target) if attr else importlib.import_module("reference." + module)


def reference_results(unit: ScriptUnit, dims: dict, steps: list) -> list:
    """The same script on the reference, in a fresh temporary folder (a script may save files)."""
    found = reference_target(unit.target)
    init = None if unit.init is None else unit.init(dims)
    make_new = (lambda: found) if init is None else (lambda: found(**init))
    here = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="makemore-script-") as folder:
        os.chdir(folder)
        try:
            results = run_script(make_new(), make_new, steps, lambda label, fn, *a, **k: fn(*a, **k), owner(unit))
        finally:
            os.chdir(here)
    return decoded(json.loads(json.dumps(results)))


# -- comparing -------------------------------------------------------------------------------------------

def same(a, b) -> bool:
    """Equal, with the same types all the way down and dicts in the same order."""
    if type(a) is not type(b) and not (isinstance(a, dict) and isinstance(b, dict)):
        return False
    if isinstance(a, dict):
        return len(a) == len(b) and all(same(ka, kb) and same(va, vb) for (ka, va), (kb, vb) in zip(a.items(), b.items()))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def difference(expected, got) -> str:
    """Where two values of the same kind first differ, in words."""
    if type(got) is not type(expected) and not (isinstance(got, dict) and isinstance(expected, dict)):
        inner = ""
        if isinstance(got, (list, tuple)) and got and type(got[0]) is not int and isinstance(expected, list) \
                and expected and type(expected[0]) is int:
            inner = f" (its elements are {type(got[0]).__name__}, not int)"
        return f"returned {describe(got)}{inner}, expected a {type(expected).__name__}"
    if isinstance(expected, dict):
        if dict(expected) == dict(got) and list(expected) != list(got):
            return ("has the right entries in another order: the order is part of the answer (merges: their rank; "
                    "counts: the order of first occurrence, which the tie rule reads)")
        for n, ((ke, ve), (kg, vg)) in enumerate(zip(expected.items(), got.items())):
            if not (same(ke, kg) and same(ve, vg)):
                return f"differs first at entry {n}: {short(kg)}: {short(vg)}, expected {short(ke)}: {short(ve)}"
        return f"has {len(got)} entries, expected {len(expected)}" + \
            (f" (the first missing: {short(next(iter(list(expected.items())[len(got):])))})" if len(got) < len(expected)
             else f" (the first extra: {short(next(iter(list(got.items())[len(expected):])))})")
    if isinstance(expected, (list, tuple)):
        for n, (e, g) in enumerate(zip(expected, got)):
            if not same(e, g):
                return f"differs first at index {n}: {short(g)}, expected {short(e)} (length {len(got)}, expected {len(expected)})"
        return f"has length {len(got)}, expected {len(expected)}"
    return f"is {short(got)}, expected {short(expected)}"


def odd_message(label: str, expected, got: Odd) -> str:
    if "missing" in got:
        return f"{label}: the object has no attribute {got['missing']!r}"
    if "unsendable" in got:
        return f"{label} returned {got['unsendable']}, not plain Python data (expected {describe(expected)})"
    return f"{label} raised {got['raised']}: {got.get('message', '')}"


def compare_results(unit: ScriptUnit, dims: dict, steps: list, expected: list, got: list, mistakes) -> str | None:
    """The first compared step whose result differs, in words, with the known mistake it matches if any."""
    for i in compared(unit, dims, steps):
        e, g = expected[i], got[i]
        label = step_label(unit, steps[i])
        if isinstance(e, Odd) or isinstance(g, Odd):
            if isinstance(e, Odd) and isinstance(g, Odd) and e.get("raised") == g.get("raised"):
                continue
            if isinstance(e, Odd) and "raised" in e:
                shown = odd_message(label, None, g) if isinstance(g, Odd) else f"{label} returned {describe(g)}"
                message = f"{shown}, but should raise {e['raised']}"
            else:
                message = odd_message(label, e, g) if isinstance(g, Odd) else f"{label} returned {describe(g)}"
        elif same(e, g):
            continue
        else:
            message = f"{label} {difference(e, g)}"
        for description, wrong in mistakes():
            if any(w is not None for w in wrong) and all(w is None or same(w, gg) for w, gg in zip(wrong, got)):
                message += f"\n    likely cause: {description}"
                break
        return with_dims(message, dims)
    return None


# -- mechanisms ------------------------------------------------------------------------------------------

def script_agreement(check: Check, rt) -> tuple[str, str]:
    """The student's results equal the reference's (hidden) or the stored ones (public)."""
    unit: ScriptUnit = check.unit
    timeout = check.timeout

    def compare(dims, steps, expected, stored_mistakes):
        got = student_results(unit, dims, steps, rt, timeout)

        def mistakes():
            yield from stored_mistakes
            if unit.mistakes is not None:
                yield from unit.mistakes(dims, steps, expected)
        return compare_results(unit, dims, steps, expected, got, mistakes)

    if check.options.get("source") == "fixture":
        for dims, steps, expected, stored_mistakes in stored_examples(rt, unit.label):
            try:
                problem = compare(dims, steps, expected, stored_mistakes)
            except StudentError as err:
                return err.status, err.message
            if problem:
                return "failed", problem + "\n    (expected = the kit's stored answer for this input)"
        return "passed", ""

    def body(example):
        dims, _ = example
        steps = unit.script(dims)
        return compare(dims, steps, reference_results(unit, dims, steps), [])

    first = tuple((dims, 0) for dims in check.options.get("first_dims", ()))
    return run_examples(st.tuples(unit.dims, seeds()), body, check.options.get("examples", 10), first)


def script_property(check: Check, rt) -> tuple[str, str]:
    """A property of the student's own results on hypothesis-drawn dims (first the check's ``first_dims``)."""
    unit: ScriptUnit = check.unit
    prop = check.options["property"]

    def body(example):
        dims, _ = example
        steps = unit.script(dims)
        got = student_results(unit, dims, steps, rt, check.timeout)
        problem = prop(dims, steps, got)
        return with_dims(problem, dims) if problem else None

    first = tuple((dims, 0) for dims in check.options.get("first_dims", ()))
    return run_examples(st.tuples(unit.dims, seeds()), body, check.options.get("examples", 10), first)


# -- fixtures --------------------------------------------------------------------------------------------

def encoded_results(results: list) -> list:
    return [dict(r) if isinstance(r, Odd) else {"value": to_plain(r)} for r in results]


def build_fixture(unit: ScriptUnit, dims: dict, key: str) -> dict[str, np.ndarray]:
    """The stored form of one example: dims, steps, the reference's results, and what each known mistake gives
    where it differs from them (so a student's local grader still names it)."""
    steps = unit.script(dims)
    expected = reference_results(unit, dims, steps)
    stored = {key + "dims": np.array(json.dumps(to_plain(dims))), key + "steps": np.array(json.dumps(steps)),
              key + "expected": np.array(json.dumps(encoded_results(expected)))}
    if unit.mistakes is not None:
        kept = []
        for description, wrong in unit.mistakes(dims, steps, expected):
            differs = any(w is not None and not same(w, e) for w, e in zip(wrong, expected))
            if differs and not any(all(same(a, b) for a, b in zip(wrong, other)) for _, other in kept):
                kept.append((description, wrong))
        if kept:
            stored[key + "mistakes"] = np.array(json.dumps(
                [[d, [None if w is None else to_plain(w) for w in wrong]] for d, wrong in kept]))
    return stored


def stored_examples(rt, label: str):
    data = rt._fixtures().data
    indices = sorted({int(k.split("|")[1]) for k in data if k.startswith(label + "|")})
    for i in indices:
        key = f"{label}|{i}|"
        dims = from_plain(json.loads(str(data[key + "dims"])))
        steps = json.loads(str(data[key + "steps"]))
        expected = decoded(json.loads(str(data[key + "expected"])))
        mistakes = [(d, [None if w is None else from_plain(w) for w in wrong])
                    for d, wrong in json.loads(str(data[key + "mistakes"]))] if key + "mistakes" in data else []
        yield dims, steps, expected, mistakes
