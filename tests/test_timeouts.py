"""An infinite loop costs its checks, with a message naming the line it was stuck on, and a place that hung
once gets a short limit afterwards so one loop does not eat the whole submission's budget; top-level code that
hangs its module's import is paid once, and later imports of that module are refused at once."""
from pathlib import Path

from grader.runner import grade_assignment
from grader.specs import ASSIGNMENTS


def line_of(folder: Path, path: str, text: str) -> int:
    return next(i for i, line in enumerate((folder / path).read_text().splitlines(), 1) if text in line)


def test_a_loop_that_hung_once_is_given_a_short_limit_the_next_time(submission):
    folder = submission(("a2_mlp/tanh.py", "self.out = np.tanh(x)", "while True:\n            pass"))
    result = grade_assignment(ASSIGNMENTS["a2"], folder, checks=lambda c: c.name.startswith(("tanh.", "linear.f")),
                              check_timeout=3)
    outcomes = {o.name: o for o in result.outcomes}
    assert outcomes["linear.fixture"].status == "passed"
    assert outcomes["tanh.contract"].status == "timeout"
    stuck = line_of(folder, "a2_mlp/tanh.py", "while True:")  # the loop's line, not its function's def line
    assert outcomes["tanh.contract"].message in (
        f"timed out after 3 s in Tanh.forward (your code was at a2_mlp/tanh.py, line {line}, in forward)"
        for line in (stuck, stuck + 1)), outcomes["tanh.contract"].message
    for name in ("tanh.gradcheck", "tanh.fixture", "tanh.reference", "tanh.stability"):
        assert outcomes[name].status == "timeout"
        assert outcomes[name].message.startswith(("timed out again in Tanh.forward",  # the same progress label
                                                  "timed out again at a2_mlp/tanh.py, line")), outcomes[name].message
    assert result.score == ASSIGNMENTS["a2"].checks[[c.name for c in ASSIGNMENTS["a2"].checks].index("linear.fixture")].points


def test_what_a_crashed_submission_printed_is_still_reported(submission):
    folder = submission(("a2_mlp/linear.py", "        self.x = x\n",
                         "        self.x = x\n        print('debugging: x has shape', x.shape, flush=True)\n"
                         "        import os\n        os._exit(3)\n"))
    result = grade_assignment(ASSIGNMENTS["a2"], folder, checks=("linear.contract",), check_timeout=10)
    assert result.outcomes[0].status == "crashed"
    assert "debugging: x has shape" in result.output


def test_one_infinite_loop_is_paid_once_wherever_it_is_entered_from(submission):
    """A hang in Linear.backward cost a full limit as Linear.backward, again through MLP.backward, again in
    training: the student's process now recognises the loop's own frame and stops there within a second."""
    folder = submission(("a2_mlp/linear.py", 'self.grads["bias"] = dout.sum(axis=0)',
                         'while dout.size:\n            pass'))
    result = grade_assignment(ASSIGNMENTS["a2"], folder, checks=("linear.contract", "mlp.contract", "mlp.training"),
                              check_timeout=3)
    outcomes = {o.name: o for o in result.outcomes}
    assert outcomes["linear.contract"].message.startswith("timed out after 3 s in Linear.backward (your code was "
                                                          "at a2_mlp/linear.py, line ")
    assert outcomes["mlp.contract"].status == "timeout"
    assert outcomes["mlp.contract"].message.startswith("timed out again at a2_mlp/linear.py, line"), outcomes["mlp.contract"].message
    assert outcomes["mlp.training"].message.startswith("not run: training is graded once"), outcomes["mlp.training"].message


def test_a_loop_at_the_top_level_of_a_module_is_paid_once_and_says_how_to_keep_it_out(submission):
    folder = submission(("a2_mlp/tanh.py", "import numpy as np\n", "import numpy as np\n\nwhile True:\n    pass\n"))
    result = grade_assignment(ASSIGNMENTS["a2"], folder, checks=("tanh.contract", "tanh.gradcheck", "tanh.fixture"),
                              check_timeout=3)
    first, *later = result.outcomes
    stuck = line_of(folder, "a2_mlp/tanh.py", "while True:")
    place = next(f"a2_mlp/tanh.py, line {line}, in <module>" for line in (stuck, stuck + 1)
                 if f"your code was at a2_mlp/tanh.py, line {line}, in <module>" in first.message)
    assert f"(your code was at {place}): code at the top level of a module runs whenever the module is imported" \
           in first.message and 'if __name__ == \\"__main__\\":' not in first.message, first.message
    assert '`if __name__ == "__main__":`' in first.message
    for outcome in later:  # the import is refused at once: no second wait, one message
        assert outcome.status == "timeout"
        assert outcome.message == f"(as tanh.contract: importing your code runs {place} again)", outcome.message


def test_a_notebook_that_trains_at_the_top_level_names_the_cell_and_line_once(tmp_path):
    """The lecture's notebooks train 200k steps in a top-level cell: submitted without markers, every module of
    the package re-exports that one notebook, so every import runs the training."""
    import nbformat
    from nbformat import v4

    from grader.instructor.submissions import grade
    from tests.make_submissions import reference_files

    files = reference_files()
    nb = v4.new_notebook()
    nb.cells = [v4.new_markdown_cell("# my MLP")] + [v4.new_code_cell(files[f"a2_mlp/{m}.py"]) for m in
                                                     ("embedding", "linear", "tanh")]
    nb.cells.append(v4.new_code_cell("lossi = []\nfor step in range(200000):\n    while True:\n        pass\n"))
    nbformat.write(nb, str(tmp_path / "lecture.ipynb"))
    prepared, result = grade(tmp_path / "lecture.ipynb", ASSIGNMENTS["a2"], tmp_path / "work", public_only=True,
                             checks=("embedding.contract", "embedding.gradcheck", "linear.contract", "tanh.contract"),
                             check_timeout=3)
    first, *later = result.outcomes
    assert first.status == "timeout" and "your code was at cell 5, line " in first.message, first.message
    assert "in a cell without a '# %% package/module.py' first line" in first.message
    for outcome in later:
        assert outcome.message.startswith("(as embedding.contract: importing your code runs cell 5, line "), \
            outcome.message
    assert "_notebook" not in "".join(o.message for o in result.outcomes)
