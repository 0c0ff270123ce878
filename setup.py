"""The kit's data ships inside the package: a wheel carries data/names.txt as grader/_data/names.txt.

Everything else is configured in pyproject.toml. data/ stays at the top of the checkout (it is the kit's
dataset, rebuilt by data/build_names.py); at build time it is copied into the built ``grader`` package, where
grader/data.py finds it when the kit is installed from a wheel rather than run from a checkout.
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
DATA_FILES = ("names.txt", "README.md")


class build_py_with_data(build_py):
    def run(self):
        super().run()
        target = Path(self.build_lib) / "grader" / "_data"
        target.mkdir(parents=True, exist_ok=True)
        for name in DATA_FILES:
            if (HERE / "data" / name).exists():
                shutil.copyfile(HERE / "data" / name, target / name)


setup(cmdclass={"build_py": build_py_with_data})
