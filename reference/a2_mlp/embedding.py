"""Embedding: a lookup table, one learned vector per token (the lecture's C)."""
import numpy as np


class Embedding:
    """params = {"weight": (num_embeddings, embedding_dim) float64}, initialised N(0, 1) as in the lecture."""

    def __init__(self, num_embeddings, embedding_dim, rng=None):
        rng = np.random.default_rng(0) if rng is None else rng
        self.params = {"weight": rng.standard_normal((num_embeddings, embedding_dim))}
        self.grads = {}

    def forward(self, idx):
        """Inputs:
        - idx: (N, T) int64 token ids, 0 <= idx < num_embeddings; not modified.

        Returns:
        - out: (N, T, embedding_dim) float64, out[n, t] = weight[idx[n, t]].

        Caches idx.
        """
        ### HINT 1: A lookup table: row idx[n, t] of weight is the vector of that token.
        ### HINT 2: NumPy fancy indexing with the whole (N, T) array returns (N, T, embedding_dim) at once.
        ### HINT 3: self.idx = idx; return weight[idx].
        ### BEGIN SOLUTION: index the table with the whole idx array at once
        self.idx = idx
        return self.params["weight"][idx]
        ### END SOLUTION

    def backward(self, dout):
        """Inputs:
        - dout: (N, T, embedding_dim) float64, upstream gradient.

        Returns None (token ids have no gradient). Sets self.grads["weight"]: (num_embeddings, embedding_dim);
        a token that appears several times in idx receives the sum of all its gradients.
        """
        ### HINT 1: weight[idx] is onehot(idx) @ weight: an indexing is a matrix product with a one-hot matrix, so the
        ###   matrix-product rule applies.
        ### HINT 2: Each position (n, t) sends its dout[n, t] back to row idx[n, t]; repeats add up (plain assignment
        ###   weight[idx] = ... keeps only the last one), untouched rows stay 0.
        ### HINT 3: dweight = zeros_like(weight); np.add.at(dweight, idx, dout) (or onehot(idx.reshape(-1)).T @
        ###   dout.reshape(-1, D)).
        ### ANSWER: np.add.at(dweight, idx, dout)
        ### ANSWER: np.add.at(dC, idx, demb)
        ### BEGIN SOLUTION: set self.grads['weight'] (num_embeddings, embedding_dim); a token used several times receives the sum of all its gradients
        # weight[idx] is onehot(idx) @ weight, so dweight = onehot(idx).T @ dout: each token's row gets the sum
        # of the rows of dout where it occurs (what np.add.at(dweight, idx, dout) computes, several times faster)
        num_embeddings = self.params["weight"].shape[0]
        onehot = np.eye(num_embeddings, dtype=dout.dtype)[self.idx.reshape(-1)]  # (N * T, num_embeddings)
        dweight = onehot.T @ dout.reshape(-1, dout.shape[-1])  # (N, T, D) -> (N * T, D)
        self.grads["weight"] = dweight
        return None
        ### END SOLUTION
