"""Build an nbgrader course root from the repository's solutions/.

The repository keeps nbgrader's *source* folder under its own name (solutions/) and its release
folder as lessons/, so every nbgrader step runs in a course root assembled here: the generated
config, a copy of the sources (cell ids made deterministic), and the gradebook that
`generate_assignment` fills with the cells, points and checksums of each assignment.
"""
from __future__ import annotations

import fnmatch
import logging
import shutil
from pathlib import Path

from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory

from . import config, notebooks, runtime


class CourseError(Exception):
    """The course itself (not a student) is broken: a source that nbgrader rejects."""


def assignments(solutions: Path, wanted: list[str] | None = None) -> list[str]:
    """Assignment folders of `solutions` (those holding a notebook), or the `wanted` ones,
    which must exist."""
    found = sorted(p.name for p in Path(solutions).iterdir()
                   if p.is_dir() and not p.name.startswith(".") and any(p.glob("*.ipynb")))
    if not wanted:
        return found
    missing = [a for a in wanted if a not in found]
    if missing:
        raise CourseError(f"no assignment {', '.join(missing)} in {solutions} "
                          f"(there are: {', '.join(found) or 'none'})")
    return list(wanted)


def ignored(name: str) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in config.IGNORE)


def copy_tree(src: Path, dest: Path, *, notebooks_too: bool = True) -> None:
    """Copy an assignment folder without nbgrader's ignored files; notebooks get stable ids."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if any(ignored(part) for part in rel.parts) or path.is_dir():
            continue
        if path.suffix == ".ipynb":
            if notebooks_too:
                nb = notebooks.ensure_ids(notebooks.read(path))
                notebooks.write(nb, dest / rel)
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest / rel)


def open_api(root: Path, cell_timeout: int = config.CELL_TIMEOUT) -> NbGraderAPI:
    """nbgrader's Python API on `root`, configured as `course` configures every root."""
    runtime.pin()  # nbgrader runs `alembic` from PATH
    cfg = config.write(root, cell_timeout)
    api = NbGraderAPI(coursedir=CourseDirectory(config=cfg), config=cfg)
    api.log.setLevel(logging.WARNING)
    return api


def prepare(root: Path, solutions: Path, names: list[str],
            cell_timeout: int = config.CELL_TIMEOUT) -> NbGraderAPI:
    """A course root at `root` whose source/ and gradebook hold the given assignments."""
    root = Path(root).resolve()
    api = open_api(root, cell_timeout)
    for name in names:
        copy_tree(Path(solutions) / name, root / "source" / name)
        result = api.generate_assignment(name, force=True, create=True)
        if not result["success"]:
            raise CourseError(f"nbgrader generate_assignment {name} failed:\n"
                              f"{result.get('log', '')}{result.get('error', '')}")
    return api
