"""`makemore bench` and the fast training path: structure and dtypes, never speed (no timed assertions)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from grader import bench
from grader.bench import runs
from grader.bench.models import discover
from grader.bench.registry import context_batch, sequence_batch
from grader.runner import grade_assignment
from grader.specs import ASSIGNMENTS
from grader.training import Schedule, cast_params, evaluate, minibatch_blocks, minibatches, train
from reference.a1_bigram.bigram_net import BigramNet
from reference.a1_bigram.cross_entropy import SoftmaxCrossEntropy
from reference.a2_mlp.mlp import MLP
from tests.corpus.bugs import Bug, apply, build_submission


def test_cast_params_keeps_the_layers_and_the_model_on_the_same_arrays():
    model = cast_params(MLP(vocab_size=7, block_size=2, n_embd=3, n_hidden=5), np.float32)
    assert {v.dtype for v in model.params.values()} == {np.dtype(np.float32)}
    assert model.params["C"] is model.embedding.params["weight"]
    assert model.params["W1"] is model.hidden.params["weight"] and model.params["b2"] is model.output.params["bias"]
    before = model.hidden.params["weight"].copy()
    model.params["W1"] -= 1.0  # the optimiser's in-place update reaches the layer
    np.testing.assert_array_equal(model.hidden.params["weight"], before - 1.0)


def test_cast_params_to_the_dtype_they_have_keeps_the_very_arrays():
    """`makemore train transformer` builds the student's AdamW on model.params before the loop casts: a cast that
    copied arrays already of the right dtype would leave the optimiser updating arrays the model no longer uses."""
    model = MLP(vocab_size=7, block_size=2, n_embd=3, n_hidden=5)
    held_by_an_optimiser = dict(model.params)
    cast_params(model, np.float64)
    assert all(model.params[k] is held_by_an_optimiser[k] for k in held_by_an_optimiser)


@pytest.mark.parametrize("make", [lambda: MLP(vocab_size=7, block_size=2, n_embd=3, n_hidden=5),
                                  lambda: BigramNet(vocab_size=7)], ids=["mlp", "bigram_net"])
def test_a_float32_model_stays_float32_through_a_training_step(make):
    """No float64 creeps in on the fast path: every activation and gradient keeps the parameters' dtype."""
    model, loss_fn = cast_params(make(), np.float32), SoftmaxCrossEntropy()
    X, Y = context_batch({"vocab_size": 7, "block_size": getattr(model, "block_size", 1)}, 16,
                         np.random.default_rng(0))
    logits = model.forward(X)
    loss_fn.forward(logits, Y)
    dlogits = loss_fn.backward()
    model.backward(dlogits)
    assert logits.dtype == dlogits.dtype == np.float32
    assert {k: g.dtype for k, g in model.grads.items()} == {k: np.dtype(np.float32) for k in model.params}


def test_float32_training_follows_float64_training():
    """The same run in both dtypes: float32 is a faster path to the same model, not another model."""
    rng = np.random.default_rng(0)
    X = rng.integers(0, 27, size=(2000, 3))
    Y = X[:, 2]  # learnable: the next token repeats the last one
    losses = {}
    for dtype in (np.float64, np.float32):
        model = cast_params(MLP(n_hidden=32, rng=np.random.default_rng(1)), dtype)
        train(model, SoftmaxCrossEntropy(), X, Y, Schedule(steps=300, batch_size=32, lr=0.5, seed=3))
        losses[dtype] = evaluate(cast_params(model, np.float64), SoftmaxCrossEntropy(), X, Y)
    assert losses[np.float64] < 2.5  # it learned (log 27 = 3.30)
    assert losses[np.float32] == pytest.approx(losses[np.float64], abs=2e-3)


SCATTER_ADD = [  # the reference's one-hot products written as the hints also allow: np.add.at
    Bug("embedding_add_at", "a2_mlp/embedding.py", "dweight = onehot.T @ dout.reshape(-1, dout.shape[-1])",
        "dweight = np.zeros_like(self.params['weight'])\n        np.add.at(dweight, self.idx, dout)",
        "embedding.gradcheck", ""),
    Bug("bigram_net_add_at", "a1_bigram/bigram_net.py", "dW = onehot.T @ dlogits",
        "dW = np.zeros_like(self.params['W'])\n        np.add.at(dW, self.idx, dlogits)", "bigram_net.gradcheck", ""),
]


@pytest.mark.parametrize("variant", SCATTER_ADD, ids=[v.name for v in SCATTER_ADD])
def test_np_add_at_is_as_right_as_the_one_hot_product(variant, tmp_path):
    submission = build_submission(None, tmp_path)
    apply(variant, submission)
    unit = variant.failing_check.partition(".")[0]
    assignment = ASSIGNMENTS[variant.assignment]
    names = [c.name for c in assignment.checks if c.name.startswith(unit + ".")]
    result = grade_assignment(assignment, submission, checks=names)
    assert [(o.name, o.status) for o in result.outcomes] == [(n, "passed") for n in names]


def fits_one_batch(step, X, Y) -> bool:
    """Ten steps on one minibatch lower its loss: the step runs forward, backward and the update."""
    first = float(step(X, Y))
    for _ in range(9):
        last = float(step(X, Y))
    return last < first


def test_the_minibatch_blocks_hold_the_indices_of_one_draw_per_step():
    """The loop draws a block of minibatches per call: the run must stay the one a draw per step gives."""
    schedule = Schedule(steps=2500, batch_size=7, seed=5)
    rng = np.random.default_rng(5)
    per_step = [rng.integers(0, 1000, size=7) for _ in range(2500)]
    blocks = list(minibatch_blocks(1000, schedule))
    assert len(blocks) == 3 and blocks[-1].shape == (2500 - 2 * 1024, 7)
    np.testing.assert_array_equal(np.concatenate(blocks), per_step)
    np.testing.assert_array_equal(np.stack(list(minibatches(1000, schedule))), per_step)


def test_sequence_batches_have_makemore_format():
    X, Y = sequence_batch({"vocab_size": 5, "block_size": 6}, 50, np.random.default_rng(0))
    assert X.shape == Y.shape == (50, 6) and X.dtype == Y.dtype == np.int64
    assert (X[:, 0] == 0).all()
    for x, y in zip(X, Y):
        length = int(np.argmax(y == 0))  # the word ends where its target is the boundary token
        assert 1 <= length <= 5 and (y[length + 1:] == -1).all() and (x[length + 1:] == 0).all()
        np.testing.assert_array_equal(x[1:length + 1], y[:length])
        assert (y[:length] > 0).all()


def test_every_assignment_with_a_trained_model_is_in_the_bench():
    assert [(m.name, m.assignment) for m in discover()] == [
        ("bigram-net", "a1"), ("mlp", "a2"), ("mlp_bn", "a3"), ("wavenet", "a5"), ("rnn", "a6"), ("gru", "a6"),
        ("lstm", "a6"), ("transformer", "a7")]


def test_every_registered_model_builds_and_learns():
    models = discover()
    for model in models:
        X, Y = model.batch(model.dims, 8, np.random.default_rng(0))
        assert fits_one_batch(model.numpy(model.dims, np.float32, model.lr), X, Y), model.name
        assert model.flops(model.dims, 4) > 0
        for key in model.scaling.values():
            assert key in model.dims


def test_bench_quick_writes_markdown_and_json_with_every_figure(tmp_path):
    # without torch: its import alone takes seconds; the twins are tested in-process below
    result = bench.run(bench.quick_options(out=tmp_path, models=("mlp",), no_torch=True, log=lambda line: None))
    saved = json.loads((tmp_path / "bench.json").read_text())
    assert saved["machine"]["numpy"] == np.__version__
    (run,) = saved["steps"]
    assert run["threads"] == 1 and set(run["gemm"]) == {"float32"} and run["gemm"]["float32"] > 0
    assert {r["model"] for r in run["steps"]} == {"mlp"}
    for row in run["steps"]:
        assert row["numpy_s"] > 0 and row["flops"] > 0
        assert row["ratio"] is None and row["torch_s"] is None
    assert {(s["model"], s["axis"]) for s in run["scaling"]} >= {("mlp", "batch"), ("mlp", "embedding width"),
                                                                 ("mlp", "context length")}
    for s in run["scaling"]:
        assert len(s["numpy_s"]) == 3 and len(s["growth"]) == 2
    md = (tmp_path / "bench.md").read_text()
    assert "| model | dtype | batch | threads | NumPy | PyTorch |" in md and "| mlp | float32 | 32 | 1 |" in md
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{bench.README_BEGIN}\nold table\n{bench.README_END}\noutro\n")
    assert bench.rewrite_readme(result, readme)
    text = readme.read_text()
    assert "old table" not in text and "| mlp | float32 | 32 | 1 |" in text and text.endswith(f"{bench.README_END}\noutro\n")


@pytest.mark.parametrize("name", [m.name for m in discover()])
def test_each_torch_twin_is_the_reference_model(name):
    """Same weights, same architecture, same update: three SGD steps give the reference's losses in float64 (a
    twin with another layer order, scale, mask or statistic would differ at the first or second step), on
    the NumPy minibatches, at sizes halved so that a size the twin ignores shows too."""
    torch = pytest.importorskip("torch")
    model = next(m for m in discover() if m.name == name)
    dims = {**model.dims, **{key: model.dims[key] // 2 for key in model.scaling.values()}}
    X, Y = model.batch(dims, 6, np.random.default_rng(1))
    numpy_step, torch_step = model.numpy(dims, np.float64, model.lr), model.torch(dims, torch.float64, model.lr)
    for _ in range(3):
        assert float(torch_step(X, Y)) == pytest.approx(float(numpy_step(X, Y)), rel=1e-9, abs=1e-12), name


def test_makemore_train_reports_its_dtype_and_float64_losses(capsys):
    from grader.cli import main

    dtype = "float32"

    assert main(["train", "mlp", "--reference", "--steps", "200", "--n-hidden", "16", "--dtype", dtype,
                 "--samples", "2", "--log-every", "100"]) == 0
    out = capsys.readouterr().out
    assert f"200 steps of SGD lr 0.1 in {dtype}" in out
    dev = float(out.split("dev   loss ")[1].split()[0])
    assert 2.0 < dev < 3.3  # learned something from log(27) = 3.30 in 200 steps


def test_training_keeps_freed_memory_where_glibc_allows():
    """train() asks glibc's malloc (once per process) to reuse freed memory: large temporaries are otherwise
    mapped fresh every step (grader/training.py reuse_freed_memory)."""
    import platform
    import sys

    from grader.training import reuse_freed_memory

    expected = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert reuse_freed_memory() is expected
    assert reuse_freed_memory() is expected  # the second call changes nothing and answers the same


def test_grading_figures_merged_from_another_run_say_when_they_were_measured():
    from grader.bench import tables

    steps_run = {"when": "2026-11-29 11:30 UTC", "options": {"grading": False}, "steps": [], "training": [],
                 "grading": [], "batch": [], "load_before": 4.7, "load_after": 7.3}
    grading_run = {"when": "2026-11-29 12:40 UTC", "load_before": 2.5, "load_after": 3.0, "batch": [],
                   "grading": [{"assignment": "a2", "checks": "all", "wall_s": 5.0, "cpu_s": 4.0,
                                "peak_rss_mib": 100.0, "score": [100, 100]}]}
    merged = tables.merge_grading(steps_run, grading_run)
    lines = "\n".join(tables.grading_section(merged))
    assert "separate run, 2026-11-29 12:40 UTC, load average 2.5" in lines and "| a2 | all | 5.0 s |" in lines
    assert merged["options"]["grading"] and not tables.skipped(merged)  # the caption no longer says "not measured"
    assert "separate run" not in "\n".join(tables.grading_section(grading_run))  # a single run needs no label


def test_feedback_ratios_interleave_the_three_commands_and_report_them_with_the_load(monkeypatch, tmp_path):
    """`makemore bench` times `makemore grade a2 linear` and `makemore grade a2` against `python -c "import
    numpy"`, round by round in that order, and reports both ratios against their targets with the load
    (the timings are faked here: speed is never asserted)."""
    from grader.bench import feedback, tables

    seconds = {"numpy": 0.1, "linear": 0.4, "a2": 2.0}
    ran = []

    def fake_run(cmd, env):
        name = "numpy" if cmd[1] == "-c" else cmd[-1]
        ran.append(name)
        if name != "numpy":
            json_path = cmd[cmd.index("--json") + 1]
            with open(json_path, "w") as f:
                json.dump({"score": 15, "max_score": 15}, f)
        return {"returncode": 0, "seconds": seconds[name], "cpu_s": seconds[name] / 2, "stderr": ""}

    monkeypatch.setattr(runs, "run_measured", fake_run)
    result = feedback.measure(rounds=2, log=lambda line: None)
    assert ran == ["numpy", "linear", "a2"] * 2
    assert result["ratio"] == pytest.approx({"unit": 4.0, "assignment": 20.0})
    text = "\n".join(tables.feedback_section({"feedback": result}))
    assert "| `makemore grade a2 linear` (public checks) | 0.40 s | 4.0x ✓ | ≤ 5x |" in text
    assert "| `makemore grade a2` (public checks) | 2.00 s | 20.0x ✗ | ≤ 15x |" in text
    assert f"load average {result['load_before']:.1f} before" in text
    assert "--reference" in feedback.commands("r.json")["unit"] and "--public-only" in feedback.commands("r.json")["unit"]
