"""Keep the course gradebook exactly as this process last wrote it.

Student code runs as the same Unix user as the grader, so while submissions run, any of them
could open the course gradebook and rewrite grades (the anchors document shows it done). Only
the grader writes that file during a grading run, so it keeps the bytes of its last write: if
the file differs before the next write, someone else changed it, and it is put back.
"""
from __future__ import annotations

import hashlib
from pathlib import Path


class GradebookGuard:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.snapshot()

    def snapshot(self) -> None:
        """Remember the file as it is now (call right after our own write)."""
        self._bytes = self.path.read_bytes()
        self._digest = hashlib.sha256(self._bytes).hexdigest()

    def verify(self) -> bool:
        """True if untouched since the last snapshot; otherwise restore it and return False."""
        journals = [self.path.with_name(self.path.name + s) for s in ("-journal", "-wal", "-shm")]
        current = self.path.read_bytes() if self.path.exists() else b""
        if hashlib.sha256(current).hexdigest() == self._digest and not any(j.exists() for j in journals):
            return True
        self.restore()
        return False

    def restore(self) -> None:
        """Put back the last snapshot: after tampering, or to roll back a failed write of ours."""
        for suffix in ("-journal", "-wal", "-shm"):   # a hot journal would be replayed into it
            self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.restore")
        tmp.write_bytes(self._bytes)
        tmp.replace(self.path)
