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
        # YOUR CODE HERE (Module.zero_grad): every parameter's grad back to 0
        raise NotImplementedError("Module.zero_grad: every parameter's grad back to 0")

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
        # YOUR CODE HERE (Neuron.__call__): the weighted sum of x plus b, then tanh unless nonlin is False
        raise NotImplementedError('Neuron.__call__: the weighted sum of x plus b, then tanh unless nonlin is False')

    def parameters(self):
        """[w[0], ..., w[nin-1], b]: the weights in order, then the bias."""
        # YOUR CODE HERE (Neuron.parameters): the weights in order, then the bias
        raise NotImplementedError('Neuron.parameters: the weights in order, then the bias')


class Layer(Module):
    """nout Neurons, each with nin inputs."""

    def __init__(self, nin, nout, **kwargs):
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x):
        """x: a list of nin numbers or Values. Returns a list of nout Values, one per neuron in order, or the
        Value itself when nout == 1 (micrograd's convention, so an MLP ending in one neuron gives a Value)."""
        # YOUR CODE HERE (Layer.__call__): each neuron on x, in order; a single Value when there is one neuron
        raise NotImplementedError('Layer.__call__: each neuron on x, in order; a single Value when there is one neuron')

    def parameters(self):
        """The parameters of neuron 0, then of neuron 1, ... (each in Neuron.parameters' order)."""
        # YOUR CODE HERE (Layer.parameters): every neuron's parameters, neuron by neuron
        raise NotImplementedError("Layer.parameters: every neuron's parameters, neuron by neuron")


class MLP(Module):
    """Layers nin -> nouts[0] -> ... -> nouts[-1]; tanh on every layer but the last (linear)."""

    def __init__(self, nin, nouts):
        sizes = [nin] + list(nouts)
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))]

    def __call__(self, x):
        """x: a list of nin numbers or Values. Returns the last layer's output: a Value when nouts[-1] == 1,
        else a list of nouts[-1] Values."""
        # YOUR CODE HERE (MLP.__call__): the layers in order, each on the previous one's output
        raise NotImplementedError("MLP.__call__: the layers in order, each on the previous one's output")

    def parameters(self):
        """The parameters of layer 0, then layer 1, ... (each in Layer.parameters' order)."""
        # YOUR CODE HERE (MLP.parameters): every layer's parameters, layer by layer
        raise NotImplementedError("MLP.parameters: every layer's parameters, layer by layer")
