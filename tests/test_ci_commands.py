"""The README's commands as CI runs them: the test command installs no GPU library and says what it installs;
.ci/run installs the oracle, runs exactly that command, and runs the full suite on the newest Python too."""
from __future__ import annotations

import re

from grader import KIT_ROOT

GPU_OR_ORACLE = re.compile(r"^(torch|jax|tensorflow|nvidia-|cupy)", re.I)


def extras() -> dict[str, list[str]]:
    """pyproject.toml's optional dependencies (read without tomllib, which Python 3.10 lacks)."""
    text = (KIT_ROOT / "pyproject.toml").read_text()
    section = text.split("[project.optional-dependencies]", 1)[1].split("\n[", 1)[0]
    return {name: re.findall(r'"([^"]+)"', body)
            for name, body in re.findall(r"^(\w+)\s*=\s*\[(.*?)\]", section, re.S | re.M)}


def readme_test_command() -> str:
    line = next(line for line in (KIT_ROOT / "README.md").read_text().splitlines()
                if line.startswith('pip install -e ".[test]"'))
    return line.split("#")[0].strip()


def test_the_test_extra_runs_the_notebooks_and_installs_no_gpu_library():
    found = extras()
    names = [re.split(r"[<>=!\[ ]", r)[0] for r in found["test"]]
    assert {"nbclient", "ipykernel", "pytest", "matplotlib"} <= set(names), names
    assert not [n for n in names if GPU_OR_ORACLE.match(n)], names
    assert found["oracle"] == ["torch==2.13.0"]


def test_the_readme_says_beside_the_test_command_what_it_installs():
    line = next(line for line in (KIT_ROOT / "README.md").read_text().splitlines()
                if line.startswith('pip install -e ".[test]"'))
    comment = line.partition("#")[2]
    assert "nbclient" in comment and "no torch" in comment, line


def test_ci_installs_the_oracle_then_runs_exactly_the_readme_command_and_the_newest_python():
    script = [line.strip() for line in (KIT_ROOT / ".ci" / "run").read_text().splitlines()
              if line.strip() and not line.strip().startswith("#")]
    oracle = next(i for i, line in enumerate(script) if '".[oracle]"' in line)
    readme = script.index(readme_test_command())
    assert oracle < readme
    newest = next(i for i, line in enumerate(script) if "-m pytest" in line and "VENV" in line)
    assert readme < newest and any("3.13" in line for line in script[readme:newest])
    assert "python -m pytest -m slow tests/test_notebooks_run.py" in script[readme:newest]  # every notebook solved
    assert script[-1] == "python tests/matrix/smoke.py"


def test_the_docs_figures_are_the_tools():
    """Numbers the docs quote from the kit: a2's local points (docs/instructors.md), and the full marks `makemore
    grade --reference` gives in the matrix table (docs/developing.md; tests/matrix/smoke.py prints that table:
    rerun it when they move)."""
    from grader.specs import ASSIGNMENTS

    text = (KIT_ROOT / "docs" / "instructors.md").read_text()
    public, total = re.search(r"\((\d+) of a2's (\d+) points\)", text).groups()
    a2 = ASSIGNMENTS["a2"]
    assert (int(public), int(total)) == (sum(c.points for c in a2.checks if c.visibility == "public"), a2.max_points)
    full = sum(a.max_points for a in ASSIGNMENTS.values())
    text = (KIT_ROOT / "docs" / "developing.md").read_text()
    table = text.split("| Python | NumPy | installed | `makemore doctor` | `makemore grade --reference` |")[1]
    scores = re.findall(r"^\|[^|]+\|[^|]+\|[^|]+\|[^|]+\| (\d+/\d+) \|$", table.split("\n\n")[0], re.M)
    assert scores and set(scores) == {f"{full:g}/{full:g}"}, scores
