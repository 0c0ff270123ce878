"""The platforms a course runs its autograder on: the container image, PrairieLearn, GitHub Classroom; and one
score for a submission whichever way it is graded.

No container engine runs here: the Dockerfile is parsed and checked (pins against pyproject.toml, the kit's
parts, an unprivileged user), and its entry command runs outside a container on the layout its COPY, WORKDIR
and ENV lines describe, with the kit made read-only as in the image.
"""
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from grader import KIT_ROOT
from grader.instructor import classroom, container, gradescope, prairielearn, release
from grader.specs import resolve
from tests.make_submissions import bugs, reference_files, stub_files, write_folder

A2 = resolve("a2")
ENV = dict(os.environ, PYTHONPATH=str(KIT_ROOT))


# -- the Dockerfile ---------------------------------------------------------------------------------------------

def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order: comments dropped, backslash continuations joined."""
    instructions, pending = [], ""
    for line in text.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        line, pending = pending + line, ""
        keyword, _, rest = line.strip().partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    assert not pending, "the Dockerfile ends inside a continued line"
    return instructions


def env_pairs(arguments: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in shlex.split(arguments))


DOCKERFILE = dockerfile_instructions((KIT_ROOT / "Dockerfile").read_text())


def only(keyword: str) -> list[str]:
    return [rest for k, rest in DOCKERFILE if k == keyword]


def pinned_in_image() -> dict[str, str]:
    pins = {}
    for command in only("RUN"):
        if "pip install" in command:
            pins.update(dict(re.findall(r"([A-Za-z0-9_.-]+)==([0-9][^\s]*)", command)))
    return pins


def test_dockerfile_instructions_are_all_known_and_well_formed():
    known = {"FROM", "ENV", "RUN", "USER", "WORKDIR", "COPY", "ENTRYPOINT", "CMD"}
    assert {k for k, _ in DOCKERFILE} <= known, DOCKERFILE
    assert DOCKERFILE[0][0] == "FROM"
    for keyword in ("ENTRYPOINT", "CMD"):
        for rest in only(keyword):
            assert isinstance(json.loads(rest), list), f"{keyword} in exec form (a JSON list): {rest}"


def test_image_pins_exact_versions_that_pyproject_allows():
    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    base = only("FROM")
    assert len(base) == 1
    found = re.fullmatch(r"python:(\d+\.\d+\.\d+)-slim-\w+", base[0])
    assert found, f"the base image names an exact Python: {base[0]}"
    pyproject = (KIT_ROOT / "pyproject.toml").read_text()
    requires_python = re.search(r'requires-python = "([^"]+)"', pyproject).group(1)
    assert Version(found.group(1)) in SpecifierSet(requires_python)
    assert f"Python :: {'.'.join(found.group(1).split('.')[:2])}" in pyproject, "a Python the kit is tested on"
    dependencies = [Requirement(r) for r in re.findall(r'^\s+"([^"]+)",$', pyproject.split("dependencies = [")[1]
                                                       .split("]")[0], re.M)]
    pins = pinned_in_image()
    # exactly the kit's dependencies, each pinned, as the Gradescope autograder pins them
    assert sorted(pins) == sorted(r.name for r in dependencies) == sorted(gradescope.PINNED)
    for requirement in dependencies:
        assert Version(pins[requirement.name]) in requirement.specifier, (requirement, pins[requirement.name])


def test_image_holds_the_kit_and_runs_as_an_unprivileged_user():
    copied = set()
    for rest in only("COPY"):
        *sources, target = rest.split()
        copied |= {s.rstrip("/") for s in sources}
    assert copied == set(gradescope.KIT_PARTS), "the same kit as the Gradescope autograder, reference included"
    users = only("USER")
    assert users and users[-1] not in ("root", "0"), "the grader runs as an unprivileged user"
    assert [k for k, _ in DOCKERFILE].index("USER") > max(i for i, (k, _) in enumerate(DOCKERFILE) if k == "COPY")
    assert any("chown -R root:root /opt/makemore" in r and "go-w" in r for r in only("RUN")), \
        "the kit is not writable by the grader's user"
    entry = json.loads(only("ENTRYPOINT")[-1])
    assert entry[:3] == ["python", "-m", "grader.instructor.container"]
    ignored = (KIT_ROOT / ".dockerignore").read_text().splitlines()
    assert "*" in ignored and all(f"!{part}/" in ignored or f"!{part}" in ignored for part in gradescope.KIT_PARTS)


@pytest.fixture(scope="module")
def image_layout(tmp_path_factory):
    """The image's file system as the Dockerfile builds it, outside a container: (root, env, workdir, command)."""
    root = tmp_path_factory.mktemp("image")
    workdir = None
    env = {"PATH": os.environ["PATH"], "HOME": str(root / "home" / "grader")}
    (root / "home" / "grader").mkdir(parents=True)
    for keyword, rest in DOCKERFILE:
        if keyword == "WORKDIR":
            workdir = root / rest.lstrip("/")
            workdir.mkdir(parents=True, exist_ok=True)
        elif keyword == "COPY":  # COPY dir/ dir/ puts dir's contents into dir; files go into the target folder
            *sources, target = rest.split()
            dest = workdir / target
            for source in sources:
                path = KIT_ROOT / source.rstrip("/")
                if path.is_dir():
                    shutil.copytree(path, dest, ignore=shutil.ignore_patterns(  # what .dockerignore leaves out
                        "__pycache__", "*.pyc", ".hypothesis", "_data"))
                else:
                    dest.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, dest / path.name)
        elif keyword == "ENV":
            for name, value in env_pairs(rest).items():
                env[name] = value.replace("/opt/", str(root / "opt") + "/") if value.startswith("/") else value
    for path in sorted((root / "opt").rglob("*"), reverse=True):  # chmod -R a+rX,go-w, and the user is not root
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    command = [sys.executable if part == "python" else part for part in json.loads(only("ENTRYPOINT")[-1])]
    yield root, env, workdir, command
    for path in (root / "opt").rglob("*"):
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


def test_the_image_layout_holds_the_reference_read_only(image_layout):
    root, env, workdir, _ = image_layout
    assert (workdir / "reference" / "a2_mlp" / "linear.py").is_file()
    assert (workdir / "grader" / "instructor" / "container.py").is_file()
    assert env["PYTHONPATH"] == str(workdir)
    assert not os.access(workdir / "reference" / "a2_mlp" / "linear.py", os.W_OK) or os.geteuid() == 0


def run_in_image(image_layout, submission: Path, results: Path, *args: str) -> dict:
    """The ENTRYPOINT with /submission and /results mapped to host folders, as `docker run -v` would, grading a2."""
    root, env, workdir, command = image_layout
    results.mkdir(parents=True, exist_ok=True)
    mapped = [str(submission) if part == "/submission" else
              str(results / "results.json") if part == "/results/results.json" else part for part in command]
    run = subprocess.run(mapped + ["--assignment", "a2", *args], cwd=workdir, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert not list(workdir.rglob(".hypothesis")) and not list(workdir.rglob("__pycache__")), \
        "grading wrote into the read-only kit"
    return json.loads((results / "results.json").read_text())


# -- PrairieLearn ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def question(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    run = subprocess.run([sys.executable, "-m", "grader.cli", "prairielearn", "-a", "a2", str(course),
                          "--image", "example/makemore-numpy-grader:0.1.0", "--timeout", "300"],
                         capture_output=True, text=True, timeout=120, env=ENV)
    assert run.returncode == 0, run.stderr
    return course / "questions" / "makemore_a2"


def test_prairielearn_question_declares_external_grading(question):
    info = json.loads((question / "info.json").read_text())
    assert info["gradingMethod"] == "External" and info["type"] == "v3"
    options = info["externalGradingOptions"]
    assert options == {"enabled": True, "image": "example/makemore-numpy-grader:0.1.0",
                       "entrypoint": "/grade/tests/run", "timeout": 300, "enableNetworking": False}
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", info["uuid"])
    run = question / "tests" / "run"
    assert run.stat().st_mode & stat.S_IXUSR and run.read_text().startswith("#!/bin/sh")
    assert "--budget 270" in run.read_text(), "the kit's budget ends before PrairieLearn's timeout"
    html = (question / "question.html").read_text()
    uploaded = re.search(r'<pl-file-upload file-names="([^"]+)"', html).group(1).split(", ")
    assert uploaded == ["embedding.py", "linear.py", "mlp.py", "tanh.py"]
    assert "<pl-external-grader-results>" in html


def test_prairielearn_timeout_is_within_its_limits(tmp_path):
    with pytest.raises(ValueError, match="1 to 600"):
        prairielearn.write_question(tmp_path, "a2", "image", timeout=900)


def run_prairielearn(question: Path, student_files: dict[str, str], grade_root: Path) -> dict:
    """PrairieLearn's run of the question: the student's files flat in /grade/student, /grade/tests/run."""
    write_folder(grade_root / "student", {p: t for p, t in student_files.items() if p.startswith("a2_mlp/")},
                 flat=True)
    shutil.copytree(question / "tests", grade_root / "tests")
    env = dict(ENV, MAKEMORE_GRADE_ROOT=str(grade_root), MAKEMORE_PYTHON=sys.executable)
    run = subprocess.run([str(grade_root / "tests" / "run")], capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stderr
    return json.loads((grade_root / "results" / "results.json").read_text())


def check_prairielearn_results(data: dict) -> None:
    """The documented schema: score in [0, 1]; tests with name, points, max_points, message (docs/externalGrading.md)."""
    assert data["gradable"] is True and 0 <= data["score"] <= 1
    assert len(json.dumps(data)) < 1_000_000, "PrairieLearn's limit for results.json"
    for test in data["tests"]:
        assert {"name", "description", "points", "max_points", "message", "output"} == set(test)
        assert 0 <= test["points"] <= test["max_points"]
    points = sum(t["points"] for t in data["tests"])
    assert data["score"] == pytest.approx(points / sum(t["max_points"] for t in data["tests"]))


def record(score_checks: list[dict], **extra) -> dict:
    result = {"checks": score_checks}
    total = sum(c["points"] for c in score_checks)
    return {"assignment": "a2", "score": total, "max_score": sum(c["max_points"] for c in score_checks),
            "result": result, "notes": [], **extra}


def check(name, status, points, max_points, visibility="public", message="", internal=False):
    return {"name": name, "status": status, "points": points, "max_points": max_points, "visibility": visibility,
            "message": message, "unit": "Linear", "internal": internal}


def test_prairielearn_results_hide_hidden_messages_unless_asked():
    graded = record([check("linear.gradcheck", "failed", 0, 8, message="db is 1/32 of the expected value"),
                     check("linear.reference", "failed", 0, 5, "hidden", message="dW differs at [0, 1]")])
    data = prairielearn.results_json(graded)
    check_prairielearn_results(data)
    assert data["tests"][0]["message"] == "db is 1/32 of the expected value"
    assert "dW differs" not in json.dumps(data) and "hidden check" in data["tests"][1]["message"]
    assert "dW differs at [0, 1]" in prairielearn.results_json(graded, show_hidden_messages=True)["tests"][1]["message"]


def test_prairielearn_marks_unreadable_and_grader_failures_not_gradable():
    unreadable = record([check("linear.contract", "error", 0, 4)], fatal="hw.zip is not a zip file")
    data = prairielearn.results_json(unreadable)
    assert data["gradable"] is False and data["format_errors"] == ["hw.zip is not a zip file"]
    blocked = record([check("linear.contract", "error", 0, 4, message="the grader's sandbox blocked X",
                            internal=True)], regrade=True)
    data = prairielearn.results_json(blocked)
    assert data["gradable"] is False and "the grader failed" in data["format_errors"][0]
    assert any("sandbox blocked" in e for e in data["format_errors"])


# -- GitHub Classroom -----------------------------------------------------------------------------------------

def block_yaml(text: str):
    """The block-style YAML the workflow is written in (mappings, lists, plain or double-quoted scalars, whole
    numbers), read without PyYAML, which the kit does not depend on."""
    lines = [(len(line) - len(line.lstrip(" ")), line.strip()) for line in text.splitlines()
             if line.strip() and not line.lstrip().startswith("#")]

    def scalar(text: str):
        if text.startswith('"'):
            return json.loads(text)
        return int(text) if re.fullmatch(r"-?\d+", text) else text

    def block(i: int, indent: int):
        if lines[i][1].startswith("- "):
            items = []
            while i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("- "):
                item = lines[i][1][2:]
                if re.match(r'("[^"]*"|[^\s"]+):( |$)', item):  # a mapping begins on the dash's line
                    lines[i] = (indent + 2, item)
                    value, i = block(i, indent + 2)
                else:
                    value, i = scalar(item), i + 1
                items.append(value)
            return items, i
        mapping = {}
        while i < len(lines) and lines[i][0] == indent and not lines[i][1].startswith("- "):
            found = re.match(r'("[^"]*"|[^\s"]+):(?: (.*))?$', lines[i][1])
            assert found, f"not a key: {lines[i][1]!r}"
            key = scalar(found.group(1)) if found.group(1).startswith('"') else found.group(1)
            assert key not in mapping, f"repeated key {key}"
            i += 1
            if found.group(2) is not None:
                mapping[key] = scalar(found.group(2))
            elif i < len(lines) and lines[i][0] > indent:
                mapping[key], i = block(i, lines[i][0])
            else:
                mapping[key] = None
        return mapping, i

    parsed, end = block(0, lines[0][0])
    assert end == len(lines), f"unread from line {end}: {lines[end]}"
    return parsed


def load_workflow(path: Path):
    try:
        import yaml
    except ImportError:
        return block_yaml(path.read_text())
    return yaml.safe_load(path.read_text())


@pytest.fixture(scope="module")
def classroom_bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("classroom") / "bundle"
    run = subprocess.run([sys.executable, "-m", "grader.cli", "release", str(out), "--github-classroom",
                          "--classroom-assignment", "a1"], capture_output=True, text=True, timeout=300, env=ENV)
    assert run.returncode == 0, run.stderr
    return out


def test_classroom_workflow_has_the_structure_classroom_reads(classroom_bundle):
    flow = load_workflow(classroom_bundle / classroom.WORKFLOW)
    # the reporter's rules: this name, one job of this name (classroom-resources/autograding-grading-reporter)
    assert flow["name"] == "Autograding Tests" and "push" in flow["on"]
    assert list(flow["jobs"]) == ["run-autograding-tests"]
    assert flow["permissions"]["checks"] == "write"
    steps = flow["jobs"]["run-autograding-tests"]["steps"]
    graders = [s for s in steps if s.get("uses") == classroom.COMMAND_GRADER]
    a1 = resolve("a1")
    public = [c for c in a1.checks if c.visibility == "public"]
    assert [g["with"]["test-name"] for g in graders] == [f"a1 {c.name}" for c in public]
    assert [g["with"]["max-score"] for g in graders] == [c.points for c in public]
    assert sum(g["with"]["max-score"] for g in graders) == sum(c.points for c in public)
    ids = [g["id"] for g in graders]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"[a-zA-Z0-9]+", i) for i in ids)
    reporter = steps[-1]
    assert reporter["uses"] == classroom.REPORTER
    assert reporter["with"]["runners"].split(",") == ids
    assert reporter["env"] == {f"{i.upper()}_RESULTS": f"${{{{ steps.{i}.outputs.result }}}}" for i in ids}
    install = next(s for s in steps if "pip install" in s.get("run", ""))
    assert install["run"].split()[4:] == gradescope.pins()
    assert (classroom_bundle / ".gitignore").read_text().splitlines() == [".makemore/"]


def test_the_workflow_reads_the_same_without_pyyaml(classroom_bundle):
    yaml = pytest.importorskip("yaml")
    text = classroom.workflow()  # every assignment's public checks
    assert block_yaml(text) == yaml.safe_load(text)
    assert block_yaml((classroom_bundle / classroom.WORKFLOW).read_text()) == \
        yaml.safe_load((classroom_bundle / classroom.WORKFLOW).read_text())


def workflow_steps(bundle: Path) -> tuple[str, list[tuple[str, str, int]]]:
    """(the grading step's command, [(test-name, command, max-score)]) read from the workflow's text."""
    steps = load_workflow(bundle / classroom.WORKFLOW)["jobs"]["run-autograding-tests"]["steps"]
    grade = next(s["run"] for s in steps if "grader.cli grade" in s.get("run", ""))
    return grade, [(s["with"]["test-name"], s["with"]["command"], s["with"]["max-score"])
                   for s in steps if s.get("uses") == classroom.COMMAND_GRADER]


def test_classroom_steps_give_the_public_score_of_makemore_grade(classroom_bundle, tmp_path):
    repo = tmp_path / "repo"  # a student's repository: the bundle, a1 half done (its loss still a stub)
    shutil.copytree(classroom_bundle, repo)
    for path, text in reference_files().items():
        if path.startswith("a1_bigram/") and not path.endswith("cross_entropy.py"):
            (repo / "assignments" / path).write_text(text)
    grade, steps = workflow_steps(repo)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the repository's own grader
    ran = subprocess.run(["bash", "-c", grade], cwd=repo, capture_output=True, text=True, timeout=300, env=env)
    assert ran.returncode == 0, ran.stderr
    earned, outcomes = 0, {}
    for name, command, points in steps:
        step = subprocess.run(shlex.split(command), cwd=repo, capture_output=True, text=True, timeout=60, env=env)
        assert step.returncode in (0, 1), step.stderr
        outcomes[name] = step.returncode == 0
        earned += points if step.returncode == 0 else 0
    graded = json.loads((repo / classroom.RESULTS).read_text())["assignments"][0]
    public = [c.name for c in resolve("a1").checks if c.visibility == "public"]
    assert [c["name"] for c in graded["checks"]] == public, "graded by the bundle's own grader (public checks)"
    assert earned == graded["score"]
    assert 0 < earned < graded["max_score"], "half done: some checks pass, the loss's fail"
    assert outcomes == {f"a1 {c['name']}": c["status"] == "passed" for c in graded["checks"]}
    missing = subprocess.run([sys.executable, "-m", "grader.check_passed", str(repo / classroom.RESULTS), "a1",
                              "no.such.check"], cwd=repo, capture_output=True, text=True, env=env)
    assert missing.returncode == 2 and "no check" in missing.stderr


def test_every_instructor_module_stays_out_of_the_student_bundle(classroom_bundle):
    student_side = {"__init__.py", "submissions.py", "entries.py", "notebooks.py"}  # a student grades a notebook or zip too
    for module in sorted((KIT_ROOT / "grader" / "instructor").glob("*.py")):
        inside = (classroom_bundle / "grader" / "instructor" / module.name).exists()
        if module.name in student_side:
            assert inside, module.name
        else:
            assert f"instructor/{module.name}" in release.INSTRUCTOR_ONLY and not inside, module.name
    assert (classroom_bundle / "grader" / "check_passed.py").is_file(), "the command the workflow calls"


# -- one score, every path ------------------------------------------------------------------------------------

SUBMISSIONS = {"reference": reference_files, "bias_mean": lambda: bugs()["bias_mean"][0], "stubs": stub_files}


def per_check_from_record(rec: dict) -> dict[str, float]:
    return {c["name"]: c["points"] for c in rec["result"]["checks"]}


@pytest.fixture(scope="module")
def gradescope_source(tmp_path_factory) -> Path:
    """The Gradescope autograder zip of a2, unpacked as Gradescope unpacks it into /autograder/source."""
    import zipfile

    root = tmp_path_factory.mktemp("gradescope")
    gradescope.build_autograder(root / "autograder.zip", "a2")
    with zipfile.ZipFile(root / "autograder.zip") as archive:
        archive.extractall(root / "source")
    return root / "source"


def run_autograder(source: Path, entry: Path, root: Path) -> dict:
    """The zip's run_autograder, with /autograder moved to ``root`` (the submission copied to root/submission,
    the unpacked zip linked as root/source) and python3 this interpreter: Gradescope's path, outside Gradescope."""
    shutil.copytree(entry, root / "submission")
    (root / "source").symlink_to(source, target_is_directory=True)
    script = (source / "run_autograder").read_text().replace("/autograder", str(root))
    script = script.replace("python3 ", f"{sys.executable} ")
    (root / "run_autograder").write_text(script)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the script sets the zip's kit
    run = subprocess.run(["bash", str(root / "run_autograder")], capture_output=True, text=True, timeout=300,
                         env=env)
    assert run.returncode == 0, run.stderr
    return json.loads((root / "results" / "results.json").read_text())


@pytest.mark.parametrize("names", [
    pytest.param(("bias_mean",), id="a-buggy-one"),  # checks passed and failed: every path must agree on each
    pytest.param(tuple(SUBMISSIONS), id="reference-buggy-stubs", marks=pytest.mark.slow)])
def test_one_score_through_every_path(tmp_path, image_layout, question, gradescope_source, names):
    """grade --submission, batch, Gradescope's run, PrairieLearn's /grade/tests/run and the container's entry
    command give each submission the same points, check by check."""
    folders = tmp_path / "class"
    for name in names:
        write_folder(folders / name, SUBMISSIONS[name]())
    scores: dict[str, dict[str, dict[str, float]]] = {name: {} for name in names}

    out = tmp_path / "batch"
    run = subprocess.run([sys.executable, "-m", "grader.cli", "batch", str(folders), "--out", str(out), "-a", "a2",
                          "-q"], capture_output=True, text=True, timeout=600, env=ENV)
    assert run.returncode == 0, run.stderr
    for line in (out / "results.jsonl").read_text().splitlines():
        rec = json.loads(line)
        scores[rec["student"]]["batch"] = per_check_from_record(rec)

    for name in names:
        entry = folders / name
        graded = tmp_path / f"grade-{name}.json"
        run = subprocess.run([sys.executable, "-m", "grader.cli", "grade", "a2", "--submission", str(entry), "--json",
                              str(graded), "--json-only"], capture_output=True, text=True, timeout=300, env=ENV)
        assert run.returncode == 0, run.stderr
        scores[name]["grade --submission"] = {c["name"]: c["points"]
                                              for c in json.loads(graded.read_text())["assignments"][0]["checks"]}

        data = run_autograder(gradescope_source, entry, tmp_path / f"autograder-{name}")
        scores[name]["gradescope"] = {t["name"]: t["score"] for t in data["tests"]}
        assert data["score"] == sum(t["score"] for t in data["tests"])

        data = run_prairielearn(question, SUBMISSIONS[name](), tmp_path / f"grade-root-{name}")
        check_prairielearn_results(data)
        scores[name]["prairielearn"] = {t["name"]: t["points"] for t in data["tests"]}

        rec = run_in_image(image_layout, entry, tmp_path / f"results-{name}")
        scores[name]["container"] = per_check_from_record(rec)

    for name, paths in scores.items():
        assert len(paths) == 5, (name, sorted(paths))
        first = paths["batch"]
        assert list(first) == [c.name for c in A2.checks]
        for path, points in paths.items():
            assert points == first, f"{name}: {path} gives {points}, batch {first}"
    totals = {name: sum(paths["batch"].values()) for name, paths in scores.items()}
    assert totals.get("reference", A2.max_points) == A2.max_points and totals.get("stubs", 0) == 0
    assert 0 < totals["bias_mean"] < A2.max_points


def test_container_records_make_a_finished_batch(tmp_path, image_layout):
    """N containers' records, one per line in results.jsonl: `makemore batch --resume` grades no one again and
    writes the gradebook from them."""
    folders = tmp_path / "class"
    write_folder(folders / "stubs_only", stub_files())
    rec = run_in_image(image_layout, folders / "stubs_only", tmp_path / "results", "--student", "stubs_only")
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.jsonl").write_text(json.dumps(rec) + "\n")
    run = subprocess.run([sys.executable, "-m", "grader.cli", "batch", str(folders), "--out", str(out), "-a", "a2",
                          "--resume", "-q"], capture_output=True, text=True, timeout=300, env=ENV)
    assert run.returncode == 0, run.stderr
    assert (out / "results.jsonl").read_text().count("\n") == 1, "nobody graded twice"
    assert "stubs_only" in (out / "gradebook.csv").read_text()


def test_container_entry_refuses_an_unknown_assignment(tmp_path, capsys):
    code = container.main(["--assignment", "a99", "--submission", str(tmp_path), "--out", str(tmp_path / "r.json")])
    assert code == 2 and "a99" in capsys.readouterr().err and not (tmp_path / "r.json").exists()


def container_engine() -> str | None:
    """docker or podman, when one can reach its engine here (the kit's test machine has only docker's client)."""
    for tool in ("docker", "podman"):
        if shutil.which(tool):
            try:
                if subprocess.run([tool, "info"], capture_output=True, timeout=20).returncode == 0:
                    return tool
            except subprocess.TimeoutExpired:
                pass
    return None


@pytest.mark.slow
def test_the_image_builds_and_grades_like_the_kit(tmp_path):
    """Where an engine runs: build the Dockerfile, grade the buggy submission in a container (no network, the
    image's unprivileged user), and compare with the kit's own grade of it."""
    tool = container_engine()
    if tool is None:
        pytest.skip("no container engine reachable here")
    tag = "makemore-numpy-grader:test"
    built = subprocess.run([tool, "build", "-t", tag, str(KIT_ROOT)], capture_output=True, text=True, timeout=1800)
    assert built.returncode == 0, built.stderr[-3000:]
    write_folder(tmp_path / "submission", bugs()["bias_mean"][0])
    (tmp_path / "results").mkdir()
    (tmp_path / "results").chmod(0o777)  # the image's user (uid 10001) writes here
    ran = subprocess.run([tool, "run", "--rm", "--network", "none", "-v", f"{tmp_path / 'submission'}:/submission:ro",
                          "-v", f"{tmp_path / 'results'}:/results", tag, "--assignment", "a2"],
                         capture_output=True, text=True, timeout=600)
    assert ran.returncode == 0, ran.stderr
    in_image = json.loads((tmp_path / "results" / "results.json").read_text())
    here = container.grade_one(tmp_path / "submission", "a2")
    assert per_check_from_record(in_image) == per_check_from_record(here)
    whoami = subprocess.run([tool, "run", "--rm", "--entrypoint", "id", tag, "-u"], capture_output=True, text=True,
                            timeout=120)
    assert whoami.stdout.strip() == "10001"


def test_the_image_tag_is_known_without_a_pyproject_as_in_a_wheel(tmp_path, monkeypatch):
    """A wheel holds no pyproject.toml: the parser (which names the image in --help) must still build there."""
    from importlib import metadata

    from grader.instructor import container

    monkeypatch.setattr(container, "KIT_ROOT", tmp_path, raising=False)
    monkeypatch.setattr("grader.KIT_ROOT", tmp_path)
    monkeypatch.setattr(metadata, "version", lambda name: "9.9.9")
    assert container.kit_version() == "9.9.9" and container.image_reference().endswith(":9.9.9")
