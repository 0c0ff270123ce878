"""`makemore batch`: a class graded in parallel, killed halfway, resumed: one result per student, right scores.

The default tests use a class of 12 (tests/make_submissions.py SMALL: one of nearly every kind, including an
infinite loop); the 100-student run is marked slow.
"""
import csv
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from grader import KIT_ROOT
from grader.instructor import batch, gradebook
from grader.specs import resolve
from tests.make_submissions import make_class, reference_files, write_folder

A2 = resolve("a2")
BATCH_FLAGS = ["--assignment", "a2", "--timeout", "20", "--check-timeout", "8"]
ENV = dict(os.environ, PYTHONPATH=str(KIT_ROOT))  # this checkout's grader, not another installed one


def batch_command(submissions: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "grader.cli", "batch", str(submissions), "--out", str(out), *BATCH_FLAGS, *extra]


def result_lines(out: Path) -> list[dict]:
    path = out / batch.RESULTS
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def complete_lines(out: Path) -> int:
    path = out / batch.RESULTS
    return path.read_bytes().count(b"\n") if path.exists() else 0


def kill_after(command: list[str], out: Path, lines: int, cwd: Path, limit: float = 240) -> int:
    """Start the batch, kill its whole process group (SIGKILL) once ``lines`` results are written."""
    process = subprocess.Popen(command, cwd=cwd, env=ENV, start_new_session=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    started = time.monotonic()
    while complete_lines(out) < lines and process.poll() is None and time.monotonic() - started < limit:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    return complete_lines(out)


def check_expectations(records: dict, manifest: dict, out: Path) -> None:
    assert sorted(records) == sorted(manifest)
    for student, expect in manifest.items():
        record = records[student]
        checks = {c["name"]: c for c in record["result"]["checks"]}
        where = f"{student}: {record['score']}/{record['max_score']} {record.get('fatal')} {record.get('notes')}"
        assert record["max_score"] == A2.max_points, where
        if expect["expect"] == "max":
            assert record["score"] == record["max_score"], where
        elif expect["expect"] == "zero":
            assert record["score"] == 0, where
        else:
            assert 0 < record["score"] < record["max_score"], where
        assert bool(record.get("fatal")) == expect["fatal"], where
        for name in expect["must_fail"]:
            assert checks[name]["status"] != "passed", f"{where}: {name} should fail"
        for name in expect["must_pass"]:
            assert checks[name]["status"] == "passed", f"{where}: {name} should pass: {checks[name]['message']}"
        feedback = (out / "feedback" / f"{gradebook.safe_name(student)}.md").read_text()
        # what the feedback must say: the expected words, else every check that must fail, else the full score
        says = [expect["says"]] if expect["says"] else expect["must_fail"] or [f"{record['score']:g}"]
        for text in says:
            assert text in feedback, f"{where}: feedback should say {text!r}"


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """A class of 12 graded with -j 2, killed after 3 results, then resumed."""
    root = tmp_path_factory.mktemp("batch")
    manifest = make_class(root / "class", 12)
    out = root / "results"
    done_before = kill_after(batch_command(root / "class", out, "-j", "2"), out, 3, root)
    assert 3 <= done_before < 12, "the kill should land halfway"
    before = {r["student"]: r for r in result_lines(out)}
    refused = subprocess.run(batch_command(root / "class", out, "-j", "2", "-q"), cwd=root, capture_output=True,
                             text=True, timeout=300, env=ENV)
    resumed = subprocess.run(batch_command(root / "class", out, "-j", "2", "--resume", "--format", "gradescope"),
                             cwd=root, capture_output=True, text=True, timeout=300, env=ENV)
    return {"root": root, "manifest": manifest, "out": out, "before": before, "refused": refused,
            "resumed": resumed}


def test_kill_and_resume_gives_one_result_per_student(graded_class):
    out, manifest = graded_class["out"], graded_class["manifest"]
    assert graded_class["resumed"].returncode == 0, graded_class["resumed"].stderr
    lines = result_lines(out)
    students = [r["student"] for r in lines]
    assert len(students) == len(set(students)) == len(manifest)
    after = {r["student"]: r for r in lines}
    for student, record in graded_class["before"].items():
        assert after[student] == record, "a result finished before the kill was lost or regraded"
    check_expectations(after, manifest, out)


def test_rerun_without_resume_refuses(graded_class):
    refused = graded_class["refused"]
    assert refused.returncode == 2 and "--resume" in refused.stderr


def test_progress_bar_reports_done_failures_and_eta(graded_class):
    err = graded_class["resumed"].stderr
    assert f"{len(graded_class['manifest'])}/{len(graded_class['manifest'])} done" in err
    assert "ETA" in err and "with failed checks" in err and "unreadable" in err


def test_gradebook_feedback_and_summary(graded_class):
    out, manifest = graded_class["out"], graded_class["manifest"]
    with open(out / "gradebook.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["student"] for r in rows) == sorted(manifest)
    assert all(c.name in rows[0] for c in A2.checks)
    records = {r["student"]: r for r in result_lines(out)}
    for row in rows:
        assert float(row["total"]) == records[row["student"]]["score"]
        assert sum(float(row[c.name]) for c in A2.checks) == float(row["total"])
    summary = (out / "summary.md").read_text()
    assert f"{len(manifest)} students" in summary and "Score histogram" in summary
    assert "most common diagnosis" in summary and "dweight[idx] = dout" in summary


def test_gradescope_results_json(graded_class):
    out, manifest = graded_class["out"], graded_class["manifest"]
    for student in manifest:
        data = json.loads((out / "gradescope" / gradebook.safe_name(student) / "results.json").read_text())
        assert set(data) >= {"score", "tests"}
        assert data["score"] == sum(t["score"] for t in data["tests"])
        assert len(data["tests"]) == len(A2.checks)
        for test, check in zip(data["tests"], A2.checks):
            assert set(test) == {"name", "score", "max_score", "status", "output", "visibility"}
            assert test["name"] == check.name and test["max_score"] == check.points
            assert test["status"] in ("passed", "failed")
            assert test["visibility"] == ("after_due_date" if check.visibility == "hidden" else "visible")


def test_read_results_drops_a_half_written_line(tmp_path):
    path = tmp_path / batch.RESULTS
    path.write_text(json.dumps({"student": "a", "x": 1}) + "\n" + json.dumps({"student": "b"}) + "\n"
                    + '{"student": "c", "sco')
    records = batch.read_results(path, repair=True)
    assert sorted(records) == ["a", "b"]
    assert path.read_text().endswith('{"student": "b"}\n')


def test_an_internal_error_costs_only_that_student(tmp_path, monkeypatch):
    write_folder(tmp_path / "class" / "ok", reference_files())
    (tmp_path / "class" / "boom").mkdir()
    (tmp_path / "class" / "boom" / "linear.py").write_text("x = 1\n")

    def explode(entry, assignment, workdir):
        raise RuntimeError("grader bug")

    monkeypatch.setattr("grader.instructor.submissions.prepare", explode)
    record = batch.grade_entry(str(tmp_path / "class" / "boom"), "boom", batch.Options())
    assert record["score"] == 0 and "internal grader error" in record["fatal"]


def test_autograder_zip_runs_like_gradescope(tmp_path):
    zip_path = tmp_path / "autograder.zip"
    run = subprocess.run([sys.executable, "-m", "grader.cli", "gradescope-autograder", str(zip_path), "-a", "a2"],
                         capture_output=True, text=True, timeout=120, env=ENV)
    assert run.returncode == 0, run.stderr
    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
        for script in ("setup.sh", "run_autograder"):
            assert script in names and (archive.getinfo(script).external_attr >> 16) & 0o111
        assert "kit/reference/a2_mlp/linear.py" in names and "kit/grader/specs/a2.py" in names
        assert "a2" in archive.read("run_autograder").decode()
        archive.extractall(tmp_path / "source")
    submission = tmp_path / "submission"
    (submission).mkdir()
    files = reference_files()
    with zipfile.ZipFile(submission / "hw.zip", "w") as z:  # a student who uploaded one zip
        for path, text in files.items():
            z.writestr(path, text)
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "source" / "kit"))
    run = subprocess.run([sys.executable, "-m", "grader.instructor.gradescope", "run", "--assignment", "a2", "--submission",
                          str(submission), "--out", str(tmp_path / "results" / "results.json")],
                         capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path / "source" / "kit")
    assert run.returncode == 0, run.stderr
    data = json.loads((tmp_path / "results" / "results.json").read_text())
    assert data["score"] == A2.max_points
    hidden = [t for t in data["tests"] if t["visibility"] == "after_due_date"]
    assert hidden and all(t["status"] == "passed" for t in data["tests"])


@pytest.mark.slow
def test_a_class_of_100_killed_halfway_and_resumed(tmp_path):
    manifest = make_class(tmp_path / "class", 100)
    out = tmp_path / "results"
    done = kill_after(batch_command(tmp_path / "class", out, "-j", "2"), out, 50, tmp_path, limit=900)
    assert 50 <= done < 100
    before = {r["student"]: r for r in result_lines(out)}
    run = subprocess.run(batch_command(tmp_path / "class", out, "-j", "2", "--resume"), cwd=tmp_path,
                         capture_output=True, text=True, timeout=1800, env=ENV)
    assert run.returncode == 0, run.stderr
    lines = result_lines(out)
    assert len(lines) == len({r["student"] for r in lines}) == 100
    after = {r["student"]: r for r in lines}
    assert all(after[s] == r for s, r in before.items())
    check_expectations(after, manifest, out)


def test_html_feedback_escapes_and_keeps_every_message(graded_class, tmp_path):
    records = {r["student"]: r for r in result_lines(graded_class["out"])}
    gradebook.write_feedback(list(records.values()), tmp_path, "html")
    import html

    flat = lambda text: " ".join(text.split())  # the report wraps long messages under their check
    for student, record in records.items():
        page = (tmp_path / f"{gradebook.safe_name(student)}.html").read_text()
        assert page.startswith("<!doctype html>") and "<pre>" in page
        assert "<script" not in page
        text = flat(html.unescape(page))
        for check in record["result"]["checks"]:
            first = check["message"].split("\n")[0]
            if first and check["status"] != "passed":
                assert flat(first) in text, (student, first)


def test_unknown_assignment_and_missing_folder(tmp_path):
    with pytest.raises(KeyError):
        batch.run(tmp_path, tmp_path / "out", batch.Options(assignment="a9"))
    with pytest.raises(batch.BatchError):
        batch.run(tmp_path / "nowhere", tmp_path / "out", batch.Options())
    assert not (tmp_path / "out").exists()


def test_html_feedback_escapes_student_text():
    record = {"student": "eve", "entry": "eve.zip", "assignment": "a2", "score": 0, "max_score": 1,
              "notes": ["<script>alert(1)</script>"], "fatal": None, "output": "<img src=x>",
              "result": {"assignment": "a2", "title": "t", "mode": "full", "checks": [
                  {"name": "c", "points": 0, "max_points": 1, "status": "failed", "message": "<b>bold</b>",
                   "visibility": "public", "unit": None, "seconds": 0.0}]}}
    page = gradebook.feedback_html(record)
    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;" in page and "&lt;b&gt;bold&lt;/b&gt;" in page


def _hangs_for_one_student(entry, student, options):
    if student == "hangs":
        time.sleep(3600)
    return _real_grade_entry(entry, student, options)


_real_grade_entry = batch.grade_entry


def test_a_grading_that_hangs_is_stopped_and_costs_only_that_student(tmp_path, monkeypatch):
    """Even a hang on the grader's side (not the student's code, which has its own limits) is cut off."""
    for name in ("a_ok", "hangs", "z_ok"):
        (tmp_path / "class" / name).mkdir(parents=True)  # empty folders: graded instantly, zero
    monkeypatch.setattr(batch, "grade_entry", _hangs_for_one_student)  # the workers are forked: they see it
    started = time.monotonic()
    records = batch.run(tmp_path / "class", tmp_path / "out", batch.Options(jobs=2, hard_timeout=3),
                        progress=False)
    assert time.monotonic() - started < 60
    assert sorted(records) == ["a_ok", "hangs", "z_ok"]
    assert "longer than 3 s" in records["hangs"]["fatal"]
    assert {c["status"] for c in records["hangs"]["result"]["checks"]} == {"timeout"}
    assert "empty" in records["a_ok"]["fatal"] and "empty" in records["z_ok"]["fatal"]
    assert len(result_lines(tmp_path / "out")) == 3
