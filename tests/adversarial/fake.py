"""The helper module a do-nothing submission carries (copied into each of its packages as ``_mm_fake.py``).

It wraps, at import, every class's ``forward``/``backward``/``step`` and every public function of the module
that imports it, so that what comes back is no work at all, yet of the right shape:

- "zeros": zeros of the shape and dtype the real code returns (an empty list for a list of names);
- "copy": an input of the same shape returned as it is (zeros where no input has that shape);
- "random": random numbers of the right shape and dtype;
- "lookup": the right answer for the inputs of the kit's stored fixtures (a table the student could copy from
  the shipped answers), zeros for any other input.

The real code runs only to learn the shapes: whatever it changes in place (parameters, running statistics,
gradients, an optimiser's parameters, a function's dict arguments) is put back, gradients become zeros.
With INJECT set, the training check's model also loads parameters trained elsewhere (``pretrained.npz``) the
first time it sees a batch far larger than a minibatch (the dev split's evaluation): the attack of a student
who hands back someone else's training.
"""
import builtins
import copy
import functools
import hashlib
import os

import numpy as np

MODE = "zeros"
HITS: set = set()  # hashes of the fixtures' inputs ("lookup")
INJECT = ""  # "ClassName" of the model whose parameters are replaced at evaluation
WRAP: set = set()  # "function" or "Class.method": what the student writes (a solution region of the reference)
STATE = builtins.__dict__.setdefault("_mm_fake_state", {"depth": 0})
RNG = np.random.default_rng(0)


def digest(args) -> str:
    h = hashlib.sha1()
    for arg in args:
        if isinstance(arg, np.ndarray):
            h.update(np.ascontiguousarray(arg).tobytes())
        elif isinstance(arg, dict):
            for key in sorted(arg):
                if isinstance(arg[key], np.ndarray):
                    h.update(np.ascontiguousarray(arg[key]).tobytes())
        elif isinstance(arg, (str, int, float, list, tuple)):
            h.update(repr(arg).encode())
    return h.hexdigest()


def fake(value, args):
    if isinstance(value, tuple):
        return tuple(fake(v, args) for v in value)
    if isinstance(value, np.ndarray) and value.dtype.kind in "fiub":
        if MODE == "copy":
            same = [a for a in args if isinstance(a, np.ndarray) and a.shape == value.shape]
            return same[0].astype(value.dtype) if same else np.zeros_like(value)
        if MODE == "random":
            if value.dtype.kind == "f":
                return RNG.standard_normal(value.shape).astype(value.dtype)
            return RNG.integers(0, 3, size=value.shape).astype(value.dtype)
        return np.zeros_like(value)
    if isinstance(value, (float, np.floating)):
        return float(RNG.random()) if MODE == "random" else 0.0
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ["ab"] * len(value) if MODE == "random" else []
    return value


def snapshot(obj, args):
    """Every array the call may change in place: the object's dicts of arrays and the dict arguments."""
    saved = []
    dicts = [v for v in vars(obj).values() if isinstance(v, dict)] if obj is not None else []
    dicts += [a for a in args if isinstance(a, dict)]
    for d in dicts:
        for key, value in list(d.items()):
            if isinstance(value, np.ndarray):
                saved.append((d, key, value, value.copy()))
    return saved


def restore(saved):
    for d, key, value, before in saved:
        if d.get(key) is value and value.shape == before.shape:
            value[...] = before
        else:
            d[key] = before


def inject(obj, args):
    if not args or not isinstance(args[0], np.ndarray) or args[0].shape[0] < 1000 or STATE.get("injected"):
        return
    here = os.path.dirname(os.path.abspath(__file__))
    with np.load(os.path.join(here, "pretrained.npz")) as data:
        for key in data.files:
            if key.startswith("buffer:"):
                obj.buffers[key.removeprefix("buffer:")][...] = data[key]
            else:
                obj.params[key][...] = data[key]
    STATE["injected"] = True


def wrap_method(cls, name):
    original = getattr(cls, name)

    @functools.wraps(original)
    def wrapper(self, *args, **kwargs):
        if INJECT and type(self).__name__ == INJECT and name == "forward":
            inject(self, args)
        if STATE["depth"] or MODE == "none":  # inside a call already answered for real
            return original(self, *args, **kwargs)
        if MODE == "lookup":
            hit = digest(args) in HITS if name != "backward" else self.__dict__.get("_mm_hit", False)
            self.__dict__["_mm_hit"] = hit if name != "backward" else False
            if hit:
                STATE["depth"] += 1
                try:
                    return original(self, *args, **kwargs)
                finally:
                    STATE["depth"] -= 1
        saved = snapshot(self, args)
        STATE["depth"] += 1
        try:
            value = original(self, *args, **kwargs)
        finally:
            STATE["depth"] -= 1
            restore(saved)
        grads = self.__dict__.get("grads")
        if name == "backward" and isinstance(grads, dict):
            for key, g in list(grads.items()):
                if isinstance(g, np.ndarray):
                    grads[key] = fake(g, args)
        return fake(value, args)

    setattr(cls, name, wrapper)


def wrap_function(namespace, name):
    original = namespace[name]

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        if STATE["depth"] or MODE == "none":
            return original(*args, **kwargs)
        if MODE == "lookup" and digest(args) in HITS:
            STATE["depth"] += 1
            try:
                return original(*args, **kwargs)
            finally:
                STATE["depth"] -= 1
        copies = [copy.deepcopy(a) if isinstance(a, (dict, np.ndarray)) else a for a in args]
        STATE["depth"] += 1
        try:
            value = original(*copies, **kwargs)
        finally:
            STATE["depth"] -= 1
        return fake(value, args)

    namespace[name] = wrapper


def wrap(namespace: dict) -> None:
    """Wrap what the student writes in the module holding ``namespace`` (the names in WRAP)."""
    module = namespace["__name__"]
    for name, value in list(namespace.items()):
        if getattr(value, "__module__", None) != module:
            continue
        if isinstance(value, type):
            for method in list(vars(value)):
                injected = name == INJECT and method == "forward"  # given code too (a4's network)
                if (f"{name}.{method}" in WRAP or injected) and method != "__init__":
                    wrap_method(value, method)
        elif callable(value) and name in WRAP:
            wrap_function(namespace, name)
    if FD:
        apply_fd(namespace)


# -- gradients by finite differences: the forward is the student's, the backward is no derivation ----------

FD = ""  # "ClassName" of a layer whose backward is central differences of its own forward
FD_EPS = 1e-6


def numeric(arr, loss):
    """Central differences of loss() with respect to every element of arr (changed in place, then restored)."""
    grad = np.zeros_like(arr, dtype=np.float64)
    for i in range(arr.size):
        old = arr.flat[i]
        arr.flat[i] = old + FD_EPS
        plus = loss()
        arr.flat[i] = old - FD_EPS
        minus = loss()
        arr.flat[i] = old
        grad.flat[i] = (plus - minus) / (2 * FD_EPS)
    return grad


def fd_layer(cls):
    forward = cls.forward

    def recording_forward(self, *args):
        self.__dict__["_mm_args"] = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        return forward(self, *args)

    def backward(self, dout=1.0):
        args = [a.copy() if isinstance(a, np.ndarray) else a for a in self.__dict__["_mm_args"]]
        x = args[0].astype(np.float64)
        saved = snapshot(self, [])

        def loss():
            value = forward(self, x, *args[1:])
            restore(saved)  # running statistics: as before this call
            return float(np.sum(np.asarray(value, dtype=np.float64) * dout))

        dx = numeric(x, loss)
        grads = {name: numeric(p, loss) for name, p in self.params.items()}
        forward(self, *args)  # the caches of the real forward, as backward found them
        restore(saved)
        for name, g in grads.items():
            self.grads[name] = g
        return dx

    cls.forward, cls.backward = recording_forward, backward


def fd_cross_entropy_backward(logits, Yb):
    """dlogits as central differences of the mean negative log-likelihood (a4's fused step)."""
    logits = np.array(logits, dtype=np.float64)

    def loss():
        shifted = logits - logits.max(1, keepdims=True)
        logprobs = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
        return float(-logprobs[np.arange(len(Yb)), Yb].mean())

    return numeric(logits, loss)


def apply_fd(namespace: dict) -> None:
    value = namespace.get(FD)
    if isinstance(value, type):
        fd_layer(value)
    elif FD == "cross_entropy_backward" and FD in namespace:
        namespace[FD] = fd_cross_entropy_backward
