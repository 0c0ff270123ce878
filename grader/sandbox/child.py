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
import sys
import traceback

import numpy as np

from grader.sandbox import guard, protocol
from grader.training import Schedule, evaluate, train

MAX_RESULT_ELEMENTS = 5_000_000
MAX_STRINGS = 100_000


class StudentFailure(Exception):
    """The student's code raised, or returned something that cannot be sent; carries the report."""

    def __init__(self, report: dict):
        super().__init__(report.get("message", ""))
        self.report = report


class Runner:
    def __init__(self, submission: str, write_fd: int):
        self.submission = os.path.realpath(submission)
        self.write_fd = write_fd
        self.modules: dict[str, object] = {}
        self.seq = None  # the number of the request being answered, echoed in every frame

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
        return {"type": type(exc).__name__, "message": message[:2000], "where": where,
                "location": location, "traceback": text[-6000:]}

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
        for part in attr.split("."):
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
        buffers = {k[7:]: v for k, v in arrays.items() if k.startswith("buffer:")}
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
        params = {k[6:]: v for k, v in arrays.items() if k.startswith("param:")}
        obj = self.construct(h["target"], h.get("init", {}), params, label)
        buffer_names = self.set_state(obj, h, arrays, label)
        args = [arrays[f"arg{i}"] for i in range(h["nargs"])]
        originals = [a.copy() for a in args]
        out_arrays: dict = {}
        out = self.call(f"{label}.forward", obj.forward, *args)
        result = {"out": self.pack(out, "out", out_arrays)}
        if buffer_names:
            result["buffers"] = self.pack_buffers(obj, buffer_names, out_arrays)
        mutated = [i for i, (a, o) in enumerate(zip(args, originals)) if not np.array_equal(a, o)]
        if h.get("backward"):
            dout = arrays["dout"]
            dout_arg = float(dout) if h.get("scalar_dout") else dout
            dout_copy = dout.copy()
            dx = self.call(f"{label}.backward", obj.backward, dout_arg)
            result["dx"] = self.pack(dx, "dx", out_arrays)
            grads = getattr(obj, "grads", None)
            if not isinstance(grads, dict):
                result["grads_error"] = f"{label}.grads should be a dict, found {type(grads).__name__}"
            else:
                result["grads"] = {k: self.pack(grads.get(k), f"grad:{k}", out_arrays) if k in grads
                                   else {"kind": "missing"} for k in params}
            if not np.array_equal(dout, dout_copy):
                mutated.append("dout")
            if h.get("twice") and isinstance(grads, dict):
                # The convention: backward overwrites self.grads. A second identical step must give the same
                # gradients; one that adds to the previous ones shows up here and not only as slow training.
                self.call(f"{label}.forward", obj.forward, *[o.copy() for o in originals])
                self.call(f"{label}.backward", obj.backward, dout_arg)
                again = getattr(obj, "grads", None)
                if isinstance(again, dict):
                    result["grads_again"] = {k: self.pack(again.get(k), f"grad2:{k}", out_arrays)
                                             for k in params if k in again}
        result["mutated"] = mutated
        return result, out_arrays

    def op_perturb(self, h: dict, arrays: dict) -> tuple[dict, dict]:
        """Forward outputs under small perturbations, for the parent's finite differences.

        h["perturbations"]: list of [what, flat_index, delta], what = "param:NAME" or "argI". Returns the
        outputs stacked: (K, *out_shape).
        """
        label = h["label"]
        params = {k[6:]: v for k, v in arrays.items() if k.startswith("param:")}
        obj = self.construct(h["target"], h.get("init", {}), params, label)
        self.set_state(obj, h, arrays, label)
        args = [arrays[f"arg{i}"].copy() for i in range(h["nargs"])]
        outs = []
        self.progress(f"{label}.forward")
        for what, index, delta in h["perturbations"]:
            if what.startswith("param:"):
                target = obj.params[what[6:]]
            else:
                target = args[int(what[3:])]
            saved = target.flat[index]
            target.flat[index] = saved + delta
            try:
                # copied before the input is restored: an output may be a view of it (a reshape)
                out = np.array(obj.forward(*args), dtype=np.float64, copy=True)
            except BaseException as exc:  # noqa: BLE001
                raise StudentFailure(self.failure_report(exc, f"{label}.forward")) from None
            finally:
                target.flat[index] = saved
            outs.append(out)
        stacked = np.stack(outs) if outs else np.zeros((0,))
        return {"out": {"kind": "array"}}, {"outs": stacked}

    def op_call(self, h: dict, arrays: dict) -> tuple[dict, dict]:
        """Call a function with arguments that are arrays, JSON values or a seeded np.random.Generator."""
        fn = self.load(h["target"])
        args = []
        for spec in h["args"]:
            if "array" in spec:
                args.append(arrays[spec["array"]].copy())
            elif "rng" in spec:
                args.append(np.random.default_rng(spec["rng"]))
            else:
                args.append(spec["json"])
        results = []
        out_arrays: dict = {}
        for repeat in range(h.get("repeat", 1)):
            call_args = [np.random.default_rng(s["rng"]) if "rng" in s else a for s, a in zip(h["args"], args)]
            value = self.call(h["label"], fn, *call_args)
            results.append(self.pack(value, f"out{repeat}", out_arrays))
        return {"results": results}, out_arrays

    def op_train(self, h: dict, arrays: dict) -> tuple[dict, dict]:
        """Train the student's model with the kit's loop; send back its final parameters."""
        params = {k[6:]: v for k, v in arrays.items() if k.startswith("param:")}
        model = self.construct(h["target"], h.get("init", {}), params, h["label"])
        loss_fn = self.call(f"{h['loss_label']}.__init__", self.load(h["loss"]))
        schedule = Schedule(**h["schedule"])
        self.progress(f"training {h['label']} ({schedule.steps} steps)")
        try:
            history = train(model, loss_fn, arrays["Xtr"], arrays["Ytr"], schedule, log_every=max(1, schedule.steps // 10))
            dev_loss = evaluate(model, loss_fn, arrays["Xdev"], arrays["Ydev"])
        except BaseException as exc:  # noqa: BLE001
            raise StudentFailure(self.failure_report(exc, f"training {h['label']}")) from None
        out_arrays: dict = {}
        packed = {k: self.pack(model.params.get(k), f"param:{k}", out_arrays) for k in params}
        result = {"params": packed, "dev_loss": float(dev_loss), "losses": history.losses}
        if h.get("buffers"):  # the running statistics, for the parent's own evaluation in eval mode
            result["buffers"] = self.pack_buffers(model, h["buffers"], out_arrays)
        return result, out_arrays

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
            op = getattr(self, "op_" + header["op"])
            try:
                result, out_arrays = op(header, arrays)
                reply = dict(result, type="result", ok=True)
            except StudentFailure as failure:
                reply, out_arrays = {"type": "result", "ok": False, "error": failure.report}, {}
            except BaseException as exc:  # noqa: BLE001 - e.g. student objects that break the harness
                report = self.failure_report(exc, header.get("label", "the grader's harness"))
                reply, out_arrays = {"type": "result", "ok": False, "error": report}, {}
            reply["seq"] = self.seq
            protocol.write_frame(self.write_fd, protocol.encode(reply, out_arrays))


def forget_kit_modules() -> None:
    """Drop the kit's modules (and the modules the audit hook refuses) from sys.modules, so that importing
    them goes through the hook's "import" event; the objects already loaded stay alive for the runner."""
    for name in list(sys.modules):
        top = name.partition(".")[0]
        if top in guard.BLOCKED_MODULES or top in guard.BLOCKED_IMPORTS:
            del sys.modules[name]


def main() -> None:
    config = json.loads(sys.argv[1])
    read_fd, write_fd = config["read_fd"], config["write_fd"]
    scratch = config["scratch"]
    os.chdir(scratch)
    # The student's prints go to a file the parent may show; the protocol pipes stay clean.
    log_fd = os.open(os.path.join(scratch, "output.txt"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    os.close(log_fd)
    os.close(0) if config.get("close_stdin", True) else None
    sys.argv = [sys.argv[0]]  # the config (with the pipes' numbers) is nobody's business
    runner = Runner(config["submission"], write_fd)
    layers = runner.layers = {}
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
