"""The reference reaches the lectures' numbers on the kit's own names (the full MLP run is marked slow)."""
import numpy as np
import pytest

from grader.data import Vocab, load_splits, load_words
from grader.training import Schedule, evaluate, train
from reference.a1_bigram.counts import bigram_nll, bigram_probs, count_bigrams
from reference.a1_bigram.cross_entropy import SoftmaxCrossEntropy
from reference.a2_mlp.mlp import MLP


def test_bigram_counts_with_add_one_smoothing_match_the_lecture():
    words = load_words()
    vocab = Vocab.from_words(words)
    nll = bigram_nll(bigram_probs(count_bigrams(words, vocab.stoi), 1.0), words, vocab.stoi)
    assert nll == pytest.approx(2.4546, abs=5e-4)  # lecture: 2.4544 on makemore's 2018 names


@pytest.mark.slow
def test_mlp_with_the_lectures_settings_reaches_the_lectures_dev_loss():
    splits = load_splits(block_size=3, seed=42)
    model = MLP(vocab_size=27, block_size=3, n_embd=10, n_hidden=200, rng=np.random.default_rng(2147483647))
    loss_fn = SoftmaxCrossEntropy()
    train(model, loss_fn, *splits.train, Schedule(steps=200_000, batch_size=32, lr=0.1, lr_after_decay=0.01, seed=42))
    dev = evaluate(model, loss_fn, *splits.dev)
    assert dev <= 2.17, dev  # lecture: train 2.126, dev 2.170
