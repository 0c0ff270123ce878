"""The layers and models of every assignment, taken from the grader's specs so tests and grader share them,
and helpers to run the reference on them in this process."""
import numpy as np

from grader.checks import load_reference, perturbation_targets, perturbations
from grader.spec import Unit, buffers_of
from grader.specs import ASSIGNMENTS


def all_units() -> list[Unit]:
    units = {}
    for assignment in ASSIGNMENTS.values():
        for check in assignment.checks:
            if isinstance(check.unit, Unit):  # labels repeat across assignments (a2's and a5's Linear)
                units.setdefault((check.unit.target, check.unit.label, check.unit.mode), check.unit)
    return list(units.values())


def reference_outputs_under_perturbations(unit: Unit, dims: dict, params: dict, inputs: list) -> np.ndarray:
    """The reference's forward under each finite-difference perturbation, as the student's process does it."""
    obj = load_reference(unit.target)(**unit.init(dims))
    for name, value in params.items():
        obj.params[name][...] = value
    for name, value in buffers_of(params).items():
        obj.buffers[name][...] = value
    if unit.mode == "eval":
        obj.eval()
    args = [a.copy() for a in inputs]
    outs = []
    for name, index, delta in perturbations(perturbation_targets(unit, params, inputs)):
        target = obj.params[name[6:]] if name.startswith("param:") else args[int(name[3:])]
        saved = target.flat[index]
        target.flat[index] = saved + delta
        outs.append(np.array(obj.forward(*args), dtype=np.float64, copy=True))  # the output may be a view
        target.flat[index] = saved
    return np.stack(outs)
