"""Which isolation layers this platform offers, and whether a confined child can run here at all.

The child needs POSIX: ``resource`` (rlimits), process groups (``start_new_session``, ``os.killpg``, which
is how the parent stops a child and everything it started) and ``pass_fds``. Native Windows has none of
them, so grading there stops with one clear message instead of a traceback: use WSL or Colab. Landlock and
seccomp are Linux kernel features (seccomp's filter is written for x86_64); on macOS and Linux on ARM the
missing ones are named, and the remaining layers still grade your own code. grader/SECURITY.md says what
each layer stops.

Every function takes the platform as arguments (defaulting to this machine's), so tests can fake it.
"""
from __future__ import annotations

import os
import platform
import sys

LANDLOCK_KERNEL = (5, 13)  # the first Linux with Landlock
WINDOWS_MESSAGE = (
    "the grader cannot run here: it runs student code in a separate process confined with POSIX features "
    "(process groups, resource limits) that native Windows does not have. Use WSL (Windows Subsystem for "
    "Linux: `wsl --install`, then install Python and this kit inside it) or Google Colab, and run "
    "`makemore doctor` there.")


class UnsupportedPlatform(RuntimeError):
    """The confined child cannot run on this platform (native Windows); the message says what to do."""


def can_confine(os_name: str | None = None) -> tuple[bool, str]:
    """(True, "") where a confined child can run (POSIX), else (False, why and what to do)."""
    os_name = os.name if os_name is None else os_name
    if os_name != "posix":
        return False, WINDOWS_MESSAGE
    return True, ""


def require_posix(os_name: str | None = None) -> None:
    """Raise UnsupportedPlatform with WINDOWS_MESSAGE unless a confined child can run here."""
    ok, why = can_confine(os_name)
    if not ok:
        raise UnsupportedPlatform(why)


def kernel_version(release: str) -> tuple[int, int]:
    """'6.18.44-fc' -> (6, 18); (0, 0) when it cannot be read."""
    parts = []
    for piece in release.split(".")[:2]:
        digits = "".join(c for c in piece if c.isdigit()) if piece[:1].isdigit() else ""
        if not digits:
            return (0, 0)
        parts.append(int(digits))
    return tuple(parts) if len(parts) == 2 else (0, 0)


def isolation_layers(system: str | None = None, machine: str | None = None, release: str | None = None,
                     os_name: str | None = None) -> dict[str, str]:
    """Layer -> "available" or "missing: why", from the platform alone (the child reports what it really
    installed: ``Child.request("hello")``). system: sys.platform; machine: platform.machine();
    release: platform.release() (the kernel's version on Linux); os_name: os.name."""
    system = sys.platform if system is None else system
    machine = platform.machine() if machine is None else machine
    release = platform.release() if release is None else release
    os_name = os.name if os_name is None else os_name
    posix = os_name == "posix"
    linux = system.startswith("linux")
    layers = {
        "separate process with time limits": "available" if posix else "missing: needs process groups (POSIX)",
        "resource limits": ("available" if linux else "partial: macOS does not enforce the memory limit")
        if posix else "missing: no `resource` module on Windows",
        "audit hook": "available",
    }
    if not linux:
        layers["landlock"] = f"missing: a Linux kernel feature (this is {system})"
    elif kernel_version(release) < LANDLOCK_KERNEL:
        layers["landlock"] = f"missing: needs Linux >= 5.13 (this kernel is {release})"
    else:
        layers["landlock"] = "available (if enabled in this kernel)"
    if not linux:
        layers["seccomp"] = f"missing: a Linux kernel feature (this is {system})"
    elif machine not in ("x86_64", "AMD64"):
        layers["seccomp"] = f"missing: the filter is written for x86_64 (this machine is {machine})"
    else:
        layers["seccomp"] = "available"
    return layers
