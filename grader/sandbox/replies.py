"""Every reply of the child made true before the engine reads it: each description of a returned value checked
against the arrays that arrived (dtype and shape read from the array, never taken from the child's word), the
names each operation may send and nothing else, a failure report cut to its fields and their sizes, every
string fit to show. ``grader.sandbox.parent.Child`` calls ``reconcile`` on every reply.
"""
from __future__ import annotations


def _meta(meta, array) -> dict:
    """One description of a returned value, made true: an array's dtype and shape are read from the array
    that arrived, never taken from the child's word; anything malformed becomes kind "other"."""
    if type(meta) is not dict:
        return {"kind": "other", "type": "malformed"}
    kind = meta.get("kind")
    kept = {k: text(v, 200) for k, v in meta.items() if k in ("type", "why") and v is not None}
    if kind == "array":
        if array is None:
            return {"kind": "other", "type": kept.get("type", "unknown"), "why": "an array that did not arrive"}
        return dict(kept, kind="array", exact=meta.get("exact") is True, dtype=str(array.dtype), shape=list(array.shape))
    if kind == "scalar":
        value = meta.get("value")
        if type(value) in (int, float):
            return dict(kept, kind="scalar", value=float(value))
        return dict(kept, kind="other", why="a number that could not be read")
    if kind == "strings":
        value = meta.get("value")
        if type(value) is list and all(type(v) is str for v in value):
            return {"kind": "strings", "value": value}
        return {"kind": "other", "type": "list", "why": "not a list of str"}
    if kind in ("none", "missing"):
        return {"kind": kind}
    return dict(kept, kind="other")


def text(value, limit: int) -> str:
    """A string from the child, fit to show: cut to ``limit`` characters, control characters (ANSI escapes
    that could redraw a terminal report, NULs...) written as escapes; newlines and tabs kept."""
    value = str(value)[:limit]
    if value.isprintable():
        return value
    return "".join(c if c.isprintable() or c in "\n\t" else repr(c)[1:-1] for c in value)


# The fields of a failure report the parent reads, and how much of each (grader/sandbox/child.py:failure_report).
ERROR_FIELDS = {"type": 200, "message": 2000, "where": 200, "location": 500, "stage": 50, "traceback": 6000,
                "sandbox": 300}


def reconcile(op: str, header: dict, arrays: dict, request: dict | None = None) -> None:
    """Rewrite the descriptions in a reply from the arrays that really arrived (see _meta); drop unknown
    arrays; fill in what a (forged) reply left out, so that the checks find every field they read. The
    checks then read only what this function let through."""
    if header.get("type") != "result" or header.get("ok") is not True:
        _reconcile_failure(header)
        arrays.clear()
        return
    reconcile_kind = RECONCILE.get(op)
    used = reconcile_kind(header, arrays, request or {}) if reconcile_kind else set(arrays)
    for name in list(arrays):
        if name not in used:
            del arrays[name]


def _reconcile_failure(header: dict) -> None:
    """A failure report: only its known fields, each cut to its length and made fit to show."""
    error = header.get("error")
    header["error"] = {key: text(error[key], ERROR_FIELDS[key]) for key in ERROR_FIELDS
                       if error.get(key) is not None} if type(error) is dict else {}


def _reconcile_layer(header: dict, arrays: dict, request: dict) -> set[str]:
    """A layer's forward (and backward): out, dx, grads, grads_again, mutated."""
    used: set[str] = set()

    def fix(container, key, name):
        if key in container:
            container[key] = _meta(container[key], arrays.get(name))
            used.add(name)

    header.setdefault("out", {"kind": "missing"})
    fix(header, "out", "out")
    fix(header, "dx", "dx")
    for listed, prefix in (("outs", "out"), ("dxs", "dx")):  # tuples from forward / backward (recurrent cells)
        if listed in header:
            entries = header[listed]
            header[listed] = [_meta(e, arrays.get(f"{prefix}{i}")) for i, e in enumerate(entries[:8])] \
                if type(entries) is list else None
            used.update(f"{prefix}{i}" for i in range(len(header[listed] or ())))
    for field_name, prefix in (("grads", "grad"), ("grads_again", "grad2")):
        grads = header.get(field_name)
        if grads is None:
            continue
        if type(grads) is not dict:
            header.pop(field_name)
            if field_name == "grads":
                header["grads_error"] = "the grads could not be read"
            continue
        for k in list(grads):
            fix(grads, k, f"{prefix}:{k}")
    if "buffers" in header:  # running statistics after forward (units with buffers)
        buffers = header["buffers"]
        header["buffers"] = {str(k): _meta(v, arrays.get(f"buffer:{k}")) for k, v in buffers.items()} \
            if type(buffers) is dict else {}
        used.update(f"buffer:{k}" for k in header["buffers"])
    calls = header.get("calls")
    if calls is not None:  # the same layer called again: backward twice, new inputs, a fresh object
        header["calls"] = {}
        for name in ("backward_again", "next", "fresh"):
            call = calls.get(name) if type(calls) is dict else None
            if type(call) is not dict:
                continue
            grads = call.get("grads") if type(call.get("grads")) is dict else {}
            kept = {"out": call.get("out"), "dx": call.get("dx"), "grads": dict(grads)}
            fix(kept, "out", f"{name}:out")
            fix(kept, "dx", f"{name}:dx")
            for k in list(kept["grads"]):
                fix(kept["grads"], k, f"{name}:grad:{k}")
            header["calls"][name] = kept
    changed = header.get("params_changed")
    header["params_changed"] = [str(k)[:100] for k in changed][:10] if type(changed) is list else []
    mutated = header.get("mutated")
    header["mutated"] = [m for m in mutated if type(m) in (int, str)][:10] if type(mutated) is list else []
    replaced = header.get("buffers_replaced")  # buffers that forward replaced by new arrays
    header["buffers_replaced"] = [str(k)[:100] for k in replaced][:10] if type(replaced) is list else []
    if "grads_error" in header:
        header["grads_error"] = str(header["grads_error"])[:500]
    return used


def _reconcile_call(header: dict, arrays: dict, request: dict) -> set[str]:
    """A function's results: exactly as many as the request asked for (``repeat``), missing ones marked."""
    results = header.get("results")
    results = [_meta(r, arrays.get(f"out{i}")) for i, r in enumerate(results)] if type(results) is list else []
    repeat = request.get("repeat", 1)
    header["results"] = (results + [{"kind": "missing"}] * repeat)[:repeat]
    used = {f"out{i}" for i in range(len(header["results"]))}
    mutated = header.get("mutated")  # the indices of the array arguments the call modified
    header["mutated"] = [m for m in mutated if type(m) is int][:10] if type(mutated) is list else []
    after = header.get("args_after")  # dict arguments after an in-place call (clip_grad_norm)
    if after is not None:
        header["args_after"] = {str(k): _meta(v, arrays.get(f"arg{k}")) for k, v in list(after.items())[:64]} \
            if type(after) is dict else {}
        used.update(f"arg{k}" for k in header["args_after"])
    return used


def _reconcile_train(header: dict, arrays: dict, request: dict) -> set[str]:
    """The trained parameters and the child's dev loss (a number, or None)."""
    params = header.get("params")
    header["params"] = {str(k): _meta(v, arrays.get(f"param:{k}")) for k, v in params.items()} \
        if type(params) is dict else {}
    buffers = header.get("buffers")  # the running statistics of a model with buffers
    header["buffers"] = {str(k): _meta(v, arrays.get(f"buffer:{k}")) for k, v in buffers.items()} \
        if type(buffers) is dict else {}
    dev_loss = header.get("dev_loss")
    header["dev_loss"] = float(dev_loss) if type(dev_loss) in (float, int) else None
    # the parameters after the steps the request asked for (grader/behaviour.py verify_run), and only those
    sent, checkpoints = header.get("checkpoints"), {}
    for step in request.get("checkpoints", ()):
        entry = sent.get(str(step)) if type(sent) is dict else None
        checkpoints[str(step)] = {str(k): _meta(v, arrays.get(f"ckpt{step}:param:{k}")) for k, v in entry.items()} \
            if type(entry) is dict else {}
    header["checkpoints"] = checkpoints
    return ({f"param:{k}" for k in header["params"]} | {f"buffer:{k}" for k in header["buffers"]}
            | {f"ckpt{step}:param:{k}" for step, entry in checkpoints.items() for k in entry})


def _reconcile_perturb(header: dict, arrays: dict, request: dict) -> set[str]:
    """The stacked forward outputs under perturbation: one array, checked by the mechanism."""
    return {"outs"}


RECONCILE = {"layer": _reconcile_layer, "call": _reconcile_call, "train": _reconcile_train,
             "perturb": _reconcile_perturb}
