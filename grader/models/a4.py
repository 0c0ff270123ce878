"""Assignment 4's model: the lecture's MLP with BatchNorm, every gradient written by the student (Backprop Ninja)."""
from grader.models import Model

MODELS = [
    Model(name="backprop-ninja", assignment="a4", target="a4_backprop_ninja.network:BackpropNinjaMLP",
          summary="the lecture's MLP trained with your own gradients (makemore part 4)",
          sizes={"block_size": 3, "n_embd": 10, "n_hidden": 200}, loss="a4_backprop_ninja.fused:CrossEntropy",
          goal="train 2.07, dev 2.12 (the lecture's)"),
]
