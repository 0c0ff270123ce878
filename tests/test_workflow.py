"""The instructor's and the notebook student's workflow as people use it: grades that do not depend
on the instructor's working folder, commands that say what they do, notebooks that grade themselves."""
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader import KIT_ROOT
from grader.instructor import gradebook
from grader.specs import resolve
from tests.make_submissions import reference_files, stub_files, write_folder

A2 = resolve("a2")


def copy_kit(target: Path) -> Path:
    """A kit of our own (grader, reference, assignments) whose assignments/ we may overwrite."""
    for part in ("grader", "reference", "assignments"):
        shutil.copytree(KIT_ROOT / part, target / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(KIT_ROOT / "pyproject.toml", target / "pyproject.toml")
    return target


def test_a_class_is_graded_with_clean_stubs_while_assignments_holds_solutions(tmp_path):
    """The instructor solved the exercises in the working assignments/: a student who forgot tanh.py
    must still get "not implemented" for it, in batch and in grade --submission."""
    kit = copy_kit(tmp_path / "kit")
    for path, text in reference_files().items():  # the instructor's solutions, in the working folder
        (kit / "assignments" / path).write_text(text)
    files = {k: v for k, v in reference_files().items() if k != "a2_mlp/tanh.py"}
    write_folder(tmp_path / "class" / "forgot_tanh", files)
    env = dict(os.environ, PYTHONPATH=str(kit))
    run = subprocess.run([sys.executable, "-m", "grader.cli", "batch", str(tmp_path / "class"), "--out",
                          str(tmp_path / "out"), "-a", "a2", "--public-only", "-q", "--check-timeout", "8"],
                         cwd=kit, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    record = json.loads((tmp_path / "out" / "results.jsonl").read_text().splitlines()[0])
    checks = {c["name"]: c for c in record["result"]["checks"]}
    assert checks["tanh.gradcheck"]["status"] == "not implemented", checks["tanh.gradcheck"]
    assert any("a2_mlp/tanh.py" in note for note in record["notes"])
    grade = subprocess.run([sys.executable, "-m", "grader.cli", "grade", "a2", "--public-only", "--submission",
                            str(tmp_path / "class" / "forgot_tanh"), "--json", str(tmp_path / "g.json"),
                            "--json-only"], cwd=kit, env=env, capture_output=True, text=True, timeout=300)
    assert grade.returncode == 0, grade.stderr
    graded = {c["name"]: c for c in json.loads((tmp_path / "g.json").read_text())["assignments"][0]["checks"]}
    assert graded["tanh.gradcheck"]["status"] == "not implemented"


def test_the_gradescope_zip_carries_no_working_assignments_folder(tmp_path):
    from grader.instructor import gradescope

    path = gradescope.build_autograder(tmp_path / "ag.zip", "a2")
    names = zipfile.ZipFile(path).namelist()
    assert not [n for n in names if n.startswith("kit/assignments/")]
    assert "kit/reference/a2_mlp/linear.py" in names


# -- a batch stops at once, and never outlives itself --------------------------------------------------------

def processes_mentioning(text: str) -> list[int]:
    """Pids of live processes whose command line contains ``text`` (the batch, its workers, their children)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if text in cmdline and state != "Z":
            found.append(int(proc.name))
    return found


def hanging_class(root: Path) -> Path:
    """Two students whose Tanh loops forever, and one correct: the workers are busy in student code."""
    from tests.make_submissions import infinite_loop

    for name in ("loop_a", "loop_b"):
        write_folder(root / "class" / name, infinite_loop()[0])
    write_folder(root / "class" / "correct", reference_files())
    (root / "tmp").mkdir()
    return root / "class"


def start_batch(root: Path, *extra: str) -> subprocess.Popen:
    # TMPDIR inside root: every process of this batch (the students' too) names root on its command line
    env = dict(os.environ, PYTHONPATH=str(KIT_ROOT), TMPDIR=str(root / "tmp"))
    return subprocess.Popen([sys.executable, "-m", "grader.cli", "batch", str(root / "class"), "--out",
                             str(root / "out"), "-a", "a2", "-j", "2", "--timeout", "120", "--check-timeout", "60",
                             *extra], cwd=root, env=env, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_for_student_code(root: Path, limit: float = 60) -> None:
    import time

    started = time.monotonic()
    while time.monotonic() - started < limit:
        if any("grader.sandbox.child" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
               for pid in processes_mentioning(str(root)) if Path(f"/proc/{pid}").exists()):
            time.sleep(2)  # well inside the loop by now
            return
        time.sleep(0.1)
    raise AssertionError("no student process started")


def gone(root: Path, limit: float = 10) -> list[int]:
    import time

    started = time.monotonic()
    while processes_mentioning(str(root)) and time.monotonic() - started < limit:
        time.sleep(0.2)
    return processes_mentioning(str(root))


def test_ctrl_c_stops_the_batch_at_once_without_a_traceback_and_resume_works(tmp_path):
    hanging_class(tmp_path)
    batch = start_batch(tmp_path)
    wait_for_student_code(tmp_path)
    os.killpg(batch.pid, 2)  # what a terminal's Ctrl-C does: SIGINT to the foreground process group
    # the loops would hold a worker for 60 s: stopping "at once" means well before that
    _, err = batch.communicate(timeout=30)
    assert batch.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert err.strip().endswith("rerun with --resume"), err
    assert gone(tmp_path) == []
    lines = (tmp_path / "out" / "results.jsonl").read_text().splitlines() if (tmp_path / "out" / "results.jsonl").exists() else []
    assert all(json.loads(line)["student"] for line in lines)  # whole lines only


def test_kill_9_of_the_batch_takes_its_workers_and_students_with_it(tmp_path):
    hanging_class(tmp_path)
    batch = start_batch(tmp_path)
    wait_for_student_code(tmp_path)
    assert len(processes_mentioning(str(tmp_path))) >= 3  # the batch, its workers, the students' processes
    os.kill(batch.pid, 9)  # the batch alone, as `kill -9 PID` does
    batch.communicate(timeout=30)
    assert gone(tmp_path) == []


# -- makemore train: progress, smoothed loss, dev loss, divergence, CSV and plot -----------------------------

def test_training_log_smooths_reports_dev_and_warns_on_divergence(tmp_path):
    import io

    from grader import trainlog

    out = io.StringIO()
    devs = iter([3.0, 2.5, 2.0, 9.0, 9.5])
    log = trainlog.TrainingLog(40, 10, dev_loss=lambda: next(devs), stream=out)
    losses = [3.0] + [2.0, 4.0] * 5 + [1.0] * 9 + [30.0] * 10 + [40.0] * 10  # noisy, then diverging
    for step, loss in enumerate(losses):
        log(step, loss, 0.1)
    assert [r.step for r in log.rows] == [0, 9, 19, 29, 39]
    assert log.rows[1].train_loss == pytest.approx(sum(losses[1:10]) / 9)  # the mean since the last report
    assert [r.dev_loss for r in log.rows] == [3.0, 2.5, 2.0, 9.0, 9.5]
    assert len(log.warnings) == 1 and "diverging" in log.warnings[0], log.warnings
    assert "steps/s" in out.getvalue() and "ETA" in out.getvalue()
    path = log.write_csv(tmp_path / "log.csv")
    assert [(r.step, r.dev_loss) for r in trainlog.read_csv(path)] == [(r.step, r.dev_loss) for r in log.rows]
    nan = trainlog.TrainingLog(10, 5, stream=io.StringIO())
    nan(0, 3.0, 50.0)
    with pytest.raises(trainlog.Diverged, match="nan at step 1"):
        nan(1, float("nan"), 50.0)


def test_a_notebooks_training_run_uses_the_checks_sequences_and_the_students_optimiser(tmp_path):
    """A notebook's "Train and plot" (grader/trainlog.py, run as plot_training runs it) trains a7 as its training
    check does: makemore.py's sequences, a6's masked loss and the student's AdamW (it read context windows)."""
    import subprocess
    import sys

    from grader import KIT_ROOT, trainlog

    csv = tmp_path / "log.csv"
    run = subprocess.run([sys.executable, "-m", "grader.trainlog", "--submission", str(KIT_ROOT / "reference"),
                          "--assignment", "a7", "--steps", "4", "--csv", str(csv)],
                         capture_output=True, text=True, cwd=str(KIT_ROOT), timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    rows = trainlog.read_csv(csv)
    assert [r.step for r in rows] == [0, 1, 2, 3] and all(2.5 < r.dev_loss < 4.0 for r in rows), rows


def test_makemore_train_reports_dev_loss_at_intervals_and_writes_csv_and_plot(tmp_path, capsys):
    from grader.cli import main

    code = main(["train", "bigram-net", "--reference", "--steps", "60", "--log-every", "20",
                 "--csv", str(tmp_path / "run.csv"), "--plot", str(tmp_path / "run.png")])
    out = capsys.readouterr()
    assert code == 0, out.err
    lines = [line for line in out.out.splitlines() if line.strip().startswith(("20/60", "40/60", "60/60"))]
    assert len(lines) == 3 and all(" dev " in line and "ETA" in line for line in lines), out.out
    rows = (tmp_path / "run.csv").read_text().splitlines()
    assert rows[0] == "step,train_loss,dev_loss,lr,seconds" and len(rows) == 1 + 4  # step 0 and every 20
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "needs matplotlib" in out.err
    else:
        assert (tmp_path / "run.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_makemore_train_warns_when_the_run_diverges(capsys):
    from grader.cli import main

    main(["train", "bigram-net", "--reference", "--steps", "200", "--lr", "1e6"])
    out = capsys.readouterr().out
    assert "warning: the training loss rose from" in out and "is the learning rate 1e+06 too high?" in out, out


# -- notebooks as students use them ---------------------------------------------------------------------------

def solved_notebook(path: Path, assignment=A2) -> Path:
    import nbformat

    from grader.instructor import notebooks

    nbformat.write(notebooks.build(assignment, reference_files()), str(path))
    return path


def stub_notebook(path: Path, assignment=A2) -> Path:
    import nbformat

    from grader.instructor import notebooks

    nbformat.write(notebooks.build(assignment, stub_files()), str(path))
    return path


class FakeShell:
    """What check() asks of IPython: the user namespace, with the cells the kernel ran in ``In``."""

    def __init__(self, cells):
        self.user_ns = {"In": ["", *cells]}


def test_a_renamed_notebook_is_the_one_graded_and_the_report_says_which_file(tmp_path, monkeypatch, capsys):
    from grader.instructor import notebooks

    stub_notebook(tmp_path / "a2_mlp.ipynb")  # the untouched copy beside it must not be graded
    solved_notebook(tmp_path / "My copy of a2_mlp.ipynb")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JPY_SESSION_NAME", "My copy of a2_mlp.ipynb")  # what Jupyter tells its kernels
    notebooks.check("a2_mlp.ipynb", "a2", module="a2_mlp/tanh.py")  # an old check cell, naming the stub
    out = capsys.readouterr().out
    assert out.startswith("graded My copy of a2_mlp.ipynb (the notebook this kernel runs"), out
    assert "saved 20" in out and "ago)" in out
    assert "this cell names 'a2_mlp.ipynb', but this kernel runs 'My copy of a2_mlp.ipynb'" in out
    tanh = [c.name for c in A2.checks if c.name.startswith("tanh.")]
    assert all(f"✓ {name}" in out for name in tanh if name != "tanh.reference"), out
    assert "linear." not in out and "not implemented" not in out


def test_check_warns_when_the_kernel_ran_unsaved_code(tmp_path, monkeypatch, capsys):
    from grader.instructor import notebooks

    solved_notebook(tmp_path / "hw.ipynb")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "hw.ipynb"))
    monkeypatch.setattr(notebooks, "_ipython", lambda: FakeShell(["# %% a2_mlp/tanh.py\nprint('edited, not saved')"]))
    notebooks.check(key="a2", module="a2_mlp/tanh.py")
    out = capsys.readouterr().out
    assert "warning: the kernel ran a version of a2_mlp/tanh.py that is not in the saved file" in out, out


def test_without_a_saved_file_the_live_kernel_is_graded(tmp_path, monkeypatch, capsys):
    """Colab says nothing about the file: the cells the kernel ran (the last run of each) are graded."""
    from grader.instructor import notebooks

    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.chdir(tmp_path)
    tanh = "# %% a2_mlp/tanh.py\n" + reference_files()["a2_mlp/tanh.py"]
    stub = "# %% a2_mlp/tanh.py\n" + stub_files()["a2_mlp/tanh.py"]
    monkeypatch.setattr(notebooks, "_ipython", lambda: FakeShell([stub, "x = 1", tanh]))
    notebooks.check(module="a2_mlp/tanh.py")
    out = capsys.readouterr().out
    assert out.startswith("graded the cells this kernel ran"), out
    assert "✓ tanh.gradcheck" in out, out


def test_the_live_kernels_cells_are_named_by_the_number_the_student_sees(tmp_path, monkeypatch, capsys):
    """Graded from the kernel (no front end names the file), a cell is the [N] Jupyter and Colab show beside it,
    not its place among the module cells (which was "cell 1" for a cell run as [3])."""
    from grader.instructor import notebooks

    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.chdir(tmp_path)
    stub = "# %% a2_mlp/tanh.py\n" + stub_files()["a2_mlp/tanh.py"]
    line = next(i for i, text in enumerate(stub.splitlines(), 1) if "raise NotImplementedError" in text)
    monkeypatch.setattr(notebooks, "_ipython", lambda: FakeShell(["import numpy as np", "x = 1", stub]))
    notebooks.check(module="a2_mlp/tanh.py")
    out = capsys.readouterr().out
    assert f"(cell [3], line {line}, in forward)" in out, out


def test_notebook_cells_follow_the_lecture_with_a_check_cell_per_unit():
    from grader.instructor import notebooks

    for assignment, order in ((resolve("a1"), ["a1_bigram/counts.py", "a1_bigram/cross_entropy.py",
                                               "a1_bigram/bigram_net.py"]),
                              (A2, ["a1_bigram/cross_entropy.py", "a2_mlp/embedding.py", "a2_mlp/linear.py",
                                    "a2_mlp/tanh.py", "a2_mlp/mlp.py"])):
        nb = notebooks.build(assignment, stub_files())
        modules = [c.metadata["makemore"]["module"] for c in nb.cells if "module" in c.metadata.get("makemore", {})]
        assert modules == order
        for i, cell in enumerate(nb.cells):
            module = cell.metadata.get("makemore", {}).get("module", "")
            if module.startswith(assignment.package + "/"):
                after = nb.cells[i + 1]
                assert after.metadata["makemore"] == {"role": "check", "grades": module}
                assert f"module={module!r}" in after.source
        setup = nb.cells[1]
        assert setup.metadata["makemore"]["role"] == "setup" and "pip', 'install'" in setup.source
        assert "ipynb" not in "".join(c.source for c in nb.cells if c.metadata.get("makemore", {}).get("role"))


# -- the instructor's outputs ---------------------------------------------------------------------------------

def fake_record(student: str, failures: dict[str, str], score: float | None = None, fatal: str | None = None) -> dict:
    """A batch record of a2 in which the named checks failed with these messages."""
    checks = [{"name": c.name, "points": 0 if c.name in failures else c.points, "max_points": c.points,
               "status": "failed" if c.name in failures else "passed", "message": failures.get(c.name, ""),
               "visibility": c.visibility, "unit": None, "seconds": 0.0} for c in A2.checks]
    total = sum(c["points"] for c in checks) if score is None else score
    return {"student": student, "entry": f"{student}.zip", "assignment": "a2", "notes": [], "fatal": fatal,
            "score": total, "max_score": A2.max_points, "output": "",
            "result": {"assignment": "a2", "title": A2.title, "mode": "full", "checks": checks}}


BIAS = "Linear.grads['bias'] is wrong: it is the mean of dout over the batch; the bias gradient is the sum"
TANH = "Tanh.backward: dx is wrong: (1 - out) instead of (1 - out**2)"


def test_summary_groups_by_diagnosis_with_deterministic_ties(tmp_path):
    records = [fake_record(f"s{i}", {n: BIAS for n in ("linear.gradcheck", "linear.fixture", "linear.reference",
                                                       "mlp.gradcheck", "mlp.fixture", "mlp.reference")})
               for i in range(3)]
    records += [fake_record("t0", {"tanh.gradcheck": TANH}), fake_record("t1", {"tanh.gradcheck": "B: other"}),
                fake_record("ok", {})]
    text = gradebook.summary_text(records)
    section = text.split("## Mistakes to re-teach, by diagnosis")[1].split("## Checks most")[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| students")]
    assert rows[0].startswith("| 3 | Linear.grads['bias'] is wrong") and "`linear.fixture`" in rows[0]
    assert len(rows) == 3  # one row per mistake, not one per check it fails
    assert rows[1].startswith("| 1 | B: other") and rows[2].startswith("| 1 | Tanh.backward")  # ties by text
    shuffled = gradebook.summary_text(list(reversed(records)))
    assert shuffled == text


def test_summary_puts_a_symptom_under_the_failing_unit_it_comes_from_and_keeps_formulas_whole():
    """MLP.grads['C'] is wrong because Linear is: the re-teach table's row is Linear's mistake, with the MLP's
    checks beside it; and a formula's integers are part of the diagnosis, not numbers to blank."""
    symptom = "MLP.grads['C'] is wrong\n    note: MLP uses your Linear, which fails its own checks: fix that first"
    records = []
    for i in range(2):
        record = fake_record(f"s{i}", {"linear.gradcheck": BIAS, "mlp.gradcheck": symptom})
        for c in record["result"]["checks"]:
            c["unit"] = {"linear": "Linear", "mlp": "MLP", "tanh": "Tanh"}.get(c["name"].partition(".")[0])
        records.append(record)
    formula = "Tanh.backward: dx is wrong: `1 - tanh(x)**2` expected, max abs error 0.25 at [3, 1]"
    records.append(fake_record("t", {"tanh.gradcheck": formula}))
    text = gradebook.summary_text(records)
    section = text.split("## Mistakes to re-teach, by diagnosis")[1].split("## Checks most")[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| students")]
    assert len(rows) == 2 and not any("MLP.grads" in row for row in rows), rows
    assert rows[0].startswith("| 2 | Linear.grads['bias'] is wrong") and "`mlp.gradcheck`" in rows[0], rows[0]
    assert "`1 - tanh(x)**2` expected, max abs error # at [#]" in rows[1], rows[1]


def test_roster_joins_students_and_exports_for_canvas_and_moodle(tmp_path):
    import csv

    roster = tmp_path / "roster.csv"
    roster.write_text("Student ID,Name,Email\nalice,Alice A,alice@uni.edu\nb42,Bob B,bob@uni.edu\n"
                      "c7,Carol C,carol@uni.edu\n")
    records = {"alice": fake_record("alice", {}), "bob": fake_record("bob", {"tanh.gradcheck": TANH}),
               "zed": fake_record("zed", {})}
    gradebook.write_all(records, tmp_path, roster=roster)
    with open(tmp_path / "gradebook.csv", newline="") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert list(rows) == ["alice", "b42", "c7", "zed"]
    assert rows["b42"]["name"] == "Bob B" and rows["b42"]["entry"] == "bob.zip"  # matched by the email's name
    assert rows["c7"]["total"] == "0" and rows["c7"]["status"] == "missing" and rows["c7"]["note"] == "no submission"
    with open(tmp_path / "grades_import.csv", newline="") as f:
        lms = list(csv.reader(f))
    assert lms[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Email address"]
    assert lms[1][0].strip() == "Points Possible" and lms[1][-1] == f"{A2.max_points:g}"
    assert ["Carol C", "", "c7", "carol@uni.edu", "carol@uni.edu", "", "0"] in lms
    assert not (tmp_path / "feedback" / "c7.md").exists()
    assert "no submission: 1" in (tmp_path / "summary.md").read_text()


def test_a_submitter_not_on_the_roster_is_warned_about_and_kept_out_of_the_lms_import(tmp_path):
    import csv

    roster = tmp_path / "roster.csv"
    roster.write_text("Student ID,Name,Email\nalice,Alice A,alice@uni.edu\n")
    records = {"alice": fake_record("alice", {}), "zed": fake_record("zed", {})}
    warnings = []
    gradebook.write_all(records, tmp_path, roster=roster, warnings=warnings)
    with open(tmp_path / "grades_import.csv", newline="") as f:
        ids = [row[2] for row in list(csv.reader(f))[2:]]
    assert ids == ["alice"]  # the LMS knows no zed: importing him would fail, or add a stranger
    assert len(warnings) == 1 and warnings[0].startswith("zed: a submission that matches nobody on the roster")
    summary = (tmp_path / "summary.md").read_text()
    assert "## Not on the roster" in summary and "- zed" in summary
    with open(tmp_path / "gradebook.csv", newline="") as f:
        assert "zed" in [r["student"] for r in csv.DictReader(f)]  # still graded


def _numbered_grading(entry, student, options):
    from grader.instructor import batch

    record = fake_record(student, {})
    record["graded_at"] = os.environ.get("GRADING_ROUND", "1")
    return record


def test_batch_only_regrades_one_student_in_place(tmp_path, monkeypatch):
    from grader.instructor import batch

    for name in ("ann", "ben", "cat"):
        (tmp_path / "class" / name).mkdir(parents=True)
    monkeypatch.setattr(batch, "grade_entry", _numbered_grading)
    batch.run(tmp_path / "class", tmp_path / "out", batch.Options(), progress=False)
    monkeypatch.setenv("GRADING_ROUND", "2")
    records = batch.run(tmp_path / "class", tmp_path / "out", batch.Options(), progress=False, only=["ben"])
    assert {s: r["graded_at"] for s, r in records.items()} == {"ann": "1", "ben": "2", "cat": "1"}
    lines = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text().splitlines()]
    assert sorted(r["student"] for r in lines) == ["ann", "ben", "cat"]
    with pytest.raises(batch.BatchError, match="no submission for nobody"):
        batch.run(tmp_path / "class", tmp_path / "out", batch.Options(), progress=False, only=["nobody"])


def test_gradescope_setup_pins_exact_versions_and_checks_python():
    from importlib.metadata import version

    from grader.instructor import gradescope

    script = gradescope.setup_sh()
    for name in ("numpy", "hypothesis", "nbformat"):
        assert f"{name}=={version(name)}" in script
    pins = next(line for line in script.splitlines() if line.startswith("PINS="))
    assert ">" not in pins and pins.count("==") == 3 and "sys.version_info < (3, 10)" in script
    assert subprocess.run(["bash", "-n"], input=script, text=True).returncode == 0


def chromium() -> str | None:
    return next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)


@pytest.mark.browser
@pytest.mark.skipif(chromium() is None, reason="no Chromium: apt-get install chromium to run the browser tests")
def test_html_feedback_is_a_real_page_in_a_headless_browser(tmp_path):
    record = fake_record("alice", {"linear.gradcheck": BIAS + "\n    worst element at [0]: expected 1, got 0.03",
                                   "tanh.contract": "<script>alert(1)</script>"})
    record["result"]["checks"][0]["status"] = "not implemented"
    record["notes"] = ["a2_mlp/Linear.py is not a module of a2_mlp/, so nothing grades it: did you mean linear.py?"]
    page = tmp_path / "alice.html"
    page.write_text(gradebook.feedback_html(record), encoding="utf-8")
    shots = {}
    for label, size in (("phone", "390,1600"), ("desktop", "1200,1400")):
        shots[label] = tmp_path / f"feedback_{label}.png"
        subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        f"--window-size={size}", f"--screenshot={shots[label]}", page.as_uri()],
                       capture_output=True, timeout=120)
        assert shots[label].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shots[label].stat().st_size > 10_000
    dom = subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    assert dom.count('<tr class="check') == len(A2.checks)
    assert 'class="check failed"' in dom and 'class="check passed"' in dom and "did you mean linear.py?" in dom
    assert "<script>alert" not in dom and "```" not in dom
    keep = os.environ.get("MAKEMORE_SCREENSHOTS")
    if keep:
        for shot in shots.values():
            shutil.copy(shot, Path(keep) / shot.name)


@pytest.mark.parametrize("kit", [None, "https://course.example/makemore_numpy-0.1-py3-none-any.whl"])
def test_the_setup_cell_installs_the_kit_the_instructor_named_or_says_to_set_it(kit, tmp_path, monkeypatch):
    """On Colab (the notebook alone, no kit installed) the setup cell pip-installs KIT, which `makemore release
    --kit URL` sets; the kit is not on PyPI, so without it the cell says what to do instead of a pip error."""
    import importlib.util

    from grader.instructor import notebooks
    from grader.specs import ASSIGNMENTS

    notebook = notebooks.build(ASSIGNMENTS["a1"], notebooks.stub_sources(), kit=kit)
    setup = next(c.source for c in notebook.cells if c.get("metadata", {}).get("makemore", {}).get("role") == "setup")
    installed = []
    monkeypatch.chdir(tmp_path)  # no grader/ beside the notebook
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)  # nor installed
    monkeypatch.setattr(subprocess, "run", lambda cmd, check: installed.append(cmd))
    if kit is None:
        with pytest.raises(RuntimeError, match="KIT is not set"):
            exec(setup, {})
        assert not installed
    else:
        exec(setup, {})
        assert installed and installed[0][-1] == kit
