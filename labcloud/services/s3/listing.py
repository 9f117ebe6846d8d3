"""One page of a bucket listing, exactly as S3 pages it.

S3 walks keys in UTF-8 binary order. With a delimiter, every key whose rest (after the
prefix) contains the delimiter rolls up into a common prefix, and a common prefix counts as
one entry towards MaxKeys. A page ends after MaxKeys entries; the next one starts strictly
after the last entry (a key or a common prefix), so paging never repeats or skips anything:
a common prefix at or before the marker was listed already and is not listed again.

When a batch of keys ends inside a rolled-up common prefix, the next query jumps to the first
key above everything that starts with it instead of reading every key under it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .store import ObjectInfo

BATCH = 1000
Scan = Callable[[bytes, bool, "bytes | None", int], list[ObjectInfo]]


@dataclass
class Page:
    contents: list[ObjectInfo] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    truncated: bool = False
    last: str | None = None  # the last entry on the page: where the next page starts after

    @property
    def count(self) -> int:
        return len(self.contents) + len(self.prefixes)


def successor(prefix: bytes) -> bytes | None:
    """The smallest byte string above every string that starts with `prefix` (None: none)."""
    trimmed = prefix.rstrip(b"\xff")
    if not trimmed:
        return None
    return trimmed[:-1] + bytes([trimmed[-1] + 1])


def list_page(scan: Scan, prefix: str = "", delimiter: str = "", after: str | None = None,
              max_keys: int = 1000, batch: int | None = None) -> Page:
    """Entries after `after` (a key or common prefix of an earlier page), at most max_keys.
    `batch` is how many rows each scan reads (a parameter so tests can make it tiny)."""
    page = Page()
    if max_keys <= 0:
        return page
    p, d = prefix.encode(), delimiter.encode()
    a = after.encode() if after else None
    upper = successor(p) if p else None
    lower, inclusive = (a, False) if a is not None and a >= p else (p, True)
    entries: list[tuple[bytes, ObjectInfo | None]] = []  # (key or common prefix, object)
    batch = batch or min(BATCH, max(max_keys + 1, 100))
    skip: bytes | None = None  # the common prefix being rolled up
    while len(entries) <= max_keys:
        rows = scan(lower, inclusive, upper, batch)
        for info in rows:
            k = info.key.encode()
            if skip is not None and k.startswith(skip):
                continue
            skip = None
            cut = k.find(d, len(p)) if d else -1
            if cut < 0:
                entries.append((k, info))
            else:
                skip = k[:cut + len(d)]
                if a is None or skip > a:
                    entries.append((skip, None))
            if len(entries) > max_keys:
                break
        if len(entries) > max_keys or len(rows) < batch:
            break
        last = rows[-1].key.encode()
        if skip is not None and last.startswith(skip):
            lower, inclusive = successor(skip), True  # jump over the rest of the roll-up
        else:
            lower, inclusive = last, False
        if lower is None or (upper is not None and lower >= upper):
            break
    page.truncated = len(entries) > max_keys
    for entry, info in entries[:max_keys]:
        if info is None:
            page.prefixes.append(entry.decode())
        else:
            page.contents.append(info)
        page.last = entry.decode()
    return page


def list_all(scan: Scan, prefix: str = "") -> list[ObjectInfo]:
    """Every object under a prefix, page after page (the in-process API's list_objects)."""
    out: list[ObjectInfo] = []
    after = None
    while True:
        page = list_page(scan, prefix, "", after, BATCH)
        out.extend(page.contents)
        if not page.truncated:
            return out
        after = page.last
