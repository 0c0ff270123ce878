"""Assignment 0: micrograd, the scalar autograd engine of "The spelled-out intro to neural networks and
backpropagation: building micrograd", and the small neural-network library built on it.

``engine.py`` holds ``Value``: a number that remembers how it was computed, so that ``backward()`` can send
the derivative of the output to every number that went into it (the chain rule, one operation at a time).
``nn.py`` builds ``Neuron``, ``Layer`` and ``MLP`` from Values and trains them on two moons.
"""
