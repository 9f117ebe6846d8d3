"""Buckets and objects: rows in SQLite, bodies in files (see blobs.py).

This is the one implementation of S3's state changes; the wire handlers and the in-process
API of S3Service both call it. Every change is: write the body file first (atomic rename),
then switch the row in one transaction, then retire the file the row used to point at. A
crash between the two steps leaves at worst an unreferenced file, which `recover()` removes
at the next start; it never leaves a row pointing at a missing or half-written file.

Keys are stored as BLOBs of their UTF-8 bytes so that SQLite's ORDER BY is S3's listing
order (UTF-8 binary) and a key with a NUL or any other character round-trips unchanged.
"""
from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ...server.state import Store
from .blobs import Blob, Blobs
from .errors import (bucket_already_owned, bucket_not_empty, invalid_location_constraint,
                     no_such_bucket, no_such_key, precondition_failed)
from .names import check_bucket_name, key_bytes

DEFAULT_REGION = "us-east-1"
TRASH_GRACE_SECONDS = 60.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS s3_buckets (
    name TEXT PRIMARY KEY,
    region TEXT NOT NULL,
    created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS s3_objects (
    bucket TEXT NOT NULL REFERENCES s3_buckets(name),
    key BLOB NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    modified REAL NOT NULL,
    content_type TEXT NOT NULL,
    metadata TEXT NOT NULL,
    headers TEXT NOT NULL,
    checksums TEXT NOT NULL,
    parts INTEGER,
    file TEXT NOT NULL,
    PRIMARY KEY (bucket, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS s3_uploads (
    upload_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    bucket TEXT NOT NULL REFERENCES s3_buckets(name),
    key BLOB NOT NULL,
    initiated REAL NOT NULL,
    content_type TEXT NOT NULL,
    metadata TEXT NOT NULL,
    headers TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS s3_uploads_by_key ON s3_uploads (bucket, key, seq);
CREATE TABLE IF NOT EXISTS s3_parts (
    upload_id TEXT NOT NULL REFERENCES s3_uploads(upload_id) ON DELETE CASCADE,
    part INTEGER NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    modified REAL NOT NULL,
    file TEXT NOT NULL,
    PRIMARY KEY (upload_id, part));
CREATE TABLE IF NOT EXISTS s3_trash (
    file TEXT PRIMARY KEY,
    since REAL NOT NULL);
"""

_OBJECT_COLUMNS = ("key, size, etag, modified, content_type, metadata, headers, checksums, "
                   "parts, file")


@dataclass
class ObjectInfo:
    """One stored object as S3 describes it. `etag` is the bare hex (no quotes)."""
    bucket: str
    key: str
    size: int
    etag: str
    modified: float
    content_type: str
    metadata: dict[str, str]
    headers: dict[str, str]  # cache-control, content-disposition, ... as sent at upload
    checksums: dict[str, str]  # algorithm ("CRC32", "SHA256"...) -> base64 value
    parts: int | None  # number of parts of a multipart object
    file: str

    @property
    def quoted_etag(self) -> str:
        return f'"{self.etag}"'

    @property
    def storage_class(self) -> str:
        return self.headers.get("x-amz-storage-class", "STANDARD")


@dataclass
class NewBody:
    """What a write supplies besides the bytes: how the object describes itself."""
    content_type: str
    metadata: dict[str, str]
    headers: dict[str, str]
    checksums: dict[str, str]
    etag: str | None = None  # multipart objects carry md5-of-md5s-N instead of the md5
    parts: int | None = None


def _object(bucket: str, row: sqlite3.Row) -> ObjectInfo:
    return ObjectInfo(bucket=bucket, key=bytes(row["key"]).decode("utf-8"), size=row["size"],
                      etag=row["etag"], modified=row["modified"],
                      content_type=row["content_type"], metadata=json.loads(row["metadata"]),
                      headers=json.loads(row["headers"]), checksums=json.loads(row["checksums"]),
                      parts=row["parts"], file=row["file"])


class S3Store:
    def __init__(self, store: Store, root: Path, now: Callable[[], float], regions: list[str]):
        self.db = store
        self.blobs = Blobs(root)
        self.now = now
        self.regions = set(regions)
        store.executescript(SCHEMA)

    # ---- buckets --------------------------------------------------------------------------
    def bucket_region(self, bucket: str) -> str | None:
        row = self.db.query_one("SELECT region FROM s3_buckets WHERE name=?", (bucket,))
        return row["region"] if row else None

    def require_bucket(self, bucket: str) -> str:
        """The bucket's region, or NoSuchBucket."""
        region = self.bucket_region(bucket)
        if region is None:
            raise no_such_bucket(bucket)
        return region

    def create_bucket(self, bucket: str, location: str | None = None) -> bool:
        """Create a bucket; False when it already existed and S3 answers 200 anyway.

        S3 keeps one legacy rule: in us-east-1, re-creating a bucket you own that lives in
        us-east-1 is a no-op 200. Everywhere else (and with a location constraint) it is
        BucketAlreadyOwnedByYou.
        """
        check_bucket_name(bucket)
        if location is not None and (location == DEFAULT_REGION or location not in self.regions):
            raise invalid_location_constraint(location)
        region = location or DEFAULT_REGION  # as given: GetBucketLocation echoes "EU" as "EU"
        with self.db.transaction() as conn:
            row = conn.execute("SELECT region FROM s3_buckets WHERE name=?", (bucket,)).fetchone()
            if row is None:
                conn.execute("INSERT INTO s3_buckets(name, region, created) VALUES (?, ?, ?)",
                             (bucket, region, self.now()))
                return True
        if location is None and row["region"] == DEFAULT_REGION:
            return False
        raise bucket_already_owned(bucket)

    def delete_bucket(self, bucket: str) -> None:
        with self.db.transaction() as conn:
            if conn.execute("SELECT 1 FROM s3_buckets WHERE name=?", (bucket,)).fetchone() is None:
                raise no_such_bucket(bucket)
            if conn.execute("SELECT 1 FROM s3_objects WHERE bucket=? LIMIT 1",
                            (bucket,)).fetchone():
                raise bucket_not_empty(bucket)
            # unfinished multipart uploads go with the bucket
            parts = [r["file"] for r in conn.execute(
                "SELECT p.file FROM s3_parts p JOIN s3_uploads u USING (upload_id) "
                "WHERE u.bucket=?", (bucket,))]
            conn.execute("DELETE FROM s3_uploads WHERE bucket=?", (bucket,))
            conn.execute("DELETE FROM s3_buckets WHERE name=?", (bucket,))
        for name in parts:
            self.blobs.remove(name)

    def buckets(self) -> list[sqlite3.Row]:
        return self.db.query("SELECT name, region, created FROM s3_buckets ORDER BY name")

    # ---- objects ---------------------------------------------------------------------------
    def head(self, bucket: str, key: str) -> ObjectInfo:
        """The object's description, or NoSuchBucket / NoSuchKey."""
        row = self.db.query_one(f"SELECT {_OBJECT_COLUMNS} FROM s3_objects "
                                "WHERE bucket=? AND key=?", (bucket, key_bytes(key)))
        if row is None:
            self.require_bucket(bucket)
            raise no_such_key(key)
        return _object(bucket, row)

    def path(self, info: ObjectInfo) -> Path:
        return self.blobs.path(info.file)

    def put(self, bucket: str, key: str, blob: Blob, body: NewBody, *,
            if_none_match: bool = False,
            within: Callable[[sqlite3.Connection], None] | None = None) -> ObjectInfo:
        """Point (bucket, key) at a freshly written blob, replacing any previous object.

        The blob is consumed either way: on error (no bucket, precondition) it is removed.
        `if_none_match` is S3's conditional write (`If-None-Match: *`): fail if the key exists.
        `within` runs inside the same transaction (multipart completion retires its upload
        there, so the object appears and the upload disappears together).
        """
        kb = key_bytes(key)
        info = ObjectInfo(bucket=bucket, key=key, size=blob.digest.size,
                          etag=body.etag or blob.digest.etag, modified=self.now(),
                          content_type=body.content_type, metadata=body.metadata,
                          headers=body.headers, checksums=body.checksums, parts=body.parts,
                          file=blob.name)
        try:
            with self.db.transaction() as conn:
                if conn.execute("SELECT 1 FROM s3_buckets WHERE name=?",
                                (bucket,)).fetchone() is None:
                    raise no_such_bucket(bucket)
                old = conn.execute("SELECT file FROM s3_objects WHERE bucket=? AND key=?",
                                   (bucket, kb)).fetchone()
                if old is not None and if_none_match:
                    raise precondition_failed("If-None-Match")
                if within is not None:
                    within(conn)
                conn.execute(
                    f"INSERT OR REPLACE INTO s3_objects(bucket, {_OBJECT_COLUMNS}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (bucket, kb, info.size, info.etag, info.modified, info.content_type,
                     json.dumps(info.metadata), json.dumps(info.headers),
                     json.dumps(info.checksums), info.parts, info.file))
                if old is not None:
                    self._trash(conn, old["file"])
        except BaseException:
            self.blobs.remove(blob.name)
            raise
        self.purge()
        return info

    def delete(self, bucket: str, key: str) -> bool:
        """Delete one object; True if it existed. A missing key is not an error in S3."""
        kb = key_bytes(key)
        with self.db.transaction() as conn:
            if conn.execute("SELECT 1 FROM s3_buckets WHERE name=?", (bucket,)).fetchone() is None:
                raise no_such_bucket(bucket)
            old = conn.execute("SELECT file FROM s3_objects WHERE bucket=? AND key=?",
                               (bucket, kb)).fetchone()
            if old is None:
                return False
            conn.execute("DELETE FROM s3_objects WHERE bucket=? AND key=?", (bucket, kb))
            self._trash(conn, old["file"])
        self.purge()
        return True

    def scan(self, bucket: str, lower: bytes, inclusive: bool, upper: bytes | None,
             limit: int) -> list[ObjectInfo]:
        """Up to `limit` objects with lower <(=) key < upper, in S3's order (for listing.py)."""
        op = ">=" if inclusive else ">"
        sql = f"SELECT {_OBJECT_COLUMNS} FROM s3_objects WHERE bucket=? AND key {op} ?"
        params: list = [bucket, lower]
        if upper is not None:
            sql += " AND key < ?"
            params.append(upper)
        sql += " ORDER BY key LIMIT ?"
        params.append(limit)
        return [_object(bucket, r) for r in self.db.query(sql, params)]

    # ---- retiring files --------------------------------------------------------------------
    def _trash(self, conn: sqlite3.Connection, name: str) -> None:
        conn.execute("INSERT OR REPLACE INTO s3_trash(file, since) VALUES (?, ?)",
                     (name, time.time()))

    def purge(self, grace: float = TRASH_GRACE_SECONDS) -> None:
        """Unlink retired files older than the grace period (wall-clock: it protects readers
        that are streaming right now, whatever the simulated clock says)."""
        cutoff = time.time() - grace
        rows = self.db.query("SELECT file FROM s3_trash WHERE since <= ?", (cutoff,))
        for row in rows:
            self.blobs.remove(row["file"])
        if rows:
            self.db.execute("DELETE FROM s3_trash WHERE since <= ?", (cutoff,))

    def recover(self) -> None:
        """At server start nothing is being read, so finish every retirement; and remove what
        a crash left behind: temp files and bodies no row points at. Only files older than the
        grace period count as left behind, in case another process (one that opened this home
        in-process) is between writing a body and committing its row."""
        self.purge(grace=-1.0)
        self.blobs.clear_tmp(older_than=TRASH_GRACE_SECONDS)
        candidates = self.blobs.names_older_than(TRASH_GRACE_SECONDS)
        referenced = {r["file"] for r in self.db.query("SELECT file FROM s3_objects")}
        referenced |= {r["file"] for r in self.db.query("SELECT file FROM s3_parts")}
        for name in candidates - referenced:
            self.blobs.remove(name)
