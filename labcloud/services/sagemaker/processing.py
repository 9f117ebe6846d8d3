"""Processing jobs: the API side (create, describe, list, stop) and the job's recorded state.

The work happens in labcloud.compute.processing, which reports back through `update` and
`finish`. Monitoring schedules start their executions through `start` too, so a monitoring
execution is an ordinary processing job (with its MonitoringScheduleArn), as on AWS.

labcloud runs one processing image: the Model Monitor analyzer. Any other URI gets the answer
AWS gives for an image it cannot pull; the XGBoost images, which exist but have no processing
entry point here, get a ValidationException that says so.
"""
from __future__ import annotations

import threading
from collections import Counter
from typing import TYPE_CHECKING

from ... import config
from ...compute.processing import ProcessingRun, check_local_path
from ...compute.training import check_role, split_s3_uri
from ...server.errors import AWSError
from ...server.state import Resources
from .listing import list_page

if TYPE_CHECKING:
    from ...server.app import Cloud

KIND = "processing-job"
ACTIVE = ("InProgress", "Stopping")
DEFAULT_MAX_RUNTIME = 86400


def processing_job_arn(name: str) -> str:
    return config.arn("sagemaker", f"processing-job/{name}")


def _null(path: str) -> AWSError:
    return AWSError("ValidationException", f"1 validation error detected: Value null at "
                    f"'{path}' failed to satisfy constraint: Member must not be null")


class ProcessingJobs:
    def __init__(self, cloud: "Cloud"):
        self.cloud = cloud
        self.docs = Resources(cloud.store, KIND)
        self.lock = threading.RLock()
        self.runs: dict[str, ProcessingRun] = {}
        cloud.services["servicequotas"].register_usage("processing", self.usage)

    def usage(self, cloud) -> Counter:
        """Instances held by processing jobs that are InProgress or Stopping, per type."""
        used: Counter = Counter()
        for name in self.docs.names_with_status(*ACTIVE):
            cluster = ((self.docs.get(name) or {}).get("ProcessingResources") or {}).get("ClusterConfig") or {}
            used[cluster.get("InstanceType")] += int(cluster.get("InstanceCount") or 0)
        return used

    # ---- API ----------------------------------------------------------------------------
    def create(self, p: dict) -> dict:
        return {"ProcessingJobArn": self.start(p)}

    def check(self, p: dict):
        """What CreateProcessingJob refuses before any instance starts; returns the image."""
        from ...images.registry import MODEL_MONITOR, resolve
        from ..servicequotas import check as quota_check

        cluster = p["ProcessingResources"]["ClusterConfig"]
        for field in ("InstanceType", "InstanceCount"):
            if cluster.get(field) is None:
                raise _null(f"processingResources.clusterConfig.{field[0].lower() + field[1:]}")
        names = [i["InputName"] for i in p.get("ProcessingInputs") or []]
        names += [o["OutputName"] for o in (p.get("ProcessingOutputConfig") or {}).get("Outputs") or []]
        if len(names) != len(set(names)):
            raise AWSError("ValidationException", "Input and output names must be unique: "
                           f"{', '.join(sorted({n for n in names if names.count(n) > 1}))}.")
        for item in p.get("ProcessingInputs") or []:
            source = item.get("S3Input")
            if source is None:
                raise AWSError("ValidationException", f"Input {item['InputName']}: labcloud "
                               "supports S3Input processing inputs only.")
            if source["S3DataType"] not in ("S3Prefix", "S3Object"):
                raise AWSError("ValidationException", f"Input {item['InputName']}: labcloud "
                               f"supports S3DataType S3Prefix and S3Object, not {source['S3DataType']}.")
            if not source.get("LocalPath"):
                raise AWSError("ValidationException", f"Input {item['InputName']}: LocalPath is "
                               "required for an S3 input.")
            check_local_path(source["LocalPath"], "LocalPath")
            split_s3_uri(source["S3Uri"])
        for item in (p.get("ProcessingOutputConfig") or {}).get("Outputs") or []:
            out = item.get("S3Output")
            if out is None:
                raise AWSError("ValidationException", f"Output {item['OutputName']}: labcloud "
                               "supports S3Output processing outputs only.")
            check_local_path(out["LocalPath"], "LocalPath")
            split_s3_uri(out["S3Uri"])
        image = resolve(p["AppSpecification"]["ImageUri"], p["RoleArn"])
        if image.name != MODEL_MONITOR:
            raise AWSError("ValidationException", f"labcloud runs processing jobs with the Model "
                           "Monitor analyzer image only (image_uris.retrieve('model-monitor', "
                           f"region)); {image.uri} has no processing entry point.")
        check_role(self.cloud, p["RoleArn"])
        quota_check(self.cloud, "processing", cluster["InstanceType"], cluster["InstanceCount"])
        return image

    def start(self, p: dict, **extra) -> str:
        """Validate, record and start a job; `extra` adds fields such as MonitoringScheduleArn."""
        with self.lock:  # the quota check and the insert are one step
            name = p["ProcessingJobName"]
            arn = processing_job_arn(name)
            if self.docs.get(name) is not None:
                raise AWSError("ResourceInUse", "Processing job names must be unique within an "
                               "AWS account and region, and a processing job with this name "
                               f"already exists ({arn})")
            image = self.check(p)
            now = self.cloud.clock.now()
            doc = {k: v for k, v in p.items() if k != "Tags"}
            doc.update(extra)
            doc.update({"ProcessingJobArn": arn, "ProcessingJobStatus": "InProgress",
                        "CreationTime": now, "LastModifiedTime": now})
            doc.setdefault("StoppingCondition", {"MaxRuntimeInSeconds": DEFAULT_MAX_RUNTIME})
            for item in doc.get("ProcessingInputs") or []:
                item.setdefault("AppManaged", False)
                item["S3Input"].setdefault("S3InputMode", "File")
                item["S3Input"].setdefault("S3DataDistributionType", "FullyReplicated")
                item["S3Input"].setdefault("S3CompressionType", "None")
            for item in (doc.get("ProcessingOutputConfig") or {}).get("Outputs") or []:
                item.setdefault("AppManaged", False)
            if not self.docs.insert(name, arn, doc, status="InProgress", created=now):
                raise AWSError("ResourceInUse", f"Processing job {name} already exists ({arn})")
            run = ProcessingRun(self.cloud, self, name, image)
            self.runs[name] = run
        run.start()
        return arn

    def get(self, name: str) -> dict:
        doc = self.docs.get(name)
        if doc is None:
            raise AWSError("ValidationException", "Could not find requested job with name "
                           f"{name}")
        return doc

    def describe(self, p: dict) -> dict:
        return {k: v for k, v in self.get(p["ProcessingJobName"]).items()
                if v is not None and not k.startswith("_")}

    def list(self, p: dict) -> dict:
        def summary(d: dict) -> dict:
            keys = ("ProcessingJobName", "ProcessingJobArn", "CreationTime", "ProcessingEndTime",
                    "LastModifiedTime", "ProcessingJobStatus", "FailureReason", "ExitMessage")
            return {k: d[k] for k in keys if d.get(k) is not None}
        page, token = list_page(self.docs.all(), p, name_key="ProcessingJobName",
                                status_key="ProcessingJobStatus", summary=summary,
                                sort_keys={"Name": "ProcessingJobName", "CreationTime": "CreationTime",
                                           "Status": "ProcessingJobStatus"})
        return {"ProcessingJobSummaries": page, **({"NextToken": token} if token else {})}

    def stop(self, p: dict) -> dict:
        with self.lock:
            doc = self.get(p["ProcessingJobName"])
            status = doc["ProcessingJobStatus"]
            if status == "Stopping":
                return {}
            if status != "InProgress":
                raise AWSError("ValidationException", "The request was rejected because the "
                               f"processing job is in status {status}.")
            now = self.cloud.clock.now()
            doc.update({"_stop": True, "ProcessingJobStatus": "Stopping", "LastModifiedTime": now})
            self.docs.put(doc["ProcessingJobName"], doc, status="Stopping", modified=now)
        return {}

    # ---- as the runner reports ------------------------------------------------------------
    def stop_requested(self, name: str) -> bool:
        doc = self.docs.get(name)
        return bool(doc and doc.get("_stop"))

    def update(self, name: str, **fields) -> None:
        with self.lock:
            doc = self.get(name)
            now = self.cloud.clock.now()
            doc.update(fields, LastModifiedTime=now)
            self.docs.put(name, doc, status=doc["ProcessingJobStatus"], modified=now)

    def finish(self, name: str, status: str, failure: str | None = None,
               exit_message: str | None = None) -> None:
        with self.lock:
            doc = self.get(name)
            now = self.cloud.clock.now()
            doc.pop("_stop", None)
            doc.update({"ProcessingJobStatus": status, "LastModifiedTime": now})
            if doc.get("ProcessingStartTime") is not None:
                doc["ProcessingEndTime"] = now
            if failure:
                doc["FailureReason"] = failure[:1024]
            if exit_message:
                doc["ExitMessage"] = exit_message[:1024]
            self.docs.put(name, doc, status=status, modified=now)
            self.runs.pop(name, None)

    # ---- server lifecycle ---------------------------------------------------------------
    def resume(self) -> None:
        for name in self.docs.names_with_status(*ACTIVE):
            doc = self.docs.get(name)
            if doc["ProcessingJobStatus"] == "Stopping":
                self.finish(name, "Stopped")
            else:
                self.finish(name, "Failed", "InternalServerError: The labcloud server stopped "
                            "while the job was running. Start the job again.")

    def stop_all(self) -> None:
        with self.lock:
            runs = list(self.runs.values())
        for run in runs:
            run.abort()
