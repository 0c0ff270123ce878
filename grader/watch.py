"""``makemore grade --watch [a2 [linear]]``: grade again each time a file of the assignment is saved.

How it notices a save: a plain loop that reads each watched file's modification time and size (``os.stat``)
every ``interval`` seconds. An assignment is a dozen files, so a poll costs microseconds; it needs no new
dependency (a student installs NumPy, hypothesis and nbformat, nothing else), and it behaves the same on Linux,
macOS, WSL, network folders and container bind mounts, where file-system events (inotify, FSEvents: what a
watching library such as watchdog builds on) are not always delivered. A save is taken once the files have
stopped changing for one more interval (an editor may write a file in several steps).

What is graded after a save: the units written in the saved file first (their checks and what they depend
on, grader/selection.py), then the whole of what is watched, so the unit being edited is on screen first.

Which process runs the student's code: a fresh confined child for every grade (grader/sandbox/parent.py),
as for ``makemore grade``. A child kept warm between grades would hold the student's modules as it imported
them before the save (Python imports a module once per process; reloading in place keeps the old module's
objects alive) and the sources it read when it started, which tell the sandbox's failures from the
student's; a fresh one imports what is on disk now, which is what the sandbox guarantees. Its cost is one
Python start with NumPy, which ``makemore bench`` measures beside the grade.

Ctrl-C stops the loop (and the grade under way, whose child is killed with its process group); exit status 0.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from grader import selection
from grader.spec import Assignment

INTERVAL = 0.5  # seconds between polls


def watched_files(folder: Path, assignment: Assignment) -> list[Path]:
    """The files whose saving changes ``assignment``'s grade: the .py files of its package and the modules it
    borrows from earlier assignments (a2 trains with a1's loss); ``folder`` itself when it is a file (a
    notebook or a single .py graded with --submission)."""
    folder = Path(folder)
    if folder.is_file():
        return [folder]
    package = folder / assignment.package
    # a folder of flat .py files (a submission as some students hand it in) is read like a package
    files = set(package.rglob("*.py")) if package.is_dir() else set(folder.glob("*.py"))
    files.update(folder / module for module in assignment.borrowed_modules())
    return sorted(p for p in files if "__pycache__" not in p.parts)


def snapshot(files) -> dict[Path, tuple[int, int] | None]:
    """Each file's (modification time in ns, size), None for a file that is missing now."""
    state = {}
    for path in files:
        try:
            info = os.stat(path)
            state[path] = (info.st_mtime_ns, info.st_size)
        except OSError:
            state[path] = None
    return state


def changed(before: dict, after: dict) -> list[Path]:
    return sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))


def watch(targets: list[tuple[Assignment, list[str]]], folder: Path, grade, show, *, interval: float = INTERVAL,
          sleep=None, polls: int | None = None, say=None) -> int:
    """Grade ``targets`` (from selection.parse) once, then again after every save, until Ctrl-C.

    grade(assignment, checks) -> an AssignmentResult (checks: names, or None for all); show(results) prints
    them. ``sleep`` (default time.sleep) and ``polls`` (how many polls before returning; None: until Ctrl-C) let
    a test drive the loop without waiting. Returns 0, also after Ctrl-C."""
    say = say or (lambda line: print(line, flush=True))
    sleep = sleep or time.sleep  # looked up now, so that a test may replace time.sleep
    folder = Path(folder)
    scope = {a.key: selection.select(a, names) for a, names in targets}
    files = {a.key: watched_files(folder, a) for a, _ in targets}
    try:
        show([grade(a, scope[a.key]) for a, _ in targets])
        every = sorted({p for paths in files.values() for p in paths})
        state = snapshot(every)  # before saying so: a save made once the line is read is a change
        say(f"watching {len(every)} files under {folder} (Ctrl-C to stop)")
        done = 0
        while polls is None or done < polls:
            sleep(interval)
            done += 1
            now = snapshot(every)
            saved = changed(state, now)
            if not saved:
                continue
            while True:  # until the files stop changing: an editor may write in several steps
                sleep(interval)
                later = snapshot(every)
                if later == now:
                    break
                saved = sorted(set(saved) | set(changed(now, later)))
                now = later
            state = now
            regrade(targets, scope, files, folder, saved, grade, show, say)
            say("watching (Ctrl-C to stop)")
    except KeyboardInterrupt:
        say("\nstopped watching")
    return 0


def regrade(targets, scope, files, folder: Path, saved: list[Path], grade, show, say) -> None:
    """One save: for each watched assignment a saved file belongs to, the units written in it first (when the
    whole assignment is watched), then everything watched of it."""
    names = ", ".join(relative(p, folder) for p in saved)
    say(f"\n── {time.strftime('%H:%M:%S')} saved {names} " + "─" * 20)
    for assignment, _ in targets:
        if not set(saved) & set(files[assignment.key]):
            continue
        edited = selection.in_files(assignment, [relative(p, folder) for p in saved])
        wanted = scope[assignment.key]
        if wanted is not None:  # a unit or a few were asked for: they are the ones being edited
            edited = [name for name in edited if name in wanted]
        first = selection.with_dependencies(assignment, edited)
        if edited and set(first) != set(wanted or (c.name for c in assignment.checks)):
            units = ", ".join(dict.fromkeys(c.unit.label for c in assignment.checks if c.name in edited))
            say(f"{assignment.key}: {units} first")
            show([grade(assignment, first)])
            say(f"{assignment.key}: all that is watched of it")
        show([grade(assignment, wanted)])


def relative(path: Path, folder: Path) -> str:
    try:
        return Path(path).relative_to(folder).as_posix()
    except ValueError:
        return Path(path).name
