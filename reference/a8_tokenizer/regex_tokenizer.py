"""The GPT-2/GPT-4 tokenizer: the text split into chunks by a regex first, BPE inside each chunk, special tokens.

The patterns need the ``regex`` package (pip install 'makemore-numpy[tokenizer]'): Python's own ``re`` has no
``\\p{L}`` (any letter) or ``\\p{N}`` (any number) classes and refuses them ("bad escape \\p").
"""
import heapq

try:
    import regex
except ImportError as err:  # the one assignment that needs it: say how to get it
    raise ImportError("a8_tokenizer needs the `regex` package, whose \\p{L} and \\p{N} classes Python's re lacks: "
                      "pip install regex (or pip install 'makemore-numpy[tokenizer]')") from err

from .base import Tokenizer, get_stats, merge

# The split patterns as the lecture and minbpe write them: GPT-2's (openai/gpt-2 encoder.py, r50k_base) and GPT-4's
# (tiktoken's cl100k_base of the lecture's time; later tiktoken releases made a few quantifiers possessive).
GPT2_SPLIT_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
GPT4_SPLIT_PATTERN = (r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|"""
                      r"""\s*[\r\n]|\s+(?!\S)|\s+""")


class RegexTokenizer(Tokenizer):

    def __init__(self, pattern=None):
        """pattern: the split pattern, a str for the ``regex`` package (default GPT-4's)."""
        super().__init__()
        self.pattern = GPT4_SPLIT_PATTERN if pattern is None else pattern
        self.compiled_pattern = regex.compile(self.pattern)
        self.inverse_special_tokens = {}

    def train(self, text, vocab_size, verbose=False):
        """Learn ``vocab_size - 256`` merges from ``text`` split into chunks by the pattern; set ``self.merges``
        and ``self.vocab``. Special tokens play no part in training.

        Inputs:
        - text: str; its chunks are ``self.compiled_pattern.findall(text)``, each one's UTF-8 bytes.
        - vocab_size: int >= 256.
        - verbose: print each merge if True.

        A pair is counted inside each chunk only: no merge ever joins the end of one chunk to the start of the
        next. Merge i makes 256 + i from the most frequent pair over all chunks; ties: the pair whose first
        occurrence comes first (chunks in text order, each left to right), as ``max(stats, key=stats.get)`` with
        ``stats`` filled by ``get_stats`` chunk after chunk. Stops early when no pair is left.
        Raises ValueError if vocab_size < 256.
        """
        ### HINT 1: the lecture's loop, on a list of chunks: ids = [list(ch.encode("utf-8")) for ch in chunks];
        ###   each round counts the pairs of every chunk into one dict, then merges the best pair in every chunk.
        ### HINT 2: stats = {}; for chunk_ids in ids: get_stats(chunk_ids, stats); pair = max(stats,
        ###   key=stats.get) (ties: the first occurring); stop when stats is empty; idx = 256 + i.
        ### HINT 3: ids = [merge(chunk_ids, pair, idx) for chunk_ids in ids]; self.merges[pair] = idx; finally
        ###   self.vocab = self._build_vocab(). (Faster: count each distinct chunk once, times its frequency.)
        ### BEGIN SOLUTION: split into chunks with the pattern; BPE on the chunks' UTF-8 bytes, pairs counted within chunks (ties: first occurring)
        if vocab_size < 256:
            raise ValueError(f"vocab_size must be at least 256 (the bytes), got {vocab_size}")
        # Each distinct chunk once ("words"), in order of first appearance, with how often it occurs; the pair
        # counts are updated only where a merge changes a word, instead of recounted after every merge.
        freq = {}
        for chunk in self.compiled_pattern.findall(text):
            freq[chunk] = freq.get(chunk, 0) + 1
        words = [list(chunk.encode("utf-8")) for chunk in freq]
        counts_of_word = list(freq.values())
        counts, where = {}, {}  # pair -> total count; pair -> the words holding it
        for w, ids in enumerate(words):
            for pair in zip(ids, ids[1:]):
                counts[pair] = counts.get(pair, 0) + counts_of_word[w]
                where.setdefault(pair, set()).add(w)
        heap = [(-count, pair) for pair, count in counts.items()]
        heapq.heapify(heap)

        def first_occurrence(pair):
            """(the first word holding pair, its position there): the tie rule's order."""
            w = min(where[pair])
            ids = words[w]
            return w, next(i for i in range(len(ids) - 1) if (ids[i], ids[i + 1]) == pair)

        self.merges = {}
        for i in range(vocab_size - 256):
            while heap and counts.get(heap[0][1], 0) != -heap[0][0]:  # entries of counts since changed
                heapq.heappop(heap)
            if not heap:
                break
            best_count = -heap[0][0]
            tied = {}
            while heap and -heap[0][0] == best_count:
                _, pair = heapq.heappop(heap)
                if counts.get(pair, 0) == best_count:
                    tied[pair] = True
            pair = min(tied, key=first_occurrence)
            for other in tied:
                if other != pair:
                    heapq.heappush(heap, (-best_count, other))
            idx = 256 + i
            for w in sorted(where[pair]):
                old, n = words[w], counts_of_word[w]
                new = merge(old, pair, idx)
                old_pairs, new_pairs = list(zip(old, old[1:])), list(zip(new, new[1:]))
                for p in old_pairs:
                    counts[p] -= n
                for p in new_pairs:
                    counts[p] = counts.get(p, 0) + n
                for p in set(old_pairs) - set(new_pairs):
                    where[p].discard(w)
                for p in set(new_pairs):
                    where.setdefault(p, set()).add(w)
                for p in set(old_pairs) | set(new_pairs):
                    if counts[p] > 0:
                        heapq.heappush(heap, (-counts[p], p))
                    else:
                        del counts[p]
                words[w] = new
            self.merges[pair] = idx
            if verbose:
                print(f"merge {i + 1}/{vocab_size - 256}: {pair} -> {idx} ({best_count} occurrences)")
        self.vocab = self._build_vocab()
        ### END SOLUTION

    def register_special_tokens(self, special_tokens):
        """special_tokens: dict {str: int}, e.g. {"<|endoftext|>": 100257}; ids outside the merges' range."""
        self.special_tokens = dict(special_tokens)
        self.inverse_special_tokens = {idx: special for special, idx in self.special_tokens.items()}
        self.vocab.update({idx: special.encode("utf-8") for special, idx in self.special_tokens.items()})

    def decode(self, ids):
        """The text of ``ids`` (merged tokens and special tokens): every token's bytes joined (a special token's
        are its UTF-8 text), decoded once as UTF-8 with errors="replace".

        Inputs:
        - ids: list of int. Raises ValueError for an id that is no token.

        Returns:
        - str.
        """
        ### HINT 1: as BasicTokenizer.decode, with one more kind of id: a special token's id.
        ### HINT 2: self.vocab holds the special tokens' bytes too (_build_vocab adds them); an id missing
        ###   from it is an error.
        ### HINT 3: parts = [self.vocab[idx] for idx in ids] (ValueError for a missing idx); return
        ###   b"".join(parts).decode("utf-8", errors="replace").
        ### BEGIN SOLUTION: the bytes of every id (merged or special) joined, decoded once with errors="replace"; ValueError for an unknown id
        parts = []
        for idx in ids:
            if idx not in self.vocab:
                raise ValueError(f"invalid token id: {idx}")
            parts.append(self.vocab[idx])
        return b"".join(parts).decode("utf-8", errors="replace")
        ### END SOLUTION

    def encode_ordinary(self, text):
        """The ids of ``text`` ignoring special tokens: split into chunks by the pattern, each chunk's UTF-8
        bytes merged by rank (as BasicTokenizer.encode) on its own, the chunks' ids concatenated in order.

        Inputs:
        - text: str (may be empty).

        Returns:
        - list of int; no token spans two chunks.
        """
        ### HINT 1: chunks = self.compiled_pattern.findall(text); encode each chunk alone, then concatenate.
        ### HINT 2: inside a chunk, BasicTokenizer.encode's loop: the present pair of lowest rank, until none
        ###   was learned.
        ### HINT 3: for chunk in chunks: ids = list(chunk.encode("utf-8")); while len(ids) >= 2: stats =
        ###   get_stats(ids); pair = min(stats, key=lambda p: self.merges.get(p, float("inf"))); if pair not in
        ###   self.merges: break; ids = merge(ids, pair, self.merges[pair]); out.extend(ids).
        ### BEGIN SOLUTION: split with the pattern, BPE-encode each chunk on its own by rank, concatenate
        out = []
        for chunk in self.compiled_pattern.findall(text):
            ids = list(chunk.encode("utf-8"))
            while len(ids) >= 2:
                stats = get_stats(ids)
                pair = min(stats, key=lambda p: self.merges.get(p, float("inf")))
                if pair not in self.merges:
                    break
                ids = merge(ids, pair, self.merges[pair])
            out.extend(ids)
        return out
        ### END SOLUTION

    def encode(self, text, allowed_special="none_raise"):
        """The ids of ``text`` with special tokens handled by ``allowed_special`` (tiktoken's choices, as minbpe):

        - "all": every registered special token in the text becomes its single id;
        - "none": none does (its text is encoded as ordinary text, like encode_ordinary);
        - "none_raise": as "none", but raise ValueError if the text holds any registered special token;
        - a set of str: those special tokens become their ids, the others are ordinary text.
        Raises ValueError for any other value.

        The text between special tokens is encoded with encode_ordinary: a special token is never split by the
        pattern nor merged with its neighbours. Where two special tokens could match at one place, the longer
        one wins.

        Returns:
        - list of int.
        """
        ### HINT 1: decide first which special tokens are allowed (a dict {text: id}); with none, it is
        ###   encode_ordinary (after the "none_raise" test).
        ### HINT 2: cut the text at the allowed special tokens before the pattern ever sees it:
        ###   regex.split("(" + "|".join(regex.escape(s) for s in specials) + ")", text) keeps the separators.
        ### HINT 3: for each part: a special token's text gives [special[part]], any other part
        ###   encode_ordinary(part); longest specials first in the alternation (sorted(..., key=len, reverse=True)).
        ### BEGIN SOLUTION: pick the allowed special tokens, split the text at them first, encode_ordinary the parts between
        if allowed_special == "all":
            special = self.special_tokens
        elif allowed_special == "none":
            special = {}
        elif allowed_special == "none_raise":
            special = {}
            found = [s for s in self.special_tokens if s in text]
            if found:
                raise ValueError(f"the text holds special tokens {found} and allowed_special is 'none_raise'")
        elif isinstance(allowed_special, (set, frozenset)):
            special = {s: idx for s, idx in self.special_tokens.items() if s in allowed_special}
        else:
            raise ValueError(f"allowed_special={allowed_special!r} not understood")
        if not special:
            return self.encode_ordinary(text)
        alternation = "|".join(regex.escape(s) for s in sorted(special, key=len, reverse=True))
        ids = []
        for part in regex.split("(" + alternation + ")", text):
            if part in special:
                ids.append(special[part])
            else:
                ids.extend(self.encode_ordinary(part))
        return ids
        ### END SOLUTION
