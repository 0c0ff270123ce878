"""Submissions that do none of the work a point stands for, for every assignment, and what each deserves.

Each is the reference with every function a student writes (a solution region) wrapped by
tests/adversarial/fake.py so that it returns no work of the right shape, or hands back someone else's work:

- zeros, copy, random: zeros, copies of the inputs, random numbers, of the right shape and dtype;
- lookup: the stored fixtures' answers for their inputs (a table copied from the shipped fixtures), zeros
  for any other input;
- lookup_inject: lookup, and the model's parameters replaced at evaluation by parameters trained elsewhere
  (the attack that earned a whole training check);
- inject: the reference's own, correct code, whose parameters are replaced at evaluation: every check but
  training passes, and training must see that the parameters were not trained here;
- fd: the reference, with one layer's backward written as central differences of its own forward (a4: the
  fused cross-entropy): its hidden reference check fails, saying why;
- honest: the reference's own code through the same wrapping (nothing changed): full marks.

``build(kind, key, root)`` writes the submission; ``EXPECTED`` says what each must score.
"""
from __future__ import annotations

import ast
import functools
import shutil
from pathlib import Path

import numpy as np

from grader.fixtures import Fixtures
from grader.specs import ASSIGNMENTS
from tests.adversarial.fake import digest  # the one the submission computes in its own process
from tests.submission import PACKAGES, REFERENCE, copy_submission

HERE = Path(__file__).parent
KINDS = ("zeros", "copy", "random", "lookup", "lookup_inject")
# the layer whose backward the fd submission computes by finite differences, per assignment
FD_TARGET = {"a1": ("a1_bigram", "SoftmaxCrossEntropy"), "a2": ("a2_mlp", "Linear"),
             "a3": ("a3_batchnorm", "BatchNorm1d"), "a4": ("a4_backprop_ninja", "cross_entropy_backward"),
             "a5": ("a5_wavenet", "Linear"), "a6": ("a6_rnn", "SequenceCrossEntropy"),
             "a7": ("a7_transformer", "LayerNorm")}


def written_by_student(source: str) -> set[str]:
    """"function" and "Class.method" of every function whose body holds a solution region."""
    lines = source.splitlines()
    marks = [i + 1 for i, line in enumerate(lines) if "### BEGIN SOLUTION" in line]
    names = set()

    def visit(node, prefix=""):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, child.name + ".")
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if any(child.lineno <= m <= child.end_lineno for m in marks):
                    names.add(prefix + child.name)

    visit(ast.parse(source))
    return names


@functools.lru_cache(maxsize=None)
def fixture_inputs(key: str) -> frozenset:
    """The hashes of every stored fixture's inputs: what a lookup table copied from the fixtures knows."""
    assignment = ASSIGNMENTS[key]
    fixtures = Fixtures(assignment)
    hits = set()
    for check in assignment.checks:
        if check.options.get("source") != "fixture":
            continue
        if check.kind == "agreement":
            hits.update(digest(inputs) for _, _, inputs, _, _ in fixtures.layer_examples(check.unit.label, check.unit))
        else:
            hits.update(digest(args) for _, args, _, _ in fixtures.function_calls(check.unit.label))
    return frozenset(hits)


@functools.lru_cache(maxsize=None)
def trained_elsewhere(key: str) -> dict:
    """Parameters of the training check's model trained by the reference from another start (another
    initialisation seed and other minibatches, twice the steps): good parameters, not trained by this run."""
    from grader.behaviour import training_data
    from grader.checks import load_reference, reference_object
    from grader.training import Schedule, train

    check = next(c for c in ASSIGNMENTS[key].checks if c.kind == "training")
    opts, unit = check.options, check.unit
    splits = training_data(opts["block_size"], opts.get("data", "context"))
    model = reference_object(unit, opts["dims"], unit.params(opts["dims"], np.random.default_rng(12345)))
    optimizer = None
    if opts.get("optimizer"):
        optimizer = load_reference(opts["optimizer"])(model.params, **opts.get("optimizer_args", {}))
    schedule = dict(opts["schedule"], seed=777, steps=2 * opts["schedule"]["steps"])
    train(model, load_reference(opts["loss"])(), *splits.train, Schedule(**schedule), optimizer=optimizer)
    buffers = getattr(model, "buffers", None) or {}  # running statistics (a3, a5): trained elsewhere too
    return {**{k: v.copy() for k, v in model.params.items()}, **{f"buffer:{k}": v.copy() for k, v in buffers.items()}}


def training_class(key: str) -> str:
    check = next(c for c in ASSIGNMENTS[key].checks if c.kind == "training")
    return check.unit.target.rpartition(":")[2]


def build(kind: str, key: str, root: Path) -> Path:
    """The submission ``kind`` for assignment ``key`` under root/KIND_KEY (every package of the kit)."""
    folder = Path(root) / f"{kind}_{key}"
    if folder.exists():
        shutil.rmtree(folder)
    copy_submission(folder, packages=PACKAGES)
    mode = {"lookup_inject": "lookup", "inject": "none", "fd": "none", "honest": "none"}.get(kind, kind)
    helper = (HERE / "fake.py").read_text()
    for package in PACKAGES:
        wrap = set()
        for path in sorted((folder / package).glob("*.py")):
            reference = (REFERENCE / package / path.name).read_text()
            names = written_by_student(reference)
            text = "".join(line for line in reference.splitlines(keepends=True)
                           if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)
            wrap |= names
            if path.name != "__init__.py":  # given modules too: the injected model may be given (a4)
                text += "\nfrom . import _mm_fake as _mm_fake\n_mm_fake.wrap(globals())\n"
            path.write_text(text)
        settings = {"MODE": mode, "WRAP": wrap}
        if kind in ("inject", "lookup_inject"):
            settings["INJECT"] = training_class(key)
        if kind == "lookup" or kind == "lookup_inject":
            settings["HITS"] = set(fixture_inputs(key))
        if kind == "fd" and FD_TARGET[key][0] == package:
            settings["FD"] = FD_TARGET[key][1]
        config = "".join(f"\n{name} = {value!r}\n" for name, value in settings.items())
        (folder / package / "_mm_fake.py").write_text(helper + "\n# -- this submission" + config)
    if kind in ("inject", "lookup_inject"):
        package = ASSIGNMENTS[key].package
        np.savez(folder / package / "pretrained.npz", **trained_elsewhere(key))
    return folder
