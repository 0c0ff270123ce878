"""Forward outputs under finite-difference perturbations: the one loop behind every central difference.

The student's process runs it on the student's object (``child.Runner.op_perturb``) and the kit's tests run it
on the reference's (tests/test_reference_gradients.py), so both differentiate exactly the same way. It imports
only NumPy: the confined child may import it (grader/README.md, "The rule").
"""
from __future__ import annotations

import numpy as np


def outputs_under_perturbations(forward, params: dict, args: list, perturbations) -> np.ndarray:
    """``forward(*args)`` once per perturbation, each entry restored before the next.

    forward: the object's forward method. params: the object's own parameter dict (NAME -> ndarray), changed in
    place. args: the input arrays, changed in place (pass copies). perturbations: (what, flat_index, delta)
    with what = "param:NAME" or "argI" (``grader.checks.perturbations``). Returns float64 outputs stacked,
    (K, *out_shape); a tuple output is flattened and concatenated (the parent flattens dout the same way);
    (0,) when there is no perturbation. Each output is copied before its entry is restored (an output may be
    a view of its input: a reshape). Whatever ``forward`` raises propagates, with the entry restored.
    """
    outs = []
    for what, index, delta in perturbations:
        target = params[what.removeprefix("param:")] if what.startswith("param:") else args[int(what.removeprefix("arg"))]
        saved = target.flat[index]
        target.flat[index] = saved + delta
        try:
            out = forward(*args)
            if type(out) is tuple:  # type(), as isinstance could run a lazy object's code
                out = np.concatenate([np.ravel(np.asarray(o, dtype=np.float64)) for o in out])
            outs.append(np.array(out, dtype=np.float64, copy=True))
        finally:
            target.flat[index] = saved
    return np.stack(outs) if outs else np.zeros((0,))
