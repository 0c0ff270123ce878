import math

import numpy as np


def activation_stats(h):
    return np.array([np.mean(h), np.std(h), np.count_nonzero(np.abs(h) > 0.97) / h.size])


def gradient_stats(dh):
    mean = dh.sum() / dh.size
    return np.array([mean, math.sqrt(((dh - mean) ** 2).sum() / dh.size)])


def update_ratio(param, grad, lr):
    return math.log10(lr) + math.log10(np.std(grad)) - math.log10(np.std(param))
