"""Training jobs: the API side (create, describe, list, stop) and the job's recorded state.

The job itself runs in labcloud.compute.training; it reports back through `transition` and
`finish`, so everything a student can observe about a job lives in its document here.
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from ... import config
from ...compute.training import TrainingRun, check_request
from ...server.errors import AWSError
from ...server.state import Resources
from .listing import list_page

if TYPE_CHECKING:
    from ...server.app import Cloud

KIND = "training-job"
ACTIVE = ("InProgress", "Stopping")
DEFAULT_MAX_RUNTIME = 86400


def training_job_arn(name: str) -> str:
    return config.arn("sagemaker", f"training-job/{name}")


class TrainingJobs:
    def __init__(self, cloud: "Cloud"):
        self.cloud = cloud
        self.docs = Resources(cloud.store, KIND)
        self.lock = threading.RLock()
        self.runs: dict[str, object] = {}

    # ---- API ----------------------------------------------------------------------------
    def create(self, p: dict) -> dict:
        with self.lock:  # the quota check and the insert are one step: no two creates slip past
            return self._create(p)

    def _create(self, p: dict) -> dict:
        name = p["TrainingJobName"]
        arn = training_job_arn(name)
        if self.docs.get(name) is not None:
            raise AWSError("ResourceInUse", "Training job names must be unique within an AWS "
                           "account and region, and a training job with this name already "
                           f"exists ({arn})")
        image = check_request(self.cloud, p)
        now = self.cloud.clock.now()
        doc = {k: v for k, v in p.items() if k != "Tags"}
        doc.update({
            "TrainingJobArn": arn,
            "TrainingJobStatus": "InProgress",
            "SecondaryStatus": "Starting",
            "CreationTime": now,
            "LastModifiedTime": now,
            "SecondaryStatusTransitions": [
                {"Status": "Starting", "StartTime": now, "StatusMessage": "Starting the training job"}],
            "EnableNetworkIsolation": p.get("EnableNetworkIsolation", False),
            "EnableInterContainerTrafficEncryption": p.get("EnableInterContainerTrafficEncryption", False),
            "EnableManagedSpotTraining": p.get("EnableManagedSpotTraining", False),
        })
        doc.setdefault("StoppingCondition", {})
        doc["StoppingCondition"].setdefault("MaxRuntimeInSeconds", DEFAULT_MAX_RUNTIME)
        doc["ResourceConfig"].setdefault("VolumeSizeInGB", 30)
        doc["HyperParameters"] = dict(p.get("HyperParameters") or {})
        if not self.docs.insert(name, arn, doc, status="InProgress", created=now):
            raise AWSError("ResourceInUse", "Training job names must be unique within an AWS "
                           "account and region, and a training job with this name already "
                           f"exists ({arn})")
        run = TrainingRun(self.cloud, self, name, image)
        with self.lock:
            self.runs[name] = run
        run.start()
        return {"TrainingJobArn": arn}

    def describe(self, p: dict) -> dict:
        doc = self._get(p["TrainingJobName"])
        return {k: v for k, v in doc.items() if v is not None and k not in ("_stop",)}

    def list(self, p: dict) -> dict:
        def summary(d: dict) -> dict:
            out = {k: d.get(k) for k in ("TrainingJobName", "TrainingJobArn", "CreationTime",
                                         "TrainingEndTime", "LastModifiedTime", "TrainingJobStatus",
                                         "SecondaryStatus")}
            return {k: v for k, v in out.items() if v is not None}
        page, token = list_page(self.docs.all(), p, name_key="TrainingJobName",
                                status_key="TrainingJobStatus", summary=summary,
                                sort_keys={"Name": "TrainingJobName", "CreationTime": "CreationTime",
                                           "Status": "TrainingJobStatus"})
        return {"TrainingJobSummaries": page, **({"NextToken": token} if token else {})}

    def stop(self, p: dict) -> dict:
        name = p["TrainingJobName"]
        with self.lock:
            doc = self._get(name)
            status = doc["TrainingJobStatus"]
            if status == "Stopping":
                return {}
            if status != "InProgress":
                raise AWSError("ValidationException", "The request was rejected because the "
                               f"training job is in status {status}.")
            now = self.cloud.clock.now()
            doc["_stop"] = True
            doc["TrainingJobStatus"] = "Stopping"
            self._transition(doc, "Stopping", "Stopping the training job", now)
            self._save(doc, now)
        return {}

    # ---- state, as the runner reports it --------------------------------------------------
    def _get(self, name: str) -> dict:
        doc = self.docs.get(name)
        if doc is None:
            raise AWSError("ValidationException", "Requested resource not found.")
        return doc

    def _save(self, doc: dict, now: float) -> None:
        doc["LastModifiedTime"] = now
        self.docs.put(doc["TrainingJobName"], doc, status=doc["TrainingJobStatus"], modified=now)

    @staticmethod
    def _transition(doc: dict, status: str, message: str, now: float) -> None:
        transitions = doc["SecondaryStatusTransitions"]
        last = transitions[-1]
        if last["Status"] == status:
            last["StatusMessage"] = message
        else:
            last.setdefault("EndTime", now)
            transitions.append({"Status": status, "StartTime": now, "StatusMessage": message})
        doc["SecondaryStatus"] = status

    def stop_requested(self, name: str) -> bool:
        doc = self.docs.get(name)
        return bool(doc and doc.get("_stop"))

    def update(self, name: str, secondary: str | None = None, message: str | None = None,
               **fields) -> dict:
        """Record progress: a secondary status (with its message) and/or top-level fields."""
        with self.lock:
            doc = self._get(name)
            now = self.cloud.clock.now()
            if secondary and doc["TrainingJobStatus"] == "InProgress":
                self._transition(doc, secondary, message or "", now)
            doc.update(fields)
            self._save(doc, now)
            return doc

    def finish(self, name: str, status: str, secondary: str, message: str,
               failure: str | None = None, **fields) -> dict:
        """End the job: final statuses, the last transition closed, times settled."""
        with self.lock:
            doc = self._get(name)
            now = self.cloud.clock.now()
            self._transition(doc, secondary, message, now)
            doc["SecondaryStatusTransitions"][-1]["EndTime"] = now
            doc["TrainingJobStatus"] = status
            doc.pop("_stop", None)
            if failure:
                doc["FailureReason"] = failure
            doc.update(fields)
            start = doc.get("TrainingStartTime")
            if start is not None:
                doc.setdefault("TrainingEndTime", now)
                seconds = max(1, int(round(doc["TrainingEndTime"] - start)))
                doc["TrainingTimeInSeconds"] = seconds
                doc["BillableTimeInSeconds"] = seconds
            self._save(doc, now)
        with self.lock:
            self.runs.pop(name, None)
        return doc

    # ---- server lifecycle ---------------------------------------------------------------
    def resume(self) -> None:
        """A job whose server stopped under it cannot go on: end it as AWS ends a job that lost
        its instances, so nothing stays InProgress forever."""
        for name in self.docs.names_with_status(*ACTIVE):
            doc = self.docs.get(name)
            if doc["TrainingJobStatus"] == "Stopping":
                self.finish(name, "Stopped", "Stopped", "Training job stopped")
            else:
                self.finish(name, "Failed", "Failed", "Training job failed",
                            failure="InternalServerError: The labcloud server stopped while the "
                                    "job was running. Start the job again.")

    def stop_all(self) -> None:
        with self.lock:
            runs = list(self.runs.values())
        for run in runs:
            run.abort()
