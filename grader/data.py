"""The names data: read words, build the vocabulary, make examples, split.

Conventions (the same in the lectures): '.' is the boundary token at index 0, the other characters follow in
sorted order, so the names dataset has 27 tokens. Two kinds of examples:

- context windows (a1, a2, ...): a context of ``block_size`` token ids and the id of the token that follows;
  a word of length L gives L + 1 examples (the last one predicts '.'). ``build_examples``, ``load_splits``.
- sequences (a6 recurrent nets, a7 Transformer), makemore.py's format: one row per word, ``block_size`` =
  longest word + 1; the input is 0 followed by the word, the target is the word followed by 0, and target
  positions past the end are -1 (ignored by the loss). ``build_sequences``, ``load_sequence_splits``, with
  makemore.py's split: 1000 test words or 10 %, whichever is smaller (``split_train_test``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

BOUNDARY = "."


class DataError(ValueError):
    """A data file or word list the kit cannot use; the message says why and where."""


PACKAGED_NAMES = Path(__file__).resolve().parent / "_data" / "names.txt"  # in a wheel (setup.py puts it there)


def default_names_path() -> Path:
    """The kit's names: $MAKEMORE_DATA if set; else ``data/names.txt``, found through the package when the
    kit is installed from a wheel (``grader/_data/names.txt``), or in the checkout."""
    if "MAKEMORE_DATA" in os.environ:
        return Path(os.environ["MAKEMORE_DATA"])
    if PACKAGED_NAMES.exists():
        return PACKAGED_NAMES
    from grader import KIT_ROOT

    return KIT_ROOT / "data" / "names.txt"


def load_words(path: str | os.PathLike | None = None) -> list[str]:
    """Read one item per line from a UTF-8 text file; blank lines are skipped, surrounding spaces stripped.

    Returns: list[str], in file order. Raises DataError for a missing path, a directory, undecodable bytes
    or a file with no words.
    """
    path = Path(path) if path is not None else default_names_path()
    if path.is_dir():
        raise DataError(f"{path} is a directory; expected a text file with one word per line")
    if not path.exists():
        raise DataError(f"{path} does not exist")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise DataError(f"{path} is not UTF-8 text (byte {err.start}): save it as UTF-8") from None
    words = [line.strip() for line in text.splitlines()]
    words = [w for w in words if w]
    if not words:
        raise DataError(f"{path} has no words (it is empty or blank)")
    return words


@dataclass(frozen=True)
class Vocab:
    """Token ids for characters: ``itos[0] == '.'``, then the characters in sorted order.

    stoi: dict[str, int] and itos: list[str], inverse of each other; ``len(vocab)`` tokens.
    """

    itos: tuple[str, ...]

    @classmethod
    def from_words(cls, words: list[str]) -> "Vocab":
        chars = sorted(set("".join(words)))
        if BOUNDARY in chars:
            bad = next(w for w in words if BOUNDARY in w)
            raise DataError(f"the word {bad!r} contains {BOUNDARY!r}, which is reserved as the boundary token")
        return cls((BOUNDARY, *chars))

    @cached_property
    def stoi(self) -> dict[str, int]:
        return {ch: i for i, ch in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, word: str) -> list[int]:
        """Token ids of ``word`` (without boundaries). Raises DataError on a character outside the vocabulary."""
        stoi = self.stoi
        for ch in word:
            if ch not in stoi:
                raise DataError(f"character {ch!r} in {word!r} is not in the vocabulary ({''.join(self.itos)})")
        return [stoi[ch] for ch in word]

    def decode(self, ids) -> str:
        return "".join(self.itos[int(i)] for i in ids)


def build_examples(words: list[str], vocab: Vocab, block_size: int) -> tuple[np.ndarray, np.ndarray]:
    """(context, target) pairs for next-character prediction.

    Returns X: (n, block_size) int64, the previous ``block_size`` ids, left-padded with 0 ('.');
    Y: (n,) int64, the id that follows. n = sum(len(w) + 1 for w in words).
    """
    if block_size < 1:
        raise DataError(f"block_size must be at least 1, got {block_size}")
    # Vectorised (a Python loop over the 230k examples was a tenth of a grading's CPU): each word is laid out
    # as block_size zeros then its ids, all words end to end with one more 0 at the very end; example k of a
    # word is the window of block_size ids starting k after the word's start, and its target the id after it
    # (for k = len(word), the next word's first 0, or the final one: the '.' that ends the word).
    if not words:
        return np.zeros((0, block_size), dtype=np.int64), np.zeros(0, dtype=np.int64)
    codes = encode_all(words, vocab)
    lengths = np.fromiter((len(w) for w in words), dtype=np.int64, count=len(words))
    starts = np.concatenate(([0], np.cumsum(lengths + block_size)[:-1])).astype(np.int64)
    laid = np.zeros(int((lengths + block_size).sum()) + 1, dtype=np.int64)
    char_offsets = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
    laid[np.repeat(starts + block_size - char_offsets, lengths) + np.arange(len(codes))] = codes
    per_word = lengths + 1
    example_offsets = np.concatenate(([0], np.cumsum(per_word)[:-1])).astype(np.int64)
    first = np.repeat(starts - example_offsets, per_word) + np.arange(int(per_word.sum()))
    X = laid[first[:, None] + np.arange(block_size)]
    Y = laid[first + block_size]
    return X.reshape(-1, block_size), Y


def encode_all(words: list[str], vocab: Vocab) -> np.ndarray:
    """The ids of every character of ``words``, end to end, (sum of lengths,) int64. Raises DataError (with
    ``Vocab.encode``'s message) on a character outside the vocabulary."""
    text = "".join(words)
    stoi = vocab.stoi
    unknown = set(text) - stoi.keys()
    if unknown:
        for word in words:
            if not set(word).isdisjoint(unknown):
                vocab.encode(word)  # raises with the word and the character
    chars = sorted(stoi, key=ord)
    points = np.array([ord(c) for c in chars], dtype=np.uint32)
    ids = np.array([stoi[c] for c in chars], dtype=np.int64)
    text_points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    return ids[np.searchsorted(points, text_points)]


def split_words(words: list[str], seed: int = 42, fractions=(0.8, 0.1, 0.1)) -> tuple[list[str], list[str], list[str]]:
    """Shuffle a copy of ``words`` with ``seed`` and cut it into train/dev/test (80/10/10 by default).

    Deterministic: the same words and seed give the same split on every machine.
    """
    if abs(sum(fractions) - 1.0) > 1e-9 or len(fractions) != 3:
        raise DataError(f"fractions must be three numbers summing to 1, got {fractions}")
    order = np.random.default_rng(seed).permutation(len(words))
    shuffled = [words[i] for i in order]
    n1 = int(fractions[0] * len(words))
    n2 = int((fractions[0] + fractions[1]) * len(words))
    return shuffled[:n1], shuffled[n1:n2], shuffled[n2:]


IGNORE_INDEX = -1  # a target that no loss counts (PyTorch's cross_entropy(..., ignore_index=-1), makemore.py)


def sequence_block_size(words: list[str]) -> int:
    """makemore.py's block_size for sequences: the longest word plus one (for the boundary token)."""
    if not words:
        raise DataError("no words to build sequences from")
    return max(len(w) for w in words) + 1


def build_sequences(words: list[str], vocab: Vocab, block_size: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """makemore.py's ``CharDataset`` rows: one (input, target) pair of sequences per word.

    For a word w of length L (ids w_1..w_L), with T = block_size:
      X[i] = [0, w_1, ..., w_L, 0, ..., 0]       (T,) int64: the boundary token, the word, 0-padding
      Y[i] = [w_1, ..., w_L, 0, -1, ..., -1]      (T,) int64: the word, the boundary token, then IGNORE_INDEX
    so position t of X predicts position t of Y, and a word has exactly L + 1 counted targets.

    Returns X, Y: (len(words), T) int64. block_size: default ``sequence_block_size(words)``; a word longer
    than block_size - 1 raises DataError (pass the block size of the whole dataset when building one split).
    """
    block_size = sequence_block_size(words) if block_size is None else block_size
    X = np.zeros((len(words), block_size), dtype=np.int64)
    Y = np.full((len(words), block_size), IGNORE_INDEX, dtype=np.int64)
    for i, word in enumerate(words):
        ids = vocab.encode(word)
        if len(ids) + 1 > block_size:
            raise DataError(f"the word {word!r} has {len(ids)} characters, too long for block_size {block_size} "
                            "(it needs len(word) + 1)")
        X[i, 1:1 + len(ids)] = ids
        Y[i, :len(ids)] = ids
        Y[i, len(ids)] = 0
    return X, Y


def test_set_size(n_words: int) -> int:
    """makemore.py's test split size: 10 % of the words, at most 1000 (``min(1000, int(n * 0.1))``)."""
    return min(1000, int(n_words * 0.1))


def split_train_test(words: list[str], seed: int = 3407) -> tuple[list[str], list[str]]:
    """makemore.py's split: shuffle a copy of ``words`` with ``seed`` (NumPy's generator, so not the same
    permutation as torch.randperm's), the last ``test_set_size`` words are the test set, the rest train.

    Returns (train_words, test_words). Deterministic for the same words and seed. The default seed is
    makemore.py's default --seed.
    """
    n_test = test_set_size(len(words))
    if n_test < 1:
        raise DataError(f"{len(words)} words are too few for a test set (10 % rounds down to 0)")
    order = np.random.default_rng(seed).permutation(len(words))
    shuffled = [words[i] for i in order]
    return shuffled[:-n_test], shuffled[-n_test:]


@dataclass
class SequenceSplits:
    """Everything a sequence model's training run needs, makemore.py's way: vocabulary, block_size, the words
    of each split and their (X, Y) sequences (each (n_words, block_size) int64, see ``build_sequences``).

    ``dev`` is the test split: makemore.py keeps no third set, and the kit's loop evaluates on ``dev``.
    """

    vocab: Vocab
    block_size: int
    train_words: list[str]
    test_words: list[str]
    train: tuple[np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray]

    @property
    def dev(self) -> tuple[np.ndarray, np.ndarray]:
        return self.test


def load_sequence_splits(path=None, seed: int = 3407) -> SequenceSplits:
    """Read ``path`` (the kit's names by default), split it as makemore.py does (``split_train_test``) and
    build the sequences with block_size = longest word of the whole file + 1."""
    words = load_words(path)
    vocab = Vocab.from_words(words)
    block_size = sequence_block_size(words)
    train_words, test_words = split_train_test(words, seed)
    return SequenceSplits(vocab, block_size, train_words, test_words,
                          build_sequences(train_words, vocab, block_size), build_sequences(test_words, vocab, block_size))


@dataclass
class Splits:
    """Everything a training run needs: vocabulary and (X, Y) for train/dev/test."""

    vocab: Vocab
    block_size: int
    train: tuple[np.ndarray, np.ndarray]
    dev: tuple[np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray]


def load_splits(path=None, block_size: int = 3, seed: int = 42) -> Splits:
    """Read ``path`` (the kit's names by default), split the words with ``seed`` and build the examples."""
    words = load_words(path)
    vocab = Vocab.from_words(words)
    parts = split_words(words, seed)
    return Splits(vocab, block_size, *(build_examples(p, vocab, block_size) for p in parts))
