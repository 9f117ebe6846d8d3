"""Durable state: one SQLite database (WAL) per labcloud home, plus atomic file writes.

Every service keeps its rows here so that a stopped and restarted server finds every bucket,
object, job and log line where it left them. Connections are per thread because SQLite
connections must not be shared across threads; WAL lets readers run while a job writes.
"""
from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS resources (
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    arn TEXT NOT NULL,
    status TEXT,
    created REAL NOT NULL,
    modified REAL NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (kind, name)
);
CREATE INDEX IF NOT EXISTS resources_created ON resources (kind, created);
"""


class Store:
    """The control-plane database of one labcloud home."""

    def __init__(self, home: Path):
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        self.path = self.home / "state.db"
        self._local = threading.local()
        self.lock = threading.RLock()  # serialises read-modify-write sequences across threads
        self.executescript(SCHEMA)

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None,
                                   check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
        return conn

    def executescript(self, script: str) -> None:
        self.conn.executescript(script)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, under the store lock: all or nothing, one writer at a time."""
        with self.lock:
            conn = self.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def query(self, sql: str, params: tuple | list = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def query_one(self, sql: str, params: tuple | list = ()) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    def execute(self, sql: str, params: tuple | list = ()) -> sqlite3.Cursor:
        with self.lock:
            return self.conn.execute(sql, params)

    # meta: small named values (the clock's offset, counters)
    def get_meta(self, key: str, default: Any = None) -> Any:
        row = self.query_one("SELECT value FROM meta WHERE key=?", (key,))
        return json.loads(row["value"]) if row else default

    def set_meta(self, key: str, value: Any) -> None:
        self.execute("INSERT INTO meta(key, value) VALUES(?, ?) "
                     "ON CONFLICT(key) DO UPDATE SET value=excluded.value", (key, json.dumps(value)))

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


class Resources:
    """Named SageMaker-style resources of one kind, each a JSON document with a status.

    Training jobs, models, endpoints... share the same needs (unique names, list with filters,
    sort and pagination), so they share one table rather than one table and one copy of the
    list logic each.
    """

    def __init__(self, store: Store, kind: str):
        self.store = store
        self.kind = kind

    def get(self, name: str) -> dict | None:
        row = self.store.query_one("SELECT doc FROM resources WHERE kind=? AND name=?",
                                   (self.kind, name))
        return json.loads(row["doc"]) if row else None

    def insert(self, name: str, arn: str, doc: dict, *, status: str | None, created: float) -> bool:
        """Insert a new resource; False when the name is taken (the caller raises its own error)."""
        try:
            self.store.execute(
                "INSERT INTO resources(kind, name, arn, status, created, modified, doc) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (self.kind, name, arn, status, created, created, json.dumps(doc)))
        except sqlite3.IntegrityError:
            return False
        return True

    def put(self, name: str, doc: dict, *, status: str | None, modified: float) -> None:
        self.store.execute("UPDATE resources SET doc=?, status=?, modified=? WHERE kind=? AND name=?",
                           (json.dumps(doc), status, modified, self.kind, name))

    def delete(self, name: str) -> None:
        self.store.execute("DELETE FROM resources WHERE kind=? AND name=?", (self.kind, name))

    def all(self) -> list[dict]:
        rows = self.store.query("SELECT doc FROM resources WHERE kind=? ORDER BY created, name",
                                (self.kind,))
        return [json.loads(r["doc"]) for r in rows]

    def names_with_status(self, *statuses: str) -> list[str]:
        marks = ",".join("?" * len(statuses))
        rows = self.store.query(
            f"SELECT name FROM resources WHERE kind=? AND status IN ({marks}) ORDER BY created",
            (self.kind, *statuses))
        return [r["name"] for r in rows]


def atomic_write(path: Path, data: bytes) -> None:
    """Write a file so that readers see either the old or the new content, never a torn one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
