"""The lecture beside each assignment: every assignment and every graded unit has its lecture and part, and the
READMEs and notebooks open with them (grader/lectures.py)."""
import re

import pytest

from grader import KIT_ROOT, lectures
from grader.instructor import notebooks
from grader.specs import ASSIGNMENTS


@pytest.mark.parametrize("key", list(ASSIGNMENTS))
def test_every_graded_unit_of_every_assignment_has_the_part_of_its_lecture(key):
    entry = lectures.lecture(key)
    assert entry is not None, f"{key} has no lecture in grader/lectures.py"
    missing = [u for u in lectures.units_of(ASSIGNMENTS[key]) if not lectures.section(key, u)]
    assert not missing, f"{key}: no lecture part for {missing}"


def test_lectures_link_the_videos_and_code_of_the_course():
    for key, entry in lectures.LECTURES.items():
        assert entry.video is None or re.fullmatch(r"https://www\.youtube\.com/watch\?v=[\w-]{11}", entry.video), key
        assert "https://github.com/karpathy/" in entry.code, key
        # a part is named by its topic: no timestamp anyone could have invented
        assert not [s for s in entry.sections.values() if re.search(r"\b\d{1,2}:\d{2}\b", s)], key
    assert {"a0", "a8"} <= set(lectures.LECTURES)  # micrograd and the tokenizer, being added beside a1-a7
    assert lectures.LECTURES["a0"].video.endswith("VMj-3S1tku0") and "minbpe" in lectures.LECTURES["a8"].code


@pytest.mark.parametrize("key", list(ASSIGNMENTS))
def test_each_readme_opens_with_its_lecture_as_the_data_says(key):
    assignment = ASSIGNMENTS[key]
    readme = (KIT_ROOT / "assignments" / assignment.package / "README.md").read_text(encoding="utf-8")
    block = lectures.readme_block(key, lectures.units_of(assignment))
    assert readme.split("\n\n", 1)[1].startswith(block), \
        f"{assignment.package}/README.md does not open with grader.lectures.readme_block({key!r}, ...)"


def test_the_readme_check_fails_where_a_readme_disagrees(tmp_path):
    assignment = ASSIGNMENTS["a2"]
    block = lectures.readme_block("a2", lectures.units_of(assignment))
    stale = block.replace("TCH_1BHY58I", "PaCmpygFfXo")
    assert not ("# a2\n\n" + stale).split("\n\n", 1)[1].startswith(block)


def test_each_notebook_names_and_links_its_lecture_in_its_first_cell():
    files = notebooks.stub_sources()
    for key, assignment in ASSIGNMENTS.items():
        first = notebooks.build(assignment, files, notebooks.package_doc(assignment, files)).cells[0]
        assert first.cell_type == "markdown"
        assert lectures.lecture(key).line() in first.source, key
        for unit in lectures.units_of(assignment):
            assert f"`{unit}`" in first.source, (key, unit)
