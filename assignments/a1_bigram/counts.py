"""The bigram model by counting: how often does character b follow character a?

Token ids come from the vocabulary: ``stoi['.'] == 0`` is the boundary that starts and ends every word, so
"emma" contributes the bigrams .e em mm ma a. (five of them).
"""
import numpy as np


def count_bigrams(words, stoi):
    """Count every bigram of every word, boundaries included.

    Inputs:
    - words: list[str], each character a key of stoi.
    - stoi: dict[str, int], character -> token id, with stoi['.'] == 0; V = len(stoi).

    Returns:
    - counts: (V, V) int64 (any integer dtype of at least 32 bits is accepted, such as the lecture's int32),
      counts[a, b] = how many times token b follows token a.
    """
    # YOUR CODE HERE (count_bigrams): fill a (V, V) int64 array; counts[a, b] += 1 for each pair (remember the '.' at both ends)
    raise NotImplementedError("count_bigrams: fill a (V, V) int64 array; counts[a, b] += 1 for each pair (remember the '.' at both ends)")


def bigram_probs(counts, smoothing=1.0):
    """Turn counts into next-token probabilities, with additive ("add-k") smoothing.

    Inputs:
    - counts: (V, V) integer array from count_bigrams; not modified.
    - smoothing: float >= 0 added to every count before normalising (1.0 is Laplace's add-one).

    Returns:
    - P: (V, V) float64, P[a, b] = (counts[a, b] + smoothing) / sum over b' of (counts[a, b'] + smoothing);
      every row sums to 1.
    """
    # YOUR CODE HERE (bigram_probs): add the smoothing, then divide each row by its sum (keepdims!) in float64
    raise NotImplementedError('bigram_probs: add the smoothing, then divide each row by its sum (keepdims!) in float64')


def bigram_nll(P, words, stoi):
    """Average negative log-likelihood of the words under the bigram model.

    Inputs:
    - P: (V, V) float64 probabilities from bigram_probs.
    - words: list[str]; stoi: dict[str, int] as in count_bigrams.

    Returns:
    - nll: float, -mean over every bigram (a, b) of every word (boundaries included) of log P[a, b].
    """
    # YOUR CODE HERE (bigram_nll): sum -log P[a, b] over the same bigrams count_bigrams counts, divide by how many there are
    raise NotImplementedError('bigram_nll: sum -log P[a, b] over the same bigrams count_bigrams counts, divide by how many there are')


def sample_names(P, itos, num, rng):
    """Sample ``num`` names from the bigram model.

    Inputs:
    - P: (V, V) float64, rows sum to 1.
    - itos: list[str], token id -> character, itos[0] == '.'.
    - num: int, how many names.
    - rng: np.random.Generator; draw every random number from it (``rng.choice(V, p=P[ix])``) so that the
      same seed gives the same names.

    Returns:
    - names: list[str] of length num, without the '.' boundaries (a name may be empty: '.' right away).
    """
    # YOUR CODE HERE (sample_names): start at ix = 0, draw the next id from row P[ix] until you draw 0 again
    raise NotImplementedError('sample_names: start at ix = 0, draw the next id from row P[ix] until you draw 0 again')
