"""Where the student's prints go in the confined process: a file of bounded size behind sys.stdout and
sys.stderr, its head written at once and its tail kept (grader/sandbox/child.py installs it before any student
code runs)."""
from __future__ import annotations

import io
import os


class BoundedOutput(io.RawIOBase):
    """The file under sys.stdout and sys.stderr of the student's code (behind C buffering, so printing stays
    fast). Of what one request prints, the first ``head`` bytes go to the output file at once (a crash keeps
    them) and the last ``tail`` are kept and written when the request ends, with how much was left out between:
    a chatty submission (thousands of lines per call) costs a bounded file, and writing never raises inside
    the student's code (the file-size limit stays far away)."""

    def __init__(self, fd: int, head: int = 2000, tail: int = 2000, total: int = 4 << 20):
        self.fd, self.head, self.tail, self.total = fd, head, tail, total
        self.written_total = 0
        self.start_request()

    def start_request(self) -> None:
        self.written, self.kept, self.left_out = 0, bytearray(), 0

    def _write_file(self, data: bytes) -> None:
        data = bytes(data[:max(0, self.total - self.written_total)])
        try:
            os.write(self.fd, data)
            self.written_total += len(data)
        except OSError:
            pass

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        data = memoryview(data).cast("B")
        now = data[:max(0, self.head - self.written)]
        if len(now):
            self._write_file(now)
            self.written += len(now)
        later = data[len(now):]
        if len(later):
            self.left_out += len(later)
            self.kept += later
            if len(self.kept) > 4 * self.tail:
                del self.kept[:-self.tail]
        return len(data)

    def end_request(self) -> None:
        kept = self.kept[-self.tail:]
        if self.left_out > len(kept):
            self._write_file(f"\n[... {self.left_out - len(kept)} bytes printed here were not kept ...]\n".encode())
        self._write_file(kept)
        self.start_request()


def bounded_streams(fd: int) -> tuple[BoundedOutput, io.TextIOWrapper]:
    raw = BoundedOutput(fd)
    return raw, io.TextIOWrapper(io.BufferedWriter(raw, 1 << 16), encoding="utf-8", errors="backslashreplace")
