"""What every tokenizer shares: counting pairs, merging a pair, the vocabulary, save and load.

Ids 0..255 are the 256 byte values; merge number i (0-based) makes the new id 256 + i. A tokenizer's state is
``merges`` ({(id0, id1): new id}, in the order they were learned, which is their rank), ``pattern`` (the split
pattern, "" for none), ``special_tokens`` ({str: id}) and ``vocab`` ({id: bytes}), built from the other three.

The tie rule (assignments/a8_tokenizer/README.md): when several pairs have the highest count, the one whose
first occurrence comes first in the text wins, which is what ``max(stats, key=stats.get)`` gives when ``stats``
was filled by scanning the text from left to right (a dict keeps insertion order).
"""


def get_stats(ids, counts=None):
    """Count every pair of consecutive ids, overlapping pairs included ([1, 1, 1] holds (1, 1) twice).

    Inputs:
    - ids: list of int.
    - counts: a dict {(int, int): int} to add to (updated in place and returned), or None for a new one.

    Returns:
    - counts: dict {(id0, id1): count}, its keys in order of first occurrence in ``ids`` (pairs already in
      ``counts`` keep their place).
    """
    if counts is None:
        counts = {}
    i = 0
    while i + 1 < len(ids):
        key = (ids[i], ids[i + 1])
        if key in counts:
            counts[key] += 1
        else:
            counts[key] = 1
        i += 1
    return counts


def merge(ids, pair, idx):
    """Replace every occurrence of ``pair`` in ``ids`` by ``idx``, scanning left to right: an occurrence that
    overlaps one already replaced is not (merging (1, 1) in [1, 1, 1] gives [idx, 1], not [idx, idx]).

    Inputs:
    - ids: list of int; not modified.
    - pair: tuple (int, int).
    - idx: int, the new id.

    Returns:
    - a new list of int.
    """
    a, b = pair
    result = list(ids)
    i = 0
    while i < len(result) - 1:
        if result[i] == a and result[i + 1] == b:
            result[i:i + 2] = [idx]
        i += 1
    return result


def render_token(token: bytes) -> str:
    """The bytes of a token as readable text: invalid UTF-8 becomes U+FFFD, control characters \\uXXXX."""
    text = token.decode("utf-8", errors="replace")
    return "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in text)


class Tokenizer:
    """The state every tokenizer has, its vocabulary, and save/load. Subclasses write train, encode, decode."""

    def __init__(self):
        self.merges = {}  # (int, int) -> int, in the order learned
        self.pattern = ""  # the split pattern ("" for none)
        self.special_tokens = {}  # str -> int, e.g. {"<|endoftext|>": 100257}
        self.vocab = self._build_vocab()  # int -> bytes

    def train(self, text, vocab_size, verbose=False):
        raise NotImplementedError("a subclass trains")

    def encode(self, text):
        raise NotImplementedError("a subclass encodes")

    def decode(self, ids):
        raise NotImplementedError("a subclass decodes")

    def _build_vocab(self):
        """{id: bytes}: the 256 single bytes, each merge as the bytes of its two parts joined (in merge order,
        so both parts exist already), and the special tokens as their UTF-8 bytes."""
        vocab = {idx: bytes([idx]) for idx in range(256)}
        for (p0, p1), idx in self.merges.items():
            vocab[idx] = vocab[p0] + vocab[p1]
        for special, idx in self.special_tokens.items():
            vocab[idx] = special.encode("utf-8")
        return vocab

    def save(self, file_prefix):
        """Write ``file_prefix + ".model"``, the file ``load`` reads, and ``file_prefix + ".vocab"``, for people.

        The .model file is UTF-8 text, line by line: "minbpe v1"; the pattern; the number of special tokens;
        one line "TEXT ID" per special token; then one line "ID0 ID1" per merge, in rank order (merge i makes
        256 + i, so the new ids need not be written). The .vocab file shows every token as text (render_token),
        a merged one as "[part0][part1] -> [token] ID".
        """
        with open(file_prefix + ".model", "w", encoding="utf-8") as f:
            f.write("minbpe v1\n")
            f.write(f"{self.pattern}\n")
            f.write(f"{len(self.special_tokens)}\n")
            for special, idx in self.special_tokens.items():
                f.write(f"{special} {idx}\n")
            for idx0, idx1 in self.merges:
                f.write(f"{idx0} {idx1}\n")
        inverted = {idx: pair for pair, idx in self.merges.items()}
        with open(file_prefix + ".vocab", "w", encoding="utf-8") as f:
            for idx, token in self.vocab.items():
                if idx in inverted:
                    p0, p1 = inverted[idx]
                    f.write(f"[{render_token(self.vocab[p0])}][{render_token(self.vocab[p1])}] -> "
                            f"[{render_token(token)}] {idx}\n")
                else:
                    f.write(f"[{render_token(token)}] {idx}\n")

    def load(self, model_file):
        """Read a .model file written by ``save`` into this tokenizer: merges (ids 256, 257, ... in line order),
        pattern, special tokens, then the vocabulary rebuilt. Raises ValueError if the first line is not
        "minbpe v1"."""
        with open(model_file, encoding="utf-8") as f:
            lines = f.read().split("\n")
        if lines[0] != "minbpe v1":
            raise ValueError(f"{model_file} is not a minbpe v1 model file")
        self.pattern = lines[1]
        n_special = int(lines[2])
        self.special_tokens = {}
        for line in lines[3:3 + n_special]:
            special, _, idx = line.rpartition(" ")
            self.special_tokens[special] = int(idx)
        self.merges = {}
        for line in lines[3 + n_special:]:
            if line.strip():
                idx0, idx1 = map(int, line.split())
                self.merges[(idx0, idx1)] = 256 + len(self.merges)
        self.vocab = self._build_vocab()
