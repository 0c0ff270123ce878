"""Golden fixtures: inputs and the reference's outputs, stored as .npz so public checks need no reference.

Built from the reference by ``makemore fixtures`` (and at release time); a kit test fails when a stored file
differs from a fresh build. Keys: "LABEL|i|dims" (JSON text), "LABEL|i|param:NAME", "LABEL|i|argJ",
"LABEL|i|dout" (or "LABEL|i|doutJ" per output), "LABEL|i|expected:KEY" (and "LABEL|i|buffer:NAME" for a unit with buffers); function units store "LABEL|i|args" (JSON: arrays by key, values,
seeds) and "LABEL|i|expected".

Known mistakes are stored too: what each of the unit's known mistakes gives on the stored example, where it
differs from the right answer, as "LABEL|i|mistake:KEY|n" (KEY "result" for a function) with the descriptions
in "LABEL|i|mistakes" (JSON: {KEY: [description n, ...]}). Some mistakes need a correct backward to compute
(reference/aN_mistakes.py, the instructor's grader only); stored, they are wrong outputs on fixed inputs beside
the right ones the fixtures already publish, no code, and a student's local grader still names them.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from grader.diagnose import close
from grader.sandbox import decode_args, encode_args
from grader.spec import Assignment, ScriptUnit, Unit, WithBuffers, buffers_of

FIXTURE_DIR = Path(__file__).resolve().parent / "fixtures"
SEED_BASE = 1000


def fixture_path(assignment: Assignment) -> Path:
    return FIXTURE_DIR / f"{assignment.package}.npz"


def fixture_units(assignment: Assignment) -> dict:
    return {c.unit.label: c.unit for c in assignment.checks if c.options.get("source") == "fixture"}


def build(assignment: Assignment) -> dict[str, np.ndarray]:
    from grader.checks import make_example, reference_call, reference_layer
    from grader.strategies import rng_for

    stored: dict[str, np.ndarray] = {}
    for label, unit in fixture_units(assignment).items():
        for i, dims in enumerate(assignment.fixture_dims[label]):
            key = f"{label}|{i}|"
            if isinstance(unit, ScriptUnit):  # plain values, stored as JSON (grader/scripts.py)
                from grader.scripts import build_fixture

                stored.update(build_fixture(unit, dims, key))
                continue
            stored[key + "dims"] = np.array(json.dumps(dims))
            if isinstance(unit, Unit):
                params, inputs, dout = make_example(unit, dims, SEED_BASE + i)
                stored.update({key + f"param:{k}": v for k, v in params.items()})
                stored.update({key + f"buffer:{k}": v for k, v in buffers_of(params).items()})
                stored.update({key + f"arg{j}": a for j, a in enumerate(inputs)})
                if isinstance(dout, tuple):  # one upstream gradient per output (an LSTM cell's h and c)
                    stored.update({key + f"dout{j}": np.asarray(d, dtype=np.float64) for j, d in enumerate(dout)})
                else:
                    stored[key + "dout"] = np.asarray(dout, dtype=np.float64)
                expected = reference_layer(unit, dims, params, inputs, dout)
                stored.update({key + f"expected:{k}": np.asarray(v) for k, v in expected.items()})
                if unit.mistakes:
                    stored.update(stored_mistakes(key, expected, unit.mistakes(dims, inputs, params, dout, expected)))
            else:
                args = unit.args(dims, rng_for(SEED_BASE + i))
                encoded, arrays = encode_args(args, prefix="arg")
                stored.update({key + name: a for name, a in arrays.items()})
                stored[key + "args"] = np.array(json.dumps(encoded))
                stored[key + "expected"] = np.asarray(reference_call(unit, args))
                if unit.mistakes and unit.result != "strings":
                    expected = stored[key + "expected"]
                    stored.update(stored_mistakes(key, {"result": expected},
                                                  {"result": unit.mistakes(dims, args, expected)}))
    return stored


def stored_mistakes(key: str, expected: dict, mistakes: dict) -> dict[str, np.ndarray]:
    """The arrays of ``mistakes`` ({KEY: iterable of (description, array)}, lazy ones included) that differ from
    ``expected[KEY]`` (a mistake that gives the right answer here is no diagnosis), once each, with their index."""
    arrays, index = {}, {}
    for name, pairs in mistakes.items():
        right = np.asarray(expected.get(name), dtype=np.float64) if name in expected else None
        kept: list[np.ndarray] = []
        for description, wrong in pairs:
            wrong = None if wrong is None else np.asarray(wrong, dtype=np.float64)
            if (right is None or wrong is None or wrong.shape != right.shape or not np.all(np.isfinite(wrong))
                    or close(right, wrong) or any(close(other, wrong) for other in kept)):
                continue
            arrays[f"{key}mistake:{name}|{len(kept)}"] = wrong
            index.setdefault(name, []).append(description)
            kept.append(wrong)
    if index:
        arrays[key + "mistakes"] = np.array(json.dumps(index, sort_keys=True))
    return arrays


def to_bytes(stored: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **stored)
    return buffer.getvalue()


def write(assignment: Assignment) -> Path:
    path = fixture_path(assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(to_bytes(build(assignment)))
    return path


def stale(assignment: Assignment) -> list[str]:
    """Keys whose stored value differs from a fresh build (empty when up to date)."""
    path = fixture_path(assignment)
    if not path.exists():
        return [f"{path} is missing"]
    fresh = build(assignment)
    with np.load(path, allow_pickle=False) as data:
        stored = {k: data[k] for k in data.files}
    return sorted(k for k in set(stored) | set(fresh) if not _same(stored.get(k), fresh.get(k)))


def _same(a, b) -> bool:
    if a is None or b is None:
        return False
    if a.dtype.kind == "U" or b.dtype.kind == "U":
        return str(a) == str(b)
    # Not bit-for-bit: another BLAS may round the last digit differently.
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-10, atol=1e-12)


class Answers(dict):
    """The stored right answers of one example by key, and in ``.mistakes`` its stored known mistakes,
    {KEY: [(description, wrong array)]}; code that only knows the answers sees a dict."""

    def __init__(self, answers: dict, mistakes: dict):
        super().__init__(answers)
        self.mistakes = mistakes


class Fixtures:
    """Read access to one assignment's stored examples, in the form the check mechanisms use."""

    def __init__(self, assignment: Assignment):
        path = fixture_path(assignment)
        with np.load(path, allow_pickle=False) as data:
            self.data = {k: data[k] for k in data.files}

    def _indices(self, label: str) -> list[int]:
        return sorted({int(k.split("|")[1]) for k in self.data if k.startswith(label + "|")})

    def layer_examples(self, label: str, unit: Unit):
        for i in self._indices(label):
            key = f"{label}|{i}|"
            dims = json.loads(str(self.data[key + "dims"]))
            params = {k[len(key) + 6:]: v for k, v in self.data.items() if k.startswith(key + "param:")}
            buffers = {k[len(key) + 7:]: v for k, v in self.data.items() if k.startswith(key + "buffer:")}
            params = WithBuffers(params, buffers) if buffers else params
            inputs = [self.data[key + f"arg{j}"] for j in range(len([k for k in self.data if k.startswith(key + "arg")]))]
            if unit.out_names:
                dout = tuple(self.data[key + f"dout{j}"] for j in range(len(unit.out_names)))
            else:
                dout = self.data[key + "dout"]
                dout = float(dout) if unit.scalar_output else dout
            expected = {k[len(key) + 9:]: v for k, v in self.data.items() if k.startswith(key + "expected:")}
            yield dims, params, inputs, dout, Answers(expected, self.mistakes(key))

    def function_calls(self, label: str):
        for i in self._indices(label):
            key = f"{label}|{i}|"
            dims = json.loads(str(self.data[key + "dims"]))
            specs = json.loads(str(self.data[key + "args"]))
            args = decode_args(specs, {s["array"]: self.data[key + s["array"]] for s in specs if "array" in s})
            yield dims, args, self.data[key + "expected"], self.mistakes(key).get("result", [])

    def mistakes(self, key: str) -> dict:
        """{KEY: [(description, wrong array)]} stored for the example whose keys start with ``key``."""
        if key + "mistakes" not in self.data:
            return {}
        index = json.loads(str(self.data[key + "mistakes"]))
        return {name: [(text, self.data[f"{key}mistake:{name}|{n}"]) for n, text in enumerate(texts)]
                for name, texts in index.items()}
