"""Assignment 0's corpus of mistakes (micrograd), in the form of tests/corpus/bugs.py: each is one text
substitution in reference/a0_micrograd, the check that must lose its points, and the diagnosis its message
must contain. tests/test_a0_micrograd.py grades each one."""
from tests.corpus.bugs import Bug

ENGINE = "a0_micrograd/engine.py"
NN = "a0_micrograd/nn.py"

ITERATIVE_TOPO = """        topo, visited = [], set()
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
"""

A0_BUGS = [
    # -- the engine: accumulation, the seed, the order ----------------------------------------------------
    Bug("add_assigns_grad", ENGINE,
        "            self.grad += out.grad\n            other.grad += out.grad",
        "            self.grad = out.grad\n            other.grad = out.grad",
        "value.backward", "not assign it (=)",
        "= where += belongs: a + a gets one use's gradient"),
    Bug("mul_assigns_grad", ENGINE,
        "            self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
        "            self.grad = other.data * out.grad\n            other.grad = self.data * out.grad",
        "value.backward", "not assign it (=)",
        "= where += belongs in the product: a * a gets a instead of 2a"),
    Bug("backward_without_seed", ENGINE,
        "        self.grad = 1.0\n        for node in reversed(topo):", "        for node in reversed(topo):",
        "value.backward", "self.grad = 1",
        "grad starts at 0, so everything multiplies 0"),
    Bug("backward_only_the_output", ENGINE,
        "        for node in reversed(topo):\n            node._backward()", "        self._backward()",
        "value.backward", "reverse topological order",
        "calling the output's own _backward, as if it recursed by itself"),
    Bug("backward_order_not_reversed", ENGINE,
        "        for node in reversed(topo):", "        for node in topo:",
        "value.backward", "reverse topological order",
        "walking the topological order forwards: the leaves first"),
    Bug("backward_recursive_topo", ENGINE, ITERATIVE_TOPO,
        """        topo, visited = [], set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)
        build_topo(self)
""",
        "value.deep_graph", "explicit stack",
        "the lecture's recursive build_topo: fine on small graphs, RecursionError on a chain of thousands"),
    Bug("backward_without_visited_set", ENGINE, ITERATIVE_TOPO,
        ITERATIVE_TOPO.replace("            if node in visited:\n                continue\n", "")
        .replace("                if child not in visited:\n                    stack.append((child, False))",
                 "                stack.append((child, False))"),
        "value.backward", "ran more than once",
        "a depth-first walk without a visited set: a node reached by two paths is listed twice"),
    # -- the engine: local derivatives and reflected operators --------------------------------------------
    Bug("tanh_derivative_from_input", ENGINE,
        "            self.grad += (1 - t**2) * out.grad\n", "            self.grad += (1 - self.data**2) * out.grad\n",
        "value.local_backward", "not with the input",
        "1 - x**2 with x the input instead of the output"),
    Bug("pow_exponent_not_lowered", ENGINE,
        "            self.grad += other * self.data ** (other - 1) * out.grad\n",
        "            self.grad += other * self.data ** other * out.grad\n",
        "value.local_backward", "one too high",
        "the power rule's exponent left as it was"),
    Bug("mul_own_data", ENGINE,
        "            self.grad += other.data * out.grad\n", "            self.grad += self.data * out.grad\n",
        "value.local_backward", "the *other* input",
        "each input's own data as its local derivative"),
    Bug("relu_gradient_everywhere", ENGINE,
        "            self.grad += (out.data > 0) * out.grad\n", "            self.grad += out.grad\n",
        "value.local_backward", "passed through unchanged",
        "ReLU's gradient 1 everywhere"),
    Bug("rsub_operands_swapped", ENGINE,
        "        return other + (-self)\n", "        return self + (-other)\n",
        "value.forward", "the operands are swapped",
        "__rsub__ as if it were __sub__: 2 - a computed as a - 2"),
    Bug("rtruediv_operands_swapped", ENGINE,
        "        return other * self**-1\n", "        return self * other**-1\n",
        "value.forward", "the operands are swapped",
        "__rtruediv__ as if it were __truediv__: 2 / a computed as a / 2"),
    Bug("rmul_missing", ENGINE,
        '''    def __rmul__(self, other):
        """other * self where other is a number."""
''', '''    def _rmul_unused(self, other):
        """other * self where other is a number."""
''',
        "value.forward", "has no __rmul__",
        "forgetting that 2 * a asks the Value, not the int"),
    Bug("tanh_returns_a_float", ENGINE,
        '        t = math.tanh(self.data)\n        out = Value(t, (self,), "tanh")\n',
        '        t = math.tanh(self.data)\n        return t\n',
        "value.forward", "returned a float, not a Value",
        "returning the number: the forward value is right, the graph is cut"),
    # -- the network -------------------------------------------------------------------------------------
    Bug("zero_grad_does_nothing", NN,
        "        for p in self.parameters():\n            p.grad = 0.0", "        pass",
        "mlp.zero_grad", "still have a non-zero grad",
        "forgetting the reset: each step adds the gradients of all the steps before"),
    Bug("neuron_parameters_without_bias", NN,
        "        return self.w + [self.b]\n", "        return self.w\n",
        "mlp.parameters", "the biases are missing",
        "listing the weights only"),
    Bug("neuron_parameters_bias_first", NN,
        "        return self.w + [self.b]\n", "        return [self.b] + self.w\n",
        "mlp.forward", "bias before its weights",
        "an order of one's own: the bias first"),
    Bug("neuron_sum_of_floats", NN,
        "        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)\n",
        "        act = sum((wi.data * xi for wi, xi in zip(self.w, x)), self.b)\n",
        "mlp.gradcheck", "not from their .data",
        "multiplying the weights' data: the forward is right, the weights are out of the graph"),
]
