"""The parent's handle on a student's process: start it, send requests, enforce time limits, kill it.

One ``Child`` serves all the checks of one submission. A request that times out or kills the process costs
only that request: the process group is killed, and the next request starts a fresh process.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass, field

import numpy as np

from grader import KIT_ROOT
from grader.sandbox import guard, platforms, protocol
from grader.sandbox.replies import reconcile, text

GIB = 1 << 30


@dataclass
class Limits:
    """Per-submission limits and isolation layers (grader/SECURITY.md). Each check also has its own
    wall-clock limit (Check.timeout, or grade_assignment's check_timeout).

    audit: the PEP 578 audit hook; rlimits: the resource limits below; landlock, seccomp: the Linux kernel
    layers, used where the kernel has them. ``Limits.unconfined()`` turns every layer off (benchmarks only:
    the student's process is still separate, with its timeouts, but nothing else). system_libraries: let the
    child read the system's shared-library folders and import the standard-library modules student code
    uses before the layers go up (guard.preload); off only to show what the confinement breaks without it
    (tests)."""

    memory_bytes: int = 3 * GIB
    cpu_seconds: int = 300
    file_bytes: int = 16 << 20
    processes: int = 0
    max_reply_bytes: int = 256 << 20
    audit: bool = True
    rlimits: bool = True
    landlock: bool = True
    seccomp: bool = True
    system_libraries: bool = True

    @classmethod
    def unconfined(cls, **changes) -> "Limits":
        return cls(**{"audit": False, "rlimits": False, "landlock": False, "seccomp": False, **changes})


@dataclass
class Reply:
    """What came back from one request. status: "ok", "error" (the student's code raised), "timeout",
    "crash" (the process died), "invalid" (the reply broke the protocol) or "blocked" (the sandbox, not the
    student, broke something: a library or file legitimate code needs; the grader's fault, never scored)."""

    status: str
    header: dict = field(default_factory=dict)
    arrays: dict = field(default_factory=dict)
    where: str | None = None
    message: str = ""
    repeated: bool = False  # a timeout in a place that already hung once (given a short limit)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _readable_roots(system_libraries: bool = True) -> list[str]:
    """The Python installation and where NumPy lives: what student code legitimately reads; and the system's
    shared-library folders, which the standard library's extension modules load from (guard.py)."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(np.__file__)}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            roots.add(path)
    if system_libraries:
        roots.update(guard.shared_library_dirs())
    return sorted(roots)


def _forbidden_roots() -> list[str]:
    """The kit's own files: the checkout (reference, tests, data, ...) when it runs from one; installed from
    a wheel, its packages in site-packages (the rest of site-packages is other people's, and NumPy's)."""
    roots = [str(KIT_ROOT / name) for name in ("grader", "reference", "assignments")]
    if not installed_in_site_packages():
        roots.insert(0, str(KIT_ROOT))
    return roots


def installed_in_site_packages() -> bool:
    """The kit was installed from a wheel (its packages sit in site-packages), not run from a checkout."""
    paths = sysconfig.get_paths()
    return any(os.path.realpath(KIT_ROOT) == os.path.realpath(paths[key]) for key in ("purelib", "platlib")) \
        or KIT_ROOT.name in ("site-packages", "dist-packages")


TOP_LEVEL_ADVICE = (": code at the top level of a module runs whenever the module is imported, and the grader imports it "
                    "for every check; keep training loops and long experiments out of the graded files (in a "
                    "notebook: in a cell without a '# %% package/module.py' first line, or under "
                    "`if __name__ == \"__main__\":`, which Jupyter runs and the grader's import skips)")


class Child:
    def __init__(self, submission: str, limits: Limits | None = None):
        self.submission = os.path.realpath(submission)
        self.limits = limits or Limits()
        self.process: subprocess.Popen | None = None
        self.scratch: str | None = None
        self.seq = 0  # requests sent; every frame back must carry the current number
        self.last_output = ""
        self.hung: set[str] = set()  # where a request already timed out (e.g. "Linear.forward")
        self.hung_frames: set[str] = set()  # the student's innermost frame at each timeout ("a2_mlp/tanh.py:9 in forward")
        self.import_hangs: dict[str, str] = {}  # module whose top-level code timed out -> the line it was on
        self.repeat_hang_seconds = 2.0  # what a killed process had printed, kept for the report

    # -- lifecycle ---------------------------------------------------------------------------------------
    def _start(self) -> None:
        platforms.require_posix()  # native Windows: one clear message (use WSL or Colab), no traceback
        self.scratch = tempfile.mkdtemp(prefix="makemore-child-")
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        limits = self.limits
        config = {
            "read_fd": to_child_r, "write_fd": from_child_w, "scratch": self.scratch,
            "submission": self.submission, "audit": limits.audit, "landlock": limits.landlock,
            "seccomp": limits.seccomp, "readable": _readable_roots(limits.system_libraries),
            "forbidden": _forbidden_roots(), "preload": limits.system_libraries,
            "limits": {"memory_bytes": limits.memory_bytes, "cpu_seconds": limits.cpu_seconds,
                       "file_bytes": limits.file_bytes, "processes": limits.processes} if limits.rlimits else None,
        }
        env = {
            "PATH": "/usr/bin:/bin", "HOME": self.scratch, "TMPDIR": self.scratch, "LANG": "C.UTF-8",
            "PYTHONPATH": str(KIT_ROOT), "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1",
            # One BLAS thread: identical sums on every machine, and no thread pool to outgrow the limits.
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        }
        for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # set on some machines for a reason: keep
            if name in os.environ:
                env[name] = os.environ[name]
        self.process = subprocess.Popen(
            [sys.executable, "-s", "-B", "-m", "grader.sandbox.child", json.dumps(config)],
            pass_fds=(to_child_r, from_child_w), env=env, cwd=self.scratch,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        os.set_blocking(to_child_w, False)  # writes wait with the request's deadline (protocol.write_frame)
        self.write_fd, self.read_fd = to_child_w, from_child_r

    def kill(self) -> None:
        """Kill the child's whole process group and clean up its scratch folder."""
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.process.wait()
            for fd in (self.write_fd, self.read_fd):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self.process = None
        if self.scratch:
            self.last_output = self.output()
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None

    close = kill

    def __enter__(self) -> "Child":
        return self

    def __exit__(self, *exc) -> None:
        self.kill()

    def output(self, limit: int = 4000) -> str:
        """The tail of what the student's code printed so far (after a kill, what the killed process had
        printed). The file is the child's: opened without following a symlink or waiting on a FIFO, read only
        if it is a regular file."""
        if not self.scratch:
            return self.last_output
        try:
            fd = os.open(os.path.join(self.scratch, "output.txt"), os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
        except OSError:
            return ""
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                return ""
            os.lseek(fd, max(0, info.st_size - limit), os.SEEK_SET)
            return text(os.read(fd, limit).decode("utf-8", "replace"), limit)
        except OSError:
            return ""
        finally:
            os.close(fd)

    # -- requests ----------------------------------------------------------------------------------------
    def request(self, op: str, header: dict, arrays: dict | None = None, timeout: float = 10.0) -> Reply:
        """Send one request and wait for its answer, at most ``timeout`` seconds (then the process group is
        killed). A process that died after its previous answer (before this request reached any student
        code) is restarted once, so that its death costs the check it happened in, not the next one."""
        deadline = time.monotonic() + timeout
        reused = self.process is not None
        if not reused:
            self._start()
        reply, heard = self._exchange(op, header, arrays, deadline, timeout)
        if reply.status == "crash" and reused and not heard and time.monotonic() < deadline:
            self._start()
            reply, heard = self._exchange(op, header, arrays, deadline, timeout)
        return reply

    def _exchange(self, op: str, header: dict, arrays: dict | None, deadline: float, timeout: float):
        where, heard, again = None, False, False
        self.seq += 1
        try:
            # The child stops by itself when it sits a while in a frame that already hung (grader/sandbox/child.py),
            # so one infinite loop entered from several places (Linear.backward, MLP.backward, training) is paid once.
            request = dict(header, op=op, seq=self.seq, known_hangs=sorted(self.hung_frames),
                           import_hangs=self.import_hangs)
            protocol.write_frame(self.write_fd, protocol.encode(request, arrays), deadline)
            while True:
                body = protocol.read_frame(self.read_fd, deadline, self.limits.max_reply_bytes)
                heard = True
                reply, reply_arrays = protocol.decode(body)
                if reply.get("seq") != self.seq:
                    raise protocol.ProtocolError("a message that does not answer the current request")
                if reply.get("type") == "progress":
                    where = text(reply.get("where"), 200)
                    if where in self.hung and not again:
                        # It hung here before: an infinite loop costs every check that enters it, so after
                        # the first full timeout the same place gets a short one.
                        again = True
                        deadline = min(deadline, time.monotonic() + self.repeat_hang_seconds)
                    continue
                break
            reconcile(op, reply, reply_arrays, header)
        except protocol.TimedOut:
            frame, line, now = self._hang_frame()
            self.kill()
            where = now or where  # a training run's state when it was stopped, not at its last progress report
            if again:
                message = (f"timed out again in {where} (it already hung in an earlier check, so it was given "
                           f"{self.repeat_hang_seconds:g} s this time)")
            else:
                message = f"timed out after {timeout:g} s" + (f" in {where}" if where else "")
                if frame:
                    message += f" (your code was at {line or frame})"
                    self.hung_frames.add(frame)
                    if frame.endswith("in <module>"):
                        module = frame.partition(":")[0].removesuffix(".py").replace("/", ".")
                        self.import_hangs[module.removesuffix(".__init__")] = line or frame
                        message += TOP_LEVEL_ADVICE
                if where:
                    self.hung.add(where)
            return Reply("timeout", where=where, message=message, repeated=again), heard
        except (protocol.Closed, BrokenPipeError):
            try:  # it closed its end of the pipe: it is ending, or it closed the pipe and kept running
                code = self.process.wait(timeout=1.0) if self.process else None
            except subprocess.TimeoutExpired:
                code = None
            self.kill()
            return Reply("crash", where=where, message=_death_message(code, where)), heard
        except protocol.ProtocolError as err:
            self.kill()
            return Reply("invalid", where=where, message=f"the submission's process sent an invalid reply ({err})"), heard
        if reply.get("ok") is True:
            return Reply("ok", reply, reply_arrays, where), heard
        error = reply.get("error") if isinstance(reply.get("error"), dict) else {}
        if error.get("type") == "HangAgain":
            place = text(error.get("message", ""), 500)
            if "(the top-level code of " in place:  # its import was refused at once: it hung before
                return Reply("timeout", where=where, repeated=True, message=(
                    f"not run: importing your code runs {place}, which timed out in an earlier check" +
                    TOP_LEVEL_ADVICE)), heard
            return Reply("timeout", where=where, repeated=True, message=(
                f"timed out again at {place} (your code hung there in an earlier check; recognised and stopped "
                "after a second this time)")), heard
        if error.get("sandbox"):
            return Reply("blocked", reply, {}, str(error.get("where") or where), blocked_message(error)), heard
        return Reply("error", reply, {}, str(error.get("where") or where), _error_message(error)), heard

    def _hang_frame(self, wait: float = 0.5) -> tuple[str | None, str | None, str | None]:
        """Ask the child where the student's code is (SIGUSR1; it writes its innermost student frame to
        hang.txt in its scratch folder) before it is killed: (the frame, "a2_mlp/tanh.py:9 in forward", which
        recognises the same hang later; the line it was on, "a2_mlp/tanh.py, line 14, in forward"; a training
        run's state at that moment), None for what it does not answer within ``wait``."""
        if self.process is None or not self.scratch:
            return None, None, None
        try:
            os.kill(self.process.pid, signal.SIGUSR1)
        except (ProcessLookupError, PermissionError):
            return None, None, None
        path = os.path.join(self.scratch, "hang.txt")
        end = time.monotonic() + wait
        while time.monotonic() < end:
            try:
                fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
            except OSError:
                time.sleep(0.02)
                continue
            try:
                if stat.S_ISREG(os.fstat(fd).st_mode):
                    place, line, now = (os.read(fd, 1500).decode("utf-8", "replace").split("\n") + ["", ""])[:3]
                    if place.strip() or now.strip():
                        return (text(place.strip(), 500) or None, text(line.strip(), 500) or None,
                                text(now.strip(), 400) or None)
            finally:
                os.close(fd)
            time.sleep(0.02)
        return None, None, None


def _death_message(code, where) -> str:
    place = f" in {where}" if where else ""
    if code is None:
        return f"the submission's process closed its connection to the grader{place} and was stopped"
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
        why = {"SIGXCPU": " (CPU time limit)", "SIGSEGV": " (segmentation fault: often runaway recursion)",
               "SIGKILL": " (killed: memory or time limit)"}.get(name, "")
        return f"the submission's process died{place}: signal {name}{why}"
    return f"the submission's process exited{place} with code {code} (sys.exit/os._exit or a crash)"


def blocked_message(error: dict) -> str:
    """What a student (and the instructor) reads when the confinement, not their code, failed."""
    return (f"internal grader error: the grader's sandbox blocked {error['sandbox']} (in {error.get('where')}, "
            f"{error.get('type')}: {error.get('message', '')}); this is not your mistake: please report this")


def _error_message(error: dict) -> str:
    kind = str(error.get("type", "Error"))
    said = str(error.get("message", ""))  # not ``text``: that is the function that made it fit to show
    location = error.get("location")
    if kind == "NotImplementedError":
        return f"not implemented yet: {said}" if said else "not implemented yet (raises NotImplementedError)"
    message = f"{kind}: {said}" if said else kind
    if location:
        message += f"\n    at {location}"
    return message
