"""Compare what a student's code produced with what it should have, and say what the difference looks like.

``compare_arrays(label, expected, got, context)`` returns None when they agree, or a message a student can act
on: which array, expected vs got, the worst element with its index and errors, and the likely mistake when the
difference has a recognisable shape (transposed, a constant factor such as the batch size, a flipped sign, all
zeros, NaN/inf, right on only part of the entries, or one of the check's own known mistakes).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

RTOL = 1e-6
ATOL = 1e-8


@dataclass
class Context:
    """What a diagnosis may use to explain a difference.

    batch_size: N of this call, to recognise a mean/sum mix-up.
    known_mistakes: (description, what that mistake would produce) pairs; a match names the mistake.
    regions: (mask over the array, what it means when exactly those entries are wrong) pairs.
    own_forward: the expected array is the finite difference of the student's own forward, so a mean/sum
    mix-up may sit in forward as well as in backward.
    """

    batch_size: int | None = None
    known_mistakes: list[tuple[str, np.ndarray]] = field(default_factory=list)
    regions: list[tuple[np.ndarray, str]] = field(default_factory=list)
    own_forward: bool = False


def close(expected: np.ndarray, got: np.ndarray, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """Elementwise agreement within a relative error with an absolute floor; shapes must already match."""
    return bool(np.all(np.abs(got - expected) <= atol + rtol * np.abs(expected)))


def relative_error(expected: np.ndarray, got: np.ndarray, floor: float = ATOL) -> np.ndarray:
    return np.abs(got - expected) / np.maximum(np.maximum(np.abs(expected), np.abs(got)), floor)


def fmt(x: float) -> str:
    return f"{x:.6g}"


def fmt_index(index: tuple) -> str:
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


def describe_received(meta: dict) -> str:
    """Say in words what the student returned, from the child's description."""
    kind = meta.get("kind")
    if kind == "none":
        return "None"
    if kind == "missing":
        return "nothing (the key is missing)"
    if kind == "scalar":
        return f"a {meta.get('type', 'number')} ({fmt(meta['value'])})"
    if kind == "strings":
        return "a list of strings"
    if kind == "array":
        return f"an array of dtype {meta.get('dtype')} and shape {tuple(meta.get('shape', ()))}"
    return f"a {meta.get('type', 'value')}" + (f" ({meta['why']})" if meta.get("why") else "")


def check_array_type(label: str, meta: dict, expected_shape: tuple, dtype=np.float64) -> str | None:
    """The contract before any value: a plain ndarray of the right dtype and exact shape."""
    if meta.get("kind") != "array":
        return f"{label} should be a float64 array of shape {expected_shape}, but your code returned {describe_received(meta)}"
    if not meta.get("exact", True):
        return f"{label} is a {meta.get('type')} (an ndarray subclass); return a plain np.ndarray"
    shape = tuple(meta.get("shape", ()))
    if not dtype_accepted(np.dtype(meta.get("dtype")), np.dtype(dtype)):
        hint = " (the kit works in float64: don't cast to float32)" if meta.get("dtype") == "float32" else ""
        if np.dtype(dtype).kind == "f" and np.dtype(meta.get("dtype")).kind in "iub":
            hint = " (integer arithmetic? divide with / or start from float64 arrays)"
        if np.dtype(dtype).kind == "i" and np.dtype(meta.get("dtype")).kind == "f":
            hint = f" (np.zeros gives float64 unless you pass dtype=np.{np.dtype(dtype).name})"
        if np.dtype(dtype).kind in "iu" and np.dtype(meta.get("dtype")).kind in "iu":
            hint = " (counts need at least 32 bits: a 16-bit integer overflows at 32,767)"
        expected = "an integer dtype of at least 32 bits" if np.dtype(dtype).kind in "iu" else np.dtype(dtype).name
        return f"{label} has dtype {meta.get('dtype')}, expected {expected}{hint}"
    if shape != tuple(expected_shape):
        return f"{label} has shape {shape}, expected {tuple(expected_shape)}" + shape_hint(shape, tuple(expected_shape))
    return None


def dtype_accepted(got: np.dtype, expected: np.dtype) -> bool:
    """Floats must be exactly the expected dtype (the kit works in float64). Integer results (counts) may be
    any integer dtype of at least 32 bits: the lecture builds its count table with int32."""
    if expected.kind in "iu":
        return got.kind in "iu" and got.itemsize >= 4
    return got == expected


def shape_hint(got: tuple, expected: tuple) -> str:
    if len(got) == 2 and got == expected[::-1] and got != expected:
        return ": it looks transposed"
    if tuple(d for d in got if d != 1) == tuple(d for d in expected if d != 1):
        return ": an extra or missing axis of size 1 (keepdims, or a missing reshape/squeeze?)"
    if int(np.prod(got)) == int(np.prod(expected)):
        return ": same number of elements, so a reshape went wrong"
    return ""


def compare_arrays(label: str, expected: np.ndarray, got: np.ndarray, context: Context | None = None,
                   rtol: float = RTOL, atol: float = ATOL) -> str | None:
    """None if ``got`` matches ``expected``; otherwise a diagnosis. Shapes are compared exactly first."""
    context = context or Context()
    if got.shape != expected.shape:
        if got.ndim == 2 and got.shape == expected.shape[::-1] and close(expected, got.T, rtol, atol):
            return f"{label} looks transposed: your {got.shape} vs expected {expected.shape}"
        return f"{label} has shape {got.shape}, expected {expected.shape}" + shape_hint(got.shape, expected.shape)
    if not np.all(np.isfinite(got)):
        bad = np.argwhere(~np.isfinite(got))[0]
        where = fmt_index(tuple(bad)) if got.ndim else ""
        kind = "NaN" if np.isnan(got).any() else "inf"
        return f"{label} contains {kind} (first at {label}{where}): overflow in exp, log(0) or a division by zero?"
    if close(expected, got, rtol, atol):
        return None
    return f"{label} is wrong: " + explain_difference(expected, got, context, rtol, atol) + worst_element(expected, got)


def explain_difference(expected, got, context: Context, rtol, atol) -> str:
    for description, wrong in context.known_mistakes:
        # a mistake explains a difference only where it differs from the right answer: one that gives the
        # right array here (a forward mistake, on a gradient it leaves alone) says nothing about this one
        if wrong.shape == got.shape and close(wrong, got, rtol, atol) and not close(expected, wrong, rtol, atol):
            return description
    if not np.any(got) and np.any(expected):
        return "it is all zeros (is the gradient computed and stored?)"
    precision = precision_lost(expected, got)
    if precision:
        return precision
    factor = float(np.vdot(got, expected) / np.vdot(expected, expected)) if np.any(expected) else 0.0
    if abs(factor - 1) > 1e-4 and close(factor * expected, got, rtol * 10, atol * 10):
        # With a single nonzero entry any two arrays are multiples of each other: only a factor with a
        # meaning (the sign, the batch size) says something then.
        described = describe_factor(factor, context.batch_size, generic=np.count_nonzero(expected) > 1,
                                    own_forward=context.own_forward)
        if described:
            return described
    if got.ndim == 2 and got.shape[0] == got.shape[1] and close(expected.T, got, rtol, atol):
        return "it looks transposed (it equals the transpose of the expected array)"
    wrong = ~(np.abs(got - expected) <= atol + rtol * np.abs(expected))
    for mask, meaning in context.regions:
        # only telling if some entries outside the region had something to get wrong and got it right
        if (mask.shape == wrong.shape and wrong.any() and not np.any(wrong & ~mask)
                and np.any(~mask & (expected != 0))):
            return meaning
    n_wrong, n = int(wrong.sum()), wrong.size
    if n_wrong < n:
        text = f"right on {n - n_wrong} of {n} entries, wrong on {n_wrong}"
        if got.ndim >= 2:
            rows = np.unique(np.argwhere(wrong)[:, 0])
            if len(rows) < got.shape[0]:
                text += f" (only in rows {list(map(int, rows[:8]))}{'...' if len(rows) > 8 else ''})"
        return text
    return "no entry matches"


def precision_lost(expected: np.ndarray, got: np.ndarray) -> str | None:
    """Every entry right to about 7 significant digits and no more: what float32 arithmetic gives."""
    rel = relative_error(expected, got, floor=1e-300)
    if np.max(rel) >= 1e-4 or np.max(rel) < 1e-12:
        return None
    as_float32 = np.array_equal(got, got.astype(np.float32).astype(np.float64))
    if not as_float32:  # float64 numbers: a small systematic error in the formula, not float32 arithmetic
        return (f"every entry is close to the expected value but off by a relative {float(np.max(rel)):.1g} at "
                "most: a small systematic error in the formula (your values are float64 numbers). A constant in "
                "a slightly different place: eps outside the sqrt instead of inside, "
                "an eps added in a clip or inside a log, an approximation of a function")
    return ("every entry agrees with the expected value to about 7 significant digits, and no better (your "
            "values are all float32 numbers): float32 precision. Some step computed in float32 (an "
            ".astype(np.float32), a float32 array or np.float32 constant); keep everything in float64")


# Constant factors with a known cause beyond the batch size: the wrong logarithm.
LOG_FACTORS = [(1 / np.log(2), "1.4427 (1/ln 2) times the expected value: np.log2 instead of the natural log "
                               "np.log?"),
               (np.log(2), "0.6931 (ln 2) times the expected value: the natural log where log2 belongs, or "
                           "np.log2 in the other direction?"),
               (1 / np.log(10), "0.4343 (1/ln 10) times the expected value: np.log10 instead of the natural "
                                "log np.log?")]


def describe_factor(factor: float, batch_size: int | None, generic: bool = True,
                    own_forward: bool = False) -> str | None:
    if abs(factor + 1) < 1e-3:
        return "it has the wrong sign (flipped): check the sign of each term"
    for known, text in LOG_FACTORS:
        if abs(factor - known) < 1e-4 * known:
            return "it is " + text
    if own_forward and batch_size and batch_size > 1 and (
            abs(factor - 1 / batch_size) < 1e-3 / batch_size or abs(factor - batch_size) < 1e-3 * batch_size):
        ratio = f"1/{batch_size} of" if factor < 1 else f"{batch_size} times"
        return (f"it is {ratio} what your forward implies, {batch_size} being the batch size: your forward and "
                "backward disagree on averaging over the batch (only the loss averages; every other "
                "gradient sums)")
    if batch_size and batch_size > 1:
        if abs(factor - 1 / batch_size) < 1e-3 / batch_size:
            return (f"it is 1/{batch_size} of the expected value, {batch_size} being the batch size: did you "
                    "average over the batch where you should sum?")
        if abs(factor - batch_size) < 1e-3 * batch_size:
            return (f"it is {batch_size} times the expected value, {batch_size} being the batch size: did you "
                    "sum over the batch where you should average (or forget to divide by N)?")
    return f"it is off by a constant factor: yours ≈ {factor:.4g} × expected" if generic else None


def worst_element(expected: np.ndarray, got: np.ndarray) -> str:
    diff = np.abs(got - expected)
    index = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.ndim else ()
    e, g = float(expected[index]), float(got[index])
    rel = float(relative_error(np.asarray(e), np.asarray(g)))
    where = f" at {fmt_index(index)}" if index else ""
    return f"\n    worst element{where}: expected {fmt(e)}, got {fmt(g)} (abs err {diff[index]:.2g}, rel err {rel:.2g})"



SHAPE_ERRORS = ("mismatch in its core dimension", "not aligned", "could not be broadcast", "not broadcastable",
                "cannot reshape", "shape mismatch")


def error_hint(where: str, kind: str, message: str) -> str:
    """A hint for an exception the student's code raised, when its message has a recognisable cause."""
    if kind != "ValueError" or not any(s in message for s in SHAPE_ERRORS):
        return ""
    in_backward = "backward" in where or where.startswith("training")
    if "core dimension" in message or "not aligned" in message:
        hint = "the shapes of a matrix product do not line up ((a, b) @ (c, d) needs b == c)"
        if in_backward:
            hint += ("; write each product so that its result has the shape of the gradient you want: one "
                     "operand often needs a transpose (.T)")
    elif reduced_axis_lost(message):
        hint = ("an array of shape (N, V) was combined with one of shape (N,): a reduction lost its axis. Keep it "
                "with keepdims=True (logits.max(axis=1, keepdims=True) has shape (N, 1) and broadcasts along "
                "each row)")
    else:
        hint = "arrays of incompatible shapes were combined"
        if in_backward:
            hint += ("; in backward each gradient has the shape of what it is the gradient of (a layer's dout has "
                     "the shape of its forward output: undo any reshape done in forward)")
    return "\n    hint: " + hint


def reduced_axis_lost(message: str) -> bool:
    """A broadcast error between (a, b) and (a,): the sign of a row reduction without keepdims."""
    shapes = [tuple(int(n) for n in re.findall(r"\d+", m)) for m in re.findall(r"\(([\d, ]*)\)", message)]
    return any(len(x) == 2 and len(y) == 1 and y[0] == x[0] != x[1] for x in shapes for y in shapes)
