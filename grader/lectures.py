"""The lecture beside each assignment: which video of "Neural Networks: Zero to Hero" it follows, where its code is,
and, for each graded unit, the part of the lecture where that unit is derived.

Facts and links only (titles, URLs, section topics). A section is named by its topic, never by a timestamp
we have not checked. The videos and notebooks are listed in karpathy/nn-zero-to-hero's README; a6 follows
makemore.py (karpathy/makemore), which has no video of its own.

Read by: each assignment's README (its opening ``Lecture`` lines are ``readme_block(key)``; a test checks they
agree), the notebooks' first cell (grader/instructor/notebooks.py), ``makemore solution`` and ``makemore list
--next`` (where to rewatch).
"""
from __future__ import annotations

from dataclasses import dataclass, field

ZERO_TO_HERO = "https://github.com/karpathy/nn-zero-to-hero/blob/master/lectures"


@dataclass(frozen=True)
class Lecture:
    """One lecture: its title, the video (None: no video), its code or notebook, and per unit label the part
    of the lecture where that unit is derived (a section topic)."""
    title: str
    video: str | None
    code: str
    sections: dict = field(default_factory=dict)
    also: tuple = ()  # (title, video) of another lecture the assignment draws on

    def line(self) -> str:
        """Markdown: the title linked to the video, then the code."""
        watch = f"[{self.title}]({self.video})" if self.video else self.title
        extra = "".join(f"; also [{t}]({v})" for t, v in self.also)
        return f"Lecture: {watch} (code: {self.code}){extra}."


def youtube(video_id: str) -> str:
    return f"https://www.youtube.com/watch?v={video_id}"


LECTURES: dict[str, Lecture] = {
    "a0": Lecture(
        "The spelled-out intro to neural networks and backpropagation: building micrograd", youtube("VMj-3S1tku0"),
        "https://github.com/karpathy/nn-zero-to-hero/tree/master/lectures/micrograd", {
            "Value": "the core Value object, the backward function of each operation, then of the whole graph "
                     "(topological order; a node used twice accumulates its gradient)",
            "MLP": "building a neural net library (Neuron, Layer, MLP), the loss, and gradient descent",
        }),
    "a1": Lecture(
        "The spelled-out intro to language modeling: building makemore", youtube("PaCmpygFfXo"),
        f"{ZERO_TO_HERO}/makemore/makemore_part1_bigrams.ipynb", {
            "count_bigrams": "counting bigrams in a 2D array",
            "bigram_probs": "turning the counts into probabilities; model smoothing with fake counts",
            "bigram_nll": "the loss function: the negative log likelihood of the training set",
            "sample_names": "sampling from the model with torch.multinomial",
            "SoftmaxCrossEntropy": "the neural network approach: softmax, and the loss as its mean negative log",
            "BigramNet": "one-hot encodings into a single linear layer, trained by gradient descent",
        }),
    "a2": Lecture(
        "Building makemore Part 2: MLP", youtube("TCH_1BHY58I"),
        f"{ZERO_TO_HERO}/makemore/makemore_part2_mlp.ipynb", {
            "Embedding": "the embedding lookup table C",
            "Linear": "the hidden layer (and the output layer) as a matrix multiply plus bias",
            "Tanh": "the tanh nonlinearity of the hidden layer",
            "MLP": "the full network, its loss, and training it on minibatches",
        }, also=(("Building makemore Part 4: Becoming a Backprop Ninja", youtube("q8SA3rM6ckI")),)),
    "a3": Lecture(
        "Building makemore Part 3: Activations & Gradients, BatchNorm", youtube("P6sfmUTpUmc"),
        f"{ZERO_TO_HERO}/makemore/makemore_part3_bn.ipynb", {
            "BatchNorm1d": "batch normalization: standardising the preactivations over the batch",
            "BatchNorm1d (eval mode)": "batch normalization at test time: the running mean and variance",
            "BatchNormMLP": "the deeper network with BatchNorm after each linear layer (\"PyTorch-ifying\" the code)",
            "BatchNormMLP (eval mode)": "the network at test time: every BatchNorm layer uses its running statistics",
            "activation_stats": "the diagnostic tools: activation statistics per layer",
            "gradient_stats": "the diagnostic tools: gradient statistics per layer",
            "update_ratio": "the diagnostic tools: the update to data ratio over time",
        }),
    "a4": Lecture(
        "Building makemore Part 4: Becoming a Backprop Ninja", youtube("q8SA3rM6ckI"),
        f"{ZERO_TO_HERO}/makemore/makemore_part4_backprop.ipynb", {
            **{name: "exercise 1: backpropagating through the atomic compute graph, one line at a time" for name in (
                "dlogprobs", "dprobs", "dcounts_sum_inv", "dcounts_sum", "dcounts", "dnorm_logits", "dlogit_maxes",
                "dlogits", "dh", "dW2", "db2", "dhpreact", "dbngain", "dbnbias", "dbnraw", "dbnvar_inv", "dbnvar",
                "dbndiff2", "dbndiff", "dbnmeani", "dhprebn", "dembcat", "dW1", "db1", "demb", "dC")},
            "cross_entropy_backward": "exercise 2: the cross entropy loss backward pass in one expression",
            "batchnorm_backward": "exercise 3: the batch normalization layer backward pass in one expression",
            "BackpropNinjaMLP": "exercise 4: putting it all together, training with the manual backward pass",
        }),
    "a5": Lecture(
        "Building makemore Part 5: Building a WaveNet", youtube("t3YJ5hKiMQ0"),
        f"{ZERO_TO_HERO}/makemore/makemore_part5_cnn1.ipynb", {
            "Linear": "the starter code's layers, PyTorch-ified (Linear)",
            "FlattenConsecutive": "implementing the hierarchical model: FlattenConsecutive",
            "BatchNorm1d": "fixing the BatchNorm1d bug for 3D inputs",
            "BatchNorm1d (eval mode)": "fixing the BatchNorm1d bug for 3D inputs: the running statistics too",
            "WaveNet": "the WaveNet-like model: scaling up, and its relation to convolutions",
            "WaveNet (eval mode)": "evaluating the model with every layer's training flag off",
        }),
    "a6": Lecture(
        "makemore.py (no video: the recurrent models of karpathy/makemore)", None,
        "https://github.com/karpathy/makemore/blob/master/makemore.py", {
            "SequenceCrossEntropy": "the training loop's loss: F.cross_entropy with ignore_index=-1",
            "RNNCell": "class RNNCell",
            "GRUCell": "class GRUCell",
            "LSTMCell": "no LSTM in makemore.py: PyTorch's nn.LSTMCell equations",
            "clip_grad_norm": "no clipping in makemore.py: PyTorch's torch.nn.utils.clip_grad_norm_",
            "RNN": "class RNN: the loop over time (--type rnn)",
            "RNN[gru]": "class RNN with cell_type 'gru' (--type gru)",
            "RNN[lstm]": "class RNN's loop with an LSTM cell",
        }),
    "a7": Lecture(
        "Let's build GPT: from scratch, in code, spelled out", youtube("kCc8FmEb1nY"),
        "https://github.com/karpathy/ng-video-lecture and makemore.py's Transformer", {
            "LayerNorm": "layernorm (and the pre-norm formulation)",
            "GELU": "makemore.py's NewGELU (the lecture's feed-forward uses ReLU)",
            "CausalSelfAttention": "self-attention: the mathematical trick, then multi-headed self-attention",
            "MLP": "the feedforward layers of the transformer block",
            "Block": "residual connections: communication (attention) then computation (feed-forward)",
            "Transformer": "the full GPT: token and position embeddings, blocks, the language-model head",
            "AdamW": "the optimizer: torch.optim.AdamW (the lecture uses it; here you write it)",
        }),
    "a8": Lecture(
        "Let's build the GPT Tokenizer", youtube("zduSFxRajkE"), "https://github.com/karpathy/minbpe", {
            "get_stats": "Byte Pair Encoding: counting consecutive pairs, finding the most common pair",
            "merge": "Byte Pair Encoding: merging the most common pair",
            "BasicTokenizer.train": "training the tokenizer: the loop of merges, the compression ratio",
            "BasicTokenizer.size": "training the tokenizer: the vocabulary size as a hyperparameter",
            "BasicTokenizer.encode": "encoding strings to tokens",
            "BasicTokenizer.decode": "decoding tokens to strings (bytes that are not valid UTF-8)",
            "BasicTokenizer.roundtrip": "decoding and encoding: decode(encode(s)) gives s back",
            "RegexTokenizer.train": "regex patterns to force splits across categories (GPT-2, GPT-4)",
            "RegexTokenizer.encode": "regex patterns to force splits across categories (GPT-2, GPT-4)",
            "RegexTokenizer.chunks": "regex patterns to force splits across categories (GPT-2, GPT-4)",
            "RegexTokenizer.special": "special tokens",
            "RegexTokenizer.roundtrip": "special tokens, and decode(encode(s)) giving s back",
            "RegexTokenizer.save_load": "the minbpe exercise: writing your own GPT-4 tokenizer (minbpe's save and load)",
            "RegexTokenizer.names": "the minbpe exercise: writing your own GPT-4 tokenizer",
        }),
}


def lecture(key: str) -> Lecture | None:
    return LECTURES.get(key)


def section(key: str, unit: str) -> str | None:
    """The part of assignment ``key``'s lecture where ``unit`` (a unit label) is derived, or None."""
    entry = LECTURES.get(key)
    return entry.sections.get(unit) if entry else None


def readme_block(key: str, units: list[str]) -> str:
    """The opening lines of an assignment's README: the lecture, then where each unit is derived in it (units
    derived in the same part share a line)."""
    entry = LECTURES[key]
    lines = [entry.line()]
    by_part: dict[str, list[str]] = {}
    for unit in units:
        if unit in entry.sections:
            by_part.setdefault(entry.sections[unit], []).append(unit)
    if by_part:
        lines += ["", "Where each part is derived in it:", ""]
        lines += [f"- {', '.join(f'`{u}`' for u in names)}: {part}" for part, names in by_part.items()]
    return "\n".join(lines)


def units_of(assignment) -> list[str]:
    """The unit labels of an assignment, in the order it grades them."""
    return list(dict.fromkeys(c.unit.label for c in assignment.checks if c.unit is not None))
