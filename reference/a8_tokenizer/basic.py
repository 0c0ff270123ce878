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
        ### HINT 1: ids = list(text.encode("utf-8")); each round: count the pairs, take the most frequent, merge it
        ###   everywhere, record it in self.merges; vocab_size - 256 rounds.
        ### HINT 2: stats = get_stats(ids); pair = max(stats, key=stats.get) keeps the first-occurring pair among
        ###   equal counts (the tie rule); stop when stats is empty. The new id is 256 + i.
        ### HINT 3: after each merge: ids = merge(ids, pair, idx); self.merges[pair] = idx; and at the end
        ###   self.vocab = self._build_vocab().
        ### BEGIN SOLUTION: vocab_size - 256 rounds over the UTF-8 bytes: count pairs, merge the most frequent (ties: first occurring) into 256 + i
        if vocab_size < 256:
            raise ValueError(f"vocab_size must be at least 256 (the bytes), got {vocab_size}")
        ids = list(text.encode("utf-8"))
        self.merges = {}
        for i in range(vocab_size - 256):
            stats = get_stats(ids)
            if not stats:
                break
            pair = max(stats, key=stats.get)
            idx = 256 + i
            ids = merge(ids, pair, idx)
            self.merges[pair] = idx
            if verbose:
                print(f"merge {i + 1}/{vocab_size - 256}: {pair} -> {idx} ({stats[pair]} occurrences)")
        self.vocab = self._build_vocab()
        ### END SOLUTION

    def encode(self, text):
        """The ids of ``text``: its UTF-8 bytes, then the learned merges applied by rank, the earliest learned
        first, until none applies (the counts of pairs in ``text`` itself play no part).

        Inputs:
        - text: str (may be empty).

        Returns:
        - list of int.
        """
        ### HINT 1: start from list(text.encode("utf-8")); a merge learned earlier must be applied before a later one.
        ### HINT 2: repeat: among the pairs present in ids, find the one with the lowest rank (self.merges[pair],
        ###   inf for a pair never learned); stop if none was learned; otherwise merge it.
        ### HINT 3: while len(ids) >= 2: stats = get_stats(ids); pair = min(stats, key=lambda p:
        ###   self.merges.get(p, float("inf"))); if pair not in self.merges: break; ids = merge(ids, pair,
        ###   self.merges[pair]).
        ### BEGIN SOLUTION: UTF-8 bytes, then repeatedly merge the present pair with the lowest rank until none was learned
        ids = list(text.encode("utf-8"))
        while len(ids) >= 2:
            stats = get_stats(ids)
            pair = min(stats, key=lambda p: self.merges.get(p, float("inf")))
            if pair not in self.merges:
                break
            ids = merge(ids, pair, self.merges[pair])
        return ids
        ### END SOLUTION

    def decode(self, ids):
        """The text of ``ids``: the bytes of every token joined, then decoded once as UTF-8 with
        errors="replace" (an invalid sequence becomes U+FFFD, as the lecture's decode).

        Inputs:
        - ids: list of int, each a key of self.vocab.

        Returns:
        - str.
        """
        ### HINT 1: a token can hold part of a character (a 2-byte 'é' split in two tokens): work in bytes.
        ### HINT 2: join the tokens' bytes first (b"".join(self.vocab[i] for i in ids)) and decode the whole.
        ### HINT 3: return b"".join(self.vocab[idx] for idx in ids).decode("utf-8", errors="replace").
        ### BEGIN SOLUTION: join the tokens' bytes, then decode them once as UTF-8 with errors="replace"
        return b"".join(self.vocab[idx] for idx in ids).decode("utf-8", errors="replace")
        ### END SOLUTION
