"""The names as sequences of BPE tokens (a8's tokenizer) instead of characters, for a7's Transformer:
``makemore train transformer --tokenizer bpe --vocab-size N``.

The tokenizer is trained on the training split's names only (one per line), then every name is encoded on its
own (``encode_ordinary``: a name is one chunk of GPT-4's pattern). The model's vocabulary is the boundary token 0
('.') then the tokens that occur, renumbered 1..K in id order, so the embedding has no row no name uses. Rows are
built as makemore.py's ``CharDataset`` (grader/data.py ``build_sequences``): 0 then the tokens as input, the
tokens then 0 as target, -1 past it.

A model over fewer, longer tokens has a larger loss per token; the fair comparison is the loss per character:
the total negative log-likelihood of a split divided by its characters, each name counting its letters plus one
for its end (the targets of the character-level model), so the two numbers are the same quantity in nats.
"""
from __future__ import annotations

import numpy as np

from grader.data import IGNORE_INDEX, SequenceSplits, Vocab, load_words, split_train_test


def bpe_sequence_splits(tokenizer_class, vocab_size: int, path=None, seed: int = 3407):
    """(SequenceSplits over BPE tokens, the trained tokenizer). tokenizer_class: a8's RegexTokenizer (the
    student's or the reference's), built with its default pattern."""
    words = load_words(path)
    train_words, test_words = split_train_test(words, seed)
    tokenizer = tokenizer_class()
    tokenizer.train("\n".join(train_words) + "\n", vocab_size)
    encoded = {w: tokenizer.encode_ordinary(w) for w in words}
    used = sorted({t for ids in encoded.values() for t in ids})
    compact = {t: i + 1 for i, t in enumerate(used)}
    vocab = Vocab((".", *(tokenizer.vocab[t].decode("utf-8", errors="replace") for t in used)))
    block_size = max(len(ids) for ids in encoded.values()) + 1

    def rows(split_words):
        X = np.zeros((len(split_words), block_size), dtype=np.int64)
        Y = np.full((len(split_words), block_size), IGNORE_INDEX, dtype=np.int64)
        for i, word in enumerate(split_words):
            ids = [compact[t] for t in encoded[word]]
            X[i, 1:1 + len(ids)] = ids
            Y[i, :len(ids)] = ids
            Y[i, len(ids)] = 0
        return X, Y

    return SequenceSplits(vocab, block_size, train_words, test_words, rows(train_words), rows(test_words)), tokenizer


def targets_per_character(words: list[str], Y: np.ndarray) -> float:
    """Counted targets (tokens + ends) per character (letters + ends) of a split: mean loss per token times this
    is the loss per character."""
    return float((Y != IGNORE_INDEX).sum()) / sum(len(w) + 1 for w in words)
