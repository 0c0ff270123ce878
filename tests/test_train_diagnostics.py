"""`makemore train mlp_bn --plots` and `makemore train wavenet`, on a few steps (the full runs are scripts:
tests/bench/lecture_runs.py)."""
import builtins

import pytest

from grader.cli import main
from grader.data import load_words


@pytest.fixture
def few_names(tmp_path):
    """400 of the kit's names: evaluating and sampling on the full splits would take most of the time."""
    path = tmp_path / "names.txt"
    path.write_text("\n".join(load_words()[::80]) + "\n")
    return str(path)


def test_mlp_bn_writes_the_diagnostics_plots(tmp_path, capsys, few_names):
    pytest.importorskip("matplotlib")
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
