"""Wire handlers of multipart uploads (the logic lives in multipart.py)."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote

from ... import config
from ...server.http import Request, Response
from . import preconditions
from .errors import invalid_argument, malformed_xml
from .headers import checksum_headers, new_body
from .multipart import MAX_PART_NUMBER, check_part_number
from .names import key_bytes
from .payload import read_payload
from .wire_common import encoder, int_param, parse_copy_source, xml_response
from .xml import el, iso, owner, parse, raw, text

if TYPE_CHECKING:
    from .service import S3Service

_COPY_RANGE = re.compile(r"bytes=(\d+)-(\d+)")


def create_multipart_upload(s3: "S3Service", req: Request, bucket: str, key: str) -> Response:
    key_bytes(key)
    upload = s3.multipart.create(bucket, key, new_body(req.headers))
    return xml_response("InitiateMultipartUploadResult", el("Bucket", bucket) + el("Key", key)
                        + el("UploadId", upload.upload_id))


def upload_part(s3: "S3Service", req: Request, bucket: str, key: str) -> Response:
    q = req.query
    number = check_part_number(q.get("partNumber"))
    s3.multipart.get(bucket, key, q["uploadId"])  # before writing the body
    payload = read_payload(req)
    blob = s3.store.blobs.write([payload.data])
    part = s3.multipart.put_part(bucket, key, q["uploadId"], number, blob)
    return Response(200, b"", {"etag": f'"{part.etag}"', "x-amz-server-side-encryption": "AES256",
                               **checksum_headers(payload.checksums)})


def upload_part_copy(s3: "S3Service", req: Request, bucket: str, key: str) -> Response:
    q, h = req.query, req.headers
    number = check_part_number(q.get("partNumber"))
    s3.multipart.get(bucket, key, q["uploadId"])
    src_bucket, src_key = parse_copy_source(h["x-amz-copy-source"])
    src = s3.store.head(src_bucket, src_key)
    preconditions.check(h, src, prefix="x-amz-copy-source-")
    start, length = 0, src.size
    if "x-amz-copy-source-range" in h:
        m = _COPY_RANGE.fullmatch(h["x-amz-copy-source-range"].strip())
        if not m or int(m.group(2)) < int(m.group(1)):
            raise invalid_argument(
                "The x-amz-copy-source-range value must be of the form bytes=first-last where "
                "first and last are the zero-based offsets of the first and last bytes to copy",
                "x-amz-copy-source-range", h["x-amz-copy-source-range"])
        first, last = int(m.group(1)), int(m.group(2))
        if last >= src.size:
            raise invalid_argument(f"Range specified is not valid for source object of size: "
                                   f"{src.size}", "x-amz-copy-source-range",
                                   h["x-amz-copy-source-range"])
        start, length = first, last - first + 1
    blob = s3.store.blobs.write_file(s3.store.path(src), start, length)
    part = s3.multipart.put_part(bucket, key, q["uploadId"], number, blob)
    return xml_response("CopyPartResult", el("LastModified", iso(part.modified))
                        + el("ETag", f'"{part.etag}"'))


def complete_multipart_upload(s3: "S3Service", req: Request, bucket: str, key: str) -> Response:
    upload_id = req.query["uploadId"]
    s3.multipart.get(bucket, key, upload_id)
    doc = parse(read_payload(req).data)
    if doc.tag != "CompleteMultipartUpload":
        raise malformed_xml()
    requested = []
    for node in doc.findall("Part"):
        number, etag = text(node, "PartNumber"), text(node, "ETag")
        if number is None or etag is None or not number.strip().isdigit():
            raise malformed_xml()
        requested.append((int(number), etag))
    info = s3.multipart.complete(bucket, key, upload_id, requested)
    host = req.headers.get("host", f"{config.HOST}")
    location = f"http://{host}/{bucket}/{quote(key, safe='/')}"
    return xml_response("CompleteMultipartUploadResult", el("Location", location)
                        + el("Bucket", bucket) + el("Key", key) + el("ETag", info.quoted_etag),
                        headers={"x-amz-server-side-encryption": "AES256"})


def abort_multipart_upload(s3: "S3Service", req: Request, bucket: str, key: str) -> Response:
    s3.multipart.abort(bucket, key, req.query["uploadId"])
    return Response(204)


def list_parts(s3: "S3Service", req: Request, bucket: str, key: str) -> Response:
    q = req.query
    encoder(q)  # validates encoding-type
    upload = s3.multipart.get(bucket, key, q["uploadId"])
    limit = int_param(q, "max-parts", 1000, 0, 1000,
                      "Argument max-parts must be an integer between 0 and 2147483647")
    marker = int_param(q, "part-number-marker", 0, 0, MAX_PART_NUMBER,
                       "Argument partNumberMarker must be an integer.")
    parts = [p for p in s3.multipart.parts(upload.upload_id) if p.number > marker]
    page = parts[:limit]
    truncated = len(parts) > limit
    inner = (el("Bucket", bucket) + el("Key", key) + el("UploadId", upload.upload_id)
             + el("PartNumberMarker", marker)
             + el("NextPartNumberMarker", page[-1].number if page else marker)
             + el("MaxParts", limit) + el("IsTruncated", truncated))
    inner += "".join(raw("Part", el("PartNumber", p.number) + el("LastModified", iso(p.modified))
                         + el("ETag", f'"{p.etag}"') + el("Size", p.size)) for p in page)
    inner += (raw("Initiator", el("ID", f"arn:aws:iam::{config.ACCOUNT_ID}:root")
                  + el("DisplayName", "labcloud"))
              + owner() + el("StorageClass", upload.body.headers.get("x-amz-storage-class",
                                                                     "STANDARD")))
    return xml_response("ListPartsResult", inner)
