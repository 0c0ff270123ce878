"""a7's reference beyond finite differences: AdamW against torch.optim.AdamW over several steps, causality of
the model, float32 against float64 (with a6's masked loss, which a7 trains with), and makemore.py's sequences.
The loss itself is a6's, checked against torch in tests/test_torch_oracle.py."""
import numpy as np
import pytest

from grader.data import build_sequences
from grader.data import Vocab
from reference.a6_rnn.sequence_loss import SequenceCrossEntropy
from reference.a7_transformer.adamw import AdamW, adamw_steps
from reference.a7_transformer.transformer import Transformer


def small_model(dtype=np.float64, seed=0):
    return Transformer(vocab_size=7, block_size=6, n_layer=2, n_head=2, n_embd=6,
                       rng=np.random.default_rng(seed), dtype=dtype)


def test_adamw_matches_torch_over_several_steps():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    start = {"w": rng.standard_normal((3, 4)), "b": rng.standard_normal(4)}
    grads = [{k: rng.standard_normal(v.shape) * (k_step + 1) for k, v in start.items()} for k_step in range(6)]
    params = {k: v.copy() for k, v in start.items()}
    ours = AdamW(params, lr=0.01, weight_decay=0.1)
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in start.items()}
    theirs = torch.optim.AdamW(list(tensors.values()), lr=0.01, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.1)
    for g in grads:
        ours.step(g)
        for k, t in tensors.items():
            t.grad = torch.tensor(g[k])
        theirs.step()
        for k in params:
            np.testing.assert_allclose(params[k], tensors[k].detach().numpy(), rtol=1e-12, atol=1e-14)
    assert not np.allclose(params["w"], start["w"])  # it moved


def test_adamw_defaults_are_makemore_s():
    optimizer = AdamW({"w": np.zeros(2)})
    assert (optimizer.lr, optimizer.betas, optimizer.eps, optimizer.weight_decay) == (5e-4, (0.9, 0.99), 1e-8, 0.01)


def test_adamw_steps_keeps_state_between_steps():
    """The grader's entry point: K steps of one optimiser differ from K fresh optimisers of one step each."""
    rng = np.random.default_rng(1)
    w, b = rng.standard_normal((2, 3)), rng.standard_normal(3)
    dws, dbs = rng.standard_normal((4, 2, 3)), rng.standard_normal((4, 3))
    trajectory = adamw_steps(w, b, dws, dbs, 0.01, 0.1)
    assert trajectory.shape == (4, 9)
    first_only = adamw_steps(w, b, dws[:1], dbs[:1], 0.01, 0.1)
    np.testing.assert_array_equal(trajectory[0], first_only[0])
    restart = adamw_steps(trajectory[0, :6].reshape(2, 3), trajectory[0, 6:], dws[1:2], dbs[1:2], 0.01, 0.1)
    assert not np.allclose(trajectory[1], restart[0])


def test_the_model_is_causal():
    model = small_model()
    idx = np.random.default_rng(2).integers(0, 7, size=(3, 6))
    base = model.forward(idx)
    for j in range(6):
        changed = idx.copy()
        changed[:, j] = (changed[:, j] + 1) % 7
        logits = model.forward(changed)
        np.testing.assert_array_equal(logits[:, :j], base[:, :j])  # exactly: masked probabilities are 0
        assert not np.allclose(logits[:, j], base[:, j])  # and position j does see its own token


def test_masked_positions_get_zero_gradient_and_no_nan():
    from reference.a7_transformer.attention import CausalSelfAttention

    attn = CausalSelfAttention(6, 2, np.random.default_rng(3))
    attn.forward(np.random.default_rng(4).standard_normal((2, 5, 6)) * 30)  # saturated softmax rows
    dx = attn.backward(np.ones((2, 5, 6)))
    assert np.all(np.isfinite(dx)) and np.all(np.triu(attn.att[0, 0], k=1) == 0)


def test_float32_training_agrees_with_float64():
    model64, model32 = small_model(np.float64), small_model(np.float32)
    idx = np.random.default_rng(5).integers(0, 7, size=(4, 6))
    targets = np.random.default_rng(6).integers(-1, 7, size=(4, 6))
    losses = []
    for model in (model64, model32):
        loss_fn = SequenceCrossEntropy()
        logits = model.forward(idx)
        assert logits.dtype == model.params["wte.weight"].dtype
        losses.append(loss_fn.forward(logits, targets))
        model.backward(loss_fn.backward())
    assert losses[1] == pytest.approx(losses[0], rel=1e-5)
    for name, grad in model64.grads.items():
        assert model32.grads[name].dtype == np.float32, name
        np.testing.assert_allclose(model32.grads[name], grad, rtol=1e-3, atol=1e-5, err_msg=name)


def test_sequences_follow_makemore_format():
    vocab = Vocab.from_words(["ab", "c"])
    X, Y = build_sequences(["ab", "c"], vocab, 4)
    np.testing.assert_array_equal(X, [[0, 1, 2, 0], [0, 3, 0, 0]])
    np.testing.assert_array_equal(Y, [[1, 2, 0, -1], [3, 0, -1, -1]])
    with pytest.raises(ValueError, match="block_size"):
        build_sequences(["abcd"], Vocab.from_words(["abcd"]), 4)

