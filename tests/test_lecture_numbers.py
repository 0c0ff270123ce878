"""The reference reaches the lectures' numbers on the kit's own names (the full MLP run is marked slow)."""
import os
from pathlib import Path

import numpy as np
import pytest

from grader.data import Vocab, load_splits, load_words
from grader.training import Schedule, evaluate, train
from reference.a1_bigram.counts import bigram_nll, bigram_probs, count_bigrams
from reference.a1_bigram.cross_entropy import SoftmaxCrossEntropy
from reference.a2_mlp.mlp import MLP


# The lecture (makemore part 1) prints 2.4544 for the add-one-smoothed bigram NLL of makemore's names.txt,
# summed by torch in float32. In float64 the same counts give 2.45458 (makemore's names.txt) and 2.45459 (the
# kit's names, data/build_names.py): the tolerance, 5e-4, covers float32 accumulation and the kit's dataset.
LECTURE_BIGRAM_NLL = 2.4544
TOLERANCE = 5e-4
# makemore's own names.txt, optional and never copied: ../shared/data/names.txt beside the kit, or $MAKEMORE_NAMES
MAKEMORE_NAMES = Path(os.environ.get("MAKEMORE_NAMES") or Path(__file__).resolve().parents[2] / "shared/data/names.txt")


def smoothed_bigram_nll(words) -> float:
    vocab = Vocab.from_words(words)
    return bigram_nll(bigram_probs(count_bigrams(words, vocab.stoi), 1.0), words, vocab.stoi)


def test_bigram_counts_with_add_one_smoothing_match_the_lecture():
    assert smoothed_bigram_nll(load_words()) == pytest.approx(LECTURE_BIGRAM_NLL, abs=TOLERANCE)


@pytest.mark.skipif(not MAKEMORE_NAMES.exists(), reason="makemore's names.txt is not next to the kit")
def test_bigram_counts_on_makemores_own_names_match_the_lecture():
    assert smoothed_bigram_nll(load_words(MAKEMORE_NAMES)) == pytest.approx(LECTURE_BIGRAM_NLL, abs=TOLERANCE)


@pytest.mark.slow
def test_mlp_with_the_lectures_settings_reaches_the_lectures_dev_loss():
    splits = load_splits(block_size=3, seed=42)
    model = MLP(vocab_size=27, block_size=3, n_embd=10, n_hidden=200, rng=np.random.default_rng(2147483647))
    loss_fn = SoftmaxCrossEntropy()
    train(model, loss_fn, *splits.train, Schedule(steps=200_000, batch_size=32, lr=0.1, lr_after_decay=0.01, seed=42))
    dev = evaluate(model, loss_fn, *splits.dev)
    assert dev <= 2.17, dev  # lecture: train 2.126, dev 2.170


# makemore's own names.txt, ../shared/data beside the kit (or beside the folder of worktrees)
KIT = Path(__file__).resolve().parents[1]
SHARED_NAMES = next((p for p in (KIT.parent / "shared/data/names.txt", KIT.parent.parent / "shared/data/names.txt")
                     if p.exists()), KIT.parent / "shared/data/names.txt")


@pytest.mark.slow
@pytest.mark.skipif(not SHARED_NAMES.exists(), reason="makemore's names.txt (../shared/data) is not here")
def test_batchnorm_mlp_with_the_lectures_settings_reaches_the_lectures_dev_loss():
    """Part 3's BatchNorm network, evaluated as the lecture's notebook does: running statistics with momentum
    0.001 (they do not change training, which uses the batch's). About 12 minutes on a loaded 2-core machine
    (tests/bench/lecture_runs.py prints the other evaluations too)."""
    from reference.a3_batchnorm.mlp_bn import BatchNormMLP

    splits = load_splits(SHARED_NAMES, block_size=3, seed=42)
    model = BatchNormMLP(vocab_size=27, block_size=3, n_embd=10, n_hidden=200, n_layers=1,
                         rng=np.random.default_rng(2147483647))
    for bn in model.bns:
        bn.momentum = 0.001  # the notebook's bnmean_running = 0.999 * bnmean_running + 0.001 * bnmeani
    loss_fn = SoftmaxCrossEntropy()
    train(model, loss_fn, *splits.train,
          Schedule(steps=200_000, batch_size=32, lr=0.1, lr_after_decay=0.01, decay_at=100_000, seed=42))
    dev = evaluate(model, loss_fn, *splits.dev)  # eval mode: the running statistics
    # lecture: dev 2.1057 with torch's seed on its split. The kit's NumPy seed on the kit's split reached 2.1123:
    # another draw of the initial weights and minibatches (the next test removes that difference)
    assert dev <= 2.115, dev


@pytest.mark.slow
@pytest.mark.skipif(not SHARED_NAMES.exists(), reason="makemore's names.txt (../shared/data) is not here")
def test_batchnorm_mlp_from_the_lectures_own_random_draws_reaches_its_dev_loss(monkeypatch):
    """The notebook's split, initial weights and minibatches (its torch generator, seed 2147483647), trained and
    evaluated by the kit's reference: the lecture's 2.1057 to within rounding (2.1053 measured)."""
    pytest.importorskip("torch")
    from grader import data
    from grader.training import sgd_step
    from reference.a3_batchnorm.mlp_bn import BatchNormMLP
    from tests.bench.lecture_runs import lecture_split, lecture_start

    monkeypatch.setattr(data, "split_words", lecture_split)
    splits = load_splits(SHARED_NAMES, block_size=3, seed=42)
    assert len(splits.train[0]) == 182625  # the notebook's Xtr
    model = BatchNormMLP(vocab_size=27, block_size=3, n_embd=10, n_hidden=200, n_layers=1)
    for bn in model.bns:
        bn.momentum = 0.001
    loss_fn = SoftmaxCrossEntropy()
    Xtr, Ytr = splits.train
    for step, ix in enumerate(lecture_start(model, len(Xtr), 200_000)):
        loss_fn.forward(model.forward(Xtr[ix]), Ytr[ix])
        model.backward(loss_fn.backward())
        sgd_step(model.params, model.grads, 0.1 if step < 100_000 else 0.01)
    dev = evaluate(model, loss_fn, *splits.dev)
    assert dev <= 2.11, dev
