"""Known tokenizer mistakes of a8, computed from the reference's parts (the instructor's grader and ``makemore
fixtures`` only; the fixtures store what they give, so a student's local grader still names them)."""
import regex

from reference.a8_tokenizer.base import get_stats, merge
from reference.a8_tokenizer.basic import BasicTokenizer
from reference.a8_tokenizer.regex_tokenizer import RegexTokenizer


# -- get_stats and merge ---------------------------------------------------------------------------------

def stats_once(ids, counts=None):
    counts = {} if counts is None else dict(counts)
    for pair in zip(ids, ids[1:]):
        counts[pair] = 1
    return counts


def stats_without_overlaps(ids, counts=None):
    counts = {} if counts is None else dict(counts)
    for i in range(0, len(ids) - 1, 2):
        counts[(ids[i], ids[i + 1])] = counts.get((ids[i], ids[i + 1]), 0) + 1
    return counts


def stats_ignoring_counts(ids, counts=None):
    return get_stats(ids)


def merge_overlapping(ids, pair, idx):
    """Every position where the pair starts becomes idx, the next id still looked at: [a, a, a] -> [X, X, a]."""
    return [idx if i < len(ids) - 1 and (ids[i], ids[i + 1]) == tuple(pair) else ids[i] for i in range(len(ids))]


def merge_dropping_last(ids, pair, idx):
    new, i = [], 0
    while i < len(ids) - 1:
        if (ids[i], ids[i + 1]) == tuple(pair):
            new.append(idx)
            i += 2
        else:
            new.append(ids[i])
            i += 1
    return new


def merge_first_only(ids, pair, idx):
    for i in range(len(ids) - 1):
        if (ids[i], ids[i + 1]) == tuple(pair):
            return ids[:i] + [idx] + ids[i + 2:]
    return list(ids)


# -- training ----------------------------------------------------------------------------------------------

def first_max(stats):
    return max(stats, key=stats.get)


def last_max(stats):
    best = max(stats.values())
    return [p for p in stats if stats[p] == best][-1]


def largest_max(stats):
    return max(stats, key=lambda p: (stats[p], p))


def smallest_max(stats):
    return min(stats, key=lambda p: (-stats[p], p))


def bpe(chunks, n_merges, pick=first_max):
    """The lecture's trainer on lists of ids, with the pair chosen by ``pick``."""
    merges = {}
    for i in range(n_merges):
        stats = {}
        for ids in chunks:
            get_stats(ids, stats)
        if not stats:
            break
        pair = pick(stats)
        chunks = [merge(ids, pair, 256 + i) for ids in chunks]
        merges[pair] = 256 + i
    return merges


def vocab_of(merges):
    vocab = {i: bytes([i]) for i in range(256)}
    for (a, b), idx in merges.items():
        if a not in vocab or b not in vocab:
            return None
        vocab[idx] = vocab[a] + vocab[b]
    return vocab


def train_variants(text, vocab_size, pattern=None, only=None):
    """[(description, merges)]: what the usual wrong trainers learn from ``text``. pattern None: no split.
    only: the descriptions holding one of these words (each variant is a whole training run)."""
    chunks = [text] if pattern is None else regex.findall(pattern, text)
    as_bytes = [list(c.encode("utf-8")) for c in chunks]
    n = max(vocab_size - 256, 0)
    if only is not None:
        return [(description, merges()) for description, merges in lazy_variants(text, as_bytes, chunks, n, pattern)
                if any(word in description for word in only)]
    return [(description, merges()) for description, merges in lazy_variants(text, as_bytes, chunks, n, pattern)]


def lazy_variants(text, as_bytes, chunks, n, pattern):
    variants = [
        ("the tie rule is ignored: among pairs of equal count the one occurring first in the text must win "
         "(max(stats, key=stats.get) over get_stats's insertion order); this took the last one", lambda: bpe(as_bytes, n, last_max)),
        ("the tie rule is ignored: among pairs of equal count the one occurring first in the text must win; "
         "this took the largest pair", lambda: bpe(as_bytes, n, largest_max)),
        ("the tie rule is ignored: among pairs of equal count the one occurring first in the text must win; "
         "this took the smallest pair", lambda: bpe(as_bytes, n, smallest_max)),
        ("trained on the characters' code points (ord(c)), not the UTF-8 bytes (text.encode('utf-8'))",
         lambda: bpe([[ord(c) for c in ch] for ch in chunks], n)),
        (f"one merge too few: train makes vocab_size - 256 merges, numbered 256 + i", lambda: bpe(as_bytes, n - 1)),
    ]
    if pattern is not None:
        variants.append(("the text was not split by the pattern first: pairs were counted across chunk boundaries "
                         "(count pairs within each chunk of compiled_pattern.findall(text))",
                         lambda: bpe([list(text.encode("utf-8"))], n)))
    return variants


# -- encoding and decoding ---------------------------------------------------------------------------------

def encode_by_count(merges, ids):
    """Merging the most frequent learned pair of the text being encoded, not the earliest learned."""
    while True:
        stats = {p: c for p, c in get_stats(ids).items() if p in merges}
        if not stats:
            return ids
        pair = max(stats, key=stats.get)
        ids = merge(ids, pair, merges[pair])


def encode_reversed(merges, ids):
    for pair, idx in reversed(list(merges.items())):
        ids = merge(ids, pair, idx)
    return ids


def encode_once_in_text_order(merges, ids):
    """Each learned pair merged where it is first found scanning the text, one pass: not by rank."""
    while True:
        for i in range(len(ids) - 1):
            if (ids[i], ids[i + 1]) in merges:
                break
        else:
            return ids
        pair = (ids[i], ids[i + 1])
        ids = merge(ids, pair, merges[pair])


def encode_variants(merges, text, pattern=None):
    chunks = [text] if pattern is None else regex.findall(pattern, text)
    out = []
    for description, rule in [
            ("merges applied by their count in the text being encoded, not by rank (the earliest learned first)",
             encode_by_count),
            ("merges applied in the wrong order: the earliest learned (lowest rank) must be applied first",
             encode_reversed),
            ("merges applied in the order their pairs appear in the text, not by rank", encode_once_in_text_order)]:
        out.append((description, [i for ch in chunks for i in rule(merges, list(ch.encode("utf-8")))]))
    if pattern is not None:
        out.append(("the text was not split by the pattern before encoding: a token crossed a chunk boundary",
                    BasicEncoder(merges).encode(text)))
    return out


class BasicEncoder(BasicTokenizer):
    def __init__(self, merges):
        super().__init__()
        self.merges = dict(merges)
        self.vocab = self._build_vocab()


def decode_per_token(vocab, ids):
    return "".join(vocab[i].decode("utf-8", errors="replace") for i in ids)


def special_split(tokenizer: RegexTokenizer, text):
    """Special tokens left to the pattern: their text split and merged like any other."""
    return tokenizer.encode_ordinary(text)
