"""S3 for one labcloud: the rest-xml wire API (path-style) and an in-process API.

Training jobs and batch transforms read their input and write their artifacts through the
in-process API (`list_objects`, `object_file`, `put_object_file`...). It calls the same
S3Store and Multipart functions the wire handlers call, so an object written by a job and
one uploaded with boto3 are indistinguishable, down to the ETag.

Routing follows the path-style URL (`/bucket/key`), the method and S3's subresource query
parameters (`?uploads`, `?uploadId=`, `?delete`, `?location`, `?list-type=2`). Errors are
rendered as S3's <Error> document; HEAD errors carry no body (botocore then reports the bare
status, e.g. code "404", exactly as against AWS).
"""
from __future__ import annotations

import base64
import logging
import os
import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ...server.errors import AWSError
from ...server.http import Request, Response
from ...server.models import enum_values
from . import wire_buckets as wb
from . import wire_multipart as wm
from . import wire_objects as wo
from .errors import method_not_allowed, not_implemented
from .headers import DEFAULT_CONTENT_TYPE
from .listing import Scan, list_all
from .multipart import Multipart
from .store import NewBody, S3Store
from .xml import error_document

if TYPE_CHECKING:
    from ...server.app import Cloud

log = logging.getLogger("labcloud")
Handler = Callable[["S3Service", Request, str, str], Response]

# S3 features labcloud does not simulate: answered with S3's NotImplemented, never ignored
UNSUPPORTED_SUBRESOURCES = {
    "acl", "tagging", "policy", "policyStatus", "cors", "lifecycle", "versioning", "versions",
    "website", "logging", "notification", "replication", "encryption", "object-lock",
    "retention", "legal-hold", "torrent", "restore", "select", "attributes", "accelerate",
    "analytics", "inventory", "metrics", "ownershipControls", "publicAccessBlock",
    "requestPayment", "intelligent-tiering", "session", "renameObject", "metadataTable",
}


class S3Service:
    def __init__(self, cloud: "Cloud"):
        self.cloud = cloud
        self.store = S3Store(cloud.store, Path(cloud.home) / "s3", cloud.clock.now,
                             enum_values("s3", "BucketLocationConstraint"))
        self.multipart = Multipart(self.store)

    def resume(self) -> None:
        """At server start: drop what a crash may have left half-done."""
        self.store.recover()

    def scanner(self, bucket: str) -> Scan:
        return lambda lower, inclusive, upper, limit: self.store.scan(
            bucket, lower, inclusive, upper, limit)

    # ---- in-process API for other services ---------------------------------------------------
    def bucket_exists(self, bucket: str) -> bool:
        """True if the bucket exists (what HeadBucket answers with 200)."""
        return self.store.bucket_region(bucket) is not None

    def create_bucket(self, bucket: str) -> None:
        """Create a bucket in us-east-1 as CreateBucket without configuration does: an
        existing bucket is left as it is (S3's us-east-1 rule); a bad name is InvalidBucketName."""
        self.store.create_bucket(bucket)

    def list_objects(self, bucket: str, prefix: str = "") -> list[dict]:
        """Every object under `prefix` (all pages), in S3's key order, shaped like boto3's
        list_objects_v2 Contents: Key, Size, ETag (quoted) and LastModified (aware datetime).
        Raises AWSError NoSuchBucket."""
        self.store.require_bucket(bucket)
        return [{"Key": o.key, "Size": o.size, "ETag": o.quoted_etag,
                 "LastModified": datetime.fromtimestamp(int(o.modified), timezone.utc)}
                for o in list_all(self.scanner(bucket), prefix)]

    def object_file(self, bucket: str, key: str) -> Path:
        """The file holding the object's bytes, to read or copy right away and never to modify
        (bodies are immutable; an overwrite makes a new file and retires this one after a grace
        period). Raises AWSError NoSuchBucket / NoSuchKey."""
        return self.store.path(self.store.head(bucket, key))

    def put_object_bytes(self, bucket: str, key: str, data: bytes,
                         content_type: str | None = None) -> str:
        """Store `data` as the object, atomically replacing any previous one. Returns the
        quoted ETag, as boto3's put_object does."""
        return self._put(bucket, key, lambda: self.store.blobs.write([data]), content_type)

    def put_object_file(self, bucket: str, key: str, src_path: str | os.PathLike,
                        content_type: str | None = None, *, move: bool = False) -> str:
        """Store a local file as the object: copied in (or moved in with `move=True`, which
        saves a copy for large artifacts), then swapped in atomically. Returns the quoted ETag."""
        src = Path(src_path)
        return self._put(bucket, key, (lambda: self.store.blobs.adopt(src)) if move
                         else (lambda: self.store.blobs.write_file(src)), content_type)

    def delete_object(self, bucket: str, key: str) -> None:
        """Delete the object if it exists (S3 does not complain about a missing key).
        Raises AWSError NoSuchBucket."""
        self.store.delete(bucket, key)

    def _put(self, bucket: str, key: str, write: Callable, content_type: str | None) -> str:
        self.store.require_bucket(bucket)
        blob = write()
        body = NewBody(content_type or DEFAULT_CONTENT_TYPE, {}, {},
                       {"CRC32": blob.digest.crc32_b64})
        return self.store.put(bucket, key, blob, body).quoted_etag

    # ---- wire --------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        request_id = secrets.token_hex(8).upper()
        host_id = base64.b64encode(secrets.token_bytes(48)).decode()
        try:
            handler, bucket, key = self.route(request)
            response = handler(self, request, bucket, key)
        except AWSError as err:
            response = self._error(err, request, request_id, host_id)
        except Exception:  # a bug of ours: S3's own 500 (XML, retried by SDKs), logged in full
            log.exception("S3 %s %s failed", request.method, request.raw_path)
            response = self._error(AWSError("InternalError", "We encountered an internal error. "
                                            "Please try again.", 500, sender_fault=False),
                                   request, request_id, host_id)
        response.headers["x-amz-request-id"] = request_id
        response.headers["x-amz-id-2"] = host_id
        return response

    def route(self, request: Request) -> tuple[Handler, str, str]:
        method, q = request.method, request.query
        unsupported = sorted(UNSUPPORTED_SUBRESOURCES & set(q))
        if unsupported:
            raise not_implemented(f"?{unsupported[0]}")
        path = request.path
        bucket, _, key = path[1:].partition("/")
        if not bucket:
            if method == "GET":
                return wb.list_buckets, "", ""
            raise method_not_allowed(method, "SERVICE")
        if not key:
            return self._bucket_route(method, q), bucket, ""
        return self._object_route(method, q, request.headers), bucket, key

    @staticmethod
    def _bucket_route(method: str, q: dict[str, str]) -> Handler:
        if method == "GET":
            if "location" in q:
                return wb.get_bucket_location
            if "uploads" in q:
                return wb.list_multipart_uploads
            return wb.list_objects_v2 if q.get("list-type") == "2" else wb.list_objects
        if method == "PUT":
            return wb.create_bucket
        if method == "HEAD":
            return wb.head_bucket
        if method == "DELETE":
            return wb.delete_bucket
        if method == "POST" and "delete" in q:
            return wb.delete_objects
        raise method_not_allowed(method, "BUCKET")

    @staticmethod
    def _object_route(method: str, q: dict[str, str], headers: dict[str, str]) -> Handler:
        copy = "x-amz-copy-source" in headers
        if method == "PUT":
            if "uploadId" in q:
                return wm.upload_part_copy if copy else wm.upload_part
            return wo.copy_object if copy else wo.put_object
        if method == "GET":
            return wm.list_parts if "uploadId" in q else wo.get_object
        if method == "HEAD":
            return wo.head_object
        if method == "DELETE":
            return wm.abort_multipart_upload if "uploadId" in q else wo.delete_object
        if method == "POST":
            if "uploads" in q:
                return wm.create_multipart_upload
            if "uploadId" in q:
                return wm.complete_multipart_upload
        raise method_not_allowed(method, "OBJECT")

    @staticmethod
    def _error(err: AWSError, request: Request, request_id: str, host_id: str) -> Response:
        headers = {**err.headers}
        if request.method == "HEAD":
            return Response(err.status, b"", headers)
        body = error_document(err.code, err.message, err.extra, request_id, host_id)
        return Response(err.status, body, {"content-type": "application/xml", **headers})
