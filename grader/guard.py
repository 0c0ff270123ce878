"""What the student's process may do, enforced from inside it before any student code runs.

Two layers, both installed by the child runner (grader/child.py) on itself:

1. Resource limits (``resource.setrlimit``): address space, CPU seconds, file size, no core dumps. The kernel
   enforces them; Python code cannot raise a hard limit back.
2. A PEP 578 audit hook (``sys.addaudithook``), which Python offers no way to remove. It refuses:
   opening files outside the submission, the child's scratch folder and the Python/NumPy installation
   (and anything of the kit's own: reference, grader, tests, data), importing the kit's ``reference`` or
   ``grader``, starting processes, sending signals, sockets, and ctypes; writes are allowed only in the scratch
   folder.

What this does not stop (and why the design does not rely on it): code that corrupts the interpreter through
a C extension already loaded, or a CPU-bound loop (the parent's wall-clock timeout and RLIMIT_CPU end it).
The real boundary is that the parent never trusts the child: it receives plain arrays, recomputes every
comparison itself and holds the reference and the hidden checks in its own process. A container (Gradescope
runs each submission in one) is the stronger boundary for hostile code; see README "Security model".
"""
from __future__ import annotations

import os
import resource
import signal
import sys

BLOCKED_MODULES = ("reference", "grader", "tests")
BLOCKED_EVENT_PREFIXES = (
    "subprocess.", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
    "os.kill", "os.killpg", "signal.pthread_kill", "pty.", "socket.", "ctypes.", "winreg.", "os.putenv",
    "os.unsetenv", "sys.remote_exec", "webbrowser.", "urllib.", "http.", "ftplib.", "smtplib.", "imaplib.",
    "poplib.", "telnetlib.", "nntplib.", "resource.setrlimit", "resource.prlimit", "os.setuid", "os.setgid",
)
PATH_WRITE_EVENTS = {
    "os.remove": 0, "os.rmdir": 0, "os.mkdir": 0, "os.rename": 0, "os.chmod": 0, "os.chown": 0,
    "os.link": 1, "os.symlink": 1, "os.truncate": 0, "os.utime": 0, "shutil.rmtree": 0,
}
PATH_READ_EVENTS = {"os.listdir": 0, "os.scandir": 0, "glob.glob": 0, "os.chdir": 0}
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


class SandboxViolation(PermissionError):
    """Raised inside the student's process when it tries something the grader forbids."""


def set_limits(memory_bytes: int, cpu_seconds: int, file_bytes: int) -> None:
    """Kernel-enforced limits on this process (and anything it could start)."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
    # A write past the file-size limit then fails with an OSError instead of killing the process.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    try:
        resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))  # not enforced for root; the audit hook covers it
    except (ValueError, OSError):
        pass


def _under(path: str, roots: tuple[str, ...]) -> bool:
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def install_audit_hook(submission: str, scratch: str, readable: list[str], forbidden: list[str]) -> None:
    """Refuse, from now on and for good, what a submission has no business doing (see the module docstring).

    submission: the student's folder (read only); scratch: the only writable folder; readable: other folders
    that may be read (the Python and NumPy installation); forbidden: folders that may never be read, even
    inside a readable one (the kit's own files), unless inside the submission.
    """
    realpath = os.path.realpath
    submission, scratch = realpath(submission), realpath(scratch)
    read_roots = tuple({submission, scratch, *(realpath(p) for p in readable)})
    write_roots = (scratch,)
    forbidden_roots = tuple(realpath(p) for p in forbidden)
    devices = ("/dev/null", "/dev/urandom", "/dev/random", "/dev/zero")
    busy = [False]

    def may_read(path: str) -> bool:
        if path in devices or _under(path, (submission, scratch)):
            return True
        if _under(path, forbidden_roots):
            return False
        return _under(path, read_roots)

    def refuse(what: str):
        raise SandboxViolation(f"the grader does not allow submissions to {what}")

    def hook(event: str, args: tuple) -> None:
        if busy[0]:
            return
        if event == "import":
            top = str(args[0]).partition(".")[0]
            if top in BLOCKED_MODULES:
                raise ImportError(f"the grader does not allow submissions to import {top!r}")
            return
        if event.startswith(BLOCKED_EVENT_PREFIXES):
            refuse(f"use {event}")
        if event not in ("open", "os.open") and event not in PATH_WRITE_EVENTS and event not in PATH_READ_EVENTS:
            return
        busy[0] = True
        try:
            target = args[0]
            if event in PATH_WRITE_EVENTS:
                target = args[PATH_WRITE_EVENTS[event]]
            elif event in PATH_READ_EVENTS:
                target = args[PATH_READ_EVENTS[event]]
            if target is None or isinstance(target, int):
                return  # an already open file descriptor: opening it was checked
            path = realpath(os.fsdecode(target))
            writing = event in PATH_WRITE_EVENTS
            if event == "open":
                mode, flags = args[1], args[2]
                writing = bool((mode and any(c in str(mode) for c in "wax+")) or (flags or 0) & WRITE_FLAGS)
            if writing and not _under(path, write_roots):
                refuse(f"write to {path} (only the scratch folder is writable)")
            if not writing and not may_read(path):
                refuse(f"read {path}")
        finally:
            busy[0] = False

    sys.addaudithook(hook)
