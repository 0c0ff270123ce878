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
        ### HINT 1: The sum's output changes one for one with each input: what is the local derivative?
        ### HINT 2: Wrap a number first (other = other if isinstance(other, Value) else Value(other)); out = Value(self.data + other.data, (self, other), "+").
        ### HINT 3: In out's _backward: self.grad += out.grad and other.grad += out.grad (+=: a + a must give 2).
        ### BEGIN SOLUTION: a new Value for self.data + other.data (a number becomes a Value), children (self, other), and a _backward that adds to both inputs' grad
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out
        ### END SOLUTION

    def __mul__(self, other):
        """self * other, with other a Value or a number. Returns a new Value whose ``_backward`` adds each
        input's share of the product's gradient to its ``grad``."""
        ### HINT 1: If other is held fixed, how much does self * other move when self moves by a small h?
        ### HINT 2: The local derivative with respect to each input is the *other* input's data.
        ### HINT 3: self.grad += other.data * out.grad; other.grad += self.data * out.grad (both +=: a * a gives 2a).
        ### BEGIN SOLUTION: a new Value for self.data * other.data, children (self, other), and a _backward that adds to both inputs' grad
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out
        ### END SOLUTION

    def __pow__(self, other):
        """self ** other for a number ``other`` (int or float, not a Value): a Value holding this value's data
        raised to the power ``other``. Its ``_backward`` adds the power's gradient to self.grad. (Raises AssertionError for a Value exponent.)"""
        ### HINT 1: The power rule from calculus, with the exponent a constant.
        ### HINT 2: d(x**n)/dx brings n down in front and lowers the exponent by one.
        ### HINT 3: self.grad += other * self.data ** (other - 1) * out.grad.
        ### BEGIN SOLUTION: only numbers as exponents; a new Value holding the data to the power other, with child self, and a _backward that adds to self.grad
        assert isinstance(other, (int, float)), "only int or float exponents"
        out = Value(self.data**other, (self,), f"**{other}")

        def _backward():
            self.grad += other * self.data ** (other - 1) * out.grad
        out._backward = _backward
        return out
        ### END SOLUTION

    def tanh(self):
        """tanh(self.data) (math.tanh), with a _backward that adds its gradient to self.grad."""
        ### HINT 1: The derivative of tanh is best written with tanh's own output t, which you already computed.
        ### HINT 2: tanh's derivative is a polynomial in tanh's own value t: differentiate (e^2x - 1)/(e^2x + 1) once and write it with t; it uses the output, not the input.
        ### HINT 3: t = math.tanh(self.data); in _backward: self.grad += (1 - t**2) * out.grad.
        ### BEGIN SOLUTION: a new Value for math.tanh(self.data) with child self, and a _backward that adds to self.grad
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t**2) * out.grad
        out._backward = _backward
        return out
        ### END SOLUTION

    def exp(self):
        """e ** self.data (math.exp), with a _backward that adds its gradient to self.grad."""
        ### HINT 1: exp is its own derivative.
        ### HINT 2: The local derivative is the output's data, out.data.
        ### HINT 3: self.grad += out.data * out.grad.
        ### BEGIN SOLUTION: a new Value for math.exp(self.data) with child self, and a _backward that adds to self.grad
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad
        out._backward = _backward
        return out
        ### END SOLUTION

    def log(self):
        """The natural logarithm of self.data (math.log; self.data > 0), with a _backward that adds its
        gradient to self.grad."""
        ### HINT 1: The derivative of ln(x) from calculus.
        ### HINT 2: It is the reciprocal of the input, 1 / x.
        ### HINT 3: self.grad += (1 / self.data) * out.grad.
        ### BEGIN SOLUTION: a new Value for math.log(self.data) with child self, and a _backward that adds to self.grad
        out = Value(math.log(self.data), (self,), "log")

        def _backward():
            self.grad += out.grad / self.data
        out._backward = _backward
        return out
        ### END SOLUTION

    def relu(self):
        """max(0, self.data) as a float (0.0 for a negative input), with a _backward that adds its gradient to
        self.grad."""
        ### HINT 1: ReLU is the identity where the input is positive and constant (0) where it is negative.
        ### HINT 2: The local derivative is 1 where out.data > 0, else 0.
        ### HINT 3: self.grad += (out.data > 0) * out.grad.
        ### BEGIN SOLUTION: a new Value for max(0, self.data) with child self, and a _backward that adds to self.grad
        out = Value(0.0 if self.data < 0 else self.data, (self,), "ReLU")

        def _backward():
            self.grad += (out.data > 0) * out.grad
        out._backward = _backward
        return out
        ### END SOLUTION

    def backward(self):
        """Backpropagate from this Value: afterwards every Value it was computed from holds in ``grad`` the
        derivative of this Value with respect to it (added to what ``grad`` held before).

        Sets self.grad to 1 (dself/dself) first, then runs each node's ``_backward`` exactly once, each only
        after every node that uses it has run its own (reverse topological order). Must work on graphs of
        tens of thousands of nodes, chains included: no recursion as deep as the graph (Python stops at about
        1000 nested calls)."""
        ### HINT 1: Order the nodes so that each comes after all of its inputs (a topological order), then walk that order backwards.
        ### HINT 2: A depth-first search that appends a node after all its children gives that order; use an explicit stack of (node, children visited?) pairs instead of recursion, and a visited set so each node appears once.
        ### HINT 3: self.grad = 1.0; then for node in reversed(topo): node._backward().
        ### BEGIN SOLUTION: a topological order of the graph built without recursion (a visited set, each node once), self.grad = 1, then every node's _backward in reverse order
        topo, visited = [], set()
        stack = [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                topo.append(node)
                continue
            if node in visited:
                continue
            visited.add(node)
            stack.append((node, True))
            for child in node._prev:
                if child not in visited:
                    stack.append((child, False))
        self.grad = 1.0
        for node in reversed(topo):
            node._backward()
        ### END SOLUTION

    def __neg__(self):
        """-self, as a Value connected to self (so its gradient reaches self)."""
        ### HINT 1: Negation is a multiplication you already wrote.
        ### HINT 2: -x == x * -1, and __mul__ takes care of the backward.
        ### HINT 3: return self * -1.
        ### BEGIN SOLUTION: build it from an operation you already wrote
        return self * -1
        ### END SOLUTION

    def __radd__(self, other):
        """other + self where other is a number (Python calls this when the number comes first)."""
        ### HINT 1: Python calls a.__radd__(2) for 2 + a, because int does not know Values.
        ### HINT 2: Addition commutes.
        ### HINT 3: return self + other.
        ### BEGIN SOLUTION: build it from an operation you already wrote
        return self + other
        ### END SOLUTION

    def __sub__(self, other):
        """self - other, with other a Value or a number."""
        ### HINT 1: Subtraction is an addition of something you already wrote.
        ### HINT 2: a - b == a + (-b).
        ### HINT 3: return self + (-other).
        ### BEGIN SOLUTION: build it from operations you already wrote
        return self + (-other)
        ### END SOLUTION

    def __rsub__(self, other):
        """other - self where other is a number: Python calls a.__rsub__(2) for 2 - a (not a - 2)."""
        ### HINT 1: Here self is the right operand: 2 - a, not a - 2.
        ### HINT 2: other - self == other + (-self).
        ### HINT 3: return other + (-self).
        ### BEGIN SOLUTION: build it from operations you already wrote, with the operands in the right order
        return other + (-self)
        ### END SOLUTION

    def __rmul__(self, other):
        """other * self where other is a number."""
        ### HINT 1: Python calls a.__rmul__(2) for 2 * a.
        ### HINT 2: Multiplication commutes.
        ### HINT 3: return self * other.
        ### BEGIN SOLUTION: build it from an operation you already wrote
        return self * other
        ### END SOLUTION

    def __truediv__(self, other):
        """self / other, with other a Value or a number (other != 0)."""
        ### HINT 1: Division is multiplication by a power you already wrote.
        ### HINT 2: a / b == a * b**-1 (b may be a number: wrap it in a Value for the power).
        ### HINT 3: return self * other**-1 (with other a Value).
        ### BEGIN SOLUTION: build it from operations you already wrote
        other = other if isinstance(other, Value) else Value(other)
        return self * other**-1
        ### END SOLUTION

    def __rtruediv__(self, other):
        """other / self where other is a number: Python calls a.__rtruediv__(2) for 2 / a (not a / 2)."""
        ### HINT 1: Here self is the divisor: 2 / a, not a / 2.
        ### HINT 2: other / self == other * self**-1.
        ### HINT 3: return other * self**-1.
        ### BEGIN SOLUTION: build it from operations you already wrote, with the operands in the right order
        return other * self**-1
        ### END SOLUTION

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"
