"""An infinite loop costs its checks, with a message naming where, and a place that hung once gets a short
limit afterwards so one loop does not eat the whole submission's budget."""
from grader.runner import grade_assignment
from grader.specs import ASSIGNMENTS


def test_a_loop_that_hung_once_is_given_a_short_limit_the_next_time(submission):
    folder = submission(("a2_mlp/tanh.py", "self.out = np.tanh(x)", "while True:\n            pass"))
    result = grade_assignment(ASSIGNMENTS["a2"], folder, checks=lambda c: c.name.startswith(("tanh.", "linear.f")),
                              check_timeout=3)
    outcomes = {o.name: o for o in result.outcomes}
    assert outcomes["linear.fixture"].status == "passed"
    assert outcomes["tanh.contract"].status == "timeout"
    assert outcomes["tanh.contract"].message == ("timed out after 3 s in Tanh.forward (your code was at "
                                                 "a2_mlp/tanh.py:12 in forward)")
    for name in ("tanh.gradcheck", "tanh.fixture", "tanh.reference", "tanh.stability"):
        assert outcomes[name].status == "timeout"
        assert outcomes[name].message.startswith(("timed out again in Tanh.forward",  # the same progress label
                                                  "timed out again at a2_mlp/tanh.py:12 in forward")), outcomes[name].message
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
                                                          "at a2_mlp/linear.py:")
    assert outcomes["mlp.contract"].status == "timeout"
    assert outcomes["mlp.contract"].message.startswith("timed out again at a2_mlp/linear.py:"), outcomes["mlp.contract"].message
    assert outcomes["mlp.training"].message.startswith("not run: training is graded once"), outcomes["mlp.training"].message


def test_a_loop_at_the_top_level_of_a_module_says_to_move_it_out(submission):
    folder = submission(("a2_mlp/tanh.py", "import numpy as np\n", "import numpy as np\n\nwhile True:\n    pass\n"))
    result = grade_assignment(ASSIGNMENTS["a2"], folder, checks=("tanh.contract", "tanh.gradcheck"), check_timeout=3)
    first, second = result.outcomes
    assert "(your code was at a2_mlp/tanh.py:1 in <module>): code at the top level of a module runs when it is " \
           "imported" in first.message, first.message
    assert second.message.startswith("timed out again"), second.message
