"""``makemore doctor``: will grading work on this machine? Run it first, before anything else.

It prints the versions that matter (Python, NumPy, hypothesis), which isolation layers this platform offers
(grader/sandbox/platforms.py) and which ones a confined child really installed, then runs a probe in a
child confined exactly as a submission is: random generators, linear algebra, ``np.add.at``, einsum,
printing, and the standard-library modules student code may use. The verdict says plainly whether grading
works here, and if not, why and what to do.
"""
from __future__ import annotations

import importlib.metadata
import platform
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

# The probe runs as a submission: a module in a folder of its own, called by the child like student code.
# Each item is what student code does; each reports "ok" or the exception it raised, so one failure does not
# hide the others.
PROBE_SOURCE = '''
"""What student code does with NumPy and the standard library (makemore doctor's probe)."""


def _items():
    import numpy as np

    def random_generators():
        rng = np.random.default_rng(2147483647)
        w = rng.standard_normal((27, 10)) * 0.1
        unseeded = np.random.default_rng()
        legacy = np.random.RandomState(0).randn(3)
        assert w.shape == (27, 10) and unseeded.random() < 1 and legacy.shape == (3,)
        return rng.choice(27, size=5, p=np.full(27, 1 / 27)).tolist()

    def linalg():
        a = np.random.default_rng(0).standard_normal((6, 6))
        q, r = np.linalg.qr(a)
        assert np.allclose(q @ r, a) and np.isfinite(np.linalg.det(a)) and np.linalg.norm(a) > 0
        np.linalg.solve(a + 6 * np.eye(6), np.ones(6))
        np.linalg.svd(a)

    def add_at():
        d = np.zeros((4, 3))
        np.add.at(d, np.array([0, 1, 1, 3]), np.ones((4, 3)))
        assert d[1, 0] == 2

    def einsum():
        x = np.arange(24.0).reshape(2, 3, 4)
        assert np.allclose(np.einsum("btc,cd->btd", x, np.eye(4)), x)

    def printing():
        print("doctor probe:", np.array([1.5, 2.0]), np.float64(3.25), {"loss": 2.1})
        np.set_printoptions(precision=4)
        repr(np.linspace(0, 1, 7))

    def float_errors():
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            np.exp(np.array([1000.0])), np.log(np.array([0.0]))

    def standard_library():
        import bisect, collections, copy, dataclasses, datetime, decimal, fractions, functools, hashlib
        import heapq, itertools, json, math, operator, random, re, secrets, statistics, string, time, typing
        random.seed(0)
        hashlib.sha256(b"names").hexdigest()
        secrets.token_hex(4)
        statistics.mean([1, 2, 3])
        json.dumps(collections.Counter("emma"))

    def scratch_file():
        with open("scratch.txt", "w") as f:
            f.write("a file in the working directory")
        np.save("array.npy", np.arange(3))
        assert np.load("array.npy").sum() == 3

    return [random_generators, linalg, add_at, einsum, printing, float_errors, standard_library, scratch_file]


def run():
    """-> list of str: 'NAME: ok' or 'NAME: ExceptionType: message'."""
    results = []
    for item in _items():
        try:
            item()
            results.append(f"{item.__name__}: ok")
        except BaseException as exc:  # noqa: BLE001
            results.append(f"{item.__name__}: {type(exc).__name__}: {exc}")
    return results
'''


@dataclass
class Diagnosis:
    versions: dict[str, str]
    platform_layers: dict[str, str]
    child_layers: dict[str, str] = field(default_factory=dict)
    probe: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # grading does not work here
    warnings: list[str] = field(default_factory=list)  # it works, with fewer layers

    @property
    def works(self) -> bool:
        return not self.problems


def versions() -> dict[str, str]:
    found = {"python": f"{platform.python_version()} ({sys.executable})",
             "platform": f"{sys.platform} {platform.machine()} {platform.release()}"}
    for package in ("numpy", "hypothesis", "nbformat"):
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = "not installed"
    try:
        found["makemore-numpy"] = importlib.metadata.version("makemore-numpy")
    except importlib.metadata.PackageNotFoundError:
        found["makemore-numpy"] = "not installed (running from a checkout)"
    return found


def diagnose(limits=None, timeout: float = 60.0) -> Diagnosis:
    """Everything ``makemore doctor`` prints. limits: the child's (default: those of grading)."""
    from grader.sandbox import Child, Limits
    from grader.sandbox.platforms import can_confine, isolation_layers

    diagnosis = Diagnosis(versions(), isolation_layers())
    for package in ("numpy", "hypothesis", "nbformat"):
        if diagnosis.versions[package] == "not installed":
            diagnosis.problems.append(f"{package} is not installed: run `pip install makemore-numpy` (or `pip "
                                      f"install -e .` in the kit) in this environment")
    ok, why = can_confine()
    if not ok:
        diagnosis.problems.append(why)
        return diagnosis
    with tempfile.TemporaryDirectory(prefix="makemore-doctor-") as folder:
        (Path(folder) / "doctor_probe.py").write_text(PROBE_SOURCE)
        with Child(folder, limits or Limits()) as child:
            hello = child.request("hello", {}, timeout=timeout)
            if not hello.ok:
                diagnosis.problems.append(f"the confined process did not start: {hello.message}")
                return diagnosis
            diagnosis.child_layers = {str(k): str(v) for k, v in hello.header.get("layers", {}).items()}
            reply = child.request("call", {"target": "doctor_probe:run", "label": "doctor probe", "args": []},
                                  timeout=timeout)
            if reply.ok:
                result = reply.header["results"][0]
                diagnosis.probe = list(result.get("value", [])) if result.get("kind") == "strings" else []
            else:
                diagnosis.problems.append(f"the probe could not run in the confined process: {reply.message}")
    failed = [item for item in diagnosis.probe if not item.endswith(": ok")]
    if failed:
        diagnosis.problems.append("in the confined process, what student code does failed: " + "; ".join(failed))
    elif not diagnosis.probe and not diagnosis.problems:
        diagnosis.problems.append("the probe returned nothing")
    missing = [f"{name} ({state})" for name, state in diagnosis.child_layers.items() if state.startswith("unavailable")]
    missing += [f"{name} ({state})" for name, state in diagnosis.platform_layers.items()
                if not state.startswith("available") and name not in diagnosis.child_layers]
    if missing:
        diagnosis.warnings.append("missing isolation layers: " + "; ".join(missing) + ". Grading your own code "
                                  "works; grade other people's code on Linux x86_64 or inside a container "
                                  "(grader/SECURITY.md)")
    return diagnosis


def render(diagnosis: Diagnosis) -> str:
    lines = ["makemore doctor", ""]
    lines += [f"  {name:<16} {value}" for name, value in diagnosis.versions.items()]
    lines += ["", "isolation layers this platform offers:"]
    lines += [f"  {name:<34} {state}" for name, state in diagnosis.platform_layers.items()]
    if diagnosis.child_layers:
        lines += ["", "installed by a confined process here:"]
        lines += [f"  {name:<16} {state}" for name, state in diagnosis.child_layers.items()]
    if diagnosis.probe:
        lines += ["", "what student code does, run in the confined process:"]
        lines += [f"  {'✓' if item.endswith(': ok') else '✗'} {item}" for item in diagnosis.probe]
    lines.append("")
    for warning in diagnosis.warnings:
        lines.append(f"note: {warning}")
    if diagnosis.works:
        lines.append("verdict: grading works here.")
    else:
        lines += [f"problem: {problem}" for problem in diagnosis.problems]
        lines.append("verdict: grading will NOT work here (see the problems above; please report the ones "
                     "that are the grader's).")
    return "\n".join(lines)
