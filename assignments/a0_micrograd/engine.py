"""Value: a scalar that records the operations that made it, and backpropagates through them (micrograd).

Every operation returns a new Value whose ``_prev`` holds its inputs and whose ``_backward`` is a function
that, once ``out.grad`` holds d(final output)/d(out), adds each input's share to that input's ``grad``
(the chain rule: the local derivative times ``out.grad``). ``backward()`` calls them all, in an order where a
node's ``_backward`` runs only after every node that uses it has run its own.

Conventions (what the grader relies on):
- ``data`` is a Python float (or int); ``grad`` starts at 0 and holds d(output)/d(this value) after
  ``output.backward()``.
- Every operation accepts a Value or a plain number (int or float) as its other operand, and the reflected
  forms work too: ``2 + a``, ``2 - a``, ``2 * a``, ``2 / a``.
- A local backward *adds* to its inputs' ``grad`` (``+=``): a value used several times receives the sum of
  the gradients of all its uses.
- ``_prev`` (a set or tuple of the input Values) and ``_op`` (a short string, "+", "*", "tanh"...) are kept
  for drawing the graph (``grader.micrograd.render``).
"""
import math


class Value:
    """A scalar in a computation graph: ``data`` (float), ``grad`` (float, 0 until backward runs)."""

    def __init__(self, data, _children=(), _op="", label=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None  # the local backward of the operation that made this Value
        self._prev = set(_children)
        self._op = _op
        self.label = label

    def __add__(self, other):
        """self + other, with other a Value or a number. Returns a new Value whose ``_backward`` adds the
        gradient of the sum to both inputs' ``grad``."""
        # YOUR CODE HERE (Value.__add__): a new Value for self.data + other.data (a number becomes a Value), children (self, other), and a _backward that adds to both inputs' grad
        raise NotImplementedError("Value.__add__: a new Value for self.data + other.data (a number becomes a Value), children (self, other), and a _backward that adds to both inputs' grad")

    def __mul__(self, other):
        """self * other, with other a Value or a number. Returns a new Value whose ``_backward`` adds each
        input's share of the product's gradient to its ``grad``."""
        # YOUR CODE HERE (Value.__mul__): a new Value for self.data * other.data, children (self, other), and a _backward that adds to both inputs' grad
        raise NotImplementedError("Value.__mul__: a new Value for self.data * other.data, children (self, other), and a _backward that adds to both inputs' grad")

    def __pow__(self, other):
        """self ** other for a number ``other`` (int or float, not a Value): a Value holding this value's data
        raised to the power ``other``. Its ``_backward`` adds the power's gradient to self.grad. (Raises AssertionError for a Value exponent.)"""
        # YOUR CODE HERE (Value.__pow__): only numbers as exponents; a new Value holding the data to the power other, with child self, and a _backward that adds to self.grad
        raise NotImplementedError('Value.__pow__: only numbers as exponents; a new Value holding the data to the power other, with child self, and a _backward that adds to self.grad')

    def tanh(self):
        """tanh(self.data) (math.tanh), with a _backward that adds its gradient to self.grad."""
        # YOUR CODE HERE (Value.tanh): a new Value for math.tanh(self.data) with child self, and a _backward that adds to self.grad
        raise NotImplementedError('Value.tanh: a new Value for math.tanh(self.data) with child self, and a _backward that adds to self.grad')

    def exp(self):
        """e ** self.data (math.exp), with a _backward that adds its gradient to self.grad."""
        # YOUR CODE HERE (Value.exp): a new Value for math.exp(self.data) with child self, and a _backward that adds to self.grad
        raise NotImplementedError('Value.exp: a new Value for math.exp(self.data) with child self, and a _backward that adds to self.grad')

    def log(self):
        """The natural logarithm of self.data (math.log; self.data > 0), with a _backward that adds its
        gradient to self.grad."""
        # YOUR CODE HERE (Value.log): a new Value for math.log(self.data) with child self, and a _backward that adds to self.grad
        raise NotImplementedError('Value.log: a new Value for math.log(self.data) with child self, and a _backward that adds to self.grad')

    def relu(self):
        """max(0, self.data) as a float (0.0 for a negative input), with a _backward that adds its gradient to
        self.grad."""
        # YOUR CODE HERE (Value.relu): a new Value for max(0, self.data) with child self, and a _backward that adds to self.grad
        raise NotImplementedError('Value.relu: a new Value for max(0, self.data) with child self, and a _backward that adds to self.grad')

    def backward(self):
        """Backpropagate from this Value: afterwards every Value it was computed from holds in ``grad`` the
        derivative of this Value with respect to it (added to what ``grad`` held before).

        Sets self.grad to 1 (dself/dself) first, then runs each node's ``_backward`` exactly once, each only
        after every node that uses it has run its own (reverse topological order). Must work on graphs of
        tens of thousands of nodes, chains included: no recursion as deep as the graph (Python stops at about
        1000 nested calls)."""
        # YOUR CODE HERE (Value.backward): a topological order of the graph built without recursion (a visited set, each node once), self.grad = 1, then every node's _backward in reverse order
        raise NotImplementedError("Value.backward: a topological order of the graph built without recursion (a visited set, each node once), self.grad = 1, then every node's _backward in reverse order")

    def __neg__(self):
        """-self, as a Value connected to self (so its gradient reaches self)."""
        # YOUR CODE HERE (Value.__neg__): build it from an operation you already wrote
        raise NotImplementedError('Value.__neg__: build it from an operation you already wrote')

    def __radd__(self, other):
        """other + self where other is a number (Python calls this when the number comes first)."""
        # YOUR CODE HERE (Value.__radd__): build it from an operation you already wrote
        raise NotImplementedError('Value.__radd__: build it from an operation you already wrote')

    def __sub__(self, other):
        """self - other, with other a Value or a number."""
        # YOUR CODE HERE (Value.__sub__): build it from operations you already wrote
        raise NotImplementedError('Value.__sub__: build it from operations you already wrote')

    def __rsub__(self, other):
        """other - self where other is a number: Python calls a.__rsub__(2) for 2 - a (not a - 2)."""
        # YOUR CODE HERE (Value.__rsub__): build it from operations you already wrote, with the operands in the right order
        raise NotImplementedError('Value.__rsub__: build it from operations you already wrote, with the operands in the right order')

    def __rmul__(self, other):
        """other * self where other is a number."""
        # YOUR CODE HERE (Value.__rmul__): build it from an operation you already wrote
        raise NotImplementedError('Value.__rmul__: build it from an operation you already wrote')

    def __truediv__(self, other):
        """self / other, with other a Value or a number (other != 0)."""
        # YOUR CODE HERE (Value.__truediv__): build it from operations you already wrote
        raise NotImplementedError('Value.__truediv__: build it from operations you already wrote')

    def __rtruediv__(self, other):
        """other / self where other is a number: Python calls a.__rtruediv__(2) for 2 / a (not a / 2)."""
        # YOUR CODE HERE (Value.__rtruediv__): build it from operations you already wrote, with the operands in the right order
        raise NotImplementedError('Value.__rtruediv__: build it from operations you already wrote, with the operands in the right order')

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"
