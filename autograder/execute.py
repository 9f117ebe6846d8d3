"""Run one notebook the way `nbgrader autograde` runs it, inside the sandbox, for `course check`.

    python -m autograder.execute IN.ipynb OUT.ipynb [--cell-timeout S]

It uses nbgrader's own Execute, IgnorePattern and LimitOutput preprocessors with the course
config, so a student's self-check scores each visible test exactly as grading will. It is a
separate process so that the sandbox can limit and kill it; it writes OUT even when the kernel
dies, with the index of the cell that killed it in the notebook metadata.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from nbclient.exceptions import DeadKernelError
from nbgrader.preprocessors import Execute, IgnorePattern, LimitOutput

from . import config, notebooks

EXIT_KERNEL_DIED = 3


class TrackingExecute(Execute):
    """nbgrader's Execute that remembers which cell it is running, to name a crash's cause."""
    current_index: int | None = None

    def preprocess_cell(self, cell, resources, index):
        self.current_index = index
        return super().preprocess_cell(cell, resources, index)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.execute")
    parser.add_argument("notebook", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--cell-timeout", type=int, default=config.CELL_TIMEOUT)
    args = parser.parse_args(argv)

    cfg = config.build(Path.cwd(), args.cell_timeout)
    nb = notebooks.read(args.notebook)
    resources = {"metadata": {"path": str(Path.cwd())}}
    executor = TrackingExecute(config=cfg)
    code = 0
    os.environ["NBGRADER_EXECUTION"] = "autograde"   # the notebook sees what grading shows it
    try:
        nb, resources = executor.preprocess(nb, resources)
    except DeadKernelError:
        nb.metadata["autograder"] = {"kernel_died_at": executor.current_index}
        code = EXIT_KERNEL_DIED
    for pre in (IgnorePattern(config=cfg), LimitOutput(config=cfg)):
        nb, resources = pre.preprocess(nb, resources)
    notebooks.write(nb, args.output)
    return code


if __name__ == "__main__":
    sys.exit(main())
