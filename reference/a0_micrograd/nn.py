"""A neural-network library on Values (micrograd's nn.py): Neuron, Layer, MLP, each with parameters().

    Neuron(nin):  act = w[0]*x[0] + ... + w[nin-1]*x[nin-1] + b;  out = tanh(act) (or act with nonlin=False)
    Layer(nin, nout): nout independent Neurons on the same input x
    MLP(nin, nouts): Layers of sizes nin -> nouts[0] -> nouts[1] -> ...; tanh on every layer but the last,
                     which is linear (nonlin=False), so its output is a score of any sign

As in micrograd's nn.py, with the lecture's tanh in place of ReLU. ``parameters()`` lists every Value the
network learns, in a fixed order: layer by layer, within a layer neuron by neuron, within a neuron its
weights w[0], ..., w[nin-1] and then its bias b. The grader sets the weights through that list.
"""
import random

from .engine import Value


class Module:
    """What every part of the network has: its parameters, and a way to reset their gradients."""

    def zero_grad(self):
        """Set the grad of every parameter to 0, in place (the training loop calls it before each backward,
        because backward adds to grad)."""
        ### HINT 1: backward adds (+=) to every grad, so the gradients of the last step are still there.
        ### HINT 2: Loop over self.parameters() and reset each one's grad.
        ### HINT 3: for p in self.parameters(): p.grad = 0.0
        ### BEGIN SOLUTION: every parameter's grad back to 0
        for p in self.parameters():
            p.grad = 0.0
        ### END SOLUTION

    def parameters(self):
        return []


class Neuron(Module):
    """w: nin Values drawn uniformly from [-1, 1]; b: a Value, 0. nonlin: apply tanh to the output."""

    def __init__(self, nin, nonlin=True):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.nonlin = nonlin

    def __call__(self, x):
        """x: a list of nin numbers or Values. Returns one Value: tanh(sum_i w[i] * x[i] + b), or the sum
        itself with nonlin=False."""
        ### HINT 1: A weighted sum of the inputs plus the bias, built from Value operations so backward can reach w and b.
        ### HINT 2: sum(iterable, start) adds to start: sum((wi * xi for wi, xi in zip(self.w, x)), self.b).
        ### HINT 3: act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b); return act.tanh() if self.nonlin else act.
        ### BEGIN SOLUTION: the weighted sum of x plus b, then tanh unless nonlin is False
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.tanh() if self.nonlin else act
        ### END SOLUTION

    def parameters(self):
        """[w[0], ..., w[nin-1], b]: the weights in order, then the bias."""
        ### HINT 1: A list of the Values this neuron learns.
        ### HINT 2: The weights first, in order, then the bias.
        ### HINT 3: return self.w + [self.b]
        ### BEGIN SOLUTION: the weights in order, then the bias
        return self.w + [self.b]
        ### END SOLUTION


class Layer(Module):
    """nout Neurons, each with nin inputs."""

    def __init__(self, nin, nout, **kwargs):
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x):
        """x: a list of nin numbers or Values. Returns a list of nout Values, one per neuron in order, or the
        Value itself when nout == 1 (micrograd's convention, so an MLP ending in one neuron gives a Value)."""
        ### HINT 1: Every neuron sees the same input x.
        ### HINT 2: out = [n(x) for n in self.neurons].
        ### HINT 3: return out[0] if len(out) == 1 else out.
        ### BEGIN SOLUTION: each neuron on x, in order; a single Value when there is one neuron
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out
        ### END SOLUTION

    def parameters(self):
        """The parameters of neuron 0, then of neuron 1, ... (each in Neuron.parameters' order)."""
        ### HINT 1: Concatenate the neurons' lists.
        ### HINT 2: A nested list comprehension flattens: [p for n in ... for p in ...].
        ### HINT 3: return [p for n in self.neurons for p in n.parameters()]
        ### BEGIN SOLUTION: every neuron's parameters, neuron by neuron
        return [p for n in self.neurons for p in n.parameters()]
        ### END SOLUTION


class MLP(Module):
    """Layers nin -> nouts[0] -> ... -> nouts[-1]; tanh on every layer but the last (linear)."""

    def __init__(self, nin, nouts):
        sizes = [nin] + list(nouts)
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))]

    def __call__(self, x):
        """x: a list of nin numbers or Values. Returns the last layer's output: a Value when nouts[-1] == 1,
        else a list of nouts[-1] Values."""
        ### HINT 1: Feed each layer's output into the next.
        ### HINT 2: A loop over self.layers, replacing x each time.
        ### HINT 3: for layer in self.layers: x = layer(x); then return x.
        ### BEGIN SOLUTION: the layers in order, each on the previous one's output
        for layer in self.layers:
            x = layer(x)
        return x
        ### END SOLUTION

    def parameters(self):
        """The parameters of layer 0, then layer 1, ... (each in Layer.parameters' order)."""
        ### HINT 1: The same flattening as in Layer.
        ### HINT 2: Go over the layers in order.
        ### HINT 3: return [p for layer in self.layers for p in layer.parameters()]
        ### BEGIN SOLUTION: every layer's parameters, layer by layer
        return [p for layer in self.layers for p in layer.parameters()]
        ### END SOLUTION
