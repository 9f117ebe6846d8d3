"""Notebook instances: the resource that bills until someone stops it.

Statuses move as on AWS: Pending -> InService, InService -> Stopping -> Stopped,
Stopped -> Pending (start) or Updating -> Stopped (update), Stopped/Failed -> Deleting -> gone.
Each move that takes minutes on AWS is *accounted* on the simulated clock by a short timer
thread (a moment of real time, then the clock skips to the end of the wait), like a job's
phases, so a student sees Pending, then InService, without waiting five minutes.

The bill counts every InService interval (start, end or now), so a forgotten instance keeps
costing when the clock is moved on over a weekend.
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from typing import TYPE_CHECKING

from ... import billing, config
from ...server.errors import AWSError
from ...server.state import Resources
from .listing import list_page

if TYPE_CHECKING:
    from ...server.app import Cloud

KIND = "notebook-instance"
DELETED_KIND = "notebook-instance-deleted"  # deleted instances stay on the bill
# simulated seconds each transition takes (AWS: a few minutes to start, about one to stop)
DURATIONS = {"Pending": 240.0, "Stopping": 60.0, "Updating": 60.0, "Deleting": 60.0}
NEXT = {"Pending": "InService", "Stopping": "Stopped", "Updating": "Stopped", "Deleting": None}
REAL_DELAY = 0.5  # wall-clock seconds a transitional status stays visible before the skip
HOLDING = ("Pending", "InService", "Stopping")  # statuses that hold an instance (quota)


def notebook_arn(name: str) -> str:
    return config.arn("sagemaker", f"notebook-instance/{name.lower()}")


def _refuse(doc: dict, allowed: str, target: str) -> AWSError:
    return AWSError("ValidationException", f"Status ({doc['NotebookInstanceStatus']}) not in "
                    f"([{allowed}]). Unable to transition to ({target}) for Notebook Instance "
                    f"({doc['NotebookInstanceArn']}).")


class NotebookInstances:
    def __init__(self, cloud: "Cloud"):
        self.cloud = cloud
        self.docs = Resources(cloud.store, KIND)
        self.lock = threading.RLock()
        cloud.services["servicequotas"].register_usage("notebook", self.usage)
        billing.register_source(bill_lines)

    # ---- state ----------------------------------------------------------------------------
    def usage(self, cloud) -> Counter:
        used: Counter = Counter()
        for name in self.docs.names_with_status(*HOLDING):
            used[(self.docs.get(name) or {}).get("InstanceType")] += 1
        return used

    def get(self, name: str) -> dict:
        doc = self.docs.get(name)
        if doc is None:
            raise AWSError("ValidationException", "RecordNotFound")
        return doc

    def _move(self, doc: dict, status: str) -> dict:
        """Enter `status` now, close or open the billed InService interval, start its timer."""
        now = self.cloud.clock.now()
        if doc["NotebookInstanceStatus"] == "InService" and doc["InServiceIntervals"]:
            doc["InServiceIntervals"][-1][1] = now
        if status == "InService":
            doc["InServiceIntervals"].append([now, None])
        doc["NotebookInstanceStatus"] = status
        doc["LastModifiedTime"] = now
        self.docs.put(doc["NotebookInstanceName"], doc, status=status, modified=now)
        if status in DURATIONS:
            self._timer(doc["NotebookInstanceName"], status, now + DURATIONS[status])
        return doc

    def _timer(self, name: str, status: str, until: float) -> None:
        def finish():
            time.sleep(REAL_DELAY)
            self.cloud.clock.wait_until(until)
            with self.lock:
                doc = self.docs.get(name)
                if doc is None or doc["NotebookInstanceStatus"] != status:
                    return
                if NEXT[status] is None:
                    self._move(doc, "Deleted")
                    Resources(self.cloud.store, DELETED_KIND).insert(
                        f"{name}@{doc['LastModifiedTime']}", doc["NotebookInstanceArn"], doc,
                        status="Deleted", created=doc["LastModifiedTime"])
                    self.docs.delete(name)
                else:
                    self._move(doc, NEXT[status])
        threading.Thread(target=finish, name=f"notebook-{name}-{status}", daemon=True).start()

    def resume(self) -> None:
        """After a restart, finish the transitions that were under way."""
        for status in DURATIONS:
            for name in self.docs.names_with_status(status):
                doc = self.docs.get(name)
                if doc:
                    self._timer(name, status, doc["LastModifiedTime"] + DURATIONS[status])

    # ---- operations -------------------------------------------------------------------------
    def create(self, p: dict) -> dict:
        from ...compute.training import check_role
        from ..servicequotas import check as quota_check

        name = p["NotebookInstanceName"]
        arn = notebook_arn(name)
        with self.lock:
            if self.docs.get(name) is not None:
                raise AWSError("ValidationException",
                               f"Cannot create a duplicate Notebook Instance ({arn})")
            check_role(self.cloud, p["RoleArn"])
            quota_check(self.cloud, "notebook", p["InstanceType"], 1)
            now = self.cloud.clock.now()
            doc = {
                "NotebookInstanceArn": arn, "NotebookInstanceName": name,
                "NotebookInstanceStatus": "Pending",
                "Url": f"{name.lower()}.notebook.{config.REGION}.sagemaker.aws",
                "InstanceType": p["InstanceType"], "RoleArn": p["RoleArn"],
                "CreationTime": now, "LastModifiedTime": now,
                "DirectInternetAccess": p.get("DirectInternetAccess", "Enabled"),
                "VolumeSizeInGB": p.get("VolumeSizeInGB", 5),
                "RootAccess": p.get("RootAccess", "Enabled"),
                "PlatformIdentifier": p.get("PlatformIdentifier", "notebook-al2-v2"),
                "InServiceIntervals": [],
            }
            for key in ("SubnetId", "SecurityGroupIds", "KmsKeyId", "LifecycleConfigName",
                        "DefaultCodeRepository", "AdditionalCodeRepositories",
                        "AcceleratorTypes", "InstanceMetadataServiceConfiguration"):
                if p.get(key) is not None:
                    doc[key] = p[key]
            if not self.docs.insert(name, arn, doc, status="Pending", created=now):
                raise AWSError("ValidationException",
                               f"Cannot create a duplicate Notebook Instance ({arn})")
            self._timer(name, "Pending", now + DURATIONS["Pending"])
        return {"NotebookInstanceArn": arn}

    def describe(self, p: dict) -> dict:
        doc = self.get(p["NotebookInstanceName"])
        return {k: v for k, v in doc.items() if k != "InServiceIntervals"}

    def list(self, p: dict) -> dict:
        page, token = list_page(
            self.docs.all(), p, name_key="NotebookInstanceName",
            status_key="NotebookInstanceStatus",
            summary=lambda d: {k: d[k] for k in (
                "NotebookInstanceName", "NotebookInstanceArn", "NotebookInstanceStatus", "Url",
                "InstanceType", "CreationTime", "LastModifiedTime")},
            sort_keys={"Name": "NotebookInstanceName", "CreationTime": "CreationTime",
                       "Status": "NotebookInstanceStatus"}, default_sort="Name")
        return {"NotebookInstances": page, **({"NextToken": token} if token else {})}

    def start(self, p: dict) -> dict:
        from ..servicequotas import check as quota_check

        with self.lock:
            doc = self.get(p["NotebookInstanceName"])
            if doc["NotebookInstanceStatus"] not in ("Stopped", "Failed"):
                raise _refuse(doc, "Stopped, Failed", "Pending")
            quota_check(self.cloud, "notebook", doc["InstanceType"], 1)
            self._move(doc, "Pending")
        return {}

    def stop(self, p: dict) -> dict:
        with self.lock:
            doc = self.get(p["NotebookInstanceName"])
            if doc["NotebookInstanceStatus"] != "InService":
                raise _refuse(doc, "InService", "Stopping")
            self._move(doc, "Stopping")
        return {}

    def update(self, p: dict) -> dict:
        from ...compute.training import check_role

        with self.lock:
            doc = self.get(p["NotebookInstanceName"])
            if doc["NotebookInstanceStatus"] not in ("Stopped", "Failed"):
                raise _refuse(doc, "Stopped, Failed", "Updating")
            if p.get("RoleArn"):
                check_role(self.cloud, p["RoleArn"])
            for key in ("InstanceType", "RoleArn", "VolumeSizeInGB", "RootAccess",
                        "LifecycleConfigName", "DefaultCodeRepository", "AcceleratorTypes"):
                if p.get(key) is not None:
                    doc[key] = p[key]
            self._move(doc, "Updating")
        return {}

    def delete(self, p: dict) -> dict:
        with self.lock:
            doc = self.get(p["NotebookInstanceName"])
            if doc["NotebookInstanceStatus"] not in ("Stopped", "Failed"):
                raise _refuse(doc, "Stopped, Failed", "Deleting")
            self._move(doc, "Deleting")
        return {}


def bill_lines(cloud: "Cloud") -> list[dict]:
    """A notebook instance bills every second it was InService, up to now while it still is."""
    now = cloud.clock.now()
    out = []
    docs = Resources(cloud.store, DELETED_KIND).all() + Resources(cloud.store, KIND).all()
    for doc in docs:
        seconds = sum((end if end is not None else now) - start
                      for start, end in doc.get("InServiceIntervals") or [])
        out.append(billing.line(doc["NotebookInstanceName"], "sagemaker", "notebook",
                                doc["InstanceType"], 1, float(int(max(0.0, seconds))),
                                doc["NotebookInstanceStatus"]))
    return out
