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
    ### HINT 1: The loss reads only N entries of logprobs, one per row (the target's), and takes their mean.
    ### HINT 2: An entry the loss never reads has gradient 0; each read entry enters the mean with weight 1/N, and the
    ###   loss is minus that mean.
    ### HINT 3: zeros_like(logprobs), then -1/N at [range(N), Yb].
    ### ANSWER: -1/N at each row's target
    ### ANSWER: -1/N at the target
    ### BEGIN SOLUTION: return dlogprobs with the shape of logprobs
    n = logprobs.shape[0]
    grad = np.zeros_like(logprobs)
    grad[np.arange(n), Yb] = -1.0 / n
    return grad
    ### END SOLUTION


def dprobs(dlogprobs, probs):
    """logprobs = log(probs).  Inputs: dlogprobs (N, V), probs (N, V).  Returns dprobs (N, V)."""
    ### HINT 1: Chain rule through an elementwise function: upstream gradient times the local derivative.
    ### HINT 2: The local derivative of log at x is a power of x.
    ### HINT 3: dprobs = dlogprobs / probs.
    ### ANSWER: d log(x)/dx = 1/x
    ### ANSWER: dlogprobs / probs
    ### BEGIN SOLUTION: return dprobs with the shape of probs
    return (1.0 / probs) * dlogprobs
    ### END SOLUTION


def dcounts_sum_inv(dprobs, counts):
    """probs = counts * counts_sum_inv, counts_sum_inv (N, 1) broadcast over the V columns.

    Inputs: dprobs (N, V), counts (N, V).  Returns dcounts_sum_inv (N, 1).
    """
    ### HINT 1: counts_sum_inv (N, 1) is broadcast over the V columns in probs = counts * counts_sum_inv: a broadcast
    ###   in forward is a sum in backward.
    ### HINT 2: In a product, the local derivative with respect to one factor is the other factor; then sum over the
    ###   broadcast axis, keeping it.
    ### HINT 3: (counts * dprobs).sum(1, keepdims=True).
    ### BEGIN SOLUTION: return dcounts_sum_inv with the shape of counts_sum_inv
    return (counts * dprobs).sum(1, keepdims=True)
    ### END SOLUTION


def dcounts_sum(dcounts_sum_inv, counts_sum):
    """counts_sum_inv = counts_sum**-1.  Inputs: dcounts_sum_inv (N, 1), counts_sum (N, 1).  Returns (N, 1)."""
    ### HINT 1: Elementwise power: chain rule with the power rule.
    ### HINT 2: The derivative of x**-1 is -x**-2.
    ### HINT 3: dcounts_sum = -counts_sum**-2 * dcounts_sum_inv.
    ### ANSWER: -counts_sum**-2
    ### BEGIN SOLUTION: return dcounts_sum with the shape of counts_sum
    return -counts_sum**-2 * dcounts_sum_inv
    ### END SOLUTION


def dcounts(dprobs, dcounts_sum, counts_sum_inv):
    """counts feeds two operations: probs = counts * counts_sum_inv and counts_sum = counts.sum(1, keepdims=True).

    Inputs: dprobs (N, V), dcounts_sum (N, 1), counts_sum_inv (N, 1).  Returns dcounts (N, V): both paths added.
    """
    ### HINT 1: counts is used twice (in probs and in counts_sum): it receives the sum of the gradients of both paths.
    ### HINT 2: Through probs the local derivative is the other factor; through the row sum every entry of a row gets
    ###   that row's upstream gradient (a sum in forward broadcasts back).
    ### HINT 3: dcounts = counts_sum_inv * dprobs + dcounts_sum (broadcast along each row).
    ### BEGIN SOLUTION: return dcounts with the shape of counts
    return counts_sum_inv * dprobs + np.ones_like(dprobs) * dcounts_sum
    ### END SOLUTION


def dnorm_logits(dcounts, counts):
    """counts = exp(norm_logits).  Inputs: dcounts (N, V), counts (N, V).  Returns dnorm_logits (N, V)."""
    ### HINT 1: Chain rule through exp.
    ### HINT 2: exp is its own derivative, and forward already computed it.
    ### HINT 3: dnorm_logits = counts * dcounts.
    ### BEGIN SOLUTION: return dnorm_logits with the shape of norm_logits
    return counts * dcounts
    ### END SOLUTION


def dlogit_maxes(dnorm_logits):
    """norm_logits = logits - logit_maxes, logit_maxes (N, 1) broadcast over the V columns.

    Inputs: dnorm_logits (N, V).  Returns dlogit_maxes (N, 1) (about 0 on the true chain: the max does not
    change the softmax; it is not 0 for other upstream gradients).
    """
    ### HINT 1: logit_maxes (N, 1) is broadcast over the V columns and subtracted.
    ### HINT 2: The local derivative of a - b with respect to b is -1; then sum over the broadcast axis, keeping it.
    ### HINT 3: dlogit_maxes = -dnorm_logits.sum(1, keepdims=True).
    ### BEGIN SOLUTION: return dlogit_maxes with the shape of logit_maxes
    return -dnorm_logits.sum(1, keepdims=True)
    ### END SOLUTION


def dlogits(dnorm_logits, dlogit_maxes, logits):
    """logits feeds norm_logits = logits - logit_maxes and logit_maxes = logits.max(1, keepdims=True).

    Inputs: dnorm_logits (N, V), dlogit_maxes (N, 1), logits (N, V).
    Returns dlogits (N, V): both paths added.
    """
    ### HINT 1: logits is used twice: in norm_logits and in logit_maxes = its row max.
    ### HINT 2: Through norm_logits the local derivative is 1; the max of a row depends only on the entry where it is
    ###   reached, with derivative 1 there and 0 elsewhere.
    ### HINT 3: dlogits = dnorm_logits + one_hot(logits.argmax(1)) * dlogit_maxes.
    ### BEGIN SOLUTION: return dlogits with the shape of logits
    one_hot = np.zeros_like(logits)
    one_hot[np.arange(logits.shape[0]), logits.argmax(1)] = 1.0
    return dnorm_logits + one_hot * dlogit_maxes
    ### END SOLUTION


# -- the output layer and tanh ------------------------------------------------------------------------------

def dh(dlogits, W2):
    """logits = h @ W2 + b2.  Inputs: dlogits (N, V), W2 (H, V).  Returns dh (N, H)."""
    ### HINT 1: logits = h @ W2 + b2: the rule of a matrix product.
    ### HINT 2: dh must have h's shape (N, H); each h[i, j] meets row j of W2, so multiply dlogits by W2 transposed.
    ### HINT 3: dh = dlogits @ W2.T.
    ### BEGIN SOLUTION: return dh with the shape of h
    return dlogits @ W2.T
    ### END SOLUTION


def dW2(dlogits, h):
    """logits = h @ W2 + b2.  Inputs: dlogits (N, V), h (N, H).  Returns dW2 (H, V), summed over the batch."""
    ### HINT 1: logits = h @ W2 + b2: the rule of a matrix product, and W2 is used by every row (the rows'
    ###   contributions add).
    ### HINT 2: dW2 must have W2's shape (H, V): the other factor h, transposed, times dlogits.
    ### HINT 3: dW2 = h.T @ dlogits.
    ### BEGIN SOLUTION: return dW2 with the shape of W2
    return h.T @ dlogits
    ### END SOLUTION


def db2(dlogits):
    """logits = h @ W2 + b2, b2 (V,) broadcast over the N rows.  Inputs: dlogits (N, V).  Returns db2 (V,)."""
    ### HINT 1: b2 (V,) is broadcast over the N rows: a broadcast in forward is a sum in backward.
    ### HINT 2: Sum over the rows; b2 has no row axis, so no keepdims.
    ### HINT 3: db2 = dlogits.sum(0).
    ### BEGIN SOLUTION: return db2 with the shape of b2
    return dlogits.sum(0)
    ### END SOLUTION


def dhpreact(dh, h):
    """h = tanh(hpreact).  Inputs: dh (N, H), h (N, H).  Returns dhpreact (N, H)."""
    ### HINT 1: Chain rule through tanh, elementwise.
    ### HINT 2: tanh's derivative can be written with its output h alone.
    ### HINT 3: dhpreact = (1 - h**2) * dh.
    ### BEGIN SOLUTION: return dhpreact with the shape of hpreact
    return (1.0 - h**2) * dh
    ### END SOLUTION


# -- BatchNorm, one operation at a time ---------------------------------------------------------------------

def dbngain(dhpreact, bnraw):
    """hpreact = bngain * bnraw + bnbias, bngain (1, H) broadcast over the rows.

    Inputs: dhpreact (N, H), bnraw (N, H).  Returns dbngain (1, H).
    """
    ### HINT 1: bngain (1, H) multiplies bnraw and is broadcast over the rows.
    ### HINT 2: Local derivative: the other factor, bnraw; then sum over the rows, keeping the axis.
    ### HINT 3: dbngain = (bnraw * dhpreact).sum(0, keepdims=True).
    ### BEGIN SOLUTION: return dbngain with the shape of bngain
    return (bnraw * dhpreact).sum(0, keepdims=True)
    ### END SOLUTION


def dbnbias(dhpreact):
    """hpreact = bngain * bnraw + bnbias, bnbias (1, H).  Inputs: dhpreact (N, H).  Returns dbnbias (1, H)."""
    ### HINT 1: bnbias (1, H) is added and broadcast over the rows.
    ### HINT 2: The local derivative of an addition is 1; sum over the broadcast axis, keeping it.
    ### HINT 3: dbnbias = dhpreact.sum(0, keepdims=True).
    ### BEGIN SOLUTION: return dbnbias with the shape of bnbias
    return dhpreact.sum(0, keepdims=True)
    ### END SOLUTION


def dbnraw(dhpreact, bngain):
    """hpreact = bngain * bnraw + bnbias.  Inputs: dhpreact (N, H), bngain (1, H).  Returns dbnraw (N, H)."""
    ### HINT 1: hpreact = bngain * bnraw + bnbias, elementwise with a broadcast factor.
    ### HINT 2: In a product, the local derivative with respect to one factor is the other; bnraw is (N, H), no sum
    ###   needed.
    ### HINT 3: dbnraw = bngain * dhpreact.
    ### BEGIN SOLUTION: return dbnraw with the shape of bnraw
    return bngain * dhpreact
    ### END SOLUTION


def dbnvar_inv(dbnraw, bndiff):
    """bnraw = bndiff * bnvar_inv, bnvar_inv (1, H) broadcast over the rows.

    Inputs: dbnraw (N, H), bndiff (N, H).  Returns dbnvar_inv (1, H).
    """
    ### HINT 1: bnvar_inv (1, H) is a broadcast factor of bnraw = bndiff * bnvar_inv.
    ### HINT 2: Its local derivative is the other factor, bndiff; then sum over the rows, keeping the axis.
    ### HINT 3: dbnvar_inv = (bndiff * dbnraw).sum(0, keepdims=True).
    ### BEGIN SOLUTION: return dbnvar_inv with the shape of bnvar_inv
    return (bndiff * dbnraw).sum(0, keepdims=True)
    ### END SOLUTION


def dbnvar(dbnvar_inv, bnvar):
    """bnvar_inv = (bnvar + EPS)**-0.5.  Inputs: dbnvar_inv (1, H), bnvar (1, H).  Returns dbnvar (1, H)."""
    ### HINT 1: A power of (bnvar + EPS): chain rule with the power rule.
    ### HINT 2: The exponent -0.5 becomes a factor and the power drops by one; EPS stays inside.
    ### HINT 3: dbnvar = -0.5 * (bnvar + EPS)**-1.5 * dbnvar_inv.
    ### BEGIN SOLUTION: return dbnvar with the shape of bnvar
    return -0.5 * (bnvar + EPS) ** -1.5 * dbnvar_inv
    ### END SOLUTION


def dbndiff2(dbnvar, bndiff2):
    """bnvar = 1/(N-1) * bndiff2.sum(0, keepdims=True) (Bessel's correction).

    Inputs: dbnvar (1, H), bndiff2 (N, H).  Returns dbndiff2 (N, H).
    """
    ### HINT 1: bnvar is a scaled sum over the rows of bndiff2: a sum in forward broadcasts the gradient back to every
    ###   row.
    ### HINT 2: Every row receives dbnvar, times the scale of the sum (forward divides by N-1, not N).
    ### HINT 3: dbndiff2 = 1/(N-1) * ones_like(bndiff2) * dbnvar.
    ### BEGIN SOLUTION: return dbndiff2 with the shape of bndiff2
    n = bndiff2.shape[0]
    return 1.0 / (n - 1) * np.ones_like(bndiff2) * dbnvar
    ### END SOLUTION


def dbndiff(dbnraw, dbndiff2, bndiff, bnvar_inv):
    """bndiff feeds bnraw = bndiff * bnvar_inv and bndiff2 = bndiff**2.

    Inputs: dbnraw (N, H), dbndiff2 (N, H), bndiff (N, H), bnvar_inv (1, H).  Returns dbndiff (N, H).
    """
    ### HINT 1: bndiff is used twice: in bnraw and in bndiff2. It receives the sum of both.
    ### HINT 2: Through bnraw the local derivative is the other factor, bnvar_inv; through the square it is the power
    ###   rule.
    ### HINT 3: dbndiff = bnvar_inv * dbnraw + 2 * bndiff * dbndiff2.
    ### BEGIN SOLUTION: return dbndiff with the shape of bndiff
    return bnvar_inv * dbnraw + 2.0 * bndiff * dbndiff2
    ### END SOLUTION


def dbnmeani(dbndiff):
    """bndiff = hprebn - bnmeani, bnmeani (1, H) broadcast over the rows.  Inputs: dbndiff (N, H).
    Returns dbnmeani (1, H)."""
    ### HINT 1: bnmeani (1, H) is broadcast over the rows and subtracted.
    ### HINT 2: The local derivative with respect to what is subtracted is -1; sum over the rows, keeping the axis.
    ### HINT 3: dbnmeani = -dbndiff.sum(0, keepdims=True).
    ### BEGIN SOLUTION: return dbnmeani with the shape of bnmeani
    return -dbndiff.sum(0, keepdims=True)
    ### END SOLUTION


def dhprebn(dbndiff, dbnmeani):
    """hprebn feeds bndiff = hprebn - bnmeani and bnmeani = 1/N * hprebn.sum(0, keepdims=True).

    Inputs: dbndiff (N, H), dbnmeani (1, H).  Returns dhprebn (N, H): both paths added.
    """
    ### HINT 1: hprebn is used twice: in bndiff and in bnmeani. It receives the sum of both.
    ### HINT 2: Through bndiff the local derivative is 1; through the mean each row gets dbnmeani back (a sum
    ###   broadcasts back), times the mean's scale.
    ### HINT 3: dhprebn = dbndiff + 1/N * ones_like(dbndiff) * dbnmeani.
    ### BEGIN SOLUTION: return dhprebn with the shape of hprebn
    n = dbndiff.shape[0]
    return dbndiff + 1.0 / n * np.ones_like(dbndiff) * dbnmeani
    ### END SOLUTION


# -- the first layer and the embedding ----------------------------------------------------------------------

def dembcat(dhprebn, W1):
    """hprebn = embcat @ W1 + b1.  Inputs: dhprebn (N, H), W1 (T*D, H).  Returns dembcat (N, T*D)."""
    ### HINT 1: hprebn = embcat @ W1 + b1: the rule of a matrix product.
    ### HINT 2: dembcat must have embcat's shape (N, T*D): dhprebn times W1 transposed.
    ### HINT 3: dembcat = dhprebn @ W1.T.
    ### BEGIN SOLUTION: return dembcat with the shape of embcat
    return dhprebn @ W1.T
    ### END SOLUTION


def dW1(dhprebn, embcat):
    """hprebn = embcat @ W1 + b1.  Inputs: dhprebn (N, H), embcat (N, T*D).  Returns dW1 (T*D, H)."""
    ### HINT 1: hprebn = embcat @ W1 + b1: the rule of a matrix product; every row uses W1.
    ### HINT 2: dW1 must have W1's shape (T*D, H): embcat transposed times dhprebn.
    ### HINT 3: dW1 = embcat.T @ dhprebn.
    ### BEGIN SOLUTION: return dW1 with the shape of W1
    return embcat.T @ dhprebn
    ### END SOLUTION


def db1(dhprebn):
    """hprebn = embcat @ W1 + b1, b1 (H,).  Inputs: dhprebn (N, H).  Returns db1 (H,)."""
    ### HINT 1: b1 (H,) is broadcast over the rows: a broadcast in forward is a sum in backward.
    ### HINT 2: Sum over the rows, no keepdims (b1 is (H,)).
    ### HINT 3: db1 = dhprebn.sum(0).
    ### BEGIN SOLUTION: return db1 with the shape of b1
    return dhprebn.sum(0)
    ### END SOLUTION


def demb(dembcat, emb):
    """embcat = emb.reshape(N, -1).  Inputs: dembcat (N, T*D), emb (N, T, D).  Returns demb (N, T, D)."""
    ### HINT 1: A reshape moves no value.
    ### HINT 2: Undo exactly the reshape of forward, back to emb's shape.
    ### HINT 3: demb = dembcat.reshape(emb.shape).
    ### BEGIN SOLUTION: return demb with the shape of emb
    return dembcat.reshape(emb.shape)
    ### END SOLUTION


def dC(demb, Xb, C):
    """emb = C[Xb].  Inputs: demb (N, T, D), Xb (N, T) int64, C (V, D) (for its shape; not modified).

    Returns dC (V, D) (a token used several times accumulates the gradients of all its uses, it is not
    overwritten).
    """
    ### HINT 1: emb = C[Xb] reads rows of C, some of them several times: a row used several times receives the sum of
    ###   all its gradients.
    ### HINT 2: Start from zeros of C's shape; every (n, t) adds demb[n, t] into row Xb[n, t]. dC[Xb] = demb keeps
    ###   only one of the repeats.
    ### HINT 3: dC = zeros_like(C); np.add.at(dC, Xb, demb).
    ### BEGIN SOLUTION: return dC with the shape of C (shape of C; C is not modified)
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
