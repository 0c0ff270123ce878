"""One rule for a check that needs an earlier assignment's unfinished work (a2's training uses a1's loss): on
the instructor's grader the reference's version is used, so the check runs and counts; on the student's side
it is "pending", shown apart from lost points. The three texts a student or instructor reads say so, and the
batch feedback mentions the borrowed file only to a student who sent code of their own for it."""
from __future__ import annotations

import shutil

from grader import KIT_ROOT, report
from grader.runner import grade_assignment
from grader.specs import ASSIGNMENTS
from tests.make_submissions import write_folder

A2 = ASSIGNMENTS["a2"]


def test_a_correct_a2_with_a1_unfinished_is_pending_locally_and_counts_on_the_instructors_grader(tmp_path):
    from grader.instructor.submissions import grade

    local = tmp_path / "assignments"
    shutil.copytree(KIT_ROOT / "reference" / "a2_mlp", local / "a2_mlp")
    shutil.copytree(KIT_ROOT / "assignments" / "a1_bigram", local / "a1_bigram")  # a1 still the stubs
    here = grade_assignment(A2, local, public_only=True, checks=("mlp.training",))
    (training,) = here.outcomes
    assert training.status == "pending" and training.points == 0, training.message
    assert training.message.startswith("pending: training needs a1's cross_entropy.") and "Not lost" in training.message
    assert report.score_text(here) == f"0/{training.max_points:g} +{training.max_points:g} pending"
    assert "… mlp.training" in report.render([here]) and "pending" in report.render([here])

    write_folder(tmp_path / "class" / "ann", {f"a2_mlp/{p.name}": p.read_text()
                                              for p in (local / "a2_mlp").glob("*.py")})
    prepared, there = grade(tmp_path / "class" / "ann", A2, tmp_path / "work", public_only=True,
                            checks=("mlp.training",))
    assert [o.status for o in there.outcomes] == ["passed"], there.outcomes[0].message
    assert not any("belongs to an earlier assignment" in n for n in prepared.notes), prepared.notes


def test_the_readmes_and_the_notebook_say_the_same_rule():
    from grader.instructor import notebooks, release

    bundle = release.student_readme()
    assert "pending" in bundle and "include it" not in bundle
    top = (KIT_ROOT / "README.md").read_text()
    assert "never depends on a1's work" in top and "*pending*" in top
    nb = notebooks.build(A2, notebooks.stub_sources())
    title = next(c.source for c in nb.cells if c.cell_type == "markdown" and "a1_bigram/cross_entropy.py" in c.source)
    assert "pending, not lost" in title
