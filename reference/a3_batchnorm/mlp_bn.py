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
        ### HINT 1: The module docstring's loop: each layer is x @ W_i (no bias), the i-th BatchNorm1d, tanh.
        ### HINT 2: Flatten the embeddings to (N, block_size * n_embd) first; keep every layer's input x and output h,
        ###   backward and the diagnostics need them.
        ### HINT 3: x = C[idx].reshape(N, -1); per layer: keep x, x = tanh(bn_i.forward(x @ W_i)), keep it in self.h;
        ###   logits = x @ W_out + b_out.
        ### BEGIN SOLUTION: embed, flatten, then per layer x @ W_i, the i-th BatchNorm1d, tanh; output layer
        self.idx = idx
        x = self.params["C"][idx].reshape(len(idx), -1)
        self.x, self.h = [], []
        for i, bn in enumerate(self.bns, start=1):
            self.x.append(x)
            x = np.tanh(bn.forward(x @ self.params[f"W{i}"]))
            self.h.append(x)
        self.x.append(x)
        out = self.n_layers + 1
        return x @ self.params[f"W{out}"] + self.params[f"b{out}"]
        ### END SOLUTION

    def backward(self, dlogits):
        """Inputs:
        - dlogits: (N, vocab_size) float64, upstream gradient.

        Returns None. Sets self.grads with the keys of self.params, each the shape of its parameter, and
        self.dh: the gradient of each layer's tanh output h_i, (N, n_hidden), layer 1 first.
        """
        ### HINT 1: Walk the layers in reverse: the output Linear, then per layer tanh, your BatchNorm1d.backward, the
        ###   product x @ W_i; last the embedding table.
        ### HINT 2: Each Linear follows a2's rules (the weight gradient from the layer's cached input, the input
        ###   gradient from the weight); tanh's derivative uses its cached output; BatchNorm1d.backward returns
        ###   dhpreact and holds dgamma, dbeta; a token used several times in idx accumulates into C.
        ### HINT 3: dW_out = x_L.T @ dlogits, db_out = dlogits.sum(0), dx = dlogits @ W_out.T; per layer i from L
        ###   down: dh[i] = dx, dhbn = dx * (1 - h_i**2), dhpre = bn_i.backward(dhbn), dW_i = x_i.T @ dhpre, dx =
        ###   dhpre @ W_i.T; dC = zeros; np.add.at(dC, idx, dx.reshape(N, T, -1)).
        ### BEGIN SOLUTION: fill self.grads (the keys of self.params) and self.dh, layer 1 first; return None
        out = self.n_layers + 1
        self.grads = {f"W{out}": self.x[-1].T @ dlogits, f"b{out}": dlogits.sum(axis=0)}
        dx = dlogits @ self.params[f"W{out}"].T
        self.dh = [None] * self.n_layers
        for i in range(self.n_layers, 0, -1):
            bn = self.bns[i - 1]
            self.dh[i - 1] = dx
            dhbn = dx * (1.0 - self.h[i - 1] ** 2)
            dhpreact = bn.backward(dhbn)
            self.grads[f"bngain{i}"] = bn.grads["gamma"]
            self.grads[f"bnbias{i}"] = bn.grads["beta"]
            self.grads[f"W{i}"] = self.x[i - 1].T @ dhpreact
            dx = dhpreact @ self.params[f"W{i}"].T
        dC = np.zeros_like(self.params["C"])
        np.add.at(dC, self.idx, dx.reshape(*self.idx.shape, -1))
        self.grads["C"] = dC
        return None
        ### END SOLUTION
