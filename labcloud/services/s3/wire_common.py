"""Small pieces every S3 wire handler shares: XML responses, query parameters, tokens."""
from __future__ import annotations

import base64
import binascii
from typing import Callable
from urllib.parse import unquote

from ...server.http import Response
from .errors import invalid_argument
from .xml import document, url_encode

XML = {"content-type": "application/xml"}


def xml_response(root: str, inner: str, status: int = 200,
                 headers: dict[str, str] | None = None) -> Response:
    return Response(status, document(root, inner), {**XML, **(headers or {})})


def int_param(query: dict[str, str], name: str, default: int, low: int, high: int,
              message: str) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid_argument(message, name, raw)
    if value < low:
        raise invalid_argument(message, name, raw)
    return min(value, high)


def encoder(query: dict[str, str]) -> Callable[[str], str]:
    """EncodingType=url (boto3 asks for it on every list call) or plain."""
    encoding = query.get("encoding-type")
    if encoding is None:
        return lambda value: value
    if encoding != "url":
        raise invalid_argument("Invalid Encoding Method specified in Request", "encoding-type",
                               encoding)
    return url_encode


def make_token(marker: str) -> str:
    """An opaque continuation token: where the next page starts after."""
    return base64.urlsafe_b64encode(b"\x01" + marker.encode()).decode()


def read_token(token: str, name: str = "continuation-token") -> str:
    try:
        data = base64.urlsafe_b64decode(token.encode())
        if not data.startswith(b"\x01"):
            raise ValueError
        return data[1:].decode()
    except (binascii.Error, ValueError, UnicodeError):
        raise invalid_argument("The continuation token provided is incorrect", name, token)


def parse_copy_source(value: str) -> tuple[str, str]:
    """x-amz-copy-source: "[/]bucket/key[?versionId=...]", the key URL-encoded."""
    path = value.split("?", 1)[0]
    path = unquote(path).lstrip("/")
    bucket, _, key = path.partition("/")
    if not bucket or not key:
        raise invalid_argument("Copy Source must mention the source bucket and key: "
                               "sourcebucket/sourcekey", "x-amz-copy-source", value)
    return bucket, key
