"""The kit's loop, evaluation, sampling and AdamW on both model families (context windows and sequences)."""
import numpy as np
import pytest

from grader.data import Vocab, build_examples, build_sequences
from grader.training import AdamW, Schedule, evaluate, model_input, sample, train
from reference.a1_bigram.cross_entropy import SoftmaxCrossEntropy
from reference.a2_mlp.mlp import MLP
from reference.a6_rnn.rnn import RNN
from reference.a6_rnn.sequence_loss import SequenceCrossEntropy

WORDS = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "ella", "ana", "liam", "noah", "eli"]


def test_one_loop_trains_both_families_without_special_cases():
    vocab = Vocab.from_words(WORDS)
    Xc, Yc = build_examples(WORDS, vocab, 3)
    Xs, Ys = build_sequences(WORDS, vocab)
    mlp = MLP(len(vocab), 3, 4, 16, np.random.default_rng(0))
    rnn = RNN(len(vocab), 4, 16, "gru", Xs.shape[1], np.random.default_rng(0))
    assert (model_input(mlp), model_input(rnn)) == ("context", "sequence")
    for model, loss_fn, X, Y, schedule in [
            (mlp, SoftmaxCrossEntropy(), Xc, Yc, Schedule(steps=300, batch_size=16, lr=0.1, lr_after_decay=0.1)),
            (rnn, SequenceCrossEntropy(), Xs, Ys, Schedule(steps=300, batch_size=8, lr=1e-2, lr_after_decay=1e-2,
                                                        optimizer="adamw", weight_decay=0.01))]:
        before = evaluate(model, loss_fn, X, Y)
        train(model, loss_fn, X, Y, schedule)
        assert evaluate(model, loss_fn, X, Y) < before - 0.5
        names = sample(model, vocab.itos, 5, seed=1)
        assert len(names) == 5 and all(set(n) <= set(vocab.itos[1:]) for n in names)


def test_evaluate_is_the_mean_over_counted_targets_whatever_the_chunks():
    vocab = Vocab.from_words(WORDS)
    X, Y = build_sequences(WORDS, vocab)
    rnn = RNN(len(vocab), 3, 5, "rnn", X.shape[1], np.random.default_rng(1))
    whole = SequenceCrossEntropy().forward(rnn.forward(X), Y)
    assert evaluate(rnn, SequenceCrossEntropy(), X, Y, chunk=5) == pytest.approx(whole, rel=1e-12)
    # a plain average of the chunks' means would weight a chunk of short words like one of long words
    chunks = [SequenceCrossEntropy().forward(rnn.forward(X[i:i + 5]), Y[i:i + 5]) for i in range(0, len(X), 5)]
    assert abs(np.mean(chunks) - whole) > 1e-6


def test_sequence_sampling_feeds_the_word_so_far():
    class Recorder:
        consumes, block_size, params, grads = "sequence", 4, {}, {}

        def __init__(self):
            self.seen = []

        def forward(self, idx):
            self.seen.append(idx.tolist()[0])
            logits = np.full((1, idx.shape[1], 3), -50.0)
            logits[0, -1, 1 if idx.shape[1] < 3 else 0] = 50.0  # "a", "a", then the end
            return logits

    model = Recorder()
    assert sample(model, [".", "a", "b"], 1) == ["aa"]
    assert model.seen == [[0], [0, 1], [0, 1, 1]]


def test_adamw_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    params = {"w": rng.standard_normal((3, 4)), "b": rng.standard_normal(4)}
    tparams = [torch.tensor(v.copy(), requires_grad=True) for v in params.values()]
    opt = AdamW(params, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.01)
    topt = torch.optim.AdamW(tparams, lr=5e-3, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.01)
    for _ in range(5):
        grads = {k: rng.standard_normal(v.shape) for k, v in params.items()}
        for t, g in zip(tparams, grads.values()):
            t.grad = torch.tensor(g)
        opt.step(grads, 5e-3)
        topt.step()
    for v, t in zip(params.values(), tparams):
        np.testing.assert_allclose(v, t.detach().numpy(), rtol=1e-12, atol=1e-14)
