"""AdamW (Loshchilov and Hutter, 2019) as torch.optim.AdamW with makemore.py's settings.

For each parameter p with gradient g, at step t = 1, 2, ...:

    p = p - lr * weight_decay * p                    decoupled weight decay: on the weights, not in g
    m = beta1 * m + (1 - beta1) * g                  first moment
    v = beta2 * v + (1 - beta2) * g**2               second moment
    m_hat = m / (1 - beta1**t)                       bias correction (m and v start at 0)
    v_hat = v / (1 - beta2**t)
    p = p - lr * m_hat / (sqrt(v_hat) + eps)
"""
import numpy as np


class AdamW:
    """Updates the arrays of ``params`` (a model's params dict) in place, so the layers holding them see it.

    lr 5e-4, betas (0.9, 0.99), eps 1e-8, weight_decay 0.01: makemore.py's defaults. State: the step count t
    and, per parameter, m and v (zeros of its shape and dtype), kept between calls to step.
    """

    def __init__(self, params, lr=5e-4, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.01):
        self.params = params
        self.lr, self.betas, self.eps, self.weight_decay = lr, betas, eps, weight_decay
        self.t = 0
        self.m = {name: np.zeros_like(value) for name, value in params.items()}
        self.v = {name: np.zeros_like(value) for name, value in params.items()}

    def step(self, grads):
        """Inputs:
        - grads: dict with the keys of params, each gradient the shape of its parameter.

        Returns None. Increments t, updates m and v, and changes every params[name] in place (p -= ..., p *= ...;
        never params[name] = ..., which would unlink the model's layers from the dict).
        """
        # YOUR CODE HERE (AdamW.step): t += 1; per parameter: decay the weights, update m and v, bias-correct, step
        raise NotImplementedError('AdamW.step: t += 1; per parameter: decay the weights, update m and v, bias-correct, step')


def adamw_steps(weight, bias, dweights, dbiases, lr, weight_decay):
    """How the grader runs your AdamW (given, not part of the exercise).

    Inputs: weight (R, C) and bias (C,) float64, the starting parameters; dweights (K, R, C) and dbiases (K, C),
    the gradients of K successive steps; lr and weight_decay floats (betas and eps keep their defaults).

    Returns: (K, R*C + C) float64, row k = the flattened weight then bias after step k + 1.
    """
    params = {"weight": np.array(weight, dtype=np.float64), "bias": np.array(bias, dtype=np.float64)}
    # two more parameters of the same shapes as weight and bias, with other gradients: an optimiser's state
    # belongs to each parameter (keyed by name), so these never change weight's and bias's steps
    params.update(twin_weight=np.array(weight[::-1], dtype=np.float64), twin_bias=np.array(bias[::-1], dtype=np.float64))
    optimizer = AdamW(params, lr=lr, weight_decay=weight_decay)
    trajectory = []
    for dweight, dbias in zip(dweights, dbiases):
        optimizer.step({"weight": dweight, "bias": dbias, "twin_weight": -3.0 * dweight[::-1],
                        "twin_bias": 0.5 * dbias[::-1] + 1.0})
        trajectory.append(np.concatenate([params["weight"].ravel(), params["bias"].ravel()]))
    return np.stack(trajectory)
