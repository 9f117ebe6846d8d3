"""Processing jobs: the API side (create, describe, list, stop) and the job's recorded state.

The work happens in labcloud.compute.processing, which reports back through `update` and
`finish`. Monitoring schedules start their executions through `start` too, so a monitoring
execution is an ordinary processing job (with its MonitoringScheduleArn), as on AWS.

labcloud runs one processing image: the Model Monitor analyzer. Any other URI gets the answer
AWS gives for an image it cannot pull; the XGBoost images, which exist but have no processing
entry point here, get a ValidationException that says so.
"""
from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from ... import config
from ...compute.processing import ProcessingRun, check_local_path
from ...compute.training import check_role, split_s3_uri
from ...server.errors import AWSError
from .jobs import ACTIVE, RunnerJobs
from .listing import list_page

if TYPE_CHECKING:
    from ...server.app import Cloud

KIND = "processing-job"
DEFAULT_MAX_RUNTIME = 86400


def processing_job_arn(name: str) -> str:
    return config.arn("sagemaker", f"processing-job/{name}")


def _null(path: str) -> AWSError:
    return AWSError("ValidationException", f"1 validation error detected: Value null at "
                    f"'{path}' failed to satisfy constraint: Member must not be null")


class ProcessingJobs(RunnerJobs):
    def __init__(self, cloud: "Cloud"):
        super().__init__(cloud, KIND, "Processing")
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
