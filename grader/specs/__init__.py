"""Every assignment's spec, by key. An assignment is data: units and checks (see grader/spec.py)."""
from grader.specs.a0 import A0
from grader.specs.a1 import A1
from grader.specs.a2 import A2
from grader.specs.a3 import A3
from grader.specs.a4 import A4
from grader.specs.a5 import A5
from grader.specs.a6 import A6
from grader.specs.a7 import A7
from grader.specs.a8 import A8

ASSIGNMENTS = {a.key: a for a in (A0, A1, A2, A3, A4, A5, A6, A7, A8)}


def resolve(name: str):
    """'a2', '2', 'a2_mlp' or 'mlp' -> the Assignment; KeyError with the choices otherwise."""
    for assignment in ASSIGNMENTS.values():
        if name in (assignment.key, assignment.key[1:], assignment.package, assignment.package.partition("_")[2]):
            return assignment
    raise KeyError(f"unknown assignment {name!r}; choose from {', '.join(ASSIGNMENTS)}")
