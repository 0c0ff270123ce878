"""The grader against hostile and broken submissions (tests/adversarial/cases.py) and its own layers.

Each case is graded on two checks with a short time limit, and must end exactly as expected: the hostile
check with its status and message, the other check unaffected, nothing written outside the child's scratch
folder, nothing of the reference read, no signal delivered to this process, no process left behind. Then a
correct submission graded in the same process must still get every point.
"""
from __future__ import annotations

import os
import re
import signal
import sysconfig
import threading
import time

import pytest

from grader.runner import Runtime, grade_assignment, run_check
from grader.sandbox import Child, Limits
from grader.specs import ASSIGNMENTS
from tests.adversarial.cases import CASES, FORGE_REPLY, KIT, REFERENCE, SECRET_MARKER, build
from tests.submission import copy_submission

A2 = ASSIGNMENTS["a2"]
CHECKS = ("linear.fixture", "tanh.fixture")
GIB = 1 << 30


def test_check_filter_names_must_exist():
    with pytest.raises(ValueError, match="no check linear.fixtures"):
        grade_assignment(A2, REFERENCE, checks=("linear.fixtures",))
    result = grade_assignment(A2, REFERENCE, checks=lambda c: c.name.startswith("tanh."), check_timeout=20)
    tanh_checks = [c for c in A2.checks if c.name.startswith("tanh.")]
    assert [o.name for o in result.outcomes] == [c.name for c in tanh_checks]
    assert result.score == result.max_score == sum(c.points for c in tanh_checks)


def test_corpus_is_large_and_named_uniquely():
    assert len(CASES) >= 25
    assert len({c.name for c in CASES}) == len(CASES)


def kit_processes(marker: str) -> list[int]:
    """Processes whose command line mentions ``marker`` (a submission's path is in its child's argv)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if marker.encode() in f.read():
                    found.append(int(entry))
        except OSError:
            pass
    return found


def process_state(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0]
    except OSError:
        return None


@pytest.fixture
def signals_received():
    """Record SIGUSR1 sent to this process (the hostile cases aim it at their parent)."""
    received = []
    previous = signal.signal(signal.SIGUSR1, lambda *_: received.append(time.time()))
    yield received
    signal.signal(signal.SIGUSR1, previous)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_hostile_submission(case, tmp_path, signals_received):
    sentinel = tmp_path / "sentinel_results.json"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    autograder = tmp_path / "autograder"  # a Gradescope folder that exists and this test may write: no escape
    autograder.mkdir()
    values = {"KIT": KIT, "SENTINEL": sentinel, "VICTIM": victim, "PYLIB": sysconfig.get_paths()["stdlib"],
              "AUTOGRADER": autograder}
    submission = build(case, tmp_path, values)
    limits = Limits(**{"memory_bytes": GIB, "cpu_seconds": 30, **case.limits})

    result = grade_assignment(A2, submission, limits=limits, checks=CHECKS, check_timeout=case.check_timeout,
                              budget_seconds=case.budget)

    outcomes = {o.name: o for o in result.outcomes}
    assert list(outcomes) == list(CHECKS)
    target, other = outcomes["linear.fixture"], outcomes["tanh.fixture"]
    status, pattern = case.expect
    assert (target.status, target.points) == (status, 0), target.message
    assert re.search(pattern, target.message), target.message
    assert other.status == case.other, other.message
    # Nothing forged: the score is what the outcomes say, and only passed checks count.
    assert result.score == sum(o.max_points for o in result.outcomes if o.status == "passed")
    # Nothing written or removed outside the scratch folder, nothing of the reference read.
    assert not sentinel.exists()
    assert victim.read_text() == "keep me"
    everything = result.output + "".join(o.message for o in result.outcomes)
    assert SECRET_MARKER not in everything
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", everything), "control characters reach the report"
    assert not (autograder / "results").exists()
    # No signal reached this process, and no process of this submission is left.
    time.sleep(0.05)
    assert signals_received == []
    assert kit_processes(str(submission)) == []


def test_batch_goes_on_after_hostile_submissions(tmp_path):
    """A batch: hostile, correct, hostile, correct. The correct ones get every point they would alone."""
    hostile = {c.name: c for c in CASES}
    for i, name in enumerate(["infinite_loop_forward", None, "os_exit_import", None]):
        if name is None:
            result = grade_assignment(A2, REFERENCE, checks=CHECKS + ("embedding.contract",), check_timeout=20)
            assert [o.status for o in result.outcomes] == ["passed"] * 3
        else:
            case = hostile[name]
            root = tmp_path / str(i)
            submission = build(case, root, {"KIT": KIT, "SENTINEL": root / "s", "VICTIM": root / "v", "PYLIB": ""})
            result = grade_assignment(A2, submission, checks=CHECKS, check_timeout=2)
            assert result.outcomes[0].status == case.expect[0]
            assert result.outcomes[1].status == "passed"


def test_early_reply_then_hang_cannot_block_the_parent(tmp_path):
    """Forge an answer, then never read again: the next request (mlp.training sends megabytes, more than a
    pipe holds) must time out instead of blocking the grader's write forever."""
    code = (FORGE_REPLY + '__import__("os").write(runner.write_fd, frame({"type": "result", "ok": True}, {}))\n'
            "while True:\n    pass")
    case = next(c for c in CASES if c.name == "infinite_loop_forward")
    submission = build(type(case)(**{**case.__dict__, "code": code}), tmp_path, {})
    results = []
    worker = threading.Thread(target=lambda: results.append(run_directly(
        submission, ("linear.fixture", "mlp.training"), check_timeout=3)), daemon=True)
    worker.start()
    worker.join(60)
    assert results, "grading hung: the parent blocked writing to a process that stopped reading"
    first, training = results[0]
    assert first.status == "failed"
    assert training.status == "timeout" and training.message.startswith("timed out after 3 s"), training.message
    assert kit_processes(str(submission)) == []


def test_output_file_swapped_for_a_fifo_cannot_block_the_parent(tmp_path):
    """With Landlock and seccomp off (the audit hook does not see os.mkfifo), replace the printed-output file
    by a FIFO: the parent's reading of the output must not wait for a writer that never comes."""
    code = "import os\nos.remove('output.txt')\nos.mkfifo('output.txt')\nraise RuntimeError('fifo in place')"
    case = next(c for c in CASES if c.name == "infinite_loop_forward")
    submission = build(type(case)(**{**case.__dict__, "code": code}), tmp_path, {})
    results = []
    worker = threading.Thread(target=lambda: results.append(grade_assignment(
        A2, submission, limits=Limits(landlock=False, seccomp=False), checks=CHECKS, check_timeout=5)), daemon=True)
    worker.start()
    worker.join(30)
    assert results, "grading hung reading a FIFO left by the submission"
    assert [o.status for o in results[0].outcomes] == ["error", "passed"]
    assert "fifo in place" in results[0].outcomes[0].message


def test_reconcile_trusts_the_data_not_the_description():
    """Unit test of the parent's reading of a reply: lies and gaps become "other"/"missing"."""
    import numpy as np

    from grader.sandbox.replies import reconcile

    lie = {"kind": "array", "type": "ndarray", "exact": True, "dtype": "float64", "shape": [3, 5]}
    header = {"type": "result", "ok": True, "out": dict(lie), "dx": dict(lie), "grads": {"w": dict(lie)},
              "mutated": "all"}
    arrays = {"out": np.zeros((1, 1), np.int8), "extra": np.zeros(3)}
    reconcile("layer", header, arrays, {})
    assert header["out"] == {"kind": "array", "type": "ndarray", "exact": True, "dtype": "int8", "shape": [1, 1]}
    assert header["dx"]["kind"] == header["grads"]["w"]["kind"] == "other"
    assert header["mutated"] == [] and set(arrays) == {"out"}
    header = {"type": "result", "ok": True, "results": [{"kind": "scalar", "value": "1.0"}]}
    reconcile("call", header, {}, {"repeat": 2})
    assert [r["kind"] for r in header["results"]] == ["other", "missing"]
    header = {"type": "result", "ok": True}
    reconcile("layer", header, {}, {})
    assert header["out"]["kind"] == "missing"
    header = {"type": "result", "ok": False, "error": {"type": ["x"], "message": "m" * 10**6, "evil": 1}}
    reconcile("layer", header, {"out": np.zeros(2)}, {})
    assert header["error"] == {"type": "['x']", "message": "m" * 2000}


def test_most_specific_folder_decides(tmp_path):
    """A venv inside the kit is readable although the kit is not; a Python installed above the kit does not
    make the kit readable (audit hook, and the folders handed to Landlock)."""
    from grader.sandbox.guard import SandboxViolation, _make_hook, landlock_read_paths

    kit, above = tmp_path / "kit", tmp_path
    for folder in ("kit/.venv/lib", "kit/reference", "other"):
        (tmp_path / folder).mkdir(parents=True)
    hook = _make_hook(str(tmp_path / "sub"), str(tmp_path / "scratch"), (str(kit / ".venv"), str(above)), (str(kit),))
    hook("open", (str(kit / ".venv/lib/os.py"), "r", 0))
    hook("open", (str(tmp_path / "other/x.py"), "r", 0))
    for path in (kit / "reference/mlp.py", kit / ".venv/../reference/mlp.py", kit):
        with pytest.raises(SandboxViolation):
            hook("open", (str(path), "r", 0))
    with pytest.raises(SandboxViolation):
        hook("open", (str(kit / ".venv/lib/new.py"), "w", 0))
    granted = landlock_read_paths([str(kit / ".venv"), str(above)], [str(kit)])
    assert str(kit / ".venv") in granted and str(tmp_path / "other") in granted
    assert not any(p == str(kit) or p.startswith(str(kit / "reference")) or p == str(above) for p in granted)


@pytest.mark.parametrize("audit", [True, False], ids=["hook", "kernel"])
def test_submission_that_links_to_the_reference(tmp_path, audit):
    """A 'submission' whose linear.py is a symlink to the reference's: importing it is a read of the
    reference, refused by the hook, and with the hook off by Landlock (which grants the submission's folder,
    not where its links point)."""
    case = next(c for c in CASES if c.name == "print_fake_results")
    submission = build(case, tmp_path, {"SENTINEL": tmp_path / "s"})
    target = submission / "a2_mlp" / "linear.py"
    target.unlink()
    target.symlink_to(REFERENCE / "a2_mlp" / "linear.py")
    result = grade_assignment(A2, submission, limits=Limits(audit=audit), checks=CHECKS, check_timeout=10)
    linear, tanh = result.outcomes
    assert (linear.status, tanh.status) == ("error", "passed")
    expected = "SandboxViolation: the grader does not allow submissions to read" if audit else "Permission denied"
    assert linear.message.startswith("could not import your code") and expected in linear.message, linear.message
    assert SECRET_MARKER not in linear.message + result.output


@pytest.mark.parametrize("event, args, refused", [
    ("shutil.copyfile", ("{kit}/reference/x.py", "{scratch}/y"), "read"),
    ("shutil.copyfile", ("{lib}/x.py", "{scratch}/y"), None),
    ("shutil.copyfile", ("{lib}/x.py", "{lib}/y"), "write to"),
    ("os.rename", ("{scratch}/a", "{lib}/a", -1, -1), "write to"),
    ("os.remove", ("{scratch}/a", -1), None),
    ("os.remove", ("a", 3), "absolute paths"),
    ("open", ("rel.txt", None, 0), "absolute paths"),
    ("open", ("rel.txt", "r", 0), None),
    ("open", (b"{kit}/reference/x.py", "rb", 0), "read"),
    ("open", ("{scratch}/../scratch/../{kit_rel}/reference/x.py", "r", 0), "read"),
    ("open", ("/dev/null", "w", 0), None),
    ("open", (7, "r", 0), None),
    ("os.listdir", (None,), None),
    ("os.chdir", ("{kit}",), "read"),
    ("import", ("grader.checks", None, [], [], []), "import 'grader'"),
    ("import", ("ctypes.util", None, [], [], []), "import 'ctypes'"),
    ("import", ("numpy.testing", None, [], [], []), None),
    ("os.system", (b"true",), "use os.system"),
    ("gc.get_referrers", ((),), "use gc.get_referrers"),
])
def test_hook_decisions(tmp_path, monkeypatch, event, args, refused):
    """The hook on its own, event by event (what the corpus exercises through real calls)."""
    from grader.sandbox.guard import SandboxViolation, _make_hook

    kit, lib, scratch = tmp_path / "kit", tmp_path / "lib", tmp_path / "scratch"
    for folder in (kit / "reference", lib, scratch):
        folder.mkdir(parents=True)
    monkeypatch.chdir(scratch)  # relative paths are resolved against the working directory
    values = {"kit": str(kit), "lib": str(lib), "scratch": str(scratch), "kit_rel": str(kit).lstrip("/")}
    args = tuple(a.format(**values) if isinstance(a, str) else a.decode().format(**values).encode()
                 if isinstance(a, bytes) else a for a in args)
    hook = _make_hook(str(tmp_path / "sub"), str(scratch), (str(lib),), (str(kit),))
    if refused is None:
        hook(event, args)
    else:
        with pytest.raises(SandboxViolation, match=refused):
            hook(event, args)


def test_every_layer_is_active_here():
    """The corpus's kernel cases rely on Landlock and seccomp: say so plainly if this machine lacks them."""
    with Child(str(REFERENCE)) as child:
        reply = child.request("hello", {}, timeout=20)
    assert reply.ok, reply.message
    layers = reply.header["layers"]
    assert layers["audit"] == "on" and layers["rlimits"] == "on"
    if layers["landlock"].startswith("unavailable") or layers["seccomp"].startswith("unavailable"):
        pytest.skip(f"kernel layers unavailable here: {layers}")
    assert layers["seccomp"] == "seccomp"
    assert layers["landlock"].startswith("landlock ABI")


def test_unconfined_child_really_is_unconfined(tmp_path):
    """The benchmark's baseline: with every layer off, the same hostile read succeeds (so the corpus's
    refusals come from the layers, not from a broken submission)."""
    case = next(c for c in CASES if c.name == "open_reference_by_path")
    submission = build(case, tmp_path, {"KIT": KIT})
    result = grade_assignment(A2, submission, limits=Limits.unconfined(), checks=CHECKS[:1], check_timeout=10)
    assert result.outcomes[0].status == "error"
    assert SECRET_MARKER in result.outcomes[0].message


def test_timeout_kills_the_whole_process_group(tmp_path):
    """A child whose student code leaves a grandchild behind (possible only with the layers off): the
    timeout's killpg takes the grandchild too."""
    pidfile = tmp_path / "grandchild.pid"
    code = (f"import os, time\npid = os.fork()\nif pid == 0:\n    time.sleep(1000)\n"
            f"open('{pidfile}', 'w').write(str(pid))\nwhile True:\n    pass")
    case = next(c for c in CASES if c.name == "infinite_loop_forward")
    submission = build(type(case)(**{**case.__dict__, "code": code}), tmp_path, {})
    result = grade_assignment(A2, submission, limits=Limits.unconfined(), checks=CHECKS[:1], check_timeout=3)
    assert result.outcomes[0].status == "timeout"
    grandchild = int(pidfile.read_text())
    time.sleep(0.2)
    assert process_state(grandchild) in (None, "Z")  # gone, or a zombie waiting for init to reap it
    assert kit_processes(str(submission)) == []


def test_reference_still_gets_every_point():
    result = grade_assignment(A2, REFERENCE)
    assert result.score == result.max_score == A2.max_points, [(o.name, o.status, o.message) for o in result.outcomes if not o.passed]


def test_batch_mode_with_hostile_students(tmp_path):
    """grader/instructor/batch.py over a class where three of four students attack the grader: the honest student gets
    every point, each attacker only what their submission deserves, and the results file is the batch's."""
    import shutil

    from grader.instructor import batch

    batch_dir, out_dir = tmp_path / "class", tmp_path / "out"
    batch_dir.mkdir()
    sentinel = tmp_path / "sentinel_results.json"
    values = {"KIT": KIT, "SENTINEL": sentinel, "VICTIM": tmp_path / "victim", "PYLIB": ""}
    hostile = {c.name: c for c in CASES}
    students = {"mallory_loop": "infinite_loop_forward", "oscar_exit": "os_exit_import",
                "trudy_forge": "write_fake_results_outside"}
    for student, name in students.items():
        submission = build(hostile[name], tmp_path / name, values)
        shutil.copytree(submission, batch_dir / student)
    copy_submission(batch_dir / "alice")
    # check_timeout cuts mallory's loops short and the budget caps her total. Alice's grading takes ~5 s on a quiet
    # machine (training ~1.5 s of it) and ran out of 2 s a check and 20 s in all under a load of 7 on 2 cores
    options = batch.Options(assignment="a2", budget_seconds=30, check_timeout=5, memory_mb=1024)
    records = batch.run(batch_dir, out_dir, options, progress=False)
    assert set(records) == {"alice", *students}
    lost = [(c["name"], c["status"], c["message"][:200]) for c in records["alice"]["result"]["checks"] if c["status"] != "passed"]
    assert records["alice"]["score"] == records["alice"]["max_score"] == A2.max_points, lost
    linear = lambda student: {c["name"]: c for c in records[student]["result"]["checks"]}
    assert linear("mallory_loop")["linear.fixture"]["status"] == "timeout"
    assert linear("oscar_exit")["linear.fixture"]["status"] == "crashed"
    assert linear("trudy_forge")["linear.fixture"]["status"] == "error"
    for student in students:
        checks = linear(student)
        assert checks["tanh.fixture"]["status"] == "passed"  # untouched modules still score
        assert records[student]["score"] < A2.max_points
        assert records[student]["score"] == sum(c["max_points"] for c in checks.values() if c["status"] == "passed")
    assert not sentinel.exists()


def test_cli_grade_submission_with_a_hostile_import(tmp_path):
    """`makemore grade --submission DIR a2`: a linear.py that prints a fake report and results JSON, writes
    one outside, then os._exit(0)s at import. The CLI finishes, scores the modules that work, shows none of
    the fakes, and its JSON says what the grader found."""
    import json
    import subprocess
    import sys

    fake = tmp_path / "results.json"
    code = ("import os\nprint('total 200/200 FORGED')\nprint('{\"score\": 200, \"FORGED\": true}')\n"
            f"try:\n    open('{fake}', 'w').write('{{\"score\": 200}}')\nexcept Exception:\n    pass\nos._exit(0)")
    case = next(c for c in CASES if c.name == "os_exit_import")
    submission = build(type(case)(**{**case.__dict__, "code": code}), tmp_path, {})
    report = tmp_path / "report.json"
    run = subprocess.run([sys.executable, "-c", "import sys; from grader.cli import main; sys.exit(main())",
                          "grade", "--submission", str(submission), "a2", "--json", str(report)],
                         cwd=KIT, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr
    assert "FORGED" not in run.stdout + run.stderr
    assert not fake.exists()
    data = json.loads(report.read_text())
    checks = {c["name"]: c for c in data["assignments"][0]["checks"]}
    working = [n for n in checks if n.startswith(("embedding.", "tanh."))]
    assert all(checks[n]["status"] == "passed" for n in working)
    assert all(checks[n]["status"] == "crashed" for n in checks if n.startswith(("linear.", "mlp.")) and n != "mlp.training")
    assert checks["mlp.training"]["message"].startswith("not run: training is graded once")  # its layers crashed
    assert data["score"] == sum(checks[n]["max_points"] for n in working) == sum(
        c.points for c in A2.checks if c.name.startswith(("embedding.", "tanh.")))


def run_directly(submission, names, public_only=False, check_timeout=None) -> list:
    """The outcomes of these checks run one after the other in one child, without the runner's rule that
    training waits for its prerequisites (grader/runner.py): what a training request meets, tested alone."""
    outcomes = []
    with Child(str(submission)) as child:
        runtime = Runtime(child, A2, public_only, check_timeout=check_timeout)
        for check in (c for c in A2.checks if c.name in names):
            outcomes.append(run_check(check, runtime))
    return outcomes


@pytest.mark.parametrize("public_only", [False, True], ids=["full", "public_only"])
def test_training_check_does_not_take_the_childs_word_for_the_dev_loss(tmp_path, public_only):
    """A model that never learns, with a loss that says 0.0 on evaluation-sized batches: wherever the
    reference is installed (also with public_only, e.g. a batch run of the public checks) the dev loss is
    computed in the parent from the trained parameters, so the lie earns nothing."""
    case = next(c for c in CASES if c.name == "print_fake_results")
    submission = build(case, tmp_path, {"SENTINEL": tmp_path / "s"})
    mlp = submission / "a2_mlp" / "mlp.py"
    mlp.write_text(mlp.read_text().replace(
        "        return None\n", "        self.grads = {k: 0 * v for k, v in self.grads.items()}\n        return None\n", 1))
    loss = submission / "a1_bigram" / "cross_entropy.py"
    anchor = "        n = logits.shape[0]\n"
    assert anchor in loss.read_text()
    loss.write_text(loss.read_text().replace(anchor, anchor + "        if n > 1000:\n            return 0.0\n", 1))
    (training,) = run_directly(submission, ("mlp.training",), public_only=public_only)
    assert training.status == "failed", training.message
    assert re.match(r"dev loss 3\.\d+ after 3000 steps", training.message), training.message


def test_outputs_under_perturbations_copy_each_output_and_restore_each_entry():
    """The one finite-difference loop (the child's and the kit's tests'): a forward that returns a view of its
    input and a tuple with a float32 part gives float64 rows holding the perturbed values; every entry is back
    afterwards, also when the forward raises."""
    import numpy as np

    from grader.sandbox.perturb import outputs_under_perturbations

    x, params = np.arange(3.0), {"w": np.array([10.0, 20.0])}

    def forward(a):
        return a.reshape(3), (params["w"] * 2).astype(np.float32)  # a view of the input, then a float32 copy

    outs = outputs_under_perturbations(forward, params, [x], [("arg0", 1, 0.5), ("param:w", 0, -1.0)])
    assert outs.dtype == np.float64 and outs.shape == (2, 5)
    np.testing.assert_array_equal(outs, [[0.0, 1.5, 2.0, 20.0, 40.0], [0.0, 1.0, 2.0, 18.0, 40.0]])
    np.testing.assert_array_equal(x, [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(params["w"], [10.0, 20.0])
    assert outputs_under_perturbations(forward, params, [x], []).shape == (0,)
    view = outputs_under_perturbations(lambda a: a.reshape(3), {}, [x], [("arg0", 2, 1.0), ("arg0", 2, -1.0)])
    np.testing.assert_array_equal(view, [[0.0, 1.0, 3.0], [0.0, 1.0, 1.0]])

    def broken(a):
        raise ZeroDivisionError("student")

    with pytest.raises(ZeroDivisionError):
        outputs_under_perturbations(broken, params, [x], [("param:w", 1, 3.0)])
    np.testing.assert_array_equal(params["w"], [10.0, 20.0])
