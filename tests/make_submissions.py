"""Generate a class of assignment-2 submissions: correct, buggy, stubbed and broken ones, in every format.

    python tests/make_submissions.py OUT_DIR --n 100 [--manifest manifest.json]

Every entry of OUT_DIR is one student. The manifest (written outside OUT_DIR) says what each student should
get: ``expect`` is "max" (full marks), "zero" (nothing runs, or only stubs) or "partial" (0 < score < max),
``fatal`` whether the entry cannot be read at all, ``must_fail``/``must_pass`` check names, and ``says``
a text that must appear in the student's feedback.
"""
from __future__ import annotations

import argparse
import io
import json
import shutil
import stat
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.submission import mask_hints, replace_in_code  # noqa: E402

REFERENCE = ROOT / "reference"
STUBS = ROOT / "assignments"
PACKAGES = ("a1_bigram", "a2_mlp")


def reference_files() -> dict[str, str]:
    return {f"{pkg}/{p.name}": p.read_text() for pkg in PACKAGES for p in sorted((REFERENCE / pkg).glob("*.py"))}


def stub_files() -> dict[str, str]:
    return {f"{pkg}/{p.name}": p.read_text() for pkg in PACKAGES for p in sorted((STUBS / pkg).glob("*.py"))}


def patched(path: str, old: str, new: str) -> dict[str, str]:
    files = reference_files()
    assert old in mask_hints(files[path])[0], f"{old!r} not in {path}: update tests/make_submissions.py"
    files[path] = replace_in_code(files[path], old, new, 1)
    return files


# -- the contents: name -> (files, expectation) -------------------------------------------------------------

def bugs() -> dict[str, tuple[dict, dict]]:
    lin, tanh, emb, ce = "a2_mlp/linear.py", "a2_mlp/tanh.py", "a2_mlp/embedding.py", "a1_bigram/cross_entropy.py"
    partial = lambda fail, ok, says="": {"expect": "partial", "must_fail": fail, "must_pass": ok, "says": says}
    return {
        "bias_mean": (patched(lin, "dout.sum(axis=0)", "dout.mean(axis=0)"),
                      partial(["linear.gradcheck"], ["embedding.gradcheck", "tanh.gradcheck"], "bias")),
        "tanh_no_square": (patched(tanh, "(1.0 - self.out**2)", "(1.0 - self.out)"),
                           partial(["tanh.gradcheck"], ["linear.gradcheck", "embedding.gradcheck"])),
        "embedding_assign": (patched(emb, "dweight = onehot.T @ dout.reshape(-1, dout.shape[-1])",
                                     "dweight = np.zeros_like(self.params['weight'])\n        dweight[self.idx] = dout"),
                             partial(["embedding.gradcheck"], ["linear.gradcheck", "tanh.gradcheck"], "the gradients of every occurrence")),
        "no_transpose": (patched(lin, 'return dout @ self.params["weight"].T', 'return dout @ self.params["weight"]'),
                         partial(["linear.gradcheck"], ["tanh.gradcheck"])),
        # a1's loss is a1's business: a2's training check uses the reference's, and the feedback says so
        "loss_sign": (patched(ce, "return dlogits * (dloss / n)", "return -dlogits * (dloss / n)"),
                      {"expect": "max", "must_fail": [], "must_pass": ["mlp.training"],
                       "says": "belongs to an earlier assignment"}),
        "syntax_error": (patched(lin, "def forward(self, x):", "def forward(self, x)"),
                         partial(["linear.contract"], ["tanh.gradcheck", "embedding.gradcheck"], "SyntaxError")),
        "memory_hog": (patched(tanh, "self.out = np.tanh(x)", "np.ones((1 << 34,))\n        self.out = np.tanh(x)"),
                       partial(["tanh.contract"], ["linear.gradcheck"], "MemoryError")),
        "crash": (patched(emb, "self.idx = idx", "import os; os._exit(3)"),
                  partial(["embedding.contract"], ["linear.gradcheck"], "crash")),
    }


def infinite_loop() -> tuple[dict, dict]:
    files = patched("a2_mlp/tanh.py", "self.out = np.tanh(x)", "while True:\n            pass")
    return files, {"expect": "partial", "must_fail": ["tanh.contract"], "must_pass": ["linear.gradcheck"],
                   "says": "timed out"}


# -- the packagings -----------------------------------------------------------------------------------------

def write_folder(target: Path, files: dict[str, str], flat: bool = False, encoding: str = "utf-8") -> None:
    target.mkdir(parents=True)
    for path, text in files.items():
        out = target / (Path(path).name if flat else path)
        if flat and out.name == "__init__.py":
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(text.encode(encoding))


def zip_bytes(members: dict[str, bytes], symlink: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, blob in members.items():
            archive.writestr(name, blob)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def notebook_bytes(files: dict[str, str]) -> bytes:
    import nbformat

    from grader.instructor import notebooks
    from grader.specs import resolve

    a2 = resolve("a2")
    return nbformat.writes(notebooks.build(a2, files, "Assignment 2")).encode()


def entry(out: Path, name: str, kind: str, files: dict | None, packaging: str, expect: dict) -> tuple[str, dict]:
    """Write one student's entry; returns (student id, expectation)."""
    if packaging == "folder":
        write_folder(out / name, files)
        student = name
    elif packaging == "flat":
        write_folder(out / name, files, flat=True)
        student = name
    elif packaging == "latin1":
        files = dict(files)
        files["a2_mlp/linear.py"] = "# Écrit par l'élève, à la main\n" + files["a2_mlp/linear.py"]
        write_folder(out / name, files, encoding="latin-1")
        student = name
    elif packaging == "zip":
        (out / f"{name}.zip").write_bytes(zip_bytes({f"{name}/{p}": t.encode() for p, t in files.items()}))
        student = name
    elif packaging == "notebook":
        (out / f"{name}.ipynb").write_bytes(notebook_bytes(files))
        student = name
    else:
        raise ValueError(packaging)
    return student, dict(expect, kind=kind, packaging=packaging, fatal=False)


def broken(out: Path, name: str, kind: str) -> tuple[str, dict]:
    fatal = {"expect": "zero", "fatal": True, "must_fail": [], "must_pass": [], "kind": kind, "packaging": kind}
    if kind == "empty_folder":
        (out / name).mkdir()
        return name, dict(fatal, says="empty")
    if kind == "bad_zip":
        (out / f"{name}.zip").write_bytes(b"PK\x03\x04 this is not really a zip file")
        return name, dict(fatal, says="not a valid zip")
    if kind == "zip_escape":
        (out / f"{name}.zip").write_bytes(zip_bytes({"a2_mlp/linear.py": b"x = 1\n", "../../escape.py": b"x = 1\n"}))
        return name, dict(fatal, says="outside its own folder")
    if kind == "zip_bomb":
        (out / f"{name}.zip").write_bytes(zip_bytes({"a2_mlp/linear.py": b"#" * (64 << 20)}))
        return name, dict(fatal, says="over the limit")
    if kind == "zip_symlink":
        (out / f"{name}.zip").write_bytes(zip_bytes({"a2_mlp/linear.py": b"x = 1\n"}, symlink="a2_mlp/tanh.py"))
        return name, dict(fatal, says="symbolic link")
    if kind == "notebook_not_json":
        (out / f"{name}.ipynb").write_text('{"cells": [ {"cell_type": "code", "source": "x = ')
        return name, dict(fatal, says="not valid JSON")
    if kind == "notebook_not_notebook":
        (out / f"{name}.ipynb").write_text(json.dumps({"title": "my homework", "cells": 3}))
        return name, dict(fatal, says="not a valid Jupyter notebook")
    if kind == "unsupported_file":
        (out / f"{name}.docx").write_bytes(b"PK\x03\x04 word document")
        return name, dict(fatal, says="cannot grade it")
    raise ValueError(kind)


CORRECT = [("correct", "folder"), ("correct", "zip"), ("correct", "flat"), ("correct", "notebook"),
           ("correct", "latin1")]
BUGGY = [(b, p) for b, p in [("bias_mean", "folder"), ("tanh_no_square", "zip"), ("embedding_assign", "notebook"),
                             ("no_transpose", "flat"), ("loss_sign", "folder"), ("syntax_error", "folder"),
                             ("memory_hog", "folder"), ("crash", "zip")]]
STUBBED = [("stub", "folder"), ("stub", "notebook")]
BROKEN = ["empty_folder", "bad_zip", "zip_escape", "zip_bomb", "zip_symlink", "notebook_not_json",
          "notebook_not_notebook", "unsupported_file"]
# A small class with one of nearly everything (the default tests); the big one cycles through all of it.
SMALL = [("correct", "folder"), ("correct", "notebook"), ("correct", "latin1"), ("bias_mean", "folder"),
         ("embedding_assign", "notebook"), ("syntax_error", "folder"), ("stub", "folder"),
         ("empty_folder", None), ("zip_escape", None), ("notebook_not_json", None), ("infinite_loop", "folder"),
         ("crash", "zip")]


def cycle(broken: bool = True) -> list[tuple[str, str | None]]:
    """One round of the big class: correct ones twice as often as the rest, as in a real class."""
    return CORRECT + CORRECT + BUGGY + STUBBED + ([(b, None) for b in BROKEN] if broken else [])


def make_class(out: Path, n: int = 100, infinite_loops: int = 1, broken_entries: bool = True) -> dict[str, dict]:
    """Write n students into ``out`` (created, must not exist); returns the manifest. broken_entries=False
    leaves out the unreadable entries (every student then runs code)."""
    out = Path(out)
    out.mkdir(parents=True)
    rounds = cycle(broken_entries)
    kinds = SMALL[:n] if n <= len(SMALL) else [rounds[i % len(rounds)] for i in range(n)]
    if n > len(SMALL):
        for i in range(min(infinite_loops, n)):
            kinds[(7 + i * 37) % n] = ("infinite_loop", "folder")
    content = bugs()
    manifest = {}
    for i, (kind, packaging) in enumerate(kinds):
        name = f"s{i:03d}_{kind}" + (f"_{packaging}" if packaging else "")
        if packaging is None:
            student, expect = broken(out, name, kind)
        elif kind == "correct":
            student, expect = entry(out, name, kind, reference_files(), packaging,
                                    {"expect": "max", "must_fail": [], "must_pass": ["mlp.training"],
                                     "says": "not UTF-8" if packaging == "latin1" else ""})
        elif kind == "stub":
            student, expect = entry(out, name, kind, stub_files(), packaging,
                                    {"expect": "zero", "must_fail": ["linear.contract"], "must_pass": [],
                                     "says": "not implemented"})
        elif kind == "infinite_loop":
            files, exp = infinite_loop()
            student, expect = entry(out, name, kind, files, packaging, exp)
        else:
            files, exp = content[kind]
            student, expect = entry(out, name, kind, files, packaging, exp)
        manifest[student] = expect
    return manifest


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--manifest", help="where to write the manifest (default: OUT.manifest.json)")
    parser.add_argument("--infinite-loops", type=int, default=1)
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--no-broken", action="store_true", help="leave out the unreadable entries")
    args = parser.parse_args(argv)
    out = Path(args.out)
    if out.exists() and args.force:
        shutil.rmtree(out)
    manifest = make_class(out, args.n, args.infinite_loops, not args.no_broken)
    path = Path(args.manifest or f"{out}.manifest.json")
    path.write_text(json.dumps(manifest, indent=1))
    print(f"wrote {len(manifest)} submissions to {out}, manifest {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
