"""Assignment 8, the GPT tokenizer: the reference against the lecture's trainer and against tiktoken (an
independent oracle, where installed with GPT-2's ranks), the grader on every mistake of tests/corpus/bugs_a8.py,
on two correct alternatives and on the stubs, and the plain-value scripts every ScriptUnit is graded with."""
from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from grader.runner import grade_assignment
from grader.sandbox.plain import NotPlain, from_plain, run_script, to_plain
from grader.scripts import reference_results, same
from grader.spec import ScriptUnit
from grader.specs import ASSIGNMENTS
from grader.specs.a8 import PATTERNS
from grader.strategies import training_text, unicode_text
from tests.corpus.bugs import apply, build_submission
from tests.corpus.bugs_a8 import A8_BUGS
from tests.submission import REFERENCE, copy_submission

regex = pytest.importorskip("regex", reason="a8 needs the regex package (pip install 'makemore-numpy[tokenizer]')")

from reference.a8_tokenizer.base import get_stats, merge  # noqa: E402
from reference.a8_tokenizer.basic import BasicTokenizer  # noqa: E402
from reference.a8_tokenizer.regex_tokenizer import GPT2_SPLIT_PATTERN, GPT4_SPLIT_PATTERN, RegexTokenizer  # noqa: E402

A8 = ASSIGNMENTS["a8"]
CORPUS = Path(__file__).parent / "corpus"
ALTERNATIVES = [CORPUS / "alternatives_a8_lecture", CORPUS / "alternatives_a8_counter"]


def lecture_trainer(text: str, vocab_size: int, pattern: str) -> dict:
    """The lecture's (minbpe's) trainer: every pair recounted after every merge."""
    chunks = [list(c.encode("utf-8")) for c in regex.findall(pattern, text)]
    merges = {}
    for i in range(vocab_size - 256):
        stats = {}
        for ids in chunks:
            get_stats(ids, stats)
        if not stats:
            break
        pair = max(stats, key=stats.get)
        chunks = [merge(ids, pair, 256 + i) for ids in chunks]
        merges[pair] = 256 + i
    return merges


# -- the reference ----------------------------------------------------------------------------------------

def test_the_spec_holds_the_reference_patterns():
    assert PATTERNS == {"gpt2": GPT2_SPLIT_PATTERN, "gpt4": GPT4_SPLIT_PATTERN}


@settings(max_examples=30, deadline=None)
@given(training_text(), st.integers(256, 300), st.sampled_from(["gpt2", "gpt4"]))
def test_the_incremental_trainer_learns_the_lecture_trainers_merges(text, vocab_size, pattern):
    """Ties included: the counts the reference updates in place pick the same pair as a recount would."""
    tokenizer = RegexTokenizer(PATTERNS[pattern])
    tokenizer.train(text, vocab_size)
    assert list(tokenizer.merges.items()) == list(lecture_trainer(text, vocab_size, PATTERNS[pattern]).items())


@settings(max_examples=30, deadline=None)
@given(training_text(), st.integers(256, 290), unicode_text())
def test_the_reference_round_trips_any_unicode(text, vocab_size, probe):
    for tokenizer in (BasicTokenizer(), RegexTokenizer()):
        tokenizer.train(text, vocab_size)
        tokenizer.register_special_tokens({"<|endoftext|>": 100257}) if isinstance(tokenizer, RegexTokenizer) else None
        ids = tokenizer.encode(probe)
        assert tokenizer.decode(ids) == probe
        assert all(0 <= i < vocab_size for i in ids)


def test_a_missing_regex_package_is_said_plainly(tmp_path):
    """The one assignment that needs regex names it and the extra that installs it."""
    import subprocess
    import sys

    hide = tmp_path / "regex.py"
    hide.write_text("raise ImportError('No module named regex')\n")
    code = ("import sys; sys.path.insert(0, %r); sys.path.insert(1, %r)\n"
            "try:\n    import reference.a8_tokenizer.regex_tokenizer\nexcept ImportError as e:\n    print(e)") % (
        str(tmp_path), str(REFERENCE.parent))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    assert "needs the `regex` package" in out and "makemore-numpy[tokenizer]" in out, out


def gpt2_ranks_file() -> Path | None:
    """GPT-2's published merge ranks as some installed package ships them (openai-whisper's assets)."""
    spec = importlib.util.find_spec("whisper")  # finds the folder without importing it (it needs torch)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "assets" / "gpt2.tiktoken"
        if path.exists():
            return path
    return None


def test_the_reference_with_gpt2s_ranks_encodes_like_tiktoken():
    tiktoken = pytest.importorskip("tiktoken", reason="tiktoken is an optional oracle")
    path = gpt2_ranks_file()
    if path is None:
        pytest.skip("no package ships gpt2.tiktoken here (pip install --no-deps openai-whisper brings it)")
    from tiktoken.load import load_tiktoken_bpe

    ranks = load_tiktoken_bpe(str(path))
    # GPT-2's ranks as merges of the reference: each token of rank >= 256 is the pair BPE with the lower ranks
    # leaves of its bytes (minbpe's recover_merges); byte b is the reference's id b.
    id_of = {bytes([b]): b for b in range(256)}
    merges = {}
    for token, rank in sorted(ranks.items(), key=lambda kv: kv[1]):
        if len(token) == 1:
            continue
        parts = [bytes([b]) for b in token]
        while len(parts) > 2:
            best = min(range(len(parts) - 1), key=lambda i: ranks.get(parts[i] + parts[i + 1], float("inf")))
            parts[best:best + 2] = [parts[best] + parts[best + 1]]
        id_of[token] = 256 + len(merges)
        merges[(id_of[parts[0]], id_of[parts[1]])] = id_of[token]
    ours = RegexTokenizer(GPT2_SPLIT_PATTERN)
    ours.merges = merges
    ours.vocab = ours._build_vocab()
    theirs = tiktoken.Encoding("gpt2-ranks", pat_str=GPT2_SPLIT_PATTERN, mergeable_ranks=ranks, special_tokens={})
    texts = ["Hello world, it's 2024!", "tokenization    is at the heart of much weirdness of LLMs\n\n",
             "안녕하세요 👋 (hello in Korean!) e\u0301 中文字符", "SolidGoldMagikarp  1234567 don't   stop"]
    for text in texts:
        assert [ours.vocab[i] for i in ours.encode_ordinary(text)] == \
            [theirs.decode_single_token_bytes(t) for t in theirs.encode_ordinary(text)], text
    # and tiktoken's own published GPT-2 encoding, where its files can be read offline (this one ships the ranks)
    gpt2 = tiktoken.Encoding("gpt2", pat_str=GPT2_SPLIT_PATTERN, mergeable_ranks=ranks,
                             special_tokens={"<|endoftext|>": 50256})
    assert gpt2.encode("hello world") == [31373, 995]  # GPT-2's published ids


# -- the grader on wrong code, right code and stubs -------------------------------------------------------

def test_the_corpus_is_well_formed():
    assert len(A8_BUGS) >= 12
    assert len({bug.name for bug in A8_BUGS}) == len(A8_BUGS)
    names = {c.name for c in A8.checks}
    for bug in A8_BUGS:
        assert bug.failing_check in names, bug.name
        assert (REFERENCE / bug.file).read_text().count(bug.old) == 1, bug.name


@pytest.mark.parametrize("bug", A8_BUGS, ids=[bug.name for bug in A8_BUGS])
def test_the_grader_catches_the_bug(bug, tmp_path):
    submission = build_submission(bug, tmp_path)
    result = grade_assignment(A8, submission, checks=[bug.failing_check])
    outcome = result.outcomes[0]
    assert outcome.status in ("failed", "error") and outcome.points == 0, outcome.message
    assert not outcome.internal, outcome.message
    assert bug.diagnosis in outcome.message, f"{bug.name}: the message lacks {bug.diagnosis!r}:\n{outcome.message}"


@pytest.mark.parametrize("source", ALTERNATIVES, ids=[p.name for p in ALTERNATIVES])
def test_a_correct_tokenizer_written_another_way_gets_full_marks(source, tmp_path):
    submission = copy_submission(tmp_path, source=source, packages=("a8_tokenizer",))
    result = grade_assignment(A8, submission)
    lost = [f"{o.name} [{o.status}] {o.message}" for o in result.outcomes if o.status != "passed"]
    assert not lost, "a correct alternative lost points:\n" + "\n".join(lost)
    assert result.score == result.max_score == 100


def test_the_reference_gets_full_marks_and_the_stubs_nothing(tmp_path):
    reference = grade_assignment(A8, build_submission(None, tmp_path / "ref"))
    assert reference.score == reference.max_score == 100, [o.message for o in reference.outcomes if not o.passed]
    stubs = grade_assignment(A8, Path(__file__).parent.parent / "assignments", checks=lambda c: c.visibility == "public")
    assert stubs.score == 0
    assert {o.status for o in stubs.outcomes} == {"not implemented"}, [o.message for o in stubs.outcomes]


def test_a_trainer_that_hangs_loses_the_check_with_a_clear_message(tmp_path):
    submission = build_submission(None, tmp_path)
    apply(type(A8_BUGS[0])("hang", "a8_tokenizer/regex_tokenizer.py", "if vocab_size < 256:\n            raise ValueError(f\"vocab_size must",
                           "while True:\n            pass\n        if vocab_size < 256:\n            raise ValueError(f\"vocab_size must",
                           "regex.names", "timed out"), submission)
    outcome = grade_assignment(A8, submission, checks=["regex.names"], check_timeout=3).outcomes[0]
    assert outcome.status == "timeout" and "timed out after 3 s" in outcome.message, outcome.message
    assert "RegexTokenizer.train" in outcome.message, outcome.message


# -- plain values and scripts, for every ScriptUnit of every spec --------------------------------------------

plain_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.binary(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner) | st.frozensets(st.integers(), max_size=3)
    | st.dictionaries(st.tuples(st.integers(), st.integers()) | st.text(max_size=3), inner, max_size=3),
    max_leaves=12)


@settings(max_examples=200, deadline=None)
@given(plain_values)
def test_plain_values_cross_the_boundary_unchanged(value):
    back = from_plain(json.loads(json.dumps(to_plain(value))))
    assert same(value if not isinstance(value, frozenset) else set(value), back) or value == back


def test_what_is_not_plain_is_described_not_sent():
    import numpy as np

    for value, words in [(np.int64(3), "numpy.int64"), (object(), "object"), ([1, 2, iter([])], "list_iterator")]:
        with pytest.raises(NotPlain, match=words):
            to_plain(value)
    steps = [{"call": "f", "args": []}]

    class Obj:
        def f(self):
            return np.arange(3)
    assert run_script(Obj(), Obj, steps, lambda label, fn, *a, **k: fn(*a, **k), "Obj") == \
        [{"unsendable": "a numpy.ndarray"}]


def script_units():
    units = {}
    for assignment in ASSIGNMENTS.values():
        for check in assignment.checks:
            if isinstance(check.unit, ScriptUnit):
                units.setdefault(check.unit.label, (assignment, check.unit))
    return list(units.values())


@pytest.mark.parametrize("assignment, unit", script_units(), ids=[u.label for _, u in script_units()])
def test_every_script_unit_runs_on_the_reference_and_compares_something(assignment, unit):
    """Each ScriptUnit of every spec: its script runs on the reference for its stored examples, every result is
    plain data, and at least one step is compared or checked (a script that compares nothing grades nothing)."""
    examples = assignment.fixture_dims.get(unit.label) or [
        find(unit.dims, lambda d: True, settings=settings(database=None, derandomize=True))]
    checks = [c for c in assignment.checks if c.unit is unit]
    assert checks, unit.label
    for dims in examples[:2]:
        steps = unit.script(dims)
        results = reference_results(unit, dims, steps)
        assert len(results) == len(steps)
        for r in results:
            to_plain(r)
        if any(c.kind == "script_agreement" for c in checks):
            from grader.scripts import compared

            assert compared(unit, dims, steps), unit.label


def test_the_token_view_colours_each_token_and_counts_them(capsys):
    from grader import tokenview

    shown = tokenview.render([b"ab", b" c", b"\xe4"])
    assert shown.count("\x1b[48;5;") == 3 and "\ufffd" in shown
    assert tokenview.render([b"ab", b" c"], colour=False) == "ab| c"
    assert tokenview.main(["hello hello", "--reference", "--vocab-size", "260", "--no-colour"]) == 0
    out = capsys.readouterr().out
    assert "tokens for 11 UTF-8 bytes" in out and "4 merges learned" in out, out


def test_names_as_bpe_tokens_for_the_transformer(tmp_path):
    """makemore train transformer --tokenizer bpe: rows as makemore.py's, tokens renumbered after the boundary,
    and the loss per character counts each name's letters and its end."""
    from grader.bpe_data import bpe_sequence_splits, targets_per_character

    names = tmp_path / "names.txt"
    names.write_text("\n".join(["anna", "annabel", "bella", "ann", "emma", "emmanuel", "ella", "bob"] * 3) + "\n")
    splits, tokenizer = bpe_sequence_splits(RegexTokenizer, 262, names, seed=1)
    assert len(tokenizer.merges) == 6
    X, Y = splits.train
    for word, x, y in zip(splits.train_words, X, Y):
        n = int((y != -1).sum())
        assert x[0] == 0 and y[n - 1] == 0 and list(x[1:n]) == list(y[:n - 1])
        assert "".join(splits.vocab.itos[i] for i in y[:n - 1]) == word
        assert n - 1 < len(word) or len(word) <= 3  # merges shorten names
    assert targets_per_character(splits.train_words, Y) < 1
    char_Y = np.full((1, 6), -1)
    char_Y[0, :5] = 1
    assert targets_per_character(["anna"], char_Y) == 1.0


def test_grading_a_wrong_tokenizer_twice_says_the_same(tmp_path):
    bug = next(b for b in A8_BUGS if b.name == "encode_ordinary_crosses_chunks")
    submission = build_submission(bug, tmp_path)
    first, second = (grade_assignment(A8, submission, checks=["regex.chunks", "regex.encode.reference"]).outcomes
                     for _ in range(2))
    assert [(o.status, o.message) for o in first] == [(o.status, o.message) for o in second]
    assert all(o.status == "failed" for o in first), [o.message for o in first]


def test_an_older_reference_without_an_assignments_mistakes_module_grades_without_them(monkeypatch):
    """Another kit's reference on the path (an older editable install) lacks reference/a8_mistakes.py: the specs
    still import, the hidden mistakes are simply absent."""
    from grader.specs import common

    monkeypatch.setattr(common, "reference_available", lambda: True)
    assert common.hidden_mistakes("a99") is None


def test_an_empty_min_or_max_is_named_in_the_words_of_every_python():
    """Python 3.11 says "min() arg is an empty sequence", 3.12+ "min() iterable argument is empty": both are named."""
    from grader import scripts

    for message in ("min() arg is an empty sequence", "min() iterable argument is empty",
                    "max() arg is an empty sequence", "max() iterable argument is empty"):
        assert [meaning for text, meaning in scripts.HINTS if text in message], message
