"""The trust boundary: where a student's code runs confined, and the parent's handle on it.

- ``parent.py``: ``Child`` (start a confined process, send it requests, read its replies with every size,
  type and sequence check), ``Limits`` (time, memory, isolation layers) and ``Reply`` (what came back).
- ``child.py``: the student's side. It imports the submission and runs it on request; it computes nothing a
  score depends on.
- ``guard.py``: the layers the child installs on itself before any student code runs (rlimits, Landlock,
  seccomp, the PEP 578 audit hook).
- ``protocol.py``: the wire between them: length-prefixed JSON headers plus ``.npy`` arrays, never pickle.

The engine (grader/runner.py, checks.py, behaviour.py) uses only what this module exports. Nothing the child
imports may reach ``reference`` or the engine (tests/test_layout.py keeps that honest); see grader/SECURITY.md.
"""
from grader.sandbox.parent import Child, Limits, Reply
from grader.sandbox.protocol import Rng, decode_args, encode_args

__all__ = ["Child", "Limits", "Reply", "Rng", "decode_args", "encode_args"]
