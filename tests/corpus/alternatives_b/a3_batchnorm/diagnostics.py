import numpy as np


def activation_stats(h):
    flat = h.ravel()
    return np.array([flat.mean(), np.sqrt(np.mean((flat - flat.mean()) ** 2)), np.mean(np.abs(flat) > 0.97)])


def gradient_stats(dh):
    return np.array([np.mean(dh), np.std(dh)])


def update_ratio(param, grad, lr):
    return float(np.log10(np.std(lr * grad) / np.std(param)))
