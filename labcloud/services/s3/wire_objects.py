"""Wire handlers of single-object operations: put, get, head, delete, copy."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ...server.http import Request, Response
from . import preconditions
from .errors import invalid_argument, invalid_request
from .headers import checksum_headers, new_body, object_headers
from .names import key_bytes
from .payload import read_payload
from .ranges import parse_range
from .store import NewBody
from .wire_common import parse_copy_source, xml_response
from .xml import el, http_date, iso

if TYPE_CHECKING:
    from .service import S3Service

SSE = {"x-amz-server-side-encryption": "AES256"}  # S3 encrypts every new object since 2023


def put_object(s3: "S3Service", req: Request, bucket: str, key: str) -> Response:
    key_bytes(key)
    s3.store.require_bucket(bucket)  # before writing the body, not only after
    payload = read_payload(req)
    body = new_body(req.headers, payload.checksums, payload.content_encoding)
    blob = s3.store.blobs.write([payload.data])
    body.checksums.setdefault("CRC32", blob.digest.crc32_b64)
    if_none_match = req.headers.get("if-none-match", "").strip() == "*"
    info = s3.store.put(bucket, key, blob, body, if_none_match=if_none_match)
    return Response(200, b"", {"etag": info.quoted_etag, **SSE,
                               **checksum_headers(payload.checksums)})


def _read(s3: "S3Service", req: Request, bucket: str, key: str, head: bool) -> Response:
    info = s3.store.head(bucket, key)
    try:
        preconditions.check(req.headers, info)
    except preconditions.NotModified:
        return Response(304, b"", {"etag": info.quoted_etag,
                                   "last-modified": http_date(info.modified)})
    span = parse_range(req.headers.get("range"), info.size)
    whole = span is None
    checksum_mode = req.headers.get("x-amz-checksum-mode", "").upper() == "ENABLED"
    headers = object_headers(info, req.query, checksums=whole and checksum_mode)
    if whole:
        status, start, length = 200, 0, info.size
    else:
        start, end = span
        status, length = 206, end - start + 1
        headers["content-range"] = f"bytes {start}-{end}/{info.size}"
    if head:
        headers["content-length"] = str(length)
        return Response(status, b"", headers)
    # streamed from disk by the server, never read into memory here
    return Response(status, b"", headers, file=(str(s3.store.path(info)), start, length))


def get_object(s3: "S3Service", req: Request, bucket: str, key: str) -> Response:
    return _read(s3, req, bucket, key, head=False)


def head_object(s3: "S3Service", req: Request, bucket: str, key: str) -> Response:
    return _read(s3, req, bucket, key, head=True)


def delete_object(s3: "S3Service", req: Request, bucket: str, key: str) -> Response:
    s3.store.delete(bucket, key)
    return Response(204)


def copy_object(s3: "S3Service", req: Request, bucket: str, key: str) -> Response:
    h = req.headers
    src_bucket, src_key = parse_copy_source(h["x-amz-copy-source"])
    src = s3.store.head(src_bucket, src_key)
    preconditions.check(h, src, prefix="x-amz-copy-source-")
    directive = h.get("x-amz-metadata-directive", "COPY").upper()
    if directive not in ("COPY", "REPLACE"):
        raise invalid_argument("Unknown metadata directive.", "x-amz-metadata-directive",
                               h["x-amz-metadata-directive"])
    same = (src_bucket, src_key) == (bucket, key)
    if same and directive == "COPY" and not any(
            n in h for n in ("x-amz-storage-class", "x-amz-website-redirect-location",
                             "x-amz-server-side-encryption")):
        raise invalid_request("This copy request is illegal because it is trying to copy an "
                              "object to itself without changing the object's metadata, storage "
                              "class, website redirect location or encryption attributes.")
    if directive == "COPY":
        requested = new_body(h)  # only for a storage class given with the copy
        headers = dict(src.headers)
        headers.pop("x-amz-storage-class", None)
        headers.update({k: v for k, v in requested.headers.items() if k == "x-amz-storage-class"})
        body = NewBody(src.content_type, dict(src.metadata), headers, {})
    else:
        body = new_body(h)
    blob = s3.store.blobs.write_file(s3.store.path(src))
    if not src.parts:  # same bytes: the source's checksums still hold
        body.checksums.update(src.checksums)
    body.checksums.setdefault("CRC32", blob.digest.crc32_b64)
    info = s3.store.put(bucket, key, blob, body)
    return xml_response("CopyObjectResult", el("LastModified", iso(info.modified))
                        + el("ETag", info.quoted_etag), headers=SSE)
