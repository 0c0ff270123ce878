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
    ### HINT 1: Every word contributes len(word) + 1 bigrams once it is framed by '.' at both ends: '.emma.' gives .e
    ###   em mm ma a.
    ### HINT 2: Start from a (V, V) int64 array of zeros; walk each framed word pairwise (zip(chars, chars[1:])) and
    ###   add 1 at [stoi[a], stoi[b]].
    ### HINT 3: counts = zeros((V, V), int64); for each word: chars = ['.'] + list(word) + ['.']; for a, b in
    ###   zip(chars, chars[1:]): counts[stoi[a], stoi[b]] += 1.
    ### BEGIN SOLUTION: fill a (V, V) int64 array; counts[a, b] += 1 for each pair (remember the '.' at both ends)
    counts = np.zeros((len(stoi), len(stoi)), dtype=np.int64)
    for word in words:
        chars = ["."] + list(word) + ["."]
        for ch1, ch2 in zip(chars, chars[1:]):
            counts[stoi[ch1], stoi[ch2]] += 1
    return counts
    ### END SOLUTION


def bigram_probs(counts, smoothing=1.0):
    """Turn counts into next-token probabilities, with additive ("add-k") smoothing.

    Inputs:
    - counts: (V, V) integer array from count_bigrams; not modified.
    - smoothing: float >= 0 added to every count before normalising (1.0 is Laplace's add-one).

    Returns:
    - P: (V, V) float64, P[a, b] = (counts[a, b] + smoothing) / sum over b' of (counts[a, b'] + smoothing);
      every row sums to 1.
    """
    ### HINT 1: Each row a is a distribution over the next token: smooth every count, then normalise the row.
    ### HINT 2: Convert to float64 before adding k; the row sums are (V, 1) with keepdims=True so the division
    ###   broadcasts along each row, not each column.
    ### HINT 3: P = (counts + k) / (counts + k).sum(axis=1, keepdims=True), in float64.
    ### BEGIN SOLUTION: add the smoothing, then divide each row by its sum (keepdims!) in float64
    smoothed = counts.astype(np.float64) + smoothing
    return smoothed / smoothed.sum(axis=1, keepdims=True)
    ### END SOLUTION


def bigram_nll(P, words, stoi):
    """Average negative log-likelihood of the words under the bigram model.

    Inputs:
    - P: (V, V) float64 probabilities from bigram_probs.
    - words: list[str]; stoi: dict[str, int] as in count_bigrams.

    Returns:
    - nll: float, -mean over every bigram (a, b) of every word (boundaries included) of log P[a, b].
    """
    ### HINT 1: The same bigrams count_bigrams counts, looked up in P instead of counted.
    ### HINT 2: Accumulate log P[a, b] over every bigram of every framed word and count how many there were.
    ### HINT 3: nll = -(sum of log P[stoi[a], stoi[b]] over all bigrams) / (their number), as a Python float.
    ### BEGIN SOLUTION: sum -log P[a, b] over the same bigrams count_bigrams counts, divide by how many there are
    log_likelihood = 0.0
    n = 0
    for word in words:
        chars = ["."] + list(word) + ["."]
        for ch1, ch2 in zip(chars, chars[1:]):
            log_likelihood += np.log(P[stoi[ch1], stoi[ch2]])
            n += 1
    return float(-log_likelihood / n)
    ### END SOLUTION


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
    ### HINT 1: A name is a walk through the Markov chain from '.' back to '.'.
    ### HINT 2: Row P[ix] is the distribution of the next token; draw with rng.choice(V, p=P[ix]) and stop when the
    ###   draw is 0.
    ### HINT 3: For each name: ix = 0; loop: ix = rng.choice(V, p=P[ix]); break if ix == 0; else append itos[ix]; join
    ###   the characters.
    ### BEGIN SOLUTION: start at ix = 0, draw the next id from row P[ix] until you draw 0 again
    names = []
    for _ in range(num):
        out = []
        ix = 0
        while True:
            ix = int(rng.choice(len(itos), p=P[ix]))
            if ix == 0:
                break
            out.append(itos[ix])
        names.append("".join(out))
    return names
    ### END SOLUTION
