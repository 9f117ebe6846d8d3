"""Request bodies as S3 receives them: aws-chunked decoding and integrity checks.

Newer botocore (flexible checksums) and the other SDKs may send a body in the aws-chunked
content encoding: `<hex size>[;chunk-signature=...]\\r\\n<bytes>\\r\\n ... 0\\r\\n` followed by
trailer lines such as `x-amz-checksum-crc32:<base64>`. S3 stores the decoded bytes, checks
them against `x-amz-decoded-content-length` and every checksum the client sent (header or
trailer), and answers BadDigest when one does not match: a simulator that skipped the checks
would let a broken client pass here and fail on AWS. Signatures are not checked (no auth).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import zlib
from dataclasses import dataclass

from ...server.errors import AWSError
from ...server.http import Request
from .errors import bad_digest, invalid_request

# algorithm -> function computing its raw digest; others (CRC32C, CRC64NVME, ...) are stored
# as sent: verifying them needs awscrt, which labcloud does not depend on
_VERIFIERS = {
    "CRC32": lambda data: zlib.crc32(data).to_bytes(4, "big"),
    "SHA1": lambda data: hashlib.sha1(data).digest(),
    "SHA256": lambda data: hashlib.sha256(data).digest(),
}
_NOT_CHECKSUMS = {"x-amz-checksum-mode", "x-amz-checksum-algorithm", "x-amz-checksum-type"}


@dataclass
class Payload:
    data: bytes
    checksums: dict[str, str]  # algorithm -> base64 value, as sent (and verified where possible)
    content_encoding: str | None  # the object's own encoding (gzip...), aws-chunked removed


def read_payload(request: Request) -> Payload:
    h = request.headers
    encodings = [e.strip() for e in h.get("content-encoding", "").split(",") if e.strip()]
    streaming = h.get("x-amz-content-sha256", "").startswith("STREAMING-")
    trailers: dict[str, str] = {}
    data = request.body
    if "aws-chunked" in encodings or streaming:
        data, trailers = decode_aws_chunked(request.body)
        declared = h.get("x-amz-decoded-content-length")
        if declared is not None and declared.strip() != str(len(data)):
            raise AWSError("IncompleteBody", "You did not provide the number of bytes specified "
                           "by the Content-Length HTTP header", 400)
        encodings = [e for e in encodings if e != "aws-chunked"]
    claimed = {**_claimed(h), **_claimed(trailers)}
    for algorithm, value in claimed.items():
        _verify(algorithm, value, data)
    _check_content_md5(h.get("content-md5"), data)
    _check_content_sha256(h.get("x-amz-content-sha256", ""), data)
    return Payload(data, claimed, ",".join(encodings) or None)


def decode_aws_chunked(raw: bytes) -> tuple[bytes, dict[str, str]]:
    """The bytes and trailer headers of an aws-chunked body."""
    out: list[bytes] = []
    view = memoryview(raw)
    pos = 0
    while True:
        eol = raw.find(b"\r\n", pos)
        if eol < 0:
            raise _incomplete()
        try:
            size = int(raw[pos:eol].split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise _incomplete()
        pos = eol + 2
        if size == 0:
            break
        if pos + size + 2 > len(raw) or raw[pos + size:pos + size + 2] != b"\r\n":
            raise _incomplete()
        out.append(view[pos:pos + size])
        pos += size + 2
    trailers = {}
    for line in raw[pos:].split(b"\r\n"):
        name, sep, value = line.partition(b":")
        if sep:
            trailers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
    return b"".join(out), trailers


def _incomplete() -> AWSError:
    return AWSError("IncompleteBody", "The request body terminated unexpectedly", 400)


def _claimed(headers: dict[str, str]) -> dict[str, str]:
    return {name[len("x-amz-checksum-"):].upper(): value.strip()
            for name, value in headers.items()
            if name.startswith("x-amz-checksum-") and name not in _NOT_CHECKSUMS}


def _verify(algorithm: str, value: str, data: bytes) -> None:
    try:
        expected = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise invalid_request(f"Value for x-amz-checksum-{algorithm.lower()} header is invalid.")
    compute = _VERIFIERS.get(algorithm)
    if compute is not None and compute(data) != expected:
        raise bad_digest(algorithm)


def _check_content_md5(value: str | None, data: bytes) -> None:
    if value is None:
        return
    try:
        expected = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        expected = b""
    if len(expected) != 16:
        raise AWSError("InvalidDigest", "The Content-MD5 you specified was invalid.", 400,
                       extra={"Content-MD5": value})
    if hashlib.md5(data).digest() != expected:
        raise bad_digest("Content-MD5")


def _check_content_sha256(value: str, data: bytes) -> None:
    """A signed request carries the hex SHA-256 of its body; S3 refuses a body that differs."""
    value = value.strip().lower()
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        return  # UNSIGNED-PAYLOAD, STREAMING-..., or absent
    computed = hashlib.sha256(data).hexdigest()
    if computed != value:
        raise AWSError("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header "
                       "does not match what was computed.", 400,
                       extra={"ClientComputedContentSHA256": value,
                              "S3ComputedContentSHA256": computed})
