"""Multipart uploads: how boto3's upload_file and `aws s3 cp` send anything above 8 MB.

Parts are stored bodies like objects (see blobs.py) with rows in s3_parts. Completion checks
the part list as S3 does (ascending order, each part present with its ETag, every part but
the last at least 5 MiB), concatenates the parts into one new body and, in one transaction,
makes the object appear and the upload disappear. The object's ETag is S3's: the MD5 of the
concatenated binary MD5s of the parts, then "-<number of parts>".
"""
from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
from dataclasses import dataclass

from .blobs import Blob
from .errors import (entity_too_small, invalid_argument, invalid_part, invalid_part_order,
                     malformed_xml, no_such_upload)
from .listing import successor
from .names import key_bytes
from .store import NewBody, ObjectInfo, S3Store

MIN_PART_SIZE = 5 * 1024 * 1024
MAX_PART_NUMBER = 10000


@dataclass
class Upload:
    upload_id: str
    bucket: str
    key: str
    initiated: float
    body: NewBody


@dataclass
class Part:
    number: int
    size: int
    etag: str
    modified: float
    file: str


def check_part_number(value: str | int | None) -> int:
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= MAX_PART_NUMBER:
        raise invalid_argument("Part number must be an integer between 1 and 10000, inclusive",
                               "partNumber", str(value))
    return number


def _upload(row: sqlite3.Row) -> Upload:
    return Upload(row["upload_id"], row["bucket"], bytes(row["key"]).decode(), row["initiated"],
                  NewBody(row["content_type"], json.loads(row["metadata"]),
                          json.loads(row["headers"]), {}))


class Multipart:
    def __init__(self, store: S3Store):
        self.store = store
        self.db = store.db

    def create(self, bucket: str, key: str, body: NewBody) -> Upload:
        kb = key_bytes(key)
        upload_id = secrets.token_urlsafe(48)
        now = self.store.now()
        with self.db.transaction() as conn:
            self.store.require_bucket(bucket)
            seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM s3_uploads").fetchone()[0]
            conn.execute("INSERT INTO s3_uploads(upload_id, seq, bucket, key, initiated, "
                         "content_type, metadata, headers) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (upload_id, seq, bucket, kb, now, body.content_type,
                          json.dumps(body.metadata), json.dumps(body.headers)))
        return Upload(upload_id, bucket, key, now, body)

    def get(self, bucket: str, key: str, upload_id: str,
            conn: sqlite3.Connection | None = None) -> Upload:
        """The upload, or NoSuchBucket / NoSuchUpload (also when it belongs to another key)."""
        run = (conn or self.db.conn).execute
        row = run("SELECT * FROM s3_uploads WHERE upload_id=?", (upload_id,)).fetchone()
        if row is None or row["bucket"] != bucket or bytes(row["key"]) != key_bytes(key):
            self.store.require_bucket(bucket)
            raise no_such_upload(upload_id)
        return _upload(row)

    def put_part(self, bucket: str, key: str, upload_id: str, number: int, blob: Blob) -> Part:
        """Store one part (replacing an earlier upload of the same part number)."""
        part = Part(number, blob.digest.size, blob.digest.etag, self.store.now(), blob.name)
        try:
            with self.db.transaction() as conn:
                self.get(bucket, key, upload_id, conn)
                old = conn.execute("SELECT file FROM s3_parts WHERE upload_id=? AND part=?",
                                   (upload_id, number)).fetchone()
                conn.execute("INSERT OR REPLACE INTO s3_parts(upload_id, part, size, etag, "
                             "modified, file) VALUES (?, ?, ?, ?, ?, ?)",
                             (upload_id, number, part.size, part.etag, part.modified, part.file))
        except BaseException:
            self.store.blobs.remove(blob.name)
            raise
        if old is not None:
            self.store.blobs.remove(old["file"])  # parts are never served: no reader to wait for
        return part

    def parts(self, upload_id: str) -> list[Part]:
        rows = self.db.query("SELECT part, size, etag, modified, file FROM s3_parts "
                             "WHERE upload_id=? ORDER BY part", (upload_id,))
        return [Part(r["part"], r["size"], r["etag"], r["modified"], r["file"]) for r in rows]

    def complete(self, bucket: str, key: str, upload_id: str,
                 requested: list[tuple[int, str]]) -> ObjectInfo:
        upload = self.get(bucket, key, upload_id)
        if not requested:
            raise malformed_xml()
        numbers = [n for n, _ in requested]
        if any(b <= a for a, b in zip(numbers, numbers[1:])):
            raise invalid_part_order(upload_id)
        stored = {p.number: p for p in self.parts(upload_id)}
        chosen: list[Part] = []
        for number, etag in requested:
            part = stored.get(number)
            if part is None or part.etag != etag.strip().strip('"'):
                raise invalid_part(upload_id, number, etag)
            chosen.append(part)
        for part in chosen[:-1]:
            if part.size < MIN_PART_SIZE:
                raise entity_too_small(part.size, MIN_PART_SIZE, part.number,
                                       f'"{part.etag}"')
        blob = self.store.blobs.concat([p.file for p in chosen])
        md5s = b"".join(bytes.fromhex(p.etag) for p in chosen)
        body = NewBody(upload.body.content_type, upload.body.metadata, upload.body.headers, {},
                       etag=f"{hashlib.md5(md5s).hexdigest()}-{len(chosen)}", parts=len(chosen))
        files: list[str] = []

        def retire_upload(conn: sqlite3.Connection) -> None:
            self.get(bucket, key, upload_id, conn)  # not completed or aborted meanwhile
            files.extend(r["file"] for r in conn.execute(
                "SELECT file FROM s3_parts WHERE upload_id=?", (upload_id,)))
            conn.execute("DELETE FROM s3_uploads WHERE upload_id=?", (upload_id,))

        info = self.store.put(bucket, key, blob, body, within=retire_upload)
        for name in files:
            self.store.blobs.remove(name)
        return info

    def abort(self, bucket: str, key: str, upload_id: str) -> None:
        with self.db.transaction() as conn:
            self.get(bucket, key, upload_id, conn)
            files = [r["file"] for r in conn.execute(
                "SELECT file FROM s3_parts WHERE upload_id=?", (upload_id,))]
            conn.execute("DELETE FROM s3_uploads WHERE upload_id=?", (upload_id,))
        for name in files:
            self.store.blobs.remove(name)

    def uploads(self, bucket: str, prefix: str = "") -> list[Upload]:
        """Unfinished uploads in S3's order: by key, then by initiation."""
        self.store.require_bucket(bucket)
        p = prefix.encode()
        sql, params = "SELECT * FROM s3_uploads WHERE bucket=? AND key >= ?", [bucket, p]
        upper = successor(p) if p else None
        if upper is not None:
            sql += " AND key < ?"
            params.append(upper)
        return [_upload(r) for r in self.db.query(sql + " ORDER BY key, seq", params)]
