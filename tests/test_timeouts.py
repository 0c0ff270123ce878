"""An infinite loop costs its checks, with a message naming where, and a place that hung once gets a short
limit afterwards so one loop does not eat the whole submission's budget."""
import shutil

from grader import KIT_ROOT
from grader.runner import grade_assignment
from grader.specs import ASSIGNMENTS


def test_a_loop_that_hung_once_is_given_a_short_limit_the_next_time(tmp_path):
    for package in ("a1_bigram", "a2_mlp"):
        shutil.copytree(KIT_ROOT / "reference" / package, tmp_path / package)
    tanh = tmp_path / "a2_mlp" / "tanh.py"
    tanh.write_text(tanh.read_text().replace("self.out = np.tanh(x)", "while True:\n            pass"))
    result = grade_assignment(ASSIGNMENTS["a2"], tmp_path, checks=lambda c: c.name.startswith(("tanh.", "linear.c")),
                              check_timeout=3)
    outcomes = {o.name: o for o in result.outcomes}
    assert outcomes["linear.contract"].status == "passed"
    assert outcomes["tanh.contract"].status == "timeout"
    assert outcomes["tanh.contract"].message == "timed out after 3 s in Tanh.forward"
    for name in ("tanh.gradcheck", "tanh.fixture", "tanh.reference"):
        assert outcomes[name].status == "timeout"
        assert outcomes[name].message.startswith("timed out again in Tanh.forward"), outcomes[name].message
    assert result.score == 4


def test_what_a_crashed_submission_printed_is_still_reported(tmp_path):
    for package in ("a1_bigram", "a2_mlp"):
        shutil.copytree(KIT_ROOT / "reference" / package, tmp_path / package)
    linear = tmp_path / "a2_mlp" / "linear.py"
    linear.write_text(linear.read_text().replace(
        "        self.x = x\n", "        self.x = x\n        print('debugging: x has shape', x.shape, flush=True)\n"
        "        import os\n        os._exit(3)\n"))
    result = grade_assignment(ASSIGNMENTS["a2"], tmp_path, checks=("linear.contract",), check_timeout=10)
    assert result.outcomes[0].status == "crashed"
    assert "debugging: x has shape" in result.output
