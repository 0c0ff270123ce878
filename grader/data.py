"""The names data: read words, build the vocabulary, make (context, target) examples, split.

Conventions (the same in the lectures): '.' is the boundary token at index 0, the other characters follow in
sorted order, so the names dataset has 27 tokens. Every example is a context of ``block_size`` token ids and
the id of the token that follows; a word of length L gives L + 1 examples (the last one predicts '.').
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
    contexts, targets = [], []
    for word in words:
        context = [0] * block_size
        for ix in vocab.encode(word) + [0]:
            contexts.append(context)
            targets.append(ix)
            context = context[1:] + [ix]
    X = np.array(contexts, dtype=np.int64).reshape(-1, block_size)
    Y = np.array(targets, dtype=np.int64)
    return X, Y


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
