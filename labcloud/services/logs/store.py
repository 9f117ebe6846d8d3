"""Log groups, streams and events in SQLite: what jobs write and students read back.

A message is stored as CloudWatch renders it: a TAB becomes `#011`, the syslog-style escape
students meet in real SageMaker logs (and that AWS's built-in metric regexes expect).
"""
from __future__ import annotations

from ...server.state import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS log_groups (
    name TEXT PRIMARY KEY, created INTEGER NOT NULL, retention INTEGER);
CREATE TABLE IF NOT EXISTS log_streams (
    grp TEXT NOT NULL REFERENCES log_groups(name) ON DELETE CASCADE,
    name TEXT NOT NULL, created INTEGER NOT NULL,
    first_ts INTEGER, last_ts INTEGER, last_ingestion INTEGER, stored_bytes INTEGER DEFAULT 0,
    PRIMARY KEY (grp, name));
CREATE TABLE IF NOT EXISTS log_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    grp TEXT NOT NULL, stream TEXT NOT NULL,
    ts INTEGER NOT NULL, ingestion INTEGER NOT NULL, message TEXT NOT NULL,
    FOREIGN KEY (grp, stream) REFERENCES log_streams(grp, name) ON DELETE CASCADE);
CREATE INDEX IF NOT EXISTS log_events_stream ON log_events (grp, stream, id);
"""


def render(line: str) -> str:
    """A container's output line as CloudWatch shows it."""
    return line.rstrip("\r\n").replace("\t", "#011")


class LogStore:
    def __init__(self, store: Store):
        self.store = store
        store.executescript(SCHEMA)

    def group_exists(self, group: str) -> bool:
        return self.store.query_one("SELECT 1 FROM log_groups WHERE name=?", (group,)) is not None

    def stream_exists(self, group: str, stream: str) -> bool:
        return self.store.query_one("SELECT 1 FROM log_streams WHERE grp=? AND name=?",
                                    (group, stream)) is not None

    def create_group(self, group: str, now_ms: int) -> bool:
        cur = self.store.execute("INSERT OR IGNORE INTO log_groups(name, created) VALUES (?, ?)",
                                 (group, now_ms))
        return cur.rowcount == 1

    def create_stream(self, group: str, stream: str, now_ms: int) -> bool:
        cur = self.store.execute("INSERT OR IGNORE INTO log_streams(grp, name, created) "
                                 "VALUES (?, ?, ?)", (group, stream, now_ms))
        return cur.rowcount == 1

    def append(self, group: str, stream: str, events: list[tuple[int, str]], now_ms: int) -> None:
        """Add (timestamp ms, message) events, creating the group and stream as AWS's agent does."""
        if not events:
            return
        with self.store.transaction() as conn:
            conn.execute("INSERT OR IGNORE INTO log_groups(name, created) VALUES (?, ?)",
                         (group, now_ms))
            conn.execute("INSERT OR IGNORE INTO log_streams(grp, name, created) VALUES (?, ?, ?)",
                         (group, stream, now_ms))
            conn.executemany("INSERT INTO log_events(grp, stream, ts, ingestion, message) "
                             "VALUES (?, ?, ?, ?, ?)",
                             [(group, stream, ts, now_ms, msg) for ts, msg in events])
            conn.execute(
                "UPDATE log_streams SET first_ts=COALESCE(first_ts, ?), last_ts=MAX(COALESCE(last_ts, 0), ?), "
                "last_ingestion=?, stored_bytes=stored_bytes+? WHERE grp=? AND name=?",
                (min(ts for ts, _ in events), max(ts for ts, _ in events), now_ms,
                 sum(len(m.encode()) for _, m in events), group, stream))

    def groups(self, prefix: str = "") -> list[dict]:
        rows = self.store.query("SELECT g.name, g.created, g.retention, "
                                "(SELECT COALESCE(SUM(stored_bytes),0) FROM log_streams s WHERE s.grp=g.name) AS bytes "
                                "FROM log_groups g WHERE g.name >= ? ORDER BY g.name", (prefix,))
        return [dict(r) for r in rows if r["name"].startswith(prefix)]

    def streams(self, group: str) -> list[dict]:
        return [dict(r) for r in self.store.query(
            "SELECT * FROM log_streams WHERE grp=? ORDER BY name", (group,))]

    def events(self, group: str, stream: str | None, *, after_id: int = 0, before_id: int | None = None,
               start: int | None = None, end: int | None = None, limit: int = 10000,
               newest: bool = False, streams: list[str] | None = None) -> list[dict]:
        """Events of a stream (or of several), by insertion id, optionally the newest `limit`."""
        sql = "SELECT id, stream, ts, ingestion, message FROM log_events WHERE grp=? AND id>?"
        params: list = [group, after_id]
        if stream is not None:
            sql += " AND stream=?"
            params.append(stream)
        if streams is not None:
            sql += f" AND stream IN ({','.join('?' * len(streams))})"
            params.extend(streams)
        if before_id is not None:
            sql += " AND id<?"
            params.append(before_id)
        if start is not None:
            sql += " AND ts>=?"
            params.append(start)
        if end is not None:
            sql += " AND ts<?"  # endTime is exclusive in CloudWatch Logs
            params.append(end)
        sql += " ORDER BY id DESC LIMIT ?" if newest else " ORDER BY id LIMIT ?"
        params.append(limit)
        rows = [dict(r) for r in self.store.query(sql, params)]
        return rows[::-1] if newest else rows

    def delete_group(self, group: str) -> bool:
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM log_events WHERE grp=?", (group,))
            conn.execute("DELETE FROM log_streams WHERE grp=?", (group,))
            return conn.execute("DELETE FROM log_groups WHERE name=?", (group,)).rowcount == 1

    def delete_stream(self, group: str, stream: str) -> bool:
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM log_events WHERE grp=? AND stream=?", (group, stream))
            return conn.execute("DELETE FROM log_streams WHERE grp=? AND name=?",
                                (group, stream)).rowcount == 1
