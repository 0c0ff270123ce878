"""The plainest NumPy MLP step (the lecture's sizes, float32, batch 32, random data of the names' size): the
floor `makemore train mlp` is measured against on this machine. A script, not a test:

    OPENBLAS_NUM_THREADS=1 python tests/bench/minimal_mlp_loop.py

A target of 200k steps in under 20 s assumes 0.07 ms a step; where this loop itself needs more, the
target is out of NumPy's reach on that machine and the kit is judged by its ratio to this floor.
"""
import time

import numpy as np

rng = np.random.default_rng(0)
N, V, T, D, H, B = 182000, 27, 3, 10, 200, 32
X, Y = rng.integers(0, V, (N, T)), rng.integers(0, V, N)
C = rng.standard_normal((V, D)).astype(np.float32)
W1 = (rng.standard_normal((T * D, H)) * 0.2).astype(np.float32)
b1 = np.zeros(H, np.float32)
W2 = (rng.standard_normal((H, V)) * 0.01).astype(np.float32)
b2 = np.zeros(V, np.float32)
eye = np.eye(V, dtype=np.float32)
steps = 20000
t = time.process_time()
for i in range(steps):
    ix = rng.integers(0, N, B)
    xb, yb = X[ix], Y[ix]
    emb = C[xb].reshape(B, -1)
    h = np.tanh(emb @ W1 + b1)
    logits = h @ W2 + b2
    logits -= logits.max(1, keepdims=True)
    p = np.exp(logits)
    p /= p.sum(1, keepdims=True)
    p[np.arange(B), yb] -= 1
    dlogits = p / B
    dW2, db2 = h.T @ dlogits, dlogits.sum(0)
    dpre = (dlogits @ W2.T) * (1 - h * h)
    dW1, db1 = emb.T @ dpre, dpre.sum(0)
    demb = (dpre @ W1.T).reshape(B * T, D)
    dC = eye[xb.ravel()].T @ demb
    for P, G in ((C, dC), (W1, dW1), (b1, db1), (W2, dW2), (b2, db2)):
        P -= 0.1 * G
per_step = (time.process_time() - t) / steps
print(f"minimal loop: {per_step * 1e3:.3f} ms a step (CPU time) -> 200k steps in {per_step * 2e5:.1f} s")
