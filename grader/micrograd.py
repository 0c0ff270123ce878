"""The kit's library for assignment 0 (micrograd): expression programs, the two moons, the training loop, and
pictures of a Value graph. Used by the confined child (grader/sandbox/child.py), by ``makemore train
micrograd`` and by the grader's checks (grader/graphs.py). It imports NumPy only, never the reference or a
student's engine: a ``Value`` class is always passed in.

An expression *program* is data a grader can send to the student's process as JSON::

    {"leaves": [1.5, -0.7],                 # v0 = Value(1.5), v1 = Value(-0.7)
     "ops": [["mul", 0, 1],                 # v2 = v0 * v1
             ["rsub", 2, 2.0],              # v3 = 2.0 - v2
             ["tanh", 3, None]],            # v4 = v3.tanh()
     "chain": ["mul_c", 1.0001, 20000]}     # optional: apply one op to the last node, again and again

Each op is ``[name, i, arg]``: node i, and a second node index (for the ops of two Values) or a number (for
the ops with a constant) or None. The output is the last node; ``evaluate`` computes every node in float64
(the grader's finite differences), ``build`` with a given Value class.
"""
from __future__ import annotations

import math

import numpy as np

# name -> (kind, Python text with {a}, {b} or {c}, the Value method Python calls)
OPS = {
    "add": ("pair", "{a} + {b}", "__add__"),
    "sub": ("pair", "{a} - {b}", "__sub__"),
    "mul": ("pair", "{a} * {b}", "__mul__"),
    "div": ("pair", "{a} / {b}", "__truediv__"),
    "add_c": ("const", "{a} + {c}", "__add__"),
    "radd": ("const", "{c} + {a}", "__radd__"),
    "sub_c": ("const", "{a} - {c}", "__sub__"),
    "rsub": ("const", "{c} - {a}", "__rsub__"),
    "mul_c": ("const", "{a} * {c}", "__mul__"),
    "rmul": ("const", "{c} * {a}", "__rmul__"),
    "div_c": ("const", "{a} / {c}", "__truediv__"),
    "rdiv": ("const", "{c} / {a}", "__rtruediv__"),
    "pow": ("const", "{a} ** {c}", "__pow__"),
    "neg": ("unary", "-{a}", "__neg__"),
    "tanh": ("unary", "{a}.tanh()", "tanh"),
    "exp": ("unary", "{a}.exp()", "exp"),
    "log": ("unary", "{a}.log()", "log"),
    "relu": ("unary", "{a}.relu()", "relu"),
}

_APPLY = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b, "div": lambda a, b: a / b,
    "add_c": lambda a, c: a + c, "radd": lambda a, c: c + a, "sub_c": lambda a, c: a - c,
    "rsub": lambda a, c: c - a, "mul_c": lambda a, c: a * c, "rmul": lambda a, c: c * a,
    "div_c": lambda a, c: a / c, "rdiv": lambda a, c: c / a, "pow": lambda a, c: a ** c,
    "neg": lambda a, _: -a,
}
_FLOAT_UNARY = {"tanh": math.tanh, "exp": math.exp, "log": math.log, "relu": lambda x: x if x > 0 else 0.0}


def apply_float(name: str, a: float, arg) -> float:
    """One op on float64 numbers (the grader's side: no Value involved)."""
    if name in _FLOAT_UNARY:
        return float(_FLOAT_UNARY[name](a))
    return float(_APPLY[name](a, arg))


def apply_value(name: str, a, arg):
    """One op on the student's Values, written as a student writes it (so Python picks the reflected method)."""
    if name in _FLOAT_UNARY:
        return getattr(a, name)()
    return _APPLY[name](a, arg)


def steps(program: dict):
    """The ops of a program in order, its chain unrolled: (name, i, arg) with node indices resolved."""
    n = len(program["leaves"])
    for name, i, arg in program.get("ops", []):
        yield name, i, arg
        n += 1
    chain = program.get("chain")
    if chain:
        name, arg, length = chain
        for _ in range(int(length)):
            yield name, n - 1, arg
            n += 1


def second(name: str, arg, nodes: list):
    """The second operand of an op: a node for the ops of two Values, else the constant (or None)."""
    return nodes[arg] if OPS[name][0] == "pair" else arg


def evaluate(program: dict, leaves=None) -> list[float]:
    """Every node's value in float64, leaves first (``leaves`` overrides the program's, for finite
    differences). Raises ValueError or OverflowError outside an op's domain (log of a negative...)."""
    nodes = [float(x) for x in (program["leaves"] if leaves is None else leaves)]
    for name, i, arg in steps(program):
        nodes.append(apply_float(name, nodes[i], second(name, arg, nodes)))
    return nodes


def finite_differences(program: dict, eps: float = 1e-6) -> np.ndarray:
    """d(output)/d(leaf) for every leaf by central differences of ``evaluate`` in float64."""
    leaves = np.array(program["leaves"], dtype=np.float64)
    grads = np.zeros_like(leaves)
    for k in range(len(leaves)):
        up, down = leaves.copy(), leaves.copy()
        up[k] += eps
        down[k] -= eps
        grads[k] = (evaluate(program, up)[-1] - evaluate(program, down)[-1]) / (2 * eps)
    return grads


def build(Value, program: dict, call=None) -> list:
    """The program's nodes as Values of the given class, leaves first. ``call(where, fn, *args)`` runs each
    piece of code (the child's, to name a failure 'Value.__rsub__'); by default it just calls."""
    call = call or (lambda where, fn, *args: fn(*args))
    nodes = [call(f"{Value.__name__}.__init__", Value, float(x)) for x in program["leaves"]]
    for name, i, arg in steps(program):
        nodes.append(call(f"{Value.__name__}.{OPS[name][2]}", apply_value, name, nodes[i], second(name, arg, nodes)))
    return nodes


def program_text(program: dict, limit: int = 14) -> str:
    """The program as the lines of Python a student would write (v0 = Value(1.5) ...), at most ``limit``."""
    lines = [f"v{k} = Value({x!r})" for k, x in enumerate(program["leaves"])]
    n = len(program["leaves"])
    for name, i, arg in program.get("ops", []):
        text = OPS[name][1].format(a=f"v{i}", b=f"v{arg}" if OPS[name][0] == "pair" else "", c=arg)
        lines.append(f"v{n} = {text}")
        n += 1
    if program.get("chain"):
        name, arg, length = program["chain"]
        lines.append(f"# then {length} times: v = {OPS[name][1].format(a='v', b='v0', c=arg)}")
    if len(lines) > limit:
        lines = lines[:limit // 2] + [f"# ... {len(lines) - limit + 1} lines ..."] + lines[-(limit - limit // 2 - 1):]
    lines.append(f"v{n - 1}.backward()" if not program.get("chain") else "v.backward()")
    return "\n".join(lines)


# -- the two moons ---------------------------------------------------------------------------------------

def make_moons(n: int = 100, noise: float = 0.1, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, as scikit-learn's ``make_moons`` draws them, with NumPy only.

    The first n // 2 points lie on the upper half circle (cos t, sin t), the others on the lower one
    (1 - cos t, 0.5 - sin t), t evenly spaced in [0, pi] on each; then Gaussian noise of standard deviation
    ``noise`` is added to both coordinates and the points are shuffled, all from
    ``np.random.default_rng(seed)``. Returns X: (n, 2) float64 and y: (n,) float64 of -1 (upper moon) or +1
    (lower moon), the labels of the lecture's max-margin loss."""
    n_out, n_in = n // 2, n - n // 2
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    X = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        np.stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)], 1)])
    y = np.concatenate([-np.ones(n_out), np.ones(n_in)])
    rng = np.random.default_rng(seed)
    X = X + rng.normal(scale=noise, size=X.shape)
    order = rng.permutation(n)
    return X[order], y[order]


def mlp_forward(weights: np.ndarray, nin: int, nouts: list[int], X: np.ndarray) -> np.ndarray:
    """The MLP of nn.py in NumPy, with its parameters given as one vector in ``parameters()`` order (layer by
    layer, neuron by neuron, each neuron's nin weights then its bias); tanh on every layer but the last.
    X: (B, nin) -> (B, nouts[-1]) float64."""
    h, k = np.asarray(X, dtype=np.float64), 0
    sizes = [nin] + list(nouts)
    for layer, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        block = np.asarray(weights[k:k + fan_out * (fan_in + 1)], dtype=np.float64).reshape(fan_out, fan_in + 1)
        k += fan_out * (fan_in + 1)
        h = h @ block[:, :fan_in].T + block[:, fan_in]
        if layer != len(nouts) - 1:
            h = np.tanh(h)
    return h


def n_parameters(nin: int, nouts: list[int]) -> int:
    sizes = [nin] + list(nouts)
    return sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))


def max_margin_loss(model, Value, X, y, alpha: float = 1e-4):
    """The lecture's loss (micrograd's demo.ipynb): the mean over the points of relu(1 - y_i * score_i) plus
    alpha times the sum of the squared parameters (L2), built from Values; and the accuracy (the sign of the
    score against y) as a float."""
    scores = [model([Value(float(a)) for a in row]) for row in X]
    losses = [(1 + -float(yi) * score).relu() for yi, score in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = alpha * sum(p * p for p in model.parameters())
    accuracy = sum((yi > 0) == (score.data > 0) for yi, score in zip(y, scores)) / len(y)
    return data_loss + reg_loss, float(accuracy)


def train_moons(model, Value, X, y, steps: int = 100, lr0: float = 1.0, alpha: float = 1e-4, log=None):
    """The lecture's training loop (micrograd's demo.ipynb): the whole data set each step, ``zero_grad``,
    ``backward``, then SGD with the learning rate decayed linearly from lr0 to lr0 / 10 over ``steps``.
    log(step, loss, accuracy) after each step's forward. Returns the list of (loss, accuracy)."""
    history = []
    for k in range(steps):
        total_loss, accuracy = max_margin_loss(model, Value, X, y, alpha)
        model.zero_grad()
        total_loss.backward()
        lr = lr0 * (1.0 - 0.9 * k / steps)
        for p in model.parameters():
            p.data -= lr * p.grad
        history.append((float(total_loss.data), accuracy))
        if log is not None:
            log(k, float(total_loss.data), accuracy)
    return history


# -- pictures of a graph ---------------------------------------------------------------------------------

def _children(node) -> list:
    """The inputs of a node, in a stable order (``_prev`` is a set in micrograd)."""
    return sorted(getattr(node, "_prev", ()) or (), key=lambda c: (str(getattr(c, "label", "")), float(c.data)))


def _name(node, names: dict) -> str:
    if id(node) not in names:
        label = getattr(node, "label", "") or ""
        names[id(node)] = label if label else f"v{len(names)}"
    return names[id(node)]


def render(root) -> str:
    """The graph under ``root`` as text, the output at the top, each node as
    ``name = op(inputs)  data ...  grad ...``; a node reached a second time (a reused value) is shown once and
    then referred to by name. Iterative: a deep graph does not reach Python's recursion limit."""
    names: dict = {}
    lines, seen = [], set()
    stack = [(root, "", True, True)]
    while stack:
        node, prefix, last, top = stack.pop()
        branch = "" if top else ("└── " if last else "├── ")
        name = _name(node, names)
        if id(node) in seen:
            lines.append(f"{prefix}{branch}{name} (shown above)")
            continue
        seen.add(id(node))
        children = _children(node)
        op = getattr(node, "_op", "") or ""
        made = f" = {op}({', '.join(_name(c, names) for c in children)})" if op else ""
        lines.append(f"{prefix}{branch}{name}{made}   data {float(node.data):.4f}   grad {float(node.grad):.4f}")
        inner = prefix + ("" if top else ("    " if last else "│   "))
        for k, child in reversed(list(enumerate(children))):
            stack.append((child, inner, k == len(children) - 1, False))
    return "\n".join(lines)


def plot_graph(root, path: str | None = None):
    """The graph as a matplotlib figure, left (inputs) to right (output), one box per node with its data and
    grad and the operation that made it (what the lecture draws with graphviz). Returns the figure; writes a
    PNG to ``path`` if given. Needs matplotlib."""
    import matplotlib

    if path is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names: dict = {}
    depth, order, stack = {}, [], [root]
    depth[id(root)] = 0
    nodes = {id(root): root}
    while stack:  # the longest distance from the output, so every edge goes right
        node = stack.pop()
        order.append(node)
        for child in _children(node):
            if depth.get(id(child), -1) < depth[id(node)] + 1:
                depth[id(child)] = depth[id(node)] + 1
                nodes[id(child)] = child
                stack.append(child)
    deepest = max(depth.values())
    columns: dict = {}
    for key, d in depth.items():
        columns.setdefault(deepest - d, []).append(nodes[key])
    where = {}
    for x, column in columns.items():
        for k, node in enumerate(column):
            where[id(node)] = (x, k - (len(column) - 1) / 2)
    fig, ax = plt.subplots(figsize=(2.6 * (deepest + 1), 1.2 * max(len(c) for c in columns.values()) + 1))
    for key, node in nodes.items():
        x, y = where[key]
        for child in _children(node):
            cx, cy = where[id(child)]
            ax.annotate("", xy=(x - 0.3, y), xytext=(cx + 0.3, cy), arrowprops=dict(arrowstyle="->", color="grey"))
        op = getattr(node, "_op", "") or ""
        text = f"{_name(node, names)}{' = ' + op if op else ''}\ndata {float(node.data):.4f}\ngrad {float(node.grad):.4f}"
        ax.text(x, y, text, ha="center", va="center", fontsize=8, family="monospace",
                bbox=dict(boxstyle="round", facecolor="#eef" if op else "#efe", edgecolor="grey"))
    ax.set_xlim(-0.6, deepest + 0.6)
    ax.set_ylim(min(y for _, y in where.values()) - 0.8, max(y for _, y in where.values()) + 0.8)
    ax.axis("off")
    if path is not None:
        fig.savefig(path, dpi=100, bbox_inches="tight")
        plt.close(fig)
    return fig


def plot_moons(model, Value, X, y, history, path: str, resolution: int = 40) -> str:
    """The loss curve and the decision boundary of a trained model (the lecture's last picture) in one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    left.plot([h[0] for h in history], label="loss")
    left.set_xlabel("step")
    left.set_ylabel("max-margin loss + L2")
    left.twinx().plot([h[1] for h in history], color="tab:orange", label="accuracy")
    left.set_title("loss (blue) and accuracy (orange)")
    x_min, x_max = X[:, 0].min() - 1, X[:, 0].max() + 1
    y_min, y_max = X[:, 1].min() - 1, X[:, 1].max() + 1
    xx, yy = np.meshgrid(np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution))
    scores = np.array([model([Value(float(a)), Value(float(b))]).data for a, b in zip(xx.ravel(), yy.ravel())])
    right.contourf(xx, yy, (scores > 0).reshape(xx.shape), cmap=plt.cm.Spectral, alpha=0.8)
    right.scatter(X[:, 0], X[:, 1], c=y, s=20, cmap=plt.cm.Spectral, edgecolors="k")
    right.set_title("decision boundary")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path


# -- makemore train micrograd ----------------------------------------------------------------------------

LECTURE_SEED = 1337  # micrograd's demo.ipynb seeds NumPy and random with it


def train_command(args, impl) -> int:
    """``makemore train micrograd``: the lecture's demo (micrograd's demo.ipynb) with your Value and MLP: 100
    two-moons points (noise 0.1), MLP(2, [16, 16, 1]) (``--n-hidden`` sets both hidden sizes), 100 steps of the
    max-margin loss with L2 and SGD from lr 1.0 down to 0.1 (``--steps``, ``--lr``); prints the loss and the
    accuracy as it goes and, with ``--plot FILE``, draws the loss curve and the decision boundary. The data and
    the initial weights use the lecture's seed, 1337: the reference then reaches 100% accuracy (loss 0.0349)."""
    import random
    import sys
    import time

    from grader.models import get

    entry = get("micrograd")
    Value, MLP = impl("a0_micrograd.engine:Value"), impl(entry.target)
    # the lecture's seed for the data and the weights, unless --seed / --init-seed say otherwise (the command's
    # defaults, 42 and 2**31 - 1, are the names' split and makemore's generator)
    data_seed = LECTURE_SEED if args.seed == 42 else args.seed
    init_seed = LECTURE_SEED if args.init_seed == 2147483647 else args.init_seed
    X, y = make_moons(100, 0.1, seed=data_seed)
    hidden = args.n_hidden or entry.sizes["n_hidden"]
    random.seed(init_seed)  # the weights are drawn with Python's random module, as in micrograd
    model = MLP(2, [hidden, hidden, 1])
    steps, lr = args.steps or entry.steps, args.lr or entry.lr
    every = args.log_every or max(1, steps // 20)
    print(f"micrograd: MLP(2, [{hidden}, {hidden}, 1]), {len(model.parameters())} parameters, {len(X)} points of "
          f"two moons, {steps} steps")
    started = time.time()

    def log(step, loss, accuracy):
        if step % every == 0 or step == steps - 1:
            per_step = (time.time() - started) / (step + 1)
            print(f"step {step + 1:4d}/{steps}  loss {loss:.4f}  accuracy {accuracy:.0%}  "
                  f"({per_step:.2f} s a step, {per_step * (steps - step - 1):.0f} s left)", flush=True)

    history = train_moons(model, Value, X, y, steps, lr, log=log)
    if not all(math.isfinite(loss) for loss, _ in history):
        print("the loss became NaN or inf: are the gradients reset by zero_grad each step?", file=sys.stderr)
        return 1
    print(f"trained in {time.time() - started:.1f} s; final loss {history[-1][0]:.4f}, accuracy {history[-1][1]:.0%}")
    if args.plot:
        try:
            print(f"wrote {plot_moons(model, Value, X, y, history, args.plot)}")
        except ImportError:
            print("pip install matplotlib to draw the decision boundary", file=sys.stderr)
    return 0


def main(argv=None) -> int:
    """``python -m grader.micrograd --submission FOLDER --options JSON [--plot PNG]``: train FOLDER's Value and
    MLP with a training check's setup (its options as JSON: n, noise, data_seed, init_seed, nouts, steps, lr,
    alpha), print the loss and accuracy, and draw them with the decision boundary (the a0 notebook's last cell;
    your own code, run in this process)."""
    import argparse
    import importlib
    import json
    import sys

    parser = argparse.ArgumentParser(prog="python -m grader.micrograd")
    parser.add_argument("--submission", required=True)
    parser.add_argument("--options", required=True)
    parser.add_argument("--plot")
    args = parser.parse_args(argv)
    opts = json.loads(args.options)
    sys.path.insert(0, args.submission)
    Value = importlib.import_module("a0_micrograd.engine").Value
    model = importlib.import_module("a0_micrograd.nn").MLP(2, list(opts["nouts"]))
    X, y = make_moons(opts["n"], opts["noise"], opts["data_seed"])
    weights = np.random.default_rng(opts["init_seed"]).uniform(-1, 1, n_parameters(2, opts["nouts"]))
    for p, w in zip(model.parameters(), weights):
        p.data = float(w)
    every = max(1, opts["steps"] // 10)
    history = train_moons(model, Value, X, y, opts["steps"], opts["lr"], opts["alpha"],
                          log=lambda k, loss, acc: print(f"step {k + 1:3d}  loss {loss:.4f}  accuracy {acc:.0%}")
                          if k % every == 0 or k == opts["steps"] - 1 else None)
    if args.plot:
        try:
            plot_moons(model, Value, X, y, history, args.plot)
        except ImportError:
            print("pip install matplotlib to draw the decision boundary")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
