"""Metric data in the cloud's SQLite store: one row per metric, dimension set, unit and minute.

CloudWatch keeps one-minute data for 15 days; one-minute rows are also the finest grain the
course's endpoints need, so every period a caller asks for is a sum of whole minutes. A metric is
its namespace, name and *exact* dimension set (stored as sorted JSON, so the order a caller
lists dimensions in does not make a new metric).
"""
from __future__ import annotations

import json
import logging
import threading
from typing import Iterable

from ...server.state import Store
from .aggregate import Aggregate

SCHEMA = """
CREATE TABLE IF NOT EXISTS metric_data (
    namespace TEXT NOT NULL, metric TEXT NOT NULL, dims TEXT NOT NULL, unit TEXT NOT NULL,
    minute INTEGER NOT NULL,
    count REAL NOT NULL, sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL,
    samples TEXT NOT NULL, exact INTEGER NOT NULL,
    PRIMARY KEY (namespace, metric, dims, unit, minute));
CREATE INDEX IF NOT EXISTS metric_data_minute ON metric_data (minute);
"""
log = logging.getLogger("labcloud.cloudwatch")
Key = tuple[str, str, str, str, int]  # namespace, metric, dims JSON, unit, minute (epoch s)


def dims_key(dimensions: Iterable[dict]) -> str:
    return json.dumps(sorted([d["Name"], d["Value"]] for d in dimensions))


def dims_list(key: str) -> list[dict]:
    return [{"Name": n, "Value": v} for n, v in json.loads(key)]


def minute_of(ts: float) -> int:
    return int(ts // 60) * 60


class MetricStore:
    def __init__(self, store: Store):
        self.store = store
        store.executescript(SCHEMA)

    def add(self, batch: dict[Key, Aggregate]) -> None:
        """Merge aggregates into their minute rows, all in one transaction."""
        if not batch:
            return
        with self.store.transaction() as conn:
            for key, agg in batch.items():
                row = conn.execute("SELECT count, sum, min, max, samples, exact FROM metric_data "
                                   "WHERE namespace=? AND metric=? AND dims=? AND unit=? AND "
                                   "minute=?", key).fetchone()
                if row is not None:
                    merged = Aggregate.from_row(row)
                    merged.merge(agg)
                    agg = merged
                else:
                    agg.compact()
                conn.execute("INSERT OR REPLACE INTO metric_data VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                             (*key, agg.count, agg.sum, agg.min, agg.max, agg.samples_json(),
                              int(agg.exact)))

    def minutes(self, namespace: str, metric: str, dims: str, unit: str | None,
                start: int, end: float) -> list[tuple[int, str, Aggregate]]:
        """(minute, unit, aggregate) rows of one metric with start <= minute < end."""
        sql = ("SELECT minute, unit, count, sum, min, max, samples, exact FROM metric_data "
               "WHERE namespace=? AND metric=? AND dims=? AND minute>=? AND minute<?")
        args: list = [namespace, metric, dims, start, end]
        if unit is not None:
            sql += " AND unit=?"
            args.append(unit)
        rows = self.store.query(sql + " ORDER BY minute", args)
        return [(r["minute"], r["unit"], Aggregate.from_row(r)) for r in rows]

    def metrics(self, since: int, namespace: str | None = None,
                metric: str | None = None) -> list[tuple[str, str, str]]:
        """Distinct (namespace, metric, dims JSON) with data since `since`, sorted."""
        sql = "SELECT DISTINCT namespace, metric, dims FROM metric_data WHERE minute>=?"
        args: list = [since]
        if namespace is not None:
            sql += " AND namespace=?"
            args.append(namespace)
        if metric is not None:
            sql += " AND metric=?"
            args.append(metric)
        rows = self.store.query(sql + " ORDER BY namespace, metric, dims", args)
        return [(r["namespace"], r["metric"], r["dims"]) for r in rows]


class Pending:
    """Aggregates counted on the event loop, written to SQLite by a background thread.

    The data plane must not wait for disk, so an observer only adds to an in-memory batch under
    a lock; a thread flushes it every `interval` seconds, and every read flushes first so that a
    caller sees the requests it just made. One flush runs at a time, so a read never overtakes
    a batch that is still being written.
    """

    def __init__(self, metrics: MetricStore, interval: float = 1.0):
        self.metrics = metrics
        self.interval = interval
        self._batch: dict[Key, Aggregate] = {}
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, values: list[tuple[Key, float]]) -> None:
        with self._lock:
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name="labcloud-metrics")
                self._thread.start()
            for key, value in values:
                agg = self._batch.get(key)
                if agg is None:
                    agg = self._batch[key] = Aggregate()
                agg.add(value)

    def flush(self) -> None:
        with self._flushing:
            with self._lock:
                batch, self._batch = self._batch, {}
            try:
                self.metrics.add(batch)
            except Exception:  # keep the batch for the next flush: counts are never dropped
                with self._lock:
                    for key, agg in batch.items():
                        if key in self._batch:
                            agg.merge(self._batch[key])
                        self._batch[key] = agg
                raise

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.flush()
            except Exception:  # a locked database now and then: the next round retries
                log.exception("flushing metrics failed; retrying")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.flush()
