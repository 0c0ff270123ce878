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

# The split patterns of tiktoken (openai_public.py): GPT-2's (r50k_base) and GPT-4's (cl100k_base).
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
        if vocab_size < 256:
            raise ValueError("vocab_size < 256")
        chunks = [list(ch.encode("utf-8")) for ch in regex.findall(self.compiled_pattern, text)]
        self.merges = {}
        for i in range(vocab_size - 256):
            stats = {}
            for chunk_ids in chunks:
                get_stats(chunk_ids, stats)
            if not stats:
                break
            pair = max(stats, key=stats.get)
            chunks = [merge(chunk_ids, pair, 256 + i) for chunk_ids in chunks]
            self.merges[pair] = 256 + i
        self.vocab = self._build_vocab()

    def register_special_tokens(self, special_tokens):
        """special_tokens: dict {str: int}, e.g. {"<|endoftext|>": 100257}; ids outside the merges' range."""
        self.special_tokens = dict(special_tokens)
        self.inverse_special_tokens = {idx: special for special, idx in self.special_tokens.items()}
        self.vocab = self._build_vocab()

    def decode(self, ids):
        """The text of ``ids`` (merged tokens and special tokens): every token's bytes joined (a special token's
        are its UTF-8 text), decoded once as UTF-8 with errors="replace".

        Inputs:
        - ids: list of int. Raises ValueError for an id that is no token.

        Returns:
        - str.
        """
        parts = []
        for idx in ids:
            if idx not in self.vocab:
                raise ValueError(f"invalid token id: {idx}")
            parts.append(self.vocab[idx])
        return b"".join(parts).decode("utf-8", errors="replace")

    def encode_ordinary(self, text):
        """The ids of ``text`` ignoring special tokens: split into chunks by the pattern, each chunk's UTF-8
        bytes merged by rank (as BasicTokenizer.encode) on its own, the chunks' ids concatenated in order.

        Inputs:
        - text: str (may be empty).

        Returns:
        - list of int; no token spans two chunks.
        """
        out = []
        for chunk in self.compiled_pattern.findall(text):
            ids = list(chunk.encode("utf-8"))
            for pair, idx in self.merges.items():
                if len(ids) < 2:
                    break
                ids = merge(ids, pair, idx)
            out += ids
        return out

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
        if allowed_special == "none_raise":
            if any(s in text for s in self.special_tokens):
                raise ValueError("special token in text")
            allowed = {}
        elif allowed_special == "none":
            allowed = {}
        elif allowed_special == "all":
            allowed = dict(self.special_tokens)
        elif isinstance(allowed_special, (set, frozenset)):
            allowed = {k: v for k, v in self.special_tokens.items() if k in allowed_special}
        else:
            raise ValueError(allowed_special)
        ids, start = [], 0
        while start <= len(text):
            # the nearest allowed special token from start (the longest where several start there)
            hits = [(text.find(s, start), -len(s), s) for s in allowed if text.find(s, start) >= 0]
            if not hits:
                ids += self.encode_ordinary(text[start:])
                break
            at, _, s = min(hits)
            ids += self.encode_ordinary(text[start:at])
            ids.append(allowed[s])
            start = at + len(s)
        return ids
