"""Which bucket names and keys S3 accepts.

Bucket names are checked here, on the server, because botocore only checks a loose pattern
(`[a-zA-Z0-9.\\-_]{1,255}`): "MyBucket", "ab" or "10.0.0.1" reach the server and S3 refuses
them there. A key is any UTF-8 string of at most 1024 bytes; it is never used as a file path
(objects live in files named by a random id), so "../../x" is as harmless as "x".
"""
from __future__ import annotations

import re

from ...server.errors import AWSError
from .errors import invalid_bucket_name

MAX_KEY_BYTES = 1024
_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_IP = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}")
# general purpose bucket rules: prefixes and suffixes AWS reserves for its own features
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def is_valid_bucket_name(name: str) -> bool:
    """S3's rules for general purpose buckets: 3-63 characters of a-z, 0-9, '.' and '-',
    starting and ending with a letter or digit, no '..', not shaped like an IP address."""
    return (_NAME.fullmatch(name) is not None and ".." not in name
            and _IP.fullmatch(name) is None
            and not name.startswith(_RESERVED_PREFIXES)
            and not name.endswith(_RESERVED_SUFFIXES))


def check_bucket_name(name: str) -> None:
    if not is_valid_bucket_name(name):
        raise invalid_bucket_name(name)


def key_bytes(key: str) -> bytes:
    """The key as stored and ordered: its UTF-8 bytes (S3 lists keys in UTF-8 binary order)."""
    try:
        data = key.encode("utf-8")
    except UnicodeEncodeError:
        raise AWSError("InvalidArgument", "Object key is not valid UTF-8.")
    if len(data) > MAX_KEY_BYTES:
        raise AWSError("KeyTooLongError", "Your key is too long",
                       extra={"Size": len(data), "MaxSizeAllowed": MAX_KEY_BYTES})
    return data
