"""WaveNet from the alternative layers (the lecture's hierarchy)."""
import numpy as np

from .layers import BatchNorm1d, FlattenConsecutive, Linear, Sequential

try:
    from ..a2_mlp.embedding import Embedding
    from ..a2_mlp.tanh import Tanh
except ImportError:
    from a2_mlp.embedding import Embedding
    from a2_mlp.tanh import Tanh


class WaveNet(Sequential):
    """Sequential of the layers above; params and buffers keyed "{i}.{name}" (e.g. "0.weight" is the
    embedding table C, "2.weight" the first Linear). block_size must be a power of 2 (2 ** levels).

    Initialisation as the lecture's: Kaiming-scaled Linear weights (no gain: BatchNorm follows) and the last
    Linear's weight * 0.1, so the first predictions are not confidently wrong.
    """

    def __init__(self, vocab_size=27, block_size=8, n_embd=24, n_hidden=128, rng=None):
        rng = np.random.default_rng(0) if rng is None else rng
        levels = int(np.log2(block_size))
        if 2**levels != block_size:
            raise ValueError(f"block_size must be a power of 2, got {block_size}")
        layers = [Embedding(vocab_size, n_embd, rng)]
        width = n_embd
        for _ in range(levels):
            layers += [FlattenConsecutive(2), Linear(2 * width, n_hidden, bias=False, rng=rng),
                       BatchNorm1d(n_hidden), Tanh()]
            width = n_hidden
        layers.append(Linear(width, vocab_size, rng=rng))
        layers[-1].params["weight"] *= 0.1
        Sequential.__init__(self, layers)
        self.block_size = block_size
