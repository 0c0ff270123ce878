"""grader/instructor/submissions.py: every kind of entry becomes a gradable folder, or a clear reason why not.

These tests run no student code (fast); tests/test_batch.py grades such entries for real.
"""
import json
from pathlib import Path

import nbformat
import pytest

from grader.instructor import entries, notebooks, submissions
from grader.specs import resolve
from tests.make_submissions import broken, patched as patched_files, reference_files, stub_files, write_folder, zip_bytes

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


def test_a_borrowed_module_comes_from_the_reference_on_the_instructors_side(tmp_path):
    """a2 trains with a1's loss: a student who leaves it out (or wrote it wrong) keeps a2's training points."""
    files = {k: v for k, v in reference_files().items() if k.startswith("a2_mlp/")}
    write_folder(tmp_path / "carol", files)
    p = prep(tmp_path / "carol", tmp_path)
    got = texts(p.folder)
    assert got["a1_bigram/cross_entropy.py"] == reference_files()["a1_bigram/cross_entropy.py"]
    assert got["a1_bigram/counts.py"] == stub_files()["a1_bigram/counts.py"]  # not borrowed: a stub
    assert not any("belongs to an earlier assignment" in n for n in p.notes), p.notes  # as asked: no note
    buggy = dict(files, **{"a1_bigram/cross_entropy.py": "raise ValueError('my broken loss')\n"})
    write_folder(tmp_path / "carl", buggy)
    p = prep(tmp_path / "carl", tmp_path)
    assert texts(p.folder)["a1_bigram/cross_entropy.py"] == reference_files()["a1_bigram/cross_entropy.py"]
    assert any("your version is graded in that assignment" in n for n in p.notes), p.notes


def in_a_bundle(monkeypatch, tmp_path):
    """What a student bundle sees: no reference/, the pristine stubs in grader/stubs.json."""
    pristine = tmp_path / "stubs.json"
    pristine.write_text(json.dumps(stub_files()))
    monkeypatch.setattr(submissions, "REFERENCE", tmp_path / "no-reference")
    monkeypatch.setattr(submissions, "PRISTINE_STUBS", pristine)


def test_in_a_bundle_a_missing_borrowed_module_is_the_stub_with_a_note(tmp_path, monkeypatch):
    in_a_bundle(monkeypatch, tmp_path)
    files = {k: v for k, v in reference_files().items() if k.startswith("a2_mlp/")}
    write_folder(tmp_path / "carol", files)
    p = prep(tmp_path / "carol", tmp_path)
    assert texts(p.folder)["a1_bigram/cross_entropy.py"] == stub_files()["a1_bigram/cross_entropy.py"]
    assert any("a1_bigram/cross_entropy.py (from an earlier assignment) was not in the submission" in n
               for n in p.notes), p.notes
    write_folder(tmp_path / "own", reference_files())  # the student's own loss is used in a bundle
    assert texts(prep(tmp_path / "own", tmp_path).folder) == reference_files()


def test_missing_modules_never_come_from_the_working_assignments_folder(tmp_path, monkeypatch):
    """An instructor who solved the exercises in assignments/ must not give those solutions to a student."""
    solved = tmp_path / "working"
    write_folder(solved, reference_files())
    monkeypatch.setattr(submissions, "WORKING_COPY", solved)
    files = {k: v for k, v in reference_files().items() if k != "a2_mlp/tanh.py"}
    write_folder(tmp_path / "dan", files)
    p = prep(tmp_path / "dan", tmp_path)
    assert texts(p.folder)["a2_mlp/tanh.py"] == stub_files()["a2_mlp/tanh.py"]


@pytest.mark.parametrize("name, guess", [("Linear.py", "linear.py"), ("linear (1).py", "linear.py"),
                                         ("tahn.py", "tanh.py"), ("linear_v2.py", "linear.py"),
                                         ("hank.py", None)])
def test_a_file_that_matches_no_module_is_named_with_a_suggestion(tmp_path, name, guess):
    files = {k: v for k, v in reference_files().items() if k not in ("a2_mlp/linear.py", "a2_mlp/tanh.py")}
    files[f"a2_mlp/{name}"] = reference_files()["a2_mlp/linear.py"]
    write_folder(tmp_path / "erin", files)
    notes = prep(tmp_path / "erin", tmp_path).notes
    if guess:
        assert any(f"a2_mlp/{name} is not a module of a2_mlp/" in n and f"did you mean {guess}?" in n
                   for n in notes), notes
    else:
        assert any(f"a2_mlp/{name} is not a module of a2_mlp/" in n and "nothing grades it" in n for n in notes), notes
    (tmp_path / "single").mkdir()
    (tmp_path / "single" / "hank.py").write_text("x = 1\n")
    notes = prep(tmp_path / "single" / "hank.py", tmp_path).notes
    assert any("a2_mlp/hank.py is not a module of a2_mlp/" in n for n in notes), notes


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
    monkeypatch.setattr(entries, "MAX_FILES", 5)
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
        if path in assignment.borrowed_modules():  # the instructor's side grades with the reference's
            assert got[path] == reference_files()[path]
        else:
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


def test_a_notebook_nested_100000_levels_deep_is_a_clear_zero(tmp_path):
    (tmp_path / "deep.ipynb").write_text("[" * 100_000 + "]" * 100_000)
    p = prep(tmp_path / "deep.ipynb", tmp_path)
    assert p.folder is None and "nested too deeply" in p.fatal


def test_ipython_syntax_is_dropped_by_the_line_or_by_the_cell_with_a_note(tmp_path):
    files = reference_files()
    nb = notebooks.build(A2, files)
    cell = next(c for c in nb.cells if submissions.cell_module(c) == "a2_mlp/tanh.py")
    cell.source = cell.source.replace("import numpy as np", "import numpy as np\nnp.tanh?\n%time 1\nfiles = !ls\n"
                                      "/print 1\nx = 'a string with ! and ? in it?'")
    nb.cells.append(nbformat.v4.new_code_cell("%%bash\necho hello\nfor i in 1 2; do echo $i; done"))
    nb.cells.append(nbformat.v4.new_code_cell("text = '''\n!not a magic inside a string\n'''"))
    nbformat.write(nb, str(tmp_path / "m.ipynb"))
    p = prep(tmp_path / "m.ipynb", tmp_path)
    tanh = texts(p.folder)["a2_mlp/tanh.py"]
    compile(tanh, "tanh.py", "exec")
    assert "x = 'a string with ! and ? in it?'" in tanh
    number = nb.cells.index(cell) + 1
    for dropped in ("np.tanh?", "%time 1", "files = !ls", "/print 1"):
        assert dropped not in tanh
        assert any(f"cell {number}, line" in n and f"`{dropped}`" in n for n in p.notes), (dropped, p.notes)
    assert any("`%%bash (the whole cell)`" in n for n in p.notes), p.notes
    source, dropped = submissions.ipython_only("%%bash\necho hello\nls -l")
    assert source.strip() == "" and len(dropped) == 1
    assert submissions.ipython_only("text = '''\n!x\n'''")[1] == []


def test_outputs_are_dropped_before_the_size_limits(tmp_path):
    """A correct notebook with 8 MB of printed losses, zipped to a few hundred KB, grades like the notebook."""
    import io
    import zipfile

    nb = notebooks.build(A2, reference_files())
    cell = next(c for c in nb.cells if submissions.cell_module(c) == "a2_mlp/mlp.py")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="step 1000: loss 2.3456\n" * 400_000)]
    blob = nbformat.writes(nb).encode()
    assert len(blob) > 8 << 20
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("hw2/a2_mlp.ipynb", blob)
    (tmp_path / "z.zip").write_bytes(buffer.getvalue())
    (tmp_path / "n.ipynb").write_bytes(blob)
    write_folder(tmp_path / "f", {})
    (tmp_path / "f" / "a2_mlp.ipynb").write_bytes(blob)
    for entry in ("z.zip", "n.ipynb", "f"):
        p = prep(tmp_path / entry, tmp_path)
        assert p.fatal is None, (entry, p.fatal)
        assert texts(p.folder)["a2_mlp/mlp.py"].split("\n", 1)[1] == \
            notebooks.notebook_friendly(reference_files()["a2_mlp/mlp.py"]).rstrip("\n") + "\n"


def test_errors_in_a_notebook_are_given_as_cell_and_line(tmp_path):
    files = patched_files("a2_mlp/linear.py", "def forward(self, x):", "def forward(self, x)")
    nb = notebooks.build(A2, files)
    nbformat.write(nb, str(tmp_path / "s.ipynb"))
    cell = next(i for i, c in enumerate(nb.cells, start=1) if submissions.cell_module(c) == "a2_mlp/linear.py")
    line = next(i for i, text in enumerate(nb.cells[cell - 1].source.splitlines(), start=1)
                if "def forward(self, x)" in text)
    p = prep(tmp_path / "s.ipynb", tmp_path)
    assert any(n.startswith(f"cell {cell}, line {line}: SyntaxError") for n in p.notes), p.notes
    assert p.in_notebook_terms('File "/tmp/x/submission/a2_mlp/linear.py", line 2, in forward') == \
        f"cell {cell}, line 2, in forward"


def test_an_unmarked_notebook_that_defines_the_borrowed_loss_uses_it_in_a_bundle(tmp_path, monkeypatch):
    in_a_bundle(monkeypatch, tmp_path)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(reference_files()["a1_bigram/cross_entropy.py"]),
                nbformat.v4.new_code_cell("class Tanh:\n    pass")]
    nbformat.write(nb, str(tmp_path / "all_in_one.ipynb"))
    p = prep(tmp_path / "all_in_one.ipynb", tmp_path)
    loss = texts(p.folder)["a1_bigram/cross_entropy.py"]
    assert "from a2_mlp._notebook import *" in loss
    assert any("the notebook's own definitions are used" in n for n in p.notes), p.notes


def test_a7_handed_in_alone_trains_with_a6s_loss_from_the_reference_or_the_stub(tmp_path, monkeypatch):
    """a7 trains with a6's masked loss (it keeps no copy): the instructor's side fills in the reference's, so a
    student who hands in a7 alone is graded on a7 alone; in a bundle it is the stub, and the notes say which."""
    A7 = resolve("a7")
    own = {f"a7_transformer/{p.name}": p.read_text() for p in sorted((submissions.REFERENCE / "a7_transformer").glob("*.py"))}
    write_folder(tmp_path / "dora", own)
    p = prep(tmp_path / "dora", tmp_path, A7)
    loss = "a6_rnn/sequence_loss.py"
    assert texts(p.folder)[loss] == (submissions.REFERENCE / loss).read_text()
    assert not any(loss in n for n in p.notes), p.notes  # not sent, as the READMEs ask: nothing to say
    stubs = submissions.stub_sources()
    assert texts(p.folder)["a6_rnn/rnn_cell.py"] == stubs["a6_rnn/rnn_cell.py"]  # not borrowed: a stub
    monkeypatch.setattr(submissions, "REFERENCE", tmp_path / "no-reference")  # a bundle: no reference
    p = submissions.prepare(tmp_path / "dora", A7, tmp_path / "bundle", stubs=stubs)  # (stubs.json's are cached)
    assert texts(p.folder)[loss] == stubs[loss]
    assert any(f"{loss} (from an earlier assignment) was not in the submission" in n for n in p.notes), p.notes
