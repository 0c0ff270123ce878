"""The plainest byte-level BPE: the text's UTF-8 bytes, no split, no special tokens (the lecture's first one)."""
from .base import Tokenizer, get_stats, merge


class BasicTokenizer(Tokenizer):

    def train(self, text, vocab_size, verbose=False):
        """Learn ``vocab_size - 256`` merges from ``text`` and set ``self.merges`` and ``self.vocab``.

        Inputs:
        - text: str, any Unicode; trained on as its UTF-8 bytes (ids 0..255).
        - vocab_size: int >= 256; the vocabulary after training has at most this many tokens.
        - verbose: print each merge if True.

        Merge i (0-based) replaces the most frequent pair of the current ids by the new id 256 + i. Ties: the
        pair whose first occurrence comes first in the current ids wins (``max(stats, key=stats.get)`` over
        ``get_stats(ids)``). Training stops early when no pair is left (a short text): then fewer merges.
        Raises ValueError if vocab_size < 256.
        """
        import collections
        assert_ok = vocab_size >= 256
        if not assert_ok:
            raise ValueError("vocab_size must be >= 256")
        ids = list(text.encode("utf-8"))
        merges = {}
        for i in range(vocab_size - 256):
            counter = collections.Counter(zip(ids, ids[1:]))  # insertion order: first occurrence
            if not counter:
                break
            (pair, _), = counter.most_common(1)  # a stable sort: the first inserted among equal counts
            ids = merge(ids, pair, 256 + i)
            merges[pair] = 256 + i
        self.merges = merges
        self.vocab = self._build_vocab()

    def encode(self, text):
        """The ids of ``text``: its UTF-8 bytes, then the learned merges applied by rank, the earliest learned
        first, until none applies (the counts of pairs in ``text`` itself play no part).

        Inputs:
        - text: str (may be empty).

        Returns:
        - list of int.
        """
        ids = list(text.encode("utf-8"))
        while True:
            best = None
            for i in range(len(ids) - 1):
                rank = self.merges.get((ids[i], ids[i + 1]))
                if rank is not None and (best is None or rank < best):
                    best = rank
            if best is None:
                return ids
            pair = next(p for p, r in self.merges.items() if r == best)
            ids = merge(ids, pair, best)

    def decode(self, ids):
        """The text of ``ids``: the bytes of every token joined, then decoded once as UTF-8 with
        errors="replace" (an invalid sequence becomes U+FFFD, as the lecture's decode).

        Inputs:
        - ids: list of int, each a key of self.vocab.

        Returns:
        - str.
        """
        return bytes(b for idx in ids for b in self.vocab[idx]).decode("utf-8", "replace")
