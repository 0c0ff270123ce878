"""The part-3 notebook's BatchNorm network (nn-zero-to-hero, lectures/makemore/makemore_part3_bn.ipynb, cells 5-10)
in torch, as the notebook writes it, with PyTorch-default running statistics (momentum 0.1) kept beside the
notebook's (momentum 0.001) and the calibration pass, to measure what the evaluation's momentum costs.
Needs torch (optional, never a dependency); about 10 minutes on one thread.

    python tests/bench/a3_lecture_notebook_torch.py ../shared/data/names.txt [seed]

Measured 2026-11-29 with seed 2147483647 (the notebook's): momentum 0.001 train 2.0674 dev 2.1057 test 2.1070
(the notebook prints train 2.0674, val 2.1056840), momentum 0.1 dev 2.1083, calibrated dev 2.1056.
"""
import random, sys, time
import torch
import torch.nn.functional as F
torch.set_num_threads(1)
path = sys.argv[1]; seed = int(sys.argv[2]) if len(sys.argv) > 2 else 2147483647
steps = 200000
words = open(path).read().splitlines()
chars = sorted(list(set(''.join(words))))
stoi = {s:i+1 for i,s in enumerate(chars)}; stoi['.'] = 0
vocab_size = len(stoi); block_size = 3
def build_dataset(words):
  X, Y = [], []
  for w in words:
    context = [0] * block_size
    for ch in w + '.':
      ix = stoi[ch]; X.append(context); Y.append(ix); context = context[1:] + [ix]
  return torch.tensor(X), torch.tensor(Y)
random.seed(42); random.shuffle(words)
n1 = int(0.8*len(words)); n2 = int(0.9*len(words))
Xtr, Ytr = build_dataset(words[:n1]); Xdev, Ydev = build_dataset(words[n1:n2]); Xte, Yte = build_dataset(words[n2:])
n_embd = 10; n_hidden = 200
g = torch.Generator().manual_seed(seed)
C  = torch.randn((vocab_size, n_embd), generator=g)
W1 = torch.randn((n_embd * block_size, n_hidden), generator=g) * (5/3)/((n_embd * block_size)**0.5)
W2 = torch.randn((n_hidden, vocab_size), generator=g) * 0.01
b2 = torch.randn(vocab_size, generator=g) * 0
bngain = torch.ones((1, n_hidden)); bnbias = torch.zeros((1, n_hidden))
bnmean_running = torch.zeros((1, n_hidden)); bnstd_running = torch.ones((1, n_hidden))
# shadows: PyTorch-default momentum 0.1 on mean and (unbiased) var, as the kit's BatchNorm1d
m01_mean = torch.zeros((1, n_hidden)); m01_var = torch.ones((1, n_hidden))
parameters = [C, W1, W2, b2, bngain, bnbias]
for p in parameters: p.requires_grad = True
t0 = time.time()
for i in range(steps):
  ix = torch.randint(0, Xtr.shape[0], (32,), generator=g)
  Xb, Yb = Xtr[ix], Ytr[ix]
  emb = C[Xb]; embcat = emb.view(emb.shape[0], -1)
  hpreact = embcat @ W1
  bnmeani = hpreact.mean(0, keepdim=True); bnstdi = hpreact.std(0, keepdim=True)
  hpreact = bngain * (hpreact - bnmeani) / bnstdi + bnbias
  with torch.no_grad():
    bnmean_running = 0.999 * bnmean_running + 0.001 * bnmeani
    bnstd_running = 0.999 * bnstd_running + 0.001 * bnstdi
    m01_mean = 0.9 * m01_mean + 0.1 * bnmeani
    m01_var = 0.9 * m01_var + 0.1 * bnstdi**2
  h = torch.tanh(hpreact); logits = h @ W2 + b2
  loss = F.cross_entropy(logits, Yb)
  for p in parameters: p.grad = None
  loss.backward()
  lr = 0.1 if i < 100000 else 0.01
  for p in parameters: p.data += -lr * p.grad
secs = time.time() - t0
with torch.no_grad():
  hp_all = C[Xtr].view(len(Xtr), -1) @ W1
  cal_mean = hp_all.mean(0, keepdim=True); cal_std = hp_all.std(0, keepdim=True)
  def loss_with(x, y, mean, std):
    hp = C[x].view(len(x), -1) @ W1
    return F.cross_entropy(torch.tanh(bngain * (hp - mean) / std + bnbias) @ W2 + b2, y).item()
  for name, (mean, std) in {"lecture running (momentum 0.001, std, no eps)": (bnmean_running, bnstd_running),
                            "momentum 0.1 running (kit/PyTorch default)": (m01_mean, (m01_var + 1e-5).sqrt()),
                            "calibrated on all of train": (cal_mean, cal_std)}.items():
    print(f"seed {seed} {name}: train {loss_with(Xtr, Ytr, mean, std):.4f} dev {loss_with(Xdev, Ydev, mean, std):.4f} test {loss_with(Xte, Yte, mean, std):.4f}")
print(f"time {secs:.0f} s")
