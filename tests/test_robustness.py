"""Robustness on the student's side of the sandbox: what an honest submission may do (read
stdin, print a lot) costs nothing, and grading leaves nothing behind outside its scratch and output folders."""
from __future__ import annotations

import os

from grader.instructor.submissions import MAX_CHECKED_SOURCE, syntax_problem
from grader.runner import grade_assignment
from grader.sandbox import Limits
from grader.specs import ASSIGNMENTS

A2 = ASSIGNMENTS["a2"]
LINEAR = "a2_mlp/linear.py"
CHECKS = ("linear.contract", "linear.fixture")


def test_reading_stdin_meets_an_empty_stream_not_a_closed_one(submission):
    folder = submission((LINEAR, "import numpy as np\n", "import sys\n\nimport numpy as np\n\nTYPED = sys.stdin.read()\n"),
                        (LINEAR, "        self.x = x\n", "        self.x = x\n        assert sys.stdin.read() == ''\n"))
    result = grade_assignment(A2, folder, checks=CHECKS)
    assert [o.status for o in result.outcomes] == ["passed", "passed"], [o.message for o in result.outcomes]


def test_grading_writes_no_hypothesis_folder_into_the_working_directory(submission, tmp_path, monkeypatch):
    folder = submission()
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    grade_assignment(A2, folder, checks=CHECKS)
    assert os.listdir(cwd) == []


def test_the_parent_does_not_compile_a_huge_source(tmp_path):
    """A 12 MB list literal, never imported, drove the parent to 4.5 GB: it is left to the student's process."""
    huge = tmp_path / "huge.py"
    huge.write_text("DATA = [" + "1, " * (MAX_CHECKED_SOURCE // 3 + 10) + "\n")  # unclosed: a syntax error
    assert syntax_problem(huge, "huge.py") is None
    small = tmp_path / "small.py"
    small.write_text("DATA = [1, 2\n")
    assert "SyntaxError" in syntax_problem(small, "small.py")


def test_a_chatty_correct_submission_loses_nothing_and_its_output_is_kept_head_and_tail(submission):
    """2000 lines printed per backward call hit the 16 MB file limit inside the student's own print."""
    folder = submission((LINEAR, '        self.grads["weight"] = self.x.T @ dout\n',
                         '        for i in range(2000):\n            print("debug line", i, "x" * 60)\n'
                         '        self.grads["weight"] = self.x.T @ dout\n'))
    # a 1 MB file limit instead of 16 MB: the same overflow with fewer calls (training's 3000 would be slow)
    result = grade_assignment(A2, folder, checks=lambda c: c.name.startswith("linear."),
                              limits=Limits(file_bytes=1 << 20))
    assert all(o.passed for o in result.outcomes), [(o.name, o.message) for o in result.outcomes if not o.passed]
    assert "debug line 1999" in result.output and "bytes printed here were not kept" in result.output
