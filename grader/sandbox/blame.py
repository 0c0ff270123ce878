"""What the confinement broke, as opposed to what the student did: a failure the sandbox caused (a shared
library or a system file the student's code never names, refused by the layers of grader/sandbox/guard.py) is
an internal grader error, never scored as the student's mistake (grader/SECURITY.md). The child calls
``sandbox_cause`` on every failure report.
"""
from __future__ import annotations

import os
import re

_SHARED_LIBRARY_FAILURE = re.compile(
    r"([\w.+-]+\.(?:so(?:\.[\w.]+)?|dylib))\b[^\n]*?(?:cannot open shared object file|failed to map|"
    r"Library not loaded|image not found)|Library not loaded: \S*?([\w.+-]+\.dylib)")
_REFUSED_PATH = re.compile(r"the grader does not allow submissions to (?:read|write to) (/\S*)")
SYSTEM_PREFIXES = ("/usr/", "/lib", "/etc/", "/opt/", "/System/", "/Library/")


def sandbox_cause(exc: BaseException, student_text: str, system_roots: tuple = (), kit_roots: tuple = ()) -> str | None:
    """If ``exc`` (or an exception it was raised from) is the confinement's doing and not the student's,
    what was blocked ("the shared library libz.so.1", "reading /etc/mime.types"); otherwise None.

    The confinement is to blame when a shared library could not be loaded, or a path was refused, that the
    student's sources never name (student_text: their code), and that lies in the system's or Python's
    folders (system_roots), never in the kit's (kit_roots). A refusal of a path the student wrote, of
    anything of the kit's, of /proc or /tmp, stays the student's.
    """
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, (ImportError, OSError)):
            try:
                message = str(exc)
            except Exception:  # noqa: BLE001 - an exception whose __str__ raises is not ours
                message = ""
            library = _SHARED_LIBRARY_FAILURE.search(message)
            if library:
                name = library.group(1) or library.group(2)
                if name not in student_text:
                    return f"the shared library {name}"
            if isinstance(exc, PermissionError):
                refused = _REFUSED_PATH.search(message)
                path = refused.group(1) if refused else exc.filename
                if isinstance(path, bytes):
                    path = path.decode("utf-8", "replace")
                if isinstance(path, str) and _system_path(path, system_roots, kit_roots) \
                        and path not in student_text and os.path.basename(path) not in student_text:
                    return f"access to {path}"
        exc = exc.__cause__ or exc.__context__
    return None


def _system_path(path: str, system_roots: tuple, kit_roots: tuple) -> bool:
    path = path.rstrip(".")  # a message's full stop
    inside = lambda root: path == root or path.startswith(root.rstrip("/") + "/")  # noqa: E731
    if any(inside(root) for root in kit_roots):
        return False
    return path.startswith(SYSTEM_PREFIXES) or any(inside(root) for root in system_roots)
