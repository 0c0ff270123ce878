"""Assignment 0, micrograd: the scalar autograd engine (Value) and the neural-network library built on it.

The checks are the scalar-graph mechanisms of grader/graphs.py: expression programs built with the student's
Value in its own process, compared with the kit's float64 evaluation and finite differences (public) or with
the reference engine (hidden); the network through its parameters() list; training on the two moons with the
lecture's loop.
"""
from grader import graphs, scalar_net
from grader.spec import Assignment, Check

VALUE = graphs.ScalarEngine(label="Value", target="a0_micrograd.engine:Value")
MLP = scalar_net.ScalarNet(label="MLP", target="a0_micrograd.nn:MLP", value="a0_micrograd.engine:Value")

# The two moons of grader/micrograd.py (make_moons: n points, noise, data_seed), the initial weights
# uniform in [-1, 1] from default_rng(init_seed), the lecture's loop and loss (micrograd's demo.ipynb) on a
# smaller network and data set than the lecture's 100 points and MLP(2, [16, 16, 1]), so the check takes about
# a second. reference_loss / reference_accuracy: what the reference reaches under exactly this setup
# (grader.scalar_net.calibrate_training, checked by tests/test_a0_micrograd.py): 0.0769 and 100%, the lecture's
# accuracy. The margin of 0.03 absorbs rounding differences between correct engines; the same loop without
# zero_grad ends at a loss of 1.51 and 87% (the gradients of every earlier step pile up).
MOONS_TRAINING = dict(
    n=30, noise=0.1, data_seed=1, init_seed=0, nouts=[8, 1], steps=50, lr=3.0, alpha=1e-4,
    reference_loss=0.0769, reference_accuracy=1.0, loss=0.0769 + 0.03, accuracy=0.95,
)

A0 = Assignment(
    key="a0", package="a0_micrograd", title="micrograd: a scalar autograd engine and a tiny neural network",
    checks=[
        Check("value.forward", 6, graphs.graph_forward, VALUE, "public",
              "every operation's data, the reflected forms (2 - v, 2 / v) in the right operand order"),
        Check("value.local_backward", 16, graphs.graph_local_backward, VALUE, "public",
              "each operation's local backward on its own matches finite differences"),
        Check("value.backward", 14, graphs.graph_backward, VALUE, "public",
              "backward(): the seed, the order, reused nodes (a + a, a * a, a value used three times), each node once"),
        Check("value.deep_graph", 6, graphs.graph_deep, VALUE, "public",
              "a chain of 20000 nodes and a value used 5000 times, without recursion, in the time limit",
              {"chain": 20000, "fan": 5000}, timeout=10.0),
        Check("value.gradcheck", 10, graphs.graph_gradcheck, VALUE, "public",
              "random expression graphs: every leaf's grad matches finite differences", {"examples": 12}),
        Check("mlp.parameters", 4, scalar_net.net_parameters, MLP, "public",
              "parameters(): one Value per weight and bias, each once"),
        Check("mlp.forward", 6, scalar_net.net_forward, MLP, "public",
              "the forward with the weights set through parameters() in order matches the lecture's maths"),
        Check("mlp.gradcheck", 6, scalar_net.net_gradients, MLP, "public",
              "every parameter's grad matches finite differences", {"source": "fd"}),
        Check("mlp.zero_grad", 4, scalar_net.net_zero_grad, MLP, "public", "zero_grad() resets every parameter's grad"),
        Check("mlp.training", 10, scalar_net.scalar_training, MLP, "public",
              "trains on the two moons with the lecture's loop to the calibrated loss and accuracy",
              {**MOONS_TRAINING, "requires": ("value.forward", "value.local_backward", "value.backward", "value.gradcheck",
                                              "mlp.forward", "mlp.gradcheck", "mlp.zero_grad")}, timeout=30.0),
        Check("value.reference", 10, graphs.graph_gradcheck, VALUE, "hidden",
              "larger random graphs: every node's data and grad equal the reference engine's",
              {"source": "reference", "examples": 25, "ops": (4, 30)}),
        Check("mlp.reference", 8, scalar_net.net_gradients, MLP, "hidden",
              "outputs and every parameter's grad equal the reference network's", {"source": "reference"}),
    ],
)
