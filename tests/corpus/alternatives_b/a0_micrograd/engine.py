"""Value that stores its local derivatives instead of closures: each node keeps its inputs and d(node)/d(input)
for each, and backward() walks a depth-first post-order built with an explicit stack of iterators."""
import math


class Value:
    def __init__(self, data, _children=(), _op="", _local=(), label=""):
        self.data = float(data)
        self.grad = 0.0
        self._prev = tuple(_children)
        self._local = tuple(_local)  # d(self)/d(child) for each child, in order
        self._op = _op
        self.label = label

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), "+", (1.0, 1.0))

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), "*", (other.data, self.data))

    def __pow__(self, k):
        assert isinstance(k, (int, float))
        return Value(self.data**k, (self,), f"**{k}", (k * self.data ** (k - 1),))

    def __neg__(self):
        return Value(-self.data, (self,), "neg", (-1.0,))

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data / other.data, (self, other), "/", (1 / other.data, -self.data / other.data**2))

    def __rtruediv__(self, other):
        return Value(other / self.data, (self,), "r/", (-other / self.data**2,))

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, (self,), "tanh", (1 - t * t,))

    def exp(self):
        e = math.exp(self.data)
        return Value(e, (self,), "exp", (e,))

    def log(self):
        return Value(math.log(self.data), (self,), "log", (1 / self.data,))

    def relu(self):
        return Value(self.data if self.data > 0 else 0.0, (self,), "ReLU", (1.0 if self.data > 0 else 0.0,))

    def backward(self):
        order, visited = [], {id(self)}
        stack = [(self, iter(self._prev))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                order.append(node)
            elif id(child) not in visited:
                visited.add(id(child))
                stack.append((child, iter(child._prev)))
        self.grad = 1.0
        for node in reversed(order):
            for child, local in zip(node._prev, node._local):
                child.grad += local * node.grad
