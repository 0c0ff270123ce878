"""What the student's process reports instead of a result: the student's code raised, or returned something
that cannot be sent (grader/sandbox/child.py and its parts raise it; the request's reply carries the report)."""


class StudentFailure(Exception):
    """The student's code raised, or returned something that cannot be sent; carries the report."""

    def __init__(self, report: dict):
        super().__init__(report.get("message", ""))
        self.report = report
