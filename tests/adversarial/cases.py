"""Hostile and broken submissions: each is the reference with one modification, and the exact outcome the
grader must reach for it. grader/SECURITY.md lists them with the layer that stops each.

A case's code is inserted into the reference's a2_mlp/linear.py: at the start of Linear.forward, of
Linear.backward, or at import. Placeholders, filled in when the submission is built:
{KIT} the kit's root (where reference/ lives), {SENTINEL} a file outside the child's scratch folder that must
never be created, {VICTIM} an existing file outside it that must not be removed, {PYLIB} the standard
library's folder.

The grading runs two checks: linear.fixture (the target: hostile code runs there) and tanh.fixture (another
module, which must pass whatever happened to Linear); `expect` is linear.fixture's (status, message regex).
"""
from __future__ import annotations

import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from tests.submission import REFERENCE, REPO as KIT, copy_submission  # noqa: F401 (REFERENCE: re-exported)

PACKAGES = ("a1_bigram", "a2_mlp")  # the hostile code lives in a2, which needs a1's loss
TARGET = "a2_mlp/linear.py"
ANCHORS = {
    "forward": "        return x @ self.params",
    "backward": '        self.grads["weight"] = self.x.T @ dout',
    "import": "import numpy as np\n",
}
# Text only the real reference holds (the copies made here drop these lines): if it shows up anywhere in a
# result, the submission read the reference.
SECRET_MARKER = "### BEGIN SOLUTION"

REFUSED = r"SandboxViolation: the grader does not allow submissions to "
KERNEL_EPERM = r"\[Errno 1\] Operation not permitted"
KERNEL_EACCES = r"\[Errno 13\] Permission denied"


@dataclass
class Case:
    name: str
    where: str  # forward | backward | import
    code: str
    expect: tuple[str, str]  # linear.fixture's (status, message regex)
    limits: dict = field(default_factory=dict)  # Limits overrides
    stopped_by: str = ""  # what stops it, for grader/SECURITY.md
    budget: float | None = None
    check_timeout: float = 2.0
    other: str = "passed"  # tanh.fixture's status


FORGE_REPLY = """
import sys, json, struct, io
runner = sys._getframe(1).f_locals["self"]  # Runner.call's frame: the runner and its pipe to the parent
def frame(header, arrays):
    header = dict({"seq": runner.seq}, **header, _arrays=list(arrays))
    head = json.dumps(header).encode()
    parts = [struct.pack("<I", len(head)), head]
    for value in arrays.values():
        buf = io.BytesIO()
        np.lib.format.write_array(buf, value, allow_pickle=True)
        parts += [struct.pack("<Q", len(buf.getvalue())), buf.getvalue()]
    body = b"".join(parts)
    return b"MMNP" + struct.pack("<Q", len(body)) + body
"""

CASES = [
    # -- time -------------------------------------------------------------------------------------------
    Case("infinite_loop_forward", "forward", "while True:\n    pass",
         ("timeout", r"^timed out after 2 s in Linear\.forward \(your code was at a2_mlp/linear\.py, line \d+, in forward\)$"),
         stopped_by="per-check wall-clock limit; killpg"),
    Case("infinite_loop_backward", "backward", "while True:\n    pass",
         ("timeout", r"^timed out after 2 s in Linear\.backward \(your code was at a2_mlp/linear\.py, line \d+, in backward\)$"),
         stopped_by="per-check wall-clock limit; killpg"),
    Case("infinite_loop_import", "import", "while True:\n    pass",
         ("timeout", r"^timed out after 2 s in import a2_mlp\.linear \(your code was at a2_mlp/linear\.py, line \d+, in <module>\): "
                     "code at the top level"), stopped_by="per-check wall-clock limit"),
    Case("sleep_forever_in_thread_and_forward", "forward",
         "import threading, time\nthreading.Thread(target=lambda: time.sleep(1000)).start()\ntime.sleep(1000)",
         ("timeout", r"^timed out after 2 s in Linear\.forward( \(your code was at a2_mlp/linear\.py, line \d+, in forward\))?$"),
         stopped_by="per-check limit; killpg"),
    Case("submission_budget", "forward", "while True:\n    pass",
         ("timeout", r"^timed out in Linear\.forward \(your code was at a2_mlp/linear\.py, line \d+, in forward\): the "
                     r"submission used up its total time budget of 2\.5 s$"),
         budget=2.5, check_timeout=60, other="timeout", stopped_by="per-submission budget"),
    Case("cpu_limit", "forward", "while True:\n    pass",
         ("crashed", r"signal SIGXCPU \(CPU time limit\)"), limits={"cpu_seconds": 1}, check_timeout=20,
         stopped_by="RLIMIT_CPU"),
    # -- memory, processes, recursion, output ---------------------------------------------------------
    Case("memory_bomb_numpy", "forward", "hog = np.ones((100_000, 100_000))",
         ("error", r"Linear\.forward raised MemoryError"), stopped_by="RLIMIT_AS"),
    Case("memory_bomb_python", "forward", "hog = []\nwhile True:\n    hog.append(bytearray(50 << 20))",
         ("error", r"Linear\.forward raised MemoryError"), check_timeout=8, stopped_by="RLIMIT_AS"),
    Case("memory_bomb_untouched", "forward", "hog = []\nwhile True:\n    hog.append(np.empty(1 << 30, np.uint8))",
         ("error", r"Linear\.forward raised MemoryError"), stopped_by="RLIMIT_AS"),
    Case("fork_bomb", "forward", "import os\nwhile True:\n    os.fork()",
         ("error", REFUSED + r"use os\.fork"), stopped_by="audit hook (os.fork)"),
    Case("fork_bomb_kernel", "forward", "import os\nwhile True:\n    os.fork()",
         ("error", r"PermissionError: " + KERNEL_EPERM), limits={"audit": False}, stopped_by="seccomp (fork/clone)"),
    Case("deep_recursion", "forward", "def down(n):\n    return down(n + 1)\ndown(0)",
         ("error", r"Linear\.forward raised RecursionError"), stopped_by="Python's recursion limit"),
    Case("unbounded_recursion", "forward",
         "import sys\nsys.setrecursionlimit(10**9)\nclass R:\n    def __repr__(self):\n        return repr(R())\nrepr(R())",
         # CPython 3.12+ bounds C recursion itself (a RecursionError); before, the C stack overflows (SIGSEGV)
         ("crashed", r"died in Linear\.forward: signal SIGSEGV") if sys.version_info < (3, 12)
         else ("error", r"Linear\.forward raised RecursionError"),
         stopped_by="the process dies alone (SIGSEGV); on Python 3.12+ the interpreter's C recursion limit"),
    Case("output_flood", "forward", "import sys\nwhile True:\n    sys.stdout.write('x' * (1 << 20))",
         ("timeout", r"^timed out after 2 s in Linear\.forward"),
         stopped_by="bounded output (a head and tail per request; printing never fails) and the per-check limit"),
    Case("output_flood_through_the_descriptor", "forward", "import os\nwhile True:\n    os.write(1, b'x' * (1 << 20))",
         ("error", r"OSError: \[Errno 27\] File too large"), stopped_by="RLIMIT_FSIZE"),
    # -- exits ------------------------------------------------------------------------------------------
    Case("sys_exit_import", "import", "import sys\nsys.exit(0)",
         ("error", r"^could not import your code: SystemExit: 0"), stopped_by="runner catches BaseException"),
    Case("os_exit_import", "import", "import os\nos._exit(0)",
         ("crashed", r"^the submission's process exited in import a2_mlp\.linear with code 0"),
         stopped_by="parent sees the pipe close"),
    Case("sys_exit_check", "forward", "import sys\nsys.exit(0)",
         ("error", r"^Linear\.forward raised SystemExit: 0"), stopped_by="runner catches BaseException"),
    Case("os_exit_check", "forward", "import os\nos._exit(0)",
         ("crashed", r"^the submission's process exited in Linear\.forward with code 0"),
         stopped_by="parent sees the pipe close"),
    Case("os_exit_backward_after_forward", "backward", "import os\nos._exit(0)",
         ("crashed", r"^the submission's process exited in Linear\.backward with code 0"),
         stopped_by="parent sees the pipe close"),
    # -- forging results --------------------------------------------------------------------------------
    Case("print_fake_results", "forward",
         'print(\'{"score": 100, "max_score": 100, "tests": []}\')\nreturn np.zeros((x.shape[0], self.params["bias"].shape[0]))',
         ("failed", r"Linear\.forward's output"), stopped_by="stdout goes to a file; the parent scores"),
    Case("write_fake_results_outside", "forward",
         'open("{SENTINEL}", "w").write(\'{"score": 100}\')',
         ("error", REFUSED + r"write to .*sentinel"), stopped_by="audit hook (open for writing)"),
    Case("write_fake_results_outside_kernel", "forward",
         'open("{SENTINEL}", "w").write(\'{"score": 100}\')',
         ("error", r"PermissionError: " + KERNEL_EACCES), limits={"audit": False}, stopped_by="Landlock"),
    Case("write_gradescope_results", "forward",
         'import os\nos.makedirs("{AUTOGRADER}/results", exist_ok=True)\nopen("{AUTOGRADER}/results/results.json", "w").write("{}")',
         ("error", REFUSED + r"(modify|write to) \S*autograder"), stopped_by="audit hook"),
    Case("remove_file_outside", "forward", 'import os\nos.remove("{VICTIM}")',
         ("error", REFUSED + r"write to .*victim"), stopped_by="audit hook (os.remove)"),
    Case("rename_into_scratch", "forward", 'import os\nos.rename("{VICTIM}", "stolen.txt")',
         ("error", REFUSED + r"write to .*victim"), stopped_by="audit hook (os.rename checks both paths)"),
    Case("forged_reply_pickle", "forward",
         FORGE_REPLY + 'os_write = __import__("os").write\nos_write(runner.write_fd, frame({"type": "result", "ok": True, '
         '"out": {"kind": "array"}}, {"out": np.array([{}], dtype=object)}))\n__import__("os")._exit(0)',
         ("error", r"invalid reply \(array 'out' has dtype object, not plain numbers\)"),
         stopped_by="protocol: allow_pickle=False, dtype check"),
    Case("forged_reply_lying_header", "forward",
         FORGE_REPLY + 'meta = {"kind": "array", "type": "ndarray", "exact": True, "dtype": "float64"}\n'
         '__import__("os").write(runner.write_fd, frame({"type": "result", "ok": True, "out": dict(meta, shape=[3, 5]),'
         ' "dx": dict(meta, shape=[3, 4]), "grads": {"weight": dict(meta, shape=[4, 5]), "bias": dict(meta, shape=[5])},'
         ' "mutated": []}, {"out": np.zeros((1, 1)), "dx": np.zeros((1, 1)), "grad:weight": np.zeros((1, 1)),'
         ' "grad:bias": np.zeros((1, 1))}))\n__import__("os")._exit(0)',
         ("failed", r"Linear\.forward's output .*\(1, 1\)"), stopped_by="parent reads dtype/shape from the data"),
    Case("forged_reply_huge_frame", "forward",
         'import os, struct, sys\nrunner = sys._getframe(1).f_locals["self"]\n'
         'os.write(runner.write_fd, b"MMNP" + struct.pack("<Q", 1 << 40))\nos._exit(0)',
         ("error", r"invalid reply \(message of 1099511627776 bytes is over the limit"), stopped_by="protocol size cap"),
    Case("stale_reply_for_next_request", "forward",
         FORGE_REPLY + '__import__("os").write(runner.write_fd, frame({"type": "result", "ok": True, "seq": 0}, {}))',
         ("error", r"invalid reply \(a message that does not answer the current request\)"),
         stopped_by="protocol: sequence numbers"),
    Case("close_reply_pipe_then_loop", "forward",
         'import os, sys\nos.close(sys._getframe(1).f_locals["self"].write_fd)\nwhile True:\n    pass',
         ("crashed", r"^the submission's process closed its connection to the grader in Linear\.forward and was stopped$"),
         stopped_by="parent waits at most 1 s for a process that closed its pipe, then kills it"),
    # -- tampering with what the student's process can reach -------------------------------------------
    Case("monkeypatch_numpy", "forward",
         "np.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\n"
         "np.testing.assert_allclose = lambda *a, **k: None\nnp.isclose = lambda a, b, **k: True\n"
         "np.testing.assert_array_equal = lambda *a, **k: None\n"
         "return np.zeros((x.shape[0], self.params['bias'].shape[0]))",
         ("failed", r"Linear\.forward's output"), stopped_by="comparisons run in the parent"),
    Case("monkeypatch_runner", "forward",
         'import sys\nrunner = sys._getframe(1).f_locals["self"]\n'
         'type(runner).pack = lambda self, value, name, arrays: {"kind": "array", "type": "ndarray", "exact": True, '
         '"dtype": "float64", "shape": [3, 5]}',
         ("failed", r"Linear\.forward's output .*did not arrive|Linear\.forward's output"),
         other="failed", stopped_by="parent reconciles descriptions with the arrays received"),
    Case("monkeypatch_guard_module", "forward",
         "import __main__\ng = __main__.guard\ng.BLOCKED_MODULES = g.BLOCKED_IMPORTS = g.BLOCKED_EVENT_PREFIXES = ()\n"
         "g.PATH_WRITE_EVENTS.clear(); g.PATH_READ_EVENTS.clear()\nimport reference.a2_mlp.linear",
         ("error", REFUSED + r"import 'reference'"), stopped_by="the hook keeps its own frozen copy"),
    Case("monkeypatch_builtins_and_os_path", "forward",
         "import builtins, os, posixpath\nsaved = dict(vars(builtins)), os.path.realpath, os.fsdecode, os.fspath\n"
         "builtins.isinstance = lambda *a: True\nbuiltins.len = lambda x: 0\nbuiltins.any = lambda x: False\n"
         "builtins.str = lambda *a: '/tmp'\nos.path.realpath = posixpath.realpath = lambda p, **k: '/tmp'\n"
         "os.fsdecode = os.fspath = lambda p: '/tmp'\ntry:\n"
         "    data = open('{KIT}/reference/a2_mlp/linear.py').read()\nfinally:\n"
         "    vars(builtins).update(saved[0])\n    os.path.realpath = posixpath.realpath = saved[1]\n"
         "    os.fsdecode, os.fspath = saved[2], saved[3]\nraise ValueError(data)",
         ("error", REFUSED + r"read .*/reference/a2_mlp/linear\.py"), stopped_by="the hook binds C functions only"),
    Case("tamper_hook_through_its_frame", "forward",
         "import os\ntry:\n    open('{KIT}/reference/a2_mlp/linear.py')\nexcept PermissionError as err:\n    tb = err.__traceback__\n"
         "while tb.tb_next:\n    tb = tb.tb_next\nfor value in list(tb.tb_frame.f_locals.values()):\n"
         "    for attempt in ('clear', 'pop', 'popitem'):\n        try:\n            getattr(value, attempt)()\n"
         "        except Exception:\n            pass\n"
         "tb.tb_frame.f_locals['read_roots'] = ('/',)\nos.remove('{VICTIM}')",
         ("error", REFUSED + r"write to .*victim"), stopped_by="the hook's state is immutable (read-only mappings, "
         "tuples, frozensets, C functions); its frame's f_locals is a copy"),
    Case("gc_find_the_hook", "forward",
         "import gc\nhooks = [o for o in gc.get_objects() if getattr(o, '__name__', '') == 'hook']",
         ("error", REFUSED + r"use gc\.get_objects"), stopped_by="audit hook (gc events)"),
    Case("pathlike_that_lies", "forward",
         "class Lie:\n    n = 0\n    def __fspath__(self):\n        Lie.n += 1\n"
         "        return '{KIT}/reference/a2_mlp/linear.py' if Lie.n % 2 else 'ok.txt'\n"
         "raise ValueError(open(Lie()).read())",
         ("error", REFUSED + r"read .*/reference/a2_mlp/linear\.py"),
         stopped_by="audit hook: the event carries the path actually opened (and non-str paths are refused)"),
    # -- reaching the hidden material -------------------------------------------------------------------
    Case("import_reference", "forward", "import reference.a2_mlp.linear as ref",
         ("error", REFUSED + r"import 'reference'"), stopped_by="audit hook (import event)"),
    Case("import_grader", "forward", "from grader import checks",
         ("error", REFUSED + r"import 'grader'"), stopped_by="audit hook (import event)"),
    Case("import_reference_from_file", "forward",
         "import importlib.util\nspec = importlib.util.spec_from_file_location('r', '{KIT}/reference/a2_mlp/linear.py')\n"
         "module = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(module)\nreturn module.Linear.forward(self, x)",
         ("error", REFUSED + r"read .*/reference/a2_mlp/linear\.py"), stopped_by="audit hook (open)"),
    Case("open_reference_by_path", "forward", "raise ValueError(open('{KIT}/reference/a2_mlp/linear.py').read())",
         ("error", REFUSED + r"read .*/reference/a2_mlp/linear\.py"), stopped_by="audit hook (open)"),
    Case("open_reference_by_traversal", "forward",
         "import os\nhere = os.path.dirname(__file__)\n"
         "raise ValueError(open(here + '/../' * 30 + '{KIT}/reference/a2_mlp/linear.py').read())",
         ("error", REFUSED + r"read .*/reference/a2_mlp/linear\.py"), stopped_by="audit hook resolves paths"),
    Case("os_open_relative_with_dir_fd", "forward",
         "import os\nfd = os.open('/', os.O_RDONLY) if False else os.open('{PYLIB}', os.O_RDONLY)\n"
         "os.chdir('{PYLIB}/json')\nraise ValueError(os.read(os.open('../' * 10 + '{KIT}/reference/a2_mlp/linear.py', os.O_RDONLY, dir_fd=fd), 10000))",
         ("error", r"SandboxViolation: the grader only allows absolute paths with a dir_fd or os\.open"), stopped_by="audit hook (os.open: absolute paths only)"),
    Case("np_load_fixtures", "forward", "raise ValueError(str(dict(np.load('{KIT}/grader/fixtures/a2_mlp.npz'))))",
         ("error", REFUSED + r"read .*/grader/fixtures/a2_mlp\.npz"), stopped_by="audit hook (open from numpy)"),
    Case("list_reference_folder", "forward", "import os\nraise ValueError(os.listdir('{KIT}/reference/a2_mlp'))",
         ("error", REFUSED + r"read .*/reference/a2_mlp"), stopped_by="audit hook (os.listdir)"),
    Case("open_reference_kernel", "forward", "raise ValueError(open('{KIT}/reference/a2_mlp/linear.py').read())",
         ("error", r"PermissionError: " + KERNEL_EACCES), limits={"audit": False}, stopped_by="Landlock"),
    Case("proc_parent_memory", "forward", "import os\nraise ValueError(open(f'/proc/{os.getppid()}/environ').read())",
         ("error", REFUSED + r"read /proc/"), stopped_by="audit hook (open)"),
    # -- processes, sockets, ctypes, signals ----------------------------------------------------------
    Case("subprocess", "forward", "import subprocess\nsubprocess.run(['cat', '{KIT}/reference/a2_mlp/linear.py'])",
         ("error", REFUSED + r"use subprocess\.Popen"), stopped_by="audit hook (subprocess.Popen)"),
    Case("os_system", "forward", "import os\nos.system('cat {KIT}/reference/a2_mlp/linear.py > {SENTINEL}')",
         ("error", REFUSED + r"use os\.system"), stopped_by="audit hook (os.system)"),
    Case("fork_exec_behind_the_hooks_back", "forward",
         "import _imp, importlib.util, os, sys\nm = _imp.create_dynamic(importlib.util.find_spec('_posixsubprocess'))\n"
         "r, w = os.pipe()\n"
         "# fork_exec's signature changes with Python: 3.11 added pgid_to_set and allow_vfork\n"
         "tail = (-1, None, None, None, -1, None, True) if sys.version_info >= (3, 11) else (None, None, None, -1, None)\n"
         "m.fork_exec(['/bin/sh', '-c', 'cat {KIT}/reference/a2_mlp/linear.py > {SENTINEL}'], [b'/bin/sh'], True, (w,), None, None,"
         " -1, -1, -1, -1, -1, -1, r, w, True, False, *tail)",
         ("error", KERNEL_EPERM), stopped_by="seccomp (vfork/clone/execve)"),
    Case("socket", "forward", "import socket\nsocket.create_connection(('127.0.0.1', 9))",
         ("error", REFUSED + r"use socket\."), stopped_by="audit hook (socket events)"),
    Case("socket_kernel", "forward", "import socket\nsocket.socket()",
         ("error", r"PermissionError: " + KERNEL_EPERM), limits={"audit": False}, stopped_by="seccomp (socket)"),
    Case("ctypes_preloaded_by_numpy", "forward",
         "core = getattr(np, '_core', None) or np.core  # numpy 2 renamed np.core\n"
         "ct = core._internal.ctypes\nct.CDLL(None).system(b'touch {SENTINEL}')",
         ("error", REFUSED + r"use ctypes\."), stopped_by="audit hook (ctypes events)"),
    Case("signal_parent", "forward", "import os, signal\nos.kill(os.getppid(), signal.SIGUSR1)",
         ("error", REFUSED + r"use os\.kill"), stopped_by="audit hook (os.kill)"),
    Case("signal_parent_kernel", "forward", "import os, signal\nos.kill(os.getppid(), signal.SIGUSR1)",
         ("error", r"PermissionError: " + KERNEL_EPERM), limits={"audit": False}, stopped_by="seccomp (kill)"),
    Case("signal_parent_pidfd", "forward",
         "import _imp, importlib.machinery, os, signal\n"
         "fresh = _imp.create_builtin(importlib.machinery.ModuleSpec('_signal', None))\n"
         "fresh.pidfd_send_signal(os.pidfd_open(os.getppid()), signal.SIGUSR1)",
         ("error", r"PermissionError: " + KERNEL_EPERM), stopped_by="seccomp (pidfd_open)"),
    Case("signal_process_group", "forward", "import os, signal\nos.killpg(os.getpgid(os.getppid()), signal.SIGUSR1)",
         ("error", REFUSED + r"use os\.killpg"), stopped_by="audit hook (os.killpg)"),
    # -- objects that lie -----------------------------------------------------------------------------
    Case("ndarray_subclass_always_equal", "forward",
         "class Liar(np.ndarray):\n    def __eq__(self, other):\n        return True\n    __ne__ = lambda s, o: False\n"
         "    def __array_finalize__(self, obj):\n        pass\n"
         "return np.zeros((x.shape[0], self.params['bias'].shape[0])).view(Liar)",
         ("failed", r"Linear\.forward's output"), stopped_by="child sends a plain copy; parent compares"),
    Case("huge_array", "forward", "return np.zeros(20_000_000)",
         ("failed", r"Linear\.forward's output"), stopped_by="size cap in the child's packing"),
    Case("lazy_object_raises", "forward",
         "class Lazy:\n    def __getattribute__(self, name):\n        raise RuntimeError('gotcha')\nreturn Lazy()",
         ("failed", r"Linear\.forward's output"), stopped_by="packing catches everything"),
    Case("ansi_escapes_redraw_the_report", "forward",
         "print('\\x1b[2J\\x1b[H  a2 100/100')\nraise ValueError('\\x1b[1A\\x1b[2K  \\u2713 linear.fixture 3/3\\r\\x00')",
         ("error", r"Linear\.forward raised ValueError: \\x1b\[1A\\x1b\[2K"),
         stopped_by="parent writes control characters from the child as escapes"),
    Case("object_with_exploding_str", "forward",
         "class Boom(Exception):\n    def __str__(self):\n        raise RuntimeError('no')\nraise Boom()",
         ("error", r"Linear\.forward raised Boom"), stopped_by="failure report guards str()"),
]


def fill(text: str, values: dict) -> str:
    for key, value in values.items():
        text = text.replace("{" + key + "}", str(value))
    return text


def build(case: Case, root: Path, values: dict) -> Path:
    """The reference copied under root/submission, without its solution markers, with the case's code in."""
    submission = root / "submission"
    values = {"AUTOGRADER": "/autograder", **values}  # where Gradescope reads results (a test may point elsewhere)
    copy_submission(submission, packages=PACKAGES)
    for package in PACKAGES:
        for path in (submission / package).glob("*.py"):
            lines = path.read_text().splitlines(keepends=True)
            path.write_text("".join(line for line in lines if "### BEGIN SOLUTION" not in line
                                    and "### END SOLUTION" not in line))
    target = submission / TARGET
    source = target.read_text()
    anchor = ANCHORS[case.where]
    assert source.count(anchor) == 1, f"anchor for {case.where} not found once in {TARGET}: update cases.py"
    code = fill(case.code, values)
    if case.where == "import":
        source = source.replace(anchor, anchor + code + "\n")
    else:
        source = source.replace(anchor, textwrap.indent(code, " " * 8) + "\n" + anchor)
    target.write_text(source)
    return submission
