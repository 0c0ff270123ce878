"""grader/instructor/submissions.py: every kind of entry becomes a gradable folder, or a clear reason why not.

These tests run no student code (fast); tests/test_batch.py grades such entries for real.
"""
from pathlib import Path

import nbformat
import pytest

from grader.instructor import notebooks, submissions
from grader.specs import resolve
from tests.make_submissions import broken, reference_files, stub_files, write_folder, zip_bytes

A2 = resolve("a2")
A1 = resolve("a1")


def prep(entry, tmp_path, assignment=A2):
    return submissions.prepare(entry, assignment, tmp_path / "work")


def texts(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_text() for p in sorted(folder.rglob("*.py"))}


def test_folder_with_packages_is_copied_as_is(tmp_path):
    write_folder(tmp_path / "alice", reference_files())
    p = prep(tmp_path / "alice", tmp_path)
    assert p.fatal is None and p.notes == [] and p.student == "alice"
    assert texts(p.folder) == reference_files()


def test_flat_files_go_to_the_package_that_has_such_a_module(tmp_path):
    write_folder(tmp_path / "bob", reference_files(), flat=True)
    p = prep(tmp_path / "bob", tmp_path)
    got = texts(p.folder)
    assert got["a2_mlp/linear.py"] == reference_files()["a2_mlp/linear.py"]
    assert got["a1_bigram/cross_entropy.py"] == reference_files()["a1_bigram/cross_entropy.py"]


def test_missing_required_package_comes_from_the_stubs_with_a_note(tmp_path):
    files = {k: v for k, v in reference_files().items() if k.startswith("a2_mlp/")}
    write_folder(tmp_path / "carol", files)
    p = prep(tmp_path / "carol", tmp_path)
    assert texts(p.folder)["a1_bigram/cross_entropy.py"] == stub_files()["a1_bigram/cross_entropy.py"]
    assert any("a1_bigram/ was not in the submission" in n for n in p.notes)


def test_a_missing_module_of_the_graded_package_is_a_stub_and_named(tmp_path):
    files = {k: v for k, v in reference_files().items() if k != "a2_mlp/tanh.py"}
    write_folder(tmp_path / "dan", files)
    p = prep(tmp_path / "dan", tmp_path)
    assert texts(p.folder)["a2_mlp/tanh.py"] == stub_files()["a2_mlp/tanh.py"]
    assert any("a2_mlp/tanh.py" in n for n in p.notes)


def test_zip_with_a_top_folder_and_junk(tmp_path):
    members = {f"erin_hw2/{k}": v.encode() for k, v in reference_files().items()}
    members["__MACOSX/erin_hw2/._linear.py"] = b"\x00\x05junk"
    members["erin_hw2/notes.txt"] = b"hello"
    (tmp_path / "erin.zip").write_bytes(zip_bytes(members))
    p = prep(tmp_path / "erin.zip", tmp_path)
    assert p.fatal is None and p.student == "erin"
    assert texts(p.folder) == reference_files()


@pytest.mark.parametrize("kind", ["empty_folder", "bad_zip", "zip_escape", "zip_bomb", "zip_symlink",
                                  "notebook_not_json", "notebook_not_notebook", "unsupported_file"])
def test_unreadable_entries_are_fatal_with_a_clear_message(tmp_path, kind):
    student, expect = broken(tmp_path, "x", kind)
    entry = next(tmp_path.iterdir())
    p = prep(entry, tmp_path)
    assert p.fatal is not None and p.folder is None
    assert expect["says"] in p.fatal, p.fatal
    # wherever "../../escape.py" would land (the work folder is tmp_path/work/<student>): nowhere
    assert not [p for p in tmp_path.rglob("escape.py")] and not (tmp_path.parent / "escape.py").exists()


def test_absolute_paths_in_a_zip_are_refused(tmp_path):
    (tmp_path / "z.zip").write_bytes(zip_bytes({"/etc/a2_mlp/linear.py": b"x = 1\n"}))
    assert "outside its own folder" in prep(tmp_path / "z.zip", tmp_path).fatal


def test_too_many_files(tmp_path, monkeypatch):
    monkeypatch.setattr(submissions, "MAX_FILES", 5)
    (tmp_path / "z.zip").write_bytes(zip_bytes({f"a2_mlp/m{i}.py": b"x = 1\n" for i in range(6)}))
    assert "more than the limit" in prep(tmp_path / "z.zip", tmp_path).fatal


def test_latin1_file_is_reencoded_and_noted(tmp_path):
    files = reference_files()
    files["a2_mlp/linear.py"] = "# écrit à la main\n" + files["a2_mlp/linear.py"]
    write_folder(tmp_path / "f", files, encoding="latin-1")
    p = prep(tmp_path / "f", tmp_path)
    assert texts(p.folder)["a2_mlp/linear.py"] == files["a2_mlp/linear.py"]
    assert any("not UTF-8" in n for n in p.notes)


def test_a_declared_encoding_is_respected(tmp_path):
    files = reference_files()
    files["a2_mlp/linear.py"] = "# -*- coding: latin-1 -*-\n# élève\n" + files["a2_mlp/linear.py"]
    write_folder(tmp_path / "g", files, encoding="latin-1")
    p = prep(tmp_path / "g", tmp_path)
    assert not any("UTF-8" in n for n in p.notes)
    assert (p.folder / "a2_mlp/linear.py").read_bytes() == files["a2_mlp/linear.py"].encode("latin-1")


def test_syntax_error_is_noted_with_its_line(tmp_path):
    files = reference_files()
    files["a2_mlp/linear.py"] = files["a2_mlp/linear.py"].replace("def forward(self, x):", "def forward(self, x)")
    write_folder(tmp_path / "h", files)
    p = prep(tmp_path / "h", tmp_path)
    assert p.fatal is None
    assert any(n.startswith("a2_mlp/linear.py, line") and "SyntaxError" in n for n in p.notes), p.notes


@pytest.mark.parametrize("assignment", [A1, A2], ids=["a1", "a2"])
def test_generated_notebook_round_trips_to_the_stubs(tmp_path, assignment):
    """The notebook and the .py stubs cannot drift: reading the notebook back gives the stub files."""
    notebooks.write_all(tmp_path / "nb")
    p = prep(tmp_path / "nb" / notebooks.notebook_name(assignment), tmp_path, assignment)
    assert p.fatal is None
    got = texts(p.folder)
    stubs = stub_files()
    marked = [c for c in nbformat.read(tmp_path / "nb" / notebooks.notebook_name(assignment), 4).cells
              if c.cell_type == "code" and submissions.cell_module(c)]
    expected = {k for k in stubs if k.startswith(assignment.package + "/") and not k.endswith("__init__.py")}
    assert {submissions.cell_module(c) for c in marked} == expected | set(assignment.borrowed_modules())
    for cell in marked:
        path = submissions.cell_module(cell)
        assert got[path].split("\n", 1)[1] == notebooks.notebook_friendly(stubs[path])


def test_notebook_magics_shell_lines_and_kit_cells_are_skipped(tmp_path):
    files = reference_files()
    nb = notebooks.build(A2, files)
    cell = next(c for c in nb.cells if submissions.cell_module(c) == "a2_mlp/tanh.py")
    cell.source = cell.source.replace("import numpy as np", "%matplotlib inline\n!pip install numpy\nimport numpy as np")
    nb.cells.append(nbformat.v4.new_code_cell("print('scratch')"))
    nbformat.write(nb, str(tmp_path / "i.ipynb"))
    p = prep(tmp_path / "i.ipynb", tmp_path)
    tanh = texts(p.folder)["a2_mlp/tanh.py"]
    assert "%matplotlib" not in tanh and "!pip" not in tanh and "import numpy as np" in tanh
    compile(tanh, "tanh.py", "exec")
    assert "grader.instructor.notebooks" not in "".join(texts(p.folder).values())
    assert any("scratch" in n for n in p.notes)


def test_notebook_without_markers_runs_as_one_module(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import numpy as np"),
                nbformat.v4.new_code_cell("%timeit 1\nclass Tanh:\n    pass")]
    nbformat.write(nb, str(tmp_path / "j.ipynb"))
    p = prep(tmp_path / "j.ipynb", tmp_path)
    got = texts(p.folder)
    assert "class Tanh" in got["a2_mlp/_notebook.py"] and "%timeit" not in got["a2_mlp/_notebook.py"]
    assert "_notebook" in got["a2_mlp/tanh.py"]


def test_student_ids_and_hidden_entries(tmp_path):
    for name in ("b.zip", "a.ipynb", "c", ".DS_Store", "d.py", "e.docx"):
        (tmp_path / name).mkdir() if name == "c" else (tmp_path / name).write_text("")
    entries = submissions.list_entries(tmp_path)
    assert [submissions.student_id(e) for e in entries] == ["a", "b", "c", "d", "e"]


def test_notebook_encodings(tmp_path):
    text = nbformat.writes(notebooks.build(A2, reference_files()))
    (tmp_path / "utf16.ipynb").write_bytes(text.encode("utf-16"))
    p = prep(tmp_path / "utf16.ipynb", tmp_path)
    assert p.fatal is None and texts(p.folder)["a2_mlp/linear.py"].endswith(reference_files()["a2_mlp/linear.py"])
    (tmp_path / "binary.ipynb").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\xfd")
    assert "not UTF-8" in prep(tmp_path / "binary.ipynb", tmp_path).fatal
