"""Other platforms, faked: native Windows gets one clear message, macOS and Linux on ARM name their missing
layers (grader/sandbox/platforms.py). These machines cannot run those platforms, so the checks take the
platform as arguments and the tests pass other ones."""
import os
import pathlib
from types import SimpleNamespace

import pytest

from grader import cli
from grader.sandbox import platforms
from grader.sandbox.platforms import UnsupportedPlatform, isolation_layers

# platforms.py reads only os.name. The faked os is its own: setting the real os.name to "nt" would make every
# pathlib.Path made meanwhile (by pytest too) a WindowsPath, which cannot be instantiated here
NATIVE_WINDOWS = SimpleNamespace(name="nt")


def test_linux_x86_64_with_a_recent_kernel_offers_every_layer():
    layers = isolation_layers("linux", "x86_64", "6.18.44-generic", "posix")
    assert all(state.startswith("available") for state in layers.values()), layers
    assert set(layers) == {"separate process with time limits", "resource limits", "audit hook", "landlock", "seccomp"}


def test_macos_names_its_missing_layers():
    layers = isolation_layers("darwin", "arm64", "23.4.0", "posix")
    assert layers["landlock"] == "missing: a Linux kernel feature (this is darwin)"
    assert layers["seccomp"] == "missing: a Linux kernel feature (this is darwin)"
    assert layers["resource limits"].startswith("partial")
    assert layers["separate process with time limits"] == "available"


def test_linux_arm64_has_landlock_but_no_seccomp_filter():
    layers = isolation_layers("linux", "aarch64", "6.1.0-rpi", "posix")
    assert layers["landlock"].startswith("available")
    assert layers["seccomp"] == "missing: the filter is written for x86_64 (this machine is aarch64)"


def test_an_old_linux_kernel_has_no_landlock():
    assert isolation_layers("linux", "x86_64", "5.10.0-28-amd64", "posix")["landlock"] == \
        "missing: needs Linux >= 5.13 (this kernel is 5.10.0-28-amd64)"


@pytest.mark.parametrize("release, version", [("6.18.44-fc", (6, 18)), ("5.13.0", (5, 13)), ("weird", (0, 0)),
                                              ("10.0.22631", (10, 0))])
def test_kernel_version(release, version):
    assert platforms.kernel_version(release) == version


def test_native_windows_cannot_confine_and_says_what_to_do():
    ok, why = platforms.can_confine("nt")
    assert not ok and "WSL" in why and "Colab" in why
    with pytest.raises(UnsupportedPlatform, match="WSL"):
        platforms.require_posix("nt")
    platforms.require_posix("posix")  # and POSIX passes
    layers = isolation_layers("win32", "AMD64", "10", "nt")
    assert layers["separate process with time limits"].startswith("missing")
    assert layers["resource limits"].startswith("missing")


def test_grading_on_native_windows_prints_one_message_and_no_traceback(monkeypatch, capsys):
    monkeypatch.setattr(platforms, "os", NATIVE_WINDOWS)
    assert os.name == "posix" and pathlib.Path(".")  # the fake stays in platforms.py: pytest's paths still work
    status = cli.main(["grade", "a1", "--reference"])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("makemore: the grader cannot run here") and "WSL" in err and "Traceback" not in err


def test_doctor_on_native_windows_gives_a_plain_verdict(monkeypatch):
    from grader import doctor

    monkeypatch.setattr(platforms, "os", NATIVE_WINDOWS)
    monkeypatch.setattr(doctor, "isolation_layers", lambda: isolation_layers("win32", "AMD64", "10", "nt"),
                        raising=False)
    diagnosis = doctor.diagnose()
    assert not diagnosis.works and any("WSL" in p for p in diagnosis.problems)
    assert "verdict: grading will NOT work here" in doctor.render(diagnosis)
