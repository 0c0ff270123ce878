"""``makemore init FOLDER``: a student's own working folder, for a kit installed from a wheel or an index.

The folder gets ``assignments/`` (the stubs and every README, copied from the installed ``assignments``
package, exactly as shipped), ``notebooks/`` (one per assignment, built from those stubs by
grader/instructor/notebooks.py) and a README that says what to do next. ``makemore grade``, ``train`` and
``list`` run inside it grade it (grader/cli.py: ``graded_folder``).
"""
from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

SKIP = {"__pycache__", ".pytest_cache", ".hypothesis"}

README = """# My makemore-numpy work

Started with `makemore init`. Your code lives in `assignments/` (one folder per assignment: replace each
`raise NotImplementedError(...)` with your code); read `assignments/README.md` first, it pins every convention.
Or work in the notebooks under `notebooks/`: a cell that starts with `# %% PACKAGE/MODULE.py` *is* that file.

```bash
makemore doctor        # will grading work on this machine? (run it first)
makemore list          # the assignments, their points, your progress
makemore grade         # grade this folder (`makemore grade a2 -v` for one, with details)
makemore train mlp     # train what you wrote and sample names from it
```

Run these commands in this folder: `makemore grade` grades the folder it runs in and says which one.
"""


class InitError(Exception):
    pass


def stubs_folder() -> Path:
    """The installed ``assignments`` package: the stubs as shipped."""
    spec = importlib.util.find_spec("assignments")
    if spec is None or not spec.submodule_search_locations:
        raise InitError("the kit's assignments package is not installed: reinstall makemore-numpy")
    return Path(list(spec.submodule_search_locations)[0])


def init(folder: Path) -> list[Path]:
    """Write the working folder; refuses a folder that already has an assignments/ (never overwrites work).
    Returns the files written."""
    from grader.instructor import notebooks

    folder = Path(folder)
    if (folder / "assignments").exists():
        raise InitError(f"{folder / 'assignments'} already exists: your work is not overwritten")
    source = stubs_folder()
    written = []
    stubs: dict[str, str] = {}
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if path.is_dir() or SKIP & set(relative.parts) or path.suffix not in (".py", ".md"):
            continue
        target = folder / "assignments" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        written.append(target)
        if path.suffix == ".py" and len(relative.parts) > 1:
            stubs[relative.as_posix()] = path.read_text(encoding="utf-8")
    written += notebooks.write_all(folder / "notebooks", stubs)
    readme = folder / "README.md"
    if not readme.exists():
        readme.write_text(README)
        written.append(readme)
    return written
