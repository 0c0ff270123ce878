"""Assignment 8, the GPT tokenizer: get_stats and merge, byte-level BPE (BasicTokenizer), the GPT-2/GPT-4 regex
split with special tokens (RegexTokenizer), save and load. Results are plain values (ids, merges, text), graded
by scripts of calls (grader/scripts.py) on texts hypothesis draws (grader/strategies.py: unicode_text)."""
from __future__ import annotations

from hypothesis import strategies as st

from grader.scripts import script_agreement, script_property
from grader.spec import Assignment, Check, ScriptUnit
from grader.specs.common import hidden_mistakes
from grader.strategies import training_text, unicode_text

try:
    M = hidden_mistakes("a8")
except ImportError:  # the regex package missing where the reference is: the mistakes are named from the fixtures
    M = None

# The split patterns the student's file defines (tests/test_a8_tokenizer.py holds them equal to the reference's).
PATTERNS = {
    "gpt2": r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""",
    "gpt4": (r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|"""
             r"""\s*[\r\n]|\s+(?!\S)|\s+"""),
}
SPECIALS = {"<|endoftext|>": 100257, "<|fim_prefix|>": 100258, "<|fim_middle|>": 100259}
UTF8_PROBE = "é€😀"  # 2, 3 and 4 bytes: an untrained tokenizer gives exactly its UTF-8 bytes

BASE, BASIC, REGEX = "a8_tokenizer.base", "a8_tokenizer.basic:BasicTokenizer", "a8_tokenizer.regex_tokenizer:RegexTokenizer"


def call(name, *args, **kwargs) -> dict:
    from grader.sandbox.plain import to_plain

    step = {"call": name, "args": [a if isinstance(a, dict) and set(a) == {"result"} else to_plain(a) for a in args]}
    if kwargs:
        step["kwargs"] = {k: to_plain(v) for k, v in kwargs.items()}
    return step


def result(i: int) -> dict:
    return {"result": i}


def read(name: str) -> dict:
    return {"read": name}


def mistakes_at(n_steps: int, where: dict) -> list:
    """A mistake's results: None (any result) except at the given step indices."""
    wrong = [None] * n_steps
    for i, value in where.items():
        wrong[i] = value
    return wrong


def lazily(fn):
    """Known mistakes computed only where the hidden module is installed, and only when asked."""
    return (lambda *a: fn(*a)) if M is not None else None


# -- get_stats and merge -----------------------------------------------------------------------------------

small_ids = st.lists(st.integers(0, 4), max_size=12)

GET_STATS = ScriptUnit(
    label="get_stats", target=BASE,
    dims=st.fixed_dictionaries({"ids": small_ids, "more": small_ids}),
    script=lambda d: [call("get_stats", d["ids"]), call("get_stats", d["more"], result(0))],
    mistakes=lazily(lambda d, steps, expected: [
        (description, [wrong(d["ids"]), wrong(d["more"], wrong(d["ids"]))]) for description, wrong in [
            ("each pair is counted once (set to 1): add 1 per occurrence", M.stats_once),
            ("overlapping pairs are missed ([1, 1, 1] holds (1, 1) twice): look at every i, not every other",
             M.stats_without_overlaps)]] + [
        ("the counts passed in were ignored: add to the dict you are given (the regex trainer counts every "
         "chunk into one dict)", [None, M.stats_ignoring_counts(d["more"])])]),
)

MERGE = ScriptUnit(
    label="merge", target=BASE,
    dims=st.fixed_dictionaries({"ids": st.lists(st.integers(0, 3), max_size=12),
                                "pair": st.tuples(st.integers(0, 3), st.integers(0, 3))}),
    script=lambda d: [call("merge", d["ids"], tuple(d["pair"]), 256)],
    mistakes=lazily(lambda d, steps, expected: [
        ("overlapping occurrences were both replaced ([a, a, a] with (a, a) -> [X, X, a]): after a match, jump "
         "over both ids (i += 2)", [M.merge_overlapping(d["ids"], d["pair"], 256)]),
        ("the last id is dropped: the loop must visit every position, the last one alone included",
         [M.merge_dropping_last(d["ids"], d["pair"], 256)]),
        ("only the first occurrence was replaced: replace every one", [M.merge_first_only(d["ids"], d["pair"], 256)])]),
)

# -- BasicTokenizer ------------------------------------------------------------------------------------------

TRAIN_DIMS = st.fixed_dictionaries({"text": training_text(), "vocab_size": st.integers(256, 285)})


def train_mistakes(d, steps, expected, pattern=None):
    return [(description, mistakes_at(len(steps), {1: merges}))
            for description, merges in M.train_variants(d["text"], d["vocab_size"], pattern)]


BASIC_TRAIN = ScriptUnit(
    label="BasicTokenizer.train", target=BASIC, init=lambda d: {}, dims=TRAIN_DIMS,
    script=lambda d: [call("train", d["text"], d["vocab_size"]), read("merges"), read("vocab")],
    mistakes=lazily(train_mistakes),
)


def size_property(d, steps, got):
    """merges: at most vocab_size - 256, ids 256, 257, ... in order, each from ids that exist before it; the
    vocabulary one token per id; fewer merges only when the text has no pair left."""
    merges, vocab, ids = got[1], got[2], got[3]
    if not isinstance(merges, dict) or not isinstance(vocab, dict):
        return f"after train, merges and vocab should be dicts: found {type(merges).__name__} and {type(vocab).__name__}"
    n = len(merges)
    if n > d["vocab_size"] - 256:
        return f"train made {n} merges for vocab_size={d['vocab_size']}: at most vocab_size - 256 = {d['vocab_size'] - 256}"
    for i, ((a, b), idx) in enumerate(merges.items()):
        if idx != 256 + i:
            return f"merge number {i} ({a}, {b}) got the id {idx}: merge i (0-based) makes the new id 256 + i"
        if not (0 <= a < idx and 0 <= b < idx):
            return f"merge {i} joins ({a}, {b}) into {idx}: both parts must be ids made before it"
    if sorted(vocab) != list(range(256 + n)):
        return (f"the vocabulary has {len(vocab)} tokens for {n} merges: it should hold ids 0..{255 + n} (256 bytes "
                "and one token per merge); is self.vocab rebuilt after training?")
    if n < d["vocab_size"] - 256 and isinstance(ids, list) and len(ids) >= 2 and steps[3]["call"] == "encode":
        return (f"train stopped after {n} merges of {d['vocab_size'] - 256}, yet the text still holds pairs "
                f"(it encodes to {len(ids)} ids): stop early only when no pair is left")
    return None


BASIC_SIZE = ScriptUnit(
    label="BasicTokenizer.size", target=BASIC, init=lambda d: {},
    dims=st.fixed_dictionaries({"text": training_text(), "vocab_size": st.integers(256, 320)}),
    script=lambda d: [call("train", d["text"], d["vocab_size"]), read("merges"), read("vocab"), call("encode", d["text"])],
)

ENCODE_DIMS = st.fixed_dictionaries({"text": training_text(), "vocab_size": st.integers(260, 285), "probe": unicode_text()})


def encode_mistakes(d, steps, expected, pattern=None):
    merges = expected[1]
    at_text = M.encode_variants(merges, d["text"], pattern)
    at_probe = M.encode_variants(merges, d["probe"], pattern)
    out = []
    for (description, wrong_text), (_, wrong_probe) in zip(at_text, at_probe):
        where = {i: (wrong_text if steps[i]["args"][0] == d["text"] else wrong_probe)
                 for i in range(2, len(steps))}
        out.append((description, mistakes_at(len(steps), where)))
    return out


BASIC_ENCODE = ScriptUnit(
    label="BasicTokenizer.encode", target=BASIC, init=lambda d: {}, dims=ENCODE_DIMS,
    script=lambda d: [call("train", d["text"], d["vocab_size"]), read("merges"), call("encode", d["text"]),
                      call("encode", d["probe"])],
    compare=lambda d: [2, 3],
    mistakes=lazily(encode_mistakes),
)


def roundtrip_problem(probe, ids, text, where: str) -> str | None:
    if text == probe:
        return None
    if isinstance(text, str) and "\ufffd" in text and "\ufffd" not in probe:
        return (f"decode(encode(s)) gave {text!r} for s = {probe!r}: a character became U+FFFD. decode must join "
                "the tokens' bytes first and decode them once (a character's UTF-8 bytes can be split across "
                "tokens), and encode must start from s.encode('utf-8')")
    return f"decode(encode(s)) gave {text!r} for s = {probe!r} ({where}; the ids were {ids!r})"


def basic_roundtrip(d, steps, got):
    ids, text, untrained = got[2], got[3], got[5]
    expected_bytes = list(UTF8_PROBE.encode("utf-8"))
    if untrained != expected_bytes:
        cause = (" : those are the characters' code points (ord(c)), not the UTF-8 bytes of text.encode('utf-8')"
                 if untrained == [ord(c) for c in UTF8_PROBE] else "")
        return f"an untrained tokenizer encodes {UTF8_PROBE!r} as {untrained!r}, expected its UTF-8 bytes {expected_bytes}{cause}"
    return roundtrip_problem(d["probe"], ids, text, "BasicTokenizer")


ROUNDTRIP_DIMS = st.fixed_dictionaries({"text": training_text(), "vocab_size": st.integers(256, 285),
                                        "probe": unicode_text()})
FIRST_ROUNDTRIPS = ({"text": "aé aé aé 中文 中文 😀😀😀 bb bb", "vocab_size": 280, "probe": ""},
                    {"text": "aé aé aé 中文 中文 😀😀😀 bb bb", "vocab_size": 280, "probe": "é"},
                    {"text": "aé aé aé 中文 中文 😀😀😀 bb bb", "vocab_size": 280, "probe": "中文😀 e\u0301 aé\n\n  x"})

BASIC_ROUNDTRIP = ScriptUnit(
    label="BasicTokenizer.roundtrip", target=BASIC, init=lambda d: {}, dims=ROUNDTRIP_DIMS,
    script=lambda d: [call("train", d["text"], d["vocab_size"]), read("merges"), call("encode", d["probe"]),
                      call("decode", result(2)), {"new": True}, call("encode", UTF8_PROBE)],
)

DECODE_TEXT = "é€😀 é€😀 é€😀 aaa"
DECODE_IDS = [[0x80], [0xE2, 0x82], [0xC3], [], [0xF0, 0x9F, 0x98], [104, 105, 0xFF, 33]]


def decode_mistakes(d, steps, expected):
    tokenizer = M.BasicTokenizer()
    tokenizer.train(d["text"], d["vocab_size"])
    return [("each token's bytes decoded on their own and the strings joined: a character split across tokens "
             "(or an invalid byte) gives one U+FFFD per piece; join the bytes, then decode once with errors='replace'",
             [None, None, *[M.decode_per_token(tokenizer.vocab, ids) for ids in DECODE_IDS]])]


BASIC_DECODE = ScriptUnit(
    label="BasicTokenizer.decode", target=BASIC, init=lambda d: {},
    dims=st.fixed_dictionaries({"text": st.just(DECODE_TEXT), "vocab_size": st.integers(256, 270)}),
    script=lambda d: [call("train", d["text"], d["vocab_size"]), call("encode", d["text"]),
                      *[call("decode", ids) for ids in DECODE_IDS]],
    compare=lambda d: list(range(2, 2 + len(DECODE_IDS))),
    mistakes=lazily(decode_mistakes),
)

# -- RegexTokenizer ------------------------------------------------------------------------------------------

REGEX_TRAIN_DIMS = st.fixed_dictionaries({"text": training_text(), "vocab_size": st.integers(256, 285),
                                          "pattern": st.sampled_from(["gpt2", "gpt4"])})
pattern_init = lambda d: {"pattern": PATTERNS[d["pattern"]]}  # noqa: E731

REGEX_TRAIN = ScriptUnit(
    label="RegexTokenizer.train", target=REGEX, init=pattern_init, dims=REGEX_TRAIN_DIMS,
    script=lambda d: [call("train", d["text"], d["vocab_size"]), read("merges"), read("vocab")],
    mistakes=lazily(lambda d, steps, expected: train_mistakes(d, steps, expected, PATTERNS[d["pattern"]])),
)

REGEX_ENCODE = ScriptUnit(
    label="RegexTokenizer.encode", target=REGEX, init=pattern_init,
    dims=st.fixed_dictionaries({"text": training_text(), "vocab_size": st.integers(260, 285), "probe": unicode_text(),
                                "pattern": st.sampled_from(["gpt2", "gpt4"])}),
    script=lambda d: [call("train", d["text"], d["vocab_size"]), read("merges"), call("encode_ordinary", d["text"]),
                      call("encode_ordinary", d["probe"]), call("encode", d["probe"])],
    compare=lambda d: [2, 3, 4],
    mistakes=lazily(lambda d, steps, expected: encode_mistakes(d, steps, expected, PATTERNS[d["pattern"]])),
)


def chunk_property(d, steps, got):
    """No token spans two chunks: every chunk boundary of the text (in UTF-8 bytes) is a token boundary."""
    try:
        import regex
    except ImportError:
        return "this check needs the regex package to split the text: pip install regex"
    vocab = got[1]
    for i, text in ((2, d["text"]), (3, d["probe"])):
        ids = got[i]
        if not isinstance(ids, list) or any(type(t) is not int or t not in vocab for t in ids):
            return f"encode_ordinary({text!r}) gave {ids!r}: expected a list of ids of self.vocab"
        tokens = [vocab[t] for t in ids]
        if b"".join(tokens) != text.encode("utf-8"):
            return f"encode_ordinary({text!r}): the tokens' bytes joined are not the text's UTF-8 bytes"
        ends, at = set(), 0
        for token in tokens:
            at += len(token)
            ends.add(at)
        at = 0
        for chunk in regex.findall(PATTERNS[d["pattern"]], text)[:-1]:
            at += len(chunk.encode("utf-8"))
            if at not in ends:
                crossing = next(t for t, e in zip(tokens, sorted(ends)) if e > at)
                return (f"encode_ordinary({text!r}): the token {crossing!r} crosses the boundary after the chunk "
                        f"{chunk!r}: split the text with the pattern first and encode each chunk on its own")
    return None


FIRST_CHUNKS = ({"text": "12 34 12 34 1234 abc  abc  abc", "vocab_size": 262, "probe": "1234  abc 123456",
                 "pattern": "gpt4"},)

REGEX_CHUNKS = ScriptUnit(
    label="RegexTokenizer.chunks", target=REGEX, init=pattern_init,
    dims=st.fixed_dictionaries({"text": training_text(), "vocab_size": st.integers(270, 300), "probe": unicode_text(),
                                "pattern": st.sampled_from(["gpt2", "gpt4"])}),
    script=lambda d: [call("train", d["text"], d["vocab_size"]), read("vocab"), call("encode_ordinary", d["text"]),
                      call("encode_ordinary", d["probe"])],
)


def with_specials(parts: list) -> str:
    """parts[0] <|endoftext|> parts[1] <|fim_prefix|> parts[2]: special tokens inside text."""
    return f"{parts[0]}<|endoftext|>{parts[1]}<|fim_prefix|>{parts[2]}<|endoftext|>"


SPECIAL_DIMS = st.fixed_dictionaries({"text": training_text(), "vocab_size": st.integers(260, 285),
                                      "parts": st.lists(unicode_text(4), min_size=3, max_size=3)})
SPECIAL_CALLS = [("all", None), ("none", None), ("none_raise", "raises"), ({"<|endoftext|>"}, None)]


def special_script(d):
    probe = with_specials(d["parts"])
    steps = [call("train", d["text"], d["vocab_size"]), call("register_special_tokens", SPECIALS)]
    for allowed, raises in SPECIAL_CALLS:
        steps.append(dict(call("encode", probe, allowed_special=allowed), **({"raises": True} if raises else {})))
    steps += [call("encode", d["parts"][0], allowed_special="none_raise"), call("decode", result(2))]
    return steps


REGEX_SPECIAL = ScriptUnit(
    label="RegexTokenizer.special", target=REGEX, init=lambda d: {}, dims=SPECIAL_DIMS, script=special_script,
    compare=lambda d: list(range(2, 8)),
    mistakes=lambda d, steps, expected: [
        ("the special tokens were split by the pattern like ordinary text: cut the text at the allowed special "
         "tokens first, and give each its one id", mistakes_at(len(steps), {2: expected[3]})),
        ("allowed_special='none_raise' must raise ValueError when the text holds a special token",
         mistakes_at(len(steps), {4: expected[3]})),
        ("a set allows only the special tokens it holds; the others are encoded as ordinary text",
         mistakes_at(len(steps), {5: expected[2]}))],
)


def special_roundtrip(d, steps, got):
    probe = with_specials(d["parts"])
    ids_all, text_all, text_none = got[2], got[3], got[5]
    if isinstance(ids_all, list):
        for special, idx in SPECIALS.items():
            if ids_all.count(idx) != probe.count(special):
                return (f"encode(s, allowed_special='all') holds the id {idx} of {special!r} {ids_all.count(idx)} "
                        f"times; the text holds it {probe.count(special)} times (s = {probe!r}): cut the text at "
                        "the special tokens before the pattern splits it")
    return roundtrip_problem(probe, ids_all, text_all, "allowed_special='all'") or \
        roundtrip_problem(probe, got[4], text_none, "allowed_special='none'")


REGEX_ROUNDTRIP = ScriptUnit(
    label="RegexTokenizer.roundtrip", target=REGEX, init=lambda d: {}, dims=SPECIAL_DIMS,
    script=lambda d: [call("train", d["text"], d["vocab_size"]), call("register_special_tokens", SPECIALS),
                      call("encode", with_specials(d["parts"]), allowed_special="all"), call("decode", result(2)),
                      call("encode", with_specials(d["parts"]), allowed_special="none"), call("decode", result(4))],
)


def save_load_property(d, steps, got):
    merges, ids, file, merges_after, specials_after, pattern_after, ids_after, text_after = (
        got[2], got[3], got[5], got[8], got[9], got[10], got[11], got[12])
    if not isinstance(file, bytes):
        return f"save('tok') did not write tok.model ({file.get('message', file) if isinstance(file, dict) else file})"
    try:
        lines = file.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        return "tok.model is not UTF-8 text: the .model file is lines of text a person can read (no pickle)"
    if lines[:2] != ["minbpe v1", PATTERNS[d["pattern"]]]:
        return f"tok.model should start with the lines 'minbpe v1' and the pattern; it starts {lines[:2]!r}"
    merge_lines = [f"{a} {b}" for a, b in merges]
    if [line for line in lines if line.strip()][-len(merge_lines):] != merge_lines and merge_lines:
        return "tok.model should end with one line 'ID0 ID1' per merge, in rank order"
    if merges_after != merges:
        return f"after load('tok.model') the merges differ from those saved: {short_diff(merges, merges_after)}"
    if specials_after != SPECIALS:
        return f"after load the special tokens are {specials_after!r}, expected {SPECIALS!r}"
    if pattern_after != PATTERNS[d["pattern"]]:
        return f"after load the pattern is {pattern_after!r}, expected the one saved"
    if ids_after != ids:
        return "after load, encode gives other ids than before save: are the merges read back in their order?"
    if isinstance(text_after, dict) and "raised" in text_after:
        return (f"after load, decode raised {text_after['raised']}: {text_after.get('message', '')}: is the "
                "vocabulary rebuilt after load, from the merges and special tokens read?")
    return roundtrip_problem(with_specials(d["parts"]), ids_after, text_after, "after load")


def short_diff(a, b) -> str:
    from grader.scripts import difference

    return difference(a, b)


REGEX_SAVE = ScriptUnit(
    label="RegexTokenizer.save_load", target=REGEX, init=pattern_init,
    dims=st.fixed_dictionaries({"text": training_text(), "vocab_size": st.integers(260, 285),
                                "parts": st.lists(unicode_text(4), min_size=3, max_size=3),
                                "pattern": st.sampled_from(["gpt2", "gpt4"])}),
    script=lambda d: [call("train", d["text"], d["vocab_size"]), call("register_special_tokens", SPECIALS),
                      read("merges"), call("encode", with_specials(d["parts"]), allowed_special="all"),
                      call("save", "tok"), {"file": "tok.model"}, {"new": True}, call("load", "tok.model"),
                      read("merges"), read("special_tokens"), read("pattern"),
                      call("encode", with_specials(d["parts"]), allowed_special="all"),
                      dict(call("decode", result(11)), raises=True)],
)


def names_text() -> str:
    from grader.data import load_words

    return "\n".join(load_words()) + "\n"


REGEX_NAMES = ScriptUnit(
    label="RegexTokenizer.names", target=REGEX, init=lambda d: {},
    dims=st.just({"text": "the kit's names (data/names.txt)", "vocab_size": 280}),
    script=lambda d: [call("train", names_text(), d["vocab_size"]), read("merges")],
    mistakes=lazily(lambda d, steps, expected: [
        (description, mistakes_at(2, {1: merges}))
        for description, merges in M.train_variants(names_text(), d["vocab_size"], PATTERNS["gpt4"],
                                                    only=("not split", "code points"))]),
)

FIXTURE_DIMS = {
    "get_stats": [{"ids": [1, 1, 1, 2, 1, 1], "more": [2, 1, 1, 3]}, {"ids": [], "more": [0]},
                  {"ids": [3, 0, 3, 0, 3, 4, 4], "more": [4, 4, 3, 0]}],
    "merge": [{"ids": [1, 1, 1, 2, 1, 1, 1, 1], "pair": (1, 1)}, {"ids": [0, 1, 2, 0, 1, 3], "pair": (0, 1)},
              {"ids": [2], "pair": (2, 2)}, {"ids": [3, 2, 3, 2], "pair": (3, 2)}],
    "BasicTokenizer.train": [
        {"text": "hello world, hello there! hello hello", "vocab_size": 270},
        {"text": "ab cd ab cd ef ab", "vocab_size": 262},
        {"text": "naïve café résumé naïve café 中文 中文 😀😀", "vocab_size": 275}],
    "BasicTokenizer.encode": [
        {"text": "the cat sat on the mat; the cat ate", "vocab_size": 275, "probe": "the hat that sat on the cat"},
        {"text": "aaaa aaa aa a aaaaaa", "vocab_size": 262, "probe": "aaaaaaaaa a"},
        {"text": "中文 中文 中文 é é é", "vocab_size": 268, "probe": "中文é 中"},
        {"text": "abab abab bcbcbc", "vocab_size": 258, "probe": "abcbc"}],
    "BasicTokenizer.decode": [{"text": DECODE_TEXT, "vocab_size": 266}],
    "RegexTokenizer.train": [
        {"text": "hello world, hello there! hello hello 123 12345 it's don't", "vocab_size": 275, "pattern": "gpt4"},
        {"text": "hello world, hello there! hello hello 123 12345 it's don't", "vocab_size": 275, "pattern": "gpt2"},
        {"text": "ab cd ab cd ef ab\n\n  abab  naïve café", "vocab_size": 266, "pattern": "gpt4"},
        {"text": "café café café naïve naïve é", "vocab_size": 262, "pattern": "gpt2"}],
    "RegexTokenizer.encode": [
        {"text": "the cat sat on the mat;   the cat ate 2024 cakes", "vocab_size": 280,
         "probe": "the hat that sat on the cat\n\n   2024!!", "pattern": "gpt4"},
        {"text": "the cat sat on the mat;   the cat ate 2024 cakes", "vocab_size": 280,
         "probe": "thethe cat's  mat", "pattern": "gpt2"},
        {"text": "abab abab bcbcbc", "vocab_size": 258, "probe": "abcbc", "pattern": "gpt4"},
        {"text": "12 34 12 34 12 34", "vocab_size": 258, "probe": "1234 123456", "pattern": "gpt4"}],
    "RegexTokenizer.special": [
        {"text": "hello world hello end end", "vocab_size": 270, "parts": ["hello", " world end", ""]},
        {"text": "<|endoftext|> x <|endoftext|> x", "vocab_size": 265, "parts": ["", "é😀", "<|"]}],
    "RegexTokenizer.names": [{"text": "the kit's names (data/names.txt)", "vocab_size": 280}],
}

A8 = Assignment(
    fixture_dims=FIXTURE_DIMS,
    key="a8", package="a8_tokenizer", title="The GPT tokenizer: byte-level BPE, the regex split, special tokens",
    checks=[
        Check("get_stats.fixture", 4, script_agreement, GET_STATS, "public",
              "pair counts (overlapping, added to a given dict, in order of first occurrence) match the stored answers",
              {"source": "fixture"}),
        Check("get_stats.reference", 2, script_agreement, GET_STATS, "hidden",
              "pair counts match the reference on generated ids", {"source": "reference"}, timeout=30.0),
        Check("merge.fixture", 4, script_agreement, MERGE, "public",
              "merge replaces every non-overlapping occurrence, left to right (stored answers)", {"source": "fixture"}),
        Check("merge.reference", 2, script_agreement, MERGE, "hidden", "merge matches the reference on generated ids",
              {"source": "reference"}, timeout=30.0),
        Check("basic.train.fixture", 8, script_agreement, BASIC_TRAIN, "public",
              "the merges (in rank order, tie rule included) and the vocabulary match the stored answers",
              {"source": "fixture"}),
        Check("basic.train.reference", 4, script_agreement, BASIC_TRAIN, "hidden",
              "the merges match the reference's on generated texts", {"source": "reference"}, timeout=30.0),
        Check("basic.size", 4, script_property, BASIC_SIZE, "public",
              "vocab_size respected: at most vocab_size - 256 merges, ids 256 + i, one token per id",
              {"property": size_property, "examples": 8}, timeout=30.0),
        Check("basic.encode.fixture", 6, script_agreement, BASIC_ENCODE, "public",
              "encode applies the merges by rank (stored answers)", {"source": "fixture"}),
        Check("basic.encode.reference", 3, script_agreement, BASIC_ENCODE, "hidden",
              "encode matches the reference on generated texts (emoji, CJK, combining marks, whitespace)",
              {"source": "reference"}, timeout=30.0),
        Check("basic.roundtrip", 7, script_property, BASIC_ROUNDTRIP, "public",
              "decode(encode(s)) == s for any Unicode s; an untrained tokenizer gives the UTF-8 bytes",
              {"property": lambda d, steps, got: basic_roundtrip(d, steps, got), "first_dims": FIRST_ROUNDTRIPS,
               "examples": 12}, timeout=30.0),
        Check("basic.decode.fixture", 4, script_agreement, BASIC_DECODE, "public",
              "decode joins bytes and replaces invalid UTF-8 with U+FFFD (stored answers)", {"source": "fixture"}),
        Check("regex.train.fixture", 8, script_agreement, REGEX_TRAIN, "public",
              "the merges with the GPT-2 and GPT-4 patterns (pairs counted within chunks) match the stored answers",
              {"source": "fixture"}),
        Check("regex.train.reference", 4, script_agreement, REGEX_TRAIN, "hidden",
              "the merges match the reference's on generated texts", {"source": "reference"}, timeout=30.0),
        Check("regex.encode.fixture", 5, script_agreement, REGEX_ENCODE, "public",
              "encode_ordinary and encode by rank, chunk by chunk (stored answers)", {"source": "fixture"}),
        Check("regex.encode.reference", 3, script_agreement, REGEX_ENCODE, "hidden",
              "encode matches the reference on generated texts", {"source": "reference"}, timeout=30.0),
        Check("regex.chunks", 6, script_property, REGEX_CHUNKS, "public",
              "no token crosses a boundary of the pattern's chunks",
              {"property": chunk_property, "examples": 10, "first_dims": FIRST_CHUNKS}, timeout=30.0),
        Check("regex.special.fixture", 6, script_agreement, REGEX_SPECIAL, "public",
              "allowed_special 'all', 'none', 'none_raise' and a set (stored answers)", {"source": "fixture"}),
        Check("regex.special.reference", 3, script_agreement, REGEX_SPECIAL, "hidden",
              "special tokens inside generated texts match the reference", {"source": "reference"}, timeout=30.0),
        Check("regex.roundtrip", 5, script_property, REGEX_ROUNDTRIP, "public",
              "decode(encode(s)) == s with special tokens inside s, each special token one id",
              {"property": special_roundtrip, "examples": 10}, timeout=30.0),
        Check("regex.save_load", 6, script_property, REGEX_SAVE, "public",
              "save writes a readable .model file; load gives back the same merges, special tokens, pattern, ids",
              {"property": save_load_property, "examples": 5}, timeout=30.0),
        Check("regex.names", 6, script_agreement, REGEX_NAMES, "public",
              "training on the kit's names (230 kB) gives the stored merges within the time limit",
              {"source": "fixture"}, timeout=60.0),
    ],
)
