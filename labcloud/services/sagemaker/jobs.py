"""What batch transform and processing jobs share: a document per job that a runner thread of
labcloud.compute updates, AWS's StopXJob rule, and what a restart does to a job under way.

Both kinds name their fields after the kind (`TransformJobStatus`, `ProcessingStartTime`...),
so one class serves both with the kind's prefix, instead of two copies of the same logic.
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from ...server.errors import AWSError
from ...server.state import Resources

if TYPE_CHECKING:
    from ...server.app import Cloud

ACTIVE = ("InProgress", "Stopping")
LOST = ("InternalServerError: The labcloud server stopped while the job was running. Start the "
        "job again.")


class RunnerJobs:
    def __init__(self, cloud: "Cloud", kind: str, prefix: str):
        self.cloud = cloud
        self.docs = Resources(cloud.store, kind)
        self.lock = threading.RLock()
        self.runs: dict[str, object] = {}
        self.name_key, self.status_key = f"{prefix}JobName", f"{prefix}JobStatus"
        self.start_key, self.end_key = f"{prefix}StartTime", f"{prefix}EndTime"
        self.noun = f"{prefix.lower()} job"

    def get(self, name: str) -> dict:
        doc = self.docs.get(name)
        if doc is None:
            raise AWSError("ValidationException", "Could not find requested job with name "
                           f"{name}")
        return doc

    _get = get

    def stop(self, p: dict) -> dict:
        """StopXJob: InProgress becomes Stopping (the runner ends it); a finished job refuses."""
        with self.lock:
            doc = self.get(p[self.name_key])
            status = doc[self.status_key]
            if status in ACTIVE:
                now = self.cloud.clock.now()
                doc.update({"_stop": True, self.status_key: "Stopping", "LastModifiedTime": now})
                self.docs.put(doc[self.name_key], doc, status="Stopping", modified=now)
                return {}
            raise AWSError("ValidationException", "The request was rejected because the "
                           f"{self.noun} is in status {status}.")

    # ---- as the runner reports ------------------------------------------------------------
    def stop_requested(self, name: str) -> bool:
        doc = self.docs.get(name)
        return bool(doc and doc.get("_stop"))

    def update(self, name: str, **fields) -> None:
        with self.lock:
            doc = self.get(name)
            now = self.cloud.clock.now()
            doc.update(fields, LastModifiedTime=now)
            self.docs.put(name, doc, status=doc[self.status_key], modified=now)

    def finish(self, name: str, status: str, failure: str | None = None, **fields) -> None:
        """End the job: its status, the end time when it had started, the reason it failed
        (AWS keeps the first 1024 characters), and any last fields (e.g. ExitMessage)."""
        with self.lock:
            doc = self.get(name)
            now = self.cloud.clock.now()
            doc.pop("_stop", None)
            doc.update({self.status_key: status, "LastModifiedTime": now})
            if doc.get(self.start_key) is not None:
                doc[self.end_key] = now
            if failure:
                doc["FailureReason"] = failure[:1024]
            doc.update({k: v[:1024] if isinstance(v, str) else v
                        for k, v in fields.items() if v is not None})
            self.docs.put(name, doc, status=status, modified=now)
            self.runs.pop(name, None)

    # ---- server lifecycle ---------------------------------------------------------------
    def resume(self) -> None:
        """A job whose server stopped under it cannot go on: a stopping one ends Stopped, a
        running one Failed, so nothing stays InProgress forever."""
        for name in self.docs.names_with_status(*ACTIVE):
            doc = self.docs.get(name)
            if doc[self.status_key] == "Stopping":
                self.finish(name, "Stopped")
            else:
                self.finish(name, "Failed", LOST)

    def stop_all(self) -> None:
        with self.lock:
            runs = list(self.runs.values())
        for run in runs:
            run.abort()
