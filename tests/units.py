"""The layers and models of every assignment, taken from the grader's specs so tests and grader share them,
and helpers to run the reference on them in this process."""
import numpy as np

from grader.checks import perturbation_targets, perturbations, reference_object
from grader.spec import Unit
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
    obj = reference_object(unit, dims, params)
    args = [a.copy() for a in inputs]
    outs = []
    for name, index, delta in perturbations(perturbation_targets(unit, params, inputs)):
        target = obj.params[name.removeprefix("param:")] if name.startswith("param:") else args[int(name.removeprefix("arg"))]
        saved = target.flat[index]
        target.flat[index] = saved + delta
        out = obj.forward(*args)
        if isinstance(out, tuple):  # flattened and concatenated, as the student's process sends it
            out = np.concatenate([np.ravel(o) for o in out])
        outs.append(np.array(out, dtype=np.float64, copy=True))  # copied: the output may be a view of the input
        target.flat[index] = saved
    return np.stack(outs)
