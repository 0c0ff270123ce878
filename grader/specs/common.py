"""What several assignments' specs share: the standard checks of a layer or a function, known mistakes."""
import importlib

import numpy as np

from grader import checks
from grader.checks import reference_available
from grader.spec import Check, FunctionUnit, Unit


def layer_checks(prefix: str, unit: Unit, points: tuple, what: str, first_dims: tuple = ()) -> list:
    """contract, gradcheck, fixture (public) and reference (hidden) checks of a layer or model.

    points: (contract, gradcheck, fixture, reference); first_dims: sizes the reference check tries before
    hypothesis's (a mistake only they reveal)."""
    contract, grad, fixture, reference = points
    return [
        Check(f"{prefix}.contract", contract, checks.contract, unit, "public",
              "shapes, dtypes, grads keys, finite, inputs untouched, backward overwrites"),
        Check(f"{prefix}.gradcheck", grad, checks.gradcheck, unit, "public", f"{what} match finite differences"),
        Check(f"{prefix}.fixture", fixture, checks.agreement, unit, "public",
              "forward and gradients match the stored answers", {"source": "fixture"}),
        Check(f"{prefix}.reference", reference, checks.agreement, unit, "hidden",
              "forward and gradients match the reference", {"source": "reference", "first_dims": first_dims}),
    ]


def function_checks(prefix: str, unit: FunctionUnit, points: tuple, what: str) -> list:
    """fixture (public) and reference (hidden) checks of a function. points: (fixture, reference)."""
    fixture, reference = points
    return [
        Check(f"{prefix}.fixture", fixture, checks.function_agreement, unit, "public",
              f"{what} match the stored answers", {"source": "fixture"}),
        Check(f"{prefix}.reference", reference, checks.function_agreement, unit, "hidden",
              f"{what} match the reference on generated inputs", {"source": "reference"}),
    ]


def hidden_mistakes(key: str):
    """reference/KEY_mistakes.py where the reference is installed (the instructor's grader, and ``makemore
    fixtures``, which stores what they give), else None: mistakes that need a correct backward to compute would
    give the solution away in the student's grader."""
    if not reference_available():
        return None
    try:
        return importlib.import_module(f"reference.{key}_mistakes")
    except ModuleNotFoundError as err:  # another kit's reference on the path (an older install) lacks this one
        if err.name != f"reference.{key}_mistakes":
            raise
        return None


def repeated_index_mistake(idx: np.ndarray, dout: np.ndarray, table_shape: tuple, what: str) -> list:
    """What ``table[idx] = dout`` (assignment, last write wins) gives instead of a scatter-add."""
    flat_idx = idx.reshape(-1)
    if len(np.unique(flat_idx)) == len(flat_idx):
        return []
    wrong = np.zeros(table_shape)
    wrong[flat_idx] = dout.reshape(len(flat_idx), -1)
    return [(f"it equals {what}[idx] = dout (assignment): a token that appears several times in idx must "
             "receive the sum of the gradients of every occurrence, and an assignment keeps only one of them", wrong)]


def repeated_rows(idx: np.ndarray, table_shape: tuple) -> np.ndarray:
    """Mask of the table rows whose token appears more than once in idx."""
    counts = np.bincount(idx.reshape(-1), minlength=table_shape[0])
    return np.broadcast_to((counts > 1)[:, None], table_shape)


def with_repeats(idx: np.ndarray) -> np.ndarray:
    """Make sure at least one token repeats, so an assignment instead of a sum cannot pass."""
    flat = idx.reshape(-1)
    if flat.size >= 2:
        flat[1] = flat[0]
    return flat.reshape(idx.shape)


def train_mode_mistakes(unit_target: str, init):
    """Known mistakes of a unit graded in eval mode: what training mode gives on the same parameters and
    buffers (a model whose eval() does not reach its BatchNorm layers, or a BatchNorm whose forward ignores
    self.training), computed with the reference where it is installed (it would give the answer away)."""
    described = ("it is what training mode gives: in eval mode BatchNorm normalises with the running statistics "
                 "and leaves them unchanged. Does eval() reach every layer (a model's or a Sequential's eval() "
                 "calls each of its layers' eval()), and does BatchNorm's forward read self.training?")

    def mistakes(d, inputs, params, dout, expected):
        from grader.checks import load_reference, reference_available
        from grader.spec import buffers_of

        if not reference_available():
            return {}
        obj = load_reference(unit_target)(**init(d))
        for name, value in params.items():
            obj.params[name][...] = value
        for name, value in buffers_of(params).items():
            obj.buffers[name][...] = value
        try:
            with np.errstate(all="ignore"):
                out = obj.forward(*[np.copy(a) for a in inputs])
        except ValueError:  # a batch of one in training mode
            return {}
        found = {"out": [(described, np.asarray(out, dtype=np.float64))]}
        found.update({f"buffer:{k}": [(described, np.array(obj.buffers[k]))] for k in buffers_of(params)})
        return found
    return mistakes
