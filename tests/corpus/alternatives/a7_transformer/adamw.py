"""AdamW with its state in one dict per parameter and the bias corrections applied to m and v separately."""
import numpy as np


class AdamW:
    def __init__(self, params, lr=5e-4, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.01):
        self.params = params
        self.lr, self.betas, self.eps, self.weight_decay = lr, betas, eps, weight_decay
        self.state = {name: {"step": 0, "exp_avg": np.zeros_like(p), "exp_avg_sq": np.zeros_like(p)}
                      for name, p in params.items()}

    def step(self, grads):
        b1, b2 = self.betas
        for name, p in self.params.items():
            s = self.state[name]
            s["step"] += 1
            g = grads[name]
            s["exp_avg"] = b1 * s["exp_avg"] + (1 - b1) * g
            s["exp_avg_sq"] = b2 * s["exp_avg_sq"] + (1 - b2) * np.square(g)
            m_hat = s["exp_avg"] / (1 - b1 ** s["step"])
            v_hat = s["exp_avg_sq"] / (1 - b2 ** s["step"])
            p[...] = p * (1 - self.lr * self.weight_decay) - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


def adamw_steps(weight, bias, dweights, dbiases, lr, weight_decay):
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
