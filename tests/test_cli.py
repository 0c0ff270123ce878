"""The makemore command as a student or a TA types it."""
import json
import zipfile

import numpy as np

from grader import KIT_ROOT
from grader.cli import main
from grader.specs import ASSIGNMENTS
from tests.submission import copy_submission

ALTERNATIVES = KIT_ROOT / "tests" / "corpus" / "alternatives"


def test_grade_takes_a_zip_like_batch_does(tmp_path, capsys):
    archive = tmp_path / "alice.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in (ALTERNATIVES / "a1_bigram").glob("*.py"):
            z.write(path, f"a1_bigram/{path.name}")
    assert main(["grade", "a1", "--submission", str(archive), "--json", str(tmp_path / "r.json")]) == 0
    result = json.loads((tmp_path / "r.json").read_text())
    full = ASSIGNMENTS["a1"].max_points
    assert (result["score"], result["max_score"]) == (full, full)
    assert f"{full:g}/{full:g}" in capsys.readouterr().out


def test_grade_says_why_a_broken_notebook_scores_zero(tmp_path, capsys):
    notebook = tmp_path / "bob.ipynb"
    notebook.write_text('{"cells": [')
    assert main(["grade", "a2", "--submission", str(notebook)]) == 0
    out = capsys.readouterr().out
    assert "0/100" in out and "not a valid notebook" in out


def test_an_unrunnable_submission_follows_the_same_rule_as_batch(tmp_path):
    """--public-only skips the hidden checks of a submission that cannot run, as batch does (one function)."""
    from grader.instructor import batch

    notebook = tmp_path / "bob.ipynb"
    notebook.write_text('{"cells": [')
    assert main(["grade", "a2", "--submission", str(notebook), "--public-only", "--json", str(tmp_path / "r.json")]) == 0
    result = json.loads((tmp_path / "r.json").read_text())["assignments"][0]
    statuses = {c["name"]: c["status"] for c in result["checks"]}
    assert result["mode"] == "public" and statuses["linear.reference"] == "skipped"
    assert statuses["linear.gradcheck"] == "error"
    record = batch.grade_entry(str(notebook), "bob", batch.Options(assignment="a2", public_only=True))
    assert {c["name"]: c["status"] for c in record["result"]["checks"]} == statuses


def test_strict_exits_1_when_a_check_fails(tmp_path):
    submission = copy_submission(tmp_path / "carol", source=ALTERNATIVES, packages=("a1_bigram",))
    (submission / "a1_bigram" / "counts.py").write_text("def count_bigrams(:\n")
    assert main(["grade", "a1", "--submission", str(submission), "--strict", "--json-only", "--json",
                 str(tmp_path / "r.json")]) == 1
    checks = json.loads((tmp_path / "r.json").read_text())["assignments"][0]["checks"]
    assert any("SyntaxError" in c["message"] for c in checks)


def test_train_on_the_stubs_says_what_is_missing(capsys):
    assert main(["train", "mlp", "--steps", "5"]) == 1
    assert "not implemented yet: MLP.forward" in capsys.readouterr().err


def test_list_shows_every_assignment_with_its_points(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "a1 a1_bigram" in out and "a2 a2_mlp" in out and "100" in out


def test_list_sizes_its_columns_from_the_longest_package_and_title(capsys):
    """a4_backprop_ninja and a7_transformer are longer than a fixed 12-character column: each column is as wide
    as its widest cell, so every title and every points column starts at the same place on every row."""
    from grader.specs import ASSIGNMENTS

    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = next(line for line in lines if line.startswith("assignment"))
    rows = [next(line for line in lines if line.startswith(f"{a.key} {a.package} ")) for a in ASSIGNMENTS.values()]
    title_at, total_end = header.index("title"), header.index("total") + len("total")
    for a, row in zip(ASSIGNMENTS.values(), rows):
        assert row[:title_at].rstrip() == f"{a.key} {a.package}" and row[title_at - 2:title_at] == "  ", row
        assert row[title_at:].startswith(a.title + " "), row  # the whole title, not cut
        assert row[:total_end].endswith(f"{a.max_points:g}") and row[total_end:].startswith("  "), row


def test_table_pads_each_column_to_its_widest_cell():
    from grader.cli import table

    assert table([("a", "bb", "c"), ("long", "1", "xyz")], align="<><") == ["a     bb  c", "long   1  xyz"]


def test_the_report_starts_with_the_folder_it_graded(tmp_path, capsys, monkeypatch):
    from grader.cli import STUDENT_ROOT

    monkeypatch.chdir(tmp_path)  # from another folder: the kit's assignments/ are graded, and it says so
    monkeypatch.setattr("grader.progress.save", lambda folder, data: None)  # leave the checkout's progress alone
    main(["grade", "a1", "--public-only"])
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(f"graded {STUDENT_ROOT.resolve()}") and "assignments/" in first


def test_train_transformer_logs_the_lr_its_adamw_uses(capsys):
    """makemore.py's constant 5e-4, not the schedule's SGD default (0.1) that the log showed before."""
    from grader.cli import main

    assert main(["train", "transformer", "--reference", "--steps", "2", "--n-layer", "1"]) == 0
    steps = [line for line in capsys.readouterr().out.splitlines() if line.strip().startswith(("1/2", "2/2"))]
    assert len(steps) == 2 and all(line.rstrip().split("lr ")[1].split()[0] == "0.0005" for line in steps), steps


def test_fixtures_rewrites_only_stale_files_of_the_assignments_named(tmp_path, monkeypatch, capsys):
    """An up-to-date .npz is left byte for byte (no binary churn in git); a stale one is rebuilt; others untouched."""
    import shutil

    from grader import fixtures

    for name in ("a1_bigram.npz", "a2_mlp.npz"):
        shutil.copy(fixtures.FIXTURE_DIR / name, tmp_path / name)
    monkeypatch.setattr(fixtures, "FIXTURE_DIR", tmp_path)
    before = (tmp_path / "a1_bigram.npz").stat().st_mtime_ns
    assert main(["fixtures", "a1"]) == 0
    assert (tmp_path / "a1_bigram.npz").stat().st_mtime_ns == before and "up to date" in capsys.readouterr().out
    stored = dict(np.load(tmp_path / "a1_bigram.npz"))
    key = next(k for k in stored if k.endswith("expected") or "expected:" in k)
    stored[key] = stored[key] + 1.0
    np.savez(tmp_path / "a1_bigram.npz", **stored)
    a2_before = (tmp_path / "a2_mlp.npz").read_bytes()
    assert main(["fixtures", "a1"]) == 0 and "wrote" in capsys.readouterr().out
    assert not fixtures.stale(ASSIGNMENTS["a1"]) and (tmp_path / "a2_mlp.npz").read_bytes() == a2_before

