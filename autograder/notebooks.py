"""Reading notebooks with precise errors, writing them byte-stably, and reading their grading
structure (which cells are answers, which are tests, and which answers a test checks).

Students hand in whatever their browser saved, so reading must turn every failure into one line
a student can act on. Released notebooks are committed, so writing them must not depend on the
machine, the time or a random cell id: the same source always gives the same bytes.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbgrader import utils as nbutils

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
# Cell metadata that editors add as they run cells and that must never reach a release.
_VOLATILE_CELL_METADATA = ("execution", "ExecuteTime", "collapsed", "scrolled", "jupyter")
_ID_OK = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")
HIDDEN_BEGIN = "BEGIN HIDDEN TESTS"


class NotebookError(Exception):
    """A notebook file that cannot be graded, with a message meant for the student."""


def read(path: Path) -> NotebookNode:
    """The notebook at `path`, or NotebookError saying exactly what is wrong with the file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise NotebookError(f"{path.name}: cannot be read ({err.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise NotebookError(f"{path.name}: not UTF-8 text (byte {err.start}); was the file "
                            "saved by Jupyter?") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise NotebookError(f"{path.name}: not valid JSON ({err.msg} at line {err.lineno}, column "
                            f"{err.colno}); the file is damaged, re-download or re-save it") from None
    if not isinstance(data, dict) or "cells" not in data or "nbformat" not in data:
        raise NotebookError(f"{path.name}: JSON, but not a Jupyter notebook (no cells/nbformat)")
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as err:  # nbformat raises many types for malformed notebooks
        raise NotebookError(f"{path.name}: not a valid notebook ({type(err).__name__}: "
                            f"{str(err).splitlines()[0] if str(err) else ''})") from None
    return nb


def ensure_ids(nb: NotebookNode) -> NotebookNode:
    """Give every cell a valid, unique id derived from its grade_id or position, never a random
    one: nbformat would invent random ids on write, and releases would change at every run."""
    nb.nbformat, nb.nbformat_minor = 4, max(5, int(nb.get("nbformat_minor", 5)))
    seen: set[str] = set()
    for index, cell in enumerate(nb.cells):
        cid = cell.get("id")
        if not (isinstance(cid, str) and _ID_OK.match(cid)) or cid in seen:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
            cid = grade_id if _ID_OK.match(grade_id or "") and grade_id not in seen else f"cell-{index}"
            while cid in seen:
                cid = f"{cid}-{index}"[:64]
        cell["id"] = cid
        seen.add(cid)
    return nb


def normalize_release(nb: NotebookNode) -> NotebookNode:
    """A released notebook as it is committed: no outputs, no execution counts, no editor
    metadata, the course kernelspec, stable ids."""
    for cell in nb.cells:
        for key in _VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata.pop("widgets", None)
    return ensure_ids(nb)


def dumps(nb: NotebookNode) -> str:
    """The notebook's canonical text: sorted keys, one-space indent, a final newline."""
    text = nbformat.writes(nb, version=4)
    return text if text.endswith("\n") else text + "\n"


def write(nb: NotebookNode, path: Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(dumps(nb), encoding="utf-8")
    tmp.replace(path)


def grade_id(cell: NotebookNode) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def is_test(cell: NotebookNode) -> bool:
    """An autograded test cell: graded, code, not an answer."""
    return (cell.cell_type == "code" and nbutils.is_grade(cell) and not nbutils.is_solution(cell))


def is_answer(cell: NotebookNode) -> bool:
    return nbutils.is_solution(cell)


def has_hidden_tests(source: str) -> bool:
    return HIDDEN_BEGIN in source


@dataclass
class Question:
    """One test cell and the answer cells it checks: those since the previous test cell.
    This is how lessons are written (exercise, answer, test), and it lets a zero be explained
    ("no response" when every answer it checks is still the released stub)."""
    test_id: str
    points: float
    answer_ids: list[str] = field(default_factory=list)


def questions(nb: NotebookNode) -> list[Question]:
    found: list[Question] = []
    pending: list[str] = []
    for cell in nb.cells:
        if is_test(cell):
            found.append(Question(grade_id(cell), float(cell.metadata.nbgrader.get("points", 0)),
                                  pending))
            pending = []
        elif is_answer(cell) and grade_id(cell):
            pending.append(grade_id(cell))
    return found


def error_line(output: NotebookNode) -> str:
    """`Name: value` of an error output, the one line a student needs."""
    ename = output.get("ename", "Error")
    evalue = str(output.get("evalue", "")).strip()
    line = f"{ename}: {evalue}" if evalue else ename
    line = " ".join(line.split())
    return line if len(line) <= 300 else line[:297] + "..."
