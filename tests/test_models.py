"""The model registry (grader/models/) and `makemore compare`: one place says each model's sizes, schedule and
PyTorch twin; every consumer reads it; compare shows a correct model equal to PyTorch's and a buggy one diverging
exactly where the bug is."""
import json
import re

import numpy as np
import pytest

from grader import KIT_ROOT, models
from grader.cli import build_parser, main
from grader.specs import ASSIGNMENTS
from tests.submission import copy_submission

ENTRIES = models.all_models()


def test_every_assignment_with_a_training_model_is_registered_once():
    names = [m.name for m in ENTRIES]
    assert len(names) == len(set(names))
    assert {m.assignment for m in ENTRIES} <= set(ASSIGNMENTS)
    for m in ENTRIES:
        assert ":" in m.target and m.target.split(".")[0] == ASSIGNMENTS[m.assignment].package, m.name


def test_train_offers_every_registered_model_and_its_sizes():
    train = build_parser()._subparsers._group_actions[0].choices["train"]
    model = next(a for a in train._actions if a.dest == "model")
    assert set(model.choices) == {"bigram", *(m.name for m in ENTRIES)}
    options = {a.dest for a in train._actions}
    assert all(size in options for m in ENTRIES for size in m.sizes)
    assert all(m.help_line() in train.epilog for m in ENTRIES)


def size_literals(entry):
    """How a model's lecture sizes would look written out elsewhere: "n_hidden": 200 or n_hidden=200."""
    return [re.compile(rf"""["']?{k}["']?\s*[:=]\s*{v}\b""") for k, v in entry.sizes.items() if k != "block_size"]


def test_no_models_sizes_appear_outside_the_registry():
    """A lecture size written twice drifts: the registry is the one place (training checks use their own, smaller
    sizes, named as such in grader/specs)."""
    found = []
    for path in (KIT_ROOT / "grader").rglob("*.py"):
        if "models" in path.relative_to(KIT_ROOT / "grader").parts[:1] or "specs" in path.parts:
            continue
        text = path.read_text()
        for entry in ENTRIES:
            for pattern in size_literals(entry):
                if len(entry.sizes) > 1 and pattern.search(text):
                    found.append(f"{path.relative_to(KIT_ROOT)}: {pattern.pattern}")
    assert not found, found


@pytest.fixture(scope="module")
def few_names(tmp_path_factory):
    """The first 400 names of the kit's list: enough for every split, cheap to evaluate."""
    path = tmp_path_factory.mktemp("data") / "names.txt"
    path.write_text("\n".join((KIT_ROOT / "data" / "names.txt").read_text().split()[:400]) + "\n")
    return str(path)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda m: m.name)
def test_every_entry_trains_a_few_steps_from_the_reference(entry, few_names, capsys):
    assert main(["train", entry.name, "--reference", "--steps", "3", "--samples", "1", "--log-every", "1",
                 "--data", few_names, *(["--n-layer", "1"] if entry.name == "transformer" else [])]) == 0
    out = capsys.readouterr().out
    assert f"{entry.name}:" in out and re.search(r"test\s+loss \d|final loss \d", out)




def needs_torch():
    return pytest.importorskip("torch", reason="makemore compare compares with PyTorch (the optional oracle)")


@pytest.mark.parametrize("name", ["a1", "a2", "a3", "a4", "a5", "gru", "a7"])
def test_compare_finds_the_reference_equal_to_pytorch(name, tmp_path):
    needs_torch()
    out = tmp_path / "c.json"
    assert main(["compare", name, "--reference", "--json", str(out), "--json-only"]) == 0
    result = json.loads(out.read_text())
    assert result["first_divergence"] is None and len(result["rows"]) >= 4
    assert all(row["same"] and row["max_rel"] < 1e-6 for row in result["rows"])


def test_compare_points_at_the_first_wrong_value_of_a_buggy_student(tmp_path, capsys):
    """A Linear whose bias gradient is the mean over the batch: the logits, loss, dlogits and grads['W2'] agree,
    and the first divergence is grads['b2'], the bias of the output layer, computed by the buggy line."""
    needs_torch()
    sub = copy_submission(tmp_path / "s", ("a2_mlp/linear.py", 'self.grads["bias"] = dout.sum(axis=0)',
                                           'self.grads["bias"] = dout.mean(axis=0)'))
    assert main(["compare", "a2", "--submission", str(sub), "--json", str(tmp_path / "c.json")]) == 1
    result = json.loads((tmp_path / "c.json").read_text())
    assert result["first_divergence"] == "grads['b2']"
    rows = {row["name"]: row for row in result["rows"]}
    assert rows["logits"]["same"] and rows["dlogits"]["same"] and not rows["grads['b1']"]["same"]
    assert "first divergence: grads['b2'] (backward)" in capsys.readouterr().out


def test_compare_side_by_side_training_gives_the_same_losses(tmp_path):
    needs_torch()
    out = tmp_path / "c.json"
    assert main(["compare", "a2", "--reference", "--steps", "5", "--json", str(out), "--json-only"]) == 0
    training = json.loads(out.read_text())["training"]
    np.testing.assert_allclose(training["yours"], training["pytorch"], rtol=1e-9)
    assert training["step_time_ratio"] > 0


def test_compare_without_torch_says_how_to_install_it(monkeypatch, capsys):
    import builtins

    real = builtins.__import__

    def no_torch(name, *args, **kwargs):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("No module named 'torch'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    assert main(["compare", "a2", "--reference"]) == 2
    assert "pip install torch" in capsys.readouterr().err
