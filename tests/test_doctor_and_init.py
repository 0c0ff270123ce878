"""`makemore doctor`, `makemore init` and which folder `makemore grade` grades."""
from __future__ import annotations

import pytest

from grader import cli, data, doctor, workfolder


def test_doctor_runs_the_probe_in_a_confined_child_and_says_grading_works():
    diagnosis = doctor.diagnose()
    names = [item.partition(":")[0] for item in diagnosis.probe]
    assert names == ["random_generators", "linalg", "add_at", "einsum", "printing", "float_errors",
                     "standard_library", "scratch_file"]
    assert all(item.endswith(": ok") for item in diagnosis.probe), diagnosis.probe
    assert diagnosis.child_layers.get("audit") == "on"  # the probe really ran confined
    assert diagnosis.works and diagnosis.versions["numpy"] != "not installed"
    text = doctor.render(diagnosis)
    assert "numpy" in text and "hypothesis" in text and text.endswith("verdict: grading works here.")


def test_doctor_says_plainly_when_what_student_code_does_fails(monkeypatch):
    broken = doctor.PROBE_SOURCE.replace("    return [random_generators,",
                                         "    def linalg():\n        raise ImportError('libopenblas.so: cannot open')\n"
                                         "    return [random_generators,")
    monkeypatch.setattr(doctor, "PROBE_SOURCE", broken)
    diagnosis = doctor.diagnose()
    assert not diagnosis.works
    assert "linalg: ImportError: libopenblas.so: cannot open" in diagnosis.probe
    text = doctor.render(diagnosis)
    assert "✗ linalg" in text and "verdict: grading will NOT work here" in text


def test_doctor_command_exit_status(monkeypatch, capsys):
    monkeypatch.setattr(doctor, "diagnose", lambda: doctor.Diagnosis({"python": "3"}, {}, problems=["no"]))
    assert cli.main(["doctor"]) == 1
    assert "verdict: grading will NOT work here" in capsys.readouterr().out


def test_init_starts_a_working_folder_and_grade_grades_it(tmp_path, monkeypatch, capsys):
    work = tmp_path / "my-work"
    assert cli.main(["init", str(work)]) == 0
    assert (work / "assignments" / "README.md").is_file() and (work / "README.md").is_file()
    assert (work / "assignments" / "a2_mlp" / "linear.py").read_text().count("raise NotImplementedError(") >= 1
    from grader.specs import ASSIGNMENTS

    assert sorted(p.name for p in (work / "notebooks").iterdir()) == sorted(f"{a.package}.ipynb"
                                                                          for a in ASSIGNMENTS.values())
    assert cli.main(["init", str(work)]) == 2  # never over the student's work
    assert "already exists" in capsys.readouterr().err

    monkeypatch.chdir(work)
    monkeypatch.delenv("MAKEMORE_STATE_DIR", raising=False)  # a student's folder, not the checkout: the default
    assert cli.graded_folder() == (work / "assignments").resolve()
    assert cli.graded_folder(cwd=work / "assignments") == (work / "assignments").resolve()
    assert cli.main(["grade", "a1", "--public-only"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"graded {(work / 'assignments').resolve()}"
    assert "not implemented" in out
    assert cli.last_grade_file(work / "assignments") == work / ".makemore" / "last_grade.json"
    assert (work / ".makemore" / "last_grade.json").is_file()


def test_grade_outside_any_assignments_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.graded_folder() == cli.STUDENT_ROOT  # in the kit's checkout: its assignments/
    monkeypatch.setattr(cli, "running_from_checkout", lambda: False)  # installed from a wheel: nothing to grade
    with pytest.raises(cli.NoAssignments, match="makemore init"):
        cli.graded_folder()
    assert cli.main(["list"]) == 2


def test_names_are_found_through_the_package_in_a_wheel(tmp_path, monkeypatch):
    monkeypatch.delenv("MAKEMORE_DATA", raising=False)
    packaged = tmp_path / "grader" / "_data" / "names.txt"
    assert data.default_names_path().name == "names.txt" and data.default_names_path().exists()
    monkeypatch.setattr(data, "PACKAGED_NAMES", packaged)
    from grader import KIT_ROOT

    assert data.default_names_path() == KIT_ROOT / "data" / "names.txt"  # a checkout: the checkout's copy
    packaged.parent.mkdir(parents=True)
    packaged.write_text("emma\nolivia\n")
    assert data.default_names_path() == packaged and data.load_words() == ["emma", "olivia"]


def test_init_needs_the_assignments_package(monkeypatch, tmp_path):
    monkeypatch.setattr(workfolder.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(workfolder.InitError, match="not installed"):
        workfolder.init(tmp_path / "w")
