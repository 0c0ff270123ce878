"""grader/instructor/gradescope.py on hand-made batch records (no grading run): results.json in Gradescope's
autograder schema, one file per student."""
import json

from grader.instructor import gradescope
from grader.runner import AssignmentResult
from grader.spec import Outcome


def record(fatal: str | None = None, notes=()) -> dict:
    """A batch record (grader/instructor/batch.py grade_entry) around a hand-made result."""
    result = AssignmentResult("a2", "MLP", [
        Outcome("linear.fixture", 5, 5, "passed", ""),
        Outcome("linear.gradcheck", 1, 4, "failed", "grad:bias is wrong"),
        Outcome("tanh.fixture", 0, 3, "timeout", "Tanh.forward did not finish in 10 s"),
        Outcome("mlp.reference", 0, 6, "failed", "the forward disagrees", visibility="hidden")], "full", 12.6)
    return {"student": "ada", "entry": "ada.zip", "assignment": "a2", "notes": list(notes), "fatal": fatal,
            "score": result.score, "max_score": result.max_score, "result": result.to_dict(), "seconds": 12.6}


def test_results_json_has_one_test_per_check_in_gradescopes_schema():
    data = gradescope.results_json(record())
    assert set(data) == {"score", "execution_time", "output", "visibility", "stdout_visibility", "tests"}
    assert (data["score"], data["execution_time"], data["output"]) == (6, 13, "graded a2")
    assert sum(t["max_score"] for t in data["tests"]) == 18  # Gradescope's total is the tests' max_score
    by_name = {t["name"]: t for t in data["tests"]}
    assert list(by_name) == ["linear.fixture", "linear.gradcheck", "tanh.fixture", "mlp.reference"]
    assert by_name["linear.fixture"] == {"name": "linear.fixture", "score": 5, "max_score": 5, "status": "passed",
                                         "output": "passed", "visibility": "visible"}
    assert by_name["linear.gradcheck"]["status"] == "failed" and by_name["linear.gradcheck"]["score"] == 1
    assert by_name["tanh.fixture"]["status"] == "failed"  # Gradescope knows passed and failed only
    assert by_name["tanh.fixture"]["output"] == "[timeout] Tanh.forward did not finish in 10 s"
    assert by_name["mlp.reference"]["visibility"] == "after_due_date"  # hidden checks: after the deadline


def test_a_fatal_problem_and_the_notes_lead_the_output():
    data = gradescope.results_json(record(fatal="no a2_mlp/ in the zip", notes=["renamed Linear.py to linear.py"]))
    assert data["output"] == "no a2_mlp/ in the zip\nrenamed Linear.py to linear.py"


def test_write_all_writes_one_results_file_per_student(tmp_path):
    folder = gradescope.write_all({"ada": record(), "../bob": record()}, tmp_path)
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("results.json"))
    assert len(files) == 2 and all(".." not in f for f in files)  # a student's name never leaves the folder
    assert json.loads((folder / "ada" / "results.json").read_text()) == gradescope.results_json(record())
