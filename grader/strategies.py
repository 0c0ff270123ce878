"""Hypothesis strategies for sizes, dimensions and seeds: one module for the grader and the kit's tests.

Array values are drawn from a NumPy generator seeded by hypothesis, so every example is reproducible from the
dims and the seed alone and hypothesis stays fast; the shapes are where bugs hide, and those hypothesis picks.
"""
from __future__ import annotations

import tempfile
from contextlib import contextmanager

import hypothesis.configuration
import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st

GRADING_SETTINGS = dict(
    derandomize=True, database=None, deadline=None, phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet, report_multiple_bugs=False,
)


def seeds() -> st.SearchStrategy[int]:
    return st.integers(min_value=0, max_value=2**32 - 1)


def dims(**ranges: tuple[int, int]) -> st.SearchStrategy[dict]:
    """A dict of named sizes, each drawn from its (low, high) range: dims(N=(1, 8), D=(1, 5))."""
    return st.fixed_dictionaries({name: st.integers(lo, hi) for name, (lo, hi) in ranges.items()})


def distinct_dims(names: tuple[str, ...], low: int = 2, high: int = 9, fixed: dict | None = None) -> st.SearchStrategy[dict]:
    """Sizes that are all different and at least 2, so that a transposed or broadcast result cannot pass by
    coincidence of shapes. ``fixed`` adds sizes that keep their given value (and are kept distinct too)."""
    fixed = fixed or {}
    pool = [v for v in range(low, high + 1) if v not in fixed.values()]
    return st.permutations(pool).map(lambda perm: {**fixed, **dict(zip(names, perm))})


def rng_for(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


@contextmanager
def private_hypothesis_storage():
    """Hypothesis caches what it learns about local modules under ./.hypothesis/ even with database=None:
    grading writes nothing outside its scratch and output folders, so it goes to a temporary folder."""
    previous = vars(hypothesis.configuration).get("__hypothesis_home_directory")
    with tempfile.TemporaryDirectory(prefix="makemore-hypothesis-") as folder:
        hypothesis.configuration.set_hypothesis_home_dir(folder)
        try:
            yield
        finally:
            hypothesis.configuration.set_hypothesis_home_dir(previous)


class _Failed(Exception):
    pass


def first_failure(strategy: st.SearchStrategy, body, max_examples: int) -> str | None:
    """Run ``body(example)`` on up to ``max_examples`` examples of ``strategy``, deterministically; return the
    first message ``body`` returns (a failure), or None if every example passed. No shrinking: each example
    costs a round trip to the student's process, and small dims are already the default."""
    failures: list[str] = []

    @settings(max_examples=max_examples, **GRADING_SETTINGS)
    @given(strategy)
    def property_holds(example):
        if failures:  # hypothesis replays the failing example: do not run the student's code again
            raise _Failed()
        message = body(example)
        if message:
            failures.append(message)
            raise _Failed()

    try:
        with private_hypothesis_storage():
            property_holds()
    except _Failed:
        pass
    except Exception:  # hypothesis wraps a replayed failure in its own errors on some versions
        if not failures:
            raise
    return failures[0] if failures else None


# -- text (a8, the tokenizer) ------------------------------------------------------------------------------

AWKWARD_PIECES = ("😀", "👍🏽", "👨‍👩‍👧", "e\u0301", "n\u0303o", "한국어", "中文字符", "日本語", "  ", "   ", "\n", "\n\n",
                  "\t", "\r\n", " \u00a0", "'s", "'LL", "don't", "123", "4567", "é", "ß", "?!", "...", " ")


def any_character() -> st.SearchStrategy[str]:
    """Any code point UTF-8 can encode (not a surrogate), drawn as a number: hypothesis's own st.characters
    builds a table of Unicode categories first, seconds of every grading process's time."""
    return st.integers(0, 0x10FFFF).filter(lambda c: not 0xD800 <= c <= 0xDFFF).map(chr)


def unicode_text(max_pieces: int = 8) -> st.SearchStrategy[str]:
    """Text as tokenizers meet it: arbitrary Unicode (no lone surrogates, which UTF-8 cannot encode), emoji and
    ZWJ sequences, combining marks, CJK, runs of whitespace, contractions, digits; the empty string included."""
    piece = st.one_of(st.lists(any_character(), max_size=6).map("".join), st.sampled_from(AWKWARD_PIECES),
                      st.text("ab ", max_size=6))
    return st.lists(piece, max_size=max_pieces).map("".join)


def training_text() -> st.SearchStrategy[str]:
    """A text to train on: a few words repeated (so that pairs repeat and counts tie), Unicode among them."""
    word = st.one_of(st.text("abc", min_size=1, max_size=4), st.sampled_from(AWKWARD_PIECES))
    return st.lists(word, min_size=2, max_size=5).flatmap(
        lambda words: st.lists(st.sampled_from(words), min_size=4, max_size=30).map(" ".join))
