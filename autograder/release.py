"""`course release`: lessons/ is nbgrader's release of solutions/, byte for byte reproducible.

lessons/ is committed, so a release must be a pure function of solutions/: nbgrader generates
the student versions in a throwaway course root, and every released notebook is normalized
(no outputs, no execution counts, no editor metadata, stable ids, canonical JSON) before it is
compared with or written to lessons/. `--check` turns any difference into a list of files.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import courseroot, notebooks


@dataclass(frozen=True)
class Drift:
    path: str        # relative to lessons/
    kind: str        # "changed", "missing" or "stale"

    def __str__(self) -> str:
        why = {"changed": "differs from what solutions/ releases",
               "missing": "not released yet",
               "stale": "no longer released by solutions/ (git rm it)"}[self.kind]
        return f"lessons/{self.path}: {why}"


def build(solutions: Path, names: list[str]) -> dict[str, bytes]:
    """What lessons/ must hold for these assignments: {path relative to lessons/: bytes}."""
    files: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="mlprod-release-") as tmp:
        root = Path(tmp) / "course"
        courseroot.prepare(root, solutions, names)
        for name in names:
            released = root / "release" / name
            for path in sorted(released.rglob("*")):
                if not path.is_file():
                    continue
                rel = f"{name}/{path.relative_to(released).as_posix()}"
                if path.suffix == ".ipynb":
                    nb = notebooks.normalize_release(notebooks.read(path))
                    files[rel] = notebooks.dumps(nb).encode("utf-8")
                else:
                    files[rel] = path.read_bytes()
    return files


def compare(expected: dict[str, bytes], lessons: Path, names: list[str],
            all_assignments: bool) -> list[Drift]:
    drift = []
    for rel, data in sorted(expected.items()):
        target = lessons / rel
        if not target.exists():
            drift.append(Drift(rel, "missing"))
        elif target.read_bytes() != data:
            drift.append(Drift(rel, "changed"))
    # a notebook in lessons/ that no source releases any more; other files may be a student's
    folders = [lessons / n for n in names]
    if all_assignments and lessons.exists():
        folders = sorted(p for p in lessons.iterdir() if p.is_dir() and not p.name.startswith("."))
    for folder in folders:
        for nb in sorted(folder.rglob("*.ipynb")):
            rel = nb.relative_to(lessons).as_posix()
            if ".ipynb_checkpoints" not in nb.parts and rel not in expected:
                drift.append(Drift(rel, "stale"))
    return drift


def release(solutions: Path, lessons: Path, wanted: list[str] | None = None,
            check: bool = False) -> list[Drift]:
    """Bring lessons/ in line with solutions/ (or, with check, only report the drift).
    Returns the drift found before writing; stale notebooks are reported, never deleted."""
    names = courseroot.assignments(solutions, wanted)
    expected = build(solutions, names)
    drift = compare(expected, lessons, names, all_assignments=not wanted)
    if not check:
        for item in drift:
            if item.kind in ("changed", "missing"):
                target = lessons / item.path
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(f".{target.name}.tmp")
                tmp.write_bytes(expected[item.path])
                tmp.replace(target)
    return drift
