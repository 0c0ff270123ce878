"""The student's side of the trust boundary: a process that imports the submission and runs it on request.

Started by grader/sandbox/parent.py as ``python -s -B -m grader.sandbox.child CONFIG_JSON``. It reads requests on one pipe
and answers on another (grader/sandbox/protocol.py). It computes nothing the score depends on: it only calls the
student's code on the inputs it is given and sends back what came out (arrays, numbers, strings, or the
exception), described honestly enough for a useful message. The parent checks and compares everything.

Before the first request it redirects stdout/stderr to a file in its scratch folder, applies the resource
limits, Landlock and seccomp (where the kernel has them), installs the audit hook (grader/sandbox/guard.py), and
forgets the kit's modules so that student code cannot import them. See grader/SECURITY.md.
"""
from __future__ import annotations

import importlib
import json
import os
import signal
import sys
import traceback

import numpy as np

from grader.sandbox import blame, guard, plain, protocol
from grader.sandbox.failures import StudentFailure
from grader.sandbox.hangs import HangWatch
from grader.sandbox.output import BoundedOutput, bounded_streams
from grader.sandbox.perturb import outputs_under_perturbations
from grader.sandbox.scalar_ops import ScalarEngineOps
from grader.sandbox.training_op import TrainingOps

MAX_RESULT_ELEMENTS = 5_000_000
MAX_STRINGS = 100_000
TRACEBACK_FRAMES = 100  # the innermost frames a failure report formats (its text keeps the last 6000 characters)


class Runner(HangWatch, ScalarEngineOps, TrainingOps):
    """Answers the parent's requests, one ``op_NAME`` method per operation (a0's in scalar_ops.py, training in
    training_op.py; where a hang is, in hangs.py)."""

    def __init__(self, submission: str, write_fd: int, scratch: str = ".", system_roots=(), kit_roots=()):
        self.submission = os.path.realpath(submission)
        self.write_fd = write_fd
        self.scratch = scratch
        self.modules: dict[str, object] = {}
        self.seq = None  # the number of the request being answered, echoed in every frame
        self.known_hangs: set[str] = set()  # student frames where an earlier request hung (from the parent)
        self.import_hangs: dict[str, str] = {}  # module -> the line its top-level code hung on (from the parent)
        self.output: BoundedOutput | None = None
        self.samples_in_hang = 0
        self.training_status = None  # while a training request runs: a function giving its state now
        # What tells the sandbox's failures from the student's (blame.sandbox_cause): the folders of the
        # system and of Python, the kit's own, and the student's sources, read before any of them runs.
        self.system_roots, self.kit_roots = tuple(system_roots), tuple(kit_roots)
        self.student_text = read_sources(self.submission)

    # -- talking to the parent -------------------------------------------------------------------------
    def progress(self, where: str) -> None:
        protocol.write_frame(self.write_fd, protocol.encode({"type": "progress", "where": where, "seq": self.seq}))

    def failure_report(self, exc: BaseException, where: str) -> dict:
        frames = traceback.extract_tb(exc.__traceback__)
        own = [f for f in frames if os.path.realpath(f.filename).startswith(self.submission + os.sep)]
        location = None
        if own:
            last = own[-1]
            location = f"{os.path.relpath(last.filename, self.submission)}, line {last.lineno}, in {last.name}"
            if last.line:
                location += f": {last.line.strip()}"
        if isinstance(exc, SyntaxError) and exc.filename:
            location = f"{os.path.relpath(exc.filename, self.submission)}, line {exc.lineno}"
        # the innermost frames only: the report keeps the text's tail, and formatting every frame of a deep
        # recursion (thousands; Python 3.13 marks each line's columns) took seconds, past a check's limit
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-TRACEBACK_FRAMES))
        try:
            message = str(exc)
        except BaseException:  # an exception whose __str__ raises: report its type alone
            message = ""
        report = {"type": type(exc).__name__, "message": message[:2000], "where": where,
                  "location": location, "traceback": text[-6000:]}
        blocked = blame.sandbox_cause(exc, self.student_text, self.system_roots, self.kit_roots)
        if blocked:
            report["sandbox"] = blocked
        return report

    def call(self, where: str, fn, *args, **kwargs):
        """Run one piece of student code; any exception (SystemExit included) becomes a StudentFailure."""
        self.progress(where)
        try:
            return fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - the student may raise anything, even SystemExit
            raise StudentFailure(self.failure_report(exc, where)) from None

    # -- loading student code --------------------------------------------------------------------------
    def load(self, target: str):
        """'a2_mlp.linear:Linear' -> the object, importing the module once (import errors are reported)."""
        module_name, _, attr = target.partition(":")
        if module_name not in self.modules:
            try:
                self.progress(f"import {module_name}")
                self.modules[module_name] = importlib.import_module(module_name)
            except BaseException as exc:  # noqa: BLE001
                self.modules[module_name] = self.failure_report(exc, f"import {module_name}")
        module = self.modules[module_name]
        if isinstance(module, dict):
            raise StudentFailure(dict(module, stage="import"))
        obj = module
        for part in attr.split(".") if attr else ():  # no attribute: the module itself (a script's functions)
            if not hasattr(obj, part):
                raise StudentFailure({"type": "MissingName", "where": target, "stage": "import",
                                      "message": f"{module_name} has no {attr!r}"})
            obj = getattr(obj, part)
        return obj

    def construct(self, target: str, init: dict, params: dict[str, np.ndarray], label: str):
        """Build the student's layer or model and copy the grader's parameters into its own arrays."""
        cls = self.load(target)
        obj = self.call(f"{label}.__init__", cls, **init)
        if not params:
            return obj
        own = getattr(obj, "params", None)
        if not isinstance(own, dict):
            raise StudentFailure({"type": "Contract", "where": f"{label}.params", "message":
                                  f"{label}.params should be a dict of arrays, found {type(own).__name__}"})
        for name, value in params.items():
            mine = own.get(name)
            if type(mine) is not np.ndarray:
                keys = ", ".join(map(repr, own)) or "none"
                raise StudentFailure({"type": "Contract", "where": f"{label}.params", "message":
                                      f"{label}.params has no array {name!r} (its keys: {keys})"})
            if mine.shape != value.shape or mine.dtype != value.dtype:
                raise StudentFailure({"type": "Contract", "where": f"{label}.params", "message":
                                      f"{label}.params[{name!r}] is {mine.dtype} {mine.shape}, expected "
                                      f"{value.dtype} {value.shape}"})
            mine[...] = value
        return obj

    def set_state(self, obj, h: dict, arrays: dict, label: str) -> list[str]:
        """Copy the grader's buffers (running statistics) into obj.buffers and switch to eval mode if asked
        (the train/eval convention of assignments/README.md). Returns the names of the buffers set."""
        buffers = protocol.named(arrays, "buffer:")
        if buffers:
            own = getattr(obj, "buffers", None)
            for name, value in buffers.items():
                mine = own.get(name) if isinstance(own, dict) else None
                if type(mine) is not np.ndarray or mine.shape != value.shape or mine.dtype != value.dtype:
                    found = ", ".join(map(repr, own)) if isinstance(own, dict) else type(own).__name__
                    raise StudentFailure({"type": "Contract", "where": f"{label}.buffers", "message":
                                          f"{label}.buffers should hold a {value.dtype} array {name!r} of shape "
                                          f"{value.shape} (found: {found or 'none'})"})
                mine[...] = value
        if h.get("mode") == "eval":
            self.call(f"{label}.eval", getattr(obj, "eval"))
        return list(buffers)

    def pack_buffers(self, obj, names, out_arrays: dict) -> dict:
        own = getattr(obj, "buffers", None)
        own = own if isinstance(own, dict) else {}
        return {k: self.pack(own.get(k), f"buffer:{k}", out_arrays) if k in own else {"kind": "missing"}
                for k in names}

    # -- describing what the student returned ----------------------------------------------------------
    def pack(self, value, name: str, arrays: dict) -> dict:
        """A description of ``value`` for the parent; arrays go into ``arrays`` under ``name``."""
        try:
            if value is None:
                return {"kind": "none"}
            if isinstance(value, (bool, np.bool_)):
                return {"kind": "other", "type": type(value).__name__}
            if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, np.ndarray):
                return {"kind": "scalar", "value": float(value), "type": type(value).__name__}
            if isinstance(value, np.ndarray):
                meta = {"kind": "array", "type": type(value).__name__, "exact": type(value) is np.ndarray,
                        "dtype": str(value.dtype), "shape": list(value.shape)}
                if value.dtype.kind not in protocol.ALLOWED_KINDS or value.dtype.hasobject:
                    return dict(meta, kind="other", why=f"an array of dtype {value.dtype}")
                if value.size > MAX_RESULT_ELEMENTS:
                    return dict(meta, kind="other", why=f"an array of {value.size} elements, far too large")
                arrays[name] = np.array(value, copy=True).view(np.ndarray)
                return meta
            if isinstance(value, (list, tuple)) and all(type(v) is str for v in value[:MAX_STRINGS]):
                if len(value) > MAX_STRINGS or sum(map(len, value)) > 10_000_000:
                    return {"kind": "other", "type": type(value).__name__, "why": "far too many strings"}
                return {"kind": "strings", "value": [str(v) for v in value]}
            return {"kind": "other", "type": type(value).__name__}
        except BaseException as exc:  # noqa: BLE001 - a lazy object that raises when read
            return {"kind": "other", "type": "unreadable", "why": f"reading it raised {type(exc).__name__}: {exc}"}

    # -- operations ------------------------------------------------------------------------------------
    def op_layer(self, h: dict, arrays: dict) -> tuple[dict, dict]:
        """Forward (and backward) of one layer or model with injected parameters."""
        label = h["label"]
        params = protocol.named(arrays, "param:")
        obj = self.construct(h["target"], h.get("init", {}), params, label)
        buffer_names = self.set_state(obj, h, arrays, label)
        args = [arrays[f"arg{i}"] for i in range(h["nargs"])]
        originals = [a.copy() for a in args]
        out_arrays: dict = {}
        own_buffers = getattr(obj, "buffers", None)
        before = {k: own_buffers.get(k) for k in buffer_names} if isinstance(own_buffers, dict) else {}
        out = self.call(f"{label}.forward", obj.forward, *args)
        result = {"out": self.pack(out, "out", out_arrays)}
        if type(out) is tuple:  # an LSTM cell's (h, c); type(), as isinstance could run a lazy object's code
            result["outs"] = [self.pack(o, f"out{i}", out_arrays) for i, o in enumerate(out[:8])]
        if buffer_names:
            result["buffers"] = self.pack_buffers(obj, buffer_names, out_arrays)
            # the running statistics are updated in place: a model holding the same arrays sees the update
            after = getattr(obj, "buffers", None)
            result["buffers_replaced"] = [k for k in before if not isinstance(after, dict) or after.get(k) is not before[k]]
        mutated = [i for i, (a, o) in enumerate(zip(args, originals)) if not np.array_equal(a, o)]
        if h.get("backward"):
            if h.get("n_douts"):  # one upstream gradient per output: backward(*douts)
                douts = [arrays[f"dout{i}"] for i in range(h["n_douts"])]
            else:
                douts = [arrays["dout"]]
            dout_args = [float(douts[0])] if h.get("scalar_dout") else douts
            dout_copies = [d.copy() for d in douts]
            dx = self.call(f"{label}.backward", obj.backward, *dout_args)
            result["dx"] = self.pack(dx, "dx", out_arrays)
            if type(dx) is tuple:  # (dx, dh_prev[, dc_prev])
                result["dxs"] = [self.pack(d, f"dx{i}", out_arrays) for i, d in enumerate(dx[:8])]
            grads = getattr(obj, "grads", None)
            if not isinstance(grads, dict):
                result["grads_error"] = f"{label}.grads should be a dict, found {type(grads).__name__}"
            else:
                result["grads"] = {k: self.pack(grads.get(k), f"grad:{k}", out_arrays) if k in grads
                                   else {"kind": "missing"} for k in params}
            if any(not np.array_equal(d, c) for d, c in zip(douts, dout_copies)):
                mutated.append("dout")
            if h.get("twice") and isinstance(grads, dict):
                own = getattr(obj, "params", None)
                result["params_changed"] = [k for k in params if not isinstance(own, dict)
                                            or not np.array_equal(own.get(k), params[k])]
                # The convention: backward overwrites self.grads. A second identical step must give the same
                # gradients; one that adds to the previous ones shows up here and not only as slow training.
                self.call(f"{label}.forward", obj.forward, *[o.copy() for o in originals])
                self.call(f"{label}.backward", obj.backward, *dout_args)
                again = getattr(obj, "grads", None)
                if isinstance(again, dict):
                    result["grads_again"] = {k: self.pack(again.get(k), f"grad2:{k}", out_arrays)
                                             for k in params if k in again}
                if not h.get("n_douts"):  # a tuple-valued layer (a recurrent cell) is checked step by step instead
                    result["calls"] = self.later_calls(h, obj, params, arrays, dout_args, out_arrays)
        result["mutated"] = mutated
        return result, out_arrays

    def fresh_object(self, h: dict, params: dict, arrays: dict, label: str):
        """A new object built as the first one was: parameters, buffers and mode (eval or train)."""
        obj = self.construct(h["target"], h.get("init", {}), params, label)
        self.set_state(obj, h, arrays, label)
        return obj

    def later_calls(self, h: dict, obj, params: dict, arrays: dict, dout_args: list, out_arrays: dict) -> dict:
        """What the same object gives on later calls, and what a fresh one gives, for the parent to compare:
        "backward_again" a second backward after the same forward; "next" forward and backward on new inputs
        of the same shape ("next:argI", "next:dout"); "fresh" the same new call on a fresh object."""
        label, calls = h["label"], {}

        def record(name, out, dx, target):
            grads = getattr(target, "grads", None)
            calls[name] = {"out": self.pack(out, f"{name}:out", out_arrays),
                           "dx": self.pack(dx, f"{name}:dx", out_arrays),
                           "grads": {k: self.pack(grads.get(k), f"{name}:grad:{k}", out_arrays)
                                     for k in params if k in grads} if isinstance(grads, dict) else {}}

        try:  # a backward that consumes its cache (a stack of time steps, DLFS2-style) may refuse a second call
            record("backward_again", None, self.call(f"{label}.backward", obj.backward, *dout_args), obj)
        except StudentFailure:
            pass
        if "next:dout" not in arrays:
            return calls
        new_inputs = [arrays[f"next:arg{i}"] for i in range(h["nargs"])]
        new_dout = float(arrays["next:dout"]) if h.get("scalar_dout") else arrays["next:dout"]
        for name, target in (("next", obj), ("fresh", self.fresh_object(h, params, arrays, label))):
            out = self.call(f"{label}.forward", target.forward, *[a.copy() for a in new_inputs])
            out = np.array(out, copy=True) if isinstance(out, np.ndarray) else out  # before backward can touch it
            dx = self.call(f"{label}.backward", target.backward,
                           new_dout if h.get("scalar_dout") else new_dout.copy())
            record(name, out, dx, target)
        return calls

    def op_perturb(self, h: dict, arrays: dict) -> tuple[dict, dict]:
        """Forward outputs under small perturbations, for the parent's finite differences.

        h["perturbations"]: list of [what, flat_index, delta], what = "param:NAME" or "argI". Returns the
        outputs stacked: (K, *out_shape).
        """
        label = h["label"]
        params = protocol.named(arrays, "param:")
        obj = self.construct(h["target"], h.get("init", {}), params, label)
        self.set_state(obj, h, arrays, label)
        args = [arrays[f"arg{i}"].copy() for i in range(h["nargs"])]
        self.progress(f"{label}.forward")
        # construct() checked obj.params: a dict holding an array of each injected parameter
        stacked = self.quiet(f"{label}.forward", outputs_under_perturbations, obj.forward,
                             obj.params if params else {}, args, h["perturbations"])
        return {"out": {"kind": "array"}}, {"outs": stacked}

    def op_call(self, h: dict, arrays: dict) -> tuple[dict, dict]:
        """Call a function with arguments that are arrays, JSON values or a seeded np.random.Generator."""
        fn = self.load(h["target"])
        args = protocol.decode_args(h["args"], arrays, make_rng=np.random.default_rng)
        results = []
        out_arrays: dict = {}
        mutated: list = []
        for repeat in range(h.get("repeat", 1)):
            call_args = [np.random.default_rng(s["rng"]) if "rng" in s else a for s, a in zip(h["args"], args)]
            value = self.call(h["label"], fn, *call_args)
            results.append(self.pack(value, f"out{repeat}", out_arrays))
            if repeat == 0:  # every array argument must be as it was passed (dicts only where the call says so)
                mutated = [i for i, (spec, a) in enumerate(zip(h["args"], args))
                           if ("array" in spec and not unchanged(a, arrays[spec["array"]]))
                           or ("arrays" in spec and not h.get("return_args")
                               and not all(unchanged(a.get(k), arrays[n]) for k, n in spec["arrays"].items()))]
        reply = {"results": results, "mutated": mutated}
        if h.get("return_args"):  # what the call left in its dict arguments, for in-place functions
            reply["args_after"] = {f"{i}:{key}": self.pack(a.get(key), f"arg{i}:{key}", out_arrays)
                                   for i, (spec, a) in enumerate(zip(h["args"], args)) if "arrays" in spec
                                   for key in spec["arrays"]}
        return reply, out_arrays

    def op_script(self, h: dict, arrays: dict) -> tuple[dict, dict]:
        """A script of calls on one object of the student's (or on a module's functions) whose results are plain
        Python values (grader/sandbox/plain.py): a tokenizer trained, then asked to encode, save, load."""
        target, label = h["target"], h["label"]
        found = self.load(target)
        if h.get("init") is None:
            make_new = lambda: found  # noqa: E731 - a module (or any object) used as it is
        else:
            make_new = lambda: self.call(f"{label}.__init__", found, **{k: plain.from_plain(v)  # noqa: E731
                                                                        for k, v in h["init"].items()})
        try:
            results = plain.run_script(make_new(), make_new, h["steps"], self.call, label)
        except StudentFailure:
            raise
        except Exception as exc:  # noqa: BLE001 - a missing method, a file the script cannot read
            raise StudentFailure(self.failure_report(exc, label)) from None
        return {"results": results}, {}

    def quiet(self, where: str, fn, *args):
        """Like ``call`` without a progress frame: one per operation would cost more than the operation."""
        try:
            return fn(*args)
        except BaseException as exc:  # noqa: BLE001
            raise StudentFailure(self.failure_report(exc, where)) from None

    def op_hello(self, h: dict, arrays: dict) -> tuple[dict, dict]:
        return {"python": sys.version.split()[0], "numpy": np.__version__,
                "layers": getattr(self, "layers", {})}, {}

    def serve(self, read_fd: int) -> None:
        while True:
            try:
                header, arrays = protocol.decode(protocol.read_frame(read_fd))
            except protocol.Closed:
                return
            self.seq = header.get("seq")
            self.known_hangs = {str(place) for place in header.get("known_hangs", [])}
            hangs = header.get("import_hangs", {})
            self.import_hangs = {str(k): str(v) for k, v in hangs.items()} if isinstance(hangs, dict) else {}
            op = getattr(self, "op_" + header["op"])
            try:
                self.watch_for_known_hangs(True)
                try:
                    result, out_arrays = op(header, arrays)
                finally:
                    self.watch_for_known_hangs(False)
                reply = dict(result, type="result", ok=True)
            except StudentFailure as failure:
                reply, out_arrays = {"type": "result", "ok": False, "error": failure.report}, {}
            except BaseException as exc:  # noqa: BLE001 - e.g. student objects that break the harness
                report = self.failure_report(exc, header.get("label", "the grader's harness"))
                reply, out_arrays = {"type": "result", "ok": False, "error": report}, {}
            reply["seq"] = self.seq
            if self.output is not None:
                try:
                    sys.__stdout__.flush()
                except Exception:  # noqa: BLE001 - the student may have closed or replaced it
                    pass
                self.output.end_request()
            protocol.write_frame(self.write_fd, protocol.encode(reply, out_arrays))


def unchanged(value, original: np.ndarray) -> bool:
    """An argument after a call is the array it was before: same type, shape and values (NaN equal to NaN)."""
    return (type(value) is np.ndarray and value.shape == original.shape
            and bool(np.array_equal(value, original, equal_nan=value.dtype.kind in "fc")))


def read_sources(folder: str, limit: int = 4 << 20) -> str:
    """The text of every .py file under ``folder`` (at most ``limit`` characters in all)."""
    parts, size = [], 0
    for root, _, files in os.walk(folder):
        for name in sorted(files):
            if name.endswith(".py") and size < limit:
                try:
                    with open(os.path.join(root, name), encoding="utf-8", errors="replace") as f:
                        parts.append(f.read(limit - size))
                except OSError:
                    continue
                size += len(parts[-1])
    return "\n".join(parts)


def forget_kit_modules() -> None:
    """Drop the kit's modules (and the modules the audit hook refuses) from sys.modules, so that importing
    them goes through the hook's "import" event; the objects already loaded stay alive for the runner."""
    for name in list(sys.modules):
        top = name.partition(".")[0]
        if top in guard.BLOCKED_MODULES or top in guard.BLOCKED_IMPORTS:
            del sys.modules[name]


def die_with_parent() -> None:
    """The grader that started this process may itself be killed (``kill -9`` of a batch): the kernel then
    kills this process too (PR_SET_PDEATHSIG, Linux), whatever the student's code is doing."""
    parent = os.getppid()
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG, SIGKILL
    except (OSError, AttributeError):  # not Linux: the rlimits and the parent's kill remain
        return
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def main() -> None:
    die_with_parent()
    config = json.loads(sys.argv[1])
    read_fd, write_fd = config["read_fd"], config["write_fd"]
    scratch = config["scratch"]
    os.chdir(scratch)
    # The student's prints go to a file the parent may show; the protocol pipes stay clean.
    log_fd = os.open(os.path.join(scratch, "output.txt"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    os.close(log_fd)
    output, stream = bounded_streams(1)
    sys.stdout = sys.stderr = sys.__stdout__ = sys.__stderr__ = stream
    # An empty stdin, not a closed one: input() meets EOF and sys.stdin.read() returns "", as in a notebook
    # run non-interactively; a closed descriptor made both raise EBADF.
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    sys.argv = [sys.argv[0]]  # the config (with the pipes' numbers) is nobody's business
    runner = Runner(config["submission"], write_fd, scratch, config["readable"], config["forbidden"])
    runner.output = output
    signal.signal(signal.SIGUSR1, runner.on_hang_question)
    signal.signal(signal.SIGALRM, runner.on_sample)
    sys.meta_path.insert(0, runner)  # find_spec: a module whose import already hung is not imported again
    layers = runner.layers = {}
    if config.get("preload", True):
        missing = guard.preload()
        layers["preload"] = "on" + (f" (not in this Python: {', '.join(missing)})" if missing else "")
    if config.get("limits"):
        guard.set_limits(**config["limits"])
        layers["rlimits"] = "on"
    # The kernel layers need ctypes, so they go before the audit hook (which refuses ctypes from then on).
    if config.get("landlock"):
        layers["landlock"] = guard.install_landlock(
            [runner.submission, *guard.landlock_read_paths(config["readable"], config["forbidden"])], [scratch],
            ["/dev/null", "/dev/urandom", "/dev/zero"])
    if config.get("seccomp"):
        layers["seccomp"] = guard.install_seccomp()
    if config.get("audit"):
        guard.install_audit_hook(config["submission"], scratch, config["readable"], config["forbidden"])
        layers["audit"] = "on"
        forget_kit_modules()
    sys.path.insert(0, runner.submission)
    runner.serve(read_fd)
    os._exit(0)


if __name__ == "__main__":
    main()
