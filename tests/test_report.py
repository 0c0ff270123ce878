"""grader/report.py on hand-made results (no grading run): the terminal report and the JSON file."""
import json

from grader import report
from grader.runner import AssignmentResult
from grader.spec import Outcome


def result(mode: str = "public", output: str = "") -> AssignmentResult:
    return AssignmentResult("a2", "MLP", [
        Outcome("linear.fixture", 5, 5, "passed", "forward and gradients match"),
        Outcome("linear.gradcheck", 0, 4, "failed", "grad:bias is wrong: off by a constant factor\n"
                "Traceback (most recent call last):\n  File 'linear.py'"),
        Outcome("tanh.fixture", 0, 3, "not implemented", "Tanh.backward: not implemented yet"),
        Outcome("mlp.reference", 0, 6, "skipped", visibility="hidden"),
        Outcome("mlp.training", 2, 2, "passed", "dev loss 2.10 after 1000 steps")], mode, 1.5, output)


def test_the_report_gives_each_check_its_symbol_points_and_first_line():
    lines = report.render([result()]).splitlines()
    assert lines[0].startswith("a2 · MLP") and lines[0].endswith("7/14")  # the hidden check counts in neither
    rows = {line.split()[1]: line for line in lines[1:6]}
    assert rows["linear.fixture"].split() == ["✓", "linear.fixture", "5/5"]  # a pass says nothing more...
    assert rows["mlp.training"].endswith("dev loss 2.10 after 1000 steps")  # ...except a training's numbers
    assert "✗ linear.gradcheck" in rows["linear.gradcheck"] and "0/4  grad:bias is wrong" in rows["linear.gradcheck"]
    assert "[not implemented] Tanh.backward" in rows["tanh.fixture"]
    assert rows["mlp.reference"].split()[:3] == ["·", "mlp.reference", "hidden"]
    assert "Traceback" not in "\n".join(lines) and "public checks only" in lines[6]


def test_verbose_shows_the_traceback_the_printed_output_and_colour():
    text = report.render([result(mode="full", output="step 1\nstep 2\n")], colour=True, verbose=True)
    assert "Traceback (most recent call last):" in text and "    step 2" in text
    assert "\033[32m✓\033[0m" in text and "\033[31m✗\033[0m" in text
    assert "public checks only" not in text


def test_several_assignments_get_a_total():
    other = AssignmentResult("a1", "Bigram", [Outcome("counts.fixture", 3, 4, "failed", "off by one")], "full")
    last = report.render([result(), other]).splitlines()[-1]
    assert last.split() == ["total", "10/18"]


def test_write_json_keeps_every_check_and_the_totals(tmp_path):
    path = tmp_path / "r.json"
    report.write_json([result()], str(path))
    data = json.loads(path.read_text())
    assert (data["score"], data["max_score"]) == (7, 14)
    (a2,) = data["assignments"]
    assert a2["assignment"] == "a2" and a2["mode"] == "public" and a2["seconds"] == 1.5
    assert [c["name"] for c in a2["checks"]] == ["linear.fixture", "linear.gradcheck", "tanh.fixture", "mlp.reference",
                                                  "mlp.training"]
    assert a2["checks"][1]["status"] == "failed" and a2["checks"][3]["visibility"] == "hidden"
