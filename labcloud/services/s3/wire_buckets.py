"""Wire handlers of bucket-level operations: buckets themselves, listings, batch delete."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ... import config
from ...server.errors import AWSError
from ...server.http import Request, Response
from .errors import malformed_xml
from .listing import list_page
from .payload import read_payload
from .store import DEFAULT_REGION
from .wire_common import encoder, int_param, make_token, read_token, xml_response
from .xml import el, iso, owner, parse, raw, text

if TYPE_CHECKING:
    from .service import S3Service

MAX_KEYS_MESSAGE = "Provided max-keys not an integer or within integer range"


def region_of(location: str) -> str:
    return "eu-west-1" if location == "EU" else location


def list_buckets(s3: "S3Service", req: Request, bucket: str, key: str) -> Response:
    q = req.query
    prefix = q.get("prefix", "")
    region = q.get("bucket-region")
    limit = int_param(q, "max-buckets", 10000, 1, 10000,
                      "Argument max-buckets must be an integer between 1 and 10000")
    after = read_token(q["continuation-token"]) if q.get("continuation-token") else None
    rows = [r for r in s3.store.buckets()
            if r["name"].startswith(prefix) and (after is None or r["name"] > after)
            and (region is None or region_of(r["region"]) == region)]
    page = rows[:limit]
    items = "".join(raw("Bucket", el("Name", r["name"]) + el("CreationDate", iso(r["created"]))
                        + el("BucketRegion", region_of(r["region"]))) for r in page)
    inner = owner() + raw("Buckets", items)
    if len(rows) > limit:
        inner += el("ContinuationToken", make_token(page[-1]["name"]))
    if "prefix" in q:
        inner += el("Prefix", prefix)
    return xml_response("ListAllMyBucketsResult", inner)


def create_bucket(s3: "S3Service", req: Request, bucket: str, key: str) -> Response:
    location = None
    if req.body.strip():
        config = parse(req.body)
        if config.tag != "CreateBucketConfiguration":
            raise malformed_xml()
        location = text(config, "LocationConstraint") or None
    s3.store.create_bucket(bucket, location)
    return Response(200, b"", {"location": f"/{bucket}"})


def head_bucket(s3: "S3Service", req: Request, bucket: str, key: str) -> Response:
    region = s3.store.require_bucket(bucket)
    return Response(200, b"", {"x-amz-bucket-region": region_of(region),
                               "x-amz-access-point-alias": "false"})


def delete_bucket(s3: "S3Service", req: Request, bucket: str, key: str) -> Response:
    s3.store.delete_bucket(bucket)
    return Response(204)


def get_bucket_location(s3: "S3Service", req: Request, bucket: str, key: str) -> Response:
    region = s3.store.require_bucket(bucket)
    value = "" if region == DEFAULT_REGION else region  # us-east-1 is the empty constraint
    return xml_response("LocationConstraint", value)


def _contents(info, enc, with_owner: bool) -> str:
    inner = (el("Key", enc(info.key)) + el("LastModified", iso(info.modified))
             + el("ETag", info.quoted_etag)
             + "".join(el("ChecksumAlgorithm", a) for a in info.checksums)
             + (el("ChecksumType", "FULL_OBJECT") if info.checksums else "")
             + el("Size", info.size) + el("StorageClass", info.storage_class))
    if with_owner:
        inner += owner()
    return raw("Contents", inner)


def list_objects(s3: "S3Service", req: Request, bucket: str, key: str) -> Response:
    """ListObjects (v1): Marker / NextMarker (NextMarker only with a delimiter, as S3)."""
    q = req.query
    enc = encoder(q)
    s3.store.require_bucket(bucket)
    max_keys = int_param(q, "max-keys", 1000, 0, 1000, MAX_KEYS_MESSAGE)
    prefix, delimiter, marker = q.get("prefix", ""), q.get("delimiter", ""), q.get("marker", "")
    page = list_page(s3.scanner(bucket), prefix, delimiter, marker or None, max_keys)
    inner = (el("Name", bucket) + el("Prefix", enc(prefix)) + el("Marker", enc(marker))
             + el("MaxKeys", max_keys) + (el("Delimiter", enc(delimiter)) if delimiter else "")
             + el("IsTruncated", page.truncated))
    if page.truncated and delimiter:
        inner += el("NextMarker", enc(page.last or ""))
    if "encoding-type" in q:
        inner += el("EncodingType", q["encoding-type"])
    inner += "".join(_contents(info, enc, True) for info in page.contents)
    inner += "".join(raw("CommonPrefixes", el("Prefix", enc(p))) for p in page.prefixes)
    return xml_response("ListBucketResult", inner)


def list_objects_v2(s3: "S3Service", req: Request, bucket: str, key: str) -> Response:
    q = req.query
    enc = encoder(q)
    s3.store.require_bucket(bucket)
    max_keys = int_param(q, "max-keys", 1000, 0, 1000, MAX_KEYS_MESSAGE)
    prefix, delimiter = q.get("prefix", ""), q.get("delimiter", "")
    token, start_after = q.get("continuation-token"), q.get("start-after")
    after = read_token(token) if token else start_after
    page = list_page(s3.scanner(bucket), prefix, delimiter, after or None, max_keys)
    inner = (el("Name", bucket) + el("Prefix", enc(prefix)) + el("KeyCount", page.count)
             + el("MaxKeys", max_keys) + (el("Delimiter", enc(delimiter)) if delimiter else "")
             + el("IsTruncated", page.truncated))
    if token:
        inner += el("ContinuationToken", token)
    if start_after is not None:
        inner += el("StartAfter", enc(start_after))
    if page.truncated:
        inner += el("NextContinuationToken", make_token(page.last or ""))
    if "encoding-type" in q:
        inner += el("EncodingType", q["encoding-type"])
    with_owner = q.get("fetch-owner", "").lower() == "true"
    inner += "".join(_contents(info, enc, with_owner) for info in page.contents)
    inner += "".join(raw("CommonPrefixes", el("Prefix", enc(p))) for p in page.prefixes)
    return xml_response("ListBucketResult", inner)


def delete_objects(s3: "S3Service", req: Request, bucket: str, key: str) -> Response:
    payload = read_payload(req)  # botocore sends a checksum of the document: check it
    doc = parse(payload.data)
    if doc.tag != "Delete":
        raise malformed_xml()
    keys = [text(node, "Key") for node in doc.findall("Object")]
    if not keys or len(keys) > 1000 or any(k is None for k in keys):
        raise malformed_xml()
    quiet = (text(doc, "Quiet") or "").strip().lower() == "true"
    s3.store.require_bucket(bucket)
    out = []
    for k in keys:
        try:
            s3.store.delete(bucket, k)
        except AWSError as err:
            out.append(raw("Error", el("Key", k) + el("Code", err.code)
                           + el("Message", err.message)))
            continue
        if not quiet:
            out.append(raw("Deleted", el("Key", k)))
    return xml_response("DeleteResult", "".join(out))


def list_multipart_uploads(s3: "S3Service", req: Request, bucket: str, key: str) -> Response:
    q = req.query
    enc = encoder(q)
    prefix, delimiter = q.get("prefix", ""), q.get("delimiter", "")
    key_marker, id_marker = q.get("key-marker", ""), q.get("upload-id-marker", "")
    limit = int_param(q, "max-uploads", 1000, 0, 1000,
                      "Argument max-uploads must be an integer between 0 and 2147483647")
    uploads = s3.multipart.uploads(bucket, prefix)
    if key_marker:
        ids = [u.upload_id for u in uploads if u.key == key_marker]
        skip_same_key = id_marker not in ids  # no (known) upload-id-marker: skip the whole key
        cut = ids.index(id_marker) + 1 if not skip_same_key else len(ids)
        later_ids = set(ids[cut:])
        uploads = [u for u in uploads if u.key.encode() > key_marker.encode()
                   or u.upload_id in later_ids]
    entries: list[tuple[str, object]] = []  # (key or common prefix, upload or None)
    seen: set[str] = set()
    for u in uploads:
        cut = u.key.find(delimiter, len(prefix)) if delimiter else -1
        if cut >= 0:
            common = u.key[:cut + len(delimiter)]
            if common not in seen:
                seen.add(common)
                entries.append((common, None))
            continue
        entries.append((u.key, u))
    truncated = len(entries) > limit
    entries = entries[:limit]
    inner = (el("Bucket", bucket) + el("KeyMarker", enc(key_marker))
             + el("UploadIdMarker", id_marker) + el("MaxUploads", limit)
             + el("IsTruncated", truncated) + el("Prefix", enc(prefix))
             + (el("Delimiter", enc(delimiter)) if delimiter else ""))
    if truncated and entries:
        last_key, last = entries[-1]
        inner += el("NextKeyMarker", enc(last_key))
        inner += el("NextUploadIdMarker", last.upload_id if last is not None else "")
    if "encoding-type" in q:
        inner += el("EncodingType", q["encoding-type"])
    for name, u in entries:
        if u is None:
            inner += raw("CommonPrefixes", el("Prefix", enc(name)))
        else:
            inner += raw("Upload", el("Key", enc(u.key)) + el("UploadId", u.upload_id)
                         + raw("Initiator", el("ID", f"arn:aws:iam::{config.ACCOUNT_ID}:root")
                               + el("DisplayName", "labcloud"))
                         + owner() + el("StorageClass", u.body.headers.get(
                             "x-amz-storage-class", "STANDARD"))
                         + el("Initiated", iso(u.initiated)))
    return xml_response("ListMultipartUploadsResult", inner)
