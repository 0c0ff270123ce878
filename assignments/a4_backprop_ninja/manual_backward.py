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
    Returns dlogprobs (N, V) float64.
    """
    # YOUR CODE HERE (dlogprobs): return dlogprobs with the shape of logprobs
    raise NotImplementedError('dlogprobs: return dlogprobs with the shape of logprobs')


def dprobs(dlogprobs, probs):
    """logprobs = log(probs).  Inputs: dlogprobs (N, V), probs (N, V).  Returns dprobs (N, V)."""
    # YOUR CODE HERE (dprobs): return dprobs with the shape of probs
    raise NotImplementedError('dprobs: return dprobs with the shape of probs')


def dcounts_sum_inv(dprobs, counts):
    """probs = counts * counts_sum_inv, counts_sum_inv (N, 1) broadcast over the V columns.

    Inputs: dprobs (N, V), counts (N, V).  Returns dcounts_sum_inv (N, 1).
    """
    # YOUR CODE HERE (dcounts_sum_inv): return dcounts_sum_inv with the shape of counts_sum_inv
    raise NotImplementedError('dcounts_sum_inv: return dcounts_sum_inv with the shape of counts_sum_inv')


def dcounts_sum(dcounts_sum_inv, counts_sum):
    """counts_sum_inv = counts_sum**-1.  Inputs: dcounts_sum_inv (N, 1), counts_sum (N, 1).  Returns (N, 1)."""
    # YOUR CODE HERE (dcounts_sum): return dcounts_sum with the shape of counts_sum
    raise NotImplementedError('dcounts_sum: return dcounts_sum with the shape of counts_sum')


def dcounts(dprobs, dcounts_sum, counts_sum_inv):
    """counts feeds two operations: probs = counts * counts_sum_inv and counts_sum = counts.sum(1, keepdims=True).

    Inputs: dprobs (N, V), dcounts_sum (N, 1), counts_sum_inv (N, 1).  Returns dcounts (N, V): both paths added.
    """
    # YOUR CODE HERE (dcounts): return dcounts with the shape of counts
    raise NotImplementedError('dcounts: return dcounts with the shape of counts')


def dnorm_logits(dcounts, counts):
    """counts = exp(norm_logits).  Inputs: dcounts (N, V), counts (N, V).  Returns dnorm_logits (N, V)."""
    # YOUR CODE HERE (dnorm_logits): return dnorm_logits with the shape of norm_logits
    raise NotImplementedError('dnorm_logits: return dnorm_logits with the shape of norm_logits')


def dlogit_maxes(dnorm_logits):
    """norm_logits = logits - logit_maxes, logit_maxes (N, 1) broadcast over the V columns.

    Inputs: dnorm_logits (N, V).  Returns dlogit_maxes (N, 1) (about 0 on the true chain: the max does not
    change the softmax; it is not 0 for other upstream gradients).
    """
    # YOUR CODE HERE (dlogit_maxes): return dlogit_maxes with the shape of logit_maxes
    raise NotImplementedError('dlogit_maxes: return dlogit_maxes with the shape of logit_maxes')


def dlogits(dnorm_logits, dlogit_maxes, logits):
    """logits feeds norm_logits = logits - logit_maxes and logit_maxes = logits.max(1, keepdims=True).

    Inputs: dnorm_logits (N, V), dlogit_maxes (N, 1), logits (N, V).
    Returns dlogits (N, V): both paths added.
    """
    # YOUR CODE HERE (dlogits): return dlogits with the shape of logits
    raise NotImplementedError('dlogits: return dlogits with the shape of logits')


# -- the output layer and tanh ------------------------------------------------------------------------------

def dh(dlogits, W2):
    """logits = h @ W2 + b2.  Inputs: dlogits (N, V), W2 (H, V).  Returns dh (N, H)."""
    # YOUR CODE HERE (dh): return dh with the shape of h
    raise NotImplementedError('dh: return dh with the shape of h')


def dW2(dlogits, h):
    """logits = h @ W2 + b2.  Inputs: dlogits (N, V), h (N, H).  Returns dW2 (H, V), summed over the batch."""
    # YOUR CODE HERE (dW2): return dW2 with the shape of W2
    raise NotImplementedError('dW2: return dW2 with the shape of W2')


def db2(dlogits):
    """logits = h @ W2 + b2, b2 (V,) broadcast over the N rows.  Inputs: dlogits (N, V).  Returns db2 (V,)."""
    # YOUR CODE HERE (db2): return db2 with the shape of b2
    raise NotImplementedError('db2: return db2 with the shape of b2')


def dhpreact(dh, h):
    """h = tanh(hpreact).  Inputs: dh (N, H), h (N, H).  Returns dhpreact (N, H)."""
    # YOUR CODE HERE (dhpreact): return dhpreact with the shape of hpreact
    raise NotImplementedError('dhpreact: return dhpreact with the shape of hpreact')


# -- BatchNorm, one operation at a time ---------------------------------------------------------------------

def dbngain(dhpreact, bnraw):
    """hpreact = bngain * bnraw + bnbias, bngain (1, H) broadcast over the rows.

    Inputs: dhpreact (N, H), bnraw (N, H).  Returns dbngain (1, H).
    """
    # YOUR CODE HERE (dbngain): return dbngain with the shape of bngain
    raise NotImplementedError('dbngain: return dbngain with the shape of bngain')


def dbnbias(dhpreact):
    """hpreact = bngain * bnraw + bnbias, bnbias (1, H).  Inputs: dhpreact (N, H).  Returns dbnbias (1, H)."""
    # YOUR CODE HERE (dbnbias): return dbnbias with the shape of bnbias
    raise NotImplementedError('dbnbias: return dbnbias with the shape of bnbias')


def dbnraw(dhpreact, bngain):
    """hpreact = bngain * bnraw + bnbias.  Inputs: dhpreact (N, H), bngain (1, H).  Returns dbnraw (N, H)."""
    # YOUR CODE HERE (dbnraw): return dbnraw with the shape of bnraw
    raise NotImplementedError('dbnraw: return dbnraw with the shape of bnraw')


def dbnvar_inv(dbnraw, bndiff):
    """bnraw = bndiff * bnvar_inv, bnvar_inv (1, H) broadcast over the rows.

    Inputs: dbnraw (N, H), bndiff (N, H).  Returns dbnvar_inv (1, H).
    """
    # YOUR CODE HERE (dbnvar_inv): return dbnvar_inv with the shape of bnvar_inv
    raise NotImplementedError('dbnvar_inv: return dbnvar_inv with the shape of bnvar_inv')


def dbnvar(dbnvar_inv, bnvar):
    """bnvar_inv = (bnvar + EPS)**-0.5.  Inputs: dbnvar_inv (1, H), bnvar (1, H).  Returns dbnvar (1, H)."""
    # YOUR CODE HERE (dbnvar): return dbnvar with the shape of bnvar
    raise NotImplementedError('dbnvar: return dbnvar with the shape of bnvar')


def dbndiff2(dbnvar, bndiff2):
    """bnvar = 1/(N-1) * bndiff2.sum(0, keepdims=True) (Bessel's correction).

    Inputs: dbnvar (1, H), bndiff2 (N, H).  Returns dbndiff2 (N, H).
    """
    # YOUR CODE HERE (dbndiff2): return dbndiff2 with the shape of bndiff2
    raise NotImplementedError('dbndiff2: return dbndiff2 with the shape of bndiff2')


def dbndiff(dbnraw, dbndiff2, bndiff, bnvar_inv):
    """bndiff feeds bnraw = bndiff * bnvar_inv and bndiff2 = bndiff**2.

    Inputs: dbnraw (N, H), dbndiff2 (N, H), bndiff (N, H), bnvar_inv (1, H).  Returns dbndiff (N, H).
    """
    # YOUR CODE HERE (dbndiff): return dbndiff with the shape of bndiff
    raise NotImplementedError('dbndiff: return dbndiff with the shape of bndiff')


def dbnmeani(dbndiff):
    """bndiff = hprebn - bnmeani, bnmeani (1, H) broadcast over the rows.  Inputs: dbndiff (N, H).
    Returns dbnmeani (1, H)."""
    # YOUR CODE HERE (dbnmeani): return dbnmeani with the shape of bnmeani
    raise NotImplementedError('dbnmeani: return dbnmeani with the shape of bnmeani')


def dhprebn(dbndiff, dbnmeani):
    """hprebn feeds bndiff = hprebn - bnmeani and bnmeani = 1/N * hprebn.sum(0, keepdims=True).

    Inputs: dbndiff (N, H), dbnmeani (1, H).  Returns dhprebn (N, H): both paths added.
    """
    # YOUR CODE HERE (dhprebn): return dhprebn with the shape of hprebn
    raise NotImplementedError('dhprebn: return dhprebn with the shape of hprebn')


# -- the first layer and the embedding ----------------------------------------------------------------------

def dembcat(dhprebn, W1):
    """hprebn = embcat @ W1 + b1.  Inputs: dhprebn (N, H), W1 (T*D, H).  Returns dembcat (N, T*D)."""
    # YOUR CODE HERE (dembcat): return dembcat with the shape of embcat
    raise NotImplementedError('dembcat: return dembcat with the shape of embcat')


def dW1(dhprebn, embcat):
    """hprebn = embcat @ W1 + b1.  Inputs: dhprebn (N, H), embcat (N, T*D).  Returns dW1 (T*D, H)."""
    # YOUR CODE HERE (dW1): return dW1 with the shape of W1
    raise NotImplementedError('dW1: return dW1 with the shape of W1')


def db1(dhprebn):
    """hprebn = embcat @ W1 + b1, b1 (H,).  Inputs: dhprebn (N, H).  Returns db1 (H,)."""
    # YOUR CODE HERE (db1): return db1 with the shape of b1
    raise NotImplementedError('db1: return db1 with the shape of b1')


def demb(dembcat, emb):
    """embcat = emb.reshape(N, -1).  Inputs: dembcat (N, T*D), emb (N, T, D).  Returns demb (N, T, D)."""
    # YOUR CODE HERE (demb): return demb with the shape of emb
    raise NotImplementedError('demb: return demb with the shape of emb')


def dC(demb, Xb, C):
    """emb = C[Xb].  Inputs: demb (N, T, D), Xb (N, T) int64, C (V, D) (for its shape; not modified).

    Returns dC (V, D) (a token used several times accumulates the gradients of all its uses, it is not
    overwritten).
    """
    # YOUR CODE HERE (dC): return dC with the shape of C (shape of C; C is not modified)
    raise NotImplementedError('dC: return dC with the shape of C (shape of C; C is not modified)')


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
