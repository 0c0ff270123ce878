"""`makemore train mlp_bn --plots` and `makemore train wavenet`, on a few steps (the full runs are scripts:
tests/bench/lecture_runs.py)."""
import builtins

import pytest

from grader.cli import main
from grader.data import load_words
from tests.extras import import_or_skip


@pytest.fixture
def few_names(tmp_path):
    """400 of the kit's names: evaluating and sampling on the full splits would take most of the time."""
    path = tmp_path / "names.txt"
    path.write_text("\n".join(load_words()[::80]) + "\n")
    return str(path)


def test_mlp_bn_writes_the_diagnostics_plots(tmp_path, capsys, few_names):
    import_or_skip("matplotlib")
    assert main(["train", "mlp_bn", "--reference", "--data", few_names, "--steps", "30", "--n-layers", "3", "--n-hidden", "20",
                 "--plots", str(tmp_path), "--samples", "3"]) == 0
    out = capsys.readouterr().out
    for name in ("activations.png", "gradients.png", "update_ratios.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        assert f"wrote {tmp_path / name}" in out
    assert "saturated" in out and "W1" in out and "W4" in out  # the table: 3 hidden layers and the output
    assert "dev   loss" in out and "samples:" in out


def test_without_matplotlib_the_statistics_print_as_a_table(tmp_path, capsys, monkeypatch, few_names):
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.partition(".")[0] == "matplotlib":
            raise ImportError("No module named 'matplotlib'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    assert main(["train", "mlp_bn", "--reference", "--data", few_names, "--steps", "10", "--n-layers", "2", "--n-hidden", "10",
                 "--plots", str(tmp_path / "plots"), "--samples", "1"]) == 0
    captured = capsys.readouterr()
    assert "update-to-data ratio" in captured.out and "layer (tanh)" in captured.out
    assert "matplotlib is not installed" in captured.err
    assert not (tmp_path / "plots" / "activations.png").exists()


def test_wavenet_trains_and_samples_with_the_lecture_sizes(capsys, few_names):
    assert main(["train", "wavenet", "--reference", "--data", few_names, "--steps", "20", "--samples", "2"]) == 0
    out = capsys.readouterr().out
    assert "wavenet: 76579 parameters" in out  # the lecture's model: block 8, embedding 24, hidden 128
    assert "dev   loss" in out and "samples:" in out


# -- the notebooks' Diagnostics cell (data: the training check's option "diagnostics") ---------------------------

def reference_package_files(*packages):
    from grader import KIT_ROOT

    return {f"{pkg}/{p.name}": p.read_text() for pkg in packages
            for p in sorted((KIT_ROOT / "reference" / pkg).glob("*.py"))}


def diagnostics_cells(nb):
    return [c for c in nb.cells if c.metadata.get("makemore", {}).get("shows") == "diagnostics"]


def test_the_notebooks_whose_spec_asks_for_diagnostics_have_the_cell_and_only_they():
    from grader.instructor import notebooks
    from grader.specs import ASSIGNMENTS
    from tests.make_submissions import stub_files

    asking = {key for key, a in ASSIGNMENTS.items() if notebooks.diagnostics_of(a) is not None}
    assert {"a3", "a5"} <= asking  # the issue: "the notebooks show the plots inline"
    for key, assignment in ASSIGNMENTS.items():
        cells = diagnostics_cells(notebooks.build(assignment, stub_files()))
        assert len(cells) == (1 if key in asking else 0), key
        if cells:
            assert cells[0].metadata["makemore"]["role"] == "plot"
            assert "a3_batchnorm/diagnostics.py" in assignment.borrowed_modules() or key == "a3"  # a5 uses a3's
            assert f"plot_diagnostics(key={key!r})" in cells[0].source


CELL_RUNNER = """
import json, sys
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

shell = InteractiveShell.instance()
with capture_output() as captured:
    result = shell.run_cell(sys.stdin.read())
print(json.dumps({"images": [o.data["image/png"] for o in captured.outputs if "image/png" in o.data],
                  "stdout": captured.stdout, "error": repr(result.error_in_exec)}))
"""


def test_the_a3_diagnostics_cell_runs_headless_and_shows_the_three_plots_inline(tmp_path):
    """The generated cell, run by IPython (no Jupyter needed) on the notebook of a solved a3, with a short
    budget: the three PNGs are displayed inline, the table printed above them."""
    import_or_skip("matplotlib")
    pytest.importorskip("IPython")
    import base64
    import json
    import os
    import subprocess
    import sys

    import nbformat

    from grader import KIT_ROOT
    from grader.instructor import notebooks
    from grader.specs import resolve

    nb = notebooks.build(resolve("a3"), reference_package_files("a1_bigram", "a3_batchnorm"))
    path = tmp_path / "a3_batchnorm.ipynb"
    nbformat.write(nb, str(path))
    (cell,) = diagnostics_cells(nb)
    source = cell.source.replace("key='a3')", "key='a3', steps=40)")  # the cell as generated, a shorter run
    env = dict(os.environ, PYTHONPATH=str(KIT_ROOT), MPLBACKEND="Agg", JPY_SESSION_NAME=str(path))
    run = subprocess.run([sys.executable, "-c", CELL_RUNNER], input=source, capture_output=True, text=True,
                         cwd=tmp_path, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    shown = json.loads(run.stdout.splitlines()[-1])
    assert shown["error"] == "None", shown
    assert len(shown["images"]) == 3, shown["stdout"]
    for image in shown["images"]:
        assert base64.b64decode(image)[:8] == b"\x89PNG\r\n\x1a\n"
    assert "layer (tanh)" in shown["stdout"] and "W6" in shown["stdout"]  # the lecture's 5 layers and the output


def test_a5_diagnostics_record_the_tanh_layers_of_a_sequential():
    """a5's WaveNet keeps no h/dh: its three Tanh layers are recorded as they pass, each h the layer's output
    and dh the gradient that reaches it, and the layers' own methods are back afterwards."""
    import numpy as np

    from grader import train_diagnostics as diag
    from reference.a1_bigram.cross_entropy import SoftmaxCrossEntropy
    from reference.a3_batchnorm.diagnostics import activation_stats, gradient_stats
    from reference.a5_wavenet.wavenet import WaveNet

    rng = np.random.default_rng(0)
    model = WaveNet(vocab_size=7, block_size=8, n_embd=4, n_hidden=6, rng=rng)
    X, Y = rng.integers(0, 7, size=(40, 8)), rng.integers(0, 7, size=40)
    rows = diag.layer_statistics(model, SoftmaxCrossEntropy(), X, Y, activation_stats, gradient_stats,
                                 batch_size=16)
    tanhs = [layer for layer in model.layers if type(layer).__name__ == "Tanh"]
    assert [r["layer"] for r in rows] == [1, 2, 3] and len(tanhs) == 3
    for row, layer, positions in zip(rows, tanhs, (4, 2, 1)):
        assert row["h"].shape == (16 * positions, 6)  # (B, T, C) as one row per position
        np.testing.assert_array_equal(row["h"], layer.out.reshape(-1, 6))
        assert row["std"] == pytest.approx(layer.out.std()) and 0 < row["grad_std"]
        assert "forward" not in vars(layer) and "backward" not in vars(layer)
    assert rows[0]["dh"].std() != rows[2]["dh"].std()  # each layer's own gradient
