"""Hints a student asks for, as far as the instructor allows, and the audit that keeps the results of the
backward passes out of everything else a student reads."""
import json
from pathlib import Path

import pytest

from grader import KIT_ROOT, cli, generate, hints
from grader.instructor import answers, release
from grader.specs import ASSIGNMENTS

LEVELS = 3


def solution_functions():
    """(assignment key, reference file, qualified name) of every solution region of every registered assignment."""
    found = []
    for key, assignment in ASSIGNMENTS.items():
        for path in sorted((generate.REFERENCE / assignment.package).glob("*.py")):
            source = path.read_text()
            names = generate.enclosing_names(source)
            for number, line in enumerate(source.splitlines(), start=1):
                if generate.BEGIN.match(line):
                    found.append((key, path, names.get(number, "<module>")))
    return found


# -- every graded function has its ladder -------------------------------------------------------------------

def test_every_solution_region_of_every_assignment_has_three_hint_levels():
    functions = solution_functions()
    assert len({key for key, _, _ in functions}) == len(ASSIGNMENTS)  # every registered assignment has regions
    missing = []
    for key, path, name in functions:
        ladder = generate.hint_ladders(path.read_text(), str(path)).get(name, [])
        if len(ladder) < LEVELS or not all(level.strip() for level in ladder):
            missing.append(f"{key} {path.relative_to(KIT_ROOT)} {name}: {len(ladder)} levels")
    assert not missing, "graded functions without a three-level hint ladder:\n" + "\n".join(missing)


def test_the_ladder_check_fails_where_a_function_lacks_its_ladder():
    source = "def backward(dout):\n    ### HINT 1: the idea\n    ### BEGIN SOLUTION: return dx\n    return dout\n" \
             "    ### END SOLUTION\n"
    assert generate.hint_ladders(source)["backward"] == ["the idea"]  # one level: the test above would list it


# -- the mechanism -------------------------------------------------------------------------------------------

def test_hint_shows_the_next_level_and_remembers_it_in_the_work_folder(tmp_path):
    levels = []
    for _ in range(4):
        levels.append(hints.next_hint("a3", "batchnorm.backward", tmp_path))
    ladder = hints.available()["ladders"]["a3"]["batchnorm.BatchNorm1d.backward"]["levels"]
    for level, text in enumerate(levels[:3], start=1):
        assert f"hint {level}/3" in text and ladder[level - 1] in text
    assert "every hint you may see (3 of 3)" in levels[3]
    record = tmp_path / ".makemore" / "hints.json"
    assert json.loads(record.read_text()) == {"a3": {"batchnorm.BatchNorm1d.backward": 3}}
    assert hints.taken(tmp_path) == {"a3": 3}
    assert hints.progress_file(tmp_path / "assignments") == record  # the folder grade grades, or its parent
    assert not (KIT_ROOT / ".makemore" / "hints.json").exists() or \
        "batchnorm.BatchNorm1d.backward" not in (KIT_ROOT / ".makemore" / "hints.json").read_text()


@pytest.mark.parametrize("name", ["batchnorm.backward", "BatchNorm1d.backward", "batchnorm.BatchNorm1d.backward",
                                  "BATCHNORM1D.BACKWARD"])
def test_a_function_is_found_by_unit_or_qualified_name(name):
    assert hints.resolve_function(name, hints.available()["ladders"]["a3"]) == "batchnorm.BatchNorm1d.backward"


def test_an_ambiguous_or_unknown_name_lists_the_choices():
    ladders = hints.available()["ladders"]["a2"]
    with pytest.raises(hints.HintError, match="fits several functions: .*linear.Linear.backward"):
        hints.resolve_function("backward", ladders)
    with pytest.raises(hints.HintError, match="no hints for 'nope'.*linear.Linear.backward"):
        hints.resolve_function("nope", ladders)
    with pytest.raises(hints.HintError, match="unknown assignment"):
        hints.next_hint("a99", "x", Path("."))


def test_a4_functions_by_their_own_name(tmp_path):
    assert "dlogprobs, hint 1/3" in hints.next_hint("a4", "dlogprobs", tmp_path)


@pytest.mark.parametrize("policy, top", [("none", 0), ("ideas", 1), ("steps", 2), ("all", LEVELS)])
def test_a_release_carries_exactly_the_levels_its_policy_allows(policy, top):
    content = hints.bundle_content(policy)
    full = hints.reference_ladders()
    assert set(content["ladders"]) == set(ASSIGNMENTS)
    for key, functions in full.items():
        assert set(content["ladders"][key]) == set(functions)
        for name, ladder in functions.items():
            entry = content["ladders"][key][name]
            assert entry["levels"] == ladder[:top] and entry["total"] == len(ladder)


def test_a_bundle_shows_only_its_levels_offline(tmp_path):
    bundle_file = tmp_path / "hints.json"
    bundle_file.write_text(json.dumps(hints.bundle_content("ideas")))
    shown = hints.available(bundle_file=bundle_file, reference=tmp_path / "no-reference")
    assert shown["policy"] == "ideas"
    first = hints.next_hint("a2", "linear.backward", tmp_path, shown)
    again = hints.next_hint("a2", "linear.backward", tmp_path, shown)
    assert "hint 1/3" in first and "2 more held by your instructor" in first
    assert "every hint you may see (1 of 3)" in again and "holds the other 2" in again
    none = json.loads(json.dumps(hints.bundle_content("none")))
    assert "released no hints" in hints.next_hint("a2", "linear.backward", tmp_path / "other", none)


def test_the_cli_hint_list_and_grade_lines_count_the_hints(tmp_path, capsys, monkeypatch):
    assert cli.main(["hint", "a2", "linear.backward", "--folder", str(tmp_path)]) == 0
    assert "hint 1/3" in capsys.readouterr().out
    assert cli.main(["hint", "a2", "--folder", str(tmp_path)]) == 0
    assert "Linear.backward" in capsys.readouterr().out
    assert cli.main(["hint", "a2", "nope", "--folder", str(tmp_path)]) == 2
    assert "hints taken: a2 1" in cli.hints_taken_line(tmp_path / "assignments", ["a1", "a2"])
    assert "hints taken: none" in cli.hints_taken_line(tmp_path / "assignments", ["a1"])
    (tmp_path / "assignments" / "a2_mlp").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["list"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("a2 "))
    assert "1 hint taken" in row


def test_the_notebook_call_prints_the_next_hint(tmp_path, capsys):
    hints.hint("a3", "BatchNorm1d.backward", root=tmp_path)
    assert "hint 1/3 (the idea)" in capsys.readouterr().out
    hints.hint("a3", root=tmp_path)
    assert "BatchNorm1d.backward             1 / 3 / 3" in capsys.readouterr().out


# -- the text audit ------------------------------------------------------------------------------------------

def test_no_student_facing_text_states_a_backward_result():
    leaks = release.audit_kit()
    assert not leaks, "\n".join(leaks[:30])


def test_the_audit_normalises_names_spacing_and_parentheses():
    found = {a.text for a in answers.answers()}
    assert "dout @ self.params['weight'].T" in found and "-1/N at each row's target" in found
    texts = [("a", "dx = dout@(weight.T)"), ("b", "`self.x.T @ dout`"), ("c", "minus 1/N at the target"),
             ("d", "It is -1/N AT EACH ROW'S TARGET."), ("e", "bngain * dhpreact"), ("f", "out = x @ weight + bias")]
    leaks = answers.audit_texts(texts)
    where = {leak.partition(":")[0] for leak in leaks}
    assert {"a", "b", "d"} <= where
    assert not any(leak.startswith("f:") for leak in leaks)  # the forward is the contract
    assert not any(leak.startswith("e:") and "batchnorm_backward's result: n * dhpreact" in leak for leak in leaks)


def test_the_audit_fails_on_stubs_that_hand_out_the_answer(tmp_path):
    """Yesterday's Linear stub: its marker gave the whole backward, and the audit names it."""
    source = (generate.REFERENCE / "a2_mlp" / "linear.py").read_text()
    marker = next(line for line in source.splitlines() if "BEGIN SOLUTION" in line and "dx (N, fan_in)" in line)
    old = source.replace(marker, "        ### BEGIN SOLUTION: dx = dout @ weight.T, dweight = x.T @ dout, "
                                 "dbias = dout summed over rows")
    stub = generate.strip_solutions(old)
    leaks = answers.audit_texts([("assignments/a2_mlp/linear.py", stub)])
    assert any("Linear.backward's result: dout @ self.params['weight'].T" in leak for leak in leaks)
    assert any("Linear.backward's result: self.x.T @ dout" in leak for leak in leaks)


def test_answer_forms_never_reach_the_student_copy():
    source = "def backward(dout):\n    ### HINT 1: idea\n    ### ANSWER: -1/N at the target\n    ###   continued\n" \
             "    ### BEGIN SOLUTION: return dx\n    return dout\n    ### END SOLUTION\n"
    assert generate.answer_forms(source) == {"backward": ["-1/N at the target continued"]}
    assert generate.hint_ladders(source) == {"backward": ["idea"]}
    stub = generate.strip_solutions(source)
    assert "ANSWER" not in stub and "target" not in stub and "continued" not in stub


def test_a_backward_closure_inside_a_forward_is_audited_too(tmp_path):
    """micrograd's style: the gradient is written in a ``_backward`` closure inside ``__mul__``."""
    package = tmp_path / "a0_micrograd"
    package.mkdir()
    (package / "engine.py").write_text(
        "class Value:\n    def __mul__(self, other):\n        ### BEGIN SOLUTION: return the product\n"
        "        out = Value(self.data * other.data)\n        def _backward():\n"
        "            self.grad += other.data * out.grad\n        out._backward = _backward\n        return out\n"
        "        ### END SOLUTION\n")
    found = {a.text for a in answers.answers(tmp_path)}
    assert "other.data * out.grad" in found
    leaks = answers.audit_texts([("README.md", "self.grad += other.data * out.grad")], tmp_path)
    assert leaks and "Value.__mul__'s result" in leaks[0]



def test_a_substitution_in_the_kit_s_tests_changes_the_code_not_the_hints():
    from tests.submission import mask_hints, replace_in_code

    source = "    ### HINT 3: dbias = dout.sum(axis=0).\n    grads = dout.sum(axis=0)\n"
    assert mask_hints(source)[0].count("dout.sum(axis=0)") == 1
    assert replace_in_code(source, "dout.sum(axis=0)", "dout.mean(axis=0)", 1) == \
        "    ### HINT 3: dbias = dout.sum(axis=0).\n    grads = dout.mean(axis=0)\n"
