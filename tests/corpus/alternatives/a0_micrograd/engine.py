"""Value with every operation written out (no operation built from another), __slots__, the inputs as a tuple,
and backward() ordered by Kahn's algorithm: a node runs once all the nodes that use it have run."""
import math


class Value:
    __slots__ = ("data", "grad", "_backward", "_prev", "_op", "label")

    def __init__(self, data, _children=(), _op="", label=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = tuple(_children)
        self._op = _op
        self.label = label

    @staticmethod
    def _wrap(x):
        return x if isinstance(x, Value) else Value(x)

    def _unary(self, data, local, op):
        out = Value(data, (self,), op)

        def _backward():
            self.grad += local() * out.grad
        out._backward = _backward
        return out

    def _binary(self, other, data, dself, dother, op):
        out = Value(data, (self, other), op)

        def _backward():
            self.grad += dself * out.grad
            other.grad += dother * out.grad
        out._backward = _backward
        return out

    def __add__(self, other):
        other = self._wrap(other)
        return self._binary(other, self.data + other.data, 1.0, 1.0, "+")

    def __sub__(self, other):
        other = self._wrap(other)
        return self._binary(other, self.data - other.data, 1.0, -1.0, "-")

    def __mul__(self, other):
        other = self._wrap(other)
        return self._binary(other, self.data * other.data, other.data, self.data, "*")

    def __truediv__(self, other):
        other = self._wrap(other)
        return self._binary(other, self.data / other.data, 1.0 / other.data, -self.data / other.data**2, "/")

    def __radd__(self, other):
        return self._wrap(other) + self

    def __rsub__(self, other):
        return self._wrap(other) - self

    def __rmul__(self, other):
        return self._wrap(other) * self

    def __rtruediv__(self, other):
        return self._wrap(other) / self

    def __neg__(self):
        return self._unary(-self.data, lambda: -1.0, "neg")

    def __pow__(self, k):
        assert isinstance(k, (int, float))
        return self._unary(self.data**k, lambda: k * self.data ** (k - 1), f"**{k}")

    def tanh(self):
        t = (math.exp(2 * self.data) - 1) / (math.exp(2 * self.data) + 1) if abs(self.data) < 20 else math.copysign(1.0, self.data)
        return self._unary(t, lambda: 1 - t * t, "tanh")

    def exp(self):
        e = math.exp(self.data)
        return self._unary(e, lambda: e, "exp")

    def log(self):
        return self._unary(math.log(self.data), lambda: 1 / self.data, "log")

    def relu(self):
        return self._unary(max(0.0, self.data), lambda: 1.0 if self.data > 0 else 0.0, "ReLU")

    def backward(self):
        users, seen, todo = {}, {id(self)}, [self]
        nodes = [self]
        while todo:
            node = todo.pop()
            for child in node._prev:
                users[id(child)] = users.get(id(child), 0) + 1
                if id(child) not in seen:
                    seen.add(id(child))
                    nodes.append(child)
                    todo.append(child)
        self.grad = 1.0
        ready = [self]
        while ready:
            node = ready.pop()
            node._backward()
            for child in node._prev:
                users[id(child)] -= 1
                if users[id(child)] == 0:
                    ready.append(child)

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"
