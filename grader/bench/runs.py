"""One command run and measured: the environment that fixes BLAS threads, and wall time, CPU time and peak
memory of the command (``makemore bench``'s parts and grader/bench/feedback.py share them)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from grader import KIT_ROOT

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")

def thread_env(threads: int) -> dict:
    env = dict(os.environ, **{name: str(threads) for name in THREAD_VARIABLES})
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(KIT_ROOT), os.environ.get("PYTHONPATH")]))
    return env


# Runs a command and reports its rusage on the last line of stderr. The command is started from this small
# process, not from the bench's own: Linux records the RSS a process had before exec (with vfork, the parent's)
# in the child's peak RSS, so a command started straight from a large parent would report the parent's size.
RUSAGE_WRAPPER = """
import json, os, subprocess, sys
proc = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(proc.pid, 0)
sys.stderr.write("\\nmakemore-bench-rusage " + json.dumps({"returncode": os.waitstatus_to_exitcode(status),
    "maxrss": usage.ru_maxrss, "cpu_s": usage.ru_utime + usage.ru_stime}) + "\\n")
"""


def run_measured(cmd: list[str], env: dict) -> dict:
    """Run ``cmd``; wall seconds, exit code, output, CPU seconds (user + system) and the peak RSS (MiB) of the
    process and the children it waited for (wait4's ru_maxrss: the largest of them, not their sum)."""
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-S", "-c", RUSAGE_WRAPPER, *cmd], capture_output=True, env=env,
                         cwd=KIT_ROOT)
    seconds = time.perf_counter() - started
    stderr = run.stderr.decode(errors="replace")
    stderr, _, last = stderr.rstrip("\n").rpartition("\nmakemore-bench-rusage ")
    usage = json.loads(last) if last.startswith("{") else {"returncode": run.returncode, "maxrss": None, "cpu_s": None}
    kib = 1024 if sys.platform != "darwin" else 1024 * 1024  # ru_maxrss is KiB on Linux, bytes on macOS
    return {"seconds": seconds, "returncode": usage["returncode"], "stdout": run.stdout.decode(errors="replace"),
            "stderr": stderr, "peak_rss_mib": usage["maxrss"] / kib if usage["maxrss"] else None,
            "cpu_s": usage["cpu_s"]}
