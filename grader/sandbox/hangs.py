"""Recognising one infinite loop wherever it is entered from, in the student's process: where the student's
code is when the parent asks (SIGUSR1, just before a timeout's kill: written to hang.txt for the message), and a
request that sits for a second in a place that already hung in an earlier request ends at once (SIGALRM
samples, ``HangAgain``) instead of costing another whole timeout. A part of ``child.Runner`` (it uses the
runner's ``submission``, ``scratch``, ``known_hangs``, ``import_hangs`` and ``training_status``).
"""
from __future__ import annotations

import os
import signal


class HangAgain(BaseException):
    """Raised in the student's code when it sits in a place that already hung in an earlier request: a
    BaseException, so that ``except Exception`` in the student's code does not swallow it."""


HANG_SAMPLE_SECONDS = 0.25  # how often a request that could meet a known hang looks where it is
HANG_SAMPLES = 4  # consecutive samples in the same known place before it counts as the same hang


class HangWatch:
    def student_frame(self, frame):
        """(the innermost frame running the student's code, its path relative to the submission), or Nones."""
        while frame is not None:
            path = os.path.realpath(frame.f_code.co_filename)
            if path.startswith(self.submission + os.sep):
                return frame, os.path.relpath(path, self.submission)
            frame = frame.f_back
        return None, None

    def innermost_student_frame(self, frame) -> str | None:
        """'a2_mlp/tanh.py:12 in forward' for the innermost frame of the student's code (the line where its
        code object starts, so every iteration of a loop names the same place)."""
        frame, path = self.student_frame(frame)
        return None if frame is None else f"{path}:{frame.f_code.co_firstlineno} in {frame.f_code.co_name}"

    def stuck_line(self, frame) -> str | None:
        """'a2_mlp/tanh.py, line 14, in forward': the line the student's innermost frame is running now (what a
        timeout names; a notebook's report turns it into "cell 5, line 4")."""
        frame, path = self.student_frame(frame)
        return None if frame is None else f"{path}, line {frame.f_lineno}, in {frame.f_code.co_name}"

    def on_hang_question(self, signum, frame) -> None:
        """SIGUSR1 from the parent, about to kill this process for a timeout: leave where the student's code is
        (the place that recognises the same hang later, then the line it is on, then a training run's state)."""
        place = self.innermost_student_frame(frame) or ""
        line = self.stuck_line(frame) or ""
        status = self.training_status() if self.training_status else ""  # a training run: its state now
        try:
            with open(os.path.join(self.scratch, "hang.txt"), "w") as f:  # three lines: place, line, state
                f.write("\n".join(part.replace("\n", " ") for part in (place[:500], line[:500], status[:400])))
        except OSError:
            pass

    def find_spec(self, name, path=None, target=None):
        """A meta path finder that stops the import of a module whose top-level code already timed out in an
        earlier request (grader/sandbox/parent.py sends them): importing it again would hang again."""
        if name in self.import_hangs:
            raise HangAgain(f"{self.import_hangs[name]} (the top-level code of {name}, run by its import)")
        return None

    def on_sample(self, signum, frame) -> None:
        place = self.innermost_student_frame(frame)
        self.samples_in_hang = self.samples_in_hang + 1 if place in self.known_hangs else 0
        if self.samples_in_hang >= HANG_SAMPLES:
            self.samples_in_hang = 0
            raise HangAgain(self.stuck_line(frame) or place)

    def watch_for_known_hangs(self, on: bool) -> None:
        self.samples_in_hang = 0
        if self.known_hangs and on:
            signal.setitimer(signal.ITIMER_REAL, HANG_SAMPLE_SECONDS, HANG_SAMPLE_SECONDS)
        else:
            signal.setitimer(signal.ITIMER_REAL, 0)
