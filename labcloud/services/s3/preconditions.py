"""Conditional requests (If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since).

Tools use them to avoid re-downloading unchanged objects and to make writes safe; S3 applies
RFC 7232's precedence: a true If-Match overrides a false If-Unmodified-Since, and a false
If-None-Match overrides a true If-Modified-Since.
"""
from __future__ import annotations

from email.utils import parsedate_to_datetime

from .errors import precondition_failed
from .store import ObjectInfo


class NotModified(Exception):
    """304: the caller's copy is current (GET and HEAD only)."""


def _etags(value: str) -> list[str]:
    return [t.strip().strip('"') for t in value.split(",") if t.strip()]


def _matches(value: str, info: ObjectInfo) -> bool:
    tags = _etags(value)
    return "*" in tags or info.etag in tags


def _date(value: str) -> float | None:
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None  # S3 ignores a date it cannot parse


def check(headers: dict[str, str], info: ObjectInfo, prefix: str = "") -> None:
    """Raise PreconditionFailed (412) or NotModified (304) as S3 would.

    `prefix` is "x-amz-copy-source-" for CopyObject's conditions on its source, where
    S3 answers 412 for every failed condition (there is nothing to be "not modified").
    """
    modified = float(int(info.modified))  # HTTP dates have whole seconds
    if_match = headers.get(prefix + "if-match")
    if_none_match = headers.get(prefix + "if-none-match")
    since = headers.get(prefix + "if-modified-since")
    unmodified = headers.get(prefix + "if-unmodified-since")
    if if_match is not None and not _matches(if_match, info):
        raise precondition_failed("If-Match")
    if if_match is None and unmodified is not None:
        ts = _date(unmodified)
        if ts is not None and modified > ts:
            raise precondition_failed("If-Unmodified-Since")
    if if_none_match is not None and _matches(if_none_match, info):
        if prefix:
            raise precondition_failed("If-None-Match")
        raise NotModified()
    if if_none_match is None and since is not None:
        ts = _date(since)
        if ts is not None and modified <= ts:
            if prefix:
                raise precondition_failed("If-Modified-Since")
            raise NotModified()

