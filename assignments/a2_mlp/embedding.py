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
        # YOUR CODE HERE (Embedding.forward): index the table with the whole idx array at once
        raise NotImplementedError('Embedding.forward: index the table with the whole idx array at once')

    def backward(self, dout):
        """Inputs:
        - dout: (N, T, embedding_dim) float64, upstream gradient.

        Returns None (token ids have no gradient). Sets self.grads["weight"]: (num_embeddings, embedding_dim);
        a token that appears several times in idx receives the sum of all its gradients.
        """
        # YOUR CODE HERE (Embedding.backward): set self.grads['weight'] (num_embeddings, embedding_dim); a token used several times receives the sum of all its gradients
        raise NotImplementedError("Embedding.backward: set self.grads['weight'] (num_embeddings, embedding_dim); a token used several times receives the sum of all its gradients")
