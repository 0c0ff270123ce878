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
        # YOUR CODE HERE (BasicTokenizer.train): vocab_size - 256 rounds over the UTF-8 bytes: count pairs, merge the most frequent (ties: first occurring) into 256 + i
        raise NotImplementedError('BasicTokenizer.train: vocab_size - 256 rounds over the UTF-8 bytes: count pairs, merge the most frequent (ties: first occurring) into 256 + i')

    def encode(self, text):
        """The ids of ``text``: its UTF-8 bytes, then the learned merges applied by rank, the earliest learned
        first, until none applies (the counts of pairs in ``text`` itself play no part).

        Inputs:
        - text: str (may be empty).

        Returns:
        - list of int.
        """
        # YOUR CODE HERE (BasicTokenizer.encode): UTF-8 bytes, then repeatedly merge the present pair with the lowest rank until none was learned
        raise NotImplementedError('BasicTokenizer.encode: UTF-8 bytes, then repeatedly merge the present pair with the lowest rank until none was learned')

    def decode(self, ids):
        """The text of ``ids``: the bytes of every token joined, then decoded once as UTF-8 with
        errors="replace" (an invalid sequence becomes U+FFFD, as the lecture's decode).

        Inputs:
        - ids: list of int, each a key of self.vocab.

        Returns:
        - str.
        """
        # YOUR CODE HERE (BasicTokenizer.decode): join the tokens' bytes, then decode them once as UTF-8 with errors="replace"
        raise NotImplementedError('BasicTokenizer.decode: join the tokens\' bytes, then decode them once as UTF-8 with errors="replace"')
