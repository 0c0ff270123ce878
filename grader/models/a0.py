"""Assignment 0's model: the lecture's MLP on two moons, built from the student's scalar Value (micrograd)."""
from grader.models import Model


def command(args, impl) -> int:
    """The lecture's demo loop (grader/micrograd.py): scalars, not arrays, so not the kit's minibatch loop."""
    from grader.micrograd import train_command

    return train_command(args, impl)


MODELS = [
    Model(name="micrograd", assignment="a0", target="a0_micrograd.nn:MLP",
          summary="the lecture's demo: MLP(2, [n_hidden, n_hidden, 1]) on 100 two-moons points, with your Value",
          sizes={"n_hidden": 16}, loss="", data="moons", steps=100, batch_size=100, lr=1.0, decay_at=None,
          goal="100% accuracy (the reference: loss 0.0349)", command=command),
]
