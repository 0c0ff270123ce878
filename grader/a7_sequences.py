"""Sequence examples in makemore.py's format and their split, for a7 (the Transformer).

TEMPORARY: to be replaced by a6's grader/data.py sequence examples and masked loss at merge (issue 13 puts
them next to the context-window examples). Kept private and minimal so the lead can swap the imports.

makemore.py's CharDataset: each word becomes one row of block_size = longest word + 1 tokens. The input is the
boundary token 0 followed by the word (padded with 0), the target is the word followed by 0, and target
positions past that are -1 (ignored by the loss).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grader.data import Vocab, load_words


def build_sequences(words: list[str], vocab: Vocab, block_size: int) -> tuple[np.ndarray, np.ndarray]:
    """X: (n, block_size) int64, Y: (n, block_size) int64 with -1 past each word's end; n = len(words)."""
    X = np.zeros((len(words), block_size), dtype=np.int64)
    Y = np.full((len(words), block_size), -1, dtype=np.int64)
    for i, word in enumerate(words):
        ids = vocab.encode(word)
        if len(ids) + 1 > block_size:
            raise ValueError(f"{word!r} needs block_size >= {len(ids) + 1}, got {block_size}")
        X[i, 1:1 + len(ids)] = ids
        Y[i, :len(ids)] = ids
        Y[i, len(ids)] = 0
    return X, Y


@dataclass
class SequenceSplits:
    """vocab, block_size and (X, Y) of train and test; ``dev`` is the test split (makemore.py keeps no third)."""

    vocab: Vocab
    block_size: int
    train: tuple[np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray]

    @property
    def dev(self) -> tuple[np.ndarray, np.ndarray]:
        return self.test


def load_sequence_splits(path=None, seed: int = 3407) -> SequenceSplits:
    """makemore.py's split: the words shuffled with ``seed`` (NumPy's generator), the last min(1000, 10 %) are
    the test set, the rest train; sequences of block_size = longest word of the whole file + 1. The same
    arrays as a6's grader/data.py load_sequence_splits."""
    words = load_words(path)
    vocab = Vocab.from_words(words)
    block_size = max(map(len, words)) + 1
    order = np.random.default_rng(seed).permutation(len(words))
    n_test = min(1000, int(len(words) * 0.1))
    train = [words[i] for i in order[:-n_test]]
    test = [words[i] for i in order[-n_test:]]
    return SequenceSplits(vocab, block_size, build_sequences(train, vocab, block_size),
                          build_sequences(test, vocab, block_size))


def masked_mean_loss(model, loss_fn, X: np.ndarray, Y: np.ndarray, chunk: int = 1000) -> float:
    """The mean loss over every valid (target != -1) position of (X, Y), as makemore.py's evaluate does over
    its batches, weighting each chunk by its number of valid positions."""
    total, count = 0.0, 0
    for start in range(0, len(X), chunk):
        y = Y[start:start + chunk]
        n = int((y != -1).sum())
        total += loss_fn.forward(model.forward(X[start:start + chunk]), y) * n
        count += n
    return total / max(count, 1)


def sample_sequences(model, itos, num: int, seed: int = 2147483647) -> list[str]:
    """``num`` words from a model that maps (N, T) token ids to (N, T, V) logits: start from the boundary
    token 0, sample each next token from the softmax of the last position's logits, stop at 0 or after
    block_size tokens (makemore.py's generate, all words at once)."""
    rng = np.random.default_rng(seed)
    idx = np.zeros((num, 1), dtype=np.int64)
    for _ in range(model.block_size - 1):
        logits = np.asarray(model.forward(idx), dtype=np.float64)[:, -1]
        probs = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        draws = (probs.cumsum(axis=1) < rng.random((num, 1))).sum(axis=1)
        idx = np.concatenate([idx, np.minimum(draws, probs.shape[1] - 1)[:, None]], axis=1)
    words = []
    for row in idx[:, 1:]:
        ends = np.flatnonzero(row == 0)
        words.append("".join(itos[i] for i in row[:ends[0] if len(ends) else len(row)]))
    return words
