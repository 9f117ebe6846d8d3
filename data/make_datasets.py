"""Write the course's datasets into this folder as CSV.

    python data/make_datasets.py            # rebuild data/*.csv
    python data/make_datasets.py --out DIR  # write them somewhere else (the tests do this)

The frames come from `labcloud.datasets`, the same loaders the notebooks call, so there is one
implementation of the cleaning (column names, target coding) and the CSV files are a faithful,
human-readable copy of what the lessons use. Nothing is downloaded: scikit-learn ships the data.
Format: a header row, the target as the last column, no index, '\n' line endings, floats in
Python's shortest round-trip form (so the files are byte-for-byte reproducible).
"""
from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from labcloud import datasets

HERE = Path(__file__).resolve().parent


def write_all(out: Path) -> list[Path]:
    """Write every dataset of `labcloud.datasets.DATASETS` to `out/<name>.csv`."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, dataset in sorted(datasets.DATASETS.items()):
        target = out / f"{name}.csv"
        text = dataset.load().to_csv(index=False, lineterminator="\n")
        fd, tmp = tempfile.mkstemp(dir=out, prefix=f".{name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, target)  # atomic: a reader never sees half a file
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: data/)")
    args = parser.parse_args(argv)
    for path in write_all(args.out):
        print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
