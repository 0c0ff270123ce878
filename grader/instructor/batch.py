"""Grade a folder of submissions, one student per entry, in parallel, resumably.

Every entry of SUBMISSIONS_DIR is one student (see grader/instructor/submissions.py). Each one is graded in a worker
process (grade_assignment spends CPU in its own process too) and the student's code runs in its own sandboxed
child with the per-check timeouts of the spec, a total budget per submission and a memory limit, so an infinite
loop or a crash costs only that student's checks.

RESULTS_DIR/results.jsonl gets one JSON line per student as soon as the student is done (written, flushed and
fsynced by this process only). ``--resume`` keeps every complete line, drops a half-written last line, and
grades only the students without a line: nobody is graded twice and no finished result is lost. At the end
the gradebook, feedback files and class summary are written from results.jsonl (grader/instructor/gradebook.py).
"""
from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import threading
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from grader.runner import unrunnable

RESULTS = "results.jsonl"


@dataclass
class Options:
    assignment: str = "a2"
    jobs: int = 1
    budget_seconds: float = 120.0  # wall clock for all of one submission's checks
    check_timeout: float | None = None  # caps every check's own timeout
    memory_mb: int = 2048
    public_only: bool = False
    hard_timeout: float | None = None  # kills the worker of one submission (default: see hard_limit)


def effective_assignment(options: Options):
    from grader.specs import resolve

    return resolve(options.assignment)


def grade_entry(entry: str, student: str, options: Options) -> dict:
    """Grade one entry; never raises (a grader failure becomes that student's error record)."""
    from grader.sandbox import Limits
    from grader.instructor.submissions import grade

    started = time.monotonic()
    assignment = effective_assignment(options)
    record = {"student": student, "entry": os.path.basename(entry), "assignment": assignment.key}
    try:
        with tempfile.TemporaryDirectory(prefix="makemore-batch-") as tmp:
            limits = Limits(memory_bytes=options.memory_mb << 20)
            prepared, result = grade(entry, assignment, tmp, options.public_only, limits=limits,
                                     budget_seconds=options.budget_seconds, check_timeout=options.check_timeout)
            record["notes"] = prepared.notes
            record["fatal"] = prepared.fatal
    except Exception as err:  # the grader's own failure: this student only, and say so
        record.setdefault("notes", [])
        record["fatal"] = f"internal grader error ({type(err).__name__}: {err}); your instructor will regrade"
        record["traceback"] = traceback.format_exc(limit=5)
        result = unrunnable(assignment, record["fatal"], options.public_only)
    # The grader's own failures (its sandbox blocked something legitimate, or a bug) are never the student's:
    # the record says so, and the gradebook lists it for a regrade.
    record["regrade"] = bool(record.get("traceback")) or any(o.internal for o in result.outcomes)
    record.update(score=result.score, max_score=result.max_score, result=result.to_dict(),
                  output=result.output[-2000:], seconds=round(time.monotonic() - started, 3),
                  graded_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    return record


# -- results.jsonl ------------------------------------------------------------------------------------

def read_results(path: Path, repair: bool = False) -> dict[str, dict]:
    """student -> record from every complete line; with repair, cut a half-written last line off the file."""
    records: dict[str, dict] = {}
    if not path.exists():
        return records
    data = path.read_bytes()
    good_end = 0
    offset = 0
    for line in data.split(b"\n"):
        end = offset + len(line) + 1
        if line.strip():
            try:
                record = json.loads(line)
                if end > len(data):  # no newline: the write may have been cut short
                    raise ValueError("unterminated line")
                records.setdefault(record["student"], record)
                good_end = end
            except (ValueError, KeyError, TypeError):
                break
        elif end <= len(data):
            good_end = end
        offset = end
    if repair and good_end < len(data):
        with open(path, "r+b") as f:
            f.truncate(good_end)
    return records


def append_result(f, record: dict) -> None:
    f.write(json.dumps(record) + "\n")
    f.flush()
    os.fsync(f.fileno())


# -- progress ---------------------------------------------------------------------------------------------

class Progress:
    def __init__(self, total: int, already: int, stream=sys.stderr, enabled: bool = True):
        self.total, self.done, self.already = total, 0, already
        self.incomplete = self.unreadable = 0
        self.started = time.monotonic()
        self.stream, self.enabled = stream, enabled
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.last_line = 0.0

    def count(self, record: dict) -> None:
        self.done += 1
        if record.get("fatal"):
            self.unreadable += 1
        elif record["score"] < record["max_score"]:
            self.incomplete += 1

    def update(self, record: dict | None = None) -> None:
        if record is not None:
            self.count(record)
        if not self.enabled:
            return
        now = time.monotonic()
        if not self.tty and record is not None and self.done not in (1, self.total) and now - self.last_line < 5:
            return
        self.last_line = now
        elapsed = now - self.started
        new = self.done - self.already  # the rate and ETA of this run only
        rate = new / elapsed * 60 if elapsed > 0 and new else 0.0
        left = self.total - self.done
        eta = f"{int(left / rate * 60) // 60}:{int(left / rate * 60) % 60:02d}" if rate else "?"
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        bar = "#" * filled + "." * (width - filled)
        line = (f"[{bar}] {self.done}/{self.total} done ({self.already} earlier), {self.incomplete} with failed "
                f"checks, {self.unreadable} unreadable, {rate:.1f}/min, ETA {eta}")
        if self.tty:
            self.stream.write("\r\033[K" + line)
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


# -- the batch ----------------------------------------------------------------------------------------------

def plan(submissions_dir: Path) -> list[tuple[str, str]]:
    """(student, entry path) for every entry; a student id that occurs twice keeps the entry's full name."""
    from grader.instructor.submissions import list_entries, student_id

    entries = list_entries(submissions_dir)
    ids = [student_id(e) for e in entries]
    return [(sid if ids.count(sid) == 1 else e.name, str(e)) for sid, e in zip(ids, entries)]


class BatchError(Exception):
    pass


def drop_results(path: Path, students: set[str]) -> None:
    """Rewrite results.jsonl without these students' lines (atomically: a crash leaves the old file)."""
    kept = [line for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
            if line.strip() and json.loads(line)["student"] not in students]
    temporary = path.with_suffix(".tmp")
    temporary.write_text("".join(kept), encoding="utf-8")
    os.replace(temporary, path)


def run(submissions_dir: str | Path, out_dir: str | Path, options: Options, resume: bool = False,
        fresh: bool = False, progress: bool = True, stream=sys.stderr, only: list[str] | None = None) -> dict[str, dict]:
    """Grade every student not yet in out_dir/results.jsonl; return all records by student.
    only: regrade just these students in place (their earlier result is replaced, the others are kept)."""
    submissions_dir, out_dir = Path(submissions_dir), Path(out_dir)
    key = effective_assignment(options).key  # KeyError for an unknown assignment, before anything is written
    if not submissions_dir.is_dir():
        raise BatchError(f"{submissions_dir} is not a folder of submissions")
    out_dir.mkdir(parents=True, exist_ok=True)
    results_path = out_dir / RESULTS
    if fresh and results_path.exists():
        results_path.unlink()
    existing = read_results(results_path, repair=True)
    students = plan(submissions_dir)
    if only:
        unknown = sorted(set(only) - {s for s, _ in students})
        if unknown:
            raise BatchError(f"no submission for {', '.join(unknown)} in {submissions_dir}")
        if existing:
            drop_results(results_path, set(only))
            existing = {s: r for s, r in existing.items() if s not in only}
        resume = True
    if existing and not resume:
        raise BatchError(f"{results_path} already holds {len(existing)} results: pass --resume to grade only the "
                         "students without one, or --fresh to start over")
    for record in existing.values():
        if record.get("assignment") != key:
            raise BatchError(f"{results_path} holds results of {record.get('assignment')}, not {options.assignment}")
    todo = [(s, e) for s, e in students if s not in existing]
    bar = Progress(len(students), 0, stream, progress)
    wanted = {s for s, _ in students}
    for record in existing.values():
        if record["student"] in wanted:
            bar.count(record)
    bar.already = bar.done
    records = dict(existing)
    if todo:
        bar.update()
    with open(results_path, "a", encoding="utf-8") as f:
        queue = list(todo)
        attempts: dict[str, int] = {}
        while queue:
            queue = _run_pool(queue, options, f, records, bar, attempts)
    return records


def hard_limit(options: Options) -> float:
    """Wall clock after which a worker grading one submission is killed: the budget covers the student's code,
    this covers everything else (the grader's own side), generously."""
    return options.hard_timeout or options.budget_seconds * 1.5 + 60


# -- the pool ------------------------------------------------------------------------------------------------

def _worker_init(pids) -> None:
    """In each worker: Ctrl-C belongs to the batch (no traceback from a worker), the worker dies with the batch
    (``kill -9`` of makemore included), and the batch learns its pid (to stop it without private attributes)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
    pids.put(os.getpid())


def die_with_parent() -> None:
    """SIGKILL when the parent dies (PR_SET_PDEATHSIG on Linux) and, everywhere, a thread that watches the
    parent's pid, so a worker never outlives the batch (a student's child dies with its worker likewise)."""
    parent = os.getppid()
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass

    def watch():
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="die-with-parent").start()


class Pool:
    """A process pool whose workers ignore Ctrl-C, die with this process, and can all be killed at once."""

    def __init__(self, jobs: int):
        import multiprocessing

        self._pids = multiprocessing.get_context().SimpleQueue()
        self.executor = ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init, initargs=(self._pids,))
        self.pids: set[int] = set()

    def kill(self) -> None:
        """Kill every worker (and so every student process under it): the only way to stop one task."""
        while not self._pids.empty():
            self.pids.add(self._pids.get())
        for pid in self.pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def __enter__(self) -> "Pool":
        return self

    def __exit__(self, kind, *rest) -> None:
        if kind is not None:  # Ctrl-C or a failure of the batch itself: stop now, wait for nothing
            self.kill()
            self.executor.shutdown(wait=False, cancel_futures=True)
        else:
            self.executor.shutdown(wait=True)


class PoolRun:
    """One pool's worth of the queue: submit a few at a time, record each result, stop a grading that
    outlives the hard limit. ``retry`` is what must be graded again when the pool broke or was killed."""

    def __init__(self, queue, options: Options, f, records: dict, bar: Progress, attempts: dict):
        self.waiting, self.options, self.f, self.records, self.bar = list(queue), options, f, records, bar
        self.attempts = attempts
        self.pending: dict = {}
        self.running_since: dict = {}
        self.retry: list = []
        self.jobs = max(1, options.jobs)
        self.limit = hard_limit(options)

    def finish(self, student: str, record: dict) -> None:
        append_result(self.f, record)
        self.records[student] = record
        self.bar.update(record)

    def submit_more(self, pool: Pool) -> None:
        while self.waiting and len(self.pending) < 2 * self.jobs:  # a short queue: a broken pool loses little
            student, entry = self.waiting.pop(0)
            self.pending[pool.executor.submit(grade_entry, entry, student, self.options)] = (student, entry)

    def collect(self, done) -> None:
        for future in done:
            student, entry = self.pending.pop(future)
            self.running_since.pop(future, None)
            try:
                record = future.result()
            except BrokenProcessPool:
                self.attempts[student] = self.attempts.get(student, 0) + 1
                if self.attempts[student] < 2:
                    self.retry.append((student, entry))
                    continue
                record = _crashed_record(student, entry, self.options, "the grading process died twice")
            except Exception as err:  # noqa: BLE001
                record = _crashed_record(student, entry, self.options, f"{type(err).__name__}: {err}")
            self.finish(student, record)

    def stop_stuck(self, pool: Pool) -> bool:
        """Record a timeout for every grading that outlived the hard limit and kill the pool; True if any."""
        now = time.monotonic()
        for future in self.pending:
            if future.running():
                self.running_since.setdefault(future, now)
        stuck = [fut for fut, since in self.running_since.items() if fut in self.pending and now - since > self.limit]
        for future in stuck:
            student, entry = self.pending.pop(future)
            self.finish(student, _crashed_record(student, entry, self.options,
                                                 f"grading took longer than {self.limit:g} s and was stopped",
                                                 status="timeout"))
        if stuck:
            pool.kill()  # the others are graded again
        return bool(stuck)

    def left_over(self) -> list:
        retry = self.retry + [item for item in self.pending.values()
                              if item[0] not in self.records and item not in self.retry]
        return retry + [item for item in self.waiting if item not in retry]


def _run_pool(queue, options, f, records, bar, attempts) -> list:
    """Grade the queue with one pool; returns what must be retried if the pool itself broke or was killed."""
    run = PoolRun(queue, options, f, records, bar, attempts)
    with Pool(run.jobs) as pool:
        try:
            while run.waiting or run.pending:
                run.submit_more(pool)
                done, _ = wait(run.pending, timeout=1.0, return_when=FIRST_COMPLETED)
                run.collect(done)
                if run.stop_stuck(pool):
                    break
        except BrokenProcessPool:
            pass
    return run.left_over()


def _crashed_record(student: str, entry: str, options: Options, why: str, status: str = "error") -> dict:
    assignment = effective_assignment(options)
    fatal = f"internal grader error ({why}); your instructor will regrade"
    result = unrunnable(assignment, fatal, options.public_only)
    for outcome in result.outcomes:
        if outcome.status != "skipped":
            outcome.status = status
    return {"student": student, "entry": os.path.basename(entry), "assignment": assignment.key, "notes": [],
            "fatal": f"not graded: {fatal}", "regrade": True, "score": 0, "max_score": result.max_score,
            "result": result.to_dict(), "output": "", "seconds": 0.0,
            "graded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
