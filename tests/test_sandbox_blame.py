"""What the sandbox breaks is never the student's fault.

A check that fails because the confinement refused something legitimate code needs (a system library, a
file of Python's) is an internal grader error that says so and is marked for a regrade; one that fails
because the student did something forbidden stays the student's. The first test blocks a library on purpose:
``Limits(system_libraries=False)`` takes away the system's library folders and the preloading, as a sandbox
without them would, and the student's forward imports a standard-library module that needs libcrypto.
"""
from __future__ import annotations

import json
import os

import pytest

from grader.instructor import batch, gradebook
from grader.runner import grade_assignment
from grader.sandbox import Limits, blame, guard
from grader.specs import ASSIGNMENTS
from tests.adversarial.cases import Case, build

A2 = ASSIGNMENTS["a2"]
CHECKS = ("linear.fixture", "tanh.fixture")
# _hashlib is hashlib's OpenSSL half: a standard-library extension module that loads libcrypto, a system
# library (hashlib itself falls back silently when it cannot, so the student names the module to be sure).
NEEDS_LIBCRYPTO = Case("needs_libcrypto", "forward", "import _hashlib\n_hashlib.new('sha256', b'names')",
                       expect=("passed", ""))


def graded(tmp_path, limits: Limits):
    submission = build(NEEDS_LIBCRYPTO, tmp_path, {})
    result = grade_assignment(A2, submission, limits=limits, checks=CHECKS, check_timeout=30)
    return {o.name: o for o in result.outcomes}


def test_a_library_the_sandbox_blocks_is_an_internal_error_not_the_students(tmp_path):
    outcomes = graded(tmp_path, Limits(system_libraries=False))
    blocked = outcomes["linear.fixture"]
    assert (blocked.status, blocked.points, blocked.internal) == ("error", 0, True), blocked.message
    assert blocked.message.startswith("internal grader error: the grader's sandbox blocked the shared library "
                                      "libcrypto.so"), blocked.message
    assert "please report this" in blocked.message and "not your mistake" in blocked.message
    assert outcomes["tanh.fixture"].status == "passed" and not outcomes["tanh.fixture"].internal


def test_with_the_system_library_folders_the_same_code_passes(tmp_path):
    outcomes = graded(tmp_path, Limits())
    assert outcomes["linear.fixture"].status == "passed", outcomes["linear.fixture"].message
    assert not any(o.internal for o in outcomes.values())


def test_a_batch_marks_the_blocked_submission_for_regrade(tmp_path, monkeypatch):
    import grader.sandbox as sandbox

    class NoSystemLibraries(Limits):  # grade_entry makes its own Limits: take the library folders away
        def __init__(self, **kwargs):
            super().__init__(**kwargs, system_libraries=False)

    monkeypatch.setattr(sandbox, "Limits", NoSystemLibraries)
    submission = build(NEEDS_LIBCRYPTO, tmp_path, {})
    options = batch.Options(assignment="a2", budget_seconds=120, check_timeout=20, memory_mb=1024)
    record = batch.grade_entry(str(submission), "alice", options)
    assert record["regrade"] is True and not record["fatal"]
    assert [c["name"] for c in record["result"]["checks"] if c["internal"]] != []
    (tmp_path / "out").mkdir()
    gradebook.write_all({"alice": record}, tmp_path / "out")
    import csv

    rows = list(csv.DictReader((tmp_path / "out" / "gradebook.csv").open(encoding="utf-8")))
    assert rows[-1]["status"] == "regrade"
    assert "to regrade (the grader failed, not the student): 1" in (tmp_path / "out" / "summary.md").read_text()


@pytest.mark.parametrize("message, student_text, expected", [
    ("libz.so.1: cannot open shared object file: No such file or directory", "", "the shared library libz.so.1"),
    ("/usr/lib/x86_64-linux-gnu/libcrypto.so.3: cannot open shared object file: Permission denied", "import x",
     "the shared library libcrypto.so.3"),
    # the student named the library: their doing
    ("libz.so.1: cannot open shared object file: No such file or directory", "ctypes.CDLL('libz.so.1')", None),
    # an ordinary import error of the student's own module
    ("No module named 'a2_mlp.helpers'", "", None),
])
def test_sandbox_cause_of_an_import_error(message, student_text, expected):
    assert blame.sandbox_cause(ImportError(message), student_text) == expected


@pytest.mark.parametrize("path, student_text, expected", [
    ("/etc/mime.types", "import mimetypes", "access to /etc/mime.types"),  # read by the standard library
    ("/etc/passwd", "open('/etc/passwd')", None),  # named by the student
    ("/tmp/results.json", "", None),  # not a system folder
    ("/proc/1/mem", "", None),
    ("/kit/reference/a2_mlp/linear.py", "", None),  # the kit's: always the student's attempt
])
def test_sandbox_cause_of_a_refused_path(path, student_text, expected):
    refusal = guard.SandboxViolation(f"the grader does not allow submissions to read {path}")
    assert blame.sandbox_cause(refusal, student_text, (), ("/kit",)) == expected
    assert blame.sandbox_cause(PermissionError(13, "Permission denied", path), student_text, (), ("/kit",)) == expected


def test_sandbox_cause_follows_the_chain():
    try:
        try:
            raise ImportError("libz.so.1: cannot open shared object file: No such file or directory")
        except ImportError as inner:
            raise RuntimeError("numpy.random could not start") from inner
    except RuntimeError as outer:
        assert blame.sandbox_cause(outer, "") == "the shared library libz.so.1"
    assert json.dumps(blame.sandbox_cause(ValueError("x"), "")) == "null"


def test_the_child_may_read_the_system_library_folders_but_never_the_kit(monkeypatch, tmp_path):
    from grader.sandbox import parent

    libraries = guard.shared_library_dirs()
    assert libraries and all(os.path.isabs(d) and os.path.exists(d) for d in libraries)
    assert set(libraries) <= set(parent._readable_roots(True))
    python_roots = set(parent._readable_roots(False))
    assert set(parent._readable_roots(True)) - python_roots == set(libraries) - python_roots
    # From a checkout the whole checkout is forbidden; from a wheel only the kit's packages, not site-packages.
    site = tmp_path / "site-packages"
    monkeypatch.setattr(parent, "KIT_ROOT", site)
    monkeypatch.setattr(parent, "installed_in_site_packages", lambda: True)
    assert parent._forbidden_roots() == [str(site / "grader"), str(site / "reference"), str(site / "assignments")]
    monkeypatch.setattr(parent, "installed_in_site_packages", lambda: False)
    assert parent._forbidden_roots()[0] == str(site)
