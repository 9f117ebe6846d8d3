"""Object bytes on disk: one immutable file per stored body, named by a random id.

Why random ids rather than paths built from keys: a key is an arbitrary string ("../../x",
"/abs", "a\\0b", 1024 bytes long) and must never become a path, and an overwrite must swap the
whole body at once. So a body is written to `tmp/`, digested on the way, renamed into
`data/<id[:2]>/<id>` (atomic, same filesystem), and only then does a database row point at it.
A file is never modified after that: a new body gets a new id.

Files that rows stop pointing at go to a trash table and are unlinked after a grace period,
because a GET may have looked the path up a moment before an overwrite and open it a moment
after (the response streams the file after the handler returned). Once open, an unlinked file
stays readable, so a short grace is enough.
"""
from __future__ import annotations

import base64
import hashlib
import os
import shutil
import time
import uuid
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

COPY_CHUNK = 1 << 20


@dataclass
class Digest:
    """What S3 reports about a body, computed once while writing it."""
    size: int = 0
    md5: "hashlib._Hash" = field(default_factory=hashlib.md5)
    crc32: int = 0

    def update(self, chunk: bytes) -> None:
        self.size += len(chunk)
        self.md5.update(chunk)
        self.crc32 = zlib.crc32(chunk, self.crc32)

    @property
    def etag(self) -> str:
        return self.md5.hexdigest()

    @property
    def crc32_b64(self) -> str:
        return base64.b64encode(self.crc32.to_bytes(4, "big")).decode()


@dataclass
class Blob:
    """A body written into the data area, not yet referenced by any row."""
    name: str  # relative to the data folder: "ab/ab12..."
    digest: Digest


class Blobs:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.data = self.root / "data"
        self.tmp = self.root / "tmp"
        self.data.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)

    def path(self, name: str) -> Path:
        return self.data / name

    def write(self, chunks: Iterable[bytes]) -> Blob:
        """Write a body from chunks: temp file, digest, atomic rename into the data area."""
        ident = uuid.uuid4().hex
        tmp = self.tmp / ident
        digest = Digest()
        try:
            with open(tmp, "wb") as f:
                for chunk in chunks:
                    if chunk:
                        digest.update(chunk)
                        f.write(chunk)
            return Blob(self._install(tmp, ident), digest)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def write_file(self, src: Path, offset: int = 0, length: int | None = None) -> Blob:
        """Copy (a region of) a local file in: used for put_object_file, copies and part copies."""
        return self.write(read_region(src, offset, length))

    def concat(self, names: list[str]) -> Blob:
        """One body made of several stored bodies in order (multipart completion)."""
        def chunks():
            for name in names:
                yield from read_region(self.path(name))
        return self.write(chunks())

    def adopt(self, src: Path) -> Blob:
        """Move a local file in instead of copying it, when it lives on the same filesystem."""
        digest = Digest()
        for chunk in read_region(src):
            digest.update(chunk)
        ident = uuid.uuid4().hex
        tmp = self.tmp / ident
        try:
            os.replace(src, tmp)
            os.utime(tmp)  # its age is its age here (recovery spares young files)
        except OSError:  # another filesystem: copy instead
            shutil.copyfile(src, tmp)
        return Blob(self._install(tmp, ident), digest)

    def _install(self, tmp: Path, ident: str) -> str:
        name = f"{ident[:2]}/{ident}"
        target = self.data / name
        target.parent.mkdir(exist_ok=True)
        os.replace(tmp, target)
        return name

    def remove(self, name: str) -> None:
        try:
            self.path(name).unlink()
        except FileNotFoundError:
            pass

    def clear_tmp(self, older_than: float) -> None:
        """Half-written bodies of a server that died mid-upload: nobody will finish them.
        Recent ones are spared in case another process on this home is writing right now."""
        for item in self.tmp.iterdir():
            if _age(item) > older_than:
                item.unlink(missing_ok=True)

    def names_older_than(self, seconds: float) -> set[str]:
        return {f"{d.name}/{f.name}" for d in self.data.iterdir() if d.is_dir()
                for f in d.iterdir() if _age(f) > seconds}


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def read_region(path: Path, offset: int = 0, length: int | None = None) -> Iterable[bytes]:
    with open(path, "rb") as f:
        f.seek(offset)
        remaining = length
        while remaining is None or remaining > 0:
            chunk = f.read(COPY_CHUNK if remaining is None else min(COPY_CHUNK, remaining))
            if not chunk:
                break
            if remaining is not None:
                remaining -= len(chunk)
            yield chunk

