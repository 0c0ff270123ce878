"""The README and docs/: a newcomer's page that stays short, links that resolve, and tables that match the code."""
import re
from pathlib import Path

import pytest

from grader import KIT_ROOT
from grader.specs import ASSIGNMENTS

README = KIT_ROOT / "README.md"
PAGES = [README, *sorted((KIT_ROOT / "docs").glob("*.md")), KIT_ROOT / "grader" / "README.md",
         KIT_ROOT / "assignments" / "README.md", *sorted((KIT_ROOT / "assignments").glob("*/README.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def test_the_readme_is_a_newcomers_page():
    """Under 10 KB, the two set-up commands first (install and grade; the kit's tests), and no instructor or
    performance material before the assignments table."""
    text = README.read_text()
    assert len(text.encode()) < 10_000, f"README.md is {len(text.encode())} bytes"
    first = text.split("```")[1]
    assert "pip install -e . && makemore grade" in first and 'pip install -e ".[test]" && python -m pytest' in first
    assert text.index("## The assignments") < text.find("docs/instructors.md")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(KIT_ROOT)))
def test_every_relative_link_resolves(page):
    broken = []
    for target in LINK.findall(page.read_text()):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path = (page.parent / target.partition("#")[0]).resolve()
        if not path.exists():
            broken.append(target)
    assert not broken, f"{page.relative_to(KIT_ROOT)} links to missing {broken}"


def test_the_readme_links_every_docs_page():
    linked = set(LINK.findall(README.read_text()))
    missing = [p.name for p in (KIT_ROOT / "docs").glob("*.md") if f"docs/{p.name}" not in linked]
    assert not missing, missing


def test_the_readme_lists_every_assignment():
    rows = re.findall(r"^\| (a\d+) \| `([a-z0-9_]+)/` \|", README.read_text(), re.M)
    assert rows == [(a.key, a.package) for a in ASSIGNMENTS.values()]


def test_the_batch_option_table_is_the_parsers():
    from grader.cli import build_parser

    parser = build_parser()
    batch = next(a for a in parser._subparsers._group_actions[0].choices.items() if a[0] == "batch")[1]
    options = {a.option_strings[-1] if a.option_strings[-1].startswith("--") else a.option_strings[0]
               for a in batch._actions if a.option_strings and "--help" not in a.option_strings}
    table = (KIT_ROOT / "docs" / "instructors.md").read_text()
    documented = set(re.findall(r"^\| `(--[a-z-]+)`", table, re.M))
    assert documented == options, f"undocumented: {options - documented}; gone: {documented - options}"


def test_no_issue_numbers_in_code_tests_or_docs():
    """State the requirement and the measurement, not the ticket it came from."""
    found = []
    for path in [*KIT_ROOT.glob("*.md"), *(KIT_ROOT / "docs").rglob("*.md"), *(KIT_ROOT / "grader").rglob("*.*"),
                 *(KIT_ROOT / "tests").rglob("*.py"), *(KIT_ROOT / "reference").rglob("*.py")]:
        if path.suffix not in (".py", ".md") or path == Path(__file__):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\b[Ii]ssues? \d+\b", line):
                found.append(f"{path.relative_to(KIT_ROOT)}:{number}")
    assert not found, found


def test_the_readmes_report_is_what_the_grader_says(tmp_path):
    """The report quoted in the README is the grader's own output for the submission it describes."""
    import contextlib
    import io

    from grader.cli import main
    from tests.submission import copy_submission

    sub = copy_submission(tmp_path / "s", ("a2_mlp/linear.py", 'self.grads["bias"] = dout.sum(axis=0)',
                                           'self.grads["bias"] = dout.mean(axis=0)'), packages=("a1_bigram", "a2_mlp"))
    embedding = sub / "a2_mlp" / "embedding.py"
    text = embedding.read_text()
    start = text.index('        num_embeddings = self.params["weight"].shape[0]')
    end = text.index("        return None\n        ### END SOLUTION")
    embedding.write_text(text[:start] + '        dweight = np.zeros_like(self.params["weight"])\n'
                         '        dweight[self.idx] = dout\n        self.grads["weight"] = dweight\n' + text[end:])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["grade", "a2", "--submission", str(sub), "--public-only"])
    quoted = README.read_text().split("## What a report looks like")[1].split("```")[1].strip("\n").splitlines()
    got = iter(line.rstrip() for line in out.getvalue().splitlines())
    missing = [line for line in quoted if line.rstrip() not in got]  # an excerpt: its lines, in the report's order
    assert not missing, missing
TESTS_README = KIT_ROOT / "tests" / "README.md"


def rows_of_tests_readme() -> dict[str, list[str]]:
    """First column -> the test files named in its row, for every table row of tests/README.md."""
    rows = {}
    for first, rest in re.findall(r"^\| `([^`]+)` \| (.*) \|$", TESTS_README.read_text(), re.M):
        rows[first] = re.findall(r"`(test_\w+\.py)`", rest)
    return rows


def test_every_grader_module_and_command_has_its_tests_named():
    """tests/README.md maps each module of grader/ and each makemore command to test files that exist, and
    names every test file: a newcomer finds where a part is tested."""
    from grader.cli import build_parser

    rows = rows_of_tests_readme()
    modules = sorted(p.relative_to(KIT_ROOT).as_posix() for p in (KIT_ROOT / "grader").rglob("*.py"))
    assert len(modules) > 60
    assert [m for m in modules if m not in rows] == []
    assert [m for m in rows if m.startswith("grader/") and m not in modules] == []  # no row for a module gone
    commands = build_parser()._subparsers._group_actions[0].choices
    assert [c for c in commands if f"makemore {c}" not in rows] == []
    named = {name for files in rows.values() for name in files}
    existing = {p.name for p in (KIT_ROOT / "tests").glob("test_*.py")}
    assert named - existing == set() and existing - named == set()
    assert [m for m in modules if not rows[m]] == []  # every row names at least one test file


def test_the_tests_map_check_can_fail():
    rows = rows_of_tests_readme()
    assert rows["grader/report.py"] == ["test_report.py"] and "makemore grade" in rows
