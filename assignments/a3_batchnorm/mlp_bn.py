"""The lecture's deeper MLP: embedding, then n_layers of Linear (no bias) -> BatchNorm1d -> Tanh, then a
Linear output layer (makemore part 3).

    emb = C[X]                                   (N, block_size, n_embd)
    x = emb.reshape(N, -1)                       (N, block_size * n_embd)
    for i in 1..n_layers:
        hpreact_i = x @ W_i                      (N, n_hidden)   no bias: BatchNorm's beta replaces it
        hbn_i = BatchNorm1d_i(hpreact_i)         (N, n_hidden)
        x = h_i = tanh(hbn_i)                    (N, n_hidden)
    logits = x @ W_out + b_out                   (N, vocab_size)

With n_layers=1 and n_hidden=200 this is the lecture's BatchNorm network (dev loss 2.106); with n_layers=5 and
n_hidden=100, the deep one whose statistics the lecture plots.
"""
import numpy as np

from .batchnorm import BatchNorm1d


class BatchNormMLP:
    """params = {"C": (vocab_size, n_embd), "W1": (block_size * n_embd, n_hidden), "bngain1": (n_hidden,),
    "bnbias1": (n_hidden,), "W2": (n_hidden, n_hidden), "bngain2", "bnbias2", ..., "W{L+1}": (n_hidden,
    vocab_size), "b{L+1}": (vocab_size,)} float64, L = n_layers; bngain_i/bnbias_i are the very arrays of the
    i-th BatchNorm1d (its gamma and beta). buffers = {"bnmean_running{i}", "bnvar_running{i}"}: (n_hidden,),
    its running statistics.

    Initialisation (Kaiming for tanh): W_i ~ N(0, 1) * (5/3) / sqrt(fan_in); the output layer is scaled down,
    W_out * 0.01 and b_out = 0, so the first logits are near uniform (initial loss near log(vocab_size)).
    train()/eval() switch every BatchNorm1d. After forward, self.h holds each layer's tanh output (N, n_hidden)
    and after backward self.dh their gradients, for the diagnostics.
    """

    def __init__(self, vocab_size=27, block_size=3, n_embd=10, n_hidden=200, n_layers=1, rng=None):
        rng = np.random.default_rng(0) if rng is None else rng
        self.block_size = block_size
        self.n_layers = n_layers
        self.params = {"C": rng.standard_normal((vocab_size, n_embd))}
        self.buffers = {}
        self.bns = []
        fan_in = block_size * n_embd
        for i in range(1, n_layers + 1):
            self.params[f"W{i}"] = rng.standard_normal((fan_in, n_hidden)) * (5 / 3) / fan_in**0.5
            bn = BatchNorm1d(n_hidden)
            self.bns.append(bn)
            self.params[f"bngain{i}"] = bn.params["gamma"]
            self.params[f"bnbias{i}"] = bn.params["beta"]
            self.buffers[f"bnmean_running{i}"] = bn.buffers["running_mean"]
            self.buffers[f"bnvar_running{i}"] = bn.buffers["running_var"]
            fan_in = n_hidden
        out = n_layers + 1
        self.params[f"W{out}"] = rng.standard_normal((fan_in, vocab_size)) / fan_in**0.5 * 0.01
        self.params[f"b{out}"] = np.zeros(vocab_size)
        self.grads = {}
        self.training = True

    def train(self):
        self.training = True
        for bn in self.bns:
            bn.train()
        return self

    def eval(self):
        self.training = False
        for bn in self.bns:
            bn.eval()
        return self

    def forward(self, idx):
        """Inputs:
        - idx: (N, block_size) int64 contexts; not modified. N >= 2 in training mode (BatchNorm).

        Returns:
        - logits: (N, vocab_size) float64.

        Caches idx, each layer's input x (N, fan_in) and output h (N, n_hidden) in self.h.
        """
        # YOUR CODE HERE (BatchNormMLP.forward): embed, flatten, then per layer x @ W_i, the i-th BatchNorm1d, tanh; output layer
        raise NotImplementedError('BatchNormMLP.forward: embed, flatten, then per layer x @ W_i, the i-th BatchNorm1d, tanh; output layer')

    def backward(self, dlogits):
        """Inputs:
        - dlogits: (N, vocab_size) float64, upstream gradient.

        Returns None. Sets self.grads with the keys of self.params, each the shape of its parameter, and
        self.dh: the gradient of each layer's tanh output h_i, (N, n_hidden), layer 1 first.
        """
        # YOUR CODE HERE (BatchNormMLP.backward): fill self.grads (the keys of self.params) and self.dh, layer 1 first; return None
        raise NotImplementedError('BatchNormMLP.backward: fill self.grads (the keys of self.params) and self.dh, layer 1 first; return None')
