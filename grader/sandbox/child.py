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
import io
import json
import os
import signal
import sys
import time
import traceback

import numpy as np

from grader import micrograd
from grader.sandbox import guard, plain, protocol
from grader.sandbox.perturb import outputs_under_perturbations
from grader.training import Schedule, dev_loss, train

MAX_RESULT_ELEMENTS = 5_000_000
MAX_STRINGS = 100_000


class StudentFailure(Exception):
    """The student's code raised, or returned something that cannot be sent; carries the report."""

    def __init__(self, report: dict):
        super().__init__(report.get("message", ""))
        self.report = report


class Timed:
    """The student's model or loss with its forward and backward timed; every other attribute passes through
    (params and grads, which the training loop reads)."""

    def __init__(self, inner):
        self._inner, self._seconds, self._calls = inner, {"forward": 0.0, "backward": 0.0}, {"forward": 0, "backward": 0}

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def _timed(self, name, *args):
        start = time.perf_counter()
        try:
            return getattr(self._inner, name)(*args)
        finally:
            self._seconds[name] += time.perf_counter() - start
            self._calls[name] += 1

    def forward(self, *args):
        return self._timed("forward", *args)

    def backward(self, *args):
        return self._timed("backward", *args)

    @property
    def seconds(self) -> float:
        return sum(self._seconds.values())

    def per_call(self, name: str) -> float:
        """Milliseconds per call of forward or backward so far."""
        return self._seconds[name] / max(1, self._calls[name]) * 1000


class BoundedOutput(io.RawIOBase):
    """The file under sys.stdout and sys.stderr of the student's code (behind C buffering, so printing stays
    fast). Of what one request prints, the first ``head`` bytes go to the output file at once (a crash keeps
    them) and the last ``tail`` are kept and written when the request ends, with how much was left out between:
    a chatty submission (thousands of lines per call) costs a bounded file, and writing never raises inside
    the student's code (the file-size limit stays far away)."""

    def __init__(self, fd: int, head: int = 2000, tail: int = 2000, total: int = 4 << 20):
        self.fd, self.head, self.tail, self.total = fd, head, tail, total
        self.written_total = 0
        self.start_request()

    def start_request(self) -> None:
        self.written, self.kept, self.left_out = 0, bytearray(), 0

    def _write_file(self, data: bytes) -> None:
        data = bytes(data[:max(0, self.total - self.written_total)])
        try:
            os.write(self.fd, data)
            self.written_total += len(data)
        except OSError:
            pass

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        data = memoryview(data).cast("B")
        now = data[:max(0, self.head - self.written)]
        if len(now):
            self._write_file(now)
            self.written += len(now)
        later = data[len(now):]
        if len(later):
            self.left_out += len(later)
            self.kept += later
            if len(self.kept) > 4 * self.tail:
                del self.kept[:-self.tail]
        return len(data)

    def end_request(self) -> None:
        kept = self.kept[-self.tail:]
        if self.left_out > len(kept):
            self._write_file(f"\n[... {self.left_out - len(kept)} bytes printed here were not kept ...]\n".encode())
        self._write_file(kept)
        self.start_request()


def bounded_streams(fd: int) -> tuple[BoundedOutput, io.TextIOWrapper]:
    raw = BoundedOutput(fd)
    return raw, io.TextIOWrapper(io.BufferedWriter(raw, 1 << 16), encoding="utf-8", errors="backslashreplace")


class HangAgain(BaseException):
    """Raised in the student's code when it sits in a place that already hung in an earlier request: a
    BaseException, so that ``except Exception`` in the student's code does not swallow it."""


HANG_SAMPLE_SECONDS = 0.25  # how often a request that could meet a known hang looks where it is
HANG_SAMPLES = 4  # consecutive samples in the same known place before it counts as the same hang


class Runner:
    def __init__(self, submission: str, write_fd: int, scratch: str = ".", system_roots=(), kit_roots=()):
        self.submission = os.path.realpath(submission)
        self.write_fd = write_fd
        self.scratch = scratch
        self.modules: dict[str, object] = {}
        self.seq = None  # the number of the request being answered, echoed in every frame
        self.known_hangs: set[str] = set()  # student frames where an earlier request hung (from the parent)
        self.output: BoundedOutput | None = None
        self.samples_in_hang = 0
        self.training_status = None  # while a training request runs: a function giving its state now
        # What tells the sandbox's failures from the student's (guard.sandbox_cause): the folders of the
        # system and of Python, the kit's own, and the student's sources, read before any of them runs.
        self.system_roots, self.kit_roots = tuple(system_roots), tuple(kit_roots)
        self.student_text = read_sources(self.submission)

    # -- recognising one infinite loop wherever it is entered from ----------------------------------------
    def innermost_student_frame(self, frame) -> str | None:
        """'a2_mlp/tanh.py:12 in forward' for the innermost frame of the student's code (the line where its
        code object starts, so every iteration of a loop names the same place)."""
        while frame is not None:
            path = os.path.realpath(frame.f_code.co_filename)
            if path.startswith(self.submission + os.sep):
                return f"{os.path.relpath(path, self.submission)}:{frame.f_code.co_firstlineno} in {frame.f_code.co_name}"
            frame = frame.f_back
        return None

    def on_hang_question(self, signum, frame) -> None:
        """SIGUSR1 from the parent, about to kill this process for a timeout: leave where the student's code is."""
        place = self.innermost_student_frame(frame) or ""
        status = self.training_status() if self.training_status else ""  # a training run: its state now
        try:
            with open(os.path.join(self.scratch, "hang.txt"), "w") as f:
                f.write(place[:500].replace("\n", " ") + ("\n" + status[:400] if status else ""))
        except OSError:
            pass

    def on_sample(self, signum, frame) -> None:
        place = self.innermost_student_frame(frame)
        self.samples_in_hang = self.samples_in_hang + 1 if place in self.known_hangs else 0
        if self.samples_in_hang >= HANG_SAMPLES:
            self.samples_in_hang = 0
            raise HangAgain(place)

    def watch_for_known_hangs(self, on: bool) -> None:
        self.samples_in_hang = 0
        if self.known_hangs and on:
            signal.setitimer(signal.ITIMER_REAL, HANG_SAMPLE_SECONDS, HANG_SAMPLE_SECONDS)
        else:
            signal.setitimer(signal.ITIMER_REAL, 0)

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
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        try:
            message = str(exc)
        except BaseException:  # an exception whose __str__ raises: report its type alone
            message = ""
        report = {"type": type(exc).__name__, "message": message[:2000], "where": where,
                  "location": location, "traceback": text[-6000:]}
        blocked = guard.sandbox_cause(exc, self.student_text, self.system_roots, self.kit_roots)
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
        buffers = named(arrays, "buffer:")
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
        params = named(arrays, "param:")
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
        params = named(arrays, "param:")
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

    def op_train(self, h: dict, arrays: dict) -> tuple[dict, dict]:
        """Train the student's model with the kit's loop; send back its final parameters."""
        params = named(arrays, "param:")
        model = self.construct(h["target"], h.get("init", {}), params, h["label"])
        loss_fn = self.call(f"{h['loss_label']}.__init__", self.load(h["loss"]))
        optimizer = None
        if h.get("optimizer"):  # the student's optimiser (a7's AdamW) instead of the loop's SGD
            optimizer = self.call(f"{h['optimizer'].rpartition(':')[2]}.__init__", self.load(h["optimizer"]),
                                  model.params, **h.get("optimizer_args", {}))
        schedule = Schedule(**h["schedule"])
        where = f"training {h['label']} ({schedule.steps} steps)"
        self.progress(where)
        timed_model, timed_loss = Timed(model), Timed(loss_fn)
        last_report = [0.0]
        checkpoints, out_arrays = set(h.get("checkpoints", ())), {}
        packed_checkpoints: dict = {}

        def report(step, loss, lr):
            if step in checkpoints:  # the parameters after this step, for the parent to verify the run
                params_now = getattr(model, "params", None)
                params_now = params_now if isinstance(params_now, dict) else {}
                packed_checkpoints[str(step)] = {k: self.pack(params_now.get(k), f"ckpt{step}:param:{k}", out_arrays)
                                                 for k in params}
            # Where the time goes, so that a timeout says how slow each call is (not only that it was slow).
            now = time.perf_counter()
            steps_done[:] = [step + 1, now]
            if step == 0 or now - last_report[0] >= 1.0:
                last_report[0] = now
                self.progress(status())

        steps_done = [0, time.perf_counter()]  # steps finished, and when the last one did

        def status() -> str:
            """The run as it is now: steps done, their cost, and how long since the last one ended (read when
            the parent asks where a timed-out request is, so that it is current, not a second old)."""
            done, last = steps_done
            if not done:
                return where
            per_step = (timed_model.seconds + timed_loss.seconds) / done * 1000
            line = (f"{where}: {done} steps done, {per_step:.3g} ms a step (forward "
                    f"{timed_model.per_call('forward'):.3g} ms, backward {timed_model.per_call('backward'):.3g}"
                    f" ms, loss {timed_loss.per_call('forward') + timed_loss.per_call('backward'):.3g} ms)")
            since = time.perf_counter() - last
            if since > max(1.0, 100 * per_step / 1000):
                line += f"; then step {done + 1} did not end in {since:.3g} s: it hangs"
            return line

        self.training_status = status

        try:
            history = train(timed_model, timed_loss, arrays["Xtr"], arrays["Ytr"], schedule, log=report, log_every=1,
                            optimizer=optimizer)
            loss_on_dev = dev_loss(model, arrays["Xdev"], arrays["Ydev"])  # the kit's loss, not the student's
        except BaseException as exc:  # noqa: BLE001
            raise StudentFailure(self.failure_report(exc, f"training {h['label']}")) from None
        finally:
            self.training_status = None
        packed = {k: self.pack(model.params.get(k), f"param:{k}", out_arrays) for k in params}
        losses = history.losses[::max(1, len(history.losses) // 10)]
        result = {"params": packed, "dev_loss": float(loss_on_dev), "losses": losses,
                  "checkpoints": packed_checkpoints}
        if h.get("buffers"):  # the running statistics, for the parent's own evaluation in eval mode
            result["buffers"] = self.pack_buffers(model, h["buffers"], out_arrays)
        return result, out_arrays

    # -- scalar autograd engines (assignment 0): expression programs, a network of Values --------------
    def quiet(self, where: str, fn, *args):
        """Like ``call`` without a progress frame: one per operation would cost more than the operation."""
        try:
            return fn(*args)
        except BaseException as exc:  # noqa: BLE001
            raise StudentFailure(self.failure_report(exc, where)) from None

    def numbers(self, nodes: list, attribute: str, texts) -> list[float]:
        """float(node.data) or float(node.grad) of each node; a node that is not a Value (an operation that
        returned a float) or a value that is not a number is reported as the student's failure."""
        values = []
        for k, node in enumerate(nodes):
            try:
                values.append(float(getattr(node, attribute)))
            except BaseException as exc:  # noqa: BLE001
                what = texts(k)
                raise StudentFailure({"type": "Contract", "where": what, "message":
                                      f"{what} gave a {type(node).__name__} whose .{attribute} is not a number "
                                      f"({type(exc).__name__}: {exc}); every operation must return a Value"}) from None
        return values

    def op_graph(self, h: dict, arrays: dict) -> tuple[dict, dict]:
        """Build each expression program (grader/micrograd.py) with the student's Value, call the last node's
        backward(), and send back every node's data and grad (or, with "report": "ends", the leaves' and the
        output's). A failing program is reported alone; the others still run."""
        Value = self.load(h["target"])
        results, out_arrays = [], {}
        for k, program in enumerate(h["programs"]):
            self.progress(f"{h.get('label', 'Value')}: building expression {k}")
            n_leaves = len(program["leaves"])

            def texts(i, program=program, n_leaves=n_leaves):
                return f"v{i}" if i < n_leaves else f"the operation making v{i}"
            try:
                nodes = micrograd.build(Value, program, self.quiet)
                shown = nodes if program.get("report", "all") == "all" else nodes[:n_leaves] + nodes[-1:]
                out_arrays[f"data{k}"] = np.array(self.numbers(shown, "data", texts))
                if h.get("backward", True):
                    self.progress(f"{Value.__name__}.backward")
                    start = time.perf_counter()
                    self.quiet(f"{Value.__name__}.backward", nodes[-1].backward)
                    seconds = time.perf_counter() - start
                    out_arrays[f"grad{k}"] = np.array(self.numbers(shown, "grad", texts))
                    results.append({"ok": True, "seconds": seconds})
                else:
                    results.append({"ok": True})
                del nodes, shown
            except StudentFailure as failure:
                results.append({"ok": False, "error": failure.report})
        return {"programs": results}, out_arrays

    def scalar_model(self, h: dict, arrays: dict):
        """The student's MLP(nin, nouts) with the grader's weights set through parameters(); returns (model,
        parameters) or a dict describing what parameters() gave when its length is not the expected one."""
        model = self.call(f"{h['label']}.__init__", self.load(h["target"]), h["nin"], list(h["nouts"]))
        params = self.call(f"{h['label']}.parameters", model.parameters)
        if not isinstance(params, (list, tuple)):
            return None, {"n_params": -1, "type": type(params).__name__}
        weights = arrays["weights"]
        if len(params) != len(weights):
            return None, {"n_params": len(params)}
        for k, (p, w) in enumerate(zip(params, weights)):
            if not hasattr(p, "data") or not hasattr(p, "grad"):
                return None, {"n_params": len(params), "not_value": k, "type": type(p).__name__}
            p.data = float(w)
        return (model, params), {"n_params": len(params), "distinct": len({id(p) for p in params})}

    def op_scalar_net(self, h: dict, arrays: dict) -> tuple[dict, dict]:
        """Forward of the student's MLP on each row of X; with "backward", the loss sum(coefs * outputs) built
        from Values, its backward(), every parameter's grad, then zero_grad() and the grads again."""
        built, result = self.scalar_model(h, arrays)
        if built is None:
            return result, {}
        model, params = built
        label, Value = h["label"], self.load(h["value"])
        outs, kinds = [], set()
        self.progress(f"{label}.__call__")
        for row in arrays["X"]:
            out = self.quiet(f"{label}.__call__", model, [float(v) for v in row])
            kinds.add("list" if isinstance(out, (list, tuple)) else type(out).__name__)
            outs.append(list(out) if isinstance(out, (list, tuple)) else [out])
        result["returned"] = sorted(kinds)
        if any(len(row) != h["nouts"][-1] for row in outs):
            result["out_lengths"] = sorted({len(row) for row in outs})
            return result, {}
        flat = [o for row in outs for o in row]
        out_arrays = {"out": np.array(self.numbers(flat, "data", lambda k: f"{label}'s output {k}")).reshape(len(outs), -1)}
        if h.get("backward"):
            coefs = arrays["coefs"].reshape(-1)
            loss = Value(0.0)
            for o, c in zip(flat, coefs):
                loss = self.quiet(f"{Value.__name__}.__mul__", lambda a, b: a * b, o, Value(float(c))) + loss
            self.progress(f"{Value.__name__}.backward")
            self.quiet(f"{Value.__name__}.backward", loss.backward)
            out_arrays["grad"] = np.array(self.numbers(params, "grad", lambda k: f"parameter {k}"))
            self.call(f"{label}.zero_grad", model.zero_grad)
            out_arrays["grad_after_zero"] = np.array(self.numbers(params, "grad", lambda k: f"parameter {k}"))
        return result, out_arrays

    def op_scalar_train(self, h: dict, arrays: dict) -> tuple[dict, dict]:
        """The lecture's training loop (grader.micrograd.train_moons) on the student's MLP and Value, from the
        grader's initial weights; sends back the final weights and the loss and accuracy of every step."""
        built, result = self.scalar_model(h, arrays)
        if built is None:
            return result, {}
        model, params = built
        Value = self.load(h["value"])
        where = f"training {h['label']} ({h['steps']} steps)"
        started = time.perf_counter()

        def log(step, loss, accuracy):
            self.progress(f"{where}: {step + 1} steps done, {(time.perf_counter() - started) / (step + 1) * 1000:.3g} "
                          "ms a step")
        self.progress(where)
        try:
            history = micrograd.train_moons(model, Value, arrays["X"], arrays["y"], h["steps"], h["lr"], h["alpha"], log)
        except BaseException as exc:  # noqa: BLE001
            raise StudentFailure(self.failure_report(exc, where)) from None
        weights = np.array(self.numbers(params, "data", lambda k: f"parameter {k} after training"))
        return dict(result, history=history), {"weights": weights}

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


def named(arrays: dict, prefix: str) -> dict:
    """The arrays of a request whose names start with ``prefix`` ("param:", "buffer:"), under the rest of their
    name: the parameters or buffers the grader injects into the student's object."""
    return {k.removeprefix(prefix): v for k, v in arrays.items() if k.startswith(prefix)}


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
