"""How an object describes itself in HTTP headers, on the way in and on the way out.

On upload S3 keeps Content-Type, the x-amz-meta-* user metadata (names lower-cased, as HTTP
headers are case-insensitive) and a few representation headers, and hands them back on every
GET and HEAD. GET can override some of them for one response (`response-content-type=...`,
which presigned download links use).
"""
from __future__ import annotations

from ...server.errors import AWSError
from ...server.models import enum_values
from .store import NewBody, ObjectInfo
from .xml import http_date

DEFAULT_CONTENT_TYPE = "binary/octet-stream"
METADATA_LIMIT = 2048  # bytes of user-defined metadata S3 accepts on a PUT
STORED_HEADERS = ("cache-control", "content-disposition", "content-encoding", "content-language",
                  "expires", "x-amz-website-redirect-location", "x-amz-storage-class")
RESPONSE_OVERRIDES = {
    "response-content-type": "content-type",
    "response-content-language": "content-language",
    "response-expires": "expires",
    "response-cache-control": "cache-control",
    "response-content-disposition": "content-disposition",
    "response-content-encoding": "content-encoding",
}


def new_body(headers: dict[str, str], checksums: dict[str, str] | None = None,
             content_encoding: str | None = None) -> NewBody:
    """The description of an object being written, from the request's headers.

    `content_encoding` is the encoding left once aws-chunked is removed (payload.py)."""
    metadata = {k[len("x-amz-meta-"):]: v for k, v in headers.items()
                if k.startswith("x-amz-meta-")}
    if sum(len(k) + len(v) for k, v in metadata.items()) > METADATA_LIMIT:
        raise AWSError("MetadataTooLarge", "Your metadata headers exceed the maximum allowed "
                       "metadata size.", 400, extra={"MaxSizeAllowed": METADATA_LIMIT})
    stored = {h: headers[h] for h in STORED_HEADERS if h in headers}
    stored.pop("content-encoding", None)
    if content_encoding:
        stored["content-encoding"] = content_encoding
    storage_class = stored.get("x-amz-storage-class")
    if storage_class is not None:
        if storage_class not in enum_values("s3", "StorageClass"):
            raise AWSError("InvalidStorageClass", "The storage class you specified is not valid",
                           400, extra={"StorageClassRequested": storage_class})
        if storage_class == "STANDARD":
            del stored["x-amz-storage-class"]
    return NewBody(headers.get("content-type") or DEFAULT_CONTENT_TYPE, metadata, stored,
                   dict(checksums or {}))


def checksum_headers(checksums: dict[str, str]) -> dict[str, str]:
    return {f"x-amz-checksum-{algorithm.lower()}": value for algorithm, value in checksums.items()}


def object_headers(info: ObjectInfo, query: dict[str, str], *, checksums: bool) -> dict[str, str]:
    """Headers of GET and HEAD. Checksums only when asked for (x-amz-checksum-mode: ENABLED)
    and only for the whole object: they describe the full body, never a range."""
    out = {
        "content-type": info.content_type,
        "etag": info.quoted_etag,
        "last-modified": http_date(info.modified),
        "accept-ranges": "bytes",
        "x-amz-server-side-encryption": "AES256",
        **info.headers,
        **{f"x-amz-meta-{k}": v for k, v in info.metadata.items()},
    }
    if checksums and info.checksums:
        out.update(checksum_headers(info.checksums))
        out["x-amz-checksum-type"] = "FULL_OBJECT"
    for param, header in RESPONSE_OVERRIDES.items():
        if param in query:
            out[header] = query[param]
    return out
