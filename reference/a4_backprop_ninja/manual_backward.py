"""Part 1: backpropagate through the forward chain by hand, one intermediate at a time.

Each function returns the gradient of the loss with respect to one intermediate of forward.py (or one
parameter), from the gradient(s) of what that intermediate feeds and from cached values of the forward pass.
The grader calls each function on its own, with upstream gradients it chooses (the true ones and random ones),
so one wrong step costs that step's points only.

Rules of thumb (each gradient has exactly the shape of its variable):
- a variable used twice receives the sum of both gradients (counts feeds probs and counts_sum);
- a variable broadcast in forward sums its gradient over the broadcast axis, keeping it (keepdims=True):
  counts_sum_inv (N, 1) was broadcast over the V columns of counts;
- a sum in forward broadcasts the upstream gradient back over the summed axis.

N is the batch size, V the vocabulary, H the hidden size, T the block size, D the embedding size.
"""
import numpy as np

from .forward import EPS


# -- cross-entropy, from the loss back to the logits --------------------------------------------------------

def dlogprobs(logprobs, Yb):
    """loss = -logprobs[range(N), Yb].mean().

    Inputs: logprobs (N, V) float64; Yb (N,) int64 targets.
    Returns dlogprobs (N, V) float64: -1/N at each row's target, 0 elsewhere.
    """
    ### BEGIN SOLUTION: zeros of logprobs' shape; only the N picked entries get a gradient, and the mean divides by N
    n = logprobs.shape[0]
    grad = np.zeros_like(logprobs)
    grad[np.arange(n), Yb] = -1.0 / n
    return grad
    ### END SOLUTION


def dprobs(dlogprobs, probs):
    """logprobs = log(probs).  Inputs: dlogprobs (N, V), probs (N, V).  Returns dprobs (N, V)."""
    ### BEGIN SOLUTION: d log(x)/dx = 1/x, times the upstream gradient
    return (1.0 / probs) * dlogprobs
    ### END SOLUTION


def dcounts_sum_inv(dprobs, counts):
    """probs = counts * counts_sum_inv, counts_sum_inv (N, 1) broadcast over the V columns.

    Inputs: dprobs (N, V), counts (N, V).  Returns dcounts_sum_inv (N, 1).
    """
    ### BEGIN SOLUTION: local derivative counts, summed over the broadcast axis 1 with keepdims=True
    return (counts * dprobs).sum(1, keepdims=True)
    ### END SOLUTION


def dcounts_sum(dcounts_sum_inv, counts_sum):
    """counts_sum_inv = counts_sum**-1.  Inputs: dcounts_sum_inv (N, 1), counts_sum (N, 1).  Returns (N, 1)."""
    ### BEGIN SOLUTION: d x**-1 / dx = -x**-2
    return -counts_sum**-2 * dcounts_sum_inv
    ### END SOLUTION


def dcounts(dprobs, dcounts_sum, counts_sum_inv):
    """counts feeds two operations: probs = counts * counts_sum_inv and counts_sum = counts.sum(1, keepdims=True).

    Inputs: dprobs (N, V), dcounts_sum (N, 1), counts_sum_inv (N, 1).  Returns dcounts (N, V): both paths added.
    """
    ### BEGIN SOLUTION: counts_sum_inv * dprobs (through probs) plus dcounts_sum broadcast along each row (through the sum)
    return counts_sum_inv * dprobs + np.ones_like(dprobs) * dcounts_sum
    ### END SOLUTION


def dnorm_logits(dcounts, counts):
    """counts = exp(norm_logits).  Inputs: dcounts (N, V), counts (N, V).  Returns dnorm_logits (N, V)."""
    ### BEGIN SOLUTION: d exp(x)/dx = exp(x), which is counts itself
    return counts * dcounts
    ### END SOLUTION


def dlogit_maxes(dnorm_logits):
    """norm_logits = logits - logit_maxes, logit_maxes (N, 1) broadcast over the V columns.

    Inputs: dnorm_logits (N, V).  Returns dlogit_maxes (N, 1) (about 0 on the true chain: the max does not
    change the softmax; it is not 0 for other upstream gradients).
    """
    ### BEGIN SOLUTION: minus the sum over the broadcast axis 1, keepdims=True
    return -dnorm_logits.sum(1, keepdims=True)
    ### END SOLUTION


def dlogits(dnorm_logits, dlogit_maxes, logits):
    """logits feeds norm_logits = logits - logit_maxes and logit_maxes = logits.max(1, keepdims=True).

    Inputs: dnorm_logits (N, V), dlogit_maxes (N, 1), logits (N, V).
    Returns dlogits (N, V): dnorm_logits plus dlogit_maxes routed to the column of each row's max.
    """
    ### BEGIN SOLUTION: dnorm_logits + one_hot(logits.argmax(1)) * dlogit_maxes
    one_hot = np.zeros_like(logits)
    one_hot[np.arange(logits.shape[0]), logits.argmax(1)] = 1.0
    return dnorm_logits + one_hot * dlogit_maxes
    ### END SOLUTION


# -- the output layer and tanh ------------------------------------------------------------------------------

def dh(dlogits, W2):
    """logits = h @ W2 + b2.  Inputs: dlogits (N, V), W2 (H, V).  Returns dh (N, H)."""
    ### BEGIN SOLUTION: dlogits @ W2.T
    return dlogits @ W2.T
    ### END SOLUTION


def dW2(dlogits, h):
    """logits = h @ W2 + b2.  Inputs: dlogits (N, V), h (N, H).  Returns dW2 (H, V), summed over the batch."""
    ### BEGIN SOLUTION: h.T @ dlogits
    return h.T @ dlogits
    ### END SOLUTION


def db2(dlogits):
    """logits = h @ W2 + b2, b2 (V,) broadcast over the N rows.  Inputs: dlogits (N, V).  Returns db2 (V,)."""
    ### BEGIN SOLUTION: sum over the rows (b2 has no row axis: no keepdims)
    return dlogits.sum(0)
    ### END SOLUTION


def dhpreact(dh, h):
    """h = tanh(hpreact).  Inputs: dh (N, H), h (N, H).  Returns dhpreact (N, H)."""
    ### BEGIN SOLUTION: d tanh(x)/dx = 1 - tanh(x)**2 = 1 - h**2
    return (1.0 - h**2) * dh
    ### END SOLUTION


# -- BatchNorm, one operation at a time ---------------------------------------------------------------------

def dbngain(dhpreact, bnraw):
    """hpreact = bngain * bnraw + bnbias, bngain (1, H) broadcast over the rows.

    Inputs: dhpreact (N, H), bnraw (N, H).  Returns dbngain (1, H).
    """
    ### BEGIN SOLUTION: (bnraw * dhpreact) summed over axis 0 with keepdims=True
    return (bnraw * dhpreact).sum(0, keepdims=True)
    ### END SOLUTION


def dbnbias(dhpreact):
    """hpreact = bngain * bnraw + bnbias, bnbias (1, H).  Inputs: dhpreact (N, H).  Returns dbnbias (1, H)."""
    ### BEGIN SOLUTION: dhpreact summed over axis 0 with keepdims=True
    return dhpreact.sum(0, keepdims=True)
    ### END SOLUTION


def dbnraw(dhpreact, bngain):
    """hpreact = bngain * bnraw + bnbias.  Inputs: dhpreact (N, H), bngain (1, H).  Returns dbnraw (N, H)."""
    ### BEGIN SOLUTION: bngain * dhpreact
    return bngain * dhpreact
    ### END SOLUTION


def dbnvar_inv(dbnraw, bndiff):
    """bnraw = bndiff * bnvar_inv, bnvar_inv (1, H) broadcast over the rows.

    Inputs: dbnraw (N, H), bndiff (N, H).  Returns dbnvar_inv (1, H).
    """
    ### BEGIN SOLUTION: (bndiff * dbnraw) summed over axis 0 with keepdims=True
    return (bndiff * dbnraw).sum(0, keepdims=True)
    ### END SOLUTION


def dbnvar(dbnvar_inv, bnvar):
    """bnvar_inv = (bnvar + EPS)**-0.5.  Inputs: dbnvar_inv (1, H), bnvar (1, H).  Returns dbnvar (1, H)."""
    ### BEGIN SOLUTION: power rule: -0.5 * (bnvar + EPS)**-1.5, EPS included
    return -0.5 * (bnvar + EPS) ** -1.5 * dbnvar_inv
    ### END SOLUTION


def dbndiff2(dbnvar, bndiff2):
    """bnvar = 1/(N-1) * bndiff2.sum(0, keepdims=True) (Bessel's correction).

    Inputs: dbnvar (1, H), bndiff2 (N, H).  Returns dbndiff2 (N, H).
    """
    ### BEGIN SOLUTION: the sum broadcasts dbnvar back to every row, times 1/(N-1)
    n = bndiff2.shape[0]
    return 1.0 / (n - 1) * np.ones_like(bndiff2) * dbnvar
    ### END SOLUTION


def dbndiff(dbnraw, dbndiff2, bndiff, bnvar_inv):
    """bndiff feeds bnraw = bndiff * bnvar_inv and bndiff2 = bndiff**2.

    Inputs: dbnraw (N, H), dbndiff2 (N, H), bndiff (N, H), bnvar_inv (1, H).  Returns dbndiff (N, H).
    """
    ### BEGIN SOLUTION: bnvar_inv * dbnraw (through bnraw) plus 2 * bndiff * dbndiff2 (through the square)
    return bnvar_inv * dbnraw + 2.0 * bndiff * dbndiff2
    ### END SOLUTION


def dbnmeani(dbndiff):
    """bndiff = hprebn - bnmeani, bnmeani (1, H) broadcast over the rows.  Inputs: dbndiff (N, H).
    Returns dbnmeani (1, H)."""
    ### BEGIN SOLUTION: minus the sum over axis 0, keepdims=True
    return -dbndiff.sum(0, keepdims=True)
    ### END SOLUTION


def dhprebn(dbndiff, dbnmeani):
    """hprebn feeds bndiff = hprebn - bnmeani and bnmeani = 1/N * hprebn.sum(0, keepdims=True).

    Inputs: dbndiff (N, H), dbnmeani (1, H).  Returns dhprebn (N, H): both paths added.
    """
    ### BEGIN SOLUTION: dbndiff plus 1/N * dbnmeani broadcast to every row
    n = dbndiff.shape[0]
    return dbndiff + 1.0 / n * np.ones_like(dbndiff) * dbnmeani
    ### END SOLUTION


# -- the first layer and the embedding ----------------------------------------------------------------------

def dembcat(dhprebn, W1):
    """hprebn = embcat @ W1 + b1.  Inputs: dhprebn (N, H), W1 (T*D, H).  Returns dembcat (N, T*D)."""
    ### BEGIN SOLUTION: dhprebn @ W1.T
    return dhprebn @ W1.T
    ### END SOLUTION


def dW1(dhprebn, embcat):
    """hprebn = embcat @ W1 + b1.  Inputs: dhprebn (N, H), embcat (N, T*D).  Returns dW1 (T*D, H)."""
    ### BEGIN SOLUTION: embcat.T @ dhprebn
    return embcat.T @ dhprebn
    ### END SOLUTION


def db1(dhprebn):
    """hprebn = embcat @ W1 + b1, b1 (H,).  Inputs: dhprebn (N, H).  Returns db1 (H,)."""
    ### BEGIN SOLUTION: sum over the rows, no keepdims (b1 is (H,))
    return dhprebn.sum(0)
    ### END SOLUTION


def demb(dembcat, emb):
    """embcat = emb.reshape(N, -1).  Inputs: dembcat (N, T*D), emb (N, T, D).  Returns demb (N, T, D)."""
    ### BEGIN SOLUTION: undo the reshape: dembcat.reshape(emb.shape)
    return dembcat.reshape(emb.shape)
    ### END SOLUTION


def dC(demb, Xb, C):
    """emb = C[Xb].  Inputs: demb (N, T, D), Xb (N, T) int64, C (V, D) (for its shape; not modified).

    Returns dC (V, D): row i is the sum of demb over every position where Xb == i (a token used several times
    accumulates, it is not overwritten).
    """
    ### BEGIN SOLUTION: scatter-add demb into zeros of C's shape with np.add.at (dC[Xb] = demb loses repeats)
    grad = np.zeros_like(C)
    np.add.at(grad, Xb, demb)
    return grad
    ### END SOLUTION


# -- the whole chain, in the lecture's order (given) --------------------------------------------------------

def backward(params, cache, Xb, Yb):
    """Every gradient of the chain, from the loss down to the parameters, with the functions above.

    Inputs: params (forward.init_params), cache (what forward.forward returned), Xb (N, T), Yb (N,).
    Returns a dict "dNAME" -> gradient, for every intermediate and parameter, each the shape of NAME.
    """
    c, p = cache, params
    g = {}
    g["dlogprobs"] = dlogprobs(c["logprobs"], Yb)
    g["dprobs"] = dprobs(g["dlogprobs"], c["probs"])
    g["dcounts_sum_inv"] = dcounts_sum_inv(g["dprobs"], c["counts"])
    g["dcounts_sum"] = dcounts_sum(g["dcounts_sum_inv"], c["counts_sum"])
    g["dcounts"] = dcounts(g["dprobs"], g["dcounts_sum"], c["counts_sum_inv"])
    g["dnorm_logits"] = dnorm_logits(g["dcounts"], c["counts"])
    g["dlogit_maxes"] = dlogit_maxes(g["dnorm_logits"])
    g["dlogits"] = dlogits(g["dnorm_logits"], g["dlogit_maxes"], c["logits"])
    g["dh"] = dh(g["dlogits"], p["W2"])
    g["dW2"] = dW2(g["dlogits"], c["h"])
    g["db2"] = db2(g["dlogits"])
    g["dhpreact"] = dhpreact(g["dh"], c["h"])
    g["dbngain"] = dbngain(g["dhpreact"], c["bnraw"])
    g["dbnbias"] = dbnbias(g["dhpreact"])
    g["dbnraw"] = dbnraw(g["dhpreact"], p["bngain"])
    g["dbnvar_inv"] = dbnvar_inv(g["dbnraw"], c["bndiff"])
    g["dbnvar"] = dbnvar(g["dbnvar_inv"], c["bnvar"])
    g["dbndiff2"] = dbndiff2(g["dbnvar"], c["bndiff2"])
    g["dbndiff"] = dbndiff(g["dbnraw"], g["dbndiff2"], c["bndiff"], c["bnvar_inv"])
    g["dbnmeani"] = dbnmeani(g["dbndiff"])
    g["dhprebn"] = dhprebn(g["dbndiff"], g["dbnmeani"])
    g["dembcat"] = dembcat(g["dhprebn"], p["W1"])
    g["dW1"] = dW1(g["dhprebn"], c["embcat"])
    g["db1"] = db1(g["dhprebn"])
    g["demb"] = demb(g["dembcat"], c["emb"])
    g["dC"] = dC(g["demb"], Xb, p["C"])
    return g
