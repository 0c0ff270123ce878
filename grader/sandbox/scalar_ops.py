"""The child's operations on a scalar autograd engine (assignment 0): expression programs built with the
student's ``Value`` (grader/micrograd.py), a network of Values through ``parameters()``, and the lecture's
training loop on the two moons. A part of ``child.Runner`` (it uses the runner's ``call``, ``quiet``, ``load``,
``progress`` and ``failure_report``); like the rest of the child it imports only the sandbox, the kit's library
and NumPy.
"""
from __future__ import annotations

import time

import numpy as np

from grader import micrograd
from grader.sandbox.failures import StudentFailure


class ScalarEngineOps:
    def numbers(self, nodes: list, attribute: str, texts) -> list[float]:
        """float(node.data) or float(node.grad) of each node; a node that is not a Value (an operation that
        returned a float) or a value that is not a number is reported as the student's failure."""
        values = []
        for k, node in enumerate(nodes):
            try:
                values.append(float(getattr(node, attribute)))
            except BaseException as exc:  # noqa: BLE001
                what = texts(k)
                raise StudentFailure({"type": "Contract", "where": what, "message":
                                      f"{what} gave a {type(node).__name__} whose .{attribute} is not a number "
                                      f"({type(exc).__name__}: {exc}); every operation must return a Value"}) from None
        return values

    def op_graph(self, h: dict, arrays: dict) -> tuple[dict, dict]:
        """Build each expression program (grader/micrograd.py) with the student's Value, call the last node's
        backward(), and send back every node's data and grad (or, with "report": "ends", the leaves' and the
        output's). A failing program is reported alone; the others still run."""
        Value = self.load(h["target"])
        results, out_arrays = [], {}
        for k, program in enumerate(h["programs"]):
            self.progress(f"{h.get('label', 'Value')}: building expression {k}")
            n_leaves = len(program["leaves"])

            def texts(i, program=program, n_leaves=n_leaves):
                return f"v{i}" if i < n_leaves else f"the operation making v{i}"
            try:
                nodes = micrograd.build(Value, program, self.quiet)
                shown = nodes if program.get("report", "all") == "all" else nodes[:n_leaves] + nodes[-1:]
                out_arrays[f"data{k}"] = np.array(self.numbers(shown, "data", texts))
                if h.get("backward", True):
                    self.progress(f"{Value.__name__}.backward")
                    start = time.perf_counter()
                    self.quiet(f"{Value.__name__}.backward", nodes[-1].backward)
                    seconds = time.perf_counter() - start
                    out_arrays[f"grad{k}"] = np.array(self.numbers(shown, "grad", texts))
                    results.append({"ok": True, "seconds": seconds})
                else:
                    results.append({"ok": True})
                del nodes, shown
            except StudentFailure as failure:
                results.append({"ok": False, "error": failure.report})
        return {"programs": results}, out_arrays

    def scalar_model(self, h: dict, arrays: dict):
        """The student's MLP(nin, nouts) with the grader's weights set through parameters(); returns (model,
        parameters) or a dict describing what parameters() gave when its length is not the expected one."""
        model = self.call(f"{h['label']}.__init__", self.load(h["target"]), h["nin"], list(h["nouts"]))
        params = self.call(f"{h['label']}.parameters", model.parameters)
        if not isinstance(params, (list, tuple)):
            return None, {"n_params": -1, "type": type(params).__name__}
        weights = arrays["weights"]
        if len(params) != len(weights):
            return None, {"n_params": len(params)}
        for k, (p, w) in enumerate(zip(params, weights)):
            if not hasattr(p, "data") or not hasattr(p, "grad"):
                return None, {"n_params": len(params), "not_value": k, "type": type(p).__name__}
            p.data = float(w)
        return (model, params), {"n_params": len(params), "distinct": len({id(p) for p in params})}

    def op_scalar_net(self, h: dict, arrays: dict) -> tuple[dict, dict]:
        """Forward of the student's MLP on each row of X; with "backward", the loss sum(coefs * outputs) built
        from Values, its backward(), every parameter's grad, then zero_grad() and the grads again."""
        built, result = self.scalar_model(h, arrays)
        if built is None:
            return result, {}
        model, params = built
        label, Value = h["label"], self.load(h["value"])
        outs, kinds = [], set()
        self.progress(f"{label}.__call__")
        for row in arrays["X"]:
            out = self.quiet(f"{label}.__call__", model, [float(v) for v in row])
            kinds.add("list" if isinstance(out, (list, tuple)) else type(out).__name__)
            outs.append(list(out) if isinstance(out, (list, tuple)) else [out])
        result["returned"] = sorted(kinds)
        if any(len(row) != h["nouts"][-1] for row in outs):
            result["out_lengths"] = sorted({len(row) for row in outs})
            return result, {}
        flat = [o for row in outs for o in row]
        out_arrays = {"out": np.array(self.numbers(flat, "data", lambda k: f"{label}'s output {k}")).reshape(len(outs), -1)}
        if h.get("backward"):
            coefs = arrays["coefs"].reshape(-1)
            loss = Value(0.0)
            for o, c in zip(flat, coefs):
                loss = self.quiet(f"{Value.__name__}.__mul__", lambda a, b: a * b, o, Value(float(c))) + loss
            self.progress(f"{Value.__name__}.backward")
            self.quiet(f"{Value.__name__}.backward", loss.backward)
            out_arrays["grad"] = np.array(self.numbers(params, "grad", lambda k: f"parameter {k}"))
            self.call(f"{label}.zero_grad", model.zero_grad)
            out_arrays["grad_after_zero"] = np.array(self.numbers(params, "grad", lambda k: f"parameter {k}"))
        return result, out_arrays

    def op_scalar_train(self, h: dict, arrays: dict) -> tuple[dict, dict]:
        """The lecture's training loop (grader.micrograd.train_moons) on the student's MLP and Value, from the
        grader's initial weights; sends back the final weights and the loss and accuracy of every step."""
        built, result = self.scalar_model(h, arrays)
        if built is None:
            return result, {}
        model, params = built
        Value = self.load(h["value"])
        where = f"training {h['label']} ({h['steps']} steps)"
        started = time.perf_counter()

        def log(step, loss, accuracy):
            self.progress(f"{where}: {step + 1} steps done, {(time.perf_counter() - started) / (step + 1) * 1000:.3g} "
                          "ms a step")
        self.progress(where)
        try:
            history = micrograd.train_moons(model, Value, arrays["X"], arrays["y"], h["steps"], h["lr"], h["alpha"], log)
        except BaseException as exc:  # noqa: BLE001
            raise StudentFailure(self.failure_report(exc, where)) from None
        weights = np.array(self.numbers(params, "data", lambda k: f"parameter {k} after training"))
        return dict(result, history=history), {"weights": weights}
