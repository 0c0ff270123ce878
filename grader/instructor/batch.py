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
import sys
import tempfile
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from grader.runner import unrunnable
from grader.spec import Outcome

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
    from grader.runner import grade_assignment
    from grader.sandbox import Limits
    from grader.instructor.submissions import prepare

    started = time.monotonic()
    assignment = effective_assignment(options)
    record = {"student": student, "entry": os.path.basename(entry), "assignment": assignment.key}
    try:
        with tempfile.TemporaryDirectory(prefix="makemore-batch-") as tmp:
            prepared = prepare(entry, assignment, tmp)
            record["notes"] = prepared.notes
            record["fatal"] = prepared.fatal
            if prepared.fatal:
                result = unrunnable(assignment, prepared.fatal, options.public_only)
            else:
                limits = Limits(memory_bytes=options.memory_mb << 20)
                result = grade_assignment(assignment, prepared.folder, public_only=options.public_only,
                                          limits=limits, budget_seconds=options.budget_seconds,
                                          check_timeout=options.check_timeout)
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


def run(submissions_dir: str | Path, out_dir: str | Path, options: Options, resume: bool = False,
        fresh: bool = False, progress: bool = True, stream=sys.stderr) -> dict[str, dict]:
    """Grade every student not yet in out_dir/results.jsonl; return all records by student."""
    submissions_dir, out_dir = Path(submissions_dir), Path(out_dir)
    key = effective_assignment(options).key  # KeyError for an unknown assignment, before anything is written
    if not submissions_dir.is_dir():
        raise BatchError(f"{submissions_dir} is not a folder of submissions")
    out_dir.mkdir(parents=True, exist_ok=True)
    results_path = out_dir / RESULTS
    if fresh and results_path.exists():
        results_path.unlink()
    existing = read_results(results_path, repair=True)
    if existing and not resume:
        raise BatchError(f"{results_path} already holds {len(existing)} results: pass --resume to grade only the "
                         "students without one, or --fresh to start over")
    students = plan(submissions_dir)
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


def _kill_workers(pool) -> None:
    for process in list(getattr(pool, "_processes", {}).values()):
        try:
            process.kill()
        except (OSError, AttributeError):
            pass


def _run_pool(queue, options, f, records, bar, attempts) -> list:
    """Grade the queue with one pool; returns what must be retried if the pool itself broke or was killed."""
    retry = []
    jobs = max(1, options.jobs)
    limit = hard_limit(options)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        pending, running_since = {}, {}
        waiting = list(queue)

        def finish(student, record):
            append_result(f, record)
            records[student] = record
            bar.update(record)

        try:
            while waiting or pending:
                while waiting and len(pending) < 2 * jobs:  # a short queue: a broken pool loses little
                    student, entry = waiting.pop(0)
                    pending[pool.submit(grade_entry, entry, student, options)] = (student, entry)
                done, _ = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
                for future in done:
                    student, entry = pending.pop(future)
                    running_since.pop(future, None)
                    try:
                        record = future.result()
                    except BrokenProcessPool:
                        attempts[student] = attempts.get(student, 0) + 1
                        if attempts[student] < 2:
                            retry.append((student, entry))
                            continue
                        record = _crashed_record(student, entry, options, "the grading process died twice")
                    except Exception as err:  # noqa: BLE001
                        record = _crashed_record(student, entry, options, f"{type(err).__name__}: {err}")
                    finish(student, record)
                now = time.monotonic()
                for future in pending:
                    if future.running():
                        running_since.setdefault(future, now)
                stuck = [fut for fut, since in running_since.items() if fut in pending and now - since > limit]
                if stuck:
                    for future in stuck:
                        student, entry = pending.pop(future)
                        finish(student, _crashed_record(student, entry, options,
                                                        f"grading took longer than {limit:g} s and was stopped",
                                                        status="timeout"))
                    _kill_workers(pool)  # the only way to stop one task; the others are graded again
                    break
        except BrokenProcessPool:
            pass
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        retry += [item for item in pending.values() if item[0] not in records and item not in retry]
        retry += [item for item in waiting if item not in retry]
    return retry


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
