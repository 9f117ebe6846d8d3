"""The Range header of GetObject, with S3's leniency.

S3 serves one range: `bytes=a-b`, `bytes=a-` or the suffix `bytes=-n`. A header it cannot
parse (or several ranges) is ignored and the whole object is sent with 200, as S3 does;
a range that parses but lies beyond the object is 416 InvalidRange.
"""
from __future__ import annotations

import re

from .errors import invalid_range

_RANGE = re.compile(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*")


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) inclusive byte offsets to send, or None for the whole object."""
    if not header:
        return None
    m = _RANGE.fullmatch(header)
    if not m or (not m.group(1) and not m.group(2)):
        return None
    first, last = m.group(1), m.group(2)
    if not first:  # suffix: the last n bytes
        n = int(last)
        if n == 0 or size == 0:
            raise invalid_range(header, size)
        return max(0, size - n), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None  # syntactically invalid: ignored
    if start >= size:
        raise invalid_range(header, size)
    return start, min(end, size - 1)
