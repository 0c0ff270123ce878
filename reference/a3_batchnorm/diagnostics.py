"""The lecture's health checks of a deep network (makemore part 3): are the activations saturated, do the
gradients keep their scale through the layers, and are the updates neither too small nor too large?"""
import numpy as np

SATURATION = 0.97  # the lecture's threshold: |tanh| above it passes almost no gradient (1 - 0.97**2 = 0.06)


def activation_stats(h):
    """Inputs:
    - h: (N, D) float64, a tanh layer's output.

    Returns:
    - (3,) float64 array: [mean, std, saturation], over all N * D entries; std is np.std's (divides by N * D);
      saturation is the fraction of entries with |h| > 0.97.
    """
    ### HINT 1: Three numbers over every entry of h: no axis argument.
    ### HINT 2: Saturation is a fraction: the mean of a boolean array counts the True entries and divides by their
    ###   number.
    ### HINT 3: an array of h.mean(), h.std() and the mean of abs(h) > SATURATION.
    ### BEGIN SOLUTION: h.mean(), h.std(), and the mean of the boolean array |h| > SATURATION
    return np.array([h.mean(), h.std(), (np.abs(h) > SATURATION).mean()])
    ### END SOLUTION


def gradient_stats(dh):
    """Inputs:
    - dh: float64 array of any shape, a gradient.

    Returns:
    - (2,) float64 array: [mean, std] over all its entries (np.std's, dividing by the number of entries).
    """
    ### HINT 1: The same kind of summary as activation_stats, for a gradient: over every entry.
    ### HINT 2: np.std divides by the number of entries, as the docstring asks.
    ### HINT 3: np.array([dh.mean(), dh.std()]).
    ### BEGIN SOLUTION: dh.mean() and dh.std()
    return np.array([dh.mean(), dh.std()])
    ### END SOLUTION


def update_ratio(param, grad, lr):
    """Inputs:
    - param: float64 array, a parameter before the update; grad: its gradient, same shape; lr: float > 0.

    Returns:
    - float: log10(std(lr * grad) / std(param)), the size of one SGD update relative to the parameter. The
      lecture's rule of thumb: about -3 is healthy; much lower learns slowly, much higher is unstable.
    """
    ### HINT 1: SGD's update is lr * grad: compare its spread with the parameter's.
    ### HINT 2: Take the standard deviation of each over all entries, divide, then the base-10 logarithm.
    ### HINT 3: float of log10 of std(lr * grad) over std(param).
    ### BEGIN SOLUTION: np.log10 of the ratio of the two standard deviations
    return float(np.log10((lr * grad).std() / param.std()))
    ### END SOLUTION


def layer_report(model):
    """Per BatchNorm layer of a model after forward and backward (BatchNormMLP keeps h and dh):
    [(layer number, activation mean, std, saturation, gradient mean, gradient std)], layer 1 first."""
    return [(i, *activation_stats(h), *gradient_stats(dh))
            for i, (h, dh) in enumerate(zip(model.h, model.dh), start=1)]
