"""Plain Python values across the trust boundary, and the scripts of calls that produce them.

Most units return arrays (grader/sandbox/protocol.py sends them as .npy). Some return plain Python data: a
tokenizer's ids (list of int), its merges ({(int, int): int}), its vocabulary ({int: bytes}), a text. These go
as JSON with a tag where JSON has no type of its own, so that a tuple stays a tuple and a dict keyed by pairs
survives: ``to_plain`` / ``from_plain`` are exact inverses on None, bool, int, float, str, bytes, list, tuple,
set, frozenset and dict. Anything else (an object of the student's, a generator) is described, never sent.

A script is a list of steps run on one object (a class the spec names, built with keyword arguments) or on a
module (its functions): ``run_script`` is the one interpreter, used by the child on the student's code and by
the parent on the reference, so both run exactly the same calls. Steps:

- {"call": NAME, "args": [...], "kwargs": {...}}: call obj.NAME(*args, **kwargs) (arguments in to_plain form,
  or {"result": i}: what step i returned, so that decode gets what encode gave);
  with "raises": true an exception is a result ({"raised": TYPE, "message": ...}) instead of a failure;
- {"read": NAME}: the attribute obj.NAME;
- {"new": true}: replace obj by a fresh one, built as the first;
- {"file": NAME}: the text of the file NAME the student's code wrote in the working folder (at most 1 MB).

Every step gives one result, {"value": to_plain(value)} or {"raised": ...}; the parent decides which it compares.
This module imports nothing but the standard library: the child may use it (grader/README.md, the rule).
"""
from __future__ import annotations

import os

MAX_ITEMS = 2_000_000  # elements of one value (a list of ids of a long text is well below)
MAX_DEPTH = 20
MAX_FILE = 1 << 20


class NotPlain(Exception):
    """A value that is not plain data (or too large to send): its description is the message."""


def to_plain(value, _budget=None, _depth=0):
    """JSON-able form of ``value``: None/bool/int/float/str as themselves, list as a list, the others tagged:
    {"tuple": [...]}, {"set": [...]} (sorted when it can be), {"bytes": [int, ...]}, {"dict": [[k, v], ...]}.
    Raises NotPlain for anything else, for NaN-free floats only, and past MAX_ITEMS or MAX_DEPTH."""
    budget = [MAX_ITEMS] if _budget is None else _budget
    budget[0] -= 1
    if budget[0] < 0:
        raise NotPlain(f"a value of more than {MAX_ITEMS} elements, far too large")
    if _depth > MAX_DEPTH:
        raise NotPlain(f"a value nested more than {MAX_DEPTH} deep")
    kind = type(value)
    if value is None or kind in (bool, str):
        return value
    if kind is int:
        return value
    if kind is float:
        return value
    if kind in (bytes, bytearray):
        budget[0] -= len(value)
        return {"bytes": list(value)}
    if isinstance(value, list):
        return [to_plain(v, budget, _depth + 1) for v in value]
    if kind is tuple:
        return {"tuple": [to_plain(v, budget, _depth + 1) for v in value]}
    if kind in (set, frozenset):
        items = [to_plain(v, budget, _depth + 1) for v in value]
        try:
            items = sorted(items)
        except TypeError:
            pass
        return {"set": items}
    if isinstance(value, dict):  # a Counter or defaultdict is a dict too
        return {"dict": [[to_plain(k, budget, _depth + 1), to_plain(v, budget, _depth + 1)] for k, v in value.items()]}
    # NumPy integers and other int-likes are not the plain int the contract asks for: say what they are
    raise NotPlain(f"a {kind.__module__}.{kind.__qualname__}" if kind.__module__ != "builtins" else f"a {kind.__name__}")


def from_plain(data):
    """The value ``to_plain`` encoded (dict keys that are lists come back as tuples, so they stay hashable)."""
    if isinstance(data, list):
        return [from_plain(v) for v in data]
    if isinstance(data, dict):
        (tag, inner), = data.items()
        if tag == "tuple":
            return tuple(from_plain(v) for v in inner)
        if tag == "set":
            return set(_hashable(from_plain(v)) for v in inner)
        if tag == "bytes":
            return bytes(inner)
        if tag == "dict":
            return {_hashable(from_plain(k)): from_plain(v) for k, v in inner}
        raise ValueError(f"unknown tag {tag!r}")
    return data


def _hashable(value):
    return tuple(_hashable(v) for v in value) if isinstance(value, list) else value


def describe(value) -> str:
    """A short description of a plain value for a message: type, length, the first elements."""
    text = repr(value)
    if len(text) > 120:
        text = text[:100] + " ... " + text[-15:]
    size = f" of {len(value)}" if isinstance(value, (list, tuple, dict, set, str, bytes)) else ""
    return f"{type(value).__name__}{size} {text}"


def run_script(obj, make_new, steps: list, call, where: str) -> list:
    """Run ``steps`` on ``obj``; ``make_new()`` builds a fresh one; ``call(label, fn, *args, **kwargs)`` runs one
    piece of code (the child's reports an exception as the student's failure). ``where`` names obj in labels
    ("BasicTokenizer"). Returns one result per step."""
    results, values = [], []  # values: what each step gave, for arguments {"result": i} of later steps
    for step in steps:
        values.append(None)
        if "new" in step:
            obj = make_new()
            results.append({"value": None})
        elif "read" in step:
            name = step["read"]
            value = getattr(obj, name, _MISSING)
            results.append({"missing": name} if value is _MISSING else _packed(value))
        elif "file" in step:
            name = os.path.basename(step["file"])
            try:
                with open(name, "rb") as f:
                    data = f.read(MAX_FILE + 1)
            except OSError as err:
                results.append({"raised": "FileNotFoundError", "message": f"{name}: {err.strerror}"})
                continue
            results.append({"value": to_plain(data[:MAX_FILE])})
        else:
            fn = getattr(obj, step["call"], None)
            label = f"{where}.{step['call']}"
            if fn is None:
                raise AttributeError(f"{where} has no {step['call']!r}")
            args = [earlier(a, values) for a in step.get("args", [])]
            kwargs = {k: earlier(v, values) for k, v in step.get("kwargs", {}).items()}
            if step.get("raises"):
                try:
                    value = fn(*args, **kwargs)
                except Exception as exc:  # noqa: BLE001 - the step expects one; its type is the answer
                    results.append({"raised": type(exc).__name__, "message": str(exc)[:500]})
                    continue
            else:
                value = call(label, fn, *args, **kwargs)
            values[-1] = value
            results.append(_packed(value))
    return results


def earlier(arg, values: list):
    """An argument: {"result": i} is what step i returned (decode what encode gave), else a to_plain value."""
    if isinstance(arg, dict) and set(arg) == {"result"}:
        return values[arg["result"]]
    return from_plain(arg)


_MISSING = object()


def _packed(value) -> dict:
    try:
        return {"value": to_plain(value)}
    except NotPlain as err:
        return {"unsendable": str(err)}
    except RecursionError:
        return {"unsendable": "a value that refers to itself"}
