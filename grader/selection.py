"""Which checks ``makemore grade a2 linear`` runs: names on the command line -> checks of an assignment.

A name picks, case-insensitively, in this order (the first rule that matches wins):

1. a check id as the report prints it (``linear.gradcheck``), or the start of ids up to a dot (``linear``
   picks ``linear.contract``, ``linear.gradcheck``, ...; ``step.dW2`` picks ``step.dW2`` and
   ``step.dW2.reference``);
2. a unit's label (``Linear``, ``BatchNorm1d``, ``dW2``, ``AdamW``): every check of that unit;
3. a file of the assignment (``linear``, ``linear.py``, ``a2_mlp/linear.py``): every unit written in it.

The checks picked then bring what they depend on (``with_dependencies``): every check of the units their unit
is built from (``Unit.depends_on``, recursively), and for a training check its prerequisites
(``Assignment.prerequisites``). So a check's verdict and message are those of a full grade: a training check
is graded only once the gradients it uses pass, and a model's failure still points at the failing layer.
"""
from __future__ import annotations

import difflib
from pathlib import Path

from grader.spec import Assignment


class UnknownName(KeyError):
    """A name that is neither an assignment nor a unit, file or check of one; the message lists the choices."""

    def __str__(self) -> str:
        return self.args[0]


def file_of(check) -> str | None:
    """'a2_mlp/linear.py' for a check whose unit is 'a2_mlp.linear:Linear' (or a whole module, 'a8_tokenizer.base',
    as a script unit may name); None without a unit."""
    target = getattr(check.unit, "target", None)
    if not isinstance(target, str) or "." not in target.partition(":")[0]:
        return None
    return target.partition(":")[0].replace(".", "/") + ".py"


def pick(assignment: Assignment, name: str) -> list[str]:
    """The names of the checks ``name`` picks (rules 1-3 of the module's docstring), in the assignment's
    order; empty when it picks none."""
    wanted = name.strip().lower()
    checks = assignment.checks
    by_id = [c.name for c in checks if c.name.lower() == wanted or c.name.lower().startswith(wanted + ".")]
    if by_id:
        return by_id
    by_label = [c.name for c in checks if c.unit is not None and getattr(c.unit, "label", "").lower() == wanted]
    if by_label:
        return by_label
    stem = wanted.removesuffix(".py")
    return [c.name for c in checks if file_of(c) is not None and
            (file_of(c).lower() == stem + ".py" or Path(file_of(c)).stem.lower() == stem)]


def choices(assignment: Assignment) -> str:
    """What a name may be for ``assignment``: its units and its files, as one line."""
    labels = list(dict.fromkeys(c.unit.label for c in assignment.checks if c.unit is not None))
    files = list(dict.fromkeys(Path(f).stem for f in map(file_of, assignment.checks) if f))
    return (f"a unit ({', '.join(labels)}), a file ({', '.join(files)}) or a check as the report names it "
            f"(e.g. {assignment.checks[-1].name})")


def unknown(assignment: Assignment, name: str, elsewhere: list[str]) -> UnknownName:
    words = [c.name for c in assignment.checks] + [c.unit.label for c in assignment.checks if c.unit is not None] \
        + [Path(f).stem for f in map(file_of, assignment.checks) if f]
    close = difflib.get_close_matches(name, list(dict.fromkeys(words)), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]}?)" if close else ""
    there = f"; {', '.join(elsewhere)} {'has' if len(elsewhere) == 1 else 'have'} one" if elsewhere else ""
    return UnknownName(f"{assignment.key} has no unit, file or check {name!r}{hint}{there}; "
                       f"choose {choices(assignment)}")


def parse(names: list[str], assignments: dict[str, Assignment], resolve) -> list[tuple[Assignment, list[str]]]:
    """``makemore grade``'s words -> [(assignment, names of what to grade in it)], an empty list meaning all.

    An assignment ('a2', '2', 'a2_mlp', 'mlp') starts a group; a word after it is a unit, file or check of it
    when it picks any, else the next assignment ('a2 mlp' is a2's MLP, 'a1 mlp' is a1 then a2). A first word
    that is no assignment is looked up in every assignment and taken when exactly one has it. Raises
    UnknownName with the choices otherwise."""
    groups: list[tuple[Assignment, list[str]]] = []
    for name in names:
        if groups and pick(groups[-1][0], name):
            groups[-1][1].append(name)
            continue
        try:
            groups.append((resolve(name), []))
            continue
        except KeyError:
            pass
        holders = [a for a in assignments.values() if pick(a, name)]
        if groups:
            raise unknown(groups[-1][0], name, [a.key for a in holders])
        if len(holders) == 1:
            groups.append((holders[0], [name]))
            continue
        if holders:
            keys = [a.key for a in holders]
            raise UnknownName(f"{name!r} is in {' and '.join(keys)}: name the assignment first, e.g. "
                              f"makemore grade {keys[0]} {name}")
        raise UnknownName(f"unknown assignment, unit or check {name!r}; choose an assignment from "
                          f"{', '.join(assignments)}, then a unit of it (makemore grade a2 linear)")
    return groups


def unit_closure(assignment: Assignment, labels) -> set[str]:
    """``labels`` and the labels of every unit they are built from (depends_on, recursively)."""
    units = {c.unit.label: c.unit for c in assignment.checks if c.unit is not None}
    seen, todo = set(), list(labels)
    while todo:
        label = todo.pop()
        if label not in seen:
            seen.add(label)
            todo.extend(getattr(units.get(label), "depends_on", ()))
    return seen


def with_dependencies(assignment: Assignment, names) -> list[str]:
    """The checks ``names`` and what they depend on, in the assignment's order (the order of a full grade):
    every check of the units their units are built from, and a training check's prerequisites."""
    by_name = {c.name: c for c in assignment.checks}
    keep, todo = set(), list(names)
    while todo:  # what a check brings may bring more (a6's RNN[lstm] brings RNN's training, which brings its loss)
        name = todo.pop()
        if name in keep:
            continue
        keep.add(name)
        check = by_name[name]
        if check.kind == "training":
            todo.extend(c.name for c in assignment.prerequisites(check, assignment.checks))
        built_from = unit_closure(assignment, getattr(check.unit, "depends_on", ()))
        todo.extend(c.name for c in assignment.checks if c.unit is not None and c.unit.label in built_from)
    return [c.name for c in assignment.checks if c.name in keep]


def select(assignment: Assignment, names: list[str]) -> list[str] | None:
    """The checks to run for ``names`` (with their dependencies), or None for all of them."""
    if not names:
        return None
    picked = []
    for name in names:
        found = pick(assignment, name)
        if not found:
            raise unknown(assignment, name, [])
        picked += found
    return with_dependencies(assignment, dict.fromkeys(picked))


def in_files(assignment: Assignment, paths) -> list[str]:
    """The checks of the units written in any of ``paths`` (files under the graded folder, relative paths such
    as 'a2_mlp/linear.py', or 'linear.py' in a folder of flat files), in the assignment's order."""
    wanted = {Path(p).as_posix() for p in paths}
    return [c.name for c in assignment.checks if file_of(c) and any(
        w == file_of(c) or w.endswith("/" + file_of(c)) or ("/" not in w and w == Path(file_of(c)).name)
        for w in wanted)]
