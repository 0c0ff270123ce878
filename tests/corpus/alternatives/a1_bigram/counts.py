"""Counting on encoded arrays: every word becomes ids with the boundary 0 at both ends."""
import numpy as np


def _encode(words, stoi):
    """(previous, next) id arrays of every bigram of every word, boundaries included."""
    ids = [np.array([0] + [stoi[ch] for ch in word] + [0], dtype=np.int64) for word in words]
    prev = np.concatenate([w[:-1] for w in ids]) if ids else np.zeros(0, dtype=np.int64)
    nxt = np.concatenate([w[1:] for w in ids]) if ids else np.zeros(0, dtype=np.int64)
    return prev, nxt


def count_bigrams(words, stoi):
    counts = np.zeros((len(stoi), len(stoi)), dtype=np.int64)
    prev, nxt = _encode(words, stoi)
    np.add.at(counts, (prev, nxt), 1)
    return counts


def bigram_probs(counts, smoothing=1.0):
    P = np.asarray(counts, dtype=np.float64) + float(smoothing)
    return P / P.sum(axis=1)[:, None]


def bigram_nll(P, words, stoi):
    prev, nxt = _encode(words, stoi)
    return float(np.mean(-np.log(P[prev, nxt])))


def sample_names(P, itos, num, rng):
    """Inverse-CDF sampling with rng.random(), instead of rng.choice."""
    cdf = np.cumsum(P, axis=1)
    last = len(itos) - 1
    names = []
    for _ in range(num):
        chars, ix = [], 0
        while True:
            ix = min(int(np.searchsorted(cdf[ix], rng.random(), side="right")), last)
            if ix == 0:
                break
            chars.append(itos[ix])
        names.append("".join(chars))
    return names
